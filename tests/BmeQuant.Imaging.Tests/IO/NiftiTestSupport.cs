using System.Diagnostics;

namespace BmeQuant.Imaging.Tests.IO;

/// <summary>Runs Debian's python3 (with nibabel) for interop tests.</summary>
internal static class NiftiTestSupport
{
    public const string Python = "/usr/bin/python3";

    /// <summary>Null when python3 with nibabel and numpy is available, else the reason to skip.</summary>
    public static string? NibabelMissingReason()
    {
        if (!File.Exists(Python))
        {
            return $"{Python} not found (install python3-nibabel to run the nibabel interop test)";
        }

        var (code, _, err) = Run("import nibabel, numpy", []);
        return code == 0 ? null : "python3 has no nibabel/numpy (install python3-nibabel): " + err.Trim();
    }

    public static (int Code, string Stdout, string Stderr) Run(string script, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

using System.ComponentModel;
using System.Diagnostics;

namespace BmeQuant.Dicom.Tests.Seg;

/// <summary>Runs dcmtk or python for the SEG/SR interop tests; null when the tool is missing.</summary>
internal static class ExternalTool
{
    public const string Python = "/usr/bin/python3";

    public static (int Exit, string StdOut, string StdErr)? Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        try
        {
            using var p = Process.Start(psi)!;
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000))
            {
                p.Kill(true);
                return (-1, so.Result, "timeout");
            }

            return (p.ExitCode, so.Result, se.Result);
        }
        catch (Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Runs a python script with pydicom; skips the test when python or pydicom is absent.</summary>
    public static string RunPydicom(string script, params string[] args)
    {
        var r = Run(Python, ["-c", script, .. args]);
        if (r is null || r.Value.StdErr.Contains("No module named", StringComparison.Ordinal))
        {
            Assert.Skip("/usr/bin/python3 with pydicom is not installed");
        }

        Assert.True(r.Value.Exit == 0, r.Value.StdErr);
        return r.Value.StdOut;
    }

    /// <summary>Runs a dcmtk tool; skips when absent; asserts exit 0 and no warning or error lines.</summary>
    public static string RunDcmtkClean(string tool, params string[] args)
    {
        var r = Run(tool, args);
        if (r is null)
        {
            Assert.Skip($"{tool} (dcmtk) is not installed");
        }

        var (exit, so, se) = r.Value;
        Assert.True(exit == 0, $"{tool} exit {exit}: {se}");
        var lines = (so + "\n" + se).Split('\n');
        // dcmtk builds without iconv cannot VR-check UTF-8 (ISO_IR 192) text; that warning is about the tool, not the file.
        var bad = lines.Where(l => (l.StartsWith("W: ", StringComparison.Ordinal) || l.StartsWith("E: ", StringComparison.Ordinal))
            && !l.Contains("VR checker does not support this Specific Character Set", StringComparison.Ordinal)).ToArray();
        Assert.True(bad.Length == 0, $"{tool} reported:\n{string.Join('\n', bad)}");
        return so;
    }
}

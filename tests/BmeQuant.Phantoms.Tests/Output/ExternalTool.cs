using System.Diagnostics;

namespace BmeQuant.Phantoms.Tests.Output;

/// <summary>Runs an interop tool (dcmdump, dcm2niix, python3) and captures its output; finds whether it is installed.</summary>
internal static class ExternalTool
{
    /// <summary>The full path of <paramref name="name"/> on PATH (or the absolute path itself when it exists); null when absent.</summary>
    public static string? Find(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs <paramref name="exe"/> with <paramref name="args"/>; optional text on standard input.</summary>
    public static (int ExitCode, string StdOut, string StdErr) Run(string exe, IEnumerable<string> args, string? stdin = null, int timeoutMs = 120_000)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + exe);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }

        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} did not finish within {timeoutMs} ms");
        }

        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Python with pydicom and numpy (Debian's /usr/bin/python3, else python3 on PATH), or null.</summary>
    public static string? PythonWithPydicom()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            var exe = Find(candidate);
            if (exe is null)
            {
                continue;
            }

            try
            {
                if (Run(exe, ["-c", "import pydicom, numpy"], timeoutMs: 60_000).ExitCode == 0)
                {
                    return exe;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }

        return null;
    }
}

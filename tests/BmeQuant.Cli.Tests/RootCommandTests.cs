namespace BmeQuant.Cli.Tests;

public class RootCommandTests
{
    [Fact]
    public void Version_PrintsAssemblyVersion()
    {
        var (code, stdout, _) = CliHost.Run("--version");
        Assert.Equal(0, code);
        Assert.Contains(CliApp.Version.Split('+')[0], stdout, StringComparison.Ordinal);

        // The CLI's own (MinVer) version, not the test host's.
        Assert.Equal(CliApp.Version.Split('+')[0], stdout.Trim().Split('+')[0]);
    }

    [Fact]
    public void UnknownCommand_FailsWithNonZeroExit()
    {
        var (code, _, stderr) = CliHost.Run("no-such-command-xyz");
        Assert.NotEqual(0, code);
        Assert.NotEmpty(stderr);
    }
}

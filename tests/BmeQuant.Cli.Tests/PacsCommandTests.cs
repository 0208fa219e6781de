using System.Net;
using System.Net.Sockets;
using BmeQuant.Testing;

namespace BmeQuant.Cli.Tests;

/// <summary>
/// <c>bmequant pacs pull/push</c> and the <c>--from-pacs</c> options of analyze and compare: command-line checks and
/// failures that need no server (the round trip against a real Orthanc is in BmeQuant.Integration.Tests).
/// </summary>
public class PacsCommandTests
{
    [Fact]
    public void Pull_NotAnHttpUrl_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("pacs", "pull", "--url", "ftp://pacs/dicom-web", "--patient", "P1", "--cache", TestPaths.NewOutputFolder("pacs-ftp"));

        Assert.Equal(1, code);
        Assert.Contains("not an http(s) URL", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_NothingListening_ExitsRemoteFailedWithoutTheCredentials()
    {
        var port = ClosedPort();
        var (code, _, stderr) = CliHost.Run("pacs", "pull", "--url", $"http://127.0.0.1:{port}/dicom-web/", "--patient", "P1", "--cache", TestPaths.NewOutputFolder("pacs-closed"), "--user", "u", "--password", "s3cret-pw");

        Assert.Equal(32, code);
        Assert.Contains($"127.0.0.1:{port}", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Pull_PasswordWithoutUser_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("pacs", "pull", "--url", "http://127.0.0.1:1/dicom-web/", "--patient", "P1", "--password", "x");

        Assert.Equal(1, code);
        Assert.Contains("--password needs --user", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Push_MissingFile_ExitsNoInputNamingIt()
    {
        var missing = Path.Combine(TestPaths.NewOutputFolder("pacs-push-missing"), "nope.dcm");
        var (code, _, stderr) = CliHost.Run("pacs", "push", "--url", "http://127.0.0.1:1/dicom-web/", missing);

        Assert.Equal(2, code);
        Assert.Contains("nope.dcm", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Push_FolderWithoutDicom_ExitsNoInput()
    {
        var folder = TestPaths.NewOutputFolder("pacs-push-empty");
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not DICOM");

        var (code, _, stderr) = CliHost.Run("pacs", "push", "--url", "http://127.0.0.1:1/dicom-web/", folder);

        Assert.Equal(2, code);
        Assert.Contains("No DICOM file", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_PushWithoutFromPacs_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("analyze", TestPaths.NewOutputFolder("pacs-analyze-push"), "--push", "--out", TestPaths.NewOutputFolder("pacs-analyze-out"));

        Assert.Equal(1, code);
        Assert.Contains("need --from-pacs", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_FromPacsWithStudyFolder_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("analyze", TestPaths.NewOutputFolder("pacs-analyze-both"), "--from-pacs", "http://127.0.0.1:1/dicom-web/", "--patient", "P1", "--out", TestPaths.NewOutputFolder("pacs-analyze-out"));

        Assert.Equal(1, code);
        Assert.Contains("--from-pacs replaces the study folder", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_FromPacsWithoutPatient_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("analyze", "--from-pacs", "http://127.0.0.1:1/dicom-web/", "--out", TestPaths.NewOutputFolder("pacs-analyze-out"));

        Assert.Equal(1, code);
        Assert.Contains("--from-pacs needs --patient", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_FromPacsWithTimepointPaths_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("compare", "a", "b", "--from-pacs", "http://127.0.0.1:1/dicom-web/", "--patient", "P1", "--out", TestPaths.NewOutputFolder("pacs-compare-out"));

        Assert.Equal(1, code);
        Assert.Contains("With --from-pacs give --patient ID and no timepoint paths", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_PushWithoutFromPacs_ExitsUsage()
    {
        var (code, _, stderr) = CliHost.Run("compare", "a", "b", "--push", "--out", TestPaths.NewOutputFolder("pacs-compare-out"));

        Assert.Equal(1, code);
        Assert.Contains("need --from-pacs", stderr, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

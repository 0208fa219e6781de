using BmeQuant.Imaging;
using BmeQuant.Testing;

namespace BmeQuant.Imaging.Tests;

public class AtomicFileTests
{
    [Fact]
    public void Write_WriterThrows_KeepsOldContentAndLeavesNoTemporaryFile()
    {
        var dir = TestPaths.NewOutputFolder("atomic");
        var path = Path.Combine(dir, "result.json");
        AtomicFile.WriteAllText(path, "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("partial"u8);
            throw new InvalidOperationException("crash mid-write");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir));
    }

    [Fact]
    public void WriteAllText_NewFolder_CreatesFileWithContent()
    {
        var dir = TestPaths.NewOutputFolder("atomic");
        var path = Path.Combine(dir, "sub", "a.txt");
        AtomicFile.WriteAllText(path, "héllo");
        Assert.Equal("héllo", File.ReadAllText(path));
    }
}

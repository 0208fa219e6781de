using BmeQuant.Batch;

namespace BmeQuant.Tests.Batch;

public sealed class SafeNamesTests
{
    [Theory]
    [InlineData("P001", "P001")]
    [InlineData("..", "__")]
    [InlineData("../../etc/passwd", "_._.._etc_passwd")]
    [InlineData(".hidden", "_hidden")]
    [InlineData("a\u0000b\nc\td", "a_b_c_d")]
    [InlineData("CON", "_CON")]
    [InlineData("nul.txt", "_nul.txt")]
    [InlineData("com1", "_com1")]
    [InlineData("", "_")]
    [InlineData("   ", "_")]
    [InlineData("Müller^Hans", "M_ller_Hans")]
    [InlineData("C:\\x", "C__x")]
    [InlineData("trailing.", "trailing_")]
    public void Sanitize_HostileValue_SafeName(string value, string expected) => Assert.Equal(expected, SafeNames.Sanitize(value));

    [Fact]
    public void Sanitize_RandomStrings_NeverEscapesTheParentFolder()
    {
        var random = new Random(20261129);
        var parent = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "parent"));
        for (var i = 0; i < 2000; i++)
        {
            var chars = Enumerable.Range(0, random.Next(0, 90)).Select(_ => (char)random.Next(0, 0x3000)).ToArray();
            var name = SafeNames.Sanitize(new string(chars));
            Assert.InRange(name.Length, 1, SafeNames.MaxLength + 1);
            Assert.All(name, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));
            Assert.NotEqual('.', name[0]);
            Assert.Equal(parent, Path.GetDirectoryName(Path.GetFullPath(Path.Combine(parent, name))));
        }
    }
}

using BmeQuant.Imaging;
using BmeQuant.Phantoms.Geometry;

namespace BmeQuant.Phantoms.Tests;

public class AnatomyTests
{
    private readonly ITestOutputHelper _output;

    public AnatomyTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(PhantomAnatomy.Knee)]
    [InlineData(PhantomAnatomy.Hip)]
    [InlineData(PhantomAnatomy.Ankle)]
    [InlineData(PhantomAnatomy.Sacroiliac)]
    public void Bones_DoNotOverlap_AndLieInsideBody(PhantomAnatomy anatomy)
    {
        var model = AnatomyLibrary.Get(anatomy);
        var overlap = new long[model.Bones.Length, model.Bones.Length];
        long outside = 0;
        const double step = 2.0;
        for (var z = -120.0; z <= 120; z += step)
        {
            for (var y = -140.0; y <= 100; y += step)
            {
                for (var x = -120.0; x <= 120; x += step)
                {
                    var q = new Vector3D(x, y, z);
                    var inside = -1;
                    for (var b = 0; b < model.Bones.Length; b++)
                    {
                        if (model.Bones[b].Shape.Distance(q) < 0)
                        {
                            if (inside >= 0)
                            {
                                overlap[inside, b]++;
                            }

                            inside = b;
                        }
                    }

                    if (inside >= 0 && model.Body.Distance(q) > -model.SkinMm)
                    {
                        outside++;
                    }
                }
            }
        }

        var messages = new List<string>();
        for (var a = 0; a < model.Bones.Length; a++)
        {
            for (var b = 0; b < model.Bones.Length; b++)
            {
                if (overlap[a, b] > 0)
                {
                    messages.Add($"{model.Bones[a].Name}/{model.Bones[b].Name}: {overlap[a, b]} mm³");
                }
            }
        }

        _output.WriteLine(string.Join("; ", messages));
        Assert.Empty(messages);
        Assert.Equal(0, outside);
    }
}

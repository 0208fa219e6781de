using BmeQuant.Imaging.Filters;

namespace BmeQuant.Imaging.Tests.Filters;

/// <summary>Runs alone: process-wide allocation counters would otherwise include other tests' allocations.</summary>
[CollectionDefinition(nameof(AllocationMeasurement), DisableParallelization = true)]
public sealed class AllocationMeasurement
{
}

/// <summary>
/// Peak-memory budget of the filters (issue 3: under 3× the input volume): every byte allocated on any thread
/// during one call, output included, stays under 3× the input's bytes. Allocation bounds the peak from above.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class FilterMemoryTests(ITestOutputHelper output)
{
    public static TheoryData<string, double> MorphologyCases() => new()
    {
        { "dilate", 1.5 }, // few element rows: row decomposition
        { "erode", 1.5 },
        { "dilate", 12.0 }, // large radius: per-slice distances
        { "erode", 12.0 },
        { "open", 12.0 },
        { "close", 12.0 },
        { "open", 1.5 },
        { "close", 1.5 },
    };

    [Theory]
    [MemberData(nameof(MorphologyCases))]
    public void Morphology_LargeMask_AllocatesUnderThreeTimesTheInput(string operation, double radiusMm)
    {
        var mask = Blobs(160, 150, 64, new Vector3D(0.8, 0.8, 1.5));
        Func<Volume<byte>> run = operation switch
        {
            "dilate" => () => BinaryMorphology.Dilate(mask, radiusMm),
            "erode" => () => BinaryMorphology.Erode(mask, radiusMm),
            "open" => () => BinaryMorphology.Open(mask, radiusMm),
            _ => () => BinaryMorphology.Close(mask, radiusMm),
        };

        var (allocated, result) = Measure(run);
        output.WriteLine($"{operation} r={radiusMm} mm: {(double)allocated / mask.Length:F2}× the mask");
        Assert.True(allocated < 3L * mask.Length, $"{operation} r={radiusMm} mm allocated {allocated} bytes for a {mask.Length}-byte mask ({(double)allocated / mask.Length:F2}×)");

        // The operation did something: the budget is not met by an empty result.
        var changed = FilterTestData.Differences(mask, result);
        Assert.True(changed > 100, $"{operation} changed only {changed} voxels");
    }

    [Fact]
    public void FloatFilters_LargeVolume_AllocateUnderThreeTimesTheInput()
    {
        var input = FilterTestData.RandomVolume(128, 120, 40, new Vector3D(0.8, 0.8, 1.5), 3);
        var bytes = 4L * input.Length;
        foreach (var (name, run) in new (string, Func<Volume<float>>)[]
        {
            ("gaussian fir", () => GaussianFilter.Apply(input, 2.0)),
            ("gaussian recursive", () => GaussianFilter.Apply(input, 2.0, method: GaussianMethod.Recursive)),
            ("median", () => MedianFilter.Apply(input, 1.0)),
        })
        {
            var (allocated, _) = Measure(run);
            output.WriteLine($"{name}: {(double)allocated / bytes:F2}× the input");
            Assert.True(allocated < 3 * bytes, $"{name} allocated {allocated} bytes for a {bytes}-byte volume ({(double)allocated / bytes:F2}×)");
        }
    }

    private static (long Allocated, T Result) Measure<T>(Func<T> run)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = run();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        return (allocated, result);
    }

    // Overlapping balls and a slab with a hole: large connected foreground and background, so every radius changes it.
    private static Volume<byte> Blobs(int nx, int ny, int nz, Vector3D spacing)
    {
        var mask = new Volume<byte>(new ImageGeometry(nx, ny, nz, spacing, Vector3D.Zero));
        var rng = new Random(5);
        for (var b = 0; b < 12; b++)
        {
            double cx = rng.Next(nx), cy = rng.Next(ny), cz = rng.Next(nz), rMm = 5 + (rng.NextDouble() * 20);
            for (var k = 0; k < nz; k++)
            {
                for (var j = 0; j < ny; j++)
                {
                    for (var i = 0; i < nx; i++)
                    {
                        double x = (i - cx) * spacing.X, y = (j - cy) * spacing.Y, z = (k - cz) * spacing.Z;
                        if ((x * x) + (y * y) + (z * z) <= rMm * rMm)
                        {
                            mask[i, j, k] = 1;
                        }
                    }
                }
            }
        }

        return mask;
    }
}

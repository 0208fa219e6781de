using BmeQuant.Imaging.BiasField;

namespace BmeQuant.Imaging.Tests.BiasField;

/// <summary>Tests of the internal pieces of the bias-field loop: B-spline lattice, histogram sharpening, FFT.</summary>
public class BiasFieldKernelTests
{
    [Fact]
    public void BSplineLattice_Refine_RepresentsTheSameFunction()
    {
        var lattice = new BSplineLattice(2, 3, 1);
        var rng = new Random(5);
        for (var n = 0; n < lattice.Coefficients.Length; n++)
        {
            lattice.Coefficients[n] = rng.NextDouble();
        }

        var fine = lattice.Refine();
        Assert.Equal([4, 6, 2], fine.Spans);
        int nx = 17, ny = 11, nz = 7;
        var coarseOut = new float[nx * ny * nz];
        var fineOut = new float[nx * ny * nz];
        lattice.Evaluate(lattice.Weights(0, nx, 0, 1, nx), lattice.Weights(1, ny, 0, 1, ny), lattice.Weights(2, nz, 0, 1, nz), coarseOut);
        fine.Evaluate(fine.Weights(0, nx, 0, 1, nx), fine.Weights(1, ny, 0, 1, ny), fine.Weights(2, nz, 0, 1, nz), fineOut);
        for (var n = 0; n < coarseOut.Length; n++)
        {
            Assert.Equal(coarseOut[n], fineOut[n], 5);
        }
    }

    [Fact]
    public void BSplineLattice_ApproximateConstantData_ReproducesConstant()
    {
        int nx = 20, ny = 16, nz = 9;
        var spans = new[] { 2, 2, 1 };
        var lattice = new BSplineLattice(spans[0], spans[1], spans[2]);
        var values = Enumerable.Repeat(3.5f, nx * ny * nz).ToArray();
        var valid = Enumerable.Repeat((byte)1, nx * ny * nz).ToArray();
        var wx = lattice.Weights(0, nx, 0, 1, nx);
        var wy = lattice.Weights(1, ny, 0, 1, ny);
        var wz = lattice.Weights(2, nz, 0, 1, nz);
        var fit = BSplineLattice.Approximate(spans, values, valid, nx, ny, nz, wx, wy, wz);
        var output = new float[nx * ny * nz];
        fit.Evaluate(wx, wy, wz, output);

        // The weighted average reproduces constants exactly (partition of unity of the cubic B-spline basis).
        Assert.All(output, v => Assert.Equal(3.5f, v, 3));
    }

    [Fact]
    public void HistogramSharpener_TwoBlurredPeaks_MovesValuesTowardThePeaks()
    {
        var rng = new Random(6);
        var values = new float[20000];
        for (var n = 0; n < values.Length; n++)
        {
            // Two peaks blurred by exactly the Gaussian the sharpener assumes (FWHM 0.15 → σ = 0.0637).
            var peak = n % 2 == 0 ? 4.0 : 5.0;
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            values[n] = (float)(peak + (gaussian * 0.15 / 2.3548));
        }

        var sharpened = new float[values.Length];
        new HistogramSharpener(200, 0.15, 0.01).Sharpen(values, sharpened);
        double spreadBefore = 0, spreadAfter = 0;
        for (var n = 0; n < values.Length; n++)
        {
            var peak = n % 2 == 0 ? 4.0 : 5.0;
            spreadBefore += Math.Abs(values[n] - peak);
            spreadAfter += Math.Abs(sharpened[n] - peak);
        }

        Assert.True(spreadAfter < 0.5 * spreadBefore, $"mean distance to peak {spreadBefore / values.Length:F4} → {spreadAfter / values.Length:F4}");
    }

    [Fact]
    public void Fft_ForwardThenInverse_ReturnsInputAndMatchesDirectDft()
    {
        var rng = new Random(7);
        var re = Enumerable.Range(0, 16).Select(_ => rng.NextDouble()).ToArray();
        var im = Enumerable.Range(0, 16).Select(_ => rng.NextDouble()).ToArray();
        var (r0, i0) = ((double[])re.Clone(), (double[])im.Clone());
        Fft.Transform(re, im, inverse: false);
        for (var k = 0; k < 16; k++)
        {
            double sr = 0, si = 0;
            for (var n = 0; n < 16; n++)
            {
                var a = -2 * Math.PI * k * n / 16;
                sr += (r0[n] * Math.Cos(a)) - (i0[n] * Math.Sin(a));
                si += (r0[n] * Math.Sin(a)) + (i0[n] * Math.Cos(a));
            }

            Assert.Equal(sr, re[k], 10);
            Assert.Equal(si, im[k], 10);
        }

        Fft.Transform(re, im, inverse: true);
        for (var n = 0; n < 16; n++)
        {
            Assert.Equal(r0[n], re[n], 12);
            Assert.Equal(i0[n], im[n], 12);
        }
    }
}

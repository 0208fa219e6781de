using System.Globalization;
using BmeQuant.Imaging.Registration;

namespace BmeQuant.Imaging.BiasField;

/// <summary>Options of <see cref="BiasFieldCorrection.Correct"/>; defaults follow N4's usual settings.</summary>
public sealed record BiasFieldOptions
{
    /// <summary>
    /// Control-point spacing of the first (coarsest) B-spline lattice in mm (spans per axis = ⌈extent / spacing⌉);
    /// each later level halves it. Default 200 mm.
    /// </summary>
    public double InitialControlPointSpacingMm { get; init; } = 200;

    /// <summary>
    /// Fitting levels (lattice refinements + 1); default 3. Too fine a lattice absorbs anatomy: on the
    /// 200 × 160 × 90 mm test phantom the correlation of the estimated with the true field was 0.998 with a finest
    /// control spacing of ≈ 25–50 mm, 0.97 at ≈ 12 mm and 0.56 at ≈ 6 mm.
    /// </summary>
    public int FittingLevels { get; init; } = 3;

    /// <summary>Iteration limit per fitting level; default 50.</summary>
    public int MaximumIterationsPerLevel { get; init; } = 50;

    /// <summary>
    /// A level stops when the coefficient of variation (in the mask) of exp(field change) of one iteration is
    /// under this; default 0.001.
    /// </summary>
    public double ConvergenceThreshold { get; init; } = 0.001;

    /// <summary>Histogram bins for the sharpening step; default 200.</summary>
    public int HistogramBins { get; init; } = 200;

    /// <summary>FWHM, in log-intensity units, of the Gaussian that models the bias field's spread; default 0.15.</summary>
    public double BiasFieldFullWidthAtHalfMaximum { get; init; } = 0.15;

    /// <summary>Wiener filter noise term of the deconvolution; default 0.01.</summary>
    public double WienerFilterNoise { get; init; } = 0.01;

    /// <summary>
    /// Nominal shrink factor of the working image (per axis the factor aims at this × the finest spacing, so thick
    /// slices are not shrunk). The field is estimated on the shrunk image and evaluated at full resolution. Default 3.
    /// </summary>
    public int ShrinkFactor { get; init; } = 3;
}

/// <summary>Result of <see cref="BiasFieldCorrection.Correct"/>.</summary>
/// <param name="Corrected">The input divided by <paramref name="Field"/> (every voxel, also outside the mask).</param>
/// <param name="Field">The estimated multiplicative bias field, scaled so its geometric mean over the mask is 1.</param>
/// <param name="IterationsPerLevel">Iterations run at each fitting level.</param>
/// <param name="FinalConvergence">Coefficient of variation of exp(field change) at the last iteration.</param>
/// <param name="ControlPointSpacingMm">Control-point spacing of the finest lattice, per axis.</param>
/// <param name="MaskVoxelCount">Voxels of the mask used (positive intensities only).</param>
/// <param name="Options">The options the result was computed with (for provenance).</param>
public sealed record BiasFieldCorrectionResult(
    Volume<float> Corrected,
    Volume<float> Field,
    IReadOnlyList<int> IterationsPerLevel,
    double FinalConvergence,
    Vector3D ControlPointSpacingMm,
    long MaskVoxelCount,
    BiasFieldOptions Options);

/// <summary>
/// N4-style bias-field estimation and correction (after Tustison et al. 2010). On a shrunk copy of log(image),
/// within a mask, each iteration (1) sharpens the histogram of the current corrected log intensities (Wiener
/// deconvolution of a Gaussian of the configured FWHM; <see cref="HistogramSharpener"/>), (2) takes the residual
/// between the corrected and sharpened log intensities, (3) approximates that residual with a cubic B-spline
/// lattice (a B-spline-weighted local average per control point — simpler than N4's Lee–Wolberg–Shin fit and not a
/// least-squares fit) and adds it to the field's lattice. Levels refine the lattice by exact subdivision (control-point spacing halves). The final lattice is
/// evaluated at full resolution; no N4 confidence weighting or convergence per voxel is done.
/// </summary>
public static class BiasFieldCorrection
{
    /// <summary>
    /// Estimates the smooth multiplicative field of <paramref name="image"/> within <paramref name="mask"/> and
    /// divides it out. <paramref name="mask"/> must share the image's grid; when null, voxels above 10 % of the
    /// image's 98th percentile are used. Mask voxels with intensity ≤ 0 are ignored (log undefined).
    /// </summary>
    /// <exception cref="ImageFormatException">The mask's grid differs from the image's, or it holds too few positive voxels.</exception>
    public static BiasFieldCorrectionResult Correct(Volume<float> image, Volume<byte>? mask = null, BiasFieldOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= new BiasFieldOptions();
        Validate(options);
        var g = image.Geometry;
        if (mask is not null && !mask.Geometry.IsSameGrid(g))
        {
            throw new ImageFormatException($"Bias-field mask grid {mask.Geometry} differs from the image grid {g}.");
        }

        var maskData = mask?.Data ?? DefaultMask(image);

        // Shrunk log image: mean log intensity of the masked positive voxels of each block; a block is valid when
        // at least half of its voxels are.
        var (fx, fy, fz) = PyramidOps.ShrinkFactors(g, options.ShrinkFactor);
        int nx = (g.SizeX + fx - 1) / fx, ny = (g.SizeY + fy - 1) / fy, nz = (g.SizeZ + fz - 1) / fz;
        var logImage = new float[nx * ny * nz];
        var valid = new byte[nx * ny * nz];
        var maskCount = ShrinkLog(image, maskData, fx, fy, fz, nx, ny, nz, logImage, valid);
        var validCount = 0;
        foreach (var v in valid)
        {
            validCount += v;
        }

        if (validCount < 64)
        {
            throw new ImageFormatException(string.Create(CultureInfo.InvariantCulture, $"Bias-field correction of {g}: the mask holds {maskCount} positive voxels ({validCount} working blocks); at least 64 blocks are needed."));
        }

        int[] spans =
        [
            Math.Max(1, (int)Math.Ceiling(g.SizeX * g.Spacing.X / options.InitialControlPointSpacingMm)),
            Math.Max(1, (int)Math.Ceiling(g.SizeY * g.Spacing.Y / options.InitialControlPointSpacingMm)),
            Math.Max(1, (int)Math.Ceiling(g.SizeZ * g.Spacing.Z / options.InitialControlPointSpacingMm)),
        ];
        var lattice = new BSplineLattice(spans[0], spans[1], spans[2]);
        var sharpener = new HistogramSharpener(options.HistogramBins, options.BiasFieldFullWidthAtHalfMaximum, options.WienerFilterNoise);

        var index = new int[validCount];
        for (int n = 0, m = 0; n < valid.Length; n++)
        {
            if (valid[n] != 0)
            {
                index[m++] = n;
            }
        }

        var logField = new float[logImage.Length];
        var newField = new float[logImage.Length];
        var corrected = new float[validCount];
        var sharpened = new float[validCount];
        var residual = new float[logImage.Length];
        var iterations = new List<int>();
        double convergence = double.NaN;
        for (var level = 0; level < options.FittingLevels; level++)
        {
            if (level > 0)
            {
                lattice = lattice.Refine();
            }

            var wx = lattice.Weights(0, nx, (fx - 1) / 2.0, fx, g.SizeX);
            var wy = lattice.Weights(1, ny, (fy - 1) / 2.0, fy, g.SizeY);
            var wz = lattice.Weights(2, nz, (fz - 1) / 2.0, fz, g.SizeZ);
            var iteration = 0;
            while (iteration < options.MaximumIterationsPerLevel)
            {
                iteration++;
                for (var m = 0; m < index.Length; m++)
                {
                    corrected[m] = logImage[index[m]] - logField[index[m]];
                }

                sharpener.Sharpen(corrected, sharpened);
                for (var m = 0; m < index.Length; m++)
                {
                    residual[index[m]] = corrected[m] - sharpened[m];
                }

                lattice.Add(BSplineLattice.Approximate(lattice.Spans, residual, valid, nx, ny, nz, wx, wy, wz));
                lattice.Evaluate(wx, wy, wz, newField);
                convergence = ChangeCoefficientOfVariation(index, logField, newField);
                (logField, newField) = (newField, logField);
                if (convergence < options.ConvergenceThreshold)
                {
                    break;
                }
            }

            iterations.Add(iteration);
        }

        // Full-resolution field, normalised to geometric mean 1 over the mask.
        var full = new Volume<float>(g);
        lattice.Evaluate(lattice.Weights(0, g.SizeX, 0, 1, g.SizeX), lattice.Weights(1, g.SizeY, 0, 1, g.SizeY), lattice.Weights(2, g.SizeZ, 0, 1, g.SizeZ), full.Data);
        double sum = 0;
        long count = 0;
        var src = image.Data;
        var fieldData = full.Data;
        for (var n = 0; n < fieldData.Length; n++)
        {
            if (maskData[n] != 0 && src[n] > 0)
            {
                sum += fieldData[n];
                count++;
            }
        }

        var meanLog = (float)(sum / Math.Max(1, count));
        var correctedVolume = new Volume<float>(g);
        var outData = correctedVolume.Data;
        Parallel.For(0, g.SizeZ, k =>
        {
            var start = (long)k * g.SliceLength;
            for (var n = start; n < start + g.SliceLength; n++)
            {
                var f = MathF.Exp(fieldData[n] - meanLog);
                fieldData[n] = f;
                outData[n] = src[n] / f;
            }
        });

        var finest = new Vector3D(
            g.SizeX * g.Spacing.X / lattice.Spans[0],
            g.SizeY * g.Spacing.Y / lattice.Spans[1],
            g.SizeZ * g.Spacing.Z / lattice.Spans[2]);
        return new BiasFieldCorrectionResult(correctedVolume, full, iterations, convergence, finest, maskCount, options);
    }

    private static long ShrinkLog(Volume<float> image, byte[] mask, int fx, int fy, int fz, int nx, int ny, int nz, float[] logImage, byte[] valid)
    {
        var g = image.Geometry;
        var src = image.Data;
        long total = 0;
        var counts = new long[nz];
        Parallel.For(0, nz, k =>
        {
            long local = 0;
            for (var j = 0; j < ny; j++)
            {
                for (var i = 0; i < nx; i++)
                {
                    double sum = 0;
                    int n = 0, all = 0;
                    for (var kk = k * fz; kk < Math.Min(g.SizeZ, (k + 1) * fz); kk++)
                    {
                        for (var jj = j * fy; jj < Math.Min(g.SizeY, (j + 1) * fy); jj++)
                        {
                            var row = g.Offset(0, jj, kk);
                            for (var ii = i * fx; ii < Math.Min(g.SizeX, (i + 1) * fx); ii++)
                            {
                                all++;
                                var v = src[row + ii];
                                if (mask[row + ii] != 0 && v > 0)
                                {
                                    sum += Math.Log(v);
                                    n++;
                                }
                            }
                        }
                    }

                    local += n;
                    var o = i + (nx * (j + (ny * k)));
                    if (n > 0 && 2 * n >= all)
                    {
                        logImage[o] = (float)(sum / n);
                        valid[o] = 1;
                    }
                }
            }

            counts[k] = local;
        });
        foreach (var c in counts)
        {
            total += c;
        }

        return total;
    }

    private static double ChangeCoefficientOfVariation(int[] index, float[] oldField, float[] newField)
    {
        double s = 0, s2 = 0;
        foreach (var o in index)
        {
            var e = Math.Exp(newField[o] - oldField[o]);
            s += e;
            s2 += e * e;
        }

        var n = index.Length;
        var mean = s / n;
        var variance = Math.Max(0, (s2 / n) - (mean * mean));
        return Math.Sqrt(variance) / mean;
    }

    private static byte[] DefaultMask(Volume<float> image)
    {
        var data = image.Data;
        var stride = Math.Max(1, data.Length / 1_000_000);
        var sample = new float[(data.Length + stride - 1) / stride];
        for (var n = 0; n < sample.Length; n++)
        {
            sample[n] = data[n * stride];
        }

        Array.Sort(sample);
        var threshold = 0.1f * sample[(int)(0.98 * (sample.Length - 1))];
        var mask = new byte[data.Length];
        for (var n = 0; n < data.Length; n++)
        {
            mask[n] = data[n] > threshold ? (byte)1 : (byte)0;
        }

        return mask;
    }

    private static void Validate(BiasFieldOptions o)
    {
        if (!(o.InitialControlPointSpacingMm > 0) || o.FittingLevels < 1 || o.FittingLevels > 8 || o.MaximumIterationsPerLevel < 1
            || !(o.ConvergenceThreshold >= 0) || o.HistogramBins < 16 || !(o.BiasFieldFullWidthAtHalfMaximum > 0) || !(o.WienerFilterNoise > 0) || o.ShrinkFactor < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(o), string.Create(
                CultureInfo.InvariantCulture,
                $"Bias-field options out of range: InitialControlPointSpacingMm {o.InitialControlPointSpacingMm} (> 0), FittingLevels {o.FittingLevels} (1–8), MaximumIterationsPerLevel {o.MaximumIterationsPerLevel} (≥ 1), ConvergenceThreshold {o.ConvergenceThreshold} (≥ 0), HistogramBins {o.HistogramBins} (≥ 16), FWHM {o.BiasFieldFullWidthAtHalfMaximum} (> 0), WienerFilterNoise {o.WienerFilterNoise} (> 0), ShrinkFactor {o.ShrinkFactor} (≥ 1)."));
        }
    }
}

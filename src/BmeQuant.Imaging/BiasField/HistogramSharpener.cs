namespace BmeQuant.Imaging.BiasField;

/// <summary>
/// N4's histogram sharpening (Tustison et al. 2010, after Sled's N3): the histogram of the current log
/// intensities is modelled as the true histogram blurred by a Gaussian (the bias field's spread, given as a FWHM
/// in log units); a Wiener filter deconvolves it, and each log intensity v is mapped to E[u | v], the expected
/// true log intensity given the observed one. Convolutions run through a radix-2 FFT on a zero-padded histogram.
/// </summary>
internal sealed class HistogramSharpener
{
    private readonly int _bins;
    private readonly double _fwhm;
    private readonly double _wienerNoise;

    public HistogramSharpener(int bins, double fwhm, double wienerNoise)
    {
        _bins = bins;
        _fwhm = fwhm;
        _wienerNoise = wienerNoise;
    }

    /// <summary>Writes E[u | v] for each value of <paramref name="values"/> into <paramref name="sharpened"/>.</summary>
    public void Sharpen(ReadOnlySpan<float> values, Span<float> sharpened)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        if (!(max - min > 1e-6))
        {
            values.CopyTo(sharpened);
            return;
        }

        var nb = _bins;
        var binWidth = ((double)max - min) / (nb - 1);
        var histogram = new double[nb];
        foreach (var v in values)
        {
            var c = (v - min) / binWidth;
            var i0 = Math.Min((int)c, nb - 2);
            var f = c - i0;
            histogram[i0] += 1 - f;
            histogram[i0 + 1] += f;
        }

        var padded = 1;
        while (padded < 2 * nb)
        {
            padded <<= 1;
        }

        var offset = (padded - nb) / 2;
        var vRe = new double[padded];
        var vIm = new double[padded];
        Array.Copy(histogram, 0, vRe, offset, nb);
        Fft.Transform(vRe, vIm, inverse: false);

        // Gaussian of the given FWHM (in bins), centred at index 0 with wrap-around, unit area.
        var scaledFwhm = _fwhm / binWidth;
        var expFactor = 4 * Math.Log(2) / (scaledFwhm * scaledFwhm);
        var scale = 2 * Math.Sqrt(Math.Log(2) / Math.PI) / scaledFwhm;
        var fRe = new double[padded];
        var fIm = new double[padded];
        for (var i = 0; i < padded; i++)
        {
            var d = i <= padded / 2 ? i : padded - i;
            fRe[i] = scale * Math.Exp(-expFactor * d * d);
        }

        Fft.Transform(fRe, fIm, inverse: false);

        // Wiener deconvolution: U = V · conj(F) / (|F|² + z).
        var uRe = new double[padded];
        var uIm = new double[padded];
        for (var i = 0; i < padded; i++)
        {
            var denom = (fRe[i] * fRe[i]) + (fIm[i] * fIm[i]) + _wienerNoise;
            var gRe = fRe[i] / denom;
            var gIm = -fIm[i] / denom;
            uRe[i] = (vRe[i] * gRe) - (vIm[i] * gIm);
            uIm[i] = (vRe[i] * gIm) + (vIm[i] * gRe);
        }

        Fft.Transform(uRe, uIm, inverse: true);
        for (var i = 0; i < padded; i++)
        {
            uRe[i] = Math.Max(0, uRe[i]);
            uIm[i] = 0;
        }

        // E[u | v] = (G * (u·U)) / (G * U), both convolutions through the FFT.
        var nRe = new double[padded];
        var nIm = new double[padded];
        for (var i = 0; i < padded; i++)
        {
            nRe[i] = uRe[i] * (min + ((i - offset) * binWidth));
        }

        Fft.Transform(nRe, nIm, inverse: false);
        Fft.Transform(uRe, uIm, inverse: false);
        for (var i = 0; i < padded; i++)
        {
            (nRe[i], nIm[i]) = ((nRe[i] * fRe[i]) - (nIm[i] * fIm[i]), (nRe[i] * fIm[i]) + (nIm[i] * fRe[i]));
            (uRe[i], uIm[i]) = ((uRe[i] * fRe[i]) - (uIm[i] * fIm[i]), (uRe[i] * fIm[i]) + (uIm[i] * fRe[i]));
        }

        Fft.Transform(nRe, nIm, inverse: true);
        Fft.Transform(uRe, uIm, inverse: true);
        var expected = new double[nb];
        for (var i = 0; i < nb; i++)
        {
            var den = uRe[i + offset];
            expected[i] = den > 1e-10 ? nRe[i + offset] / den : min + (i * binWidth);
        }

        for (var n = 0; n < values.Length; n++)
        {
            var c = (values[n] - min) / binWidth;
            var i0 = Math.Min((int)c, nb - 2);
            var f = c - i0;
            sharpened[n] = (float)((expected[i0] * (1 - f)) + (expected[i0 + 1] * f));
        }
    }
}

/// <summary>In-place iterative radix-2 complex FFT (length a power of two); the inverse is scaled by 1/n.</summary>
internal static class Fft
{
    public static void Transform(double[] re, double[] im, bool inverse)
    {
        var n = re.Length;
        if ((n & (n - 1)) != 0)
        {
            throw new ArgumentException($"FFT length must be a power of two; found {n}.", nameof(re));
        }

        // Bit-reversal permutation.
        for (int i = 1, j = 0; i < n; i++)
        {
            var bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        for (var len = 2; len <= n; len <<= 1)
        {
            var angle = (inverse ? 2 : -2) * Math.PI / len;
            double wRe = Math.Cos(angle), wIm = Math.Sin(angle);
            for (var start = 0; start < n; start += len)
            {
                double cRe = 1, cIm = 0;
                for (var k = 0; k < len / 2; k++)
                {
                    var a = start + k;
                    var b = a + (len / 2);
                    var tRe = (re[b] * cRe) - (im[b] * cIm);
                    var tIm = (re[b] * cIm) + (im[b] * cRe);
                    re[b] = re[a] - tRe;
                    im[b] = im[a] - tIm;
                    re[a] += tRe;
                    im[a] += tIm;
                    (cRe, cIm) = ((cRe * wRe) - (cIm * wIm), (cRe * wIm) + (cIm * wRe));
                }
            }
        }

        if (inverse)
        {
            for (var i = 0; i < n; i++)
            {
                re[i] /= n;
                im[i] /= n;
            }
        }
    }
}

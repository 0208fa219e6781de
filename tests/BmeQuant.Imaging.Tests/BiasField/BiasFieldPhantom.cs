namespace BmeQuant.Imaging.Tests.BiasField;

/// <summary>
/// A piecewise-constant three-tissue phantom (labels 1–3 inside a body ellipsoid, 0 outside) with a known smooth
/// multiplicative field and Gaussian noise, for bias-field tests.
/// </summary>
internal sealed class BiasFieldPhantom
{
    public static readonly float[] TissueIntensity = [0, 100, 180, 60];

    private BiasFieldPhantom(Volume<float> image, Volume<float> trueField, Volume<byte> labels)
    {
        Image = image;
        TrueField = trueField;
        Labels = labels;
    }

    /// <summary>The biased, noisy image.</summary>
    public Volume<float> Image { get; }

    /// <summary>The multiplicative field applied.</summary>
    public Volume<float> TrueField { get; }

    /// <summary>Tissue labels (0 background, 1–3 tissues).</summary>
    public Volume<byte> Labels { get; }

    /// <summary>The body mask (labels ≥ 1).</summary>
    public Volume<byte> Mask()
    {
        var mask = Labels.CreateLike<byte>();
        for (var n = 0; n < mask.Length; n++)
        {
            mask.Data[n] = Labels.Data[n] != 0 ? (byte)1 : (byte)0;
        }

        return mask;
    }

    /// <summary>
    /// Builds the phantom on <paramref name="geometry"/>: field = exp(a·x + b·y² − c·z + d·x·y) with coordinates
    /// normalised by the body radii, spanning roughly ×0.7 … ×1.4; noise σ = <paramref name="noiseSigma"/>.
    /// </summary>
    public static BiasFieldPhantom Create(ImageGeometry geometry, double noiseSigma, int seed)
    {
        var image = new Volume<float>(geometry);
        var field = new Volume<float>(geometry);
        var labels = new Volume<byte>(geometry);
        var rng = new Random(seed);
        for (var k = 0; k < geometry.SizeZ; k++)
        {
            for (var j = 0; j < geometry.SizeY; j++)
            {
                for (var i = 0; i < geometry.SizeX; i++)
                {
                    var p = geometry.TransformIndexToPhysicalPoint(i, j, k);
                    var label = Label(p);
                    double x = p.X / 90, y = p.Y / 70, z = p.Z / 40;
                    var f = Math.Exp((0.22 * x) + (0.18 * ((y * y) - 0.3)) - (0.12 * z) + (0.1 * x * y));
                    var noise = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()) * noiseSigma;
                    labels[i, j, k] = label;
                    field[i, j, k] = (float)f;
                    image[i, j, k] = label == 0 ? (float)Math.Abs(noise) : (float)((TissueIntensity[label] * f) + noise);
                }
            }
        }

        return new BiasFieldPhantom(image, field, labels);
    }

    private static byte Label(Vector3D p)
    {
        static double Rho(Vector3D p, Vector3D c, Vector3D r)
        {
            var d = p - c;
            return (d.X * d.X / (r.X * r.X)) + (d.Y * d.Y / (r.Y * r.Y)) + (d.Z * d.Z / (r.Z * r.Z));
        }

        if (Rho(p, Vector3D.Zero, new Vector3D(90, 70, 40)) > 1)
        {
            return 0;
        }

        if (Rho(p, new Vector3D(-35, 10, 0), new Vector3D(28, 22, 18)) <= 1 || Rho(p, new Vector3D(40, -20, 5), new Vector3D(18, 18, 15)) <= 1)
        {
            return 2;
        }

        if (Math.Abs(p.X - 10) < 15 && Math.Abs(p.Y - 30) < 12 && Math.Abs(p.Z) < 20)
        {
            return 3;
        }

        return 1;
    }
}

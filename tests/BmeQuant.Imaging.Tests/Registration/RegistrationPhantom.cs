using BmeQuant.Imaging.Registration;

namespace BmeQuant.Imaging.Tests.Registration;

/// <summary>
/// A structured, asymmetric phantom for registration tests: soft-edged ellipsoids of differing intensity inside a
/// body ellipsoid, defined in patient space (mm, centred near the origin). Images are made by sampling it on a
/// 1 mm reference grid and resampling that grid (with the library's trilinear sampler) onto each series geometry.
/// </summary>
internal static class RegistrationPhantom
{
    /// <summary>Object centres (mm), radii (mm) and the two contrasts: "T1-like" and an inverted one.</summary>
    private static readonly (Vector3D Center, Vector3D Radii, float ContrastA, float ContrastB)[] s_objects =
    [
        (new Vector3D(0, 0, 0), new Vector3D(62, 48, 30), 100, 260),
        (new Vector3D(-22, 6, 4), new Vector3D(20, 14, 11), 210, 60),
        (new Vector3D(26, -12, -6), new Vector3D(13, 18, 9), 45, 320),
        (new Vector3D(12, 26, 10), new Vector3D(8, 8, 8), 300, 20),
        (new Vector3D(-8, -28, -12), new Vector3D(16, 6, 7), 170, 140),
        (new Vector3D(36, 20, 14), new Vector3D(6, 10, 5), 20, 200),
    ];

    /// <summary>The 1 mm reference grid (covers the body with margin).</summary>
    public static Volume<float> Reference(bool invertedContrast)
    {
        var g = new ImageGeometry(176, 144, 96, new Vector3D(1, 1, 1), new Vector3D(-87.5, -71.5, -47.5));
        var v = new Volume<float>(g);
        Parallel.For(0, g.SizeZ, k =>
        {
            for (var j = 0; j < g.SizeY; j++)
            {
                for (var i = 0; i < g.SizeX; i++)
                {
                    v[i, j, k] = Evaluate(g.TransformIndexToPhysicalPoint(i, j, k), invertedContrast);
                }
            }
        });
        return v;
    }

    /// <summary>The phantom's intensity at a physical point (edges are logistic ramps ~1 mm wide).</summary>
    public static float Evaluate(Vector3D p, bool invertedContrast)
    {
        double value = 0;
        foreach (var (c, r, a, b) in s_objects)
        {
            var d = p - c;
            var rho = Math.Sqrt((d.X * d.X / (r.X * r.X)) + (d.Y * d.Y / (r.Y * r.Y)) + (d.Z * d.Z / (r.Z * r.Z)));
            var meanRadius = (r.X + r.Y + r.Z) / 3;
            var inside = 1 / (1 + Math.Exp(-(1 - rho) * meanRadius / 0.6));
            value += ((invertedContrast ? b : a) - value) * inside;
        }

        return (float)value;
    }

    /// <summary>Resamples the reference through <paramref name="fixedToMoving"/>⁻¹ onto <paramref name="geometry"/> and adds Rician noise.</summary>
    public static Volume<float> Series(Volume<float> reference, ImageGeometry geometry, RigidTransform fixedToMoving, double noiseSigma, int seed)
    {
        // Moving(y) = Reference(T⁻¹(y)), so Moving(T(x)) = Reference(x) = Fixed(x).
        var image = RigidResampler.Resample(reference, geometry, fixedToMoving.Inverse());
        AddRicianNoise(image, noiseSigma, seed);
        return image;
    }

    /// <summary>Rician noise: |s + n₁ + i·n₂| with n₁, n₂ ~ N(0, σ²), seeded.</summary>
    public static void AddRicianNoise(Volume<float> image, double sigma, int seed)
    {
        if (sigma <= 0)
        {
            return;
        }

        var rng = new Random(seed);
        var data = image.Data;
        for (var n = 0; n < data.Length; n++)
        {
            var n1 = Gaussian(rng) * sigma;
            var n2 = Gaussian(rng) * sigma;
            var re = data[n] + n1;
            data[n] = (float)Math.Sqrt((re * re) + (n2 * n2));
        }
    }

    private static double Gaussian(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>An axial series geometry centred on <paramref name="center"/> with the given direction.</summary>
    public static ImageGeometry CenteredGeometry(int nx, int ny, int nz, Vector3D spacing, Matrix3D direction, Vector3D center)
    {
        var halfIndex = new Vector3D((nx - 1) / 2.0 * spacing.X, (ny - 1) / 2.0 * spacing.Y, (nz - 1) / 2.0 * spacing.Z);
        return new ImageGeometry(nx, ny, nz, spacing, center - (direction * halfIndex), direction);
    }

    /// <summary>Corners of the body's bounding box (the region the tests evaluate registration error over).</summary>
    public static ImageGeometry BodyBox => CenteredGeometry(2, 2, 2, new Vector3D(124, 96, 60), Matrix3D.Identity, Vector3D.Zero);
}

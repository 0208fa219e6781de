using BmeQuant.Imaging.Registration;

namespace BmeQuant.Imaging.Tests.Registration;

public class RigidTransformTests
{
    private static RigidTransform Sample(int seed)
    {
        var rng = new Random(seed);
        double R() => (rng.NextDouble() * 2) - 1;
        return RigidTransform.FromAxisAngle(new Vector3D(R(), R(), R()), R() * 2.5, new Vector3D(R() * 20, R() * 20, R() * 20), new Vector3D(R() * 50, R() * 50, R() * 50));
    }

    private static Vector3D[] Points(int seed, int count = 20)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => new Vector3D((rng.NextDouble() - 0.5) * 300, (rng.NextDouble() - 0.5) * 300, (rng.NextDouble() - 0.5) * 300))];
    }

    private static void AssertClose(Vector3D expected, Vector3D actual, double tolerance = 1e-9) =>
        Assert.True((expected - actual).Length < tolerance, $"expected {expected}, found {actual}");

    [Fact]
    public void TransformPoint_CenterOfRotation_MovesByTranslationOnly()
    {
        var t = RigidTransform.FromAxisAngle(new Vector3D(0, 0, 1), 0.3, new Vector3D(1, 2, 3), new Vector3D(10, -5, 7));
        AssertClose(new Vector3D(11, -3, 10), t.TransformPoint(new Vector3D(10, -5, 7)));
    }

    [Fact]
    public void FromAxisAngle_QuarterTurnAboutZ_MapsXToY()
    {
        var t = RigidTransform.FromAxisAngle(new Vector3D(0, 0, 2), Math.PI / 2, Vector3D.Zero, Vector3D.Zero);
        AssertClose(new Vector3D(0, 1, 0), t.TransformPoint(new Vector3D(1, 0, 0)));
        Assert.Equal(90, t.RotationAngleDegrees, 9);
        AssertClose(new Vector3D(0, 0, 1), t.RotationAxis);
    }

    [Fact]
    public void Inverse_AppliedAfterTransform_ReturnsOriginalPoints()
    {
        for (var seed = 0; seed < 10; seed++)
        {
            var t = Sample(seed);
            var inv = t.Inverse();
            foreach (var p in Points(seed))
            {
                AssertClose(p, inv.TransformPoint(t.TransformPoint(p)));
            }
        }
    }

    [Fact]
    public void Compose_EqualsSequentialApplication()
    {
        var first = Sample(1);
        var second = Sample(2);
        var composed = second.Compose(first);
        foreach (var p in Points(3))
        {
            AssertClose(second.TransformPoint(first.TransformPoint(p)), composed.TransformPoint(p));
        }

        Assert.Equal(first.Center, composed.Center);
    }

    [Fact]
    public void Constructor_FromMatrix_RoundTripsThroughVersor()
    {
        var m = Matrix3D.FromEulerXyz(0.4, -1.2, 2.9);
        var t = new RigidTransform(m, new Vector3D(1, 2, 3), new Vector3D(-4, 5, 6));
        Assert.True(t.Rotation.MaxAbsDifference(m) < 1e-12);

        // Angles near 180° take the other branches of the matrix → versor conversion.
        foreach (var axis in new[] { new Vector3D(1, 0.1, 0), new Vector3D(0.1, 1, 0), new Vector3D(0, 0.1, 1) })
        {
            var r = RigidTransform.FromAxisAngle(axis, Math.PI * 0.999, Vector3D.Zero, Vector3D.Zero).Rotation;
            Assert.True(new RigidTransform(r, Vector3D.Zero, Vector3D.Zero).Rotation.MaxAbsDifference(r) < 1e-12);
        }
    }

    [Fact]
    public void Constructor_Reflection_ThrowsNamingDeterminant()
    {
        var mirror = new Matrix3D(-1, 0, 0, 0, 1, 0, 0, 0, 1);
        var ex = Assert.Throws<ArgumentException>(() => new RigidTransform(mirror, Vector3D.Zero, Vector3D.Zero));
        Assert.Contains("determinant", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithCenter_KeepsTheMapping()
    {
        var t = Sample(4);
        var moved = t.WithCenter(new Vector3D(100, -20, 3));
        foreach (var p in Points(5))
        {
            AssertClose(t.TransformPoint(p), moved.TransformPoint(p));
        }
    }

    [Fact]
    public void FromEulerXyz_MatchesMatrix3DConvention()
    {
        var t = RigidTransform.FromEulerXyz(0.1, 0.2, 0.3, new Vector3D(1, 0, 0), Vector3D.Zero);
        Assert.True(t.Rotation.MaxAbsDifference(Matrix3D.FromEulerXyz(0.1, 0.2, 0.3)) < 1e-12);
        AssertClose(new Vector3D(1, 0, 0), t.TransformPoint(Vector3D.Zero));
    }

    [Fact]
    public void Update_SmallRotation_AppliesRotationAfterCurrent()
    {
        var t = Sample(6);
        var omega = new Vector3D(0.01, -0.02, 0.015);
        var updated = t.Update(omega, new Vector3D(0.5, 0, 0));
        var small = RigidTransform.FromAxisAngle(omega, omega.Length, Vector3D.Zero, Vector3D.Zero).Rotation;
        foreach (var p in Points(7))
        {
            // y' = exp(ω)·R·(x − c) + c + t + δt
            var expected = (small * (t.Rotation * (p - t.Center))) + t.Center + t.TranslationMm + new Vector3D(0.5, 0, 0);
            AssertClose(expected, updated.TransformPoint(p));
        }
    }

    [Fact]
    public void MaxCornerDisplacementMm_PureTranslation_IsTranslationLength()
    {
        var a = RigidTransform.FromTranslation(new Vector3D(3, 4, 0));
        Assert.Equal(5, a.MaxCornerDisplacementMm(RigidTransform.Identity, new ImageGeometry(10, 10, 10)), 12);
        Assert.Equal(5, a.TranslationMagnitudeMm, 12);
    }
}

using BmeQuant.Imaging;
using BmeQuant.Phantoms.Geometry;

namespace BmeQuant.Phantoms.Tests;

/// <summary>
/// The vectorised part evaluation of compound shapes (four parts per <c>Vector256</c>) gives the scalar code's bits for
/// every compound of every anatomy model (bones, body, capsule), at random points around each and at the parts' own
/// centres and axis ends (the ellipsoids' and boxes' centre branch, the capsules' clamp at both ends).
/// </summary>
public class CompoundShapeTests
{
    [Theory]
    [InlineData(PhantomAnatomy.Knee)]
    [InlineData(PhantomAnatomy.Hip)]
    [InlineData(PhantomAnatomy.Ankle)]
    [InlineData(PhantomAnatomy.Sacroiliac)]
    public void Distance_Vectorized_EqualsScalarBits(PhantomAnatomy anatomy)
    {
        var model = AnatomyLibrary.Get(anatomy);
        var shapes = model.Bones.Select(b => b.Shape).Append(model.Body).Append(model.Capsule).OfType<CompoundShape>().ToArray();
        Assert.NotEmpty(shapes);
        var rng = new Random(5);
        var checkedPoints = 0;
        foreach (var shape in shapes)
        {
            var (center, radius) = shape.Bounds;
            var points = Enumerable.Range(0, 4000)
                .Select(_ => center + (new Vector3D((2 * rng.NextDouble()) - 1, (2 * rng.NextDouble()) - 1, (2 * rng.NextDouble()) - 1) * (1.2 * Math.Min(radius, 400))))
                .Concat(model.Bones.Select(b => b.MarrowCenter))
                .Concat(model.Bones.Select(b => b.SurfacePoint))
                .ToList();
            points.AddRange(AnatomyLibraryCentres(anatomy));
            foreach (var p in points)
            {
                var scalar = shape.DistanceScalar(p);
                var vector = shape.Distance(p);
                Assert.True(BitConverter.DoubleToInt64Bits(scalar) == BitConverter.DoubleToInt64Bits(vector), $"{anatomy} at {p}: scalar {scalar:R}, vectorised {vector:R}");
                checkedPoints++;
            }
        }

        Assert.True(CompoundShape.Vectorized || checkedPoints > 0);
    }

    /// <summary>Part centres and capsule ends of the models (exact centre branch and the clamp's ends).</summary>
    private static IEnumerable<Vector3D> AnatomyLibraryCentres(PhantomAnatomy anatomy) => anatomy switch
    {
        PhantomAnatomy.Knee => [new(0, 8, 50), new(-21, 10, 26), new(21, 10, 26), new(0, -8, 40), new(0, 6, 45), new(0, 6, 260), new(0, 6, -14), new(0, 10, -50), new(0, 4, 0)],
        PhantomAnatomy.Hip => [new(0, 0, 0), new(36, 9, -30), new(46, 10, -42), new(-8, 2, 8), new(-14, 8, 80)],
        PhantomAnatomy.Ankle => [new(0, 0, 14), new(0, 2, 38), new(0, 3, 50), new(29, 20, 90), new(0, 2, -16)],
        _ => [new(0, 15, 25), new(0, 30, -25), new(73, 12, 30), new(88, 5, 80), new(0, 10, 20)],
    };
}

using BmeQuant.Imaging;

namespace BmeQuant.Phantoms.Geometry;

/// <summary>
/// One bone: its solid (anatomy frame of a left limb at neutral pose, mm), cortex and cartilage thickness, the
/// movable segment it belongs to, and reference points for placing lesions.
/// </summary>
internal sealed class BoneModel
{
    public BoneModel(string name, Shape shape, double cortexMm, double cartilageMm, Vector3D marrowCenter, Vector3D articularDirection, int segment = 0)
    {
        Name = name;
        Shape = shape;
        CortexMm = cortexMm;
        CartilageMm = cartilageMm;
        MarrowCenter = marrowCenter;
        ArticularDirection = articularDirection.Normalized();
        Segment = segment;
        SurfacePoint = FindSurface(shape, marrowCenter, ArticularDirection);
        (BoundCenter, BoundRadius) = shape.Bounds;
    }

    public string Name { get; }

    public Shape Shape { get; }

    public double CortexMm { get; }

    public double CartilageMm { get; }

    /// <summary>A point deep in the marrow (reference for patchy lesions).</summary>
    public Vector3D MarrowCenter { get; }

    /// <summary>Direction from the marrow centre to the main articular surface.</summary>
    public Vector3D ArticularDirection { get; }

    /// <summary>The point of the main articular surface reached from <see cref="MarrowCenter"/> along <see cref="ArticularDirection"/>.</summary>
    public Vector3D SurfacePoint { get; }

    /// <summary>0 = fixed; 1 = distal segment (rotates by the flexion angle); 2 = rotates by half of it (patella).</summary>
    public int Segment { get; }

    public List<Shape> RedMarrowIslands { get; } = [];

    public Vector3D BoundCenter { get; }

    public double BoundRadius { get; }

    private static Vector3D FindSurface(Shape shape, Vector3D start, Vector3D direction)
    {
        if (shape.Distance(start) >= 0)
        {
            throw new InvalidOperationException($"Marrow centre {start} is not inside the bone.");
        }

        var t = 0.0;
        while (t < 500)
        {
            var p = start + (direction * t);
            if (shape.Distance(p) >= 0)
            {
                // Refine by bisection between t − 0.25 and t.
                double lo = Math.Max(0, t - 0.25), hi = t;
                for (var n = 0; n < 30; n++)
                {
                    var mid = 0.5 * (lo + hi);
                    if (shape.Distance(start + (direction * mid)) >= 0)
                    {
                        hi = mid;
                    }
                    else
                    {
                        lo = mid;
                    }
                }

                return start + (direction * hi);
            }

            t += 0.25;
        }

        throw new InvalidOperationException("Articular surface not found.");
    }
}

/// <summary>The solids of one joint region: bones, limb outline, joint capsule, soft-tissue layers.</summary>
internal sealed class AnatomyModel
{
    public required PhantomAnatomy Anatomy { get; init; }

    public required BoneModel[] Bones { get; init; }

    /// <summary>The body outline (skin surface).</summary>
    public required Shape Body { get; init; }

    /// <summary>The joint capsule: fluid may collect inside it next to bone.</summary>
    public required Shape Capsule { get; init; }

    public double SkinMm { get; init; } = 1.5;

    public double SubcutaneousFatMm { get; init; } = 8;

    /// <summary>Where the anatomy origin sits in patient LPS coordinates for a left limb (X is mirrored for a right one).</summary>
    public required Vector3D JointCenterLps { get; init; }

    /// <summary>Pivot of flexion (anatomy frame).</summary>
    public Vector3D FlexionPivot { get; init; }

    /// <summary>Flexion axis (anatomy frame, unit).</summary>
    public Vector3D FlexionAxis { get; init; } = new(1, 0, 0);

    /// <summary>Whether the side of the body matters (false for the sacroiliac joints).</summary>
    public bool Lateralized { get; init; } = true;

    public int BoneIndex(string name)
    {
        for (var n = 0; n < Bones.Length; n++)
        {
            if (string.Equals(Bones[n].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return n;
            }
        }

        throw new ArgumentException($"Bone '{name}' is not part of the {Anatomy} phantom; expected one of {string.Join(", ", Bones.Select(b => b.Name))}.", nameof(name));
    }
}

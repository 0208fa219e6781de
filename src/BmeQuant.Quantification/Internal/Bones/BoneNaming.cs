using System.Globalization;
using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal.Bones;

/// <summary>
/// Names segmented bones from the joint and their positions along the patient axes (LPS: +X left, +Y posterior,
/// +Z superior), and numbers them in the joint's canonical order (the phantoms' label order): knee femur, tibia,
/// patella, fibula; hip femur, acetabulum; ankle tibia, fibula, talus, calcaneus, navicular, cuboid, medial,
/// intermediate and lateral cuneiform; sacroiliac sacrum, left and right ilium. Bones that fit no role, and every
/// bone of an unknown joint, are called "bone N" (N = label, larger bones first).
/// </summary>
internal static class BoneNaming
{
    /// <summary>Least distance along X (left–right) between the centroids of the two ilia.</summary>
    public const double IliumSeparationMm = 40;

    /// <summary>Of the mirrored pairs whose smaller bone reaches this fraction of the largest such pair's, the widest apart are the ilia.</summary>
    public const double IliumPairSizeFraction = 0.25;

    /// <summary>Greatest offset along Y and Z between the centroids of the two ilia.</summary>
    public const double IliumMirrorMm = 40;

    /// <summary>Greatest offset along Y and Z between the sacrum's centroid and the ilia's mean centroid.</summary>
    public const double SacrumLevelMm = 30;

    /// <summary>Canonical bone names of a joint, in label order.</summary>
    public static IReadOnlyList<string> Canonical(Anatomy anatomy) => anatomy switch
    {
        Anatomy.Knee => ["Femur", "Tibia", "Patella", "Fibula"],
        Anatomy.Hip => ["Femur", "Acetabulum"],
        Anatomy.Ankle => ["Tibia", "Fibula", "Talus", "Calcaneus", "Navicular", "Cuboid", "MedialCuneiform", "IntermediateCuneiform", "LateralCuneiform"],
        Anatomy.SacroiliacJoint => ["Sacrum", "LeftIlium", "RightIlium"],
        _ => [],
    };

    /// <summary>
    /// Names the bones and renumbers <paramref name="labels"/> in place: named bones get their canonical label,
    /// the others follow by size.
    /// </summary>
    public static IReadOnlyDictionary<int, string> Apply(Volume<int> labels, IReadOnlyList<BoneCandidate> bones, Anatomy anatomy, List<string> notes)
    {
        var canonical = Canonical(anatomy);
        var roles = Assign(bones, anatomy, notes);
        var remap = new int[bones.Count == 0 ? 1 : bones.Max(b => b.Label) + 1];
        var names = new Dictionary<int, string>();
        foreach (var (label, role) in roles)
        {
            var index = canonical.ToList().IndexOf(role);
            remap[label] = index + 1;
            names[index + 1] = role;
        }

        var next = canonical.Count;
        foreach (var b in bones.OrderByDescending(b => b.VolumeMm3))
        {
            if (remap[b.Label] == 0)
            {
                remap[b.Label] = ++next;
                names[next] = "bone " + next.ToString(CultureInfo.InvariantCulture);
            }
        }

        var l = labels.Data;
        for (var i = 0; i < l.Length; i++)
        {
            l[i] = remap[l[i]];
        }

        return names;
    }

    /// <summary>Role of each bone label that could be named (label → canonical name).</summary>
    internal static Dictionary<int, string> Assign(IReadOnlyList<BoneCandidate> bones, Anatomy anatomy, List<string> notes)
    {
        var roles = new Dictionary<int, string>();
        var free = bones.OrderByDescending(b => b.VolumeMm3).ToList();
        BoneCandidate Take(BoneCandidate b, string role)
        {
            roles[b.Label] = role;
            free.Remove(b);
            return b;
        }

        switch (anatomy)
        {
            case Anatomy.Knee when free.Count >= 2:
            {
                var pair = free.Take(2).OrderByDescending(b => b.CentroidLps.Z).ToList();
                var femur = Take(pair[0], "Femur");
                var tibia = Take(pair[1], "Tibia");

                // Patella: anterior (smaller Y) to the femur and above the tibia; fibula: below the femur, beside the tibia.
                if (free.FirstOrDefault(b => b.CentroidLps.Y < femur.CentroidLps.Y - 15 && b.CentroidLps.Z > tibia.CentroidLps.Z) is { } patella)
                {
                    Take(patella, "Patella");
                }

                if (free.FirstOrDefault(b => b.CentroidLps.Z < femur.CentroidLps.Z && Math.Abs(b.CentroidLps.X - tibia.CentroidLps.X) >= 15 && b.VolumeMm3 < tibia.VolumeMm3) is { } fibula)
                {
                    Take(fibula, "Fibula");
                }

                break;
            }

            case Anatomy.Hip when free.Count >= 2:
            {
                var pair = free.Take(2).OrderBy(b => b.CentroidLps.Z).ToList();
                Take(pair[0], "Femur");
                Take(pair[1], "Acetabulum");
                break;
            }

            case Anatomy.Ankle when free.Count >= 1:
                AssignAnkle(free, Take, notes);
                break;

            case Anatomy.SacroiliacJoint when free.Count >= 2:
                AssignSacroiliac(free, Take, notes);
                break;

            case Anatomy.Unknown:
                break;

            default:
                notes.Add($"Only {bones.Count} bone(s) found for a {anatomy} study: bones are numbered, not named.");
                break;
        }

        return roles;
    }

    /// <summary>
    /// Sacroiliac joints: the ilia are a pair of bones on opposite sides (centroids at least
    /// <see cref="IliumSeparationMm"/> apart along X) that mirror each other (centroids within
    /// <see cref="IliumMirrorMm"/> along Y and Z: the joints are symmetric); of the pairs whose smaller bone reaches
    /// <see cref="IliumPairSizeFraction"/> of the largest pair's, the widest apart (the sacrum and one ilium also mirror
    /// each other, closer together). The left ilium is the one at +X (patient left). The sacrum is the largest remaining bone between them (at least 10 mm from each along X), level
    /// with them (within <see cref="SacrumLevelMm"/> of their mean along Y and Z) and at least half the smaller
    /// ilium's volume. Fat or soft tissue taken for bone elsewhere (behind the spine, below the joints) fits neither
    /// role and stays numbered.
    /// </summary>
    private static void AssignSacroiliac(List<BoneCandidate> free, Func<BoneCandidate, string, BoneCandidate> take, List<string> notes)
    {
        var pairs = new List<(BoneCandidate Right, BoneCandidate Left, double Size, double Separation)>();
        for (var a = 0; a < free.Count; a++)
        {
            for (var b = a + 1; b < free.Count; b++)
            {
                var (p, q) = (free[a].CentroidLps, free[b].CentroidLps);
                if (Math.Abs(p.X - q.X) >= IliumSeparationMm && Math.Abs(p.Y - q.Y) <= IliumMirrorMm && Math.Abs(p.Z - q.Z) <= IliumMirrorMm)
                {
                    var (right, left) = p.X < q.X ? (free[a], free[b]) : (free[b], free[a]);
                    pairs.Add((right, left, Math.Min(free[a].VolumeMm3, free[b].VolumeMm3), Math.Abs(p.X - q.X)));
                }
            }
        }

        if (pairs.Count == 0)
        {
            notes.Add($"No pair of bones on opposite sides at the same level was found among the {free.Count} sacroiliac bones: bones are numbered, not named.");
            return;
        }

        // The widest of the substantial pairs (a sacrum and one ilium also mirror each other, closer together).
        var largest = pairs.Max(p => p.Size);
        var ilia = pairs.Where(p => p.Size >= IliumPairSizeFraction * largest).MaxBy(p => p.Separation);
        take(ilia.Right, "RightIlium");
        take(ilia.Left, "LeftIlium");
        var (r, l) = (ilia.Right.CentroidLps, ilia.Left.CentroidLps);
        var mid = 0.5 * (r + l);
        var minimum = 0.5 * Math.Min(ilia.Right.VolumeMm3, ilia.Left.VolumeMm3);
        if (free.FirstOrDefault(b => b.CentroidLps.X >= r.X + 10 && b.CentroidLps.X <= l.X - 10
            && Math.Abs(b.CentroidLps.Y - mid.Y) <= SacrumLevelMm && Math.Abs(b.CentroidLps.Z - mid.Z) <= SacrumLevelMm
            && b.VolumeMm3 >= minimum) is { } sacrum)
        {
            take(sacrum, "Sacrum");
        }
        else
        {
            notes.Add("No sacrum found between the ilia (no bone there at their level of at least half the smaller ilium's volume).");
        }
    }

    private static void AssignAnkle(List<BoneCandidate> free, Func<BoneCandidate, string, BoneCandidate> take, List<string> notes)
    {
        var largest = free[0].VolumeMm3;
        var tibia = take(free.Where(b => b.VolumeMm3 >= 0.25 * largest).MaxBy(b => b.CentroidLps.Z)!, "Tibia");
        double lateral = 1;
        if (free.Where(b => Math.Abs(b.CentroidLps.X - tibia.CentroidLps.X) >= 15 && b.CentroidLps.Z >= tibia.CentroidLps.Z - 40).MaxBy(b => b.CentroidLps.Z) is { } fibula)
        {
            take(fibula, "Fibula");
            lateral = Math.Sign(fibula.CentroidLps.X - tibia.CentroidLps.X);
        }
        else
        {
            notes.Add("No fibula found: the lateral side of the foot is taken as patient left (+X).");
        }

        if (free.Count < 2)
        {
            if (free.Count == 1)
            {
                take(free[0], "Talus");
            }

            return;
        }

        var hind = free.Take(2).OrderByDescending(b => b.CentroidLps.Z).ToList();
        var talus = take(hind[0], "Talus");
        take(hind[1], "Calcaneus");

        // Midfoot: nearest expected position relative to the talus (adult foot, mm; X toward the lateral side).
        (string Name, Vector3D Offset)[] expected =
        [
            ("Navicular", new Vector3D(-6, -46, -8)),
            ("Cuboid", new Vector3D(17, -40, -32)),
            ("MedialCuneiform", new Vector3D(-17, -64, -12)),
            ("IntermediateCuneiform", new Vector3D(-3, -64, -8)),
            ("LateralCuneiform", new Vector3D(9, -64, -14)),
        ];
        var pairs = new List<(double Distance, BoneCandidate Bone, string Name)>();
        foreach (var b in free)
        {
            var d = b.CentroidLps - talus.CentroidLps;
            foreach (var (name, offset) in expected)
            {
                var e = new Vector3D(offset.X * lateral, offset.Y, offset.Z);
                pairs.Add(((d - e).Length, b, name));
            }
        }

        var usedNames = new HashSet<string>();
        foreach (var (distance, bone, name) in pairs.OrderBy(p => p.Distance))
        {
            if (distance <= 25 && free.Contains(bone) && usedNames.Add(name))
            {
                take(bone, name);
            }
        }
    }
}

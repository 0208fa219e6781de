using System.Diagnostics;
using System.Globalization;
using BmeQuant.Imaging;
using BmeQuant.Imaging.Filters;
using BmeQuant.Quantification.Internal.Bones;

namespace BmeQuant.Quantification.Internal;

/// <summary>
/// Automatic bone segmentation and labelling from T1 + fluid-sensitive series on the fluid-sensitive grid (see
/// docs/methods.md, "Bones"): fatty marrow enclosed by cortex, edema and red marrow filled in, cortex added, bones
/// named from the joint and the patient axes.
/// </summary>
internal static class BoneSegmenter
{
    /// <summary>Segments and names the bones.</summary>
    /// <exception cref="QuantificationException">No bone could be found.</exception>
    public static (Volume<int> Labels, IReadOnlyDictionary<int, string> Names) Segment(Volume<float> fluid, Volume<float> t1, Anatomy anatomy, AnalysisOptions options, List<string> notes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fluid);
        ArgumentNullException.ThrowIfNull(t1);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(notes);
        var start = Stopwatch.GetTimestamp();
        var t1OnGrid = t1.Geometry.IsSameGrid(fluid.Geometry) ? t1 : Resampler.Resample(t1, fluid.Geometry, Interpolation.Linear, float.NaN);
        var segmented = MarrowBoneSegmenter.Run(fluid, t1OnGrid, cancellationToken);
        if (segmented.Bones.Count == 0)
        {
            var l = segmented.Levels;
            throw new QuantificationException(string.Create(CultureInfo.InvariantCulture,
                $"No bone found automatically on the {fluid.SizeX}×{fluid.SizeY}×{fluid.SizeZ} fluid-sensitive grid: no fatty-marrow region (T1 > {l.MarrowT1Threshold:G4} and fluid-sensitive < {l.MarrowFluidThreshold:G4}) of at least {MarrowBoneSegmenter.MinimumBoneVolumeMm3} mm³ enclosed by cortex. Give a bone label map (--bone-mask)."));
        }

        var names = BoneNaming.Apply(segmented.Labels, segmented.Bones, anatomy, notes);
        if (anatomy == Anatomy.SacroiliacJoint)
        {
            names = AddSacrum(fluid, t1OnGrid, segmented.Labels, names, segmented.Levels, notes);
            names = AddVertebrae(fluid, t1OnGrid, segmented.Labels, names, segmented.Levels, notes);
        }

        var l0 = segmented.Levels;
        if (l0.T1Led)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"The fluid-sensitive series does not null fat (fat {l0.FatFluid:G4} against muscle {l0.SoftFluid:G4}): marrow was told from muscle (T1 {l0.SoftT1:G4}) and fat (T1 {l0.FatT1:G4}) by T1 alone (T1 {l0.MarrowT1Threshold:G4}–{l0.MarrowT1Ceiling:G4}, fluid-sensitive < {l0.MarrowFluidThreshold:G4}). Bones found this way can be incomplete (on real sacroiliac scans an ilium may be found only in part, and the posterior elements and facets are not looked for): check the bone map or give --bone-mask."));
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Bones segmented automatically ({elapsed.TotalMilliseconds:F0} ms): {string.Join(", ", names.OrderBy(n => n.Key).Select(n => n.Value))}; fatty marrow T1 > {segmented.Levels.MarrowT1Threshold:G4} and fluid-sensitive < {segmented.Levels.MarrowFluidThreshold:G4}, cortex below {segmented.Levels.DarkT1Threshold:G4} / {segmented.Levels.DarkFluidThreshold:G4}."));
        return (segmented.Labels, names);
    }

    /// <summary>Lumbar names from the sacrum upwards: the first body above the sacrum across a disc is L5.</summary>
    internal static string LumbarName(int indexAboveSacrum) => "L" + (5 - indexAboveSacrum).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// When the sacrum is named, looks for its upper marrow cut off by the marrow level and for the lumbar vertebral
    /// bodies stacked above it (<see cref="VertebraFinder"/>); each is completed as the other bones (enclosed regions,
    /// cortex shell, surface bites) and the bodies are named L5, L4, ... from the sacrum up.
    /// </summary>
    private static IReadOnlyDictionary<int, string> AddVertebrae(Volume<float> fluid, Volume<float> t1, Volume<int> labels, IReadOnlyDictionary<int, string> names, TissueLevels levels, List<string> notes)
    {
        var sacrum = names.FirstOrDefault(n => n.Value == "Sacrum").Key;
        if (sacrum == 0)
        {
            return names;
        }

        var left = names.FirstOrDefault(n => n.Value == "LeftIlium").Key;
        var right = names.FirstOrDefault(n => n.Value == "RightIlium").Key;
        double? midline = left != 0 && right != 0 ? (SacrumFinder.CentroidX(labels, left) + SacrumFinder.CentroidX(labels, right)) / 2 : null;
        var found = VertebraFinder.Find(fluid, t1, labels, sacrum, levels, midline);
        if (found.SacrumParts is null && found.Vertebrae.Count == 0)
        {
            return names;
        }

        var voxel = labels.Geometry.VoxelVolumeMm3;
        var result = names.ToDictionary(n => n.Key, n => n.Value);
        var described = new List<string>();
        if (found.SacrumParts is { } parts)
        {
            var added = Paint(parts, labels, sacrum) + MarrowBoneSegmenter.CompleteFound(fluid, t1, labels, sacrum, levels);
            described.Add(string.Create(CultureInfo.InvariantCulture, $"{added * voxel / 1000:F1} mL of the sacrum's upper body touching it"));
        }

        var next = Math.Max(names.Keys.Append(0).Max(), BoneNaming.Canonical(Anatomy.SacroiliacJoint).Count) + 1;
        for (var v = 0; v < found.Vertebrae.Count; v++)
        {
            var label = next++;
            var added = Paint(found.Vertebrae[v], labels, label) + MarrowBoneSegmenter.CompleteFound(fluid, t1, labels, label, levels);
            result[label] = LumbarName(v);
            described.Add(string.Create(CultureInfo.InvariantCulture, $"{result[label]} {added * voxel / 1000:F1} mL"));
        }

        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Above the sacrum ({string.Join(", ", described)}): marrow on the midline (within {VertebraFinder.MidlineMm} mm of the sacrum's centroid, at least {VertebraFinder.MinimumBodyWidthMm} mm wide) by its marrow level, each body across a disc (marrow gap {VertebraFinder.SacrumContactMm}–{VertebraFinder.DiscGapMm} mm) from the bone below; lumbar bodies are named counting up from the sacrum."));
        return result;
    }

    /// <summary>Labels the unlabelled voxels of <paramref name="mask"/>; returns how many.</summary>
    private static long Paint(Volume<byte> mask, Volume<int> labels, int label)
    {
        long added = 0;
        var l = labels.Data;
        var m = mask.Data;
        for (var i = 0; i < l.Length; i++)
        {
            if (m[i] != 0 && l[i] == 0)
            {
                l[i] = label;
                added++;
            }
        }

        return added;
    }

    /// <summary>
    /// When both ilia are named and no sacrum is, looks for it between them (<see cref="SacrumFinder"/>) and labels it
    /// (over any unnamed bone there; unnamed bones left below the minimum bone volume are dropped).
    /// </summary>
    private static IReadOnlyDictionary<int, string> AddSacrum(Volume<float> fluid, Volume<float> t1, Volume<int> labels, IReadOnlyDictionary<int, string> names, TissueLevels levels, List<string> notes)
    {
        var label = names.FirstOrDefault(n => n.Value == "Sacrum").Key;
        var left = names.FirstOrDefault(n => n.Value == "LeftIlium").Key;
        var right = names.FirstOrDefault(n => n.Value == "RightIlium").Key;
        if (left == 0 || right == 0 || label != 0 || SacrumFinder.Find(fluid, t1, labels, right, left, levels, out var iliaMarrow) is not { } sacrum)
        {
            return names;
        }

        label = BoneNaming.Canonical(Anatomy.SacroiliacJoint).ToList().IndexOf("Sacrum") + 1;
        var l = labels.Data;
        var s = sacrum.Data;
        var counts = new long[names.Keys.Append(label).Max() + 1];
        for (var i = 0; i < l.Length; i++)
        {
            if (s[i] != 0)
            {
                l[i] = label;
            }
        }

        var marrowVoxels = sacrum.Data.AsSpan().Count((byte)1);
        long iliaAdded = 0;
        if (iliaMarrow is not null)
        {
            var m = iliaMarrow.Data;
            for (var i = 0; i < l.Length; i++)
            {
                if (m[i] != 0 && l[i] == 0)
                {
                    l[i] = m[i];
                    iliaAdded++;
                }
            }
        }

        var completed = MarrowBoneSegmenter.CompleteFound(fluid, t1, labels, label, levels);
        if (iliaAdded > 0)
        {
            iliaAdded += MarrowBoneSegmenter.CompleteFound(fluid, t1, labels, right, levels) + MarrowBoneSegmenter.CompleteFound(fluid, t1, labels, left, levels);
        }

        var joined = SacrumFinder.JoinJointGaps(t1, labels, label, right, left, levels);
        for (var i = 0; i < l.Length; i++)
        {
            counts[l[i]]++;
        }

        var voxel = labels.Geometry.VoxelVolumeMm3;
        var kept = names.Where(n => counts[n.Key] * voxel >= MarrowBoneSegmenter.MinimumBoneVolumeMm3 && !(levels.T1Led && n.Value.StartsWith("bone ", StringComparison.Ordinal))).ToDictionary(n => n.Key, n => n.Value);
        for (var i = 0; i < l.Length; i++)
        {
            if (l[i] != label && l[i] != 0 && !kept.ContainsKey(l[i]))
            {
                l[i] = 0;
            }
        }

        kept[label] = "Sacrum";
        notes.RemoveAll(n => n.StartsWith("No sacrum found between the ilia", StringComparison.Ordinal));
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"Sacrum found between the ilia by its marrow level alone ({counts[label] * voxel / 1000:F1} mL: T1 {levels.MarrowT1Threshold:G4}–{levels.MarrowT1Ceiling:G4} and fluid-sensitive < {levels.MarrowFluidThreshold:G4} on a 3×3 in-plane median, cut from touching tissue by a {SacrumFinder.SplitMm} mm erosion, within {SacrumFinder.JointReachMm} mm of an ilium, foramina filled within slices; {marrowVoxels * voxel / 1000:F1} mL of marrow, {completed * voxel / 1000:F1} mL added as the other bones are completed: enclosed regions, cortex shell; {joined * voxel / 1000:F1} mL of the sacrum and ilia closed across the joints, within {SacrumFinder.JointGapMm} mm{(iliaAdded > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {iliaAdded * voxel / 1000:F1} mL of the ilia's medial marrow met by the search (on one side of the midline, within {SacrumFinder.IliumContactMm} mm of that side's ilium) given back to them and completed") : "")})."));
        return kept;
    }
}

using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal.Edema;

/// <summary>
/// Estimates the T1-weighted signal of free water (joint fluid, effusion, bursae) next to the bones: soft tissue
/// outside the bones within <see cref="ReachMm"/> of them that is darker than muscle on T1 and brighter than
/// <see cref="MinimumFluidToMuscle"/> × muscle on the fluid-sensitive series; of these the brightest tenth on the
/// fluid-sensitive series (the purest fluid, least mixed with cartilage or muscle through partial volume) and the
/// median of their T1 signal. Null when fewer than <see cref="MinimumVoxels"/> such voxels are found.
/// </summary>
internal static class FreeWaterEstimator
{
    /// <summary>How far from the bones joint fluid is looked for (mm).</summary>
    public const double ReachMm = 10;

    /// <summary>Fluid-sensitive signal of a candidate, relative to muscle (free water is much brighter than muscle).</summary>
    public const double MinimumFluidToMuscle = 1.5;

    /// <summary>Fewest voxels in the brightest tenth for an estimate.</summary>
    public const int MinimumVoxels = 20;

    /// <summary>Median T1 signal of the brightest free water near the bones, or null; <paramref name="shell"/> is the soft tissue around the bones (reaching at least <see cref="ReachMm"/>).</summary>
    public static double? EstimateT1(Volume<float> fluid, Volume<float>? t1, Pipeline.BoneShell shell, (double Fluid, double T1)? muscle)
    {
        if (t1 is null || muscle is not { } mu)
        {
            return null;
        }

        // The shell's voxels in ascending index order, with their distances to the bones.
        var f = fluid.Data;
        var t = t1.Data;
        var minFluid = MinimumFluidToMuscle * mu.Fluid;
        var candidates = new List<(float Fluid, float T1)>();
        var indices = shell.Indices;
        var distances = shell.DistanceMm;
        for (var at = 0; at < indices.Length; at++)
        {
            var i = indices[at];
            if (distances[at] <= ReachMm && f[i] > minFluid && t[i] < mu.T1)
            {
                candidates.Add((f[i], t[i]));
            }
        }

        var top = candidates.Count / 10;
        if (top < MinimumVoxels)
        {
            return null;
        }

        candidates.Sort((a, b) => b.Fluid.CompareTo(a.Fluid));
        var t1Values = new float[top];
        for (var i = 0; i < top; i++)
        {
            t1Values[i] = candidates[i].T1;
        }

        Array.Sort(t1Values);
        return 0.5 * (t1Values[(top - 1) / 2] + t1Values[top / 2]);
    }
}

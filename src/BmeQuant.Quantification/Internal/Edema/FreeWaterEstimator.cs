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

    /// <summary>Median T1 signal of the brightest free water near the bones, or null.</summary>
    public static double? EstimateT1(Volume<float> fluid, Volume<float>? t1, BoneGeometry bones, (double Fluid, double T1)? muscle)
    {
        if (t1 is null || muscle is not { } mu)
        {
            return null;
        }

        if (Bones.VoxelBox.OfMask(bones.Union) is not { } unionBox)
        {
            return null;
        }

        // Distances on the bones' box grown by the reach: exact there, and every voxel outside it is farther away.
        var g = fluid.Geometry;
        var box = unionBox.Grow(g, ReachMm);
        var near = Imaging.Filters.DistanceTransform.OutsideMm(box.Crop(bones.Union)).Data;
        var f = fluid.Data;
        var t = t1.Data;
        var minFluid = MinimumFluidToMuscle * mu.Fluid;
        var candidates = new List<(float Fluid, float T1)>();
        var nx = box.SizeX;
        for (var k = 0; k < box.SizeZ; k++)
        {
            for (var j = 0; j < box.SizeY; j++)
            {
                var at = nx * (j + (box.SizeY * k));
                var start = box.FullIndex(g, 0, j, k);
                for (var x = 0; x < nx; x++)
                {
                    var d = near[at + x];
                    var i = start + x;
                    if (d > 0 && d <= ReachMm && f[i] > minFluid && t[i] < mu.T1)
                    {
                        candidates.Add((f[i], t[i]));
                    }
                }
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

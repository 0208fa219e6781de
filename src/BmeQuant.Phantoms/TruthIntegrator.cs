using BmeQuant.Imaging;
using BmeQuant.Phantoms.Geometry;
using BmeQuant.Phantoms.Signal;

namespace BmeQuant.Phantoms;

/// <summary>
/// Integrates the edema fraction at high resolution (midpoint rule on a cubic lattice of <see cref="PhantomSpec.TruthStepMm"/>,
/// rotated away from the bone axes) in each lesion's bone frame, over the sphere that encloses the lesion, with the same classification as the images.
/// </summary>
internal static class TruthIntegrator
{
    /// <summary>
    /// Orientation of the integration lattice in the bone frame: a generic rotation, so no lattice axis is parallel to
    /// a flat bone face (the boxy ilium and sacrum of the SIJ model). An axis-aligned lattice puts every sample row at the
    /// same distance from such a face and the marrow/cortex step then biases the sum by up to h/2 × face area (2.2 %
    /// on the SIJ ilium lesion); a rotated lattice spreads those distances evenly.
    /// </summary>
    private static readonly Matrix3D s_lattice = Matrix3D.FromEulerXyz(0.4636, 0.7297, 0.2915);

    public static VisitTruth Compute(Scene scene, PhantomSpec spec, VisitSpec visit)
    {
        var model = scene.Model;
        var h = spec.TruthStepMm;
        var cell = h * h * h;
        var boneVolume = new double[model.Bones.Length];
        var boneExtent = new double[model.Bones.Length];
        var lesions = new List<LesionTruth>(scene.Lesions.Length);
        var pose = Pose.Create(model, spec.Side, visit.Repositioning, RigidPose.Identity);

        for (var li = 0; li < scene.Lesions.Length; li++)
        {
            var lesion = scene.Lesions[li];
            var b = lesion.BoneIndex;
            var bone = model.Bones[b];

            // Spheres already integrated for this bone (earlier lesions), so bone sums count each point once.
            var earlierBone = scene.Lesions.Take(li).Where(l => l.BoneIndex == b).SelectMany(l => l.Support).ToList();
            var support = lesion.Support;
            var total = default(PlaneSums);
            for (var si = 0; si < support.Length; si++)
            {
                var (center, radius) = support[si];
                var earlierOwn = support.Take(si).ToArray();
                var n = (int)Math.Ceiling(2 * radius / h);
                var half = (0.5 * n * h) - (0.5 * h);
                var r2 = radius * radius;

                // Per-plane partial sums, added in plane order afterwards so the result does not depend on threading.
                var planes = new PlaneSums[n];
                Parallel.For(0, n, kz =>
                {
                    var acc = default(PlaneSums);
                    for (var ky = 0; ky < n; ky++)
                    {
                        for (var kx = 0; kx < n; kx++)
                        {
                            var lp = center + (s_lattice * new Vector3D((kx * h) - half, (ky * h) - half, (kz * h) - half));
                            if ((lp - center).Dot(lp - center) > r2)
                            {
                                continue;
                            }

                            var own = !Inside(earlierOwn, lp);
                            var forBone = own && !Inside(earlierBone, lp);
                            if (!own)
                            {
                                continue;
                            }

                            scene.Evaluate(scene.ToAnatomyFrame(b, lp), out var sv);
                            if (sv.Bone != b || sv.Tissue == Tissue.Cortex)
                            {
                                continue;
                            }

                            var depth = -bone.Shape.Distance(lp);
                            var fi = lesion.Evaluate(lp, depth, out var rep);
                            if (rep != Tissue.Air && sv.Tissue == rep)
                            {
                                if (rep == Tissue.GranulationRim)
                                {
                                    acc.Bright += 1;
                                }
                                else
                                {
                                    acc.Low += 1;
                                }
                            }
                            else if (sv.Tissue is Tissue.YellowMarrow or Tissue.RedMarrow)
                            {
                                acc.Volume += fi;
                                acc.Centroid += lp * fi;
                                if (fi >= 0.5)
                                {
                                    acc.Extent += 1;
                                    acc.MaxDepth = Math.Max(acc.MaxDepth, lesion.TrueDepth(lp, depth));
                                }

                                acc.Peak = Math.Max(acc.Peak, fi);
                            }

                            if (forBone)
                            {
                                acc.BoneVolume += sv.Edema;
                                acc.BoneExtent += sv.Edema >= 0.5 ? 1 : 0;
                            }
                        }
                    }

                    planes[kz] = acc;
                });

                foreach (var p in planes)
                {
                    total.Volume += p.Volume;
                    total.Extent += p.Extent;
                    total.Low += p.Low;
                    total.Bright += p.Bright;
                    total.BoneVolume += p.BoneVolume;
                    total.BoneExtent += p.BoneExtent;
                    total.Centroid += p.Centroid;
                    total.MaxDepth = Math.Max(total.MaxDepth, p.MaxDepth);
                    total.Peak = Math.Max(total.Peak, p.Peak);
                }
            }

            boneVolume[b] += total.BoneVolume * cell;
            boneExtent[b] += total.BoneExtent * cell;
            var centroidBone = total.Volume > 0 ? total.Centroid / total.Volume : lesion.BoundCenter;
            var centroid = pose.ToPatient(scene.ToAnatomyFrame(b, centroidBone));
            var s = lesion.Spec;
            lesions.Add(new LesionTruth(
                s.Id,
                s.Pattern,
                bone.Name,
                total.Volume * cell,
                total.Extent * cell,
                total.Peak,
                s.DepthMm,
                total.MaxDepth,
                s.SizeMm,
                s.BandThicknessMm,
                s.BandLengthMm,
                total.Low * cell,
                total.Bright * cell,
                centroid));
        }

        var bones = model.Bones.Select((bn, i) => new BoneTruth(i + 1, bn.Name, boneVolume[i], boneExtent[i])).ToArray();
        return new VisitTruth(visit.DayOffset, bones, lesions);
    }

    private static bool Inside(IReadOnlyList<(Vector3D Center, double Radius)> spheres, in Vector3D p)
    {
        for (var i = 0; i < spheres.Count; i++)
        {
            var d = p - spheres[i].Center;
            if (d.Dot(d) <= spheres[i].Radius * spheres[i].Radius)
            {
                return true;
            }
        }

        return false;
    }

    private struct PlaneSums
    {
        public double Volume;
        public double Extent;
        public double Low;
        public double Bright;
        public double BoneVolume;
        public double BoneExtent;
        public Vector3D Centroid;
        public double MaxDepth;
        public double Peak;
    }
}

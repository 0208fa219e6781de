using System.Reflection;
using System.Runtime.CompilerServices;
using BmeQuant.Imaging;

namespace BmeQuant.Quantification.Internal.Pipeline;

/// <summary>
/// Compiles the analysis' own code ahead of its first call (<see cref="RuntimeHelpers.PrepareMethod(RuntimeMethodHandle)"/>
/// on every method of the types the analysis runs, stage by stage in the order the analysis reaches them, lambdas
/// included). A short process compiles each method once, fully optimised (the CLI runs without tiered compilation);
/// the compilation costs the analysis hundreds of milliseconds of CPU on its critical path unless it happens earlier on
/// a core that is otherwise idle, as while the study is read. The compiled code is the same, so results are too.
/// </summary>
internal static class Precompiler
{
    private const string ImagingPrefix = "BmeQuant.Imaging.";

    /// <summary>
    /// The types of the analysis in stage order: alignment and registration, bone geometry and shell, reference, edema,
    /// measures. Imaging types are named (several are internal); <see cref="Types"/> fails on a name that no longer exists.
    /// </summary>
    private static readonly string[] s_imagingAlign =
    [
        "Registration.RigidRegistration", "Registration.RigidRegistrationOptions", "Registration.PyramidOps", "Registration.MetricEvaluator",
        "Registration.GradientInterpolator", "Registration.RowMath", "Registration.RigidTransform", "Registration.RigidResampler",
        "Filters.Resampler", "Filters.DistanceTransform",
    ];

    private static readonly string[] s_imagingLater =
    [
        "Statistics.Percentiles", "Filters.ConnectedComponents", "Filters.RunLabeler", "Filters.HoleFilling", "Statistics.LabelStatistics",
    ];

    /// <summary>Imaging types only the automatic bone segmentation uses.</summary>
    private static readonly string[] s_imagingAutomaticBones =
    [
        "Statistics.Histogram", "Filters.BinaryMorphology", "Filters.RowDecomposedMorphology", "Filters.SliceDistanceMorphology", "Filters.StructuringElement",
    ];

    /// <summary>Quantification types (by simple name, any namespace of the assembly) in stage order.</summary>
    private static readonly string[] s_quantification =
    [
        "SeriesAlignment", "T1Registration", "T1RegistrationOutcome", "Concurrent", "VoxelBox", "BoneGeometry", "BoneShell",
        "IntensityCorrection", "ReferenceEstimator", "ReferenceStats", "MaskedSample", "MuscleEstimator", "ThresholdRule",
        "EdemaSegmenter", "LocalContrastLesions", "FreeWaterEstimator", "FullEdemaEstimator", "DemarcationRimFilter", "ThroughSliceTubeFilter", "LesionRemoval", "EdemaFraction",
        "RegionMeasurer", "Grading", "PatternClassifier", "LowSignalBandDetector", "SparccScorer", "SparccJointSlice", "BandFlags",
    ];

    /// <summary>The automatic bone segmentation's types (compiled after the alignment's only when bones are not given).</summary>
    private static readonly string[] s_automaticBones = ["BoneSegmenter", "MarrowBoneSegmenter", "SacrumFinder", "VertebraFinder", "BoneNaming"];

    /// <summary>The types compiled, in order (nested types such as lambdas' closures follow their declaring type).</summary>
    internal static IReadOnlyList<Type> Types(bool automaticBones)
    {
        var quantification = typeof(Precompiler).Assembly.GetTypes().Where(t => !t.IsNested).ToLookup(t => t.Name);
        var imaging = typeof(Volume<>).Assembly;
        Type Imaging(string name) => imaging.GetType(ImagingPrefix + name, throwOnError: true)!;
        Type Quantification(string name) => quantification[name].Single();
        var order = new List<Type> { typeof(Volume<float>), typeof(Volume<byte>), typeof(Volume<int>), typeof(ImageGeometry), typeof(Vector3D), typeof(Matrix3D) };
        order.AddRange(s_imagingAlign.Select(Imaging));
        var split = Array.IndexOf(s_quantification, "BoneShell") + 1;
        order.AddRange(s_quantification.Take(split).Select(Quantification));
        if (automaticBones)
        {
            order.AddRange(s_automaticBones.Select(Quantification));
            order.AddRange(s_imagingAutomaticBones.Select(Imaging));
        }

        order.AddRange(s_imagingLater.Select(Imaging));
        order.AddRange(s_quantification.Skip(split).Select(Quantification));
        return order;
    }

    /// <summary>Compiles every method of <see cref="Types"/> not yet compiled; stops early on <paramref name="cancellationToken"/>. Returns the number of methods prepared.</summary>
    public static int Run(bool automaticBones, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var type in Types(automaticBones))
        {
            count += PrepareType(type, cancellationToken);
        }

        return count;
    }

    private static int PrepareType(Type type, CancellationToken cancellationToken)
    {
        const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        if (type.ContainsGenericParameters)
        {
            return 0;
        }

        var count = 0;
        var instantiation = type.IsGenericType ? type.GenericTypeArguments.Select(t => t.TypeHandle).ToArray() : null;
        foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (method.IsAbstract || method.ContainsGenericParameters || method.GetMethodBody() is null)
            {
                continue;
            }

            try
            {
                if (instantiation is null)
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle);
                }
                else
                {
                    RuntimeHelpers.PrepareMethod(method.MethodHandle, instantiation);
                }

                count++;
            }
#pragma warning disable CA1031 // A method that cannot be prepared ahead is compiled at its first call, as without this class.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        foreach (var nested in type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic))
        {
            count += PrepareType(nested, cancellationToken);
        }

        return count;
    }
}

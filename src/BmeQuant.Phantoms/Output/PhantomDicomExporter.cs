using System.Globalization;
using System.Text.Json;
using BmeQuant.Dicom;
using BmeQuant.Imaging;
using BmeQuant.Imaging.IO;

namespace BmeQuant.Phantoms.Output;

/// <summary>Scanner vendor whose header conventions the DICOM output imitates.</summary>
public enum PhantomVendor
{
    /// <summary>SIEMENS: series descriptions like <c>t1_tse_sag</c>, <c>stir_tse_sag</c>.</summary>
    Siemens,

    /// <summary>GE MEDICAL SYSTEMS: descriptions like <c>Sag T1</c>, <c>Sag STIR</c>.</summary>
    GE,

    /// <summary>Philips Medical Systems: descriptions like <c>T1W_TSE_SAG</c>, private MR scale slope (2005,100E).</summary>
    Philips,
}

/// <summary>Options of <see cref="PhantomDicomExporter"/>.</summary>
public sealed record PhantomExportOptions
{
    /// <summary>Header conventions.</summary>
    public PhantomVendor Vendor { get; init; } = PhantomVendor.Siemens;

    /// <summary>PatientID, the same at every visit.</summary>
    public string PatientId { get; init; } = "BMEQ-PHANTOM-001";

    /// <summary>PatientName (DICOM PN).</summary>
    public string PatientName { get; init; } = "PHANTOM^BMEQUANT";

    /// <summary>StudyDate of the baseline visit; later visits add their day offset.</summary>
    public DateOnly BaselineDate { get; init; } = new(2026, 1, 5);

    /// <summary>Also write truth label and edema-fraction maps as NIfTI (gzip) beside each study.</summary>
    public bool WriteTruthNifti { get; init; } = true;
}

/// <summary>
/// Writes a <see cref="PhantomStudy"/> as DICOM: one study folder per visit (<c>visit-NN-dayDDD</c>), one series
/// folder per acquisition, one MR Image Storage file per slice (uint16 with RescaleSlope), plus <c>truth.json</c> and,
/// optionally, truth maps as NIfTI in <c>truth/</c>. UIDs derive from the seed, so the same study gives the same bytes.
/// </summary>
public static class PhantomDicomExporter
{
    /// <summary>MR Image Storage SOP class.</summary>
    public const string MRImageStorage = "1.2.840.10008.5.1.4.1.1.4";

    private static readonly string[] s_spinEcho = ["SE"];
    private static readonly string[] s_inversionRecovery = ["IR", "SE"];
    private static readonly string[] s_variantSe = ["SK", "SP", "OSP"];
    private static readonly string[] s_variantIr = ["SK", "SP", "MP", "OSP"];

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    /// <summary>Writes every visit of <paramref name="study"/> under <paramref name="outputDirectory"/>; returns the study folders.</summary>
    public static IReadOnlyList<string> Write(PhantomStudy study, string outputDirectory, PhantomExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(study);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        options ??= new PhantomExportOptions();
        var folders = new List<string>();
        foreach (var visit in study.Visits)
        {
            var folder = Path.Combine(outputDirectory, VisitFolderName(visit));
            Directory.CreateDirectory(folder);
            WriteVisit(study, visit, folder, options);
            folders.Add(folder);
        }

        return folders;
    }

    /// <summary>Folder name of a visit: <c>visit-NN-dayDDD</c>.</summary>
    public static string VisitFolderName(PhantomVisit visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        return string.Create(CultureInfo.InvariantCulture, $"visit-{visit.Index + 1:D2}-day{visit.DayOffset:D3}");
    }

    /// <summary>Series folder name: <c>NN_description</c>.</summary>
    public static string SeriesFolderName(PhantomSeries series, PhantomVendor vendor)
    {
        ArgumentNullException.ThrowIfNull(series);
        var description = SeriesDescription(series, vendor);
        var safe = new string(description.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        return string.Create(CultureInfo.InvariantCulture, $"{series.Index + 1:D2}_{safe}");
    }

    /// <summary>The vendor-style SeriesDescription.</summary>
    public static string SeriesDescription(PhantomSeries series, PhantomVendor vendor)
    {
        ArgumentNullException.ThrowIfNull(series);
        var plane = series.Acquisition.Orientation switch
        {
            SliceOrientation.Sagittal => "sag",
            SliceOrientation.Coronal => "cor",
            SliceOrientation.Axial => "tra",
            _ => "obl",
        };
        var seq = series.Sequence.Sequence;
        return vendor switch
        {
            PhantomVendor.Siemens => seq switch
            {
                PhantomSequence.T1SpinEcho => $"t1_tse_{plane}",
                PhantomSequence.Stir => $"stir_tse_{plane}",
                PhantomSequence.PdFatSat => $"pd_tse_fs_{plane}",
                _ => $"t2_tse_fs_{plane}",
            },
            PhantomVendor.GE => (plane switch { "sag" => "Sag", "cor" => "Cor", "tra" => "Ax", _ => "Obl" }) + " " + seq switch
            {
                PhantomSequence.T1SpinEcho => "T1",
                PhantomSequence.Stir => "STIR",
                PhantomSequence.PdFatSat => "PD FS",
                _ => "T2 FS",
            },
            _ => seq switch
            {
                PhantomSequence.T1SpinEcho => "T1W_TSE_",
                PhantomSequence.Stir => "STIR_",
                PhantomSequence.PdFatSat => "PDW_SPAIR_",
                _ => "T2W_SPAIR_",
            } + plane.ToUpperInvariant(),
        };
    }

    private static void WriteVisit(PhantomStudy study, PhantomVisit visit, string folder, PhantomExportOptions options)
    {
        var spec = study.Spec;
        var date = options.BaselineDate.AddDays(visit.DayOffset).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var studyUid = Uid(spec.Seed, options.PatientId, visit.Index, 0, 0, 1);
        var frameUid = Uid(spec.Seed, options.PatientId, visit.Index, 0, 0, 2);
        var seriesInfo = new List<object>();
        foreach (var series in visit.Series)
        {
            var seriesFolderName = SeriesFolderName(series, options.Vendor);
            var seriesFolder = Path.Combine(folder, seriesFolderName);
            Directory.CreateDirectory(seriesFolder);
            var seriesUid = Uid(spec.Seed, options.PatientId, visit.Index, series.Index + 1, 0, 3);
            WriteSeries(study, visit, series, seriesFolder, options, date, studyUid, seriesUid, frameUid);
            string? labelsPath = null, edemaPath = null;
            if (options.WriteTruthNifti)
            {
                var truthDir = Path.Combine(folder, "truth");
                Directory.CreateDirectory(truthDir);
                labelsPath = Path.Combine("truth", seriesFolderName + "_bone_labels.nii.gz");
                edemaPath = Path.Combine("truth", seriesFolderName + "_edema_fraction.nii.gz");
                var labelsFile = Path.Combine(folder, labelsPath);
                var edemaFile = Path.Combine(folder, edemaPath);
                Parallel.Invoke(
                    () => NiftiWriter.Write(series.BoneLabels, labelsFile, description: "BmeQuant phantom bone labels"),
                    () => NiftiWriter.Write(series.EdemaFraction, edemaFile, description: "BmeQuant phantom edema fraction"));
            }

            seriesInfo.Add(new
            {
                folder = seriesFolderName,
                seriesInstanceUid = seriesUid,
                description = SeriesDescription(series, options.Vendor),
                sequence = series.Sequence.Sequence.ToString(),
                repetitionTimeMs = series.Sequence.RepetitionTimeMs,
                echoTimeMs = series.Sequence.EchoTimeMs,
                inversionTimeMs = series.Sequence.InversionTimeMs,
                fatSaturated = series.Sequence.FatSaturated,
                orientation = series.Acquisition.Orientation.ToString(),
                size = new[] { series.Geometry.SizeX, series.Geometry.SizeY, series.Geometry.SizeZ },
                spacingMm = new[] { series.Geometry.Spacing.X, series.Geometry.Spacing.Y, series.Geometry.Spacing.Z },
                sliceThicknessMm = series.Acquisition.SliceThicknessMm,
                originLps = new[] { series.Geometry.Origin.X, series.Geometry.Origin.Y, series.Geometry.Origin.Z },
                direction = Enumerable.Range(0, 3).SelectMany(c => new[] { series.Geometry.Direction[0, c], series.Geometry.Direction[1, c], series.Geometry.Direction[2, c] }).ToArray(),
                noiseSigma = series.NoiseSigma,
                motion = new { rotationDeg = Arr(series.Motion.RotationDeg), translationMm = Arr(series.Motion.TranslationMm) },
                tissueSignals = series.TissueSignals,
                truthBoneLabels = labelsPath?.Replace('\\', '/'),
                truthEdemaFraction = edemaPath?.Replace('\\', '/'),
                voxelisedEdemaVolumeMm3 = series.EdemaFraction.Data.Sum(f => (double)f) * series.Geometry.VoxelVolumeMm3,
            });
        }

        var truth = visit.Truth;
        var document = new
        {
            generator = "BmeQuant.Phantoms",
            version = typeof(PhantomGenerator).Assembly.GetName().Version?.ToString(),
            anatomy = spec.Anatomy.ToString(),
            side = spec.Side.ToString(),
            fieldStrengthTesla = spec.FieldStrengthTesla,
            snr = spec.Snr,
            seed = spec.Seed,
            vendor = options.Vendor.ToString(),
            patientId = options.PatientId,
            visitIndex = visit.Index,
            dayOffset = visit.DayOffset,
            studyDate = date,
            studyInstanceUid = studyUid,
            flexionDeg = visit.Spec.FlexionDeg,
            effusionMm = visit.Spec.EffusionMm,
            repositioning = new { rotationDeg = Arr(visit.Spec.Repositioning.RotationDeg), translationMm = Arr(visit.Spec.Repositioning.TranslationMm) },
            boneLabels = study.BoneNames.Select((n, i) => new { label = i + 1, name = n }).ToArray(),
            totalEdemaVolumeMm3 = truth.TotalEdemaVolumeMm3,
            bones = truth.Bones.Select(b => new { b.Label, b.Name, b.EdemaVolumeMm3, b.EdemaExtentVolumeMm3 }).ToArray(),
            lesions = truth.Lesions.Select(l => new
            {
                l.Id,
                pattern = l.Pattern.ToString(),
                l.Bone,
                l.EdemaVolumeMm3,
                l.EdemaExtentVolumeMm3,
                l.PeakFraction,
                l.DepthMm,
                l.MaxDepthMm,
                l.SizeMm,
                l.BandThicknessMm,
                l.BandLengthMm,
                l.LowSignalVolumeMm3,
                l.HighSignalRimVolumeMm3,
                centroidLps = Arr(l.CentroidLps),

                // Noise- and bias-free signal of the lesion core (peak fraction of edema mixed into fatty marrow) per series.
                peakSignalBySeries = visit.Series.ToDictionary(
                    s => SeriesFolderName(s, options.Vendor),
                    s => ((1 - l.PeakFraction) * s.TissueSignals["YellowMarrow"]) + (l.PeakFraction * s.TissueSignals["Edema"]),
                    StringComparer.Ordinal),
            }).ToArray(),
            series = seriesInfo,
        };
        var json = JsonSerializer.Serialize(document, s_json);
        AtomicWriteText(Path.Combine(folder, "truth.json"), json);
    }

    private static double[] Arr(Vector3D v) => [v.X, v.Y, v.Z];

    private static void AtomicWriteText(string path, string text)
    {
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, path, overwrite: true);
    }

    private static void WriteSeries(PhantomStudy study, PhantomVisit visit, PhantomSeries series, string folder, PhantomExportOptions options, string date, string studyUid, string seriesUid, string frameUid)
    {
        var g = series.Geometry;
        var image = series.Image;
        var max = 0.0;
        foreach (var v in image.Data)
        {
            max = Math.Max(max, v);
        }

        // Stored values use up to 4000 of the uint16 range; RescaleSlope maps them back to the float image.
        var slope = max > 0 ? max / 4000.0 : 1.0;
        slope = Math.Round(slope, 6);
        var row = g.Direction.Column(0);
        var col = g.Direction.Column(1);
        var normal = g.Direction.Column(2);
        var spec = study.Spec;
        var seq = series.Sequence;
        var description = SeriesDescription(series, options.Vendor);
        var seriesNumber = series.Index + 1;
        // Slices are written in parallel (each file depends only on its slice; the bytes are the same in any order).
        Parallel.For(0, g.SizeZ, k =>
        {
            var slice = new ushort[g.SliceLength];
            var src = image.Slice(k);
            for (var n = 0; n < slice.Length; n++)
            {
                slice[n] = (ushort)Math.Clamp(Math.Round(src[n] / slope), 0, ushort.MaxValue);
            }

            var position = g.TransformIndexToPhysicalPoint(0, 0, k);
            var ds = new DicomDataset();
            ds.Add(DicomTag.SpecificCharacterSet, "ISO_IR 100");
            ds.Add(DicomTag.ImageType, "ORIGINAL", "PRIMARY", "M", "NONE");
            ds.Add(DicomTag.SOPClassUID, MRImageStorage);
            ds.Add(DicomTag.SOPInstanceUID, Uid(spec.Seed, options.PatientId, visit.Index, seriesNumber, k + 1, 4));
            ds.Add(DicomTag.StudyDate, date);
            ds.Add(DicomTag.SeriesDate, date);
            ds.Add(DicomTag.ContentDate, date);
            ds.Add(DicomTag.StudyTime, "093000");
            ds.Add(DicomTag.SeriesTime, string.Create(CultureInfo.InvariantCulture, $"09{30 + (5 * series.Index):D2}00"));
            ds.Add(DicomTag.ContentTime, string.Create(CultureInfo.InvariantCulture, $"09{30 + (5 * series.Index):D2}{k % 60:D2}"));
            ds.Add(DicomTag.AccessionNumber, string.Empty);
            ds.Add(DicomTag.Modality, "MR");
            ds.Add(DicomTag.Manufacturer, options.Vendor switch
            {
                PhantomVendor.Siemens => "SIEMENS",
                PhantomVendor.GE => "GE MEDICAL SYSTEMS",
                _ => "Philips Medical Systems",
            });
            ds.Add(DicomTag.ReferringPhysicianName, string.Empty);
            ds.Add(DicomTag.StudyDescription, spec.Anatomy == PhantomAnatomy.Sacroiliac ? "MR SIJ" : "MR " + spec.Anatomy.ToString().ToUpperInvariant() + " " + spec.Side.ToString().ToUpperInvariant());
            ds.Add(DicomTag.SeriesDescription, description);
            ds.Add(DicomTag.ManufacturerModelName, ModelName(options.Vendor, spec.FieldStrengthTesla));
            ds.Add(DicomTag.PatientName, options.PatientName);
            ds.Add(DicomTag.PatientID, options.PatientId);
            ds.Add(DicomTag.PatientBirthDate, string.Empty);
            ds.Add(DicomTag.PatientSex, "O");
            ds.Add(DicomTag.PatientIdentityRemoved, "YES");
            ds.Add(DicomTag.DeidentificationMethod, "BmeQuant synthetic phantom: no real patient");
            ds.Add(DicomTag.BodyPartExamined, spec.Anatomy switch
            {
                PhantomAnatomy.Knee => "KNEE",
                PhantomAnatomy.Hip => "HIP",
                PhantomAnatomy.Ankle => "ANKLE",
                _ => "SIJ",
            });
            ds.Add(DicomTag.ScanningSequence, seq.InversionTimeMs is null ? s_spinEcho : s_inversionRecovery);
            ds.Add(DicomTag.SequenceVariant, seq.InversionTimeMs is null ? s_variantSe : s_variantIr);
            ds.Add(DicomTag.ScanOptions, ScanOptions(options.Vendor, seq));
            ds.Add(DicomTag.MRAcquisitionType, "2D");
            ds.Add(DicomTag.SequenceName, SequenceName(options.Vendor, seq));
            ds.Add(DicomTag.SliceThickness, series.Acquisition.SliceThicknessMm);
            ds.Add(DicomTag.RepetitionTime, seq.RepetitionTimeMs);
            ds.Add(DicomTag.EchoTime, seq.EchoTimeMs);
            if (seq.InversionTimeMs is { } ti)
            {
                ds.Add(DicomTag.InversionTime, ti);
            }

            ds.Add(DicomTag.NumberOfAverages, 1.0);
            ds.Add(DicomTag.ImagingFrequency, Math.Round(42.577478 * spec.FieldStrengthTesla, 6));
            ds.Add(DicomTag.ImagedNucleus, "1H");
            ds.Add(DicomTag.MagneticFieldStrength, spec.FieldStrengthTesla);
            ds.Add(DicomTag.SpacingBetweenSlices, series.Acquisition.SpacingBetweenSlicesMm);
            ds.Add(DicomTag.EchoTrainLength, seq.Sequence == PhantomSequence.T1SpinEcho ? "3" : "13");
            ds.Add(DicomTag.ProtocolName, description);
            ds.Add(DicomTag.FlipAngle, seq.Sequence == PhantomSequence.T1SpinEcho ? 90.0 : 150.0);
            ds.Add(DicomTag.PatientPosition, spec.Anatomy is PhantomAnatomy.Knee or PhantomAnatomy.Ankle ? "FFS" : "HFS");
            ds.Add(DicomTag.StudyInstanceUID, studyUid);
            ds.Add(DicomTag.SeriesInstanceUID, seriesUid);
            ds.Add(DicomTag.StudyID, string.Create(CultureInfo.InvariantCulture, $"{visit.Index + 1}"));
            ds.Add(DicomTag.SeriesNumber, seriesNumber.ToString(CultureInfo.InvariantCulture));
            ds.Add(DicomTag.AcquisitionNumber, "1");
            ds.Add(DicomTag.InstanceNumber, (k + 1).ToString(CultureInfo.InvariantCulture));
            ds.Add(DicomTag.ImagePositionPatient, position.X, position.Y, position.Z);
            ds.Add(DicomTag.ImageOrientationPatient, row.X, row.Y, row.Z, col.X, col.Y, col.Z);
            ds.Add(DicomTag.FrameOfReferenceUID, frameUid);
            ds.Add(DicomTag.PositionReferenceIndicator, string.Empty);
            ds.Add(DicomTag.SliceLocation, Math.Round(position.Dot(normal), 6));
            if (spec.Anatomy != PhantomAnatomy.Sacroiliac)
            {
                ds.Add(DicomTag.Laterality, spec.Side == BodySide.Left ? "L" : "R");
            }

            ds.Add(DicomTag.SamplesPerPixel, (ushort)1);
            ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
            ds.Add(DicomTag.Rows, (ushort)g.SizeY);
            ds.Add(DicomTag.Columns, (ushort)g.SizeX);
            ds.Add(DicomTag.PixelSpacing, g.Spacing.Y, g.Spacing.X);
            ds.Add(DicomTag.BitsAllocated, (ushort)16);
            ds.Add(DicomTag.BitsStored, (ushort)16);
            ds.Add(DicomTag.HighBit, (ushort)15);
            ds.Add(DicomTag.PixelRepresentation, (ushort)0);
            ds.Add(DicomTag.WindowCenter, Math.Round(max * 0.4, 1));
            ds.Add(DicomTag.WindowWidth, Math.Round(max * 0.8, 1));
            ds.Add(DicomTag.RescaleIntercept, 0.0);
            ds.Add(DicomTag.RescaleSlope, slope);
            ds.Add(DicomTag.RescaleType, "US");
            if (options.Vendor == PhantomVendor.Philips)
            {
                // Philips private scaling: floating value = stored / MRScaleSlope (here equal to the rescaled value).
                ds.Add(new DicomTag(0x2005, 0x0010), DicomVR.LO, "Philips MR Imaging DD 001");
                ds.Add(new DicomTag(0x2005, 0x100D), DicomVR.FL, 0f);
                ds.Add(new DicomTag(0x2005, 0x100E), DicomVR.FL, (float)(1 / slope));
            }

            ds.Add(DicomTag.PixelData, slice);
            DicomWriter.Write(Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"IM{k + 1:D4}.dcm")), ds);
        });
    }

    private static string ModelName(PhantomVendor vendor, double tesla) => vendor switch
    {
        PhantomVendor.Siemens => tesla >= 2 ? "MAGNETOM Skyra" : "MAGNETOM Aera",
        PhantomVendor.GE => tesla >= 2 ? "DISCOVERY MR750" : "SIGNA Artist",
        _ => tesla >= 2 ? "Ingenia Elition" : "Ingenia",
    };

    private static string[] ScanOptions(PhantomVendor vendor, SequenceParameters seq) => vendor switch
    {
        PhantomVendor.GE => seq.Sequence switch
        {
            PhantomSequence.Stir => ["IR_GEMS", "FAST_GEMS"],
            PhantomSequence.T1SpinEcho => ["FAST_GEMS"],
            _ => ["FAST_GEMS", "FS"],
        },
        _ => seq.Sequence switch
        {
            PhantomSequence.Stir => ["IR"],
            PhantomSequence.T1SpinEcho => [string.Empty],
            _ => ["FS"],
        },
    };

    private static string SequenceName(PhantomVendor vendor, SequenceParameters seq) => vendor switch
    {
        PhantomVendor.Siemens => seq.Sequence == PhantomSequence.Stir ? "*tir2d1_13" : seq.Sequence == PhantomSequence.T1SpinEcho ? "*tse2d1_3" : "*tse2d1_13",
        // GE names its conventional spin echo "se"; fast spin echo variants "fse-…".
        PhantomVendor.GE => seq.Sequence switch
        {
            PhantomSequence.Stir => "fse-ir",
            PhantomSequence.T1SpinEcho => "se",
            _ => "fse-xl",
        },
        _ => seq.Sequence == PhantomSequence.Stir ? "TIR" : "TSE",
    };

    /// <summary>A deterministic UID from the seed, patient and position in the study.</summary>
    private static string Uid(int seed, string patientId, int visit, int series, int instance, int kind)
    {
        var h = 1469598103934665603UL;
        foreach (var c in patientId)
        {
            h = (h ^ c) * 1099511628211UL;
        }

        var rng = SplitMix64.ForStream(seed ^ (long)h, (visit * 1000) + kind, series, instance);
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, rng.NextUInt64());
        BitConverter.TryWriteBytes(bytes[8..], rng.NextUInt64());
        return DicomUid.FromGuid(new Guid(bytes));
    }
}

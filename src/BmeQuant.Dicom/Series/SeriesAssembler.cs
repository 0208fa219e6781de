namespace BmeQuant.Dicom.Series;

/// <summary>Reads the pixels of a stack into a volume following a <see cref="SeriesGeometry"/> plan.</summary>
internal static class SeriesAssembler
{
    public static SeriesVolume Assemble(DicomSeries series, SeriesGeometry plan, CancellationToken ct)
    {
        if (plan.Refusal is not null)
        {
            throw plan.Refusal;
        }

        var geometry = plan.Geometry!;
        var sorted = plan.SortedSlices;
        var nx = geometry.SizeX;
        var ny = geometry.SizeY;
        var sliceLength = nx * ny;
        var acquired = new float[sorted.Count][];
        var shift = plan.InPlaneShiftPixels;
        var volume = new BmeQuant.Imaging.Volume<float>(geometry);

        // The usual regular stack (no resampling along the normal, no in-plane shift): frames decode straight into
        // their volume slice, without a per-slice buffer or a second copy.
        var direct = plan.ZPlan.Length == sorted.Count && Array.TrueForAll(shift, d => d.Dx == 0 && d.Dy == 0);
        for (var k = 0; direct && k < plan.ZPlan.Length; k++)
        {
            var (a, b, w) = plan.ZPlan[k];
            direct = a == k && (w <= 1e-9 || a == b);
        }

        // Read each file once (all its frames), files in parallel.
        var byFile = Enumerable.Range(0, sorted.Count).GroupBy(i => sorted[i].Instance.FilePath, StringComparer.Ordinal).ToArray();
        try
        {
            Parallel.ForEach(byFile, new ParallelOptions { CancellationToken = ct }, group =>
            {
                var path = group.Key;
                // Uncompressed: header only, the Pixel Data stays in the file and each frame is read from it straight
                // into the destination (no whole-value array per file). Compressed fragments are loaded with the header.
                var instance = sorted[group.First()].Instance;
                var native = !instance.TransferSyntax.IsEncapsulated;
                DicomPixelData pixels;
                if (native && instance.Header[DicomTag.PixelData] is DicomElement { IsLoaded: false, IsAvailable: true })
                {
                    // The header read by discovery still points at the Pixel Data in the file: no second open and parse.
                    pixels = DicomPixelData.Create(instance.Header, instance.TransferSyntax);
                }
                else
                {
                    var file = DicomFile.Open(path, native ? DicomReadOptions.PixelDataOnDemand : DicomReadOptions.Default);
                    if (native && !file.DeferredValuesReadable)
                    {
                        // Deflated, gzip-wrapped or big-endian files cannot be read from at an offset: load them whole.
                        file = DicomFile.Open(path);
                    }

                    pixels = DicomPixelData.Create(file);
                }

                if (pixels.Rows != ny || pixels.Columns != nx || pixels.SamplesPerPixel != 1)
                {
                    throw new InconsistentSeriesException(
                        $"series {series.Label}: {path}: pixel data is {pixels.Columns}x{pixels.Rows}x{pixels.SamplesPerPixel} samples; expected {nx}x{ny} single-sample images")
                    {
                        SeriesInstanceUid = series.SeriesInstanceUid,
                        Problem = "pixel-format",
                        FilePath = path,
                    };
                }

                foreach (var i in group)
                {
                    if (direct)
                    {
                        pixels.GetFrameModality(sorted[i].FrameIndex, volume.Slice(i));
                        continue;
                    }

                    var buffer = new float[sliceLength];
                    pixels.GetFrameModality(sorted[i].FrameIndex, buffer);
                    if (shift.Length > 0 && (shift[i].Dx != 0 || shift[i].Dy != 0))
                    {
                        buffer = ShiftBilinear(buffer, nx, ny, shift[i].Dx, shift[i].Dy);
                    }

                    acquired[i] = buffer;
                }
            });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count >= 1 && ex.InnerExceptions[0] is DicomException)
        {
            throw ex.InnerExceptions[0];
        }

        var provenance = new SliceProvenance[plan.ZPlan.Length];
        for (var k = 0; k < plan.ZPlan.Length; k++)
        {
            var (a, b, w) = plan.ZPlan[k];
            var dest = volume.Slice(k);
            if (direct)
            {
                // Already decoded into place.
            }
            else if (w <= 1e-9 || a == b)
            {
                acquired[a].CopyTo(dest);
            }
            else if (w >= 1 - 1e-9)
            {
                acquired[b].CopyTo(dest);
            }
            else
            {
                // Linear interpolation along the normal: (1 - w)·A + w·B.
                System.Numerics.Tensors.TensorPrimitives.Multiply(acquired[a], (float)(1 - w), dest);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(acquired[b], (float)w, dest, dest);
            }

            var src = sorted[w >= 0.5 && a != b ? b : a];
            var interpolated = w > 1e-9 && w < 1 - 1e-9;
            provenance[k] = new SliceProvenance(k, src.Instance.SopInstanceUid, src.FrameIndex, src.Instance.FilePath, interpolated);
        }

        return new SeriesVolume(series, plan, volume, provenance);
    }

    /// <summary>out(x, y) = in(x − dx, y − dy), bilinear, zero outside the image.</summary>
    internal static float[] ShiftBilinear(float[] input, int nx, int ny, double dx, double dy)
    {
        var output = new float[input.Length];
        for (var y = 0; y < ny; y++)
        {
            var sy = y - dy;
            var y0 = (int)Math.Floor(sy);
            var fy = sy - y0;
            for (var x = 0; x < nx; x++)
            {
                var sx = x - dx;
                var x0 = (int)Math.Floor(sx);
                var fx = sx - x0;
                double v = 0;
                v += Sample(input, nx, ny, x0, y0) * (1 - fx) * (1 - fy);
                v += Sample(input, nx, ny, x0 + 1, y0) * fx * (1 - fy);
                v += Sample(input, nx, ny, x0, y0 + 1) * (1 - fx) * fy;
                v += Sample(input, nx, ny, x0 + 1, y0 + 1) * fx * fy;
                output[x + (y * nx)] = (float)v;
            }
        }

        return output;
    }

    private static float Sample(float[] data, int nx, int ny, int x, int y) =>
        (uint)x < (uint)nx && (uint)y < (uint)ny ? data[x + (y * nx)] : 0f;
}

using System.Buffers.Binary;
using System.Globalization;
using CsCheck;

namespace BmeQuant.Dicom.Tests;

/// <summary>
/// Property tests of the SIMD pixel conversions (<see cref="PixelKernels"/> and the modality rescale of every stored
/// type) against scalar references written here: all lengths up to 3 × 64 + 1 and large, slices at odd byte offsets,
/// integer extremes, special slopes and intercepts. Deterministic CsCheck seeds.
/// </summary>
public class PixelConversionPropertyTests
{
    private static void ForAll<T>(Gen<T> gen, Action<T> check, int cases, ulong firstSeed)
    {
        for (var k = 0UL; k < (ulong)cases; k++)
        {
            Check.Sample(gen, check, seed: new PCG(1, firstSeed + k).ToString(), iter: 1, threads: 1);
        }
    }

    private static IEnumerable<int> Lengths => Enumerable.Range(0, 194).Concat([1023, 1024, 1025, 4099]);

    private static readonly Gen<ushort> s_word = Gen.Frequency(
        (3, Gen.UShort),
        (1, Gen.OneOf<ushort>(0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFE, 0xFFFF, 0x0FFF, 0xF000)));

    private static readonly Gen<float> s_slope = Gen.Frequency(
        (4, Gen.Float[-4f, 4f]),
        (1, Gen.OneOf(1f, 0f, -0f, -1f, float.Epsilon, 1e-40f, float.MaxValue, float.PositiveInfinity, float.NaN)));

    private static readonly Gen<float> s_intercept = Gen.Frequency(
        (4, Gen.Float[-2000f, 2000f]),
        (1, Gen.OneOf(0f, -0f, -1024f, -32768f, 1e-40f, -float.MaxValue, float.NegativeInfinity, float.NaN)));

    private static bool Same(float expected, float actual) =>
        (float.IsNaN(expected) && float.IsNaN(actual)) || BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual);

    // The documented rule: (float)stored · slope, then + intercept, each rounded to float.
    private static float Affine(float stored, float slope, float intercept)
    {
        var product = stored * slope;
        return product + intercept;
    }

    [Fact]
    public void Rescale16_AllLengthsOddByteOffsetsAndExtremes_EqualScalarReferenceBitForBit()
    {
        foreach (var length in Lengths)
        {
            ForAll(
                Gen.Select(s_word.Array[length], Gen.Int[0, 3], Gen.Bool, s_slope, s_intercept),
                t =>
                {
                    var (words, offset, signed, slope, intercept) = t;

                    // Stored bytes at any byte offset (odd ones too: unaligned 16-bit loads).
                    var bytes = new byte[(2 * length) + offset];
                    for (var n = 0; n < length; n++)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset + (2 * n)), words[n]);
                    }

                    var destination = new float[length + 1];
                    destination[length] = -7f;
                    PixelKernels.Rescale16(bytes.AsSpan(offset, 2 * length), signed, slope, intercept, destination.AsSpan(0, length));
                    for (var n = 0; n < length; n++)
                    {
                        var expected = Affine(signed ? (short)words[n] : words[n], slope, intercept);
                        Assert.True(Same(expected, destination[n]), $"length {length}, offset {offset}, signed {signed}, index {n}, stored 0x{words[n]:X4}, slope {slope:R}, intercept {intercept:R}: expected {expected:R}, got {destination[n]:R}");
                    }

                    Assert.Equal(-7f, destination[length]);
                },
                cases: length < 200 ? 2 : 4,
                firstSeed: (ulong)length * 16);
        }
    }

    [Fact]
    public void Normalize16_EveryBitsStoredAllLengthsAndExtremes_EqualScalarReference()
    {
        foreach (var bitsStored in Enumerable.Range(1, 16))
        {
            foreach (var length in new[] { 0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 193, 1025 })
            {
                ForAll(
                    Gen.Select(s_word.Array[length], Gen.Bool),
                    t =>
                    {
                        var (words, signed) = t;
                        var actual = (ushort[])words.Clone();
                        PixelKernels.Normalize16(actual, bitsStored, signed);
                        for (var n = 0; n < length; n++)
                        {
                            // Keep the low bitsStored bits; signed: bit bitsStored − 1 is the sign, extended upwards.
                            var low = words[n] & ((1 << bitsStored) - 1);
                            var value = signed && (low & (1 << (bitsStored - 1))) != 0 ? low - (1 << bitsStored) : low;
                            Assert.True((ushort)value == actual[n], $"bits {bitsStored}, signed {signed}, length {length}, index {n}: 0x{words[n]:X4} -> expected 0x{(ushort)value:X4}, got 0x{actual[n]:X4}");
                        }
                    },
                    cases: 1,
                    firstSeed: (ulong)((bitsStored * 10_000) + length));
            }
        }
    }

    [Fact]
    public void Rescale16_StoredBytesShorterThanDestination_ThrowsArgumentException()
    {
        // Regression: the vector path read past the stored bytes (unchecked loads) before the scalar tail noticed.
        var e = Assert.Throws<ArgumentException>(() => PixelKernels.Rescale16(new byte[62], false, 1f, 0f, new float[32]));
        Assert.Contains("62", e.Message, StringComparison.Ordinal);
        Assert.Contains("32", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PixelKernels.Rescale16(new byte[1], true, 1f, 0f, new float[1]));
    }

    private static DicomDataset Image(int columns, int bitsAllocated, int bitsStored, bool signed, byte[] pixels, double slope, double intercept)
    {
        var ds = new DicomDataset();
        ds.Add(DicomTag.Rows, (ushort)1);
        ds.Add(DicomTag.Columns, (ushort)columns);
        ds.Add(DicomTag.SamplesPerPixel, (ushort)1);
        ds.Add(DicomTag.PhotometricInterpretation, "MONOCHROME2");
        ds.Add(DicomTag.BitsAllocated, (ushort)bitsAllocated);
        ds.Add(DicomTag.BitsStored, (ushort)bitsStored);
        ds.Add(DicomTag.HighBit, (ushort)(bitsStored - 1));
        ds.Add(DicomTag.PixelRepresentation, (ushort)(signed ? 1 : 0));
        ds.Add(DicomTag.RescaleSlope, slope.ToString("R", CultureInfo.InvariantCulture));
        ds.Add(DicomTag.RescaleIntercept, intercept.ToString("R", CultureInfo.InvariantCulture));
        ds.Add(DicomTag.PixelData, bitsAllocated == 8 ? DicomVR.OB : DicomVR.OW, pixels);
        return ds;
    }

    public static TheoryData<int, int, bool> StoredTypes => new()
    {
        { 8, 8, false }, { 8, 8, true }, { 16, 16, false }, { 16, 16, true }, { 16, 12, true }, { 16, 12, false }, { 32, 32, false }, { 32, 32, true },
    };

    [Theory]
    [MemberData(nameof(StoredTypes))]
    public void GetFrameModality_IntegerExtremesEveryStoredType_EqualsScalarAffine(int bitsAllocated, int bitsStored, bool signed)
    {
        // Extremes of the stored range (including uint32 above 2^31 and int32.MinValue) and random values, at lengths
        // around the vector widths, with DICOM rescales (values as the decimal strings a file holds).
        var bytesPer = bitsAllocated / 8;
        long lo = signed ? -(1L << (bitsStored - 1)) : 0, hi = signed ? (1L << (bitsStored - 1)) - 1 : (1L << bitsStored) - 1;
        var rescales = new (double Slope, double Intercept)[] { (1, 0), (1, -1024), (0.5, 3.25), (2.44140625e-4, -8), (-1, 0) };
        foreach (var length in new[] { 1, 7, 8, 9, 31, 33, 64, 65, 257 })
        {
            ForAll(
                Gen.Select(Gen.Frequency((3, Gen.Long[lo, hi]), (1, Gen.OneOf(lo, hi, lo + 1, hi - 1, 0L, Math.Min(hi, 1L << 31), Math.Min(hi, (1L << 24) + 1)))).Array[length], Gen.Int[0, rescales.Length - 1]),
                t =>
                {
                    var (values, r) = t;
                    var (slope, intercept) = rescales[r];
                    var pixels = new byte[length * bytesPer];
                    for (var n = 0; n < length; n++)
                    {
                        var v = values[n];
                        switch (bytesPer)
                        {
                            case 1: pixels[n] = (byte)v; break;
                            case 2: BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(2 * n), (ushort)v); break;
                            default: BinaryPrimitives.WriteUInt32LittleEndian(pixels.AsSpan(4 * n), (uint)v); break;
                        }
                    }

                    var px = DicomPixelData.Create(Image(length, bitsAllocated, bitsStored, signed, pixels, slope, intercept), TransferSyntax.ExplicitVRLittleEndian);
                    var actual = new float[length];
                    px.GetFrameModality(0, actual);
                    for (var n = 0; n < length; n++)
                    {
                        var expected = Affine((float)values[n], (float)slope, (float)intercept);
                        Assert.True(Same(expected, actual[n]), $"{bitsAllocated}/{bitsStored} bits signed {signed}, length {length}, index {n}: stored {values[n]}, rescale {slope}·x + {intercept}: expected {expected:R}, got {actual[n]:R}");
                    }
                },
                cases: 2,
                firstSeed: (ulong)((bitsAllocated * 100_000) + (bitsStored * 1000) + (signed ? 500 : 0) + length));
        }
    }
}

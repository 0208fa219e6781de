#!/usr/bin/python3
"""Regenerates the codec fixtures in this folder (run with Debian's /usr/bin/python3: pydicom 2.3, numpy, dcmtk).

Each case is a small synthetic image written as uncompressed DICOM with pydicom, compressed with a dcmtk tool,
and stored as two files: NAME.bin (the compressed bytes of frame 1, all fragments joined) and NAME.raw (the
expected decoded samples, little-endian, BitsAllocated per sample, interleaved). For lossless syntaxes NAME.raw is
the original image; for lossy ones it is dcmtk's own decode (dcmdjpeg/dcmdjpls, colour conversion off) and
NAME.orig.raw holds the image before compression.
manifest.json lists every case with its frame description and the per-sample tolerance a decoder must meet.
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.encaps import generate_pixel_data_frame
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20261129)


def image(kind, rows, cols, bits, signed, spp):
    """A synthetic image: gradient + edges + noise, covering the full stored range."""
    y, x = np.mgrid[0:rows, 0:cols].astype(np.float64)
    lo = -(1 << (bits - 1)) if signed else 0
    hi = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    planes = []
    for s in range(spp):
        if kind == "noise":
            p = RNG.integers(lo, hi + 1, size=(rows, cols)).astype(np.float64)
        else:
            p = lo + (hi - lo) * ((x + 2 * y + 7 * s) % (cols + rows)) / (cols + rows)
            p[(x // 7 + y // 5) % 2 == 0] += (hi - lo) * 0.2          # checker edges
            p += RNG.normal(0, (hi - lo) * 0.02, size=(rows, cols))   # noise
            p[0, 0], p[-1, -1] = lo, hi                               # full range
            if kind == "smooth":
                p = lo + (hi - lo) * (0.5 + 0.45 * np.sin(x / 9.0 + s) * np.cos(y / 7.0))
        planes.append(np.clip(np.rint(p), lo, hi))
    arr = np.stack(planes, axis=-1) if spp > 1 else planes[0]
    alloc = 8 if bits <= 8 else 16
    dtype = {(8, False): np.uint8, (8, True): np.int8, (16, False): np.uint16, (16, True): np.int16}[(alloc, signed)]
    return arr.astype(dtype), alloc


def write_dicom(path, arr, bits, alloc, signed, spp, photometric="MONOCHROME2"):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality = "OT"
    ds.PatientName, ds.PatientID = "Codec^Fixture", "CODEC"
    ds.Rows, ds.Columns = arr.shape[0], arr.shape[1]
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = photometric if spp == 1 else "RGB"
    if spp > 1:
        ds.PlanarConfiguration = 0
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = alloc, bits, bits - 1
    ds.PixelRepresentation = 1 if signed else 0
    ds.PixelData = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
    ds.save_as(path, write_like_original=False)


def frame_bytes(path):
    ds = pydicom.dcmread(path)
    return ds, next(generate_pixel_data_frame(ds.PixelData, 1))


def run(*args):
    subprocess.run(list(args), check=True, stdout=subprocess.DEVNULL)


CASES = []


def case(name, kind, rows, cols, bits, signed, spp, tool, options, lossy=False, tolerance=0):
    arr, alloc = image(kind, rows, cols, bits, signed, spp)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst, dec = (os.path.join(tmp, n) for n in ("in.dcm", "out.dcm", "dec.dcm"))
        write_dicom(src, arr, bits, alloc, signed, spp)
        run(tool, *options, src, dst)
        ds, data = frame_bytes(dst)
        expected = arr
        if lossy:
            decoder = "dcmdjpls" if tool == "dcmcjpls" else "dcmdjpeg"
            extra = ["+cn"] if decoder == "dcmdjpeg" else []
            run(decoder, *extra, dst, dec)
            dds = pydicom.dcmread(dec)
            expected = dds.pixel_array
        planar = int(getattr(ds, "PlanarConfiguration", 0)) if spp > 1 else 0
        with open(os.path.join(HERE, name + ".bin"), "wb") as f:
            f.write(data)
        with open(os.path.join(HERE, name + ".raw"), "wb") as f:
            f.write(np.ascontiguousarray(expected).astype(expected.dtype.newbyteorder("<")).tobytes())
        if lossy:
            # The image before compression, to check a lossy decode against the encoder's promise (e.g. NEAR).
            with open(os.path.join(HERE, name + ".orig.raw"), "wb") as f:
                f.write(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
        CASES.append({
            "name": name,
            "transferSyntaxUid": str(ds.file_meta.TransferSyntaxUID),
            "rows": rows, "columns": cols, "samplesPerPixel": spp,
            "bitsAllocated": alloc, "bitsStored": bits, "signed": signed,
            "planarConfiguration": planar,
            "photometricInterpretation": str(ds.PhotometricInterpretation),
            "tolerance": tolerance,
            "original": (name + ".orig.raw") if lossy else None,
            "command": " ".join([tool] + options),
        })


def main():
    # RLE Lossless
    case("rle_u8", "edges", 17, 33, 8, False, 1, "dcmcrle", [])
    case("rle_u12", "edges", 29, 37, 12, False, 1, "dcmcrle", [])
    case("rle_u16_noise", "noise", 23, 31, 16, False, 1, "dcmcrle", [])
    case("rle_s16", "edges", 40, 25, 16, True, 1, "dcmcrle", [])
    case("rle_rgb8", "edges", 21, 19, 8, False, 3, "dcmcrle", [])
    case("rle_rgb16", "smooth", 13, 15, 16, False, 3, "dcmcrle", [])
    # JPEG Lossless, process 14: SV1 and every predictor, point transform, 2..16 bits, colour
    case("jll_sv1_u16", "edges", 48, 64, 16, False, 1, "dcmcjpeg", ["+e1"])
    case("jll_sv1_u12", "edges", 37, 41, 12, False, 1, "dcmcjpeg", ["+e1"])
    case("jll_sv1_u8", "edges", 31, 29, 8, False, 1, "dcmcjpeg", ["+e1"])
    case("jll_sv1_s16", "edges", 32, 30, 16, True, 1, "dcmcjpeg", ["+e1"])
    case("jll_sv1_noise16", "noise", 19, 23, 16, False, 1, "dcmcjpeg", ["+e1"])
    for sv in range(1, 8):
        case(f"jll_p14_sv{sv}_u12", "edges", 27, 35, 12, False, 1, "dcmcjpeg", ["+el", "+sv", str(sv)])
        case(f"jll_p14_sv{sv}_u16", "smooth", 21, 26, 16, False, 1, "dcmcjpeg", ["+el", "+sv", str(sv)])
    case("jll_pt2_u12", "edges", 25, 30, 12, False, 1, "dcmcjpeg", ["+el", "+sv", "1", "+pt", "2"], lossy=True)
    case("jll_sv1_u2", "noise", 16, 21, 2, False, 1, "dcmcjpeg", ["+e1"])
    case("jll_sv1_u5", "edges", 18, 22, 5, False, 1, "dcmcjpeg", ["+e1"])
    case("jll_sv1_rgb8", "edges", 21, 27, 8, False, 3, "dcmcjpeg", ["+e1"])
    case("jll_sv7_rgb8", "edges", 22, 17, 8, False, 3, "dcmcjpeg", ["+el", "+sv", "7"])
    # JPEG baseline (8 bit) and extended (12 bit)
    case("jb_u8", "smooth", 35, 43, 8, False, 1, "dcmcjpeg", ["+eb"], lossy=True, tolerance=1)
    case("jb_u8_edges", "edges", 16, 24, 8, False, 1, "dcmcjpeg", ["+eb", "+q", "75"], lossy=True, tolerance=1)
    case("jb_rgb8_422", "smooth", 33, 45, 8, False, 3, "dcmcjpeg", ["+eb"], lossy=True, tolerance=1)
    case("jb_rgb8_444", "edges", 29, 31, 8, False, 3, "dcmcjpeg", ["+eb", "+s4"], lossy=True, tolerance=1)
    case("jb_rgb8_411", "smooth", 24, 37, 8, False, 3, "dcmcjpeg", ["+eb", "+n1"], lossy=True, tolerance=1)
    case("je_u12", "smooth", 40, 36, 12, False, 1, "dcmcjpeg", ["+ee"], lossy=True, tolerance=1)
    case("je_u12_edges", "edges", 21, 19, 12, False, 1, "dcmcjpeg", ["+ee", "+q", "80"], lossy=True, tolerance=1)
    case("jp_u8_progressive", "smooth", 16, 16, 8, False, 1, "dcmcjpeg", ["+ep"], lossy=True, tolerance=1)
    # JPEG-LS lossless and near-lossless, interleave modes
    case("jls_u8", "edges", 31, 37, 8, False, 1, "dcmcjpls", ["+el"])
    case("jls_u12", "edges", 40, 33, 12, False, 1, "dcmcjpls", ["+el"])
    case("jls_u16_noise", "noise", 17, 19, 16, False, 1, "dcmcjpls", ["+el"])
    case("jls_u16_smooth", "smooth", 45, 50, 16, False, 1, "dcmcjpls", ["+el"])
    case("jls_rgb8_line", "edges", 20, 23, 8, False, 3, "dcmcjpls", ["+el", "+il"])
    case("jls_rgb8_sample", "edges", 20, 23, 8, False, 3, "dcmcjpls", ["+el", "+is"])
    case("jls_rgb8_none", "edges", 20, 23, 8, False, 3, "dcmcjpls", ["+el", "+in"])
    case("jls_near2_u12", "edges", 30, 34, 12, False, 1, "dcmcjpls", ["+en", "+md", "2"], lossy=True)
    case("jls_near3_u8", "smooth", 27, 28, 8, False, 1, "dcmcjpls", ["+en", "+md", "3"], lossy=True)
    case("jls_near1_rgb8", "edges", 18, 22, 8, False, 3, "dcmcjpls", ["+en", "+md", "1", "+is"], lossy=True)

    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump({"generator": "testdata/codecs/generate.py (pydicom %s, %s)" % (
            pydicom.__version__, subprocess.run(["dcmcjpeg", "--version"], capture_output=True, text=True).stdout.split("\n")[0].strip()),
            "cases": CASES}, f, indent=1)
    print(len(CASES), "cases")


if __name__ == "__main__":
    sys.exit(main())

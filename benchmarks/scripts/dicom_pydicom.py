#!/usr/bin/env python3
"""Times pydicom on the same files as the BmeQuant DICOM benchmarks and prints the ratio.

Usage:
    dotnet run -c Release --project benchmarks/BmeQuant.Benchmarks -- --filter '*Dicom*' --exporters json
    /usr/bin/python3 benchmarks/scripts/dicom_pydicom.py [SERIES_FOLDER] [BENCHMARKDOTNET_RESULTS_FOLDER]

SERIES_FOLDER defaults to the folder the benchmarks write (bin/Release/net10.0/dicom-bench/uncompressed).
When the BenchmarkDotNet JSON reports are found, the ratio pydicom time / BmeQuant time is printed per stage.
"""
import glob
import json
import os
import sys
import time

import pydicom

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SERIES = os.path.join(HERE, '..', 'BmeQuant.Benchmarks', 'bin', 'Release', 'net10.0', 'dicom-bench', 'uncompressed')
DEFAULT_RESULTS = os.path.join(os.getcwd(), 'BenchmarkDotNet.Artifacts', 'results')


def best_of(fn, repeat=5):
    best = float('inf')
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    series = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SERIES
    results = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_RESULTS
    files = sorted(glob.glob(os.path.join(series, '*.dcm')))
    if not files:
        sys.exit(f'no .dcm files in {series}: run the BenchmarkDotNet Dicom benchmarks first (they write the series)')

    header = best_of(lambda: pydicom.dcmread(files[0], stop_before_pixels=True).SeriesInstanceUID, repeat=50)

    def full():
        s = 0
        for f in files:
            a = pydicom.dcmread(f).pixel_array
            s += int(a[a.shape[0] // 2, a.shape[1] // 2])
        return s

    decode = best_of(full, repeat=3)
    print(f'pydicom {pydicom.__version__}: header-only parse {header * 1e6:.1f} us; full decode of {len(files)} files {decode * 1e3:.1f} ms')

    ours = {}
    for report in glob.glob(os.path.join(results, '*Dicom*-report-full*.json')):
        with open(report, encoding='utf-8') as fh:
            data = json.load(fh)
        for b in data.get('Benchmarks', []):
            ours[b['Method']] = b['Statistics']['Mean'] / 1e9
    if 'HeaderOnlyFromFile' in ours:
        print(f'header-only: BmeQuant {ours["HeaderOnlyFromFile"] * 1e6:.1f} us, ratio pydicom/BmeQuant = {header / ours["HeaderOnlyFromFile"]:.1f}x')
    if 'StoredValues' in ours:
        print(f'full decode: BmeQuant {ours["StoredValues"] * 1e3:.1f} ms, ratio pydicom/BmeQuant = {decode / ours["StoredValues"]:.1f}x')
    if not ours:
        print(f'(no BenchmarkDotNet JSON reports under {results}; run with --exporters json to get ratios)')


if __name__ == '__main__':
    main()

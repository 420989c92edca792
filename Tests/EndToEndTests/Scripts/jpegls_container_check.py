#!/usr/bin/env python3
"""Bits Stored of 8 or less below Bits Allocated, to JPEG-LS: the lossless file dicomtool writes
(P = Bits Allocated, as dcmcjpls and gdcmconv write it) must decode in dcmtk (dcmdjpls), GDCM (gdcmconv --raw)
and pydicom (each of its JPEG-LS plugins) to the same values, and `dicomtool validate` must report
no codestream warning or error on it; near-lossless must be refused with a one-line reason (at
P = Bits Allocated its values could exceed Bits Stored). (Such files once held P = Bits Stored:
pydicom read them, dcmdjpls refused them all, GDCM misread the 16-bit ones.)
Usage: jpegls_container_check.py DICOMTOOL WORK_DIR ; prints one line per case and exits 1 on a failure."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pydicom.pixels

from readback_support import codestream_problems, dcmtk_decodes, gdcm_decodes, make, stored_values

warnings.filterwarnings("ignore")


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    failures = 0
    for bits_allocated, bits_stored, signed in ((16, 8, False), (16, 6, False), (16, 8, True), (8, 6, False), (8, 3, False), (8, 7, True)):
        name = f"{bits_allocated}_{bits_stored}_{int(signed)}"
        src = os.path.join(work, f"src_{name}.dcm")
        values = make(src, bits_allocated, bits_stored, signed, "MONOCHROME2", 0, 1)
        for near in (0, 2):
            case = f"BitsStored {bits_stored} {'signed' if signed else 'unsigned'} in {bits_allocated} bits, NEAR {near}"
            out = os.path.join(work, f"jls_{name}_{near}.dcm")
            flags = ["--jpegls"] + (["--near", str(near)] if near else [])
            r = subprocess.run([tool, "transcode", "-q", *flags, src, "-o", out], capture_output=True, text=True)
            if near:
                if r.returncode == 0 or "near-lossless" not in r.stderr or os.path.exists(out):
                    print(f"FAIL {case}: expected a refusal, got status {r.returncode}: {r.stderr.strip()}")
                    failures += 1
                else:
                    print(f"ok   {case}: refused ({r.stderr.strip()[:90]}...)")
                continue
            if r.returncode != 0:
                print(f"FAIL {case}: transcode: {r.stderr.strip()}")
                failures += 1
                continue
            problems = []
            decoded = {}
            for plugin in ("pyjpegls", "pylibjpeg"):
                try:
                    decoded[f"pydicom/{plugin}"] = pydicom.pixels.pixel_array(out, decoding_plugin=plugin)
                except Exception as e:
                    problems.append(f"pydicom/{plugin} cannot decode it: {str(e)[:200]}")
            for name, (arr, message) in (("dcmtk", dcmtk_decodes(["dcmdjpls"], out)), ("gdcm", gdcm_decodes(out))):
                if arr is None:
                    problems.append(f"{name} cannot decode it: {message[:200]}")
                else:
                    decoded[name] = arr
            for name, arr in decoded.items():
                got = stored_values(arr, bits_stored, signed, values.shape)
                if got.shape != values.shape:
                    problems.append(f"{name}: shape {got.shape}")
                    continue
                error = int(np.abs(got - values).max())
                if error > near:
                    problems.append(f"{name}: max error {error} > NEAR {near}")
                # Nothing may come back above Bits Stored (a near-lossless value past MAXVAL would).
                raw_values = arr.astype(np.int64)
                low, high = (-(1 << (bits_stored - 1)), (1 << (bits_stored - 1)) - 1) if signed else (0, (1 << bits_stored) - 1)
                if raw_values.min() < low or raw_values.max() > high:
                    problems.append(f"{name}: values {raw_values.min()}..{raw_values.max()} outside Bits Stored")
            problems += codestream_problems(tool, out)
            if problems:
                failures += 1
                print(f"FAIL {case}: " + "; ".join(problems))
            else:
                print(f"ok   {case}: {', '.join(sorted(decoded))} decode it")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

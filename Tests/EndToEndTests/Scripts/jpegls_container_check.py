#!/usr/bin/env python3
"""Bits Stored of 8 or less below Bits Allocated, to JPEG-LS: the lossless file dicomtool writes
(P = Bits Allocated, as dcmcjpls and gdcmconv write it) must decode in dcmtk (dcmdjpls), GDCM (gdcmconv --raw)
and pydicom (each of its JPEG-LS plugins) to the same values, and `dicomtool validate` must report
no codestream warning or error on it; near-lossless must be refused with a one-line reason (at
P = Bits Allocated its values could exceed Bits Stored). (Such files once held P = Bits Stored:
pydicom read them, dcmdjpls refused them all, GDCM misread the 16-bit ones.)
Usage: jpegls_container_check.py DICOMTOOL WORK_DIR ; prints one line per case and exits 1 on a failure."""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pydicom
import pydicom.pixels
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

warnings.filterwarnings("ignore")


def make(path, bits_stored, signed, bits_allocated=16):
    rng = np.random.default_rng(bits_stored * 2 + signed)
    rows, cols = 64, 48
    y, x = np.mgrid[0:rows, 0:cols]
    top = 1 << bits_stored
    values = ((x * 5 + y * 3) % top + rng.integers(0, 3, (rows, cols))) % top  # ramp with noise
    values[:16, :16] = top - 1  # a flat bright block: runs, and samples at MAXVAL
    if signed:
        values = values - top // 2
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.ConversionType = "OT", "WSD"
    ds.PatientName, ds.PatientID = "Container^Test", "JLS16"
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, cols, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits_allocated, bits_stored, bits_stored - 1
    ds.PixelRepresentation = 1 if signed else 0
    kind = {(16, True): np.int16, (16, False): np.uint16, (8, True): np.int8, (8, False): np.uint8}
    ds.PixelData = values.astype(kind[(bits_allocated, signed)]).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return values


def values_of(arr, bits_stored, signed):
    a = arr.astype(np.int64) & ((1 << bits_stored) - 1)
    if signed:
        a = np.where(a & (1 << (bits_stored - 1)), a - (1 << bits_stored), a)
    return a


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    failures = 0
    for bits_allocated, bits_stored, signed in ((16, 8, False), (16, 6, False), (16, 8, True), (8, 6, False), (8, 3, False), (8, 7, True)):
        name = f"{bits_allocated}_{bits_stored}_{int(signed)}"
        src = os.path.join(work, f"src_{name}.dcm")
        values = make(src, bits_stored, signed, bits_allocated)
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
            for name, cmd in (("dcmtk", ["dcmdjpls"]), ("gdcm", ["gdcmconv", "--raw"])):
                raw = out + f".{name}.dcm"
                d = subprocess.run(cmd + [out, raw], capture_output=True, text=True)
                if d.returncode != 0 or not os.path.exists(raw):
                    problems.append(f"{name} cannot decode it: {(d.stderr or d.stdout).strip()[:200]}")
                    continue
                decoded[name] = pydicom.dcmread(raw).pixel_array
            for name, arr in decoded.items():
                got = values_of(arr, bits_stored, signed)
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
            v = subprocess.run([tool, "validate", "--format", "json", "-q", out], capture_output=True, text=True)
            for line in v.stdout.splitlines():
                record = json.loads(line)
                for finding in record.get("validation", {}).get("findings", []):
                    if finding.get("rule", "").startswith("codestream") and finding.get("severity") in ("error", "warning"):
                        problems.append(f"validate: {finding.get('rule')}: {finding.get('message')}")
            if problems:
                failures += 1
                print(f"FAIL {case}: " + "; ".join(problems))
            else:
                print(f"ok   {case}: {', '.join(sorted(decoded))} decode it")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

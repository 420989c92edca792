#!/usr/bin/env python3
"""Every lossless encapsulated target over grey images of many bit depths (Bits Allocated 8 and
16, Bits Stored from 2 up, unsigned and signed, with samples at 0 and at the top of the range):
what dicomtool writes must decode to the source values in dcmtk (where dcmtk 3.6.7 has a decoder),
in GDCM (gdcmconv --raw), and in pydicom with each plugin that takes it; `dicomtool validate`
must report no codestream warning or error on it. The corpus has few such depths, and each
peer has its own limits (dcmdjpls decodes no JPEG-LS P below 8; pydicom sizes JPEG output from P).

One limit is GDCM's own, not a property of what dicomtool writes: GDCM 3.0 asserts
(BitsAllocated == BitsStored, gdcmImageCodec.cxx) on RLE and lossless JPEG with Bits Allocated 8
and Bits Stored below 8, also on the files gdcmconv itself writes. Those cases skip GDCM, after
checking that GDCM still fails on its own encoding of the same image (so a GDCM that learns to
read them makes this script ask for the skip to go).
Usage: bitdepth_readback.py DICOMTOOL WORK_DIR ; prints failures and 'N checks, M failed'."""
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

# flag -> (dcmtk decoder or None, gdcmconv flag that writes the same syntax)
TARGETS = {
    "--rle": (["dcmdrle"], "--rle"),
    "--jpeg-lossless": (["dcmdjpeg"], "-J"),
    "--jpegls": (["dcmdjpls"], "--jpegls"),
    "--jpeg2000": (None, "--j2k"),
}
DEPTHS = [(8, bs) for bs in (2, 5, 7, 8)] + [(16, bs) for bs in (2, 6, 8, 9, 12, 15, 16)]
PLUGINS = ("pylibjpeg", "pyjpegls", "pylibjpeg-rle", "pydicom", "pylibjpeg-openjpeg")


def make(path, bits_allocated, bits_stored, signed):
    rng = np.random.default_rng(bits_allocated * 100 + bits_stored * 2 + signed)
    rows, cols = 32, 24
    y, x = np.mgrid[0:rows, 0:cols]
    top = 1 << bits_stored
    values = ((x * 5 + y * 3) % top + rng.integers(0, 3, (rows, cols))) % top
    values[:8, :8] = top - 1
    values[8:12, :8] = 0
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
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, cols, 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits_allocated, bits_stored, bits_stored - 1
    ds.PixelRepresentation = int(signed)
    kind = {(8, 0): np.uint8, (8, 1): np.int8, (16, 0): np.uint16, (16, 1): np.int16}[(bits_allocated, int(signed))]
    ds.PixelData = values.astype(kind).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return values


def stored_values(arr, bits_stored, signed):
    a = arr.astype(np.int64) & ((1 << bits_stored) - 1)
    if signed:
        a = np.where(a & (1 << (bits_stored - 1)), a - (1 << bits_stored), a)
    return a


def gdcm_decodes(path):
    raw = path + ".gdcm.dcm"
    r = subprocess.run(["gdcmconv", "--raw", path, raw], capture_output=True, text=True)
    ok = r.returncode == 0 and os.path.exists(raw)
    return (pydicom.dcmread(raw).pixel_array if ok else None), (r.stderr or r.stdout).strip()


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    checks, failures = 0, []
    for bits_allocated, bits_stored in DEPTHS:
        for signed in (False, True):
            name = f"{bits_allocated}_{bits_stored}_{'s' if signed else 'u'}"
            src = os.path.join(work, f"src_{name}.dcm")
            values = make(src, bits_allocated, bits_stored, signed)
            for flag, (dcmtk, gdcm_flag) in TARGETS.items():
                case = f"{flag} Bits Allocated {bits_allocated}, Bits Stored {bits_stored}, {'signed' if signed else 'unsigned'}"
                out = os.path.join(work, f"out_{name}{flag}.dcm")
                r = subprocess.run([tool, "transcode", "-q", "--verify", flag, src, "-o", out], capture_output=True, text=True)
                if r.returncode != 0:
                    failures.append(f"{case}: transcode failed: {r.stderr.strip()}")
                    continue
                decoded = {}
                for plugin in PLUGINS:
                    try:
                        decoded[f"pydicom/{plugin}"] = pydicom.pixels.pixel_array(out, decoding_plugin=plugin)
                    except Exception:
                        pass  # a plugin for another syntax, or one not installed
                if not decoded:
                    failures.append(f"{case}: no pydicom plugin decodes it")
                if dcmtk:
                    raw = out + ".dcmtk.dcm"
                    d = subprocess.run(dcmtk + [out, raw], capture_output=True, text=True)
                    if d.returncode == 0 and os.path.exists(raw):
                        decoded["dcmtk"] = pydicom.dcmread(raw).pixel_array
                    else:
                        failures.append(f"{case}: dcmtk cannot decode it: {(d.stderr or d.stdout).strip()[:200]}")
                gdcm_limit = bits_allocated == 8 and bits_stored < 8 and flag in ("--rle", "--jpeg-lossless")
                if gdcm_limit:
                    own = out + ".gdcm-own.dcm"
                    subprocess.run(["gdcmconv", gdcm_flag, src, own], capture_output=True)
                    if os.path.exists(own) and gdcm_decodes(own)[0] is not None:
                        failures.append(f"{case}: GDCM now decodes its own encoding: drop the GDCM skip for this case")
                else:
                    arr, message = gdcm_decodes(out)
                    if arr is None:
                        failures.append(f"{case}: GDCM cannot decode it: {message[:200]}")
                    else:
                        decoded["gdcm"] = arr
                for reader, arr in decoded.items():
                    checks += 1
                    got = stored_values(arr, bits_stored, signed)
                    if got.shape != values.shape or (got != values).any():
                        detail = f"max error {int(np.abs(got - values).max())}" if got.shape == values.shape else f"shape {got.shape}"
                        failures.append(f"{case}: {reader} gives other values ({detail})")
                v = subprocess.run([tool, "validate", "--format", "json", "-q", out], capture_output=True, text=True)
                for line in v.stdout.splitlines():
                    for finding in json.loads(line).get("validation", {}).get("findings", []):
                        if finding.get("rule", "").startswith("codestream") and finding.get("severity") in ("error", "warning"):
                            failures.append(f"{case}: validate: {finding.get('rule')}: {finding.get('message')}")
    for f in failures:
        print("FAIL " + f)
    print(f"{checks} decoder checks, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Every lossless target over images of many kinds: grey of Bits Allocated 8 and 16 with Bits
Stored from 2 up, unsigned and signed; RGB 8-bit by pixel and by plane, YBR_FULL, RGB 16-bit of
16, 12 and 8 bits stored, RGB 8-bit of 6 bits stored, PALETTE COLOR, multi-frame colour and grey.
Samples sit at 0 and at the top of the range. What dicomtool writes (with --verify) must decode
to the source values in dcmtk (where dcmtk 3.6.7 has a decoder), in GDCM (gdcmconv --raw), and
in pydicom with each plugin that takes it; `dicomtool validate` must report no codestream warning
or error. The corpus has few such kinds, and each peer has its own limits (dcmdjpls decodes no
JPEG-LS P below 8; pydicom sizes JPEG output from P; OpenJPEG's tile buffer overflowed on tiny
noisy colour images).

GDCM 3.0 reads no HTJ2K (checked as such), and it has limits of its own, whoever wrote the file: it asserts (BitsAllocated == BitsStored,
gdcmImageCodec.cxx) on RLE, lossless JPEG and deflated data with Bits Allocated 8 and Bits Stored
below 8, and it misdecodes 16-bit RGB RLE. Those cases skip GDCM after checking that GDCM still
fails on a peer's encoding of the same image (gdcmconv's own, or dcmconv's for deflate), so a
GDCM that learns to read them makes this script ask for the skip to go.
Usage: bitdepth_readback.py DICOMTOOL WORK_DIR ; prints failures and 'N decoder checks, M failed'."""
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

# flag -> (dcmtk decoder or None, a peer command writing the same syntax: [tool, flags...])
TARGETS = {
    "--rle": (["dcmdrle"], ["gdcmconv", "--rle"]),
    "--jpeg-lossless": (["dcmdjpeg", "+cn"], ["gdcmconv", "-J"]),
    "--jpegls": (["dcmdjpls"], ["gdcmconv", "--jpegls"]),
    "--jpeg2000": (None, ["gdcmconv", "--j2k"]),
    "--htj2k": (None, None),
    "--explicit": (["dcmconv", "+te"], None),
    "--big-endian": (["dcmconv", "+te"], None),
    "--deflate": (["dcmconv", "+te"], ["dcmconv", "+td"]),
}
NATIVE = ("--explicit", "--big-endian", "--deflate")
PLUGINS = ("pylibjpeg", "pyjpegls", "pylibjpeg-rle", "pydicom", "pylibjpeg-openjpeg")

# (bits allocated, bits stored, signed, photometric interpretation, planar configuration, frames)
GREY = [(8, bs, s, "MONOCHROME2", 0, 1) for bs in (2, 5, 7, 8) for s in (False, True)] + \
       [(16, bs, s, "MONOCHROME2", 0, 1) for bs in (2, 6, 8, 9, 12, 15, 16) for s in (False, True)]
COLOUR = [(8, 8, False, "RGB", 0, 1), (8, 8, False, "RGB", 1, 1), (8, 8, False, "YBR_FULL", 0, 1),
          (16, 16, False, "RGB", 0, 1), (16, 12, False, "RGB", 0, 1), (16, 8, False, "RGB", 0, 1),
          (8, 6, False, "RGB", 0, 1), (8, 8, False, "RGB", 0, 3), (16, 12, False, "MONOCHROME2", 0, 3),
          (8, 8, False, "PALETTE COLOR", 0, 1)]


def gdcm_cannot(bits_allocated, bits_stored, photometric, flag):
    """GDCM 3.0's own limits (see the module text)."""
    if bits_allocated == 8 and bits_stored < 8 and flag in ("--rle", "--jpeg-lossless", "--deflate"):
        return True
    return bits_allocated == 16 and photometric == "RGB" and flag == "--rle"


def make(path, bits_allocated, bits_stored, signed, photometric, planar, frames):
    rng = np.random.default_rng(bits_allocated * 1000 + bits_stored * 20 + signed * 10 + frames + planar)
    rows, cols = 32, 24
    samples = 3 if photometric in ("RGB", "YBR_FULL") else 1
    y, x = np.mgrid[0:rows, 0:cols]
    top = 1 << bits_stored
    values = np.empty((frames, rows, cols, samples), dtype=np.int64)
    for f in range(frames):
        for c in range(samples):
            v = ((x * (5 + c) + y * 3 + f * 7) % top + rng.integers(0, 3, (rows, cols))) % top
            v[:8, :8] = top - 1
            v[8:12, :8] = 0
            values[f, :, :, c] = v
    if samples == 3 and bits_allocated == 16:
        values[:, 16:, 12:, :] = rng.integers(0, top, (frames, rows - 16, cols - 12, samples))  # noise
    if signed:
        values = values - top // 2
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    # Secondary Capture; multi-frame images in the multi-frame SC classes (GDCM refuses to write a
    # multi-frame image of the single-frame class).
    ds.file_meta.MediaStorageSOPClassUID = ("1.2.840.10008.5.1.4.1.1.7" if frames == 1 else
                                            "1.2.840.10008.5.1.4.1.1.7.4" if samples == 3 else
                                            "1.2.840.10008.5.1.4.1.1.7.3" if bits_allocated == 16 else
                                            "1.2.840.10008.5.1.4.1.1.7.2")
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality, ds.ConversionType = "OT", "WSD"
    ds.Rows, ds.Columns, ds.SamplesPerPixel = rows, cols, samples
    ds.PhotometricInterpretation = photometric
    if samples == 3:
        ds.PlanarConfiguration = planar
    if frames > 1:
        ds.NumberOfFrames = frames
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits_allocated, bits_stored, bits_stored - 1
    ds.PixelRepresentation = int(signed)
    if photometric == "PALETTE COLOR":
        for colour in ("Red", "Green", "Blue"):
            setattr(ds, f"{colour}PaletteColorLookupTableDescriptor", [256, 0, 16])
            setattr(ds, f"{colour}PaletteColorLookupTableData", (np.arange(256, dtype=np.uint16) * 257).tobytes())
    kind = {(8, 0): np.uint8, (8, 1): np.int8, (16, 0): np.uint16, (16, 1): np.int16}[(bits_allocated, int(signed))]
    stored = np.moveaxis(values, -1, 1) if samples == 3 and planar == 1 else values
    ds.PixelData = np.ascontiguousarray(stored).astype(kind).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return values.reshape((frames, rows, cols, samples) if samples == 3 else (frames, rows, cols))


def stored_values(arr, bits_stored, signed, shape):
    a = np.asarray(arr).astype(np.int64) & ((1 << bits_stored) - 1)
    if signed:
        a = np.where(a & (1 << (bits_stored - 1)), a - (1 << bits_stored), a)
    return a.reshape(shape) if a.size == int(np.prod(shape)) else a


def stored_array(path_or_dataset, plugin=""):
    """The pixels as stored: no YBR to RGB conversion, no palette applied."""
    ds = pydicom.dcmread(path_or_dataset) if isinstance(path_or_dataset, str) else path_or_dataset
    return pydicom.pixels.pixel_array(ds, decoding_plugin=plugin, as_rgb=False)


def gdcm_decodes(path):
    raw = path + ".gdcm.dcm"
    r = subprocess.run(["gdcmconv", "--raw", path, raw], capture_output=True, text=True)
    ok = r.returncode == 0 and os.path.exists(raw)
    return (stored_array(raw) if ok else None), (r.stderr or r.stdout).strip()


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    checks, failures = 0, []
    for bits_allocated, bits_stored, signed, photometric, planar, frames in GREY + COLOUR:
        colour = (bits_allocated, bits_stored, signed, photometric, planar, frames) in COLOUR
        name = f"{bits_allocated}_{bits_stored}_{'s' if signed else 'u'}_{photometric.replace(' ', '')}_{planar}_{frames}"
        src = os.path.join(work, f"src_{name}.dcm")
        values = make(src, bits_allocated, bits_stored, signed, photometric, planar, frames)
        for flag, (dcmtk, peer_writer) in TARGETS.items():
            if flag in NATIVE and not colour:
                continue  # grey native syntaxes: the corpus readback covers them
            case = (f"{flag} {photometric} planar {planar}, {frames} frame(s), Bits Allocated {bits_allocated}, "
                    f"Bits Stored {bits_stored}, {'signed' if signed else 'unsigned'}")
            out = os.path.join(work, f"out_{name}{flag}.dcm")
            r = subprocess.run([tool, "transcode", "-q", "--verify", flag, src, "-o", out], capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"{case}: transcode failed: {r.stderr.strip()}")
                continue
            decoded = {}
            written = pydicom.dcmread(out)  # (read once: a deflated file is inflated here)
            for plugin in PLUGINS:
                try:
                    decoded[f"pydicom/{plugin}"] = stored_array(written, plugin)
                except Exception:
                    pass  # a plugin for another syntax, or one not installed
            if not decoded:
                failures.append(f"{case}: no pydicom plugin decodes it")
            if dcmtk:
                raw = out + ".dcmtk.dcm"
                d = subprocess.run(dcmtk + [out, raw], capture_output=True, text=True)
                if d.returncode == 0 and os.path.exists(raw):
                    decoded["dcmtk"] = stored_array(raw)
                else:
                    failures.append(f"{case}: dcmtk cannot decode it: {(d.stderr or d.stdout).strip()[:200]}")
            if flag == "--htj2k":
                # GDCM 3.0 reads no HTJ2K syntax; pydicom (pylibjpeg-openjpeg) does.
                if gdcm_decodes(out)[0] is not None:
                    failures.append(f"{case}: GDCM now decodes HTJ2K: compare its pixels here")
            elif gdcm_cannot(bits_allocated, bits_stored, photometric, flag):
                peer = out + ".peer.dcm"
                subprocess.run(peer_writer + [src, peer], capture_output=True)
                if not os.path.exists(peer):
                    failures.append(f"{case}: {peer_writer[0]} wrote nothing to compare GDCM with")
                else:
                    arr, _ = gdcm_decodes(peer)
                    if arr is not None and (stored_values(arr, bits_stored, signed, values.shape) == values).all():
                        failures.append(f"{case}: GDCM now decodes {peer_writer[0]}'s encoding: drop the GDCM skip for this case")
            else:
                arr, message = gdcm_decodes(out)
                if arr is None:
                    failures.append(f"{case}: GDCM cannot decode it: {message[:200]}")
                else:
                    decoded["gdcm"] = arr
            for reader, arr in decoded.items():
                checks += 1
                got = stored_values(arr, bits_stored, signed, values.shape)
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

"""What the readback scripts share: the synthetic images (grey of every depth, colour, palette,
multi-frame), and reading pixels back through pydicom's plugins, dcmtk, GDCM and validate."""
import json
import os
import subprocess
import sys

import numpy as np
import pydicom
import pydicom.pixels
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

PLUGINS = ("pylibjpeg", "pyjpegls", "pylibjpeg-rle", "pydicom", "pylibjpeg-openjpeg")

# (bits allocated, bits stored, signed, photometric interpretation, planar configuration, frames)
GREY = [(8, bs, s, "MONOCHROME2", 0, 1) for bs in (2, 5, 7, 8) for s in (False, True)] + \
       [(16, bs, s, "MONOCHROME2", 0, 1) for bs in (2, 6, 8, 9, 12, 15, 16) for s in (False, True)]
COLOUR = [(8, 8, False, "RGB", 0, 1), (8, 8, False, "RGB", 1, 1), (8, 8, False, "YBR_FULL", 0, 1),
          (16, 16, False, "RGB", 0, 1), (16, 12, False, "RGB", 0, 1), (16, 8, False, "RGB", 0, 1),
          (8, 6, False, "RGB", 0, 1), (8, 8, False, "RGB", 0, 3), (16, 12, False, "MONOCHROME2", 0, 3),
          (8, 8, False, "PALETTE COLOR", 0, 1)]


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


def gdcm_decodes(path, as_rgb=False):
    """Pixels of `path` decoded to native by gdcmconv --raw, or None, and GDCM's message."""
    return native_decode(["gdcmconv", "--raw"], path, ".gdcm.dcm", as_rgb)


def dcmtk_decodes(command, path, as_rgb=False):
    """Pixels of `path` decoded to native by a dcmtk tool (command without its file arguments), or
    None, and the tool's message."""
    return native_decode(command, path, ".dcmtk.dcm", as_rgb)


def native_decode(command, path, suffix, as_rgb):
    raw = path + suffix
    r = subprocess.run(command + [path, raw], capture_output=True, text=True)
    ok = r.returncode == 0 and os.path.exists(raw)
    return (pydicom.pixels.pixel_array(pydicom.dcmread(raw), as_rgb=as_rgb) if ok else None), (r.stderr or r.stdout).strip()


def pydicom_decodes(written, as_rgb=False):
    """{"pydicom/PLUGIN": pixels} for each plugin that decodes `written` (a Dataset read once, so
    a deflated file is inflated once); as_rgb converts YCbCr to RGB as the image shows it."""
    decoded = {}
    for plugin in PLUGINS:
        try:
            decoded[f"pydicom/{plugin}"] = pydicom.pixels.pixel_array(written, decoding_plugin=plugin, as_rgb=as_rgb)
        except Exception:
            pass  # a plugin for another syntax, or one not installed
    return decoded


def codestream_problems(tool, path):
    """`dicomtool validate` codestream findings of severity error or warning, as text."""
    v = subprocess.run([tool, "validate", "--format", "json", "-q", path], capture_output=True, text=True)
    problems = []
    for line in v.stdout.splitlines():
        for finding in json.loads(line).get("validation", {}).get("findings", []):
            if finding.get("rule", "").startswith("codestream") and finding.get("severity") in ("error", "warning"):
                problems.append(f"validate: {finding.get('rule')}: {finding.get('message')}")
    return problems


def validate_findings(tool, path):
    """`dicomtool validate` findings of severity error or warning, as 'severity rule path: message'."""
    v = subprocess.run([tool, "validate", "--format", "json", "-q", path], capture_output=True, text=True)
    out = set()
    for line in v.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for f in (record.get("validation") or {}).get("findings", []):
            if f.get("severity") in ("error", "warning"):
                out.add(f"{f.get('severity')} {f.get('rule')} {f.get('path')}: {f.get('message')}")
    return out


def dciodvfy_errors(path):
    """dicom3tools' dciodvfy error lines."""
    run = subprocess.run(["dciodvfy", path], capture_output=True)
    text = (run.stdout + run.stderr).decode("latin-1")
    return {line.strip() for line in text.splitlines() if line.startswith("Error")}


_SOURCE_FACTS = {}
# dicom3tools reads neither Deflated Explicit VR Little Endian (it parses the compressed bytes as
# elements) nor the HTJ2K syntaxes (unknown UIDs, read as native): no dciodvfy comparison there.
DCIODVFY_UNREADABLE = {"1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
                       "1.2.840.10008.1.2.4.203"}
# What the target itself is, not a defect of the output: Explicit VR Big Endian is retired.
EXPECTED_OF_TARGET = (" meta.transfer-syntax.retired ",)


def new_iod_problems(tool, src, out):
    """What an output adds to its source's validate findings and dciodvfy errors (issue 14 item 4:
    output only in what its IOD permits): each as 'validate: ...' or 'dciodvfy: ...'."""
    if src not in _SOURCE_FACTS:
        _SOURCE_FACTS[src] = (validate_findings(tool, src), dciodvfy_errors(src))
    ours, theirs = _SOURCE_FACTS[src]
    problems = [f"validate: {f}" for f in sorted(validate_findings(tool, out) - ours)
                if not any(x in f for x in EXPECTED_OF_TARGET)]
    syntax = str(pydicom.dcmread(out, stop_before_pixels=True).file_meta.TransferSyntaxUID)
    if syntax not in DCIODVFY_UNREADABLE:
        problems += [f"dciodvfy: {e}" for e in sorted(dciodvfy_errors(out) - theirs)]
    return problems


def values_differ(decoded, expected, bits_stored, signed):
    """(reader, detail) for each decoded array whose stored values are not `expected`."""
    differ = []
    for reader, arr in decoded.items():
        got = stored_values(arr, bits_stored, signed, expected.shape)
        if got.shape != expected.shape:
            differ.append((reader, f"shape {got.shape}"))
        elif (got != expected).any():
            differ.append((reader, f"max error {int(np.abs(got - expected).max())}"))
    return differ


def finish(failures, summary):
    """Prints each failure and the summary line ('N ..., M failed'), and exits 1 on a failure."""
    for f in failures:
        print("FAIL " + f)
    print(f"{summary}, {len(failures)} failed")
    sys.exit(1 if failures else 0)


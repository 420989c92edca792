#!/usr/bin/env python3
"""Test support: print one DICOM file's pixel description and raw frames (codestreams) as JSON.

Used by the codec tests so that they can run each codec on real corpus frames without depending
on dicomtool's own reader (pydicom is an independent parser). Usage: extract_frames.py FILE
"""
import base64
import json
import sys

import pydicom
from pydicom.encaps import generate_frames

ds = pydicom.dcmread(sys.argv[1], force=True)
ts = ds.file_meta.get("TransferSyntaxUID", "")
nframes = int(ds.get("NumberOfFrames", 1) or 1)
out = {
    "transfer_syntax": str(ts),
    "rows": int(ds.Rows), "columns": int(ds.Columns),
    "samples_per_pixel": int(ds.get("SamplesPerPixel", 1)),
    "bits_allocated": int(ds.BitsAllocated), "bits_stored": int(ds.get("BitsStored", ds.BitsAllocated)),
    "high_bit": int(ds.get("HighBit", int(ds.get("BitsStored", ds.BitsAllocated)) - 1)),
    "pixel_representation": int(ds.get("PixelRepresentation", 0)),
    "photometric": str(ds.get("PhotometricInterpretation", "")),
    "planar_configuration": int(ds.get("PlanarConfiguration", 0) or 0),
    "frames": nframes,
}
pd = ds.PixelData
if ts and pydicom.uid.UID(ts).is_compressed:
    frames = list(generate_frames(pd, number_of_frames=nframes))
else:
    size = len(pd) // max(nframes, 1)
    frames = [pd[i * size:(i + 1) * size] for i in range(nframes)]
out["codestreams"] = [base64.b64encode(f).decode() for f in frames]
print(json.dumps(out))

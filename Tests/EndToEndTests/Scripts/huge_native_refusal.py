#!/usr/bin/env python3
"""An encapsulated image of more than 4 GiB (2,049 frames of 1024x1024x16 as Encapsulated
Uncompressed, with an Extended Offset Table; the frames are holes, so the file takes no disk) has
no native form: a native Pixel Data length is 32 bits. `transcode --explicit` must refuse it with
one line and exit status 80 before writing anything (it once trapped, exit 132, on the length);
`dump` must read it.
Usage: huge_native_refusal.py DICOMTOOL WORK_DIR ; prints 'ok' or the failures, exits 1 on failure."""
import os
import struct
import subprocess
import sys

from pydicom.dataset import Dataset, FileMetaDataset


def write_sparse(path, rows, cols, frames):
    frame = rows * cols * 2
    meta = FileMetaDataset()
    meta.TransferSyntaxUID = "1.2.840.10008.1.2.1.98"
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7.3"
    meta.MediaStorageSOPInstanceUID = "2.25.4244"
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality, ds.PatientName = "OT", "Huge^Encapsulated"
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns, ds.NumberOfFrames = rows, cols, frames
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.ExtendedOffsetTable = struct.pack("<%dQ" % frames, *[i * (8 + frame) for i in range(frames)])
    ds.ExtendedOffsetTableLengths = struct.pack("<%dQ" % frames, *([frame] * frames))
    ds.save_as(path, enforce_file_format=True)
    with open(path, "r+b") as f:
        f.seek(0, 2)
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OB", 0, 0xFFFFFFFF))
        f.write(struct.pack("<HHI", 0xFFFE, 0xE000, 0))
        for _ in range(frames):
            f.write(struct.pack("<HHI", 0xFFFE, 0xE000, frame))
            f.seek(frame, 1)
        f.write(struct.pack("<HHI", 0xFFFE, 0xE0DD, 0))


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    src, out = os.path.join(work, "huge.dcm"), os.path.join(work, "native.dcm")
    failures = []
    try:
        write_sparse(src, 1024, 1024, 2049)
        r = subprocess.run([tool, "transcode", "-q", "--explicit", src, "-o", out], capture_output=True, text=True)
        lines = r.stderr.strip().splitlines()
        if r.returncode != 80 or len(lines) != 1 or "32-bit length" not in r.stderr:
            failures.append(f"transcode --explicit: exit {r.returncode}, stderr {r.stderr.strip()[:300]!r}")
        if os.path.exists(out) or any(n.startswith(".dicomtool-tmp") for n in os.listdir(work)):
            failures.append(f"a refused transcode left files: {sorted(os.listdir(work))}")
        d = subprocess.run([tool, "dump", src], capture_output=True, text=True)
        if d.returncode != 0 or "2049 frames" not in d.stdout:
            failures.append(f"dump: exit {d.returncode}: {d.stderr.strip()[:200]}")
    finally:
        for p in (src, out):
            if os.path.exists(p):
                os.remove(p)
    for f in failures:
        print("FAIL " + f)
    print("ok" if not failures else f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

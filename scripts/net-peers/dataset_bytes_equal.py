#!/usr/bin/env python3
"""Exit 0 when two Part 10 files hold the same data set bytes after their meta headers (a file
sent as it is arrived unchanged, whatever meta the receiver wrote).
With --values, a receiver that re-encodes (Orthanc writes through DCMTK without bit preservation:
sequence lengths, padding, OW Pixel Data as OB) passes when pydicom reads the same elements and values.
usage: dataset_bytes_equal.py [--values] SOURCE RECEIVED"""
import struct, sys

def dataset_bytes(path):
    b = open(path, "rb").read()
    if b[128:132] != b"DICM":
        raise SystemExit("%s: no DICM prefix" % path)
    # (0002,0000) UL group length, explicit VR little endian: tag 4, VR 2, length 2, value 4.
    if b[132:136] != b"\x02\x00\x00\x00":
        raise SystemExit("%s: meta does not start with its group length" % path)
    group = struct.unpack("<I", b[140:144])[0]
    return b[144 + group:]

args = sys.argv[1:]
values = args[:1] == ["--values"]
if values:
    args = args[1:]
a, b = (dataset_bytes(p) for p in args[:2])
if values and a != b:
    import pydicom
    x, y = (pydicom.dcmread(p) for p in args[:2])
    # Tags and values, not VRs: Orthanc writes encapsulated Pixel Data that came as OW as OB.
    if [e.tag for e in x] == [e.tag for e in y] and all(x[e.tag].value == y[e.tag].value for e in x):
        print("same elements and values (bytes re-encoded by the receiver)")
        sys.exit(0)
if a != b:
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    print("differ at data set byte %d (%d vs %d bytes)" % (n, len(a), len(b)))
    sys.exit(1)
print("equal, %d bytes" % len(a))

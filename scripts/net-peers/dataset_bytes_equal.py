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
    # Walk the meta's elements (Explicit VR Little Endian) to the first that is not group 0002:
    # a meta without its group length still ends there.
    pos = 132
    while pos + 8 <= len(b) and struct.unpack("<H", b[pos:pos + 2])[0] == 0x0002:
        vr = b[pos + 4:pos + 6]
        if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV"):
            pos += 12 + struct.unpack("<I", b[pos + 8:pos + 12])[0]
        else:
            pos += 8 + struct.unpack("<H", b[pos + 6:pos + 8])[0]
    return b[pos:]

args = sys.argv[1:]
values = args[:1] == ["--values"]
if values:
    args = args[1:]
a, b = (dataset_bytes(p) for p in args[:2])
if values and a != b:
    import pydicom
    x, y = (pydicom.dcmread(p) for p in args[:2])
    # Tags and values, not VRs (Orthanc writes encapsulated Pixel Data that came as OW as OB),
    # and group lengths left out (retired; pydicom drops them).
    tags = [e.tag for e in x if e.tag.element != 0]
    if tags == [e.tag for e in y if e.tag.element != 0] and all(x[t].value == y[t].value for t in tags):
        print("same elements and values (bytes re-encoded by the receiver)")
        sys.exit(0)
if a != b:
    n = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    print("differ at data set byte %d (%d vs %d bytes)" % (n, len(a), len(b)))
    sys.exit(1)
print("equal, %d bytes" % len(a))

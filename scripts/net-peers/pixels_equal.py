#!/usr/bin/env python3
"""Exit 0 when the received file holds the same pixel values as its source (a conversion was
bit-exact). The reference is pydicom's decode of the source; where decoders legitimately disagree
it is dcmtk's: lossy JPEG (IDCT results are implementation-defined within tolerance; dicomtool and
dcmtk's dcmdjpeg both decode with IJG arithmetic, pydicom with libjpeg-turbo) and 32-bit pixels
in Explicit VR Big Endian (OW is swapped per 16-bit word, as dcmtk's dcmconv does; pydicom swaps
whole 32-bit values).
usage: pixels_equal.py SOURCE RECEIVED"""
import os, subprocess, sys, tempfile
import numpy as np
import pydicom

source, received = sys.argv[1:3]
a, b = (pydicom.dcmread(p) for p in (source, received))
y = b.pixel_array
x = a.pixel_array
if x.shape == y.shape and np.array_equal(x, y):
    print("equal %s %s" % (x.shape, x.dtype))
    sys.exit(0)
ts = str(a.file_meta.TransferSyntaxUID)
tool = {"1.2.840.10008.1.2.4.50": ["/usr/bin/dcmdjpeg"], "1.2.840.10008.1.2.4.51": ["/usr/bin/dcmdjpeg"],
        "1.2.840.10008.1.2.2": ["/usr/bin/dcmconv", "+ti"]}.get(ts)
if tool:
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "ref.dcm")
        if subprocess.run(tool + [source, out], capture_output=True).returncode == 0:
            r = pydicom.dcmread(out)
            if r.pixel_array.shape == y.shape and np.array_equal(r.pixel_array, y):
                print("equal to dcmtk's %s decode %s (pydicom's differs)" % (os.path.basename(tool[0]), y.shape))
                sys.exit(0)
print("differ: %s %s vs %s %s" % (x.shape, x.dtype, y.shape, y.dtype))
sys.exit(1)

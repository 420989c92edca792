#!/usr/bin/env python3
"""Exit 0 when pydicom decodes the same pixel values from both files (a conversion was bit-exact).
usage: pixels_equal.py SOURCE RECEIVED"""
import sys
import numpy as np
import pydicom

a, b = (pydicom.dcmread(p) for p in sys.argv[1:3])
x, y = a.pixel_array, b.pixel_array
if x.shape != y.shape or not np.array_equal(x, y):
    print("differ: %s %s vs %s %s" % (x.shape, x.dtype, y.shape, y.dtype))
    sys.exit(1)
print("equal %s %s" % (x.shape, x.dtype))

#!/usr/bin/env python3
"""Writes a copy of a DICOM file with some values set, for the anonymize tests' planted inputs.

Usage: deid_edit.py IN OUT KEYWORD=VALUE...
A keyword of the file meta (group 0002) is set in the meta; any other in the data set, with its
dictionary VR (multiple values separated by backslashes). pydicom writes OUT as IN was encoded."""
import sys

import pydicom
from pydicom.datadict import dictionary_VR, tag_for_keyword

src, dst, *edits = sys.argv[1:]
ds = pydicom.dcmread(src)
for edit in edits:
    keyword, value = edit.split("=", 1)
    tag = tag_for_keyword(keyword)
    if tag is None:
        sys.exit(f"unknown keyword {keyword}")
    target = ds.file_meta if tag >> 16 == 0x0002 else ds
    vr = dictionary_VR(tag)
    target.add_new(tag, vr, value.split("\\") if "\\" in value else value)
ds.save_as(dst, enforce_file_format=False)

#!/usr/bin/env python3
"""Writes COUNT small CT-like instances (~40 KB: 144 x 144 x 16-bit, Explicit VR Little Endian),
one series, distinct SOP Instance UIDs, for send/receive throughput runs.
usage: make_ct_series.py OUTDIR [COUNT]"""
import os, sys
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid, CTImageStorage

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
os.makedirs(out, exist_ok=True)
study, series = generate_uid(), generate_uid()
rng = np.random.default_rng(16)
for i in range(count):
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientName, ds.PatientID, ds.Modality = "BENCH^CT", "BENCH", "CT"
    ds.InstanceNumber = i + 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.Rows = ds.Columns = 144
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
    ds.PixelData = rng.integers(0, 4096, size=(144, 144), dtype=np.uint16).tobytes()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(os.path.join(out, "ct%04d.dcm" % i), enforce_file_format=True)

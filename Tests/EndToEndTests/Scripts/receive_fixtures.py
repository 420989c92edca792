"""Writes small CT-like instances for the receive tests and benchmark (pydicom).

usage: receive_fixtures.py OUTDIR COUNT [--patient-id TEXT] [--study-uid UID] [--side N] [--sop-class UID]
       receive_fixtures.py OUTDIR 0 --patient-ids JSON_LIST --study-prefix UID
       (one file per Patient ID, file k in study PREFIX.k)
Each file: CT Image Storage, Explicit VR Little Endian, N x N 16-bit pixels (default 140: ~40 KB),
its own SOP Instance UID, one study and series for the run. The Patient ID may be any text (hostile
values for the layout and exec tests).
"""
import argparse, json, os
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid, CTImageStorage

p = argparse.ArgumentParser()
p.add_argument("outdir"); p.add_argument("count", type=int)
p.add_argument("--patient-id", default="RECV-01"); p.add_argument("--study-uid", default=None)
p.add_argument("--side", type=int, default=140)
p.add_argument("--patient-ids", default=None); p.add_argument("--study-prefix", default=None)
p.add_argument("--sop-class", default=CTImageStorage)
a = p.parse_args()
os.makedirs(a.outdir, exist_ok=True)
study, series = a.study_uid or generate_uid(), generate_uid()
rng = np.random.default_rng(16)
pixels = (rng.integers(0, 4096, size=(a.side, a.side))).astype(np.uint16)
ids = json.loads(a.patient_ids) if a.patient_ids else [a.patient_id] * a.count
for k, patient_id in enumerate(ids):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = a.sop_class
    uid = generate_uid()
    meta.MediaStorageSOPInstanceUID = uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID = a.sop_class, uid
    ds.PatientID, ds.PatientName = patient_id, "Receive^Test"
    ds.StudyInstanceUID = f"{a.study_prefix}.{k}" if a.study_prefix else study
    ds.SeriesInstanceUID = series
    ds.Modality, ds.InstanceNumber = "CT", k + 1
    ds.Rows = ds.Columns = a.side
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = pixels.tobytes()
    ds.save_as(os.path.join(a.outdir, f"ct{k:05d}.dcm"), enforce_file_format=True)

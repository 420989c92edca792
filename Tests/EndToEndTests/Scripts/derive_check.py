#!/usr/bin/env python3
"""Runs `dicomtool derive` over corpus images and checks each output against an independent
computation: pixels with numpy from pydicom's reading of the source, every provenance and
geometry attribute, readability in dcmtk (dcmdump, dcmconv +te), GDCM (gdcmconv -w) and pydicom,
no dciodvfy error that the source did not have, and the whole history of a derivation chain.
Usage: derive_check.py DICOMTOOL CORPUS_DIR WORK_DIR ; prints 'N passed, M failed' last."""
import os
import re
import shutil
import subprocess
import sys
import warnings

import numpy as np
import pydicom

warnings.filterwarnings("ignore")
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE

TOOL, CORPUS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(WORK, exist_ok=True)
passed, failed = 0, []


def check(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
    else:
        failed.append(f"{name}: {detail}")


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def derive(name, src, *args):
    out = os.path.join(WORK, name + ".dcm")
    r = run([TOOL, "derive", *args, src, "-o", out])
    check(f"{name}: exit status", r.returncode == 0, r.stderr.strip())
    return out if r.returncode == 0 else None


def corpus(rel):
    return os.path.join(CORPUS, rel)


def frames_of(ds):
    """Pixels as (frames, rows, columns[, samples]) int64, values as stored (pydicom's reading)."""
    a = ds.pixel_array.astype(np.int64)
    n = int(ds.get("NumberOfFrames", 1) or 1)
    spp = int(ds.SamplesPerPixel)
    if n == 1:
        a = a[np.newaxis]
    if spp == 1:
        a = a[..., np.newaxis]
    return a


def round_half_up_div(num, den):
    return np.floor_divide(2 * num + den, 2 * den)


def box(a, n):
    f, r, c, s = a.shape
    r2, c2 = r // n, c // n
    b = a[:, : r2 * n, : c2 * n, :].reshape(f, r2, n, c2, n, s).sum(axis=(2, 4))
    return round_half_up_div(b, n * n)


def weights(old, new):
    """Overlap of output pixel i with input pixel j, in units of 1/(old*new) of the image width."""
    w = np.zeros((new, old), dtype=np.int64)
    for i in range(new):
        lo, hi = i * old, (i + 1) * old
        for j in range(old):
            w[i, j] = max(0, min(hi, (j + 1) * new) - max(lo, j * new))
    return w


def area_resize(a, cols, rows):
    f, r, c, s = a.shape
    wr, wc = weights(r, rows), weights(c, cols)
    out = np.einsum("ij,fjks,lk->fils", wr, a, wc)
    return round_half_up_div(out, r * c)


def window8(a, center, width, slope, intercept, invert=False):
    x = a.astype(np.float64) * slope + intercept
    low, high = center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        y = ((x - (center - 0.5)) / (width - 1) + 0.5) * 255
    y = np.where(x <= low, 0.0, np.where(x > high, 255.0, y))
    y = np.clip(np.floor(y + 0.5), 0, 255).astype(np.int64)
    return 255 - y if invert else y


def floats(v):
    return [float(x) for x in v]


def moved(ipp, iop, spacing, dx, dy):
    r, c = np.array(floats(iop[:3])), np.array(floats(iop[3:]))
    return np.array(floats(ipp)) + dx * float(spacing[1]) * r + dy * float(spacing[0]) * c


def mv(v):
    """A value as a list, whether pydicom read one value or several."""
    if v is None or v == "":
        return []
    return list(v) if isinstance(v, pydicom.multival.MultiValue) else [v]


def codes(ds):
    return [i.CodeValue for i in ds.get("DerivationCodeSequence", [])]


def provenance(name, src, out, new_items=1, frames=None, derivation=(), primary=False, purpose="121322", text=None,
               sop_class=None):
    check(f"{name}: new SOP Instance UID", out.SOPInstanceUID != src.SOPInstanceUID)
    check(f"{name}: meta SOP Instance UID", out.file_meta.MediaStorageSOPInstanceUID == out.SOPInstanceUID)
    check(f"{name}: SOP Class", out.SOPClassUID == (sop_class or src.SOPClassUID), out.SOPClassUID)
    it = list(out.ImageType)
    check(f"{name}: Image Type", it[0] == "DERIVED" and it[1] == ("PRIMARY" if primary else "SECONDARY"), str(it))
    before = list(src.get("SourceImageSequence", []))
    after = list(out.get("SourceImageSequence", []))
    check(f"{name}: Source Image Sequence grows by {new_items}", len(after) == len(before) + new_items, f"{len(before)} -> {len(after)}")
    if after:
        item = after[len(before)]
        check(f"{name}: source class", item.ReferencedSOPClassUID == src.SOPClassUID)
        check(f"{name}: source instance", item.ReferencedSOPInstanceUID == src.SOPInstanceUID)
        pc = item.PurposeOfReferenceCodeSequence[0]
        check(f"{name}: purpose {purpose}", pc.CodeValue == purpose and pc.CodingSchemeDesignator == "DCM", pc.CodeValue)
        got = item.get("ReferencedFrameNumber")
        if frames is None:
            check(f"{name}: no Referenced Frame Number", got is None, str(got))
        else:
            got = [int(x) for x in mv(got)] if got is not None else None
            check(f"{name}: Referenced Frame Number", got == frames, f"{got} != {frames}")
    desc = str(out.get("DerivationDescription", ""))
    old = str(src.get("DerivationDescription", ""))
    check(f"{name}: Derivation Description appended", desc.startswith(old) and len(desc) > len(old), desc)
    if text:
        check(f"{name}: description says '{text}'", text in desc, desc)
    got_codes = codes(out)
    for c in derivation:
        check(f"{name}: derivation code {c}", c in got_codes, str(got_codes))
    if str(src.get("LossyImageCompression", "")) == "01":
        check(f"{name}: lossy history kept", out.LossyImageCompression == "01")
        before_r, after_r = mv(src.get("LossyImageCompressionRatio")), mv(out.get("LossyImageCompressionRatio"))
        check(f"{name}: lossy ratios kept", after_r[: len(before_r)] == before_r, f"{before_r} -> {after_r}")


def readers(name, path):
    r = run(["dcmdump", "-q", path])
    check(f"{name}: dcmdump", r.returncode == 0 and "E:" not in r.stderr, r.stderr.strip()[:300])
    tmp = path + ".dcmtk"
    syntax = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)
    # dcmconv has no codecs; dcmtk 3.6.7 decodes JPEG and JPEG-LS with their own tools, not JPEG 2000.
    tool = {"1.2.840.10008.1.2.4.50": ["dcmdjpeg"], "1.2.840.10008.1.2.4.81": ["dcmdjpls"],
            "1.2.840.10008.1.2.4.91": None}.get(syntax, ["dcmconv", "+te"])
    if tool:
        r = run(tool + [path, tmp])
        check(f"{name}: {tool[0]}", r.returncode == 0, r.stderr.strip()[:300])
    tmp = path + ".gdcm"
    r = run(["gdcmconv", "-w", path, tmp])
    check(f"{name}: gdcmconv -w", r.returncode == 0, r.stderr.strip()[:300])
    try:
        ds = pydicom.dcmread(path)
        ds.pixel_array
        check(f"{name}: pydicom", True)
    except Exception as e:  # noqa: BLE001 - any failure to read is the finding
        check(f"{name}: pydicom", False, repr(e))


def dciodvfy_errors(path):
    r = run(["dciodvfy", "-new", path])
    lines = (r.stdout + r.stderr).splitlines()
    # Errors named by their kind and attribute, without values that legitimately differ.
    return {re.sub(r"<[^>]*>|\[[^]]*\]|\"[^\"]*\"", "", l).strip() for l in lines if l.startswith("Error")}


def no_new_errors(name, src_path, out_path):
    new = dciodvfy_errors(out_path) - dciodvfy_errors(src_path)
    check(f"{name}: dciodvfy reports no new error", not new, "; ".join(sorted(new))[:600])


def read(p):
    return pydicom.dcmread(p)


# --- CT: crop, downsample, resize, window, composition -------------------------------------------
SC = "1.2.840.10008.5.1.4.1.1.7"
CT = corpus("native/CT_small.dcm")
ct = read(CT)
ctp = frames_of(ct)

p = derive("ct_crop", CT, "--crop", "10,20,64,48")
if p:
    o = read(p)
    check("ct_crop: pixels", np.array_equal(frames_of(o), ctp[:, 20:68, 10:74]))
    check("ct_crop: rows/columns", (o.Rows, o.Columns) == (48, 64))
    check("ct_crop: pixel spacing kept", floats(o.PixelSpacing) == floats(ct.PixelSpacing))
    exp = moved(ct.ImagePositionPatient, ct.ImageOrientationPatient, ct.PixelSpacing, 10, 20)
    check("ct_crop: image position", np.allclose(floats(o.ImagePositionPatient), exp, atol=1e-4), f"{o.ImagePositionPatient} vs {exp}")
    check("ct_crop: rescale kept", (float(o.RescaleSlope), float(o.RescaleIntercept)) == (1.0, -1024.0))
    check("ct_crop: bits kept", (o.BitsAllocated, o.BitsStored, o.HighBit, o.PixelRepresentation) ==
          (ct.BitsAllocated, ct.BitsStored, ct.HighBit, ct.PixelRepresentation))
    provenance("ct_crop", ct, o, derivation=["CROP"], text="crop x=10 y=20 width=64 height=48")
    check("ct_crop: no frame extraction for a single frame", "FrameExtractionSequence" not in o)
    readers("ct_crop", p)
    no_new_errors("ct_crop", CT, p)

p = derive("ct_down", CT, "--downsample", "3")
if p:
    o = read(p)
    check("ct_down: pixels (box filter)", np.array_equal(frames_of(o), box(ctp, 3)))
    check("ct_down: rows/columns", (o.Rows, o.Columns) == (42, 42))
    check("ct_down: pixel spacing x3", np.allclose(floats(o.PixelSpacing), [3 * float(x) for x in ct.PixelSpacing], atol=1e-6))
    exp = moved(ct.ImagePositionPatient, ct.ImageOrientationPatient, ct.PixelSpacing, 1, 1)
    check("ct_down: image position at the first block's centre", np.allclose(floats(o.ImagePositionPatient), exp, atol=1e-4))
    provenance("ct_down", ct, o, derivation=["113085"], text="downsample 3")
    readers("ct_down", p)
    no_new_errors("ct_down", CT, p)

p = derive("ct_resize", CT, "--resize", "100x70")
if p:
    o = read(p)
    check("ct_resize: pixels (area average)", np.array_equal(frames_of(o), area_resize(ctp, 100, 70)))
    check("ct_resize: rows/columns", (o.Rows, o.Columns) == (70, 100))
    sp = [float(ct.PixelSpacing[0]) * 128 / 70, float(ct.PixelSpacing[1]) * 128 / 100]
    check("ct_resize: pixel spacing", np.allclose(floats(o.PixelSpacing), sp, atol=1e-6), f"{o.PixelSpacing} vs {sp}")
    exp = moved(ct.ImagePositionPatient, ct.ImageOrientationPatient, ct.PixelSpacing, 0.5 * 128 / 100 - 0.5, 0.5 * 128 / 70 - 0.5)
    check("ct_resize: image position", np.allclose(floats(o.ImagePositionPatient), exp, atol=1e-4))
    provenance("ct_resize", ct, o, derivation=["113085"], text="resize")
    readers("ct_resize", p)
    no_new_errors("ct_resize", CT, p)

p = derive("ct_window", CT, "--to-8bit", "--window", "40,400")
if p:
    o = read(p)
    exp = window8(ctp, 40, 400, 1.0, -1024.0)
    check("ct_window: pixels (rescale, linear VOI)", np.array_equal(frames_of(o), exp),
          f"max diff {np.abs(frames_of(o) - exp).max()}")
    check("ct_window: 8-bit MONOCHROME2", (o.BitsAllocated, o.BitsStored, o.HighBit, o.PixelRepresentation,
                                          o.PhotometricInterpretation) == (8, 8, 7, 0, "MONOCHROME2"))
    check("ct_window: rescale identity, type US", (float(o.RescaleSlope), float(o.RescaleIntercept), o.RescaleType) == (1.0, 0.0, "US"))
    check("ct_window: window 128/256", (float(o.WindowCenter), float(o.WindowWidth)) == (128.0, 256.0))
    provenance("ct_window", ct, o, derivation=["VOI8BIT"], text="window center 40 width 400", sop_class=SC)
    check("ct_window: conversion type", o.ConversionType == "WSD")
    check("ct_window: patient orientation from the image orientation", list(o.PatientOrientation) == ["L", "P"])
    readers("ct_window", p)
    no_new_errors("ct_window", CT, p)

p = derive("ct_compose", CT, "--to-8bit", "--downsample", "2", "--window", "-600,1500", "--crop", "8,8,100,90",
           "--primary", "--new-series")
if p:
    o = read(p)
    exp = window8(box(ctp[:, 8:98, 8:108], 2), -600, 1500, 1.0, -1024.0)
    check("ct_compose: crop, downsample, window in that order", np.array_equal(frames_of(o), exp))
    exp_ipp = moved(ct.ImagePositionPatient, ct.ImageOrientationPatient, ct.PixelSpacing, 8 + 0.5, 8 + 0.5)
    check("ct_compose: image position", np.allclose(floats(o.ImagePositionPatient), exp_ipp, atol=1e-4))
    check("ct_compose: new series", o.SeriesInstanceUID != ct.SeriesInstanceUID and int(o.SeriesNumber) == int(ct.get("SeriesNumber", 0) or 0) + 1000)
    check("ct_compose: series description", "derived" in str(o.get("SeriesDescription", "")))
    provenance("ct_compose", ct, o, primary=True, derivation=["CROP", "113085", "VOI8BIT"], sop_class=SC)
    readers("ct_compose", p)
    no_new_errors("ct_compose", CT, p)

# MR: stored window used when none is given; range attributes recomputed.
MR = corpus("native/MR_small.dcm")
mr = read(MR)
p = derive("mr_window", MR, "--to-8bit")
if p:
    o = read(p)
    exp = window8(frames_of(mr), float(mr.WindowCenter), float(mr.WindowWidth), 1.0, 0.0)
    check("mr_window: stored window applied", np.array_equal(frames_of(o), exp))
    if "SmallestImagePixelValue" in mr:
        check("mr_window: smallest/largest recomputed", (o.SmallestImagePixelValue, o.LargestImagePixelValue)
              == (int(exp.min()), int(exp.max())), f"{o.SmallestImagePixelValue},{o.LargestImagePixelValue}")
    provenance("mr_window", mr, o, derivation=["VOI8BIT"], sop_class=SC)
    readers("mr_window", p)
    no_new_errors("mr_window", MR, p)

# RGB: per-component operations.
RGB = corpus("native/examples_rgb_color.dcm")
rgb = read(RGB)
p = derive("rgb_crop_resize", RGB, "--crop", "5,7,150,120", "--resize", "64x50")
if p:
    o = read(p)
    exp = area_resize(frames_of(rgb)[:, 7:127, 5:155], 64, 50)
    check("rgb_crop_resize: pixels per component", np.array_equal(frames_of(o), exp))
    check("rgb_crop_resize: RGB interleaved", (o.PhotometricInterpretation, o.PlanarConfiguration) == ("RGB", 0))
    provenance("rgb_crop_resize", rgb, o, derivation=["CROP", "113085"])
    readers("rgb_crop_resize", p)
    no_new_errors("rgb_crop_resize", RGB, p)

# --- RT Dose: frame extraction with Grid Frame Offset Vector ----------------------------------------
DOSE = corpus("native/rtdose.dcm")
dose = read(DOSE)
dp = frames_of(dose)
offsets = floats(dose.GridFrameOffsetVector)
p = derive("dose_frames", DOSE, "--frames", "2,4-5")
if p:
    o = read(p)
    idx = [1, 3, 4]
    check("dose_frames: pixels", np.array_equal(frames_of(o), dp[idx]))
    check("dose_frames: Number of Frames", int(o.NumberOfFrames) == 3)
    normal = np.cross(floats(dose.ImageOrientationPatient[:3]), floats(dose.ImageOrientationPatient[3:]))
    exp = np.array(floats(dose.ImagePositionPatient)) + (offsets[1] - offsets[0]) * normal
    check("dose_frames: image position at frame 2", np.allclose(floats(o.ImagePositionPatient), exp, atol=1e-4))
    rel = offsets[0] == 0
    exp_off = [offsets[i] - (offsets[1] if rel else 0) for i in idx]
    check("dose_frames: grid frame offsets", np.allclose(floats(o.GridFrameOffsetVector), exp_off), f"{o.GridFrameOffsetVector}")
    fes = o.FrameExtractionSequence[-1]
    check("dose_frames: frame extraction source", fes.MultiFrameSourceSOPInstanceUID == dose.SOPInstanceUID)
    check("dose_frames: simple frame list", [int(x) for x in fes.SimpleFrameList] == [2, 4, 5])
    check("dose_frames: dose scaling kept", float(o.DoseGridScaling) == float(dose.DoseGridScaling))
    provenance("dose_frames", dose, o, frames=[2, 4, 5], derivation=["113091"], text="frames 2,4-5 of 15")
    readers("dose_frames", p)
    no_new_errors("dose_frames", DOSE, p)

split = os.path.join(WORK, "split")
os.makedirs(split, exist_ok=True)
r = run([TOOL, "derive", "--split-frames", "--frames", "1-3", DOSE, "-o", os.path.join(split, "dose.dcm")])
check("dose_split: exit status", r.returncode == 0, r.stderr)
names = sorted(os.listdir(split))
check("dose_split: file names", names == ["dose_f0001.dcm", "dose_f0002.dcm", "dose_f0003.dcm"], str(names))
uids = set()
for k, n in enumerate(names[:3], start=1):
    o = read(os.path.join(split, n))
    uids.add(o.SOPInstanceUID)
    check(f"dose_split {k}: pixels", np.array_equal(frames_of(o), dp[[k - 1]]))
    check(f"dose_split {k}: one frame", int(o.NumberOfFrames) == 1)
    exp = np.array(floats(dose.ImagePositionPatient)) + (offsets[k - 1] - offsets[0]) * np.cross(
        floats(dose.ImageOrientationPatient[:3]), floats(dose.ImageOrientationPatient[3:]))
    check(f"dose_split {k}: image position", np.allclose(floats(o.ImagePositionPatient), exp, atol=1e-4))
    provenance(f"dose_split {k}", dose, o, frames=[k], derivation=["113091"])
    if k == 2:
        readers("dose_split 2", os.path.join(split, n))
        no_new_errors("dose_split 2", DOSE, os.path.join(split, n))
check("dose_split: distinct instances", len(uids) == 3)

# --- Lossy copies through the transcode core ----------------------------------------------------------
p = derive("ct_crop_j2k", CT, "--crop", "10,20,64,48", "--lossy", "jpeg2000:ratio=10")
if p:
    o = read(p)
    ref = ctp[:, 20:68, 10:74]
    err = np.abs(frames_of(o) - ref)
    check("ct_crop_j2k: close to the crop", err.mean() < 20, f"mean error {err.mean()}")
    check("ct_crop_j2k: transfer syntax", o.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.91")
    check("ct_crop_j2k: lossy 01, method", o.LossyImageCompression == "01" and mv(o.LossyImageCompressionMethod) == ["ISO_15444_1"])
    provenance("ct_crop_j2k", ct, o, new_items=2, derivation=["CROP", "113040"])
    second = o.SourceImageSequence[-1]
    check("ct_crop_j2k: lossy item names the source", second.ReferencedSOPInstanceUID == ct.SOPInstanceUID)
    check("ct_crop_j2k: lossy item purpose 121320", second.PurposeOfReferenceCodeSequence[0].CodeValue == "121320")
    readers("ct_crop_j2k", p)
    no_new_errors("ct_crop_j2k", CT, p)

p = derive("ct_jpegls", CT, "--crop", "0,0,100,100", "--lossy", "jpegls:near=3")
if p:
    o = read(p)
    err = np.abs(frames_of(o) - ctp[:, :100, :100]).max()
    check("ct_jpegls: error within NEAR", err <= 3, f"max error {err}")
    check("ct_jpegls: syntax", o.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.81")
    readers("ct_jpegls", p)

p = derive("ct_8bit_jpeg", CT, "--to-8bit", "--window", "40,400", "--lossy", "jpeg:quality=85")
if p:
    o = read(p)
    err = np.abs(frames_of(o) - window8(ctp, 40, 400, 1.0, -1024.0))
    check("ct_8bit_jpeg: close to the windowed image", err.mean() < 4, f"mean error {err.mean()}")
    provenance("ct_8bit_jpeg", ct, o, new_items=2, derivation=["VOI8BIT", "113040"], sop_class=SC)
    readers("ct_8bit_jpeg", p)
    no_new_errors("ct_8bit_jpeg", CT, p)

# --- A chain: crop, then a lossy copy, then frame extraction, on a lossy multi-frame source --------
US = corpus("jpeg/baseline/examples_ybr_color.dcm")
us = read(US)
c1 = derive("chain1_crop", US, "--crop", "16,8,160,120")
# 4:2:2 keeps YBR_FULL_422, which the Ultrasound IOD allows for JPEG (4:4:4 gives YBR_FULL, which it does not).
c2 = c1 and derive("chain2_lossy", c1, "--lossy", "jpeg:quality=80,subsampling=422")
c3 = c2 and derive("chain3_frames", c2, "--frames", "1,3")
if c3:
    o1, o2, o3 = read(c1), read(c2), read(c3)
    ref = frames_of(us)[:, 8:128, 16:176]
    check("chain1: crop of the decoded frames (within 2 of pydicom's decoder)",
          np.abs(frames_of(o1) - ref).max() <= 2, f"max {np.abs(frames_of(o1) - ref).max()}")
    check("chain1: lossy source stays lossy", o1.LossyImageCompression == "01")
    provenance("chain1", us, o1, derivation=["CROP"])
    provenance("chain2", o1, o2, purpose="121330", derivation=["113040"])
    provenance("chain3", o2, o3, frames=[1, 3], derivation=["113092"])
    d3 = np.abs(frames_of(o3) - frames_of(o2)[[0, 2]]).max()
    check("chain3: frames (within 3 of pydicom's decoder and colour conversion)", d3 <= 3, f"max {d3}")
    sis = o3.SourceImageSequence
    check("chain3: whole history in Source Image Sequence", len(sis) == 3 and [i.ReferencedSOPInstanceUID for i in sis]
          == [us.SOPInstanceUID, o1.SOPInstanceUID, o2.SOPInstanceUID])
    r = run([TOOL, "dump", "--tag", "SourceImageSequence", c3])
    check("chain3: dump --tag SourceImageSequence shows 3 items",
          "3 items" in r.stdout and all(u in r.stdout for u in [us.SOPInstanceUID, o1.SOPInstanceUID, o2.SOPInstanceUID]),
          r.stdout[:400])
    ratios = mv(o3.LossyImageCompressionRatio)
    check("chain3: ratios appended, never reset", o3.LossyImageCompression == "01" and len(ratios) >= 2, str(ratios))
    for n, path, src in [("chain1", c1, US), ("chain2", c2, c1), ("chain3", c3, c2)]:
        readers(n, path)
        no_new_errors(n, src, path)
    print(r.stdout)

for f in failed:
    print("FAIL", f)
print(f"{passed} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)

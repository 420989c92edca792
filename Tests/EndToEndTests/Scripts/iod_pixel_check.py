#!/usr/bin/env python3
"""Lossy output in what its IOD permits (PS3.3 C.8.5.6.1.2, C.8.5.6.1.16, A.8.5.4), checked with the
built binary, `dicomtool validate` and dicom3tools' dciodvfy:

* `transcode --jpeg` of the RGB Ultrasound image (pydicom's examples_rgb_color.dcm) writes
  YBR_FULL_422 with Planar Configuration 0: validate reports nothing, and dciodvfy reports no
  Photometric Interpretation or Planar Configuration error;
* `--subsampling 444` there is refused with exit status 80, one line naming the IOD and the
  section, and nothing is written; on a Secondary Capture image it still writes YBR_FULL;
* the same for a multi-frame True Color Secondary Capture image (A.8.5.4);
* validate reports iod.pixel.value on the Ultrasound image written with YBR_FULL (what dicomtool
  wrote before), naming C.8.5.6.1.2 and C.8.5.6.1.16.
Usage: iod_pixel_check.py DICOMTOOL WORK_DIR ; prints 'ok ...' lines and 'N checks, M failed'."""
import json
import os
import subprocess
import sys
import warnings

import pydicom
from pydicom.data import get_testdata_file

warnings.filterwarnings("ignore")


def dciodvfy_pixel_errors(path):
    run = subprocess.run(["dciodvfy", path], capture_output=True)
    text = (run.stdout + run.stderr).decode("latin-1")
    return [line for line in text.splitlines() if line.startswith("Error")
            and ("Photometric Interpretation" in line or "Planar Configuration" in line or "PhotometricInterpretation" in line)]


def findings(tool, path):
    run = subprocess.run([tool, "validate", "--format", "json", path], capture_output=True, text=True)
    out = []
    for line in run.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        out += [f for f in (record.get("validation") or {}).get("findings", []) if isinstance(f, dict)]
    return run.returncode, out


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    checks, failures = 0, []

    def expect(condition, what):
        nonlocal checks
        checks += 1
        if condition:
            print("ok", what)
        else:
            failures.append(what)

    us = get_testdata_file("examples_rgb_color.dcm")
    out = os.path.join(work, "us_jpeg.dcm")
    r = subprocess.run([tool, "transcode", "-q", "--jpeg", us, "-o", out], capture_output=True, text=True)
    expect(r.returncode == 0, f"transcode --jpeg of the US RGB image succeeds ({r.stderr.strip()})")
    if r.returncode == 0:
        ds = pydicom.dcmread(out)
        expect((ds.PhotometricInterpretation, ds.PlanarConfiguration) == ("YBR_FULL_422", 0),
               f"US JPEG output is YBR_FULL_422, planar 0 (got {ds.PhotometricInterpretation}, {ds.PlanarConfiguration})")
        status, found = findings(tool, out)
        expect(status == 0 and not [f for f in found if f.get("rule") == "iod.pixel.value"],
               f"validate of the US JPEG output is clean (status {status}, {found})")
        errors = dciodvfy_pixel_errors(out)
        expect(not errors, f"dciodvfy reports no Photometric Interpretation / Planar Configuration error ({errors})")

    refused = os.path.join(work, "us_444.dcm")
    r = subprocess.run([tool, "transcode", "-q", "--jpeg", "--subsampling", "444", us, "-o", refused],
                       capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    expect(r.returncode == 80 and not os.path.exists(refused) and len(lines) == 1
           and "Ultrasound Image Storage" in lines[0] and "C.8.5.6.1.2" in lines[0],
           f"--subsampling 444 on US is refused with status 80 in one line naming the IOD and section "
           f"(status {r.returncode}: {r.stderr.strip()})")

    # What dicomtool wrote before: YBR_FULL, planar 0, in JPEG Baseline. validate must say so.
    if os.path.exists(out):
        ds = pydicom.dcmread(out)
        ds.PhotometricInterpretation = "YBR_FULL"
        old = os.path.join(work, "us_ybr_full.dcm")
        ds.save_as(old)
        status, found = findings(tool, old)
        sections = {f.get("reference") for f in found if f.get("rule") == "iod.pixel.value"}
        expect(status == 83 and {"PS3.3 C.8.5.6.1.2", "PS3.3 C.8.5.6.1.16"} <= sections,
               f"validate reports YBR_FULL and Planar Configuration 0 in a JPEG US image (status {status}, {sorted(sections)})")

    # Secondary Capture: YBR_FULL from --subsampling 444 is still written (no SC rule forbids it).
    sc = os.path.join(work, "sc_rgb.dcm")
    ds = pydicom.dcmread(us)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7"
    ds.save_as(sc)
    sc444 = os.path.join(work, "sc_444.dcm")
    r = subprocess.run([tool, "transcode", "-q", "--jpeg", "--subsampling", "444", sc, "-o", sc444], capture_output=True, text=True)
    expect(r.returncode == 0 and pydicom.dcmread(sc444).PhotometricInterpretation == "YBR_FULL",
           f"--subsampling 444 on a Secondary Capture image writes YBR_FULL ({r.stderr.strip()})")

    # Multi-frame True Color SC (A.8.5.4): JPEG gives YBR_FULL_422 by default, 444 is refused.
    tc = os.path.join(work, "tc_rgb.dcm")
    ds = pydicom.dcmread(us)
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.7.4"
    ds.NumberOfFrames = 1
    ds.save_as(tc)
    tc_out = os.path.join(work, "tc_jpeg.dcm")
    r = subprocess.run([tool, "transcode", "-q", "--jpeg", tc, "-o", tc_out], capture_output=True, text=True)
    expect(r.returncode == 0 and pydicom.dcmread(tc_out).PhotometricInterpretation == "YBR_FULL_422"
           and not dciodvfy_pixel_errors(tc_out),
           f"True Color SC to JPEG is YBR_FULL_422 and dciodvfy-clean ({r.stderr.strip()})")
    r = subprocess.run([tool, "transcode", "-q", "--jpeg", "--subsampling", "444", tc, "-o", tc_out + ".444"],
                       capture_output=True, text=True)
    expect(r.returncode == 80 and "A.8.5.4" in r.stderr and not os.path.exists(tc_out + ".444"),
           f"--subsampling 444 on True Color SC is refused naming A.8.5.4 ({r.returncode}: {r.stderr.strip()})")

    for f in failures:
        print("FAIL", f)
    print(f"{checks} checks, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

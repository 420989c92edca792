#!/usr/bin/env python3
"""Reads `dicomtool anonymize` outputs with three independent readers and dicom3tools' dciodvfy.

Usage: anonymize_readback.py ORIGINAL_ROOT ANONYMIZED_ROOT RELATIVE_PATH...
For each path: dcmdump (dcmtk) and gdcmdump (GDCM) read the output with exit status 0 and no
error line; pydicom reads it, and its Pixel Data bytes (fragment by fragment when encapsulated)
equal the original's (the profile leaves pixels untouched); dciodvfy reports no error on the output that it did not report on the input.
dciodvfy messages are compared with the values in <...> and "..." blanked: anonymization changes
every UID, name and date, so e.g. "StudyInstanceUID has same value as FrameOfReferenceUID <uid>"
found on the input is found again on the output with the new UID. pydicom also checks that
Patient ID and Patient's Name hold one pseudonym per original patient (ANON + 12 hex digits, the
same for the same ID and name across files, different for different ones) and that Patient
Identity Removed is YES. Prints one line per problem, then the patient count and
'N passed, M failed'; exit status 1 when any failed."""
import os
import re
import subprocess
import sys
import warnings

import pydicom

warnings.filterwarnings("ignore")
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE


def dciodvfy_errors(path):
    run = subprocess.run(["dciodvfy", path], capture_output=True)
    text = (run.stdout + run.stderr).decode("latin-1")
    errors = set()
    for line in text.splitlines():
        if line.startswith("Error"):
            errors.add(re.sub(r'"[^"]*"', '""', re.sub(r"<[^>]*>", "<>", line)).strip())
    return errors


def pixel_fragments(path):
    """Native Pixel Data as one bytes value; encapsulated as its fragments, an odd-length one
    with the pad byte that PS3.5 A.4 requires added (the writer pads the corpus's odd fragments,
    e.g. NM_Kakadu44_SOTmarkerincons.dcm; the codestream itself is unchanged)."""
    ds = pydicom.dcmread(path, force=True)
    if "PixelData" not in ds:
        return None
    raw = bytes(ds.PixelData)
    if not ds["PixelData"].is_undefined_length:
        return [raw]
    out = []
    for fragment in pydicom.encaps.generate_fragments(raw):
        out.append(fragment + b"\0" if len(fragment) % 2 else fragment)
    return out


PSEUDONYM = re.compile(r"ANON[0-9A-F]{12}")
# (original Patient ID, Patient's Name) -> pseudonym, and back, over every file checked.
pseudonyms, originals = {}, {}


def patient_pseudonym(original, anonymized):
    """Patient ID and Patient's Name become one keyed pseudonym per original patient: the same for
    the same (ID, name), different for different ones; Patient Identity Removed is YES."""
    a = pydicom.dcmread(original, stop_before_pixels=True, force=True)
    b = pydicom.dcmread(anonymized, stop_before_pixels=True, force=True)
    key = (str(a.get("PatientID", "") or "").strip(), str(a.get("PatientName", "") or "").strip().rstrip("^="))
    pid, name = str(b.get("PatientID", "") or ""), str(b.get("PatientName", "") or "")
    problems = []
    if b.get("PatientIdentityRemoved") != "YES":
        problems.append(f"Patient Identity Removed is {b.get('PatientIdentityRemoved')!r}, not YES")
    if key == ("", ""):
        return problems
    if "PatientID" in a and not PSEUDONYM.fullmatch(pid):
        problems.append(f"Patient ID {pid!r} is not a pseudonym")
    if "PatientName" in a and "PatientID" in a and name != pid:
        problems.append(f"Patient's Name {name!r} is not the Patient ID's pseudonym {pid!r}")
    if pseudonyms.setdefault(key, pid) != pid:
        problems.append(f"patient {key} got {pid}, another file of it {pseudonyms[key]}")
    if originals.setdefault(pid, key) != key:
        problems.append(f"pseudonym {pid} stands for {key} and for {originals[pid]}")
    return problems


def check(original, anonymized):
    problems = []
    run = subprocess.run(["dcmdump", "-q", anonymized], capture_output=True)
    err_lines = [l for l in (run.stdout + run.stderr).decode("latin-1").splitlines() if l.startswith("E:")]
    if run.returncode != 0 or err_lines:
        problems.append(f"dcmdump exit {run.returncode}: {err_lines[:2]}")
    run = subprocess.run(["gdcmdump", anonymized], capture_output=True)
    if run.returncode != 0:
        problems.append(f"gdcmdump exit {run.returncode}: {run.stderr.decode('latin-1')[:200]}")
    try:
        if pixel_fragments(original) != pixel_fragments(anonymized):
            problems.append("pydicom: Pixel Data bytes differ from the original's")
    except Exception as e:  # noqa: BLE001 - any reader failure is the finding
        problems.append(f"pydicom: {type(e).__name__}: {e}")
    try:
        problems += patient_pseudonym(original, anonymized)
    except Exception as e:  # noqa: BLE001
        problems.append(f"pydicom: {type(e).__name__}: {e}")
    new = sorted(dciodvfy_errors(anonymized) - dciodvfy_errors(original))
    if new:
        problems.append("dciodvfy errors not reported on the input: " + "; ".join(new[:3]))
    return problems


def main():
    original_root, anonymized_root, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    passed = failed = 0
    for rel in paths:
        problems = check(os.path.join(original_root, rel), os.path.join(anonymized_root, rel))
        if problems:
            failed += 1
            for p in problems:
                print(f"{rel}: {p}")
        else:
            passed += 1
    print(f"{len(pseudonyms)} patients, {len(set(pseudonyms.values()))} pseudonyms")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

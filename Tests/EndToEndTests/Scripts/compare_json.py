#!/usr/bin/env python3
"""Independent check of `dicomtool dump --json`: every file pydicom can read must give JSON that
pydicom's Dataset.from_json loads and that equals pydicom's own reading, element by element
(bulk data aside). Usage: compare_json.py DICOMTOOL CORPUS_DIR PATH... ; prints a summary line
'N passed, M failed' and one line per mismatch; exit 1 on any mismatch."""
import json
import os
import subprocess
import sys
import warnings

import numpy
import pydicom
from pydicom.dataset import Dataset

warnings.filterwarnings("ignore")
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE

BULK_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}


def norm(value, vr):
    """Comparable form of a pydicom value."""
    if value is None:
        return None
    if vr == "SQ":
        return [norm_ds(item) for item in value]
    if vr == "PN":
        vals = value if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]
        return [str(v).rstrip() or None for v in vals]
    vals = list(value) if isinstance(value, (list, pydicom.multival.MultiValue)) else [value]
    out = []
    for v in vals:
        if v is None or v == "":
            out.append(None)
        elif vr == "FL":
            try:
                out.append(float(numpy.float32(v)))
            except (TypeError, ValueError):
                out.append(str(v).strip())
        elif vr in ("DS", "FD"):
            try:
                out.append(round(float(v), 6))
            except (TypeError, ValueError):
                out.append(str(v).strip())
        elif vr in ("IS", "US", "SS", "UL", "SL", "SV", "UV"):
            try:
                out.append(int(v))
            except (TypeError, ValueError):
                out.append(str(v).strip())
        elif vr == "AT":
            out.append(int(v))
        else:
            out.append(str(v).strip(" \x00") if vr not in ("LT", "ST", "UT") else str(v).rstrip(" \x00"))
    return out


def empty(v):
    return v is None or v == [] or v == [None]


def norm_ds(ds):
    out = {}
    for elem in ds:
        if elem.tag.element == 0:  # group lengths are not in the JSON model
            continue
        vr = elem.VR
        if vr in BULK_VRS or elem.tag == 0x7FE00010:
            continue
        out[int(elem.tag)] = (vr, norm(elem.value, vr))
    return out


def load_known():
    known = {}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "json_known_differences.tsv"), encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            if line.strip():
                path, tag, _reason = line.split("\t", 2)
                known.setdefault(path, set()).add(tag)
    return known


def main():
    tool, corpus, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    known = load_known()
    passed, failed, excused = 0, [], 0
    for rel in paths:
        path = os.path.join(corpus, rel)
        try:
            ref = pydicom.dcmread(path, force=True)
            ref_norm = norm_ds(ref)
        except Exception:
            continue  # pydicom cannot read it: not compared
        run = subprocess.run([tool, "dump", "--json", "--inline-max", "0", path], capture_output=True)
        if run.returncode != 0:
            failed.append(f"{rel}: dicomtool exit {run.returncode}: {run.stderr.decode(errors='replace').strip()[:200]}")
            continue
        try:
            ours = Dataset.from_json(run.stdout.decode("utf-8"), bulk_data_uri_handler=lambda *a: b"")
            our_norm = norm_ds(ours)
        except Exception as e:
            if "*" in known.get(rel, ()):
                excused += 1
                continue
            failed.append(f"{rel}: pydicom cannot load our JSON: {e!r}"[:300])
            continue
        diffs = []
        for tag in sorted(set(ref_norm) | set(our_norm)):
            if f"({tag >> 16:04X},{tag & 0xFFFF:04X})" in known.get(rel, ()):
                excused += 1
                continue
            a, b = ref_norm.get(tag), our_norm.get(tag)
            if a is not None and b is not None and empty(a[1]) and empty(b[1]):
                continue
            if a is None or b is None:
                # VR UN in pydicom's reading (unknown private) is bulk on both sides.
                diffs.append(f"({tag >> 16:04X},{tag & 0xFFFF:04X}) only in {'dicomtool' if a is None else 'pydicom'}")
            elif a[1] != b[1]:
                diffs.append(f"({tag >> 16:04X},{tag & 0xFFFF:04X}) {a[0]}: pydicom {str(a[1])[:80]} != dicomtool {str(b[1])[:80]}")
        if diffs:
            failed.append(f"{rel}: " + "; ".join(diffs[:4]) + (f" (+{len(diffs) - 4} more)" if len(diffs) > 4 else ""))
        else:
            passed += 1
    for f in failed:
        print(f)
    print(f"json: {passed} files equal pydicom's reading, {excused} known differences excused")
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

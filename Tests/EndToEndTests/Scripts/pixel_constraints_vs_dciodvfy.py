#!/usr/bin/env python3
"""Each row of the project's Image Pixel table (scripts/tables/image-pixel-constraints.tsv, as
generated into Sources/DicomCore/Generated/ImagePixelConstraints+Table.swift) against dicom3tools'
dciodvfy, which encodes the same PS3.3 rules: for every row, a crafted file that satisfies every
rule of the row's scope (in the row's transfer syntax, with the row's condition true) and the same
file with the row's attribute moved outside the allowed set. The row agrees with dciodvfy when
dciodvfy reports an error on that attribute for the second file and none for the first; `dicomtool
validate` must report iod.pixel.value for the second and not the first. Rows where dciodvfy differs
are printed with the table's note (their reason); the exit status is 1 only when dicomtool itself
misses or invents a finding.
Usage: pixel_constraints_vs_dciodvfy.py DICOMTOOL WORK_DIR"""
import itertools
import json
import os
import re
import subprocess
import sys
import warnings

import pydicom
from pydicom.data import get_testdata_file
from pydicom.encaps import encapsulate

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SYNTAX = {"native": "1.2.840.10008.1.2.1", "rle": "1.2.840.10008.1.2.5", "jpeg-lossy": "1.2.840.10008.1.2.4.50",
          "jpeg-lossless": "1.2.840.10008.1.2.4.70", "jpegls-lossless": "1.2.840.10008.1.2.4.80",
          "jpegls-near": "1.2.840.10008.1.2.4.81", "j2k-lossless": "1.2.840.10008.1.2.4.90",
          "j2k-lossy": "1.2.840.10008.1.2.4.91", "mpeg": "1.2.840.10008.1.2.4.100"}
NAMES = {"SamplesPerPixel": "Samples per Pixel", "PhotometricInterpretation": "Photometric Interpretation",
         "PlanarConfiguration": "Planar Configuration", "BitsAllocated": "Bits Allocated", "BitsStored": "Bits Stored",
         "HighBit": "High Bit", "PixelRepresentation": "Pixel Representation"}
PIS = ["MONOCHROME2", "MONOCHROME1", "PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_420", "YBR_RCT", "YBR_ICT"]
COLOUR = {"RGB", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_420", "YBR_RCT", "YBR_ICT"}


def generated_rules():
    text = open(os.path.join(ROOT, "Sources/DicomCore/Generated/ImagePixelConstraints+Table.swift"), encoding="utf-8").read()
    blocks = re.findall(r'#"""\n(.*?)\n"""#', text, re.S)
    scopes = {}
    for line in blocks[0].split("\n"):
        i, name, uids = line.split("\t")
        scopes[i] = (name, uids.split(","))
    rules = []
    for line in blocks[1].split("\n"):
        i, _tag, keyword, when, allowed, section = line.split("\t")
        cond = dict(p.split("=", 1) for p in when.split(" & ") if p)
        rules.append({"scope": i, "name": scopes[i][0], "uids": scopes[i][1], "attribute": keyword,
                      "pi": cond["pi"].split("|") if "pi" in cond else None,
                      "ts": cond["ts"].split("|") if "ts" in cond else None, "allowed": allowed, "section": section})
    return rules


def permits(rule, values):
    v = values[rule["attribute"]]
    if rule["allowed"] == "BitsStored-1":
        return v == values["BitsStored"] - 1
    if rule["attribute"] == "PhotometricInterpretation":
        return v in rule["allowed"].split("|")
    allowed = set()
    for part in rule["allowed"].split("|"):
        lo, _, hi = part.partition("-")
        allowed.update(range(int(lo), int(hi or lo) + 1))
    return v in allowed


def applies(rule, values, ts):
    return (rule["pi"] is None or values["PhotometricInterpretation"] in rule["pi"]) and (rule["ts"] is None or ts in rule["ts"])


def candidates():
    for pi, ba, bs, pr, planar in itertools.product(PIS, (8, 16, 1), (8, 12, 16, 10, 1), (0, 1), (0, 1)):
        if bs > ba:
            continue
        spp = 3 if pi in COLOUR else 1
        yield {"PhotometricInterpretation": pi, "SamplesPerPixel": spp, "BitsAllocated": ba, "BitsStored": bs,
               "HighBit": bs - 1, "PixelRepresentation": pr, "PlanarConfiguration": planar if spp == 3 else None}


def plan(row, rules):
    """(syntax class, good values, bad values) for a row, or None when none can be built."""
    scope = [r for r in rules if r["scope"] == row["scope"]]
    for ts in row["ts"] or list(SYNTAX):
        built = plan_in(row, scope, ts)
        if built:
            return built
    return None


def plan_in(row, scope, ts):
    for good in candidates():
        if row["pi"] and good["PhotometricInterpretation"] not in row["pi"]:
            continue
        if good["PhotometricInterpretation"] in ("YBR_FULL_422", "YBR_PARTIAL_420") and ts == "native":
            continue
        if any(applies(r, good, ts) and not permits(r, good) for r in scope):
            continue
        for bad_value in bad_values(row):
            bad = dict(good)
            bad[row["attribute"]] = bad_value
            if row["attribute"] == "PhotometricInterpretation":
                bad["SamplesPerPixel"] = good["SamplesPerPixel"] if (bad_value in COLOUR) == (good["SamplesPerPixel"] == 3) else None
                if bad["SamplesPerPixel"] is None:
                    continue
            if applies(row, bad, ts) and not permits(row, bad):
                return ts, good, bad
    return None


def bad_values(row):
    if row["attribute"] == "PhotometricInterpretation":
        return [p for p in PIS if p not in row["allowed"].split("|")]
    return [0, 1, 3, 7, 8, 9, 10, 11, 13, 14, 15, 16]


def craft(path, sop, ts, values):
    ds = pydicom.dcmread(get_testdata_file("examples_rgb_color.dcm"))
    ds.file_meta.TransferSyntaxUID = SYNTAX[ts]
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = sop
    ds.NumberOfFrames = 1
    for k, v in values.items():
        if v is None:
            if k in ds:
                delattr(ds, k)
        else:
            setattr(ds, k, v)
    ds.Rows, ds.Columns = 16, 16
    if ts == "native":
        size = 16 * 16 * values["SamplesPerPixel"] * values["BitsAllocated"] // 8
        ds.PixelData = bytes(size)
        ds["PixelData"].VR = "OW" if values["BitsAllocated"] > 8 else "OB"
    else:
        ds.PixelData = encapsulate([b"\xff\xd8\xff\xd9"])
        ds["PixelData"].VR = "OB"
    ds.save_as(path, enforce_file_format=True)


def dciodvfy_flags(path, attribute):
    run = subprocess.run(["dciodvfy", path], capture_output=True)
    text = (run.stdout + run.stderr).decode("latin-1")
    name = NAMES[attribute]
    return [l for l in text.splitlines() if l.startswith("Error") and (f"<{name}>" in l or f"<{attribute}>" in l)
            and "Missing" not in l and "condition unsatisfied" not in l]


def ours_flags(tool, path, attribute):
    run = subprocess.run([tool, "validate", "--format", "json", path], capture_output=True, text=True)
    hits = []
    for line in run.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        hits += [f for f in (record.get("validation") or {}).get("findings", [])
                 if f.get("rule") == "iod.pixel.value" and f.get("path") == attribute]
    return hits


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    notes = {}
    with open(os.path.join(ROOT, "scripts/tables/image-pixel-constraints.tsv"), encoding="utf-8") as f:
        lines = [l for l in f.read().split("\n") if l and not l.startswith("#")]
    for n, line in enumerate(lines[1:]):
        cells = line.split("\t") + [""] * 6
        notes[n] = cells[5]
    rules = generated_rules()
    agree, differ, ours_wrong, unbuilt = 0, [], [], []
    for n, row in enumerate(rules):
        p = plan(row, rules)
        label = f"{row['name']} {row['attribute']} {'pi=' + '|'.join(row['pi']) + ' ' if row['pi'] else ''}" \
                f"{'ts=' + '|'.join(row['ts']) + ' ' if row['ts'] else ''}allowed {row['allowed']} ({row['section']})"
        if p is None:
            unbuilt.append(label)
            continue
        ts, good, bad = p
        sop = row["uids"][0]
        g, b = os.path.join(work, f"row{n}_good.dcm"), os.path.join(work, f"row{n}_bad.dcm")
        craft(g, sop, ts, good)
        craft(b, sop, ts, bad)
        theirs_good, theirs_bad = dciodvfy_flags(g, row["attribute"]), dciodvfy_flags(b, row["attribute"])
        ours_good, ours_bad = ours_flags(tool, g, row["attribute"]), ours_flags(tool, b, row["attribute"])
        if ours_good or not ours_bad:
            ours_wrong.append(f"{label}: dicomtool good={len(ours_good)} bad={len(ours_bad)} ({bad[row['attribute']]})")
        if not theirs_good and theirs_bad:
            agree += 1
        else:
            differ.append(f"{label}: with {row['attribute']} {bad[row['attribute']]!r} dciodvfy "
                          f"{'also flags the permitted value' if theirs_good else 'reports nothing'}"
                          f"{' -- ' + notes.get(n, '') if notes.get(n) else ''}")
    for line in differ:
        print("differs:", line)
    for line in unbuilt:
        print("not built:", line)
    for line in ours_wrong:
        print("FAIL", line)
    print(f"{len(rules)} rows: {agree} agree with dciodvfy, {len(differ)} differ, {len(unbuilt)} not built, "
          f"{len(ours_wrong)} dicomtool failures")
    return 1 if ours_wrong else 0


if __name__ == "__main__":
    sys.exit(main())

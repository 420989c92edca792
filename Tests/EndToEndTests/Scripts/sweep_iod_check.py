#!/usr/bin/env python3
"""Every output of the readback sweeps (lossy_readback.py, bitdepth_readback.py: the images of
readback_support.make in every target) against its source, by `dicomtool validate` and by
dicom3tools' dciodvfy: an output may carry no validate error or warning and no dciodvfy error that
its source does not (issue 14 item 4: lossy output only in what its IOD permits).

Usage: sweep_iod_check.py DICOMTOOL WORK_DIR
Runs both sweeps into WORK_DIR/lossy and WORK_DIR/bitdepth (their own failures are theirs to
report and are not repeated here), then prints each new finding and
'N outputs checked (L lossy), D new dicomtool findings, E new dciodvfy errors'."""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def dicomtool_findings(tool, path):
    run = subprocess.run([tool, "validate", "--format", "json", path], capture_output=True, text=True)
    out = set()
    for line in run.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        for f in (record.get("validation") or {}).get("findings", []):
            if isinstance(f, dict) and f.get("severity") in ("error", "warning"):
                out.add(f"{f.get('severity')} {f.get('rule')} {f.get('path')}: {f.get('message')}")
    return out


def dciodvfy_errors(path):
    run = subprocess.run(["dciodvfy", path], capture_output=True)
    text = (run.stdout + run.stderr).decode("latin-1")
    return {line.strip() for line in text.splitlines() if line.startswith("Error")}


def is_lossy(path):
    run = subprocess.run(["dcmdump", "+P", "0028,2110", path], capture_output=True, text=True)
    return "[01]" in run.stdout


def main():
    tool, work = sys.argv[1], sys.argv[2]
    for script, sub in (("lossy_readback.py", "lossy"), ("bitdepth_readback.py", "bitdepth")):
        d = os.path.join(work, sub)
        r = subprocess.run([sys.executable, os.path.join(HERE, script), tool, d], capture_output=True, text=True)
        print(f"{script}: {(r.stdout.strip().splitlines() or ['(no output)'])[-1]}")
    checked = lossy = 0
    new_ours, new_theirs = [], []
    cache = {}

    def source_facts(src):
        if src not in cache:
            cache[src] = (dicomtool_findings(tool, src), dciodvfy_errors(src))
        return cache[src]

    for sub in ("lossy", "bitdepth"):
        for out in sorted(glob.glob(os.path.join(work, sub, "out_*.dcm"))):
            if out.endswith(".ours.dcm") or out.endswith(".peer.dcm"):
                continue
            base = os.path.basename(out)[len("out_"):-len(".dcm")]
            name = base[:base.index("--")].rstrip("_") if "--" in base else base
            src = os.path.join(work, sub, f"src_{name}.dcm")
            if not os.path.exists(src):
                print(f"no source for {out}")
                continue
            checked += 1
            lossy += is_lossy(out)
            ours_src, theirs_src = source_facts(src)
            for f in sorted(dicomtool_findings(tool, out) - ours_src):
                new_ours.append(f"{sub}/{os.path.basename(out)}: {f}")
            for e in sorted(dciodvfy_errors(out) - theirs_src):
                new_theirs.append(f"{sub}/{os.path.basename(out)}: {e}")
    for line in new_ours:
        print("dicomtool:", line)
    for line in new_theirs:
        print("dciodvfy:", line)
    print(f"{checked} outputs checked ({lossy} lossy), {len(new_ours)} new dicomtool findings, {len(new_theirs)} new dciodvfy errors")
    return 1 if new_ours or new_theirs or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

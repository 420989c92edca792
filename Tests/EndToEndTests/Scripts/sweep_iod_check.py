#!/usr/bin/env python3
"""Every output of the readback sweeps (lossy_readback.py, bitdepth_readback.py: the images of
readback_support.make in every target) against its source, by `dicomtool validate` and by
dicom3tools' dciodvfy: an output may carry no validate error or warning and no dciodvfy error that
its source does not (issue 14 item 4: lossy output only in what its IOD permits). The
retired-syntax warning of --big-endian outputs is what was asked for, and dciodvfy reads neither
deflated nor HTJ2K files: see readback_support.new_iod_problems.

Usage: sweep_iod_check.py DICOMTOOL WORK_DIR [--compare-only]
Runs both sweeps into WORK_DIR/lossy and WORK_DIR/bitdepth (each also fails on such a finding
itself, through readback_support.new_iod_problems; their last lines are repeated), then prints each new finding and
'N outputs checked (L lossy), D new dicomtool findings, E new dciodvfy errors'. With
--compare-only the sweeps are not run again (their outputs are already in WORK_DIR)."""
import glob
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from readback_support import new_iod_problems  # noqa: E402


def is_lossy(path):
    run = subprocess.run(["dcmdump", "+P", "0028,2110", path], capture_output=True, text=True)
    return "[01]" in run.stdout


def main():
    tool, work = sys.argv[1], sys.argv[2]
    rerun = "--compare-only" not in sys.argv[3:]
    for script, sub in (("lossy_readback.py", "lossy"), ("bitdepth_readback.py", "bitdepth")) if rerun else ():
        d = os.path.join(work, sub)
        r = subprocess.run([sys.executable, os.path.join(HERE, script), tool, d], capture_output=True, text=True)
        print(f"{script}: {(r.stdout.strip().splitlines() or ['(no output)'])[-1]}")
    checked = lossy = 0
    new_ours, new_theirs = [], []
    for sub in ("lossy", "bitdepth"):
        for out in sorted(glob.glob(os.path.join(work, sub, "out_*.dcm"))):
            if os.path.basename(out).count(".dcm") > 1:
                continue  # the sweeps' own decodes (.ours.dcm, .gdcm.dcm, .peer.dcm...)
            base = os.path.basename(out)[len("out_"):-len(".dcm")]
            name = base[:base.index("--")].rstrip("_") if "--" in base else base
            src = os.path.join(work, sub, f"src_{name}.dcm")
            if not os.path.exists(src):
                print(f"no source for {out}")
                continue
            checked += 1
            lossy += is_lossy(out)
            for p in new_iod_problems(tool, src, out):
                kind, _, text = p.partition(": ")
                (new_ours if kind == "validate" else new_theirs).append(f"{sub}/{os.path.basename(out)}: {text}")
    for line in new_ours:
        print("dicomtool:", line)
    for line in new_theirs:
        print("dciodvfy:", line)
    print(f"{checked} outputs checked ({lossy} lossy), {len(new_ours)} new dicomtool findings, {len(new_theirs)} new dciodvfy errors")
    return 1 if new_ours or new_theirs or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Encapsulation options against the peers: every encapsulated lossless target with
--offset-table basic, extended and none, and (where the syntax allows a frame in several
fragments) --fragment-size 256, over a 3-frame grey, a 2-frame RGB and a single-frame signed
image. What dicomtool writes must decode to the source values in pydicom (each plugin that takes
it), dcmtk (where dcmtk 3.6.7 has a decoder) and GDCM; the combinations the standard forbids must
be refused as usage errors, written nowhere; and the same options on a source already in the target
syntax must give the layout asked for, not the source's copied (RLE and the frame-wise syntaxes keep a frame in one fragment, PS3.5
A.4; the Extended Offset Table requires it too, PS3.3 C.7.6.3.1.8).

GDCM 3.0 decodes no multi-frame JPEG-LS or JPEG 2000 whose frames span several fragments, whoever
wrote them: those cases skip GDCM after checking that it still fails on pydicom's encapsulation
of the same codestreams.
Usage: fragments_readback.py DICOMTOOL WORK_DIR ; prints failures and 'N decoder checks, M failed'."""
import os
import subprocess
import sys
import warnings

import pydicom
from pydicom.encaps import encapsulate, generate_fragments, generate_frames

from readback_support import (dcmtk_decodes, finish, gdcm_decodes, make, pydicom_decodes, stored_array,
                              stored_values, values_differ)

warnings.filterwarnings("ignore")

TARGETS = {
    "--rle": ["dcmdrle"],
    "--jpeg-lossless": ["dcmdjpeg", "+cn"],
    "--jpegls": ["dcmdjpls"],
    "--jpeg2000": None,
    "--encapsulated-uncompressed": None,
    "--deflate-frames": None,
}
ONE_FRAGMENT_A_FRAME = ("--rle", "--encapsulated-uncompressed", "--deflate-frames")
# Syntaxes neither dcmtk 3.6.7, GDCM 3.0.21 nor pydicom 3.0.2 decodes: checked by --verify only.
OWN_ONLY = ("--encapsulated-uncompressed", "--deflate-frames")
USAGE = 1  # dicomtool's exit status for a usage error (README)
CASES = [(16, 12, False, "MONOCHROME2", 0, 3), (8, 8, False, "RGB", 0, 2), (16, 16, True, "MONOCHROME2", 0, 1)]


def gdcm_fails_on_split_frames(out, work):
    """Whether GDCM also fails on pydicom's encapsulation of the same frames, two fragments each."""
    ds = pydicom.dcmread(out)
    frames = list(generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1))))
    ds.PixelData = encapsulate(frames, fragments_per_frame=2, has_bot=True)
    for tag in (0x7FE00001, 0x7FE00002):
        if tag in ds:
            del ds[tag]
    peer = os.path.join(work, "pydicom-split.dcm")
    ds.save_as(peer)
    return gdcm_decodes(peer)[0] is None


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    checks, failures = 0, []
    for case in CASES:
        bits_allocated, bits_stored, signed, photometric, planar, frames = case
        name = f"{bits_allocated}_{bits_stored}_{photometric}_{frames}"
        src = os.path.join(work, f"src_{name}.dcm")
        values = make(src, *case)
        for flag, dcmtk in TARGETS.items():
            for table in ("basic", "extended", "none"):
                for size in (None, "256"):
                    options = [flag, "--offset-table", table] + (["--fragment-size", size] if size else [])
                    label = f"{' '.join(options)} on {photometric} {bits_stored} of {bits_allocated} bits, {frames} frame(s)"
                    out = os.path.join(work, f"out_{name}{flag}_{table}_{size}.dcm")
                    r = subprocess.run([tool, "transcode", "-q", "--verify", *options, src, "-o", out], capture_output=True, text=True)
                    forbidden = size is not None and (flag in ONE_FRAGMENT_A_FRAME or table == "extended")
                    if forbidden:
                        if r.returncode != USAGE or os.path.exists(out):
                            failures.append(f"{label}: expected a usage error (status {USAGE}), got {r.returncode}: {r.stderr.strip()[:160]}")
                        continue
                    if r.returncode != 0:
                        failures.append(f"{label}: transcode failed: {r.stderr.strip()[:200]}")
                        continue
                    decoded = pydicom_decodes(pydicom.dcmread(out))
                    if not decoded and flag not in OWN_ONLY:
                        failures.append(f"{label}: no pydicom plugin decodes it")
                    if dcmtk:
                        arr, message = dcmtk_decodes(dcmtk, out)
                        if arr is None:
                            failures.append(f"{label}: dcmtk cannot decode it: {message[:200]}")
                        else:
                            decoded["dcmtk"] = arr
                    if flag not in OWN_ONLY:
                        gdcm_limit = size is not None and frames > 1 and flag in ("--jpegls", "--jpeg2000")
                        if gdcm_limit:
                            if not gdcm_fails_on_split_frames(out, work):
                                failures.append(f"{label}: GDCM now decodes split multi-frame {flag[2:]}: drop the GDCM skip")
                        else:
                            arr, message = gdcm_decodes(out)
                            if arr is None:
                                failures.append(f"{label}: GDCM cannot decode it: {message[:200]}")
                            else:
                                decoded["gdcm"] = arr
                    checks += len(decoded)
                    failures += [f"{label}: {reader} gives other values ({detail})"
                                 for reader, detail in values_differ(decoded, values, bits_stored, signed)]
                    # The same options on a source already in the target syntax: its frames pass
                    # through (not decoded) into the layout asked for, not its own layout copied.
                    if table == "basic" and size is None:
                        continue
                    again = out + ".again.dcm"
                    base = os.path.join(work, f"out_{name}{flag}_basic_None.dcm")
                    r = subprocess.run([tool, "transcode", "-q", *options, base, "-o", again], capture_output=True, text=True)
                    if r.returncode != 0:
                        failures.append(f"{label}, from the same syntax: transcode failed: {r.stderr.strip()[:200]}")
                        continue
                    ds = pydicom.dcmread(again)
                    items = list(generate_fragments(ds.PixelData))
                    has_eot = 0x7FE00001 in ds
                    if has_eot != (table == "extended") or (table != "basic" and len(items[0]) != 0) \
                            or (size is not None and len(items) - 1 <= frames):
                        failures.append(f"{label}, from the same syntax: layout not as asked (Extended Offset Table {has_eot}, "
                                        f"{len(items) - 1} fragments for {frames} frames, Basic Offset Table {len(items[0])} bytes)")
                    got = stored_values(stored_array(ds), bits_stored, signed, values.shape) if flag not in OWN_ONLY else None
                    if got is not None and (got.shape != values.shape or (got != values).any()):
                        failures.append(f"{label}, from the same syntax: pydicom gives other values")
    finish(failures, f"{checks} decoder checks")


if __name__ == "__main__":
    main()

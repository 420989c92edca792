#!/usr/bin/env python3
"""Every lossy target over grey, RGB, YBR_FULL and multi-frame images of several depths (the
generator of readback_support.py): what dicomtool writes (with --verify) must decode in dcmtk
(where dcmtk 3.6.7 has a decoder), GDCM (gdcmconv --raw) and pydicom with each plugin that takes
it, to what dicomtool itself decodes (compared as RGB where the stream is YCbCr; the decoders'
IDCT and colour conversions may differ by a few levels); near-lossless JPEG-LS stays within NEAR
of the source; the output adds no validate finding and no dciodvfy error to its source's (the
IOD's narrowing of the Image Pixel attributes, e.g. YBR_FULL_422 for JPEG in multi-frame True
Color SC, PS3.3 A.8.5.4). A combination that a target's profile does not allow must be refused with exit
status 80, never written (e.g. near-lossless JPEG-LS of a signed image with samples at the
ends of its range, which JPEG-LS's unsigned coding can swap).

GDCM 3.0 reads no HTJ2K syntax: for those files the script checks that GDCM still refuses them
(so a GDCM that learns HTJ2K makes it ask for the check to become a comparison).
Usage: lossy_readback.py DICOMTOOL WORK_DIR ; prints failures and 'N decoder checks, M refused, K failed'."""
import os
import subprocess
import sys
import warnings

import numpy as np
import pydicom
import pydicom.pixels

from readback_support import dcmtk_decodes, finish, gdcm_decodes, make, new_iod_problems, pydicom_decodes

warnings.filterwarnings("ignore")

# target flags -> (dcmtk decoder or None, tolerance against dicomtool's own decode, NEAR or None)
TARGETS = {
    "--jpeg --quality 90": (["dcmdjpeg"], 4, None),
    # (4:2:0: pydicom's libjpeg upsamples chroma differently from libjpeg-turbo: up to 8 levels.)
    "--jpeg --quality 75 --subsampling 420": (["dcmdjpeg"], 10, None),
    "--jpegls --near 2": (["dcmdjpls"], 0, 2),
    "--jpeg2000 --ratio 8": (None, 1, None),
    "--jpeg2000 --psnr 45": (None, 1, None),
    "--htj2k --ratio 4": (None, 1, None),
}
# (bits allocated, bits stored, signed, photometric interpretation, planar configuration, frames)
CASES = [(8, 8, False, "MONOCHROME2", 0, 1), (16, 12, False, "MONOCHROME2", 0, 1), (16, 16, True, "MONOCHROME2", 0, 1),
         (8, 8, False, "RGB", 0, 1), (8, 8, False, "RGB", 1, 1), (8, 8, False, "YBR_FULL", 0, 1),
         (16, 16, False, "RGB", 0, 1), (8, 8, False, "RGB", 0, 3), (16, 12, False, "MONOCHROME2", 0, 3)]


def as_rgb_values(source):
    """Pixels as the image shows them: YCbCr converted to RGB, everything else as stored."""
    ds = pydicom.dcmread(source) if isinstance(source, str) else source
    return pydicom.pixels.pixel_array(ds, as_rgb=True).astype(np.int64)


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    checks, refused, failures = 0, 0, []
    for case in CASES:
        bits_allocated, bits_stored, signed, photometric, planar, frames = case
        name = f"{bits_allocated}_{bits_stored}_{'s' if signed else 'u'}_{photometric}_{planar}_{frames}"
        src = os.path.join(work, f"src_{name}.dcm")
        values = make(src, *case)
        for flags, (dcmtk, tolerance, near) in TARGETS.items():
            label = f"{flags} {photometric} planar {planar}, {frames} frame(s), {bits_stored} of {bits_allocated} bits{' signed' if signed else ''}"
            out = os.path.join(work, f"out_{name}_{flags.replace(' ', '')}.dcm")
            r = subprocess.run([tool, "transcode", "-q", "--verify", *flags.split(), src, "-o", out], capture_output=True, text=True)
            if r.returncode == 80 and not os.path.exists(out):
                refused += 1  # the target's profile does not allow this image, said in one line
                continue
            if r.returncode != 0:
                failures.append(f"{label}: transcode status {r.returncode}: {r.stderr.strip()[:200]}")
                continue
            failures += [f"{label}: {p}" for p in new_iod_problems(tool, src, out)]
            ours_file = out + ".ours.dcm"
            d = subprocess.run([tool, "transcode", "-q", "--explicit", out, "-o", ours_file], capture_output=True, text=True)
            if d.returncode != 0:
                failures.append(f"{label}: dicomtool cannot decode its own output: {d.stderr.strip()[:200]}")
                continue
            ours = as_rgb_values(ours_file)
            if near is not None:
                stored = pydicom.pixels.pixel_array(pydicom.dcmread(ours_file), as_rgb=False).astype(np.int64)
                error = int(np.abs(stored.reshape(values.shape) - values).max())
                if error > near:
                    failures.append(f"{label}: max error {error} > NEAR {near}")
            decoded = pydicom_decodes(pydicom.dcmread(out), as_rgb=True)
            if not decoded:
                failures.append(f"{label}: no pydicom plugin decodes it")
            if dcmtk:
                arr, message = dcmtk_decodes(dcmtk, out, as_rgb=True)
                if arr is None:
                    failures.append(f"{label}: dcmtk cannot decode it: {message[:200]}")
                else:
                    decoded["dcmtk"] = arr
            arr, message = gdcm_decodes(out, as_rgb=True)
            if flags.startswith("--htj2k"):
                if arr is not None:
                    failures.append(f"{label}: GDCM now decodes HTJ2K: compare its pixels here")
            elif arr is not None:
                decoded["gdcm"] = arr
            else:
                failures.append(f"{label}: GDCM cannot decode it: {message[:200]}")
            for reader, arr in decoded.items():
                checks += 1
                arr = np.asarray(arr).astype(np.int64).reshape(ours.shape) if np.asarray(arr).size == ours.size else np.asarray(arr)
                if arr.shape != ours.shape:
                    failures.append(f"{label}: {reader} gives shape {arr.shape}, dicomtool {ours.shape}")
                    continue
                difference = int(np.abs(arr - ours).max())
                if difference > tolerance:
                    failures.append(f"{label}: {reader} differs from dicomtool's decode by {difference} (tolerance {tolerance})")
    finish(failures, f"{checks} decoder checks, {refused} refused by a profile")


if __name__ == "__main__":
    main()

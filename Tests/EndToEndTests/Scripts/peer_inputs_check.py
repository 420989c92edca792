#!/usr/bin/env python3
"""The other direction of the readback tests: images of many kinds (readback_support.py's
generator) encoded by the peers -- dcmcrle, dcmcjpeg (SV1 and predictor 7), dcmcjpls (lossless and
NEAR 2), gdcmconv (RLE, lossless JPEG, JPEG-LS, JPEG 2000 lossless and lossy), dcmconv (big endian,
deflate, implicit) -- must decode in dicomtool to the source values (lossless writers) or to what
pydicom decodes (lossy writers, within 1).

One exception is pinned: dcmcjpls's near-lossless streams of Bits Stored below 8 are read by
dcmtk's own CharLS 1.0 only; CharLS 2.4 (pyjpegls, and dicomtool)
refuses them and libjpeg (pylibjpeg) decodes them to other values. dicomtool must refuse them with
a clean decode error (exit 81) while pyjpegls refuses them too; if pyjpegls ever decodes them, the
script asks for the exception to go.
Usage: peer_inputs_check.py DICOMTOOL WORK_DIR ; prints failures and 'N decoded, M failed'."""
import os
import subprocess
import sys
import warnings

import numpy as np

from readback_support import COLOUR, GREY, finish, make, stored_array, stored_values

warnings.filterwarnings("ignore")

WRITERS = {
    "dcmcrle": ["dcmcrle"],
    "dcmcjpeg-sv1": ["dcmcjpeg", "+e1"],
    "dcmcjpeg-p7": ["dcmcjpeg", "+el", "+sv", "7"],
    "dcmcjpls": ["dcmcjpls"],
    "dcmcjpls-near2": ["dcmcjpls", "+en", "+md", "2"],
    "gdcmconv-rle": ["gdcmconv", "--rle"],
    "gdcmconv-jpeg": ["gdcmconv", "-J"],
    "gdcmconv-jpegls": ["gdcmconv", "--jpegls"],
    "gdcmconv-j2k": ["gdcmconv", "--j2k"],
    "gdcmconv-j2k-lossy": ["gdcmconv", "--j2k", "--lossy", "-q", "30"],
    "dcmconv-big-endian": ["dcmconv", "+tb"],
    "dcmconv-deflate": ["dcmconv", "+td"],
    "dcmconv-implicit": ["dcmconv", "+ti"],
}
LOSSY = ("dcmcjpls-near2", "gdcmconv-j2k-lossy")
EXIT_DECODE = 81


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    decoded, failures = 0, []
    for case in GREY + COLOUR:
        bits_allocated, bits_stored, signed, photometric, planar, frames = case
        name = f"{bits_allocated}_{bits_stored}_{'s' if signed else 'u'}_{photometric.replace(' ', '')}_{planar}_{frames}"
        src = os.path.join(work, f"src_{name}.dcm")
        values = make(src, *case)
        for writer, command in WRITERS.items():
            label = f"{writer} of {photometric} planar {planar}, {frames} frame(s), {bits_stored} of {bits_allocated} bits{' signed' if signed else ''}"
            peer = os.path.join(work, f"peer_{name}_{writer}.dcm")
            r = subprocess.run(command + [src, peer], capture_output=True, text=True)
            if r.returncode != 0 or not os.path.exists(peer):
                continue  # the peer does not write this kind
            out = peer + ".dicomtool.dcm"
            d = subprocess.run([tool, "transcode", "-q", "--explicit", peer, "-o", out], capture_output=True, text=True)
            dcmtk_dialect = writer == "dcmcjpls-near2" and bits_stored < 8
            if dcmtk_dialect:
                try:
                    stored_array(peer, "pyjpegls")
                    failures.append(f"{label}: CharLS (pyjpegls) now decodes dcmcjpls's low-precision near-lossless stream: "
                                    "drop the exception")
                except Exception:
                    pass
                if d.returncode != EXIT_DECODE or os.path.exists(out) or "\n" in d.stderr.strip():
                    failures.append(f"{label}: expected one clean decode error (exit {EXIT_DECODE}), got {d.returncode}: {d.stderr.strip()[:200]}")
                continue
            if d.returncode != 0:
                failures.append(f"{label}: dicomtool cannot decode it: {d.stderr.strip()[:200]}")
                continue
            decoded += 1
            got = stored_values(stored_array(out), bits_stored, signed, values.shape)
            if writer in LOSSY:
                reference = stored_values(stored_array(peer), bits_stored, signed, values.shape)
                if got.shape != reference.shape or int(np.abs(got - reference).max()) > 1:
                    failures.append(f"{label}: dicomtool and pydicom decode it differently")
            elif got.shape != values.shape or (got != values).any():
                failures.append(f"{label}: dicomtool gives other values than the source")
    finish(failures, f"{decoded} decoded")


if __name__ == "__main__":
    main()

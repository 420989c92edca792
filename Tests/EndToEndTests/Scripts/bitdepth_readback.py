#!/usr/bin/env python3
"""Every lossless target over images of many kinds: grey of Bits Allocated 8 and 16 with Bits
Stored from 2 up, unsigned and signed; RGB 8-bit by pixel and by plane, YBR_FULL, RGB 16-bit of
16, 12 and 8 bits stored, RGB 8-bit of 6 bits stored, PALETTE COLOR, multi-frame colour and grey.
Samples sit at 0 and at the top of the range. What dicomtool writes (with --verify) must decode
to the source values in dcmtk (where dcmtk 3.6.7 has a decoder), in GDCM (gdcmconv --raw), and
in pydicom with each plugin that takes it; `dicomtool validate` must report no codestream warning
or error, and the output may add no validate finding and no dciodvfy error to its source's. The corpus has few such kinds, and each peer has its own limits (dcmdjpls decodes no
JPEG-LS P below 8; pydicom sizes JPEG output from P; OpenJPEG's tile buffer overflowed on tiny
noisy colour images).

GDCM 3.0 reads no HTJ2K (checked as such), and it has limits of its own, whoever wrote the
file: it asserts (BitsAllocated == BitsStored, gdcmImageCodec.cxx) on RLE, lossless JPEG and
deflated data with Bits Allocated 8 and Bits Stored below 8, and it misdecodes 16-bit RGB RLE. Those cases skip GDCM after checking that GDCM still
fails on a peer's encoding of the same image (gdcmconv's own, or dcmconv's for deflate), so a
GDCM that learns to read them makes this script ask for the skip to go.
Usage: bitdepth_readback.py DICOMTOOL WORK_DIR ; prints failures and 'N decoder checks, M failed'."""
import os
import subprocess
import sys
import warnings

import pydicom

from readback_support import (COLOUR, GREY, codestream_problems, dcmtk_decodes, finish, gdcm_decodes, make,
                              new_iod_problems, pydicom_decodes, stored_values, values_differ)

warnings.filterwarnings("ignore")

# flag -> (dcmtk decoder or None, a peer command writing the same syntax: [tool, flags...])
TARGETS = {
    "--rle": (["dcmdrle"], ["gdcmconv", "--rle"]),
    "--jpeg-lossless": (["dcmdjpeg", "+cn"], ["gdcmconv", "-J"]),
    "--jpegls": (["dcmdjpls"], ["gdcmconv", "--jpegls"]),
    "--jpeg2000": (None, ["gdcmconv", "--j2k"]),
    "--htj2k": (None, None),
    "--explicit": (["dcmconv", "+te"], None),
    "--big-endian": (["dcmconv", "+te"], None),
    "--deflate": (["dcmconv", "+te"], ["dcmconv", "+td"]),
}
NATIVE = ("--explicit", "--big-endian", "--deflate")

def gdcm_cannot(bits_allocated, bits_stored, photometric, flag):
    """GDCM 3.0's own limits (see the module text)."""
    if bits_allocated == 8 and bits_stored < 8 and flag in ("--rle", "--jpeg-lossless", "--deflate"):
        return True
    return bits_allocated == 16 and photometric == "RGB" and flag == "--rle"


def main():
    tool, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    checks, failures = 0, []
    for bits_allocated, bits_stored, signed, photometric, planar, frames in GREY + COLOUR:
        colour = (bits_allocated, bits_stored, signed, photometric, planar, frames) in COLOUR
        name = f"{bits_allocated}_{bits_stored}_{'s' if signed else 'u'}_{photometric.replace(' ', '')}_{planar}_{frames}"
        src = os.path.join(work, f"src_{name}.dcm")
        values = make(src, bits_allocated, bits_stored, signed, photometric, planar, frames)
        for flag, (dcmtk, peer_writer) in TARGETS.items():
            if flag in NATIVE and not colour:
                continue  # grey native syntaxes: the corpus readback covers them
            case = (f"{flag} {photometric} planar {planar}, {frames} frame(s), Bits Allocated {bits_allocated}, "
                    f"Bits Stored {bits_stored}, {'signed' if signed else 'unsigned'}")
            out = os.path.join(work, f"out_{name}{flag}.dcm")
            r = subprocess.run([tool, "transcode", "-q", "--verify", flag, src, "-o", out], capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"{case}: transcode failed: {r.stderr.strip()}")
                continue
            decoded = pydicom_decodes(pydicom.dcmread(out))
            if not decoded:
                failures.append(f"{case}: no pydicom plugin decodes it")
            if dcmtk:
                arr, message = dcmtk_decodes(dcmtk, out)
                if arr is None:
                    failures.append(f"{case}: dcmtk cannot decode it: {message[:200]}")
                else:
                    decoded["dcmtk"] = arr
            if flag == "--htj2k":
                # GDCM 3.0 reads no HTJ2K syntax; pydicom (pylibjpeg-openjpeg) does.
                if gdcm_decodes(out)[0] is not None:
                    failures.append(f"{case}: GDCM now decodes HTJ2K: compare its pixels here")
            elif gdcm_cannot(bits_allocated, bits_stored, photometric, flag):
                peer = out + ".peer.dcm"
                subprocess.run(peer_writer + [src, peer], capture_output=True)
                if not os.path.exists(peer):
                    failures.append(f"{case}: {peer_writer[0]} wrote nothing to compare GDCM with")
                else:
                    arr, _ = gdcm_decodes(peer)
                    if arr is not None and (stored_values(arr, bits_stored, signed, values.shape) == values).all():
                        failures.append(f"{case}: GDCM now decodes {peer_writer[0]}'s encoding: drop the GDCM skip for this case")
            else:
                arr, message = gdcm_decodes(out)
                if arr is None:
                    failures.append(f"{case}: GDCM cannot decode it: {message[:200]}")
                else:
                    decoded["gdcm"] = arr
            checks += len(decoded)
            failures += [f"{case}: {reader} gives other values ({detail})"
                         for reader, detail in values_differ(decoded, values, bits_stored, signed)]
            failures += [f"{case}: {p}" for p in codestream_problems(tool, out)]
            failures += [f"{case}: {p}" for p in new_iod_problems(tool, src, out)]
    finish(failures, f"{checks} decoder checks")


if __name__ == "__main__":
    main()

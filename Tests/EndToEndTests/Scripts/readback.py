#!/usr/bin/env python3
"""Rewrites corpus files with `dicomtool transcode` into each uncompressed syntax and deflate and
reads every output back with three independent readers: pydicom (every element and the pixel
bytes), dcmtk (dcmconv +te re-encodes it) and GDCM (gdcmconv -w -X re-encodes it); the pixel bytes
of both re-encodings must equal the source's. Compressed sources are decoded by dicomtool on the
way: their outputs' pixels, as each reader sees them, must hash to the corpus's golden MD5.
Usage: readback.py DICOMTOOL CORPUS_DIR WORK_DIR PATH... ; prints 'N passed, M failed'."""
import csv
import os
import subprocess
import sys
import warnings

import pydicom

warnings.filterwarnings("ignore")
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE

TARGETS = {
    "--explicit": "1.2.840.10008.1.2.1",
    "--implicit": "1.2.840.10008.1.2",
    "--big-endian": "1.2.840.10008.1.2.2",
    "--deflate": "1.2.840.10008.1.2.1.99",
}


def canonical_pixels(ds):
    """Pixel Data as little-endian bytes (big-endian values swapped by their VR), cut to the image size."""
    if "PixelData" not in ds:
        return None
    raw = bytes(ds.PixelData)
    elem = ds["PixelData"]
    if not ds.is_little_endian and elem.VR == "OW":
        b = bytearray(raw)
        b[0::2], b[1::2] = raw[1::2], raw[0::2]
        raw = bytes(b)
    return raw


SWAP_UNIT = {"OW": 2, "US": 2, "SS": 2, "OL": 4, "OF": 4, "UL": 4, "SL": 4, "FL": 4, "OD": 8, "FD": 8, "OV": 8}


# Offsets of a DICOMDIR's records: they change whenever a byte before a record does.
DIRECTORY_OFFSETS = {0x00041200, 0x00041202, 0x00041400, 0x00041420}


def comparable(ds):
    out = {}
    for elem in ds.iterall():
        if elem.tag.group == 2 or elem.tag.element == 0 or elem.tag == 0x7FE00010:
            continue
        if elem.VR == "SQ":
            out.setdefault(elem.tag, []).append(f"SQ*{len(elem.value)}")
            continue
        if elem.VR == "UN":
            out.setdefault(elem.tag, []).append("UN")  # VR unknown to this reader: not comparable
            continue
        v = elem.value
        unit = SWAP_UNIT.get(elem.VR, 1)
        if isinstance(v, bytes) and unit > 1 and not ds.is_little_endian:
            # Raw binary values as stored: bring big-endian words to little endian to compare.
            b = bytearray(v)
            for i in range(0, len(b) - unit + 1, unit):
                b[i:i + unit] = b[i:i + unit][::-1]
            v = bytes(b)
        if isinstance(v, bytes):
            v = v.rstrip(b"\x00 ")
        elif isinstance(v, str):
            v = v.rstrip(" \x00")
        if v in (b"", "", None) or v == []:
            v = None  # an empty value, however a reader types it
        out.setdefault(elem.tag, []).append(repr(v))
    return out


def private_vrs(ds):
    """VR of every private element as this reader typed it."""
    return {e.tag: e.VR for e in ds.iterall() if e.tag.is_private}


def image_bytes(ds):
    """Bytes the pixels of the image take (what lies beyond is padding or excess, not pixels)."""
    try:
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (TypeError, ValueError):
        frames = 1
    samples = int(ds.get("SamplesPerPixel", 1))
    if str(ds.get("PhotometricInterpretation", "")) == "YBR_FULL_422":
        samples = 2  # stored as Y1 Y2 Cb Cr per pixel pair
    bits = int(ds.Rows) * int(ds.Columns) * frames * samples * int(ds.BitsAllocated)
    return (bits + 7) // 8


def parents(ds, tag):
    """Sequences that contain `tag` somewhere below them (to excuse a whole known element)."""
    out = []
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value:
                if any(e.tag == tag for e in item.iterall()):
                    out.append(elem.tag)
    return out


def pydicom_fails_alike(src, uid, work):
    """Whether pydicom also fails on a file it wrote itself from `src` in syntax `uid`."""
    try:
        ds = pydicom.dcmread(src, force=True)
        ds.file_meta.TransferSyntaxUID = uid
        tmp = os.path.join(work, "pydicom-own.dcm")
        ds.save_as(tmp, implicit_vr=uid == "1.2.840.10008.1.2", little_endian=uid != "1.2.840.10008.1.2.2",
                   enforce_file_format=False)
        comparable(pydicom.dcmread(tmp))
        return False
    except Exception:
        return True


def run(cmd):
    return subprocess.run(cmd, capture_output=True)


ENCAPSULATED_PREFIXES = ("1.2.840.10008.1.2.4.", "1.2.840.10008.1.2.5")


def main():
    tool, corpus, work, paths = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from transcode_check import matches  # the golden-hash comparison (masking rules of the corpus README)
    manifest = {r["path"]: r for r in csv.DictReader(open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8"), delimiter="\t")}
    os.makedirs(work, exist_ok=True)
    passed, failed, skipped = 0, [], []
    known = {}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "json_known_differences.tsv"), encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            if line.strip():
                path, tag, _reason = line.split("\t", 2)
                known.setdefault(path, set()).add(tag)
    for rel in paths:
        src = os.path.join(corpus, rel)
        try:
            ref = pydicom.dcmread(src, force=True)
            ref_px, ref_el = canonical_pixels(ref), comparable(ref)
            row = manifest.get(rel, {})
            compressed = row.get("transfer_syntax_uid", "").startswith(ENCAPSULATED_PREFIXES)
            if compressed:
                # Decoding changes the pixel description (e.g. YBR_FULL_422 becomes RGB): those
                # attributes and the pixels are checked against the golden hash instead.
                ref_px = None
                ref_el = {t: v for t, v in ref_el.items() if not (t.group == 0x0028 and t.element < 0x0200)}
        except Exception as e:
            skipped.append(f"{rel}: pydicom cannot read the source ({e!r}); not compared")
            continue
        for flag, uid in TARGETS.items():
            out = os.path.join(work, rel.replace("/", "_") + flag + ".dcm")
            r = run([tool, "transcode", flag, src, "-o", out])
            if r.returncode != 0:
                failed.append(f"{rel} {flag}: dicomtool exit {r.returncode}: {r.stderr.decode(errors='replace')[:200]}")
                continue
            problems = []
            try:
                ds = pydicom.dcmread(out)
                # A DICOMDIR is always rewritten in Explicit VR Little Endian with its record offsets
                # recomputed (PS3.10 8.6; dicomdir_check.py checks that they lead to every record).
                is_directory = str(ref.file_meta.get("MediaStorageSOPClassUID", "")) == "1.2.840.10008.1.3.10"
                expected = "1.2.840.10008.1.2.1" if is_directory else uid
                if ds.file_meta.TransferSyntaxUID != expected:
                    problems.append(f"TS {ds.file_meta.TransferSyntaxUID}")
                el = comparable(ds)
                if is_directory:
                    el = {t: v for t, v in el.items() if t not in DIRECTORY_OFFSETS}
                    ref_el = {t: v for t, v in ref_el.items() if t not in DIRECTORY_OFFSETS}
                if compressed:
                    el = {t: v for t, v in el.items() if not (t.group == 0x0028 and t.element < 0x0200)}
                    if not matches(canonical_pixels(ds), row):
                        problems.append("pydicom: decoded pixels do not hash to the golden MD5")
                excused = known.get(rel, set())
                unknown_vr = {t for t, v in list(el.items()) + list(ref_el.items()) if "UN" in v}
                if uid == "1.2.840.10008.1.2":
                    # A private element whose stored VR disagrees with the private dictionary: the
                    # implicit copy keeps its bytes, not its VR, and readers type it by the dictionary.
                    ours = private_vrs(ds)
                    unknown_vr |= {t for t, vr in private_vrs(ref).items() if ours.get(t, vr) != vr}
                diff = [t for t in set(ref_el) | set(el) if ref_el.get(t) != el.get(t) and t not in unknown_vr
                        and f"({t.group:04X},{t.element:04X})" not in excused and "*" not in excused
                        and not any(f"({p.group:04X},{p.element:04X})" in excused for p in parents(ds, t))]
                if diff:
                    problems.append(f"pydicom: {len(diff)} elements differ, e.g. {diff[0]} {str(ref_el.get(diff[0]))[:60]} vs {str(el.get(diff[0]))[:60]}")
                px = canonical_pixels(ds)
                if ref_px is not None and (px is None or px[: len(ref_px)] != ref_px and px[: len(ref_px) - 1] != ref_px[:-1]):
                    problems.append("pydicom: pixel bytes differ")
            except Exception as e:
                # pydicom's own limits (e.g. an empty LUT Descriptor under implicit VR) are not ours:
                # excused when pydicom fails the same way on its own conversion of the source.
                if not pydicom_fails_alike(src, uid, work):
                    problems.append(f"pydicom cannot read it: {e!r}"[:200])
            # dcmtk and GDCM re-encode both the source and our output; their two results must agree
            # (so a reader's own conventions, e.g. GDCM's handling of YBR_FULL_422, cancel out).
            # Pixel Data without an Image Pixel module (edge files) is bytes, not an image: the
            # peers' pixel readers (gdcmconv -w) cannot take it; pydicom compared it above.
            has_pixels = (ref_px is not None and "Rows" in ref) or compressed
            # Images GDCM 3.0.21 itself fails on or decodes differently (16/32-bit colour RLE, per the
            # corpus manifest's decoders column) are not GDCM's to judge.
            gdcm_known_bad = any(k in row.get("decoders", "") for k in ("failed: gdcm", "differ: gdcm"))
            for name, argv in (("dcmtk", ["dcmconv", "+te"]),
                               ("gdcm", ["gdcmconv", "-w", "-X"] if has_pixels else ["gdcmconv", "-X"])):
                mine, theirs = out + "." + name, os.path.join(work, "src." + name)
                if name == "gdcm" and gdcm_known_bad:
                    continue
                r = run(argv + [out, mine])
                if r.returncode != 0 and name == "gdcm" and not has_pixels:
                    r = run(["gdcmdump", out])  # gdcmconv refuses big endian without pixels; gdcmdump reads it
                    if r.returncode == 0 and b"rror" not in r.stderr:
                        continue
                if r.returncode != 0:
                    problems.append(f"{name} cannot read it: {r.stderr.decode(errors='replace')[:200]}")
                    continue
                # Known difference: GDCM's -w upsamples native YBR_FULL_422 to YBR_FULL for some inputs
                # (the implicit VR and big endian copies) and not others (the explicit source), so its two
                # readings cannot be compared byte for byte; pydicom and dcmtk still check these pixels.
                gdcm_422 = name == "gdcm" and str(ref.get("PhotometricInterpretation", "")) == "YBR_FULL_422"
                if compressed:
                    try:
                        if not matches(canonical_pixels(pydicom.dcmread(mine)), row):
                            problems.append(f"{name}: pixels of our output do not hash to the golden MD5")
                    except Exception as e:
                        problems.append(f"{name} output unreadable: {e!r}"[:200])
                elif has_pixels and not gdcm_422 and run(argv + [src, theirs]).returncode == 0:
                    try:
                        a = canonical_pixels(pydicom.dcmread(mine))
                        b = canonical_pixels(pydicom.dcmread(theirs))
                        n = min(len(a or b""), len(b or b""))  # bytes past the image size are not pixels
                        if a is None or b is None or a[:n] != b[:n] or n < image_bytes(ref) - 1:
                            problems.append(f"{name}: pixel bytes differ from {name}'s reading of the source")
                    except Exception as e:
                        problems.append(f"{name} output unreadable: {e!r}"[:200])
                for f in (mine, theirs):
                    if os.path.exists(f):
                        os.remove(f)
            if problems:
                failed.append(f"{rel} {flag}: " + "; ".join(problems))
            else:
                passed += 1
    for f in skipped + failed:
        print(f)
    print(f"{passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

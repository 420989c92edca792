"""Checks of `dicomtool modify` against dcmodify (dcmtk) and pydicom, element by element.

  parity BINARY WORK FILE...   the same edits by dcmodify and by dicomtool modify on copies of each
                               file; the two outputs compared element by element (raw value bytes,
                               at every depth); every difference must be one of KNOWN, with its reason.
  uids BINARY WORK FILE...     --new-sop-uid/--new-series-uid/--new-study-uid beside dcmodify's
                               -gin/-gse/-gst: everything else equal, the new UIDs valid and the meta in step.
  vr-limits BINARY WORK FILE   invalid values per VR: dicomtool refuses each (file unchanged), dcmodify's answers listed
  untouched-tree ORIGINAL_DIR MODIFIED_DIR TAG...   the same for every file of a tree
  same-text ORIGINAL MODIFIED TAG[=VALUE]...  every text value reads the same (character sets decoded)
                               but TAGs, which read as VALUE when one is given
  generate DIR SEED COUNT      the generated edge-value data sets of vr_edges_gen.py
  untouched ORIGINAL MODIFIED TAG...
                               every element of MODIFIED but the named top-level TAGs (gggg,eeee) keeps
                               ORIGINAL's raw bytes (sequences item by item); pydicom and dcmdump read it.
Prints one line per difference and a last line 'modify_check: N files, M differences'; exit 1 on any
difference not explained.
"""
import os
import shutil
import subprocess
import sys

import pydicom
from pydicom.tag import Tag

DCMODIFY = "/usr/bin/dcmodify"
DCMDUMP = "/usr/bin/dcmdump"

# The edits of the parity run, in both tools' words. dcmodify 3.6.7 names no private element by
# its creator, so the creator is inserted explicitly there (after -ep the group is free, so both
# tools use block 10); it writes text into a private element only when its private dictionary knows
# the element's VR, hence a creator both dictionaries know (GE's, LO and US elements).
PARITY_EDITS = [
    (["-ep"], ["--erase-private"]),
    (["-i", "PatientName=Parity^Test"], ["--set", "PatientName=Parity^Test"]),
    (["-i", "StudyID=PARITY1"], ["--set", "StudyID=PARITY1"]),
    (["-m", "InstitutionName=Parity Hospital"], ["--replace", "InstitutionName=Parity Hospital"]),
    (["-e", "AccessionNumber"], ["--erase", "AccessionNumber"]),
    (["-ea", "ReferencedSOPClassUID"], ["--erase-all", "ReferencedSOPClassUID"]),
    (["-i", "ReferencedStudySequence[0].ReferencedSOPInstanceUID=1.2.826.0.1.3680043.9.7433.1"],
     ["--set", "ReferencedStudySequence[0].ReferencedSOPInstanceUID=1.2.826.0.1.3680043.9.7433.1"]),
    (["-i", "(0009,0010)=GEMS_IDEN_01", "-i", "(0009,1001)=private value", "-i", "(0009,101a)=7"],
     ["--set", "(0009,{GEMS_IDEN_01},01)=private value", "--set", "(0009,{GEMS_IDEN_01},1A)=7"]),
]
# dcmodify: a missing tag is success for -m and -e (dicomtool's --replace and --erase semantics).
DCMODIFY_COMMON = ["-nb", "-imt", "-q"]

# Inputs dcmodify 3.6.7 refuses although dcmdump reads them, with the reason.
DCMODIFY_REFUSES = {
    "rtdose_rle.dcm": "dcmodify fails with 'Corrupted data' on any insertion (RLE Pixel Data whose fragments dcmtk "
                      "reads as OW of odd length); dicomtool modifies it",
    "rtdose_rle_1frame.dcm": "the same RLE file, one frame: dcmodify fails with 'Corrupted data' on any insertion",
}

UID_TAGS = {Tag(0x0008, 0x0018), Tag(0x0020, 0x000E), Tag(0x0020, 0x000D)}


def tree(ds):
    """tag -> ('SQ', [item trees]) or (VR, raw bytes), for every element at every depth."""
    out = {}
    for tag in list(ds.keys()):
        raw = ds.get_item(tag)
        value = raw.value if hasattr(raw, "value") else None
        elem = ds[tag]
        if elem.VR == "SQ":
            out[tag] = ("SQ", [tree(item) for item in elem.value])
        else:
            data = value if isinstance(value, (bytes, bytearray)) else None
            # pydicom converts some elements while reading (Pixel Representation, to settle
            # "US or SS" VRs): those are compared by value, the others by their raw bytes.
            out[tag] = (elem.VR, bytes(data) if data is not None else None, repr(elem.value))
    return out


def read(path):
    ds = pydicom.dcmread(path, force=True)
    meta = {t: ds.file_meta[t].value for t in ds.file_meta.keys()} if hasattr(ds, "file_meta") else {}
    return meta, tree(ds)


def strip_padding(b):
    return b.rstrip(b" \0")


def diff(a, b, where=""):
    """Differences between two trees: (path, kind, detail)."""
    out = []
    for tag in sorted(set(a) | set(b)):
        here = f"{where}({tag.group:04X},{tag.element:04X})"
        if tag not in a:
            out.append((here, "only-second", ""))
            continue
        if tag not in b:
            out.append((here, "only-first", ""))
            continue
        (vra, va, *ra), (vrb, vb, *rb) = a[tag], b[tag]
        if vra == "SQ" and vrb == "SQ":
            if len(va) != len(vb):
                out.append((here, "items", f"{len(va)} vs {len(vb)}"))
                continue
            for i, (x, y) in enumerate(zip(va, vb)):
                out.extend(diff(x, y, f"{here}[{i}]."))
            continue
        if (vra == "SQ") != (vrb == "SQ"):
            out.append((here, "sequence-vs-value", f"{vra} vs {vrb}"))
        elif va is None or vb is None:
            if ra != rb:
                blank = {ra[0], rb[0]} == {"None", "''"}
                out.append((here, "blank" if blank else "value", f"{ra[0][:40]} vs {rb[0][:40]}"))
        elif va != vb:
            kind = "padding" if strip_padding(va) == strip_padding(vb) else "value"
            out.append((here, kind, f"{va[:80]!r} vs {vb[:80]!r}"))
    return out


def explained(path, kind, detail):
    """The reason a difference between dcmodify's and dicomtool's outputs is expected, or None."""
    last = path.rsplit("(", 1)[-1]
    if last.endswith(",0000)") and kind in ("only-first", "only-second"):
        return "group length: dicomtool writes none (retired, PS3.5 7.2); dcmodify keeps or recomputes them"
    if last.endswith(",0000)") and kind == "value":
        return ("group length: dcmodify recomputes it after inserting UIDs the file had empty; dicomtool renews only "
                "UIDs a file has, so it left the file as it was")
    if kind == "padding":
        return "odd-length value in the input: dicomtool pads it to even length (PS3.5 7.1.1)"
    if path[:6] in ("(0001,", "(0003,", "(0005,", "(0007,") and kind == "only-second":
        return ("an element of an illegal odd group below 0008: not private by PS3.5 7.8.1 (groups 1, 3, 5, 7 are not), "
                "so --erase-private keeps it; dcmodify -ep removes it")
    if kind == "sequence-vs-value" and detail == "UN vs SQ":
        return ("an undefined-length element of unknown VR in an Implicit VR data set, read as a sequence (CP-246): "
                "dicomtool writes it back as a sequence (the same bytes in Implicit VR), dcmodify as UN")
    if kind == "blank":
        return "a value of only spaces: dcmtk writes it empty (its data correction); dicomtool keeps the bytes"
    if path == "(FFFC,FFFC)" and kind == "only-second":
        return "Data Set Trailing Padding: dcmtk drops it when writing; dicomtool keeps every element not named"
    return None


def run(cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")


def parity(binary, work, files, uid_mode=False):
    failures = 0
    checked = 0
    explained_count = {}
    for n, source in enumerate(files):
        a = os.path.join(work, f"{n}-dcmodify.dcm")
        b = os.path.join(work, f"{n}-dicomtool.dcm")
        shutil.copyfile(source, a)
        shutil.copyfile(source, b)
        if uid_mode:
            r1 = run([DCMODIFY] + DCMODIFY_COMMON + ["-gin", "-gse", "-gst", a])
            r2 = run([binary, "modify", "-q", "--new-sop-uid", "--new-series-uid", "--new-study-uid", b])
        else:
            # dcmodify 3.6.7 fails ("Corrupted data") when -ep and a private insertion share a run:
            # -ep runs alone first.
            r1 = run([DCMODIFY] + DCMODIFY_COMMON + PARITY_EDITS[0][0] + [a])
            if r1.returncode == 0:
                r1 = run([DCMODIFY] + DCMODIFY_COMMON + [x for d, _ in PARITY_EDITS[1:] for x in d] + [a])
            r2 = run([binary, "modify", "-q"] + [x for _, m in PARITY_EDITS for x in m] + [b])
        if r1.returncode != 0 or r2.returncode != 0:
            # Both refusing is agreement; one refusing is reported.
            if r1.returncode != 0 and r2.returncode == 0 and run([DCMDUMP, "-q", source]).returncode != 0:
                reason = "dcmtk cannot read the input (dcmdump refuses it too); dicomtool modifies it"
                explained_count[reason] = explained_count.get(reason, 0) + 1
            elif r1.returncode != 0 and r2.returncode == 0 and os.path.basename(source) in DCMODIFY_REFUSES:
                reason = DCMODIFY_REFUSES[os.path.basename(source)]
                explained_count[reason] = explained_count.get(reason, 0) + 1
            elif (r1.returncode != 0) != (r2.returncode != 0):
                print(f"{source}: dcmodify status {r1.returncode} ({r1.stderr.strip()[:120]}), "
                      f"dicomtool status {r2.returncode} ({r2.stderr.strip()[:160]})")
                failures += 1
            continue
        checked += 1
        meta_a, ta = read(a)
        meta_b, tb = read(b)
        for path, kind, detail in diff(ta, tb):
            tag_path = path
            if uid_mode:
                top = Tag(int(path[1:5], 16), int(path[6:10], 16))
                if "." not in path and top in UID_TAGS:
                    continue
                if kind == "value":
                    # A UI value equal to one of the file's old UIDs (a reference to itself, its series
                    # or study, or test data reusing a UID as Frame of Reference UID): dicomtool
                    # replaces it, dcmodify leaves it.
                    ds0 = pydicom.dcmread(source, force=True)
                    olds = {str(ds0[t].value).strip() for t in UID_TAGS if t in ds0} - {""}
                    if any(o.encode() in detail.encode() for o in olds):
                        reason = "a UI value equal to a renewed old UID: dicomtool replaces it, dcmodify leaves it"
                        explained_count[reason] = explained_count.get(reason, 0) + 1
                        continue
            reason = explained(tag_path, kind, detail)
            if reason:
                explained_count[reason] = explained_count.get(reason, 0) + 1
                continue
            print(f"{source}: {path}: {kind}: {detail}")
            failures += 1
        if uid_mode:
            ds = pydicom.dcmread(b, force=True)
            ds0 = pydicom.dcmread(source, force=True)
            for t in UID_TAGS:
                if t not in ds0 or not str(ds0[t].value).strip():
                    continue  # only a UID the file has is renewed
                new = str(ds[t].value) if t in ds else ""
                if not new.startswith("2.25."):
                    print(f"{source}: ({t.group:04X},{t.element:04X}) not renewed: {new}")
                    failures += 1
            meta = getattr(ds, "file_meta", None)
            # A bare data set (no meta) stays bare: nothing to keep in step.
            if meta is not None and "MediaStorageSOPInstanceUID" in meta and "SOPInstanceUID" in ds and \
                    str(meta.MediaStorageSOPInstanceUID) != str(ds.SOPInstanceUID):
                print(f"{source}: meta (0002,0003) not in step")
                failures += 1
        # Both tools' outputs read by dcmdump.
        if run([DCMDUMP, "-q", b]).returncode != 0:
            print(f"{source}: dcmdump cannot read dicomtool's output")
            failures += 1
    for reason, count in sorted(explained_count.items()):
        print(f"explained: {count}x {reason}")
    print(f"modify_check: {checked} files compared, {failures} differences not explained")
    return 1 if failures else 0


# Values their attribute's VR or VM does not allow (PS3.5 6.2, 6.4): dicomtool refuses every one,
# dcmodify (which checks no VR) writes most of them.
INVALID_VALUES = [
    ("StudyDate", "20241301", "DA: not a calendar date"),
    ("StudyTime", "256199", "TM: hour 25"),
    ("AcquisitionDateTime", "2024131", "DT: 7 digits"),
    ("StationName", "SEVENTEEN-CHARS-X", "SH: 17 characters, at most 16"),
    ("StationName", "A\\B", "SH of VM 1: a backslash makes two values"),
    ("InstitutionName", "L" * 65, "LO: 65 characters, at most 64"),
    ("Rows", "70000", "US: above 65535"),
    ("Rows", "12.5", "US: not an integer"),
    ("SOPInstanceUID", "1.02.3", "UI: a component with a leading zero"),
    ("Modality", "ct", "CS: lower case"),
    ("PatientAge", "12Y", "AS: not nnnX"),
    ("SeriesNumber", "1.5", "IS: not an integer"),
    ("SliceThickness", "abc", "DS: not a decimal"),
    ("PatientName", "a=b=c=d", "PN: four component groups"),
    ("RetrieveAETitle", "SEVENTEEN-CHARS-X", "AE: 17 characters"),
    ("RetrieveURL", "http://a b", "UR: a space"),
    ("PatientID", "tab\there", "LO: a control character"),
]


def vr_limits(binary, work, source):
    """Each invalid value given to both tools on a copy of SOURCE: dicomtool must refuse it (status 1,
    the file unchanged); dcmodify's answer is listed (its limit: it checks no VR)."""
    failures = 0
    accepted_by_dcmodify = 0
    original = open(source, "rb").read()
    for keyword, value, why in INVALID_VALUES:
        value = value.replace("\\t", "\t")
        a = os.path.join(work, "vr-dcmodify.dcm")
        b = os.path.join(work, "vr-dicomtool.dcm")
        shutil.copyfile(source, a)
        shutil.copyfile(source, b)
        r1 = run([DCMODIFY, "-nb", "-q", "-i", f"{keyword}={value}", a])
        r2 = run([binary, "modify", "-q", "--set", f"{keyword}={value}", b])
        unchanged = open(b, "rb").read() == original
        if r1.returncode == 0:
            accepted_by_dcmodify += 1
        print(f"{why}: dcmodify {'writes it' if r1.returncode == 0 else 'refuses'}; "
              f"dicomtool {'refuses' if r2.returncode == 1 else 'status %d' % r2.returncode}: {r2.stderr.strip()[:140]}")
        if r2.returncode != 1 or not unchanged or not r2.stderr.strip():
            print(f"  dicomtool did not refuse {keyword}={value!r} with a reason, leaving the file as it was")
            failures += 1
    print(f"modify_check: {len(INVALID_VALUES)} invalid values, dcmodify wrote {accepted_by_dcmodify}, "
          f"{failures} not refused by dicomtool")
    return 1 if failures else 0


def untouched_tree(original_dir, modified_dir, named):
    """`untouched` for every file under ORIGINAL_DIR and its namesake under MODIFIED_DIR."""
    failures = files = 0
    for root, _, names in os.walk(original_dir):
        for name in sorted(names):
            a = os.path.join(root, name)
            b = os.path.join(modified_dir, os.path.relpath(a, original_dir))
            files += 1
            failures += untouched(a, b, named, quiet=True)
    print(f"modify_check: {files} files compared, {failures} with differences not explained")
    return 1 if failures else 0


def same_text(original, modified, named):
    """Named tags may carry an expected value as (gggg,eeee)=VALUE, checked as pydicom decodes it."""
    expected = [n for n in named if "=" in n]
    named = [n.split("=", 1)[0] for n in named]
    """Every text value of MODIFIED but the named top-level tags reads as in ORIGINAL (pydicom
    decoding each through its own Specific Character Set), at every depth."""
    names = {Tag(int(t[1:5], 16), int(t[6:10], 16)) for t in named} | {Tag(0x0008, 0x0005)}
    a = pydicom.dcmread(original, force=True)
    b = pydicom.dcmread(modified, force=True)
    a.decode()
    b.decode()
    failures = []

    def walk(x, y, where, top):
        for elem in x:
            if (top and elem.tag in names) or elem.tag.element == 0:
                continue  # named, or a group length (dicomtool writes none)
            here = f"{where}({elem.tag.group:04X},{elem.tag.element:04X})"
            if elem.tag not in y:
                failures.append(f"{here}: missing")
                continue
            other = y[elem.tag]
            if elem.VR == "SQ":
                for i, (p, q) in enumerate(zip(elem.value, other.value)):
                    walk(p, q, f"{here}[{i}].", False)
            elif elem.VR in ("PN", "LO", "SH", "ST", "LT", "UT", "UC") and str(elem.value) != str(other.value):
                failures.append(f"{here}: {elem.value!r} became {other.value!r}")
    walk(a, b, "", True)
    for spec in expected:
        tag_text, value = spec.split("=", 1)
        tag = Tag(int(tag_text[1:5], 16), int(tag_text[6:10], 16))
        if tag not in b or str(b[tag].value) != value:
            failures.append(f"{tag_text}: pydicom reads {b[tag].value if tag in b else None!r}, not {value!r}")
    for f in failures:
        print(f"{modified}: {f}")
    print(f"modify_check: 1 files compared, {len(failures)} differences not explained")
    return 1 if failures else 0


def untouched(original, modified, named, quiet=False):
    names = {Tag(int(t[1:5], 16), int(t[6:10], 16)) for t in named}
    _, a = read(original)
    _, b = read(modified)
    failures = 0
    for path, kind, detail in diff(a, b):
        top = Tag(int(path[1:5], 16), int(path[6:10], 16))
        if top in names:
            continue
        reason = explained(path, kind, detail)
        if reason:
            continue
        print(f"{modified}: {path}: {kind}: {detail}")
        failures += 1
    if run([DCMDUMP, "-q", modified]).returncode != 0:
        print(f"{modified}: dcmdump cannot read it")
        failures += 1
    if quiet:
        return 1 if failures else 0
    print(f"modify_check: 1 files compared, {failures} differences not explained")
    return 1 if failures else 0


def main():
    mode = sys.argv[1]
    if mode == "parity":
        return parity(sys.argv[2], sys.argv[3], sys.argv[4:])
    if mode == "uids":
        return parity(sys.argv[2], sys.argv[3], sys.argv[4:], uid_mode=True)
    if mode == "untouched":
        return untouched(sys.argv[2], sys.argv[3], sys.argv[4:])
    if mode == "vr-limits":
        return vr_limits(sys.argv[2], sys.argv[3], sys.argv[4])
    if mode == "untouched-tree":
        return untouched_tree(sys.argv[2], sys.argv[3], sys.argv[4:])
    if mode == "same-text":
        return same_text(sys.argv[2], sys.argv[3], sys.argv[4:])
    if mode == "generate":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import vr_edges_gen
        vr_edges_gen.make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

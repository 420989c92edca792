#!/usr/bin/env python3
"""`dicomtool create` checked from the outside.

  create_check.py roundtrip-json|roundtrip-xml DICOMTOOL WORKDIR FILE...
      for each file: `dump --json|--xml` (BulkDataURIs into the source as dump writes them), then
      `create` (the source's compressed syntax as target when its Pixel Data is encapsulated, else
      --explicit; --accept-invalid, since corpus files may already break their VR or VM) and checks
      (1) the elements and values of the output equal the source's as pydicom reads both (the
      canonical values of vr_edges.py: numbers by value and bits, text trimmed of padding, bulk
      bytes little endian), and (2) the data set bytes equal those `transcode` writes from the
      source into the same syntax (the writer's own encoding: no group lengths, undefined-length
      sequences, standard padding), so a source already in that form gives byte-identical data
      sets. Every byte difference must be one of the explained kinds below. A DICOMDIR's record
      offsets are positions in its own bytes: they are compared as links instead (the record tree
      followed through the offsets is the same, record by record), its other values as above, and
      the output must be readable as a file-set by pydicom (FileSet) and by dcmtk's dcmdump.
  create_check.py pydicom DICOMTOOL WORKDIR FILE...
      pydicom's Dataset.to_json (bulk data inline) as create's input; values compared as above.
  create_check.py dcmtk DICOMTOOL WORKDIR FILE...
      dcmtk's dcm2json and `dcm2xml --native-format --encode-base64` as create's input.
  create_check.py edges DICOMTOOL WORKDIR [--seed N] [--count K]
      vr_edges.py's generated data sets (every VR at its edges, empty, multi-valued, odd lengths,
      character sets, private blocks) through JSON and XML.
Prints one line per file that fails and 'create_check MODE: N files, I identical data sets, E
explained, F failed'; exit 1 when any failed.
"""
import json
import os
import re
import subprocess
import sys
import warnings

import pydicom
import pydicom.fileset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vr_edges  # noqa: E402

warnings.filterwarnings("ignore")
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE
ENV = dict(os.environ, SWIFT_BACKTRACE="enable=no")


def run(args, stdin=None):
    p = subprocess.run(args, input=stdin, capture_output=True, env=ENV, timeout=600)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def canonical(path):
    ds = pydicom.dcmread(path, force=True)
    big = str(getattr(ds.file_meta, "TransferSyntaxUID", "")) == "1.2.840.10008.1.2.2"
    return vr_edges.from_pydicom(ds, big), ds


def dataset_bytes(path):
    """The bytes after the File Meta Information."""
    data = open(path, "rb").read()
    if data[128:132] != b"DICM":
        return data
    # (0002,0000) UL group length, explicit VR LE, right after DICM.
    length = int.from_bytes(data[140:144], "little")
    return data[144 + length:]


def elements(path):
    """{path: raw value bytes} of every element, items included, as read by pydicom (raw values)."""
    out = {}
    ds = pydicom.dcmread(path, force=True)

    def walk(d, where):
        for tag in d.keys():
            raw = d.get_item(tag)
            key = f"{where}({tag >> 16:04X},{tag & 0xFFFF:04X})"
            elem = d[tag]
            if elem.VR == "SQ":
                for k, item in enumerate(elem.value):
                    walk(item, f"{key}[{k}].")
                out[key] = ("SQ", len(elem.value))
            else:
                value = getattr(raw, "value", None)
                if value is None:   # an empty value, converted by pydicom already
                    value = b""
                out[key] = (elem.VR, bytes(value) if isinstance(value, (bytes, bytearray)) else repr(elem.value))
    walk(ds, "")
    return out


def explain(ours, reference):
    """Why two data sets with the same canonical values have different bytes, or None."""
    a, b = elements(ours), elements(reference)
    reasons = set()
    for key in sorted(set(a) | set(b)):
        if a.get(key) == b.get(key):
            continue
        if key == "(0008,0005)" and "ISO_IR 192" in str((a.get(key) or (None, ""))[1]):
            reasons.add("non-ASCII text without Specific Character Set: the output declares ISO_IR 192")
            continue
        if key not in a or key not in b:
            return f"{key} only in one"
        (vr, x), (_, y) = a[key], b[key]
        if not isinstance(x, bytes) or not isinstance(y, bytes):
            return f"{key} differs"
        sx, sy = x.decode("latin-1"), y.decode("latin-1")
        if vr in ("DS", "IS"):
            try:
                if [float(v) for v in sx.split("\\")] == [float(v) for v in sy.split("\\")]:
                    reasons.add(f"{vr} number text normalised (dump writes JSON numbers)")
                    continue
            except ValueError:
                pass
        if [v.strip(" \0") for v in sx.split("\\")] == [v.strip(" \0") for v in sy.split("\\")]:
            reasons.add("padding spaces around values (dump trims them)")
            continue
        if vr == "PN" and vr_edges.pn_canon(sx) == vr_edges.pn_canon(sy):
            reasons.add("empty trailing person name components (the models drop them)")
            continue
        if key == "(0008,0005)" or a.get("(0008,0005)") != b.get("(0008,0005)"):
            reasons.add("character set changed to ISO_IR 192 (a value its set cannot hold)")
            continue
        return f"{key} {vr}: {x[:40]!r} != {y[:40]!r}"
    return "; ".join(sorted(reasons)) or "same elements, different order of bytes"


BASIC_DIRECTORY = "1.2.840.10008.1.3.10"
# Offset of the First/Last Directory Record of the Root Directory Entity, of the Next Directory
# Record, of Referenced Lower-Level Directory Entity: positions in the file.
OFFSETS = {0x00041200, 0x00041202, 0x00041400, 0x00041420}


def is_dicomdir(path):
    ds = pydicom.dcmread(path, force=True, stop_before_pixels=True)
    return str(getattr(ds.file_meta, "MediaStorageSOPClassUID", "")) == BASIC_DIRECTORY or "DirectoryRecordSequence" in ds


def without_offsets(ds):
    return {tag: ((vr, [without_offsets(i) for i in v]) if vr == "SQ" else (vr, v))
            for tag, (vr, v) in ds.items() if tag not in OFFSETS}


def record_tree(path):
    """The records in the order the offsets link them: [(depth, record values without offsets)]."""
    ds = pydicom.dcmread(path, force=True)
    big = str(getattr(ds.file_meta, "TransferSyntaxUID", "")) == "1.2.840.10008.1.2.2"
    records = list(ds.get("DirectoryRecordSequence", []))
    at = {r.seq_item_tell: i for i, r in enumerate(records)}
    out, seen = [], set()

    def chain(offset, depth):
        while offset:
            i = at.get(offset)
            if i is None:
                out.append((depth, f"offset {offset} points at no record"))
                return
            if i in seen:
                out.append((depth, f"record {i} reached twice"))
                return
            seen.add(i)
            r = records[i]
            out.append((depth, without_offsets(vr_edges.from_pydicom(r, big))))
            chain(r.get(0x00041420).value if 0x00041420 in r else 0, depth + 1)
            offset = r.get(0x00041400).value if 0x00041400 in r else 0

    first = ds[0x00041200].value if 0x00041200 in ds else 0
    chain(first or (records[0].seq_item_tell if records else 0), 0)
    return out


def check_dicomdir(tally, source, out):
    """A DICOMDIR made by create: values but offsets equal, the same record tree through the new
    offsets, and readable as a file-set by pydicom and dcmtk."""
    want, _ = canonical(source)
    got, _ = canonical(out)
    diffs = vr_edges.compare(without_offsets(want), without_offsets(got))
    diffs = [d for d in diffs if d[3] != "odd value padded"]
    if diffs:
        tally.fail(source, "DICOMDIR values: " + "; ".join(f"{d[0]} {d[2]} {d[3]} {d[4]}" for d in diffs[:4]))
        return
    a, b = record_tree(source), record_tree(out)
    if a != b:
        first = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        tally.fail(source, f"DICOMDIR record tree differs at record {first} of {len(a)} (output {len(b)})")
        return
    try:
        fs = pydicom.fileset.FileSet(pydicom.dcmread(out))
        n = len(fs)
    except Exception as e:
        # A source pydicom refuses for the same reason (a record type it does not know, as
        # DICOMDIR-nopatient's) is the source's own defect, which a faithful copy keeps.
        try:
            pydicom.fileset.FileSet(pydicom.dcmread(source))
        except Exception as same:
            if type(same) is type(e) and str(same).split(" at offset")[0] == str(e).split(" at offset")[0]:
                tally.explain(f"DICOMDIR: pydicom's FileSet refuses the source as it refuses the copy ({str(e).split(' at offset')[0]})", out)
                n = 0
            else:
                tally.fail(source, f"pydicom FileSet cannot read the output: {type(e).__name__}: {e}")
                return
        else:
            tally.fail(source, f"pydicom FileSet cannot read the output: {type(e).__name__}: {e}")
            return
    status, dumped, err = run(["/usr/bin/dcmdump", "-q", out])
    if status != 0 or "E:" in err:
        tally.fail(source, f"dcmdump exit {status}: {err.strip()[:200]}")
        return
    tally.explain("DICOMDIR: record offsets rewritten for the new bytes (the record trees through them equal, "
                  "pydicom's FileSet and dcmdump read it)", out)
    tally.records = getattr(tally, "records", 0) + n


def mapped(ds, f):
    """`ds` with f(tag, vr, values) -> values applied at every depth."""
    out = {}
    for tag, (vr, values) in ds.items():
        if vr == "SQ":
            out[tag] = (vr, [mapped(item, f) for item in values])
        else:
            out[tag] = (vr, f(tag, vr, values))
    return out


def dcm2xml_swaps_words(ds):
    """dcmtk 3.6.7's dcm2xml writes OW InlineBinary in big-endian order (PS3.19 wants little endian):
    every OW value taken as the same up to the order of the bytes of each word."""
    return mapped(ds, lambda tag, vr, v: [("b", min(x[1], swapped(x[1], 2)))] if vr in ("OW", "OB/OW") and v and (x := v[0])[0] == "b"
                  else v)


def dcmtk_float_digits(ds):
    """dcmtk prints FD with 16 significant digits, one unit in the last place off at times."""
    import struct
    def f(tag, vr, values):
        if vr not in ("FD", "DS"):
            return values
        return [("f64", float("%.15g" % struct.unpack("<d", struct.pack("<Q", x[1]))[0])) if x and x[0] == "f64" and x[1] != "nan"
                else x for x in values]
    return mapped(ds, f)


def dcmtk_negative_zero(ds):
    """dcmtk prints a float -0.0 as 0 (the sign of zero is lost in its JSON and XML)."""
    def f(tag, vr, values):
        if vr == "FL":
            return [("f32", 0) if x and x[0] == "f32" and x[1] == 0x80000000 else x for x in values]
        if vr == "FD":
            return [("f64", 0) if x and x[0] == "f64" and x[1] == 0x8000000000000000 else x for x in values]
        return values
    return mapped(ds, f)


def without_charset(ds):
    return {t: v for t, v in ds.items() if t != 0x00080005}


def dcm2json_declares_utf8(ds):
    """dcm2json converts text to UTF-8 and says so in (0008,0005): the values are the same characters."""
    return without_charset(ds)


def without_declared_utf8(ds):
    """A source with non-ASCII text and no (0008,0005): create declares ISO_IR 192 for the same characters."""
    if ds.get(0x00080005, (None, []))[1] == [("s", "ISO_IR 192")]:
        return without_charset(ds)
    return ds


def fragments_unpadded(ds):
    """Encapsulated Pixel Data with each fragment's trailing pad byte and the item lengths ignored."""
    if 0x7FE00010 not in ds or not ds[0x7FE00010][1]:
        return ds
    data = ds[0x7FE00010][1][0][1]
    if not data.startswith(b"\xfe\xff\x00\xe0"):
        return ds
    items, at = [], 0
    while at + 8 <= len(data):
        length = int.from_bytes(data[at + 4:at + 8], "little")
        if data[at:at + 4] != b"\xfe\xff\x00\xe0" or length == 0xFFFFFFFF:
            break
        fragment = data[at + 8:at + 8 + length]
        items.append(fragment[:-1] if length % 2 == 0 and fragment.endswith(b"\0") else fragment)
        at += 8 + length
    out = dict(ds)
    out[0x7FE00010] = (ds[0x7FE00010][0], [("b", b"|".join(items))])
    return out


def without_sop_class(tally, path, status, err):
    """A source without SOP Class or Instance UID: create must refuse it (the meta needs both; the
    instance UID only with --invent-uids). A DICOMDIR has neither, and is made. True when handled."""
    if is_dicomdir(path):
        return False
    ds = pydicom.dcmread(path, force=True, stop_before_pixels=True)
    for keyword, words in (("SOPClassUID", "SOP Class UID"), ("SOPInstanceUID", "SOP Instance UID")):
        if keyword in ds and str(ds[keyword].value or ""):
            continue
        if status == 22 and f"no {words}" in err:
            tally.explain(f"refused: the source data set has no {words}, which the File Meta Information needs", path)
        else:
            tally.fail(path, f"a data set without {words}: expected exit 22, got {status}: {err.strip()}")
        return True
    return False


def target_flags(path):
    ds = pydicom.dcmread(path, force=True, stop_before_pixels=True)
    ts = pydicom.uid.UID(str(getattr(ds.file_meta, "TransferSyntaxUID", "1.2.840.10008.1.2.1")))
    if ts.is_compressed and ts != pydicom.uid.DeflatedExplicitVRLittleEndian:
        return ["--ts", str(ts)]
    return ["--explicit"]


class Tally:
    def __init__(self, mode):
        self.mode, self.files, self.identical, self.explained, self.failed = mode, 0, 0, {}, []
        self.explained_files = set()

    def explain(self, name, path):
        self.explained[name] = self.explained.get(name, 0) + 1
        self.explained_files.add(path)

    def fail(self, path, why):
        self.failed.append(path)
        print(f"FAIL {path}: {why}")

    def report(self):
        for reason, n in sorted(self.explained.items()):
            print(f"  explained ({n}): {reason}")
        print(f"create_check {self.mode}: {self.files} files, {self.identical} equal (values; and data set bytes in "
              f"round trips), {len(self.explained_files)} with explained differences, {len(self.failed)} failed")
        return 1 if self.failed else 0


def swapped(a, unit):
    return b"".join(a[i:i + unit][::-1] for i in range(0, len(a), unit))


def check_output(tally, source, out, reference=None, values_only=False, known=()):
    """`known`: differences a producer of the input or the source itself is known for, each
    (name, transform): a difference that goes away once `transform` is applied to both canonical
    data sets is counted under `name`, not failed."""
    if is_dicomdir(source):
        return check_dicomdir(tally, source, out)
    want, _ = canonical(source)
    got, _ = canonical(out)
    known = list(known) + [
        ("non-ASCII text without Specific Character Set: the output declares ISO_IR 192", without_declared_utf8),
        ("odd-length fragment padded to an even length (PS3.5 A.4)", fragments_unpadded),
    ]
    diffs = [d for d in vr_edges.compare(want, got) if d[3] != "odd value padded"]
    for name, transform in known:
        if not diffs:
            break
        fewer = [d for d in vr_edges.compare(transform(want), transform(got)) if d[3] != "odd value padded"]
        if len(fewer) < len(diffs):
            tally.explain(name, out)
            diffs, want, got = fewer, transform(want), transform(got)
    if diffs:
        tally.fail(source, "; ".join(f"{d[0]} {d[2]} {d[3]} {d[4]}" for d in diffs[:4]))
        return
    if not values_only and reference is not None and dataset_bytes(out) != dataset_bytes(reference):
        why = explain(out, reference)
        if why.startswith("(") or "only in one" in why:
            tally.fail(source, "data set bytes differ: " + why)
            return
        tally.explain(why, out)
    if out not in tally.explained_files:
        tally.identical += 1


def roundtrip(tool, work, model, files):
    tally = Tally("roundtrip-" + model)
    os.makedirs(work, exist_ok=True)
    for i, path in enumerate(files):
        tally.files += 1
        status, dumped, err = run([tool, "dump", "--" + model, "-q", path])
        if status != 0:
            tally.fail(path, f"dump --{model} exit {status}: {err.strip()}")
            continue
        flags = target_flags(path)
        out, ref = os.path.join(work, f"{i}.dcm"), os.path.join(work, f"{i}-ref.dcm")
        status, _, err = run([tool, "create", "-q", "--" + model, "--accept-invalid", *flags, "-", "-o", out], stdin=dumped)
        if without_sop_class(tally, path, status, err):
            continue
        if status != 0:
            tally.fail(path, f"create exit {status}: {err.strip()}")
            continue
        if is_dicomdir(path):
            check_output(tally, path, out)
            os.remove(out)
            continue
        status, _, err = run([tool, "transcode", "-q", *flags, path, "-o", ref])
        if status != 0:
            tally.fail(path, f"transcode exit {status}: {err.strip()}")
            continue
        check_output(tally, path, out, ref)
        for p in (out, ref):
            os.remove(p)
    return tally.report()


def from_pydicom_json(tool, work, files):
    tally = Tally("pydicom")
    os.makedirs(work, exist_ok=True)
    for i, path in enumerate(files):
        ds = pydicom.dcmread(path, force=True)
        if str(getattr(ds.file_meta, "TransferSyntaxUID", "")) == "1.2.840.10008.1.2.2":
            # pydicom's to_json base64s the value bytes as stored: big endian (PS3.18 wants little endian).
            print(f"  skipped {path}: big endian (pydicom's to_json writes its OW bytes unswapped)")
            continue
        try:
            text = ds.to_json(bulk_data_threshold=1 << 40)
        except Exception as e:  # pydicom's own limits (e.g. values it cannot encode)
            print(f"  skipped {path}: pydicom to_json: {type(e).__name__}: {e}")
            continue
        tally.files += 1
        out = os.path.join(work, f"{i}.dcm")
        status, _, err = run([tool, "create", "-q", "--json", "--accept-invalid", *target_flags(path), "-", "-o", out],
                             stdin=text.encode())
        if without_sop_class(tally, path, status, err):
            continue
        if status != 0:
            tally.fail(path, f"create exit {status}: {err.strip()}")
            continue
        check_output(tally, path, out, values_only=True)
        os.remove(out)
    return tally.report()


def from_dcmtk(tool, work, files):
    tally = Tally("dcmtk")
    os.makedirs(work, exist_ok=True)
    for i, path in enumerate(files):
        flags = target_flags(path)
        if flags != ["--explicit"]:
            # dcm2json refuses encapsulated Pixel Data (exit 81), dcm2xml leaves its value out.
            print(f"  skipped {path}: compressed (dcmtk writes no encapsulated Pixel Data in JSON or XML)")
            continue
        for model, command in (("json", ["/usr/bin/dcm2json"]),
                               ("xml", ["/usr/bin/dcm2xml", "--native-format", "--encode-base64"])):
            status, text, err = run(command + [path])
            if "Cannot write private creator" in err:
                # dcm2xml writes a private element without creator as if it were a creator (its warning).
                tally.explain("dcm2xml writes private elements without creator as creators (its own warning): not compared", path)
                continue
            if status != 0:
                print(f"  skipped {path}: {os.path.basename(command[0])} exit {status}")
                continue
            tally.files += 1
            out = os.path.join(work, f"{i}-{model}.dcm")
            status, _, err = run([tool, "create", "-q", "--" + model, "--accept-invalid", *flags, "-", "-o", out],
                                 stdin=text)
            if without_sop_class(tally, path, status, err):
                continue
            if status != 0:
                tally.fail(f"{path} ({model})", f"create exit {status}: {err.strip()}")
                continue
            known = [("dcm2json declares ISO_IR 192 for the UTF-8 it writes", dcm2json_declares_utf8),
                     ("dcmtk prints FD values with 16 significant digits (one unit in the last place off)", dcmtk_float_digits),
                     ("dcmtk prints a float -0.0 as 0 (the sign of zero lost)", dcmtk_negative_zero)]
            if model == "xml":
                known.append(("dcm2xml 3.6.7 writes OW InlineBinary big endian", dcm2xml_swaps_words))
            check_output(tally, path, out, values_only=True, known=known)
            os.remove(out)
    return tally.report()


def edges(tool, work, seed, count):
    tally = Tally("edges")
    src = os.path.join(work, "in")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vr_edges.py"), "make", src,
                    "--seed", str(seed), "--count", str(count)], check=True, capture_output=True)
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        for model in ("json", "xml"):
            tally.files += 1
            status, dumped, err = run([tool, "dump", "--" + model, "-q", path])
            if status != 0:
                tally.fail(path, f"dump exit {status}: {err.strip()}")
                continue
            out = os.path.join(work, f"{name}-{model}.dcm")
            status, _, err = run([tool, "create", "-q", "--" + model, "--accept-invalid", "-", "-o", out], stdin=dumped)
            if status != 0:
                tally.fail(f"{path} ({model})", f"create exit {status}: {err.strip()}")
                continue
            check_output(tally, path, out, values_only=True)
    return tally.report()


def main():
    mode, tool, work = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode in ("roundtrip-json", "roundtrip-xml"):
        return roundtrip(tool, work, mode.split("-")[1], sys.argv[4:])
    if mode == "pydicom":
        return from_pydicom_json(tool, work, sys.argv[4:])
    if mode == "dcmtk":
        return from_dcmtk(tool, work, sys.argv[4:])
    if mode == "edges":
        args = sys.argv[4:]
        seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 1
        count = int(args[args.index("--count") + 1]) if "--count" in args else 30
        return edges(tool, work, seed, count)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())

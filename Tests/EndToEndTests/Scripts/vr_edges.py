#!/usr/bin/env python3
"""Generated edge-value datasets, differential.

  vr_edges.py make OUTDIR [--seed N] [--count K]
      writes K deterministic files (see vr_edges_gen.py): every VR at its edges, sequences of every
      encoding, private blocks with and without creator, every character set dicomtool knows, in
      Implicit VR LE, Explicit VR LE and BE and Deflated Explicit VR LE; every fifth with pixels.
  vr_edges.py check DICOMTOOL WORKDIR [--seed N] [--count K]
      makes the files under WORKDIR/in, runs one dicomtool process per command over the tree (dump
      text, --full, --json, --xml, --format json with text and with --json, validate, anonymize,
      derive, transcode to each uncompressed syntax and deflate, dump --json of every output tree), and
      checks: no process ended by a signal; the per-file exit statuses; `dump --json` equal to
      pydicom's reading of the same file (FL/FD by their bits, integers exactly); the JSON Lines
      records equal to `dump --json` and `dump`; the XML equal to the JSON; `dump --full` values,
      lengths and VMs equal to dcmdump's (run over many files per call); each transcoded file's
      JSON equal to its source's. Differences listed in vr_edges_known_differences.tsv (with
      their reasons) are counted, not failed. Prints every other difference and
      'vr_edges: N files, M checks, S signals, D differences (K known)'; exit 1 on any.
"""
import argparse
import base64
import json
import math
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import warnings
import xml.etree.ElementTree as ET

import pydicom

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vr_edges_gen  # noqa: E402

warnings.filterwarnings("ignore")
pydicom.config.settings.reading_validation_mode = pydicom.config.IGNORE

BULK = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}
INT_VRS = {"US", "SS", "UL", "SL", "SV", "UV", "IS"}
TEXT_VRS = {"LT", "ST", "UT", "UR"}  # single-valued, leading spaces kept
SWAP = {"OW": 2, "OF": 4, "OL": 4, "OD": 8, "OV": 8}
HERE = os.path.dirname(os.path.abspath(__file__))
# A trap is a signal to find, not a backtrace to print: the Swift runtime's backtracer, started by
# the crashing process, keeps its pipes open for minutes on a busy machine.
ENV = dict(os.environ, SWIFT_BACKTRACE="enable=no")


# ---------------------------------------------------------------------------------------------
# Canonical values: ("i", int), ("f32", bits|"nan"), ("f64", bits|"nan"), ("s", str), ("at", int),
# ("pn", str), ("b", bytes little endian), None for an empty value in a multi-valued element.
# A dataset is {tag: (vr, [values])}; a sequence's values are canonical datasets.

def f32(x):
    return "nan" if math.isnan(x) else struct.unpack("<I", struct.pack("<f", x))[0]


def f64(x):
    return "nan" if math.isnan(x) else struct.unpack("<Q", struct.pack("<d", x))[0]


def strip(s, vr):
    return s.rstrip(" \x00") if vr in TEXT_VRS else s.strip(" \x00")


def pn_canon(s):
    groups = s.rstrip(" ").split("=")
    return "=".join(g.rstrip("^") for g in groups).rstrip("=")


def from_pydicom(ds, big):
    out = {}
    for elem in ds:
        tag = int(elem.tag)
        if elem.tag.group == 0x0002 or elem.tag.element == 0:
            continue
        vr, v = elem.VR, elem.value
        if vr == "SQ":
            out[tag] = (vr, [from_pydicom(item, big) for item in v])
            continue
        if vr in BULK or tag == 0x7FE00010:
            data = bytes(v or b"")
            if big and vr in SWAP:
                w = SWAP[vr]
                data = b"".join(data[i:i + w][::-1] for i in range(0, len(data) - len(data) % w, w))
            out[tag] = ("OB/OW" if tag == 0x7FE00010 else vr, [("b", data)] if data else [])
            continue
        values = list(v) if isinstance(v, (list, pydicom.multival.MultiValue)) else [v]
        if values in ([None], [""]) or values == []:
            out[tag] = (vr, [])
            continue
        canon = []
        for x in values:
            if x is None or x == "":
                canon.append(None)
            elif vr == "IS" and getattr(x, "original_string", None) and re.fullmatch(r" *[-+]?\d+ *", x.original_string) \
                    and int(x.original_string) != int(x):
                canon.append(("s", f"pydicom read IS {x.original_string.strip()} as {int(x)}"))
            elif vr in INT_VRS and vr != "IS" or vr == "IS" and isinstance(x, int):
                canon.append(("i", int(x)))
            elif vr == "FL":
                canon.append(("f32", f32(float(x))))
            elif vr == "FD":
                canon.append(("f64", f64(float(x))))
            elif vr == "DS":
                try:
                    canon.append(("f64", f64(float(str(x.original_string if hasattr(x, "original_string") else x)))))
                except ValueError:
                    canon.append(("s", str(x).strip()))
            elif vr == "AT":
                canon.append(("at", int(x)))
            elif vr == "PN":
                canon.append(("pn", pn_canon(str(x))) if pn_canon(str(x)) else None)
            else:
                s = strip(str(x), vr)
                canon.append(("s", s) if s else None)
        out[tag] = (vr, [] if canon == [None] else canon)
    return out


class Num(str):
    """A JSON number token, kept as written."""


def load_json(text):
    def constant(t):
        raise ValueError(f"bare {t} in JSON")
    return json.loads(text, parse_int=Num, parse_float=Num, parse_constant=constant)


def number(x, vr):
    """Canonical value of a JSON number (or the "NaN"/"Infinity" strings) for VR `vr`."""
    if isinstance(x, Num):
        if vr in INT_VRS:
            try:
                return ("i", int(x))
            except ValueError:
                return ("s", f"non-integer {x}")
        v = float(x)
    elif isinstance(x, str) and x in ("NaN", "Infinity", "-Infinity"):
        v = float(x.replace("Infinity", "inf"))
    elif isinstance(x, str) and vr in ("DS", "IS"):
        return ("s", x.strip())
    else:
        return ("s", f"not a number: {x!r}")
    return ("f32", f32(v)) if vr == "FL" else ("f64", f64(v))


def from_json(obj):
    out = {}
    for key, attr in obj.items():
        tag = int(key, 16)
        vr = attr.get("vr", "?")
        if tag == 0x7FE00010:
            vr = "OB/OW"
        if "InlineBinary" in attr:
            data = base64.b64decode(attr["InlineBinary"])
            out[tag] = (vr, [("b", data)] if data else [])
            continue
        if "BulkDataURI" in attr:
            out[tag] = (vr, [("s", "BulkDataURI")])
            continue
        values = attr.get("Value", [])
        canon = []
        for x in values:
            if vr == "SQ":
                canon.append(from_json(x or {}))
            elif x is None:
                canon.append(None)
            elif vr in INT_VRS or vr in ("FL", "FD", "DS"):
                canon.append(number(x, vr))
            elif vr == "AT":
                canon.append(("at", int(x, 16)))
            elif vr == "PN":
                pn = pn_canon("=".join([x.get("Alphabetic", ""), x.get("Ideographic", ""), x.get("Phonetic", "")]))
                canon.append(("pn", pn) if pn else None)
            else:
                s = strip(x, vr)
                canon.append(("s", s) if s else None)
        if canon == [None]:
            canon = []
        out[tag] = (vr, canon)
    return out


def from_xml(model):
    """Canonical dataset of a PS3.19 NativeDicomModel (or Item) element."""
    out = {}
    # A private data element is written block-less (gggg00ee) with its privateCreator (PS3.19 as
    # dcm2xml and dcm4che write it): its tag is found through the creator's block in this item.
    creators = {}
    for attr in model.findall("DicomAttribute"):
        t = int(attr.get("tag"), 16)
        if attr.get("privateCreator") is None and (t >> 16) & 1 and 0x10 <= (t & 0xFFFF) <= 0xFF:
            value = attr.find("Value")
            creators.setdefault(((t >> 16), (value.text or "").strip() if value is not None else ""), t & 0xFF)
    for attr in model.findall("DicomAttribute"):
        tag, vr = int(attr.get("tag"), 16), attr.get("vr")
        creator = attr.get("privateCreator")
        if creator is not None and tag & 0xFF00 == 0 and (tag >> 16, creator.strip()) in creators:
            tag = (tag & 0xFFFF00FF) | (creators[(tag >> 16, creator.strip())] << 8)
        if tag == 0x7FE00010:
            vr = "OB/OW"
        canon = []
        inline = attr.find("InlineBinary")
        if inline is not None:
            data = base64.b64decode(inline.text or "")
            out[tag] = (vr, [("b", data)] if data else [])
            continue
        if attr.find("BulkData") is not None:
            out[tag] = (vr, [("s", "BulkDataURI")])
            continue
        if vr == "SQ":
            items = sorted(attr.findall("Item"), key=lambda i: int(i.get("number")))
            out[tag] = (vr, [from_xml(i) for i in items])
            continue
        if vr == "PN":
            for pn in sorted(attr.findall("PersonName"), key=lambda p: int(p.get("number"))):
                groups = []
                for g in ("Alphabetic", "Ideographic", "Phonetic"):
                    node = pn.find(g)
                    parts = [(node.find(c).text or "") if node is not None and node.find(c) is not None else ""
                             for c in ("FamilyName", "GivenName", "MiddleName", "NamePrefix", "NameSuffix")]
                    groups.append("^".join(parts))
                canon.append(("pn", pn_canon("=".join(groups))) if pn_canon("=".join(groups)) else None)
        else:
            for v in sorted(attr.findall("Value"), key=lambda v: int(v.get("number"))):
                x = v.text or ""
                if x == "":
                    canon.append(None)
                elif vr in INT_VRS or vr in ("FL", "FD", "DS"):
                    canon.append(number(Num(x) if re.fullmatch(r"[-+]?[\d.]+(?:[eE][-+]?\d+)?", x) else x, vr))
                elif vr == "AT":
                    canon.append(("at", int(x, 16)))
                else:
                    s = strip(x, vr)
                    canon.append(("s", s) if s else None)
        if canon == [None]:
            canon = []
        out[tag] = (vr, canon)
    return out


def show(v):
    s = repr(v)
    return s if len(s) < 120 else s[:117] + "..."


def compare(a, b, where="", out=None):
    """Differences between canonical datasets a and b: [(where, tag, vr, kind, detail)]."""
    out = [] if out is None else out
    for tag in sorted(set(a) | set(b)):
        t = f"{where}({tag >> 16:04X},{tag & 0xFFFF:04X})"
        if tag not in a or tag not in b:
            vr = (a.get(tag) or b.get(tag))[0]
            if (a.get(tag) or b.get(tag))[1] == []:
                continue  # empty on one side, absent on the other
            out.append((t, tag, vr, "only-in-" + ("second" if tag not in a else "first"), ""))
            continue
        (va, xa), (vb, xb) = a[tag], b[tag]
        if va != vb:
            out.append((t, tag, f"{va}/{vb}", "vr", ""))
            if va in BULK or vb in BULK:
                continue
        if va == "SQ" and vb == "SQ":
            if len(xa) != len(xb):
                out.append((t, tag, "SQ", "items", f"{len(xa)} != {len(xb)}"))
            for k, (ia, ib) in enumerate(zip(xa, xb)):
                compare(ia, ib, f"{t}[{k}]", out)
        elif xa != xb and len(xa) == len(xb) == 1 and xa[0][0] == xb[0][0] == "b" and len(xa[0][1]) % 2 == 1 \
                and xb[0][1] == xa[0][1] + b"\0":
            out.append((t, tag, va, "odd value padded", ""))
        elif xa != xb and [(x[0], re.sub(r"\x1b[$()*+,\-./]*[@-~]", "", x[1])) if x and x[0] in ("s", "pn") else x
                           for x in xa] == xb:
            out.append((t, tag, va, "escape sequence kept", ""))
        elif xa != xb:
            kind = "value"
            if len(xa) == len(xb):
                pairs = [(p, q) for p, q in zip(xa, xb) if p != q]
                kinds = {(p[0] if p else "empty") + "~" + (q[0] if q else "empty") for p, q in pairs}
                kind = "value:" + ",".join(sorted(kinds))
            out.append((t, tag, va, kind, f"{show(xa)} != {show(xb)}"))
    return out


# ---------------------------------------------------------------------------------------------
# Text: dicomtool `dump --full` and `dcmdump +L`, both parsed to (path, tag, vr, value, length, vm).

DT_LINE = re.compile(r"^( *)\(([0-9A-F]{4}),([0-9A-F]{4})\) (\w\w) (.*?) *# (?:(\d+|u/l), )?(\d+) ([^#]*)$")
DT_ITEM = re.compile(r"^( *)> Item (\d+) ")
DC_START = re.compile(r"^ *\([0-9a-f]{4},[0-9a-f]{4}\) ")
DC_LINE = re.compile(r"^( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w|\?\?) (.*?) *# *(\d+|u/l), *(\d+) ([^#]*)$", re.S)
CHARSET_VRS = {"SH", "LO", "ST", "LT", "UT", "UC", "PN"}


def parse_dicomtool_text(text):
    """{path: (vr, value, length, vm)} of the data set part of one file's `dump --full` text."""
    out, stack, in_data = {}, [], False
    for line in text.split("\n"):
        if line.startswith("# Data Set"):
            in_data = True
            continue
        if not in_data or not line.strip():
            continue
        m = DT_ITEM.match(line)
        if m:
            depth = len(m.group(1)) // 4
            stack = stack[:depth + 1]
            stack[depth] = (stack[depth][0], int(m.group(2)) - 1)
            continue
        m = DT_LINE.match(line)
        if not m:
            out[("unparsed", line)] = None
            continue
        depth = len(m.group(1)) // 4
        stack = stack[:depth]
        tag = m.group(2) + m.group(3)
        path = tuple(f"{t}[{i}]" for t, i in stack) + (tag,)
        out[path] = (m.group(4), m.group(5), m.group(6) or "", m.group(7))
        stack.append((tag, -1))
    return out


def parse_dcmdump(text):
    """{path: (vr, value, length, vm)} of one file's dcmdump +L data set."""
    lines, in_data = [], False
    for line in text.split("\n"):
        if line.startswith("# Dicom-Data-Set"):
            in_data = True
            continue
        if not in_data or line.startswith("# Used TransferSyntax"):
            continue
        if DC_START.match(line) or not lines:
            lines.append(line)
        else:
            lines[-1] += "\n" + line  # a value with a line break
    out, stack = {}, []
    for line in lines:
        if not line.strip():
            continue
        m = DC_LINE.match(line)
        if not m:
            out[("unparsed", line)] = None
            continue
        depth = len(m.group(1)) // 4
        tag = (m.group(2) + m.group(3)).upper()
        if tag in ("FFFEE00D", "FFFEE0DD"):
            continue
        if tag == "FFFEE000":
            stack = stack[:depth + 1]
            stack[depth] = (stack[depth][0], stack[depth][1] + 1)
            continue
        stack = stack[:depth]
        path = tuple(f"{t}[{i}]" for t, i in stack) + (tag,)
        vr = "UN" if m.group(4) == "??" else m.group(4)  # dcmdump's VR of an unknown implicit VR element
        out[path] = (vr, m.group(5), m.group(6), m.group(7))
        stack.append((tag, -1))
    return out


def escape_controls(s):
    out = []
    for ch in s:
        o = ord(ch)
        out.append({10: "\\n", 13: "\\r", 9: "\\t"}.get(o) or (f"\\x{o:02X}" if o < 0x20 or o == 0x7F else ch))
    return "".join(out)


def text_values(vr, value, from_dcmdump):
    """Comparable form of one value column."""
    if value in ("(no value)", "(no value available)"):
        return ("empty",)
    if vr == "SQ":
        m = re.search(r"(\d+) item|#=(\d+)", value)
        return ("items", int(next(g for g in m.groups() if g is not None))) if m else ("?", value)
    if value.startswith("[") and (value.endswith("]") or "...]" in value):
        inner = value[1:value.rindex("]")]
        if from_dcmdump:
            inner = escape_controls(inner.rstrip("\x00"))
        parts = [inner] if vr in TEXT_VRS else inner.split("\\")
        return ("s",) + tuple(p.rstrip(" ") if vr in TEXT_VRS or vr == "PN" else p.strip(" ") for p in parts)
    parts = value.split("\\")
    if vr in ("FL", "FD", "OF", "OD"):
        vals = []
        for p in parts:
            try:
                x = float(p.replace("Infinity", "inf"))
                vals.append(("nan",) if math.isnan(x) else (float(struct.unpack("<f", struct.pack("<f", x))[0])
                                                              if vr in ("FL", "OF") else x))
            except ValueError:
                vals.append(p)
        return ("f",) + tuple(vals)
    if vr in ("OB", "OW", "UN", "AT"):
        return ("h",) + tuple(p.lower() for p in parts)
    return ("v",) + tuple(parts)


def float_kind(a, b, vr):
    """How two float lists differ: "" (equal), "negative zero" (dcmdump prints -0.0 as 0), "ftoa"
    (FD/OD within dcmtk's formatting error: OFStandard::ftoa is not correctly rounded, about 15
    significant digits; the largest double may come out above it, i.e. as infinity) or "value"."""
    if len(a) != len(b):
        return "value"
    kinds = set()
    for x, y in zip(a, b):
        if isinstance(x, float) and isinstance(y, float):
            if repr(x) == repr(y):
                continue
            if x == y == 0:
                kinds.add("negative zero")
                continue
            if vr in ("FD", "OD"):
                if math.isinf(x) or math.isinf(y):
                    if (math.isinf(y) and abs(x) > 1.797693134862315e308) or (math.isinf(x) and abs(y) > 1.797693134862315e308):
                        kinds.add("ftoa")
                        continue
                elif abs(x - y) <= 1e-14 * max(abs(x), abs(y)) or abs(x - y) < 1e-320:
                    kinds.add("ftoa")
                    continue
        elif x == y:
            continue
        return "value"
    return "ftoa" if "ftoa" in kinds else ("negative zero" if kinds else "")


def compare_text(ours, theirs, converted_by_dcmdump):
    """[(path, kind, detail)] between dicomtool's and dcmdump's parsed dumps."""
    diffs = []
    charset = ours.get(("00080005",), ("", "[]"))[1].strip("[]").strip()
    converted = charset not in ("", "ISO_IR 6", "ISO_IR 192") and converted_by_dcmdump
    jis_roman = charset.startswith(("ISO_IR 13", "ISO 2022 IR 13"))
    for path in sorted(set(ours) | set(theirs), key=str):
        if path[0] == "unparsed":
            diffs.append((path[1][:100], "unparsed", ""))
            continue
        a, b = ours.get(path), theirs.get(path)
        where = "/".join(path)
        if a is None and path == ("00080005",) and converted_by_dcmdump:
            continue
        if a is None or b is None:
            diffs.append((where, "only-in-" + ("dcmdump" if a is None else "dicomtool"), ""))
            continue
        vr = a[0]
        if a[0] != b[0]:
            diffs.append((where, f"vr {a[0]}/{b[0]}", ""))
            continue
        if path[-1] == "00080005" and len(path) == 1:
            continue  # dcmdump +U8 rewrites (or adds) the character set, ISO_IR 192, with the values
        odd = a[2].isdigit() and b[2] == str(int(a[2]) + 1) and int(a[2]) % 2 == 1
        if a[2] != b[2]:
            if odd:
                diffs.append((where, "odd length", f"{a[2]} != {b[2]}"))
            elif not (converted and vr in CHARSET_VRS):  # +U8 counts the UTF-8 bytes
                diffs.append((where, f"{vr} length", f"{a[2]} != {b[2]}"))
        yen = jis_roman and vr in CHARSET_VRS and "\u00a5" in b[1] and "\u00a5" not in a[1]
        if yen:  # iconv reads 05/12 of JIS X 0201 as YEN SIGN, and dcmtk counts the values after that
            b = (b[0], b[1].replace("\u00a5", "\\"), b[2],
                 b[3] if vr in TEXT_VRS or b[3] == "0" else str(len(b[1].split("\u00a5"))))
            diffs.append((where, "yen sign", ""))
        raw_text = not converted_by_dcmdump and vr in CHARSET_VRS and charset
        if a[3] != b[3] and not raw_text:  # unconverted, dcmtk counts 05/12 bytes inside two-byte characters
            empty = a[2] == "0" and a[3] == "0" and b[3] == "1"
            diffs.append((where, f"empty {vr} vm" if empty else f"{vr} vm", f"{a[3]} != {b[3]}"))
        if path[-1] == "7FE00010" or raw_text:
            continue  # dicomtool summarises pixel data; dcmdump shows the text bytes unconverted
        ours_value = re.sub(r"\] = .*$", "]", a[1]) if vr == "UI" else a[1]  # the UID's name
        ta, tb = text_values(vr, ours_value, False), text_values(vr, b[1], True)
        if odd and vr in ("OB", "UN") and tb[-1] == "00":
            tb = tb[:-1]
        if ta != tb:
            kind = float_kind(ta[1:], tb[1:], vr) if ta[0] == tb[0] == "f" else "value"
            if kind:
                diffs.append((where, f"{vr} {kind}", f"{a[1][:100]!r} != {b[1][:100]!r}"))
    return diffs


# ---------------------------------------------------------------------------------------------

def load_known():
    """{(check, kind): reason} from vr_edges_known_differences.tsv."""
    known = {}
    with open(os.path.join(HERE, "vr_edges_known_differences.tsv"), encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            if line.strip() and not line.startswith("#"):
                check, kind, reason = line.split("\t", 2)
                known[(check, kind)] = reason
    return known


class Run:
    def __init__(self, tool, work):
        self.tool, self.work = tool, work
        self.processes, self.signals, self.times = 0, [], []

    def __call__(self, label, args, files=None):
        """One dicomtool process; a signal (or an undocumented status >= 128) is recorded."""
        self.processes += 1
        cmd = [self.tool] + args
        start = time.monotonic()
        r = subprocess.run(cmd, capture_output=True, env=ENV)
        self.times.append((time.monotonic() - start, label))
        if r.returncode < 0 or r.returncode >= 128 and r.returncode != 130:
            detail = f"{label}: ended by signal {-r.returncode if r.returncode < 0 else r.returncode - 128}"
            # Which inputs: searched for the first three such processes, five inputs each at most.
            culprits = self.culprits(args, files) if files and len(self.signals) < 3 else []
            self.signals.append(detail + (f"; per file: {'; '.join(culprits[:10])}" if culprits else ""))
        return r

    def culprits(self, args, files):
        """The inputs that end a one-file run of the same command by a signal."""
        found = []
        base = [a for a in args if a != self.work + "/in"]
        for f in files:
            extra = []
            if "-o" in base:  # a fresh output directory per file
                i = base.index("-o")
                extra = base[:i + 1] + [base[i + 1] + ".one"] + base[i + 2:]
            r = subprocess.run([self.tool] + (extra or base) + [f], capture_output=True, env=ENV)
            if r.returncode < 0 or r.returncode >= 128 and r.returncode != 130:
                found.append(f"{os.path.basename(f)} ({r.returncode})")
                if len(found) == 5:
                    break
        return found


def records(stdout):
    """{input path: record} of a --format json run."""
    out = {}
    for line in stdout.decode("utf-8", "replace").splitlines():
        try:
            rec = load_json(line)
        except ValueError:
            continue
        if rec.get("type") == "item":
            out[rec.get("input")] = rec
    return out


def split_text_dump(stdout):
    """{path: text} of a multi-file text dump ("# File: PATH" headers)."""
    out = {}
    for block in ("\n" + stdout).split("\n# File: ")[1:]:
        path, _, body = block.partition("\n")
        out[path] = body[:-1] if body.endswith("\n\n") else body
    return out


def dcmdump_texts(files, convert=True, chunk=150):
    """{path: dcmdump +L text} (+U8: values converted to UTF-8), many files per call."""
    out = {}
    for i in range(0, len(files), chunk):
        part = files[i:i + chunk]
        r = subprocess.run(["dcmdump", "-q", "+L", "-Un", "+F"] + (["+U8"] if convert else []) + part, capture_output=True)
        text = r.stdout.decode("utf-8", "replace")
        for block in re.split(r"^# dcmdump \(\d+/\d+\): ", text, flags=re.M)[1:]:
            path, _, body = block.partition("\n")
            out[path.strip()] = body
    return out


def check(tool, work, seed, count):
    known = load_known()
    indir = os.path.join(work, "in")
    if os.path.isdir(indir):
        shutil.rmtree(indir)
    files = vr_edges_gen.make(indir, seed, count)
    run = Run(tool, work)
    problems, excused = [], {}
    checks = 0

    def difference(check_name, kind, where, detail=""):
        key = (check_name, kind)
        if key in known:
            excused[key] = excused.get(key, 0) + 1
        else:
            problems.append(f"{check_name} {kind}: {where} {detail}".rstrip())

    common = ["-q", "-j", "2", indir]
    big = "--inline-max", "100000000"
    text_run = run("dump", ["dump"] + common, files)
    full_run = run("dump --full", ["dump", "--full"] + common, files)
    json_run = run("dump --json", ["dump", "--json", *big] + common, files)
    xml_run = run("dump --xml", ["dump", "--xml", *big] + common, files)
    jl_text = run("dump --format json", ["dump", "--format", "json"] + common, files)
    jl_json = run("dump --format json --json", ["dump", "--format", "json", "--json", *big] + common, files)
    statuses = {"dump": records(jl_json.stdout)}
    statuses["validate"] = records(run("validate", ["validate", "--format", "json"] + common, files).stdout)
    key = os.path.join(work, "secret")
    with open(key, "w") as f:
        f.write("vr-edges-secret\n")
    outputs = {}
    for label, args in [("anonymize", ["anonymize", "--secret-file", key, "--burned-in", "allow"]),
                        ("derive", ["derive", "--frames", "1", "--to-8bit"]),
                        ("transcode --implicit", ["transcode", "--implicit"]),
                        ("transcode --explicit", ["transcode", "--explicit"]),
                        ("transcode --big-endian", ["transcode", "--big-endian"]),
                        ("transcode --deflate", ["transcode", "--deflate"])]:
        out = os.path.join(work, label.replace(" --", "-"))
        shutil.rmtree(out, ignore_errors=True)
        statuses[label] = records(run(label, args + ["--format", "json", "-o", out] + common, files).stdout)
        outputs[label] = out
    for label, out in outputs.items():  # every output read again, in the two structured formats
        written = sorted(os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs)
        if not written:
            continue
        r = run(f"dump --json of {label} output", ["dump", "--format", "json", "--json", *big, "-q", "-j", "2", out], written)
        statuses[f"dump of {label} output"] = records(r.stdout)

    # Per-file exit statuses.
    # derive: a file without pixel data is refused as invalid input (22); one with them is
    # derived, or refused: as invalid input (22) when its window cannot be applied (a width below
    # 1, a centre or width beyond the finite range), as unsupported (80).
    allowed = {"dump": {0}, "validate": {0, 83}, "anonymize": {0}, "derive": {0, 22, 80},
               "transcode --implicit": {0}, "transcode --explicit": {0}, "transcode --big-endian": {0},
               "transcode --deflate": {0}}
    for label, recs in statuses.items():
        if len(recs) != (count if label in allowed else len(recs)):
            difference("status", f"{label} records", "", f"{len(recs)} of {count}")
        for path, rec in recs.items():
            checks += 1
            ok = allowed.get(label, {0})
            if label == "derive" and not vr_edges_gen.has_pixels(path):
                ok = {22}
            if int(rec.get("exit", -1)) not in ok:
                msg = (rec.get("error") or rec.get("message") or "")
                difference("status", f"{label} exit {rec.get('exit')}", os.path.basename(str(path)), str(msg)[:200])

    # dump --json: one line per file in input order (files that fail have no line).
    dumped = [f for f in files if statuses["dump"].get(f, {}).get("exit") == "0"]
    lines = json_run.stdout.decode("utf-8").splitlines()
    if len(lines) != len(dumped):
        difference("json", "line count", "", f"{len(lines)} lines for {len(dumped)} files")
    ours, canonical = {}, {}
    for path, line in zip(dumped, lines):
        try:
            ours[path] = load_json(line)
            canonical[path] = from_json(ours[path])
        except ValueError as e:
            difference("json", "unparseable", os.path.basename(path), str(e)[:200])

    # JSON Lines records against dump --json and dump.
    texts = split_text_dump(text_run.stdout.decode("utf-8", "replace"))
    jl_texts = records(jl_text.stdout)
    for path in dumped:
        rec = statuses["dump"][path]
        checks += 2
        if path in ours and rec.get("dataset") != ours[path]:
            difference("jsonl", "dataset", os.path.basename(path), "--format json --json record != dump --json")
        if jl_texts.get(path, {}).get("text") != texts.get(path):
            difference("jsonl", "text", os.path.basename(path), "--format json record text != dump text")

    # XML against JSON.
    xml_docs = [d for d in re.split(r'(?=<\?xml )', xml_run.stdout.decode("utf-8")) if d.strip()]
    if len(xml_docs) != len(dumped):
        difference("xml", "document count", "", f"{len(xml_docs)} for {len(dumped)} files")
    for path, doc in zip(dumped, xml_docs):
        checks += 1
        try:
            model = from_xml(ET.fromstring(doc.encode("utf-8")))
        except ET.ParseError as e:
            difference("xml", "unparseable", os.path.basename(path), str(e)[:200])
            continue
        if path in ours:
            for where, tag, vr, kind, detail in compare(canonical[path], model):
                difference("xml", f"{vr} {kind}", f"{os.path.basename(path)} {where}", detail)

    # dump --json against pydicom's reading.
    compared = unreadable = 0
    for path in files:
        try:
            ref = from_pydicom(pydicom.dcmread(path), path.endswith("_ebe.dcm"))
        except Exception as e:  # pydicom cannot read it: not compared, but said
            unreadable += 1
            difference("pydicom", "unreadable", os.path.basename(path), repr(e)[:200])
            continue
        if path not in ours:
            continue
        compared += 1
        for where, tag, vr, kind, detail in compare(ref, canonical[path]):
            checks += 1
            difference("json", f"{vr} {kind}", f"{os.path.basename(path)} {where}", detail)
        checks += 1

    # dump --full against dcmdump +L.
    full = split_text_dump(full_run.stdout.decode("utf-8", "replace"))
    theirs = dcmdump_texts(files)
    # dcmtk 3.6.7 as Debian builds it converts with iconv, which has no ISO 2022 IR 87, 149, 58 or
    # 159: dcmdump +U8 refuses those files; they are compared unconverted, text values of the VRs
    # that use the character set aside.
    unconverted = [f for f in files if "# Dicom-Data-Set" not in theirs.get(f, "")]
    theirs.update(dcmdump_texts(unconverted, convert=False))
    for path in files:
        if path not in full or path not in theirs:
            difference("text", "missing", os.path.basename(path), "no dicomtool" if path not in full else "no dcmdump output")
            continue
        checks += 1
        for where, kind, detail in compare_text(parse_dicomtool_text(full[path]), parse_dcmdump(theirs[path]),
                                                path not in unconverted):
            difference("text", kind, f"{os.path.basename(path)} {where}", detail)

    # Transcoded files: the same data set as their source (private elements are UN when either
    # side is implicit VR, so only what both name is compared there).
    for label in ("transcode --implicit", "transcode --explicit", "transcode --big-endian", "transcode --deflate"):
        recs = statuses.get(f"dump of {label} output", {})
        by_name = {os.path.basename(p): r for p, r in recs.items()}
        for path in dumped:
            rec = by_name.get(os.path.basename(path))
            if rec is None or path not in ours:
                continue
            checks += 1
            if rec.get("dataset") == ours[path]:
                continue
            a, b = canonical[path], from_json(rec.get("dataset") or {})
            implicit = label.endswith("implicit") or path.endswith("_ile.dcm")
            for where, tag, vr, kind, detail in compare(a, b):
                if implicit and (tag >> 16) % 2 == 1 and "(" not in where[11:]:
                    continue
                difference(label, f"{vr} {kind}", f"{os.path.basename(path)} {where}", detail)

    for seconds, label in run.times:
        print(f"time: {seconds:6.1f} s  {label}")
    for s in run.signals:
        problems.insert(0, "SIGNAL " + s)
    for (c, k), n in sorted(excused.items()):
        print(f"known: {n} x {c} {k}: {known[(c, k)]}")
    for p in problems[:400]:
        print(p)
    if len(problems) > 400:
        print(f"... {len(problems) - 400} more")
    print(f"vr_edges: {count} files (seed {seed}), {run.processes} dicomtool processes, {compared} compared with pydicom, "
          f"{checks} checks, {len(run.signals)} signals, {len(problems)} differences ({sum(excused.values())} known)")
    return 1 if problems or run.signals else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    m = sub.add_parser("make")
    m.add_argument("outdir")
    c = sub.add_parser("check")
    c.add_argument("dicomtool")
    c.add_argument("workdir")
    for s in (m, c):
        s.add_argument("--seed", type=int, default=1)
        s.add_argument("--count", type=int, default=200)
    a = p.parse_args()
    if a.mode == "make":
        files = vr_edges_gen.make(a.outdir, a.seed, a.count)
        print(f"{len(files)} files in {a.outdir}")
        return 0
    os.makedirs(a.workdir, exist_ok=True)
    return check(os.path.abspath(a.dicomtool), os.path.abspath(a.workdir), a.seed, a.count)


if __name__ == "__main__":
    sys.exit(main())

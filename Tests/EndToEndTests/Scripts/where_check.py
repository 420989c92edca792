"""`dicomtool --where` and `dump --format csv|tsv` against pydicom's reading of the same files.

  select BINARY QUERIES FILE...   for each line of QUERIES (criteria separated by ' && '), the files
                                  `dicomtool dump --format csv --tag SOPInstanceUID --where ...`
                                  selects must be exactly those whose pydicom data set matches, by
                                  an implementation of PS3.4 C.2.2.2 written here independently.
  table STYLE TABLE TAG... -- FILE...   TABLE (dump --format STYLE output) read with the csv module:
                                  a header row, then one row per FILE in order, each cell the
                                  pydicom values of TAG joined with '\\'.
Prints one line per difference and a last line 'where_check: ...'; exit 1 on any difference.
"""
import csv
import datetime
import io
import re
import subprocess
import sys

import pydicom
from pydicom.datadict import tag_for_keyword
from pydicom.multival import MultiValue
from pydicom.tag import Tag

TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}
NUMBER_VRS = {"IS", "DS", "US", "SS", "UL", "SL", "FL", "FD", "SV", "UV"}


def parse_path(key):
    """[(Tag, index or None or '*')] from 'Seq[*].Keyword' (keywords and (gggg,eeee) only)."""
    steps = []
    for part in key.split("."):
        index = None
        m = re.fullmatch(r"(.+)\[(\*|\d+)\]", part)
        if m:
            part, index = m.group(1), m.group(2)
            index = "*" if index == "*" else int(index)
        if part.startswith("("):
            g, e = part.strip("()").split(",")
            tag = Tag(int(g, 16), int(e, 16))
        else:
            tag = Tag(tag_for_keyword(part))
        steps.append((tag, index))
    return steps


def elements(ds, steps):
    if not steps:
        return []
    (tag, index), rest = steps[0], steps[1:]
    if tag not in ds:
        return []
    elem = ds[tag]
    if not rest and index is None:
        return [elem]
    items = list(elem.value or [])
    if isinstance(index, int):
        items = items[index:index + 1]
    if not rest:
        return [("item", item) for item in items]
    found = []
    for item in items:
        found += elements(item, rest)
    return found


def values(elem):
    if elem.VR in ("SQ", "OB", "OW", "OF", "OD", "OL", "OV", "UN"):
        return []
    v = elem.value
    if v is None or v == "":
        return []
    raw = list(v) if isinstance(v, MultiValue) else [v]
    return [str(x) for x in raw]


def span(text, vr, partial):
    """(lower, upper) as comparable tuples, or None."""
    text = text.strip()
    if vr == "DA":
        text = text.replace(".", "") if len(text) == 10 else text
        if not re.fullmatch(r"\d{4}(\d{2}(\d{2})?)?" if partial else r"\d{8}", text):
            return None
        y = int(text[:4])
        if len(text) == 4:
            return (y, 1, 1), (y, 12, 31)
        m = int(text[4:6])
        if not 1 <= m <= 12:
            return None
        last = (datetime.date(y + (m == 12), m % 12 + 1, 1) - datetime.timedelta(days=1)).day
        if len(text) == 6:
            return (y, m, 1), (y, m, last)
        d = int(text[6:8])
        if not 1 <= d <= last:
            return None
        return (y, m, d), (y, m, d)
    if vr == "TM":
        text = text.replace(":", "")
        m = re.fullmatch(r"(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?", text)
        if not m or (m.group(4) and not m.group(3)):
            return None
        h, mi, s, f = m.groups()
        lo = [int(h), int(mi or 0), int(s or 0), int((f or "").ljust(6, "0"))]
        if lo[0] > 23 or lo[1] > 59 or lo[2] > 60:
            return None
        hi = list(lo)
        if mi is None:
            hi[1:] = [59, 59, 999999]
        elif s is None:
            hi[2:] = [59, 999999]
        elif f is None:
            hi[3] = 999999
        else:
            hi[3] = lo[3] + 10 ** (6 - len(f)) - 1
        return tuple(lo), tuple(hi)
    return None


def rule_matches(value, vr, have):
    """One value of an attribute against the key's value (never universal here)."""
    if vr in ("DA", "TM"):
        if "-" in value:
            low, high = value.split("-")
            lo = span(low, vr, True)[0] if low else None
            hi = span(high, vr, True)[1] if high else None
        else:
            lo, hi = span(value, vr, vr == "TM")
        s = span(have, vr, vr == "TM")
        return s is not None and (lo is None or s[0] >= lo) and (hi is None or s[0] <= hi)
    if vr == "UI":
        return have.strip("\0 ") in value.split("\\")
    if vr in NUMBER_VRS:
        try:
            return float(have) == float(value)
        except ValueError:
            return False
    have = have.rstrip(" ") if vr in ("LT", "ST", "UT", "UR") else have.strip(" ")
    if vr == "PN":
        have, value = have.lower(), value.lower()
    if "*" in value or "?" in value:
        pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in value)
        return re.fullmatch(pattern, have, re.S) is not None
    return have == value.strip(" ")


def criterion_matches(ds, criterion):
    key, value = criterion.split("=", 1)
    steps = parse_path(key)
    root = ds.file_meta if steps[0][0].group == 2 else ds
    found = elements(root, steps)
    if value == "":
        return bool(found)
    for elem in found:
        if isinstance(elem, tuple):
            continue
        if any(rule_matches(value, elem.VR, v) for v in values(elem)):
            return True
    return False


def select(binary, queries_path, files):
    datasets = {}
    for path in files:
        try:
            datasets[path] = pydicom.dcmread(path, force=True)
        except Exception as e:  # unreadable for pydicom: left out of the comparison
            print(f"pydicom cannot read {path}: {e}", file=sys.stderr)
    paths = [p for p in files if p in datasets]
    with open(queries_path) as f:
        queries = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    differences = 0
    for query in queries:
        criteria = query.split(" && ")
        args = [binary, "dump", "-q", "--format", "csv", "--tag", "SOPInstanceUID"]
        for c in criteria:
            args += ["--where", c]
        run = subprocess.run(args + paths, capture_output=True, text=True)
        rows = list(csv.reader(io.StringIO(run.stdout)))
        chosen = {row[0] for row in rows[1:]}
        expected = {p for p in paths if all(criterion_matches(datasets[p], c) for c in criteria)}
        if run.returncode not in (0, 22):
            print(f"{query}: exit {run.returncode}: {run.stderr.strip()}")
            differences += 1
        for p in sorted(chosen - expected):
            print(f"{query}: dicomtool selects {p}, pydicom's reading does not")
            differences += 1
        for p in sorted(expected - chosen):
            print(f"{query}: pydicom's reading selects {p}, dicomtool does not")
            differences += 1
        print(f"{query}: {len(chosen & expected)} selected alike")
    print(f"where_check: {len(queries)} queries over {len(paths)} files, {differences} differences")
    return 1 if differences else 0


def table(style, table_path, tags, files):
    with open(table_path, newline="") as f:
        if style == "csv":
            rows = list(csv.reader(f))
        else:
            rows = [[c.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r") for c in row]
                    for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    differences = 0
    if rows[0] != ["path"] + tags:
        print(f"header {rows[0]} != {['path'] + tags}")
        differences += 1
    if len(rows) - 1 != len(files):
        print(f"{len(rows) - 1} rows for {len(files)} files")
        differences += 1
    for row, path in zip(rows[1:], files):
        ds = pydicom.dcmread(path, force=True)
        expected = [path]
        for tag in tags:
            steps = parse_path(tag)
            found = elements(ds.file_meta if steps[0][0].group == 2 else ds, steps)
            cells = []
            for elem in found:
                if not isinstance(elem, tuple):
                    cells += [v.strip(" ") if elem.VR not in ("LT", "ST", "UT", "UR") else v.rstrip(" ") for v in values(elem)]
            expected.append("\\".join(cells))
        for name, have, want in zip(["path"] + tags, row, expected):
            if name in ("DS",):
                continue
            if have != want and not numbers_equal(have, want):
                print(f"{path}: {name}: table {have!r}, pydicom {want!r}")
                differences += 1
    print(f"where_check: {style} table of {len(rows) - 1} rows, {differences} differences")
    return 1 if differences else 0


def numbers_equal(a, b):
    try:
        return [float(x) for x in a.split("\\")] == [float(x) for x in b.split("\\")]
    except ValueError:
        return False


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "select":
        sys.exit(select(sys.argv[2], sys.argv[3], sys.argv[4:]))
    if mode == "table":
        rest = sys.argv[4:]
        split = rest.index("--")
        sys.exit(table(sys.argv[2], sys.argv[3], rest[:split], rest[split + 1:]))
    sys.exit(f"unknown mode {mode}")

"""The matches of a C-FIND as sorted JSON rows, from either side, so that dicomtool find and
dcmtk's findscu are compared through the same reading (pydicom):
  find_responses.py --dir DIR PATH...     findscu's extracted responses (rsp*.dcm, -X -od DIR)
  find_responses.py --jsonl FILE PATH...  dicomtool find --format json (match records' data sets)
  find_responses.py --array FILE PATH...  dicomtool find --json (one PS3.18 array)
PATH is a keyword or a path through sequence items (ScheduledProcedureStepSequence[0].Modality).
Each row is the list of the paths' values as text (values joined with '\\', trailing spaces off).
scripts/qr-sweep imports it (datasets, rows) to read both sides the same way.
"""
import glob, json, os, re, sys
from pydicom import Dataset, dcmread

def value(ds, path):
    node = ds
    steps = path.split(".")
    for i, step in enumerate(steps):
        m = re.fullmatch(r"(\w+)(?:\[(\d+)\])?", step)
        name, index = m.group(1), m.group(2)
        if name not in node:
            return ""
        element = node[name]
        if i == len(steps) - 1:
            if element.VR == "SQ":
                return "(%d items)" % len(element.value)
            v = element.value
            if v is None:
                return ""
            if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
                return "\\".join(str(x).strip() for x in v)
            return str(v).strip()
        items = element.value
        k = int(index or 0)
        if k >= len(items):
            return ""
        node = items[k]
    return ""

def datasets(mode, source):
    """The matches' data sets: mode --dir, --jsonl or --array as in the usage above."""
    found = []
    if mode == "--dir":
        for name in sorted(glob.glob(os.path.join(source, "rsp*.dcm"))):
            found.append(dcmread(name, force=True))
    elif mode == "--jsonl":
        for line in open(source, encoding="utf-8"):
            record = json.loads(line)
            if record.get("type") == "match":
                found.append(Dataset.from_json(record["dataset"]))
    else:
        found = [Dataset.from_json(d) for d in json.load(open(source, encoding="utf-8"))]
    return found

def rows(found, paths):
    """Each data set as the list of the paths' values, sorted."""
    return sorted([value(ds, p) for p in paths] for ds in found)

def main():
    mode, source, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    print(json.dumps(rows(datasets(mode, source), paths), ensure_ascii=False))

if __name__ == "__main__":
    main()

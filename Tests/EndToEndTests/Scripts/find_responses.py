"""The matches of a C-FIND as sorted JSON rows, from either side, so that dicomtool find and
dcmtk's findscu are compared through the same reading (pydicom):
  find_responses.py --dir DIR PATH...     findscu's extracted responses (rsp*.dcm, -X -od DIR)
  find_responses.py --jsonl FILE PATH...  dicomtool find --format json (match records' data sets)
  find_responses.py --array FILE PATH...  dicomtool find --json (one PS3.18 array)
PATH is a keyword or a path through sequence items (ScheduledProcedureStepSequence[0].Modality).
Each row is the list of the paths' values as text (values joined with '\\', trailing spaces off).
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

def main():
    mode, source, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    datasets = []
    if mode == "--dir":
        for name in sorted(glob.glob(os.path.join(source, "rsp*.dcm"))):
            datasets.append(dcmread(name, force=True))
    elif mode == "--jsonl":
        for line in open(source, encoding="utf-8"):
            record = json.loads(line)
            if record.get("type") == "match":
                datasets.append(Dataset.from_json(record["dataset"]))
    else:
        datasets = [Dataset.from_json(d) for d in json.load(open(source, encoding="utf-8"))]
    rows = sorted([value(ds, p) for p in paths] for ds in datasets)
    print(json.dumps(rows, ensure_ascii=False))

main()

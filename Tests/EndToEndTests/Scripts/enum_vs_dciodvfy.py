#!/usr/bin/env python3
"""Enumerated-value errors of `dicomtool validate` against dicom3tools' dciodvfy, file by file.

  enum_vs_dciodvfy.py [--dicomtool BIN] [--differences TSV] [--verbose] PATH...

PATH is a file or a directory (walked recursively; a corpus's MANIFEST.tsv, README.md and LICENSES/
and raw codestreams/ are skipped). For every file both tools run; an `iod.enum.value` error of
dicomtool is explained when dciodvfy reports an enumerated value error ("Unrecognized enumerated
value <V> for value N of attribute <Name>") for the same attribute of the same file, or when a row
of the differences file names the attribute (keyword or *) and a file-name pattern (shell glob,
* for any) with the reason. Everything else is a false positive of dicomtool's as far as dciodvfy
can tell, and is listed. dciodvfy's enumerated value errors that dicomtool does not report are
counted and listed too (informative: many sit in prose sections the generated tables lack).

Attribute names in dciodvfy's messages become keywords through pydicom's data dictionary.
Exit status 0 when no dicomtool enumerated-value error is unexplained, 1 otherwise, 2 on usage.
"""
import argparse
import fnmatch
import json
import os
import re
import subprocess
import sys

from pydicom.datadict import DicomDictionary

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
DEFAULT_DIFFERENCES = os.path.join(ROOT, "Tests", "Fixtures", "validate", "enum-differences.tsv")
DCIODVFY_ENUM = re.compile(r"Error - Unrecognized enumerated value <(.*?)> for value (\d+) of attribute <(.*?)>")

NAME_TO_KEYWORD = {}
for _tag, (_vr, _vm, _name, _retired, _keyword) in DicomDictionary.items():
    NAME_TO_KEYWORD.setdefault(_name, _keyword)


def files_under(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for d, dirs, names in os.walk(p):
                dirs[:] = sorted(x for x in dirs if x not in ("LICENSES", "codestreams"))
                for n in sorted(names):
                    if n in ("MANIFEST.tsv", "README.md"):
                        continue
                    out.append(os.path.join(d, n))
        else:
            out.append(p)
    return out


def dicomtool_enum_errors(binary, path):
    """(status, {keyword: [message...]}) of dicomtool's iod.enum.value errors."""
    r = subprocess.run([binary, "validate", "-q", "--format", "json", path], capture_output=True, text=True)
    found = {}
    for line in r.stdout.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        validation = rec.get("validation", rec)
        for f in validation.get("findings", []) if isinstance(validation, dict) else []:
            if f.get("rule") == "iod.enum.value" and f.get("severity") == "error":
                last = f.get("path", "").split(">")[-1].split("[")[0]
                found.setdefault(last, []).append(f.get("message", ""))
    return r.returncode, found


def dciodvfy_enum_errors(path):
    """{keyword: [line...]} of dciodvfy's enumerated value errors, or None when it cannot run."""
    try:
        r = subprocess.run(["dciodvfy", path], capture_output=True, text=True, errors="replace")
    except OSError:
        return None
    found = {}
    for line in (r.stderr + r.stdout).splitlines():
        m = DCIODVFY_ENUM.search(line)
        if m:
            name = m.group(3)
            found.setdefault(NAME_TO_KEYWORD.get(name, name), []).append(line.strip())
    return found


def read_differences(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines()[1:]:
            if not line.strip() or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) >= 3:
                rows.append((cells[0], cells[1], cells[2]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dicomtool", default=os.path.join(ROOT, ".build", "debug", "dicomtool"))
    ap.add_argument("--differences", default=DEFAULT_DIFFERENCES)
    ap.add_argument("--verbose", action="store_true", help="also list dciodvfy's errors dicomtool does not report")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()
    if dciodvfy_enum_errors("/dev/null") is None:
        print("dciodvfy is not installed", file=sys.stderr)
        return 2
    differences = read_differences(args.differences)
    files = files_under(args.paths)
    ours_total = both = listed = 0
    theirs_only = []
    unexplained = []
    listed_lines = []
    files_with_ours = set()
    unreadable = 0
    for path in files:
        status, ours = dicomtool_enum_errors(args.dicomtool, path)
        if status in (20, 22, 80):
            unreadable += 1
        theirs = dciodvfy_enum_errors(path) or {}
        rel = os.path.relpath(path)
        for keyword, messages in sorted(ours.items()):
            ours_total += len(messages)
            files_with_ours.add(path)
            if keyword in theirs:
                both += len(messages)
                continue
            reason = next((r for (k, pattern, r) in differences
                           if (k == "*" or k == keyword) and (pattern == "*" or fnmatch.fnmatch(rel, pattern)
                                                             or fnmatch.fnmatch(os.path.basename(path), pattern))), None)
            for m in messages:
                if reason:
                    listed += 1
                    listed_lines.append(f"{rel}: {m}  [listed: {reason}]")
                else:
                    unexplained.append(f"{rel}: {m}")
        for keyword, lines in sorted(theirs.items()):
            if keyword not in ours:
                theirs_only += [f"{rel}: {l}" for l in lines]
    print(f"enum_vs_dciodvfy: {len(files)} files ({unreadable} not readable by dicomtool); "
          f"dicomtool enumerated-value errors {ours_total} in {len(files_with_ours)} files: "
          f"{both} also reported by dciodvfy, {listed} listed differences, {len(unexplained)} unexplained; "
          f"dciodvfy enumerated-value errors not reported by dicomtool: {len(theirs_only)}")
    for line in listed_lines:
        print("  LISTED " + line)
    for line in unexplained:
        print("  UNEXPLAINED " + line)
    if args.verbose:
        for line in theirs_only:
            print("  DCIODVFY-ONLY " + line)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())

"""A DICOMDIR tree through transcode, anonymize and derive: the DICOMDIR written beside the outputs
must be read by pydicom's FileSet, dcmdump and dciodvfy, be Explicit VR Little Endian, and each of
its records must name a written file with that file's SOP Class, SOP Instance and Transfer Syntax
UIDs (PS3.10 8.6, PS3.3 F.3). dciodvfy may report on the output only what it reports on the input.

usage: dicomdir_check.py DICOMTOOL WORKDIR FIXTURES_DIR [CORPUS_DICOMDIR_DIR]
Prints one line per failed check and 'dicomdir_check: N passed, M failed'; exit 1 on any failure.
"""
import os
import shutil
import subprocess
import sys
import warnings

import pydicom
from pydicom.fileset import FileSet
from pydicom.uid import generate_uid

warnings.filterwarnings("ignore")  # pydicom's notes on the inputs' own quirks
tool, work, fixtures = sys.argv[1:4]
corpus_dir = sys.argv[4] if len(sys.argv) > 4 else None
passed, failed = 0, []


def check(ok, what):
    global passed
    if ok:
        passed += 1
    else:
        failed.append(what)


def make_tree(root):
    """A file-set written by pydicom: six instances of two series from the bundled MR images."""
    fs = FileSet()
    for series in range(2):
        series_uid = generate_uid()
        for k, name in enumerate(["MR_small.dcm", "MR_small_implicit.dcm", "MR_small.dcm"]):
            ds = pydicom.dcmread(os.path.join(fixtures, "native", name))
            ds.SeriesInstanceUID = series_uid
            ds.SOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
            ds.InstanceNumber = k + 1
            fs.add(ds)
    fs.write(root)


def dciodvfy_errors(path):
    r = subprocess.run(["dciodvfy", path], capture_output=True, text=True)
    return {line.strip() for line in (r.stdout + r.stderr).splitlines() if line.startswith("Error")}


def check_tree(label, source_root, out_root, dicomdirs):
    for rel in dicomdirs:
        src, out = os.path.join(source_root, rel), os.path.join(out_root, rel)
        if not os.path.exists(out):
            check(False, f"{label}: {rel} not written")
            continue
        ds = pydicom.dcmread(out)
        check(ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1", f"{label}: {rel} is {ds.file_meta.TransferSyntaxUID}")
        try:
            fs = FileSet(ds)
            instances = list(fs)
        except Exception as e:  # the offsets are what FileSet follows
            check(False, f"{label}: pydicom FileSet cannot read {rel}: {e}")
            continue
        check(len(instances) > 0, f"{label}: {rel} has no instance records")
        for inst in instances:
            path = inst.path
            if not os.path.exists(path):
                check(False, f"{label}: {rel} names {inst.ReferencedFileID}, which was not written")
                continue
            f = pydicom.dcmread(path)
            check(str(f.file_meta.TransferSyntaxUID) == inst.ReferencedTransferSyntaxUIDInFile,
                  f"{label}: {path}: record says {inst.ReferencedTransferSyntaxUIDInFile}, file is {f.file_meta.TransferSyntaxUID}")
            check(str(f.SOPInstanceUID) == inst.ReferencedSOPInstanceUIDInFile,
                  f"{label}: {path}: record's SOP Instance UID is not the file's")
            check(str(f.SOPClassUID) == inst.ReferencedSOPClassUIDInFile,
                  f"{label}: {path}: record's SOP Class UID is not the file's")
        r = subprocess.run(["dcmdump", "-q", out], capture_output=True, text=True)
        check(r.returncode == 0 and not r.stderr.strip(), f"{label}: dcmdump {rel}: {r.returncode} {r.stderr[:200]}")
        new = dciodvfy_errors(out) - dciodvfy_errors(src)
        check(not new, f"{label}: dciodvfy {rel}: new errors {sorted(new)[:3]}")
        r = subprocess.run([tool, "validate", "-q", out], capture_output=True, text=True)
        check(r.returncode == 0, f"{label}: dicomtool validate {rel}: {r.returncode} {r.stdout[:300]}")


def run(label, args, source_root, out_root, dicomdirs, allowed=(0,)):
    shutil.rmtree(out_root, ignore_errors=True)
    r = subprocess.run([tool, *args, source_root, "-o", out_root], capture_output=True, text=True)
    check(r.returncode in allowed and r.returncode < 128, f"{label}: exit {r.returncode}: {r.stderr[-400:]}")
    check_tree(label, source_root, out_root, dicomdirs)


shutil.rmtree(work, ignore_errors=True)
trees = []
made = os.path.join(work, "made")
make_tree(made)
trees.append(("made", made, ["DICOMDIR"], (0,)))
if corpus_dir and os.path.isdir(corpus_dir):
    copy = os.path.join(work, "corpus")
    shutil.copytree(corpus_dir, copy)
    names = ["DICOMDIR", "DICOMDIR-implicit", "DICOMDIR-bigEnd", "DICOMDIR-reordered", "DICOMDIR-nooffset"]
    if os.path.exists(os.path.join(copy, "TINY_ALPHA", "DICOMDIR")):
        names.append("TINY_ALPHA/DICOMDIR")
    # TINY_ALPHA's instances have no Pixel Data: derive fails on them (22), as it should.
    trees.append(("corpus", copy, names, (0, 22)))

secret = os.path.join(work, "secret")
with open(secret, "w") as f:
    f.write("dicomdir-check")
for name, root, dicomdirs, derive_allowed in trees:
    for flag in ["--explicit", "--implicit", "--deflate", "--jpeg2000"]:
        run(f"{name} transcode {flag}", ["transcode", "-q", flag], root, os.path.join(work, f"{name}{flag}"), dicomdirs)
    # Lossy: every instance gets a new SOP Instance UID, which the records must carry.
    run(f"{name} transcode --jpegls --near 2", ["transcode", "-q", "--jpegls", "--near", "2"], root,
        os.path.join(work, f"{name}-nearlossless"), dicomdirs, allowed=(0, 80))
    # The corpus tree's folders are named by Patient ID (77654033/...), and so are its DICOMDIRs'
    # file IDs: anonymize refuses them as residuals (exit 83) unless --keep accepts the names.
    keep = ["--keep", "ReferencedFileID"] if name == "corpus" else []
    run(f"{name} anonymize", ["anonymize", "-q", "--secret-file", secret, "--burned-in", "allow", *keep], root,
        os.path.join(work, f"{name}-anon"), dicomdirs)
    # TINY_ALPHA's instances have no Pixel Data, so derive writes none of them: its DICOMDIR is
    # checked by the other commands.
    run(f"{name} derive --crop", ["derive", "-q", "--crop", "0,0,8,8"], root, os.path.join(work, f"{name}-derived"),
        [d for d in dicomdirs if not d.startswith("TINY_ALPHA")], allowed=derive_allowed)

# --layout uid renames every file: a DICOMDIR among the inputs is refused, never left pointing nowhere.
r = subprocess.run([tool, "anonymize", "-q", "--secret-file", secret, "--layout", "uid", made, "-o",
                    os.path.join(work, "uid")], capture_output=True, text=True)
check(r.returncode == 80 and "DICOMDIR" in r.stderr, f"anonymize --layout uid with a DICOMDIR: {r.returncode} {r.stderr[-300:]}")
check(not os.path.exists(os.path.join(work, "uid", "DICOMDIR")), "anonymize --layout uid wrote a DICOMDIR")

for line in failed:
    print("FAIL " + line)
print(f"dicomdir_check: {passed} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)

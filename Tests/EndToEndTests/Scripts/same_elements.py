"""Exit 0 when two DICOM files hold the same data set elements and values (pydicom), Data Set
Trailing Padding (FFFC,FFFC) aside: an archive that stored it with the file drops it on the
network (PS3.5 7.8.3 lets a sender leave it out), so a retrieved copy cannot hold it.
usage: same_elements.py A B   (scripts/qr-sweep imports differences())"""
import sys
from pydicom import dcmread

def differences(path_a, path_b):
    """The tags whose presence or value differs, as text (empty when the data sets agree)."""
    a, b = (dcmread(p, force=True) for p in (path_a, path_b))
    for ds in (a, b):
        if 0xFFFCFFFC in ds:
            del ds[0xFFFCFFFC]
    # Tags and values, not VRs (encapsulated Pixel Data may come as OB or OW), group lengths aside.
    tags = lambda ds: [e.tag for e in ds if e.tag.element != 0]
    return [str(t) for t in tags(a) if t not in b or b[t].value != a[t].value] + [str(t) for t in tags(b) if t not in a]

if __name__ == "__main__":
    different = differences(sys.argv[1], sys.argv[2])
    if different:
        print("differ at", ", ".join(different[:10]))
        sys.exit(1)
    print("same elements")

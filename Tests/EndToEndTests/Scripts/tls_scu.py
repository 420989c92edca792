#!/usr/bin/env python3
"""pynetdicom as a TLS requestor (an ssl.SSLContext through tls_args), for the TLS tests:
C-ECHO, then C-STORE of each file, on one association; prints one line per answer.

usage: tls_scu.py HOST PORT CALLED_AET CA_FILE SERVER_NAME [--cert CERT --key KEY] FILE...
  prints 'established', 'echo 0xSSSS', 'store 0xSSSS NAME' ... 'released', or 'failed: WHY' (exit 2)
"""
import argparse, ssl, sys
from pydicom import dcmread
from pynetdicom import AE
from pynetdicom.sop_class import Verification

p = argparse.ArgumentParser()
p.add_argument("host")
p.add_argument("port", type=int)
p.add_argument("called")
p.add_argument("ca")
p.add_argument("server_name")
p.add_argument("--cert")
p.add_argument("--key")
p.add_argument("files", nargs="*")
a = p.parse_intermixed_args()

context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=a.ca)
if a.cert:
    context.load_cert_chain(a.cert, a.key)
ae = AE(ae_title="PYTLS")
ae.add_requested_context(Verification)
datasets = [dcmread(f) for f in a.files]
for ds in datasets:
    ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
assoc = ae.associate(a.host, a.port, ae_title=a.called, tls_args=(context, a.server_name))
if not assoc.is_established:
    print("failed: association not established")
    sys.exit(2)
print("established")
status = assoc.send_c_echo()
print("echo 0x%04x" % (status.Status if status else 0xFFFF))
for name, ds in zip(a.files, datasets):
    status = assoc.send_c_store(ds)
    print("store 0x%04x %s" % (status.Status if status else 0xFFFF, name))
assoc.release()
print("released")

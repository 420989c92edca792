#!/usr/bin/env python3
"""A storage SCP for dicomtool's send tests, on pynetdicom: accepts only the transfer syntaxes
given, writes each received instance's bytes as they came (with pynetdicom's meta header) and can
misbehave on purpose.

usage: store_scp.py PORT OUTDIR [--syntaxes UID,UID] [--classes FILE] [--fail-first N] [--stop-after N] [--hang-after N]
  --syntaxes    transfer syntaxes accepted (default: Explicit and Implicit VR Little Endian)
  --classes     file of SOP Class UIDs to accept, one per line (default: pynetdicom's storage list)
  --fail-first  answer 0xA700 (out of resources) to the first N C-STORE requests
  --stop-after  after answering the N-th instance stored, exit abruptly (no release, no abort);
                requests after it are never answered
  --hang-after  after N instances stored, answer nothing (for the sender's DIMSE time-out)
  --max-pdu     the Maximum Length announced (default 0: no limit)
  --warning     store, but answer 0xB000 (coercion of data elements) instead of success
  --tls CERT KEY  serve over TLS (an ssl.SSLContext) with this certificate and key (PEM)
  --tls-ca CA   with --tls: demand a client certificate issued by the CA certificates in CA
"""
import argparse, os, ssl, threading, time
from pynetdicom import AE, evt, AllStoragePresentationContexts
from pynetdicom.sop_class import Verification

p = argparse.ArgumentParser()
p.add_argument("port", type=int)
p.add_argument("out")
p.add_argument("--syntaxes", default="1.2.840.10008.1.2.1,1.2.840.10008.1.2")
p.add_argument("--classes")
p.add_argument("--fail-first", type=int, default=0)
p.add_argument("--stop-after", type=int, default=0)
p.add_argument("--hang-after", type=int, default=0)
p.add_argument("--max-pdu", type=int, default=0)
p.add_argument("--warning", action="store_true")
p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
p.add_argument("--tls-ca")
a = p.parse_args()

ae = AE(ae_title="PYSCP")
ae.maximum_pdu_size = a.max_pdu
syntaxes = a.syntaxes.split(",")
classes = [c.abstract_syntax for c in AllStoragePresentationContexts]
if a.classes:
    classes = [line.strip() for line in open(a.classes) if line.strip()]
for uid in classes:
    ae.add_supported_context(uid, syntaxes)
ae.add_supported_context(Verification)
state = {"requests": 0, "stored": 0}
lock = threading.Lock()

def on_store(event):
    if a.hang_after and state["stored"] >= a.hang_after:
        time.sleep(3600)
    if a.stop_after and state["stored"] >= a.stop_after:
        time.sleep(5)  # the process is about to end: never answered
        return 0xA700
    with lock:
        state["requests"] += 1
        if state["requests"] <= a.fail_first:
            return 0xA700
        n = state["stored"]
        state["stored"] += 1
    path = os.path.join(a.out, "%05d.dcm" % n)
    with open(path + ".part", "wb") as f:
        f.write(event.encoded_dataset(include_meta=True))
    os.rename(path + ".part", path)
    if a.stop_after and state["stored"] >= a.stop_after:
        # Exit once the response is out: the instance counts as stored for the sender too.
        threading.Timer(0.3, lambda: os._exit(0)).start()
    return 0xB000 if a.warning else 0x0000

context = None
if a.tls:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(a.tls[0], a.tls[1])
    if a.tls_ca:
        context.load_verify_locations(a.tls_ca)
        context.verify_mode = ssl.CERT_REQUIRED
ae.start_server(("127.0.0.1", a.port), block=True, evt_handlers=[(evt.EVT_C_STORE, on_store)], ssl_context=context)

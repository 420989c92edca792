#!/usr/bin/env python3
"""A Study Root C-FIND SCP over pynetdicom's library that answers SOP Class Extended Negotiation
through its EVT_SOP_EXTENDED handler, for find's --relational and friends.

  extneg_qr_peer.py PORT
      Prints "listening PORT", then "extneg UID HEX" for each extended negotiation item proposed,
      accepts relational queries (byte 1) as asked and nothing else (the other bytes answered 0),
      and answers every C-FIND with one match (PatientName DOE^JANE) and success.
"""
import sys
import time

from pydicom.dataset import Dataset
from pynetdicom import AE, evt
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind


def say(*words):
    print(*words, flush=True)


def on_extended(event):
    answers = {}
    for uid, info in event.app_info.items():
        info = bytes(info or b"")
        say("extneg", uid, info.hex())
        answers[uid] = bytes([info[0] if info else 0]) + bytes(max(0, len(info) - 1))
    return answers


def on_find(event):
    query = event.identifier
    match = Dataset()
    match.QueryRetrieveLevel = query.QueryRetrieveLevel
    match.PatientName = "DOE^JANE"
    match.StudyInstanceUID = "1.2.3"
    if query.QueryRetrieveLevel in ("SERIES", "IMAGE"):
        match.SeriesInstanceUID = "1.2.3.4"
    say("c-find", query.QueryRetrieveLevel)
    yield 0xFF00, match


def main():
    port = int(sys.argv[1])
    ae = AE(ae_title="QR")
    ae.add_supported_context(StudyRootQueryRetrieveInformationModelFind)
    server = ae.start_server(("127.0.0.1", port), block=False,
                             evt_handlers=[(evt.EVT_SOP_EXTENDED, on_extended), (evt.EVT_C_FIND, on_find)])
    say("listening", server.server_address[1])
    try:
        while True:
            time.sleep(3600)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()

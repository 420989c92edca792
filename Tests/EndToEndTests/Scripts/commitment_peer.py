#!/usr/bin/env python3
"""A storage commitment peer over pynetdicom's library (it has N-ACTION and N-EVENT-REPORT but no
commitment app), for dicomtool's commit and receive --commitment tests.

  commitment_peer.py scp PORT --have-file UIDS [--report same|new|never|unknown|malformed|strangers]
                         [--report-to AET@HOST:PORT] [--aet AET] [--delay SECONDS]
      Storage Commitment SCP: answers each N-ACTION with success, then reports the instances whose
      SOP Instance UID is a line of UIDS as committed and the others as failed, reason 0x0112:
        same       on the association of the request (after its N-ACTION-RSP),
        new        on a new association it opens to --report-to, proposing the SCP role,
        never      not at all,
        unknown    on the same association, for a transaction UID never asked for,
        malformed  on the same association, without a Transaction UID,
        strangers  on the same association, naming one instance that was not asked for besides.
      Prints one line per event on stdout ("listening PORT", "action TXN N", "reported TXN STATUS").

  commitment_peer.py scu AET@HOST:PORT UID_LIST [--listen PORT] [--aet AET] [--wait SECONDS] [--abort-after-action]
      Storage Commitment SCU: one N-ACTION naming "CLASS\\tINSTANCE" lines of UID_LIST, then waits for
      the report on the same association, or with --listen on an association the peer opens; prints
      the report as JSON: {"status": N-ACTION status, "committed": [...], "failed": [[uid, reason], ...]}.
      --abort-after-action: aborts the association once the N-ACTION-RSP is in, never answering a
      report sent on it (the SCP must send it again on a new association, to --listen).
"""
import json
import sys
import threading
import time

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import StorageCommitmentPushModel

WELL_KNOWN = "1.2.840.10008.1.20.1.1"
SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian]


def say(*words):
    print(*words, flush=True)


def option(args, name, default=None):
    if name in args:
        return args[args.index(name) + 1]
    return default


def report_for(request, have, mode):
    """The N-EVENT-REPORT data set and event type for an N-ACTION's Action Information."""
    ds = Dataset()
    if mode != "malformed":
        ds.TransactionUID = generate_uid() if mode == "unknown" else request.TransactionUID
    committed, failed = [], []
    refs = list(request.ReferencedSOPSequence)
    if mode == "strangers":
        stranger = Dataset()
        stranger.ReferencedSOPClassUID = refs[0].ReferencedSOPClassUID
        stranger.ReferencedSOPInstanceUID = "1.2.3.4.5.6.7.8.9"
        refs.append(stranger)
    for item in refs:
        ref = Dataset()
        ref.ReferencedSOPClassUID = item.ReferencedSOPClassUID
        ref.ReferencedSOPInstanceUID = item.ReferencedSOPInstanceUID
        if str(item.ReferencedSOPInstanceUID) in have or item.ReferencedSOPInstanceUID == "1.2.3.4.5.6.7.8.9":
            committed.append(ref)
        else:
            ref.FailureReason = 0x0112
            failed.append(ref)
    if committed:
        ds.ReferencedSOPSequence = committed
    if failed:
        ds.FailedSOPSequence = failed
    return ds, (2 if failed else 1)


def scp(args):
    port = int(args[0])
    have = set(line.strip() for line in open(option(args, "--have-file")) if line.strip())
    mode = option(args, "--report", "same")
    delay = float(option(args, "--delay", "0.2"))
    report_to = option(args, "--report-to")
    ae = AE(ae_title=option(args, "--aet", "PEER"))
    ae.add_supported_context(StorageCommitmentPushModel, SYNTAXES)
    ae.add_requested_context(StorageCommitmentPushModel, SYNTAXES)

    # One report at a time: pynetdicom's DIMSE provider is not safe for several threads sending
    # on one association (each send then waits for its response on the shared message queue), and
    # under load the reports of --per-request 1 bunched up and one was never sent (CI, 60 s wait).
    sending = threading.Lock()

    def send_report(assoc_or_none, request):
        time.sleep(delay)
        with sending:
            send_report_now(assoc_or_none, request)

    def send_report_now(assoc_or_none, request):
        ds, event_type = report_for(request, have, mode)
        txn = getattr(ds, "TransactionUID", "none")
        if mode == "new":
            aet, rest = report_to.split("@", 1)
            host, rport = rest.rsplit(":", 1)
            role = build_role(StorageCommitmentPushModel, scu_role=False, scp_role=True)
            assoc = ae.associate(host, int(rport), ae_title=aet, ext_neg=[role])
            if not assoc.is_established:
                say("report-association-failed")
                return
            status, _ = assoc.send_n_event_report(ds, event_type, StorageCommitmentPushModel, WELL_KNOWN)
            assoc.release()
        else:
            status, _ = assoc_or_none.send_n_event_report(ds, event_type, StorageCommitmentPushModel, WELL_KNOWN)
        say("reported", txn, "0x%04X" % status.Status if status and "Status" in status else "none")

    def on_action(event):
        request = event.action_information
        say("action", request.TransactionUID, len(request.ReferencedSOPSequence))
        if mode != "never":
            threading.Thread(target=send_report, args=(event.assoc, request), daemon=True).start()
        return 0x0000, None

    server = ae.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_N_ACTION, on_action)])
    say("listening", server.server_address[1])
    try:
        while True:
            time.sleep(3600)
    finally:
        server.shutdown()


def scu(args):
    aet, rest = args[0].split("@", 1)
    host, port = rest.rsplit(":", 1)
    refs = [line.rstrip("\n").split("\t") for line in open(args[1]) if line.strip()]
    wait = float(option(args, "--wait", "20"))
    listen = option(args, "--listen")
    ae = AE(ae_title=option(args, "--aet", "PEERSCU"))
    ae.add_requested_context(StorageCommitmentPushModel, SYNTAXES)
    ae.add_supported_context(StorageCommitmentPushModel, SYNTAXES, scu_role=True, scp_role=True)
    reports = []
    got = threading.Event()

    def on_report(event):
        ds = event.event_information
        reports.append(ds)
        got.set()
        return 0x0000, None

    handlers = [(evt.EVT_N_EVENT_REPORT, on_report)]
    abort_after_action = "--abort-after-action" in args
    aborted = threading.Event()

    def stall(event):
        # Holds a report that came on the request's association until that association is aborted.
        aborted.wait(10)
        return 0x0110, None

    server = None
    if listen:
        server = ae.start_server(("127.0.0.1", int(listen)), block=False, evt_handlers=handlers)
    assoc = ae.associate(host, int(port), ae_title=aet, evt_handlers=[(evt.EVT_N_EVENT_REPORT, stall)] if abort_after_action else handlers)
    if not assoc.is_established:
        say(json.dumps({"error": "association failed"}))
        return 2
    action = Dataset()
    action.TransactionUID = generate_uid()
    seq = []
    for cls, inst in refs:
        item = Dataset()
        item.ReferencedSOPClassUID = cls
        item.ReferencedSOPInstanceUID = inst
        seq.append(item)
    action.ReferencedSOPSequence = seq
    status, _ = assoc.send_n_action(action, 1, StorageCommitmentPushModel, WELL_KNOWN)
    if abort_after_action:
        assoc.abort()
        aborted.set()
    got.wait(wait)
    if assoc.is_established:
        assoc.release()
    if server:
        server.shutdown()
    out = {"status": status.Status if status and "Status" in status else None, "transaction": action.TransactionUID}
    if reports:
        ds = reports[0]
        out["reportTransaction"] = str(getattr(ds, "TransactionUID", ""))
        out["committed"] = [str(i.ReferencedSOPInstanceUID) for i in getattr(ds, "ReferencedSOPSequence", [])]
        out["failed"] = [[str(i.ReferencedSOPInstanceUID), int(i.FailureReason)] for i in getattr(ds, "FailedSOPSequence", [])]
    say(json.dumps(out))
    return 0


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    sys.exit(scp(rest) if command == "scp" else scu(rest))

"""The whole corpus sent to `dicomtool receive` by dcmtk's storescu and by pynetdicom (the
library, one association per file proposing the file's own syntax), and the same files by the
same senders to dcmtk's storescp +B (bit-preserving) as the reference: prints per sender how many
files were stored, how many stored data sets are byte-identical to the source's, and how many are
byte-identical to what storescp +B kept from the same sender (what the sender put on the wire).

usage: receive_sweep.py DICOMTOOL CORPUS_DIR WORK_DIR
"""
import json, os, socket, struct, subprocess, sys, time

STORESCU_OPTION = {
    "1.2.840.10008.1.2.1": [], "1.2.840.10008.1.2": ["-xi"], "1.2.840.10008.1.2.2": ["-xb"],
    "1.2.840.10008.1.2.1.99": ["-xd"], "1.2.840.10008.1.2.4.50": ["-xy"], "1.2.840.10008.1.2.4.51": ["-xx"],
    "1.2.840.10008.1.2.4.57": ["-xs"], "1.2.840.10008.1.2.4.70": ["-xs"], "1.2.840.10008.1.2.4.80": ["-xt"],
    "1.2.840.10008.1.2.4.81": ["-xu"], "1.2.840.10008.1.2.4.90": ["-xv"], "1.2.840.10008.1.2.4.91": ["-xw"],
    "1.2.840.10008.1.2.5": ["-xr"],
}

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port

def data_set(path):
    b = open(path, "rb").read()
    if b[128:132] != b"DICM" or b[132:136] != b"\x02\x00\x00\x00":
        return None
    return b[144 + struct.unpack("<I", b[140:144])[0]:]

def main():
    tool, corpus, work = sys.argv[1], sys.argv[2], sys.argv[3]
    rows = []
    with open(os.path.join(corpus, "MANIFEST.tsv")) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            rows.append(dict(zip(header, line.rstrip("\n").split("\t"))))
    ours_dir, ref_dir = os.path.join(work, "ours"), os.path.join(work, "storescp")
    os.makedirs(ours_dir); os.makedirs(ref_dir)
    env = dict(os.environ, TCP_NODELAY="1")
    ours = subprocess.Popen([tool, "receive", "--port", "0", "--bind", "127.0.0.1", "--format", "json", "-o", ours_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    listening = json.loads(ours.stdout.readline())
    ours_port = listening["port"]
    ref_port = free_port()
    ref = subprocess.Popen(["/usr/bin/storescp", "+B", "+xa", "-uf", "-aet", "DICOMTOOL", "-od", ref_dir, str(ref_port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    time.sleep(0.5)
    events = []
    import threading
    def read_events():
        for line in ours.stdout:
            events.append(json.loads(line))
    threading.Thread(target=read_events, daemon=True).start()

    def stored_since(n):
        deadline = time.time() + 2
        while time.time() < deadline:
            new = [e for e in events[n:] if e.get("type") in ("stored", "failed")]
            if new: return new[0]
            time.sleep(0.01)
        return None

    def newest_ref():
        # The directory is emptied before each send: the corpus holds one SOP instance in several
        # syntaxes, which storescp would file under one name.
        names = sorted(os.listdir(ref_dir))
        return os.path.join(ref_dir, names[0]) if names else None

    def send_storescu(port, path, option):
        return subprocess.run(["/usr/bin/storescu"] + option + ["-aec", "DICOMTOOL", "127.0.0.1", str(port), path],
                              env=env, capture_output=True).returncode

    from pynetdicom import AE
    from pydicom import dcmread
    def send_pynetdicom(port, path):
        ds = dcmread(path)
        ae = AE(ae_title="PYNET")
        ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
        assoc = ae.associate("127.0.0.1", port, ae_title="DICOMTOOL")
        if not assoc.is_established: return 1
        status = assoc.send_c_store(ds)
        assoc.release()
        return 0 if status and status.Status == 0 else 1

    results = {}
    for sender in ("storescu", "pynetdicom"):
        r = results[sender] = {"files": 0, "sender_failed": 0, "stored": 0, "identical_to_source": 0,
                               "identical_to_storescp_B": 0, "reference_missing": 0, "differs": [], "refused": []}
        for row in rows:
            ts = row.get("transfer_syntax_uid", "")
            path = os.path.join(corpus, row["path"])
            if ts not in STORESCU_OPTION or data_set(path) is None:
                continue
            r["files"] += 1
            n = len(events)
            for name in os.listdir(ref_dir):
                os.remove(os.path.join(ref_dir, name))
            try:
                if sender == "storescu":
                    code = send_storescu(ours_port, path, STORESCU_OPTION[ts])
                    send_storescu(ref_port, path, STORESCU_OPTION[ts])
                else:
                    code = send_pynetdicom(ours_port, path)
                    send_pynetdicom(ref_port, path)
            except Exception:
                code = 1
            event = stored_since(n)
            if event and event["type"] == "failed":
                r["refused"].append(f"{row['path']}: status {event['status']:04x}: {event['message']}")
                continue
            if not event:
                r["sender_failed"] += 1
                continue
            r["stored"] += 1
            got = data_set(event["path"])
            if got == data_set(path): r["identical_to_source"] += 1
            reference = newest_ref()
            if reference is None:
                r["reference_missing"] += 1
            elif got == data_set(reference):
                r["identical_to_storescp_B"] += 1
            else:
                r["differs"].append(row["path"])
    ours.terminate(); ref.kill()
    ours.wait(); ref.wait()
    for sender, r in results.items():
        print(f"receive-sweep {sender}: {r['files']} files, {r['stored']} stored ({r['sender_failed']} the sender could not send), "
              f"{r['identical_to_source']} identical to the source, {r['identical_to_storescp_B']} identical to storescp +B "
              f"({r['reference_missing']} storescp did not store), {len(r['refused'])} refused by receive")
        for line in r["refused"]:
            print(f"  refused: {line}")
        for p in r["differs"]:
            print(f"  differs from storescp +B: {p}")
    return 1 if any(r["differs"] for r in results.values()) else 0

sys.exit(main())

"""Query/Retrieve archives for scripts/qr-sweep and scripts/bench-qr: Orthanc, dcmtk's dcmqrscp and
pynetdicom's qrscp, each started on free loopback ports in a folder of its own with a generated
configuration (as ../shared/docs/NETWORK-PEERS.md describes and Tests/EndToEndTests/FindTestSupport.swift
does), loaded, asked what it holds, and killed.

    server = start("dcmqrscp", workdir, destinations={"DT": 11113}, env={"TCP_NODELAY": "1"})
    accepted = server.load(files, dicomtool)      # the inputs the archive took
    held = server.held()                          # SOP Instance UID -> the file it keeps
    server.stop()

Loading: Orthanc and pynetdicom through their Storage SCP with `dicomtool send` (the inputs its JSON
Lines report stored are those taken); dcmqrscp by indexing the files with
dcmqridx, as the tests do (its Storage SCP takes uncompressed syntaxes only, so indexing lets it hold
the compressed files as they are).
"""
import json, os, shutil, signal, socket, sqlite3, subprocess, time, urllib.request

ORTHANC, DCMQRSCP, DCMQRIDX = "/usr/sbin/Orthanc", "/usr/bin/dcmqrscp", "/usr/bin/dcmqridx"
AETS = {"orthanc": "ORTHANC", "dcmqrscp": "QRSCP", "pynetdicom": "PYQR"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listens(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Server:
    """One archive process (its own process group: dcmqrscp forks a child per association)."""

    def __init__(self, kind, workdir, destinations=None, env=None):
        self.kind, self.aet = kind, AETS[kind]
        self.dir = os.path.abspath(workdir)
        os.makedirs(self.dir, exist_ok=True)
        self.port, self.http = free_port(), free_port()
        self.destinations = dict(destinations or {})
        argv = getattr(self, "_configure_" + kind)()
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.process = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env={**os.environ, **(env or {})}, start_new_session=True)
        for _ in range(600):
            if listens(self.port):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{kind} did not listen on {self.port}: see {self.dir}/server.log")

    @property
    def address(self):
        return f"{self.aet}@127.0.0.1:{self.port}"

    def _configure_orthanc(self):
        modalities = {aet.lower(): [aet, "127.0.0.1", port] for aet, port in self.destinations.items()}
        config = {"Name": "qr-peer", "StorageDirectory": self.dir + "/db", "IndexDirectory": self.dir + "/db",
                  "HttpPort": self.http, "DicomPort": self.port, "DicomAet": self.aet,
                  "RemoteAccessAllowed": False, "AuthenticationEnabled": False, "UnknownSopClassAccepted": True,
                  "DicomCheckCalledAet": False, "DicomAlwaysAllowGet": True, "DicomAlwaysAllowMove": True,
                  "DicomAlwaysAllowFind": True,
                  "DicomModalities": modalities}
        with open(self.dir + "/cfg.json", "w") as f:
            json.dump(config, f)
        return [ORTHANC, f"--logdir={self.dir}", self.dir + "/cfg.json"]

    def _configure_dcmqrscp(self):
        os.makedirs(self.dir + "/db", exist_ok=True)
        hosts = "".join(f"{aet.lower()} = ({aet}, 127.0.0.1, {port})\n" for aet, port in self.destinations.items())
        with open(self.dir + "/qr.cfg", "w") as f:
            f.write(f"NetworkTCPPort = {self.port}\nMaxPDUSize = 16384\nMaxAssociations = 16\n"
                    f"HostTable BEGIN\n{hosts}HostTable END\nVendorTable BEGIN\nVendorTable END\n"
                    f"AETable BEGIN\n{self.aet} {self.dir}/db RW (100000, 100000mb) ANY\nAETable END\n")
        return [DCMQRSCP, "-c", self.dir + "/qr.cfg"]

    def _configure_pynetdicom(self):
        sections = "".join(f"[{aet}]\n    address: 127.0.0.1\n    port: {port}\n" for aet, port in self.destinations.items())
        with open(self.dir + "/qrscp.ini", "w") as f:
            f.write("[DEFAULT]\n    ae_title: PYQR\n    port: %d\n    max_pdu: 16382\n    acse_timeout: 30\n"
                    "    dimse_timeout: 30\n    network_timeout: 30\n    bind_address: 127.0.0.1\n"
                    "    instance_location: %s/instances\n    database_location: %s/instances.sqlite\n"
                    "    log_identifier: False\n%s" % (self.port, self.dir, self.dir, sections))
        return ["python3", "-m", "pynetdicom", "qrscp", "-c", self.dir + "/qrscp.ini"]

    def load(self, files, dicomtool):
        """Loads `files`; returns those the archive took."""
        if self.kind == "dcmqrscp":
            copies = []
            for i, path in enumerate(files):
                copies.append(f"{self.dir}/db/in{i:05d}.dcm")
                shutil.copyfile(path, copies[-1])
            if subprocess.run([DCMQRIDX, self.dir + "/db"] + copies, capture_output=True).returncode == 0:
                return list(files)
            # One refusal stops dcmqridx: start over a file at a time.
            os.remove(self.dir + "/db/index.dat")
            taken = []
            for path, copy in zip(files, copies):
                if subprocess.run([DCMQRIDX, self.dir + "/db", copy], capture_output=True).returncode == 0:
                    taken.append(path)
                else:
                    os.remove(copy)
            return taken
        # One send: its JSON Lines name each input the archive stored (status ok).
        with open(self.dir + "/send.jsonl", "wb") as out:
            subprocess.run([dicomtool, "send", "--to", self.address, "--format", "json", "--files-from", "-"],
                           input="\n".join(files).encode() + b"\n", stdout=out, stderr=subprocess.DEVNULL)
        stored = set()
        for line in open(self.dir + "/send.jsonl", encoding="utf-8", errors="replace"):
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("type") == "item" and record.get("status") == "ok" and record.get("sent"):
                stored.add(record.get("input"))
        return [path for path in files if path in stored]

    def held(self):
        """SOP Instance UID -> the path of the copy the archive keeps (Orthanc's fetched over REST)."""
        if self.kind == "orthanc":
            copies = self.dir + "/held"
            os.makedirs(copies, exist_ok=True)
            held = {}
            for iid in json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.http}/instances")):
                tags = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.http}/instances/{iid}"))
                path = f"{copies}/{iid}.dcm"
                if not os.path.exists(path):
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/instances/{iid}/file") as r, open(path, "wb") as f:
                        shutil.copyfileobj(r, f)
                held[tags["MainDicomTags"]["SOPInstanceUID"]] = path
            return held
        if self.kind == "pynetdicom":
            # What its index lists: an instance it wrote but could not index (no Patient ID, a
            # value too long) answers no query and is not held.
            with sqlite3.connect(self.dir + "/instances.sqlite") as db:
                return dict(db.execute("select sop_instance_uid, filename from instance"))
        return dcmqrscp_index(self.dir + "/db")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.log.close()


def dcmqrscp_index(db):
    """The instances dcmqrscp's index lists (`dcmqridx -p`): a duplicate SOP Instance UID replaces
    the record of the earlier file, which stays on disk unlisted."""
    text = subprocess.run([DCMQRIDX, "-p", db], capture_output=True, text=True, errors="replace").stdout
    held, path = {}, None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Filename: "):
            path = line[len("Filename: "):]
        elif line.startswith("SOPInstanceUID: ") and path:
            if line.split('"')[1]:  # a record dcmqridx made of a file without a SOP Instance UID serves nothing
                held[line.split('"')[1]] = path
            path = None
    return held


def start(kind, workdir, destinations=None, env=None):
    return Server(kind, workdir, destinations, env)

"""A hostile peer for `dicomtool receive`, written from PS3.8 with raw sockets: it sends what a
broken or malicious node would, and prints what the receiver answered, one line per finding:
  abort S R            an A-ABORT PDU, source S and reason R (PS3.8 Table 9-26)
  rejected R S D       an A-ASSOCIATE-RJ, result R, source S, reason/diagnostic D
  released             an A-RELEASE-RP
  closed               the connection closed without a PDU
  pdu T                any other PDU type T
  no answer            nothing within the wait
followed, for the timed modes, by "after N.N s".

usage: receive_hostile_peer.py PORT MODE [ARG]
MODE:
  huge-pdu           associate, then a P-DATA-TF header declaring 0xFFFFFFF0 bytes
  past-max           associate, then a P-DATA-TF one byte longer than the Maximum Length the AC announced
  pdv-past-pdu       associate, then a P-DATA-TF whose PDV item length runs past the PDU
  item-past-pdu      an A-ASSOCIATE-RQ whose presentation context item length runs past the PDU
  unknown-pdu        associate, then a PDU of type 0x09
  unknown-first      a PDU of type 0x09 instead of the A-ASSOCIATE-RQ
  unknown-items      an A-ASSOCIATE-RQ with unknown item and sub-item types (ignored, PS3.8 9.3.1), a C-ECHO, release
  bad-fixed-length   associate, then an A-RELEASE-RQ whose length is 8 (the standard fixes 4)
  wrong-context      associate (context 1), then a C-ECHO-RQ on context 7
  command-release    associate, a C-STORE-RQ command set announcing a data set, then A-RELEASE-RQ
  endless SECONDS    associate, a C-STORE-RQ, then data set fragments (never the last) for SECONDS, then silence
  trickle            associate, then a P-DATA-TF sent one byte a second
  trickle-associate  the A-ASSOCIATE-RQ sent one byte a second
  idle N             N connections opened and left silent; prints "closed K of N after S s" once all closed
  flood N            N connections each sending an A-ASSOCIATE-RQ at once; prints "accepted A rejected R (reasons)"
  hold SECONDS|-     associate (prints "associated"), stay silent for SECONDS (or until a line on stdin), then release
"""
import socket, struct, sys, time

def ae(title):
    return title.encode().ljust(16)

def item(kind, body):
    return struct.pack(">BBH", kind, 0, len(body)) + body

def pdu(kind, body):
    return struct.pack(">BBI", kind, 0, len(body)) + body

VERIFICATION = "1.2.840.10008.1.1"
CT = "1.2.840.10008.5.1.4.1.1.2"
EXPLICIT = "1.2.840.10008.1.2.1"

def associate_rq(extra_items=b"", extra_sub_items=b""):
    pc1 = item(0x20, bytes([1, 0, 0, 0]) + item(0x30, VERIFICATION.encode()) + extra_sub_items + item(0x40, EXPLICIT.encode()))
    pc3 = item(0x20, bytes([3, 0, 0, 0]) + item(0x30, CT.encode()) + item(0x40, EXPLICIT.encode()))
    user = item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3.4") + item(0x5F, b"unknown user item"))
    body = (struct.pack(">HH", 1, 0) + ae("DICOMTOOL") + ae("HOSTILE") + bytes(32)
            + item(0x10, b"1.2.840.10008.3.1.1.1") + extra_items + pc1 + pc3 + user)
    return pdu(1, body)

def element(group, elem, value):
    return struct.pack("<HHI", group, elem, len(value)) + value

def uid(text):
    b = text.encode()
    return b + b"\0" if len(b) % 2 else b

def command(*elements):
    rest = b"".join(elements)
    return element(0, 0, struct.pack("<I", len(rest))) + rest

def echo_rq():
    return command(element(0, 0x0002, uid(VERIFICATION)), element(0, 0x0100, struct.pack("<H", 0x0030)),
                   element(0, 0x0110, struct.pack("<H", 1)), element(0, 0x0800, struct.pack("<H", 0x0101)))

def store_rq():
    return command(element(0, 0x0002, uid(CT)), element(0, 0x0100, struct.pack("<H", 1)),
                   element(0, 0x0110, struct.pack("<H", 2)), element(0, 0x0700, struct.pack("<H", 0)),
                   element(0, 0x0800, struct.pack("<H", 0)), element(0, 0x1000, uid("1.2.826.0.1.3680043.2.1143.99.1")))

def pdata(context, data, is_command, last):
    header = (1 if is_command else 0) | (2 if last else 0)
    return pdu(4, struct.pack(">IBB", len(data) + 2, context, header) + data)

def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data

def read_pdu(s, wait):
    """(type, body), ("closed", None) or ("no answer", None)."""
    s.settimeout(wait)
    try:
        head = read_exact(s, 6)
        if head is None:
            return "closed", None
        kind, _, length = struct.unpack(">BBI", head)
        body = read_exact(s, length)
        return kind, body if body is not None else b""
    except socket.timeout:
        return "no answer", None
    except (ConnectionResetError, BrokenPipeError):
        return "closed", None

def describe(kind, body):
    if kind == 7:
        return f"abort {body[2]} {body[3]}"
    if kind == 3:
        return f"rejected {body[1]} {body[2]} {body[3]}"
    if kind == 6:
        return "released"
    if isinstance(kind, str):
        return kind
    return f"pdu {kind}"

def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def associate(port, rq=None):
    """A connection with an association; returns (socket, announced maximum length)."""
    s = connect(port)
    s.sendall(rq or associate_rq())
    kind, body = read_pdu(s, 10)
    if kind != 2:
        print("not associated: " + describe(kind, body), flush=True)
        sys.exit(3)
    maximum, i = 0, 68
    while i + 4 <= len(body):
        kind_, length = body[i], struct.unpack(">H", body[i + 2:i + 4])[0]
        if kind_ == 0x50:
            j = i + 4
            while j + 4 <= i + 4 + length:
                sub, sublen = body[j], struct.unpack(">H", body[j + 2:j + 4])[0]
                if sub == 0x51:
                    maximum = struct.unpack(">I", body[j + 4:j + 8])[0]
                j += 4 + sublen
        i += 4 + length
    return s, maximum

def answer(s, wait=10):
    kind, body = read_pdu(s, wait)
    print(describe(kind, body), flush=True)
    return kind

def send_slowly(s, data, started):
    for b in data:
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            return
        s.settimeout(1.0)
        try:
            head = s.recv(6, socket.MSG_PEEK)
        except socket.timeout:
            continue
        except ConnectionResetError:
            head = b""
        kind, body = read_pdu(s, 5) if head else ("closed", None)
        print(describe(kind, body), flush=True)
        print(f"after {time.monotonic() - started:.1f} s", flush=True)
        return
    print("sent everything", flush=True)

def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else None
    if mode == "huge-pdu":
        s, _ = associate(port)
        s.sendall(struct.pack(">BBI", 4, 0, 0xFFFFFFF0) + bytes(64))
        answer(s)
    elif mode == "past-max":
        s, maximum = associate(port)
        print(f"maximum {maximum}", flush=True)
        data = bytes(maximum + 1 - 6)
        s.sendall(pdu(4, struct.pack(">IBB", len(data) + 2, 3, 0) + data))
        answer(s)
    elif mode == "pdv-past-pdu":
        s, _ = associate(port)
        s.sendall(pdu(4, struct.pack(">IBB", 1000, 1, 3) + echo_rq()))
        answer(s)
    elif mode == "item-past-pdu":
        rq = bytearray(associate_rq())
        at = rq.index(bytes([0x20, 0]), 74)
        rq[at + 2:at + 4] = struct.pack(">H", 0xFFF0)
        s = connect(port)
        s.sendall(bytes(rq))
        answer(s)
    elif mode == "unknown-pdu":
        s, _ = associate(port)
        s.sendall(pdu(9, bytes(10)))
        answer(s)
    elif mode == "unknown-first":
        s = connect(port)
        s.sendall(pdu(9, bytes(10)))
        answer(s)
    elif mode == "unknown-items":
        s, _ = associate(port, associate_rq(extra_items=item(0x77, b"an item type PS3.8 does not define"),
                                            extra_sub_items=item(0x66, b"a sub-item nobody defined")))
        print("associated", flush=True)
        s.sendall(pdata(1, echo_rq(), True, True))
        kind, body = read_pdu(s, 10)
        status = None
        if kind == 4:
            cmd, i = body[6:], 0
            while i + 8 <= len(cmd):
                g, e, n = struct.unpack("<HHI", cmd[i:i + 8])
                if (g, e) == (0, 0x0900):
                    status = struct.unpack("<H", cmd[i + 8:i + 10])[0]
                i += 8 + n
            print(f"echo status {status:04x}", flush=True)
        else:
            print(describe(kind, body), flush=True)
        s.sendall(pdu(5, bytes(4)))
        answer(s)
    elif mode == "hold":
        s, _ = associate(port)
        print("associated", flush=True)
        if arg == "-":
            sys.stdin.readline()
        else:
            time.sleep(float(arg))
        s.sendall(pdu(5, bytes(4)))
        answer(s)
    elif mode == "bad-fixed-length":
        s, _ = associate(port)
        s.sendall(pdu(5, bytes(8)))
        answer(s)
    elif mode == "wrong-context":
        s, _ = associate(port)
        s.sendall(pdata(7, echo_rq(), True, True))
        answer(s)
    elif mode == "command-release":
        s, _ = associate(port)
        s.sendall(pdata(3, store_rq(), True, True))
        s.sendall(pdu(5, bytes(4)))
        answer(s)
    elif mode == "endless":
        seconds = float(arg or "2")
        s, _ = associate(port)
        s.sendall(pdata(3, store_rq(), True, True))
        fragment = pdata(3, bytes(16000), False, False)
        end, sent = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            s.sendall(fragment)
            sent += 1
        print(f"sent {sent * 16000} bytes", flush=True)
        started = time.monotonic()
        answer(s, 30)
        print(f"after {time.monotonic() - started:.1f} s", flush=True)
    elif mode == "trickle":
        s, _ = associate(port)
        send_slowly(s, pdata(1, echo_rq(), True, True), time.monotonic())
    elif mode == "trickle-associate":
        s = connect(port)
        send_slowly(s, associate_rq(), time.monotonic())
    elif mode == "idle":
        count = int(arg or "200")
        sockets = [connect(port) for _ in range(count)]
        print(f"opened {count}", flush=True)
        started, closed = time.monotonic(), 0
        for s in sockets:
            kind, body = read_pdu(s, max(1.0, 30 - (time.monotonic() - started)))
            if kind == "closed":
                closed += 1
            elif kind != "no answer":
                print("unexpected " + describe(kind, body), flush=True)
        print(f"closed {closed} of {count} after {time.monotonic() - started:.1f} s", flush=True)
    elif mode == "flood":
        count = int(arg or "100")
        sockets = [connect(port) for _ in range(count)]
        for s in sockets:
            s.sendall(associate_rq())
        accepted, rejected, other = 0, {}, {}
        for s in sockets:
            kind, body = read_pdu(s, 20)
            if kind == 2:
                accepted += 1
            elif kind == 3:
                key = describe(kind, body)
                rejected[key] = rejected.get(key, 0) + 1
            else:
                key = describe(kind, body)
                other[key] = other.get(key, 0) + 1
        print(f"accepted {accepted} rejected {sum(rejected.values())}", flush=True)
        for key, n in sorted(rejected.items()):
            print(f"{key}: {n}", flush=True)
        for key, n in sorted(other.items()):
            print(f"other {key}: {n}", flush=True)
        for s in sockets:
            try:
                s.sendall(pdu(5, bytes(4)))
            except OSError:
                pass
        released = sum(1 for s in sockets if read_pdu(s, 10)[0] == 6)
        print(f"released {released}", flush=True)
    else:
        print(__doc__, file=sys.stderr)
        return 64
    return 0

sys.exit(main())

"""A storage SCU written from PS3.8 with raw sockets, for what real peers will not do on request:
drop the connection or abort in the middle of an instance, pause mid-instance, hold an association.

usage: receive_raw_peer.py PORT MODE FILE [CALLED_AET]
MODE: drop   send the command and half the data set, then close the socket
      abort  the same, then A-ABORT
      pause  the same, print 'half', wait for a line on stdin, send the rest; print the status
      hold   associate, print 'associated', wait for a line on stdin, release
      store  send the whole instance; print the status
The data set is sent exactly as it is in FILE (after its meta header), in PDVs of 4,000 bytes.
"""
import socket, struct, sys

def ae(title):
    return title.encode().ljust(16)

def item(kind, body):
    return struct.pack(">BBH", kind, 0, len(body)) + body

def associate_rq(called, sop_class, syntax):
    ctx = item(0x30, sop_class.encode()) + item(0x40, syntax.encode())
    pc = item(0x20, bytes([1, 0, 0, 0]) + ctx)
    user = item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.3.4"))
    body = struct.pack(">HH", 1, 0) + ae(called) + ae("RAWPEER") + bytes(32) + item(0x10, b"1.2.840.10008.3.1.1.1") + pc + user
    return struct.pack(">BBI", 1, 0, len(body)) + body

def pdv(data, command, last):
    header = (1 if command else 0) | (2 if last else 0)
    body = struct.pack(">IBB", len(data) + 2, 1, header) + data
    return struct.pack(">BBI", 4, 0, len(body)) + body

def element(group, elem, value):
    return struct.pack("<HHI", group, elem, len(value)) + value

def uid(text):
    b = text.encode()
    return b + b"\0" if len(b) % 2 else b

def store_command(sop_class, sop_instance):
    rest = (element(0x0000, 0x0002, uid(sop_class)) + element(0x0000, 0x0100, struct.pack("<H", 1))
            + element(0x0000, 0x0110, struct.pack("<H", 7)) + element(0x0000, 0x0700, struct.pack("<H", 0))
            + element(0x0000, 0x0800, struct.pack("<H", 0)) + element(0x0000, 0x1000, uid(sop_instance)))
    return element(0x0000, 0x0000, struct.pack("<I", len(rest))) + rest

def read_pdu(s):
    head = b""
    while len(head) < 6:
        chunk = s.recv(6 - len(head))
        if not chunk:
            return None, b""
        head += chunk
    kind, _, length = struct.unpack(">BBI", head)
    body = b""
    while len(body) < length:
        chunk = s.recv(length - len(body))
        if not chunk:
            break
        body += chunk
    return kind, body

def meta_and_dataset(path):
    b = open(path, "rb").read()
    assert b[128:132] == b"DICM"
    group_length = struct.unpack("<I", b[140:144])[0]
    meta, data = b[132:144 + group_length], b[144 + group_length:]
    values, i = {}, 0
    while i < len(meta):
        g, e = struct.unpack("<HH", meta[i:i + 4])
        vr = meta[i + 4:i + 6]
        if vr in (b"OB", b"OW", b"UN", b"SQ", b"UT"):
            n = struct.unpack("<I", meta[i + 8:i + 12])[0]; start = i + 12
        else:
            n = struct.unpack("<H", meta[i + 6:i + 8])[0]; start = i + 8
        values[(g, e)] = meta[start:start + n].rstrip(b"\0 ").decode("latin-1")
        i = start + n
    return values[(2, 2)], values[(2, 3)], values[(2, 0x10)], data

def main():
    port, mode, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    called = sys.argv[4] if len(sys.argv) > 4 else "DICOMTOOL"
    sop_class, sop_instance, syntax, data = meta_and_dataset(path)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(associate_rq(called, sop_class, syntax))
    kind, body = read_pdu(s)
    if kind != 2:
        print("rejected" if kind == 3 else f"pdu {kind}", flush=True)
        return 3
    i = 68
    while i + 4 <= len(body):
        item_type, item_length = body[i], struct.unpack(">H", body[i + 2:i + 4])[0]
        if item_type == 0x21 and body[i + 6] != 0:
            print(f"context rejected (result {body[i + 6]})", flush=True)
            s.sendall(struct.pack(">BBI", 5, 0, 4) + bytes(4))
            read_pdu(s)
            return 5
        i += 4 + item_length
    if mode == "hold":
        print("associated", flush=True)
        sys.stdin.readline()
    else:
        s.sendall(pdv(store_command(sop_class, sop_instance), True, True))
        chunks = [data[i:i + 4000] for i in range(0, len(data), 4000)] or [b""]
        half = max(1, len(chunks) // 2)
        for c in chunks[:half] if mode != "store" else []:
            s.sendall(pdv(c, False, False))
        if mode == "drop":
            s.close()
            return 0
        if mode == "abort":
            s.sendall(struct.pack(">BBI", 7, 0, 4) + bytes([0, 0, 0, 0]))
            s.close()
            return 0
        if mode == "pause":
            print("half", flush=True)
            sys.stdin.readline()
        rest = chunks if mode == "store" else chunks[half:]
        if mode == "pause" and not rest:
            rest = [b""]
        for k, c in enumerate(rest):
            s.sendall(pdv(c, False, k == len(rest) - 1))
        kind, body = read_pdu(s)
        if kind != 4:
            print(f"no response (pdu {kind})", flush=True)
            return 4
        command = body[6:]
        i, status = 0, None
        while i < len(command):
            g, e, n = struct.unpack("<HHI", command[i:i + 8])
            if (g, e) == (0, 0x0900):
                status = struct.unpack("<H", command[i + 8:i + 10])[0]
            i += 8 + n
        print(f"status {status:04x}", flush=True)
    s.sendall(struct.pack(">BBI", 5, 0, 4) + bytes(4))
    kind, _ = read_pdu(s)
    print("released" if kind == 6 else f"release answered by pdu {kind}", flush=True)
    s.close()
    return 0

sys.exit(main())

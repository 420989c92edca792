"""A hostile C-FIND SCP for `dicomtool find`, written from PS3.8 and PS3.7 with raw sockets: it
accepts one association (every presentation context, with the first transfer syntax proposed),
reads the C-FIND-RQ, then answers as a broken or malicious archive would. It prints one line per
event on stdout: "associated", "cancel" (a C-CANCEL-RQ came), "abort" (an A-ABORT came),
"closed" (the connection closed), "release" (an A-RELEASE-RQ came, answered).

usage: find_hostile_peer.py PORT MODE
MODE:
  silent           never answer the C-FIND-RQ
  pending-forever  pending responses with an identifier, one every 5 ms, until the connection closes
                   (a C-CANCEL-RQ is printed and ignored)
  oversized        a pending response whose identifier runs on past 8 MiB, fragment after fragment
  malformed        a pending response whose identifier holds an element longer than what follows
  charset          two matches announcing ISO_IR 192 whose names are ISO 8859-1 bytes, then success
  failure          a final response with status 0xA900 and an error comment
  wrong-id         a response to another message ID
  get-silent       (for get) answer every C-FIND with one image-level match, then never answer the C-GET
  get-failed       (for get) answer the C-FIND as above, then a final C-GET-RSP A702: 0 completed, 1 failed,
                   the Failed SOP Instance UID List naming the instance
  get-pending-forever  (for get) answer the C-FIND as above, then pending C-GET-RSPs with the same counts
                   (1 remaining, 0 completed), one every 20 ms, until the connection closes
  move-silent      (for move) never answer the C-MOVE-RQ
  move-pending-forever  (for move) pending C-MOVE-RSPs with the same counts (4 remaining, 1 completed),
                   one every 20 ms, until the connection closes
  move-malformed   (for move) a final C-MOVE-RSP without a Status
  move-oversized   (for move) a pending C-MOVE-RSP whose identifier runs on past 8 MiB, fragment after fragment
  move-wrong-id    (for move) a final C-MOVE-RSP to another message ID
  move-progress    (for move) pending C-MOVE-RSPs counting one more completed sub-operation each, one
                   every 20 ms; on a C-CANCEL-RQ, the final response 0xFE00 with the counts so far
  move-progress-ignore-cancel  (for move) the same, but a C-CANCEL-RQ is printed and ignored
  extneg-accept    (extended negotiation) print each SOP Class Extended Negotiation sub-item of the
                   A-ASSOCIATE-RQ ("extneg UID HEX"), answer it accepting byte 1 (relational queries)
                   as asked and nothing else, then answer each C-FIND ("c-find") with one match
  extneg-none      the same without answering the sub-items (a peer that ignores extended negotiation)
  get-progress     (for get) answer the C-FIND as for get-silent, then pending C-GET-RSPs as move-progress
                   does, and the final 0xFE00 on a C-CANCEL-RQ
"""
import select, socket, struct, sys, time

def item(kind, body):
    return struct.pack(">BBH", kind, 0, len(body)) + body

def pdu(kind, body):
    return struct.pack(">BBI", kind, 0, len(body)) + body

def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data

def read_pdu(s):
    kind, _, length = struct.unpack(">BBI", read_exact(s, 6))
    return kind, read_exact(s, length)

def parse_rq(body):
    """The presentation contexts of an A-ASSOCIATE-RQ: [(id, abstract syntax, [transfer syntaxes])]."""
    contexts, pos = [], 68
    while pos + 4 <= len(body):
        kind, _, length = struct.unpack(">BBH", body[pos:pos + 4])
        value = body[pos + 4:pos + 4 + length]
        if kind == 0x20:
            cid, sub, abstract, syntaxes = value[0], 4, None, []
            while sub + 4 <= len(value):
                skind, _, slen = struct.unpack(">BBH", value[sub:sub + 4])
                text = value[sub + 4:sub + 4 + slen].decode().rstrip("\0")
                if skind == 0x30: abstract = text
                if skind == 0x40: syntaxes.append(text)
                sub += 4 + slen
            contexts.append((cid, abstract, syntaxes))
        pos += 4 + length
    return contexts

def extended_items(body):
    """The SOP Class Extended Negotiation sub-items (0x56) of an A-ASSOCIATE-RQ: [(SOP class, bytes)]."""
    out, pos = [], 68
    while pos + 4 <= len(body):
        kind, _, length = struct.unpack(">BBH", body[pos:pos + 4])
        if kind == 0x50:
            value, sub = body[pos + 4:pos + 4 + length], 0
            while sub + 4 <= len(value):
                skind, _, slen = struct.unpack(">BBH", value[sub:sub + 4])
                if skind == 0x56:
                    field = value[sub + 4:sub + 4 + slen]
                    ulen = struct.unpack(">H", field[:2])[0]
                    out.append((field[2:2 + ulen].decode(), field[2 + ulen:]))
                sub += 4 + slen
        pos += 4 + length
    return out

def associate_ac(rq, contexts, extra_user=b""):
    pcs = b"".join(item(0x21, bytes([cid, 0, 0, 0]) + item(0x40, syntaxes[0].encode())) for cid, _, syntaxes in contexts)
    user = item(0x50, item(0x51, struct.pack(">I", 16384)) + item(0x52, b"1.2.826.0.1.3680043.9.9999") + item(0x55, b"HOSTILE")
                + extra_user)
    return pdu(2, struct.pack(">HH", 1, 0) + rq[4:68] + item(0x10, b"1.2.840.10008.3.1.1.1") + pcs + user)

def element(group, elem, value, vr=None, explicit=False):
    if explicit and vr:
        if vr in ("OB", "SQ", "UN", "UT", "OW"):
            return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
        return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value
    return struct.pack("<HHI", group, elem, len(value)) + value

def pad(b, byte=b" "):
    return b + byte if len(b) % 2 else b

def command(*elements):
    rest = b"".join(elements)
    return element(0, 0, struct.pack("<I", len(rest))) + rest

def find_rsp(message_id, status, sop_class, with_data, comment=None):
    parts = [element(0, 0x0002, pad(sop_class.encode(), b"\0")), element(0, 0x0100, struct.pack("<H", 0x8020)),
             element(0, 0x0120, struct.pack("<H", message_id)), element(0, 0x0800, struct.pack("<H", 0 if with_data else 0x0101)),
             element(0, 0x0900, struct.pack("<H", status))]
    if comment:
        parts.append(element(0, 0x0902, pad(comment.encode())))
    return command(*parts)

def pdata(context, data, is_command, last):
    header = (1 if is_command else 0) | (2 if last else 0)
    return pdu(4, struct.pack(">IBB", len(data) + 2, context, header) + data)

def identifier(explicit, charset=None, name=b"DOE^JANE", uid=b"1.2.3.4"):
    out = b""
    if charset:
        out += element(0x0008, 0x0005, pad(charset.encode()), "CS", explicit)
    out += element(0x0008, 0x0052, b"STUDY ", "CS", explicit)
    out += element(0x0010, 0x0010, pad(name), "PN", explicit)
    out += element(0x0020, 0x000D, pad(uid, b"\0"), "UI", explicit)
    return out

def accept(server):
    while True:
        # The test's readiness probe connects and closes: an association is a connection that speaks.
        s, _ = server.accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            kind, rq = read_pdu(s)
            return s, rq
        except (EOFError, ConnectionError):
            s.close()

def read_request(s):
    """The next request: (message ID, command field, context ID), its data set read and dropped;
    None after an A-RELEASE-RQ (answered)."""
    message_id, field, context, got_data, has_data = None, None, None, False, True
    while not got_data:
        kind, body = read_pdu(s)
        if kind == 5:
            s.sendall(pdu(6, bytes(4)))
            print("release", flush=True)
            return None
        pos = 0
        while pos < len(body):
            length = struct.unpack(">I", body[pos:pos + 4])[0]
            context, header = body[pos + 4], body[pos + 5]
            data = body[pos + 6:pos + 4 + length]
            if header & 1:
                i = 0
                while i < len(data):
                    g, e, l = struct.unpack("<HHI", data[i:i + 8])
                    if (g, e) == (0, 0x0110):
                        message_id = struct.unpack("<H", data[i + 8:i + 10])[0]
                    if (g, e) == (0, 0x0100):
                        field = struct.unpack("<H", data[i + 8:i + 10])[0]
                    if (g, e) == (0, 0x0800):
                        has_data = struct.unpack("<H", data[i + 8:i + 10])[0] != 0x0101
                    i += 8 + l
                if header & 2 and not has_data:
                    got_data = True
            elif header & 2:
                got_data = True
            pos += 4 + length
    return message_id, field, context

CT = "1.2.840.10008.5.1.4.1.1.2"

def image_match(explicit):
    return (element(0x0008, 0x0016, pad(CT.encode(), b"\0"), "UI", explicit) + element(0x0008, 0x0018, pad(b"1.2.3.4.5.6", b"\0"), "UI", explicit)
            + element(0x0008, 0x0052, b"IMAGE ", "CS", explicit) + element(0x0010, 0x0020, b"P1", "LO", explicit)
            + element(0x0020, 0x000D, pad(b"1.2.3", b"\0"), "UI", explicit) + element(0x0020, 0x000E, pad(b"1.2.3.4", b"\0"), "UI", explicit))

def progress_until_cancel(s, cid, response, ignore_cancel=False):
    """Pending responses with one more completed sub-operation each (response(status, counts) makes
    one), every 20 ms; on a C-CANCEL-RQ the final 0xFE00 (or, ignoring it, more of the same)."""
    n = 0
    while True:
        n += 1
        s.sendall(pdata(cid, response(0xFF00, [max(0, 10000 - n), n, 0, 0]), True, True))
        readable, _, _ = select.select([s], [], [], 0.02)
        if readable:
            kind, _ = read_pdu(s)
            if kind == 4:
                print("cancel", flush=True)
                if not ignore_cancel:
                    s.sendall(pdata(cid, response(0xFE00, [max(0, 10000 - n), n, 0, 0]), True, True))
                    return
            elif kind == 7:
                print("abort", flush=True)
                raise EOFError

def get_rsp(message_id, get_class, status, counts):
    return command(element(0, 0x0002, pad(get_class.encode(), b"\0")), element(0, 0x0100, struct.pack("<H", 0x8010)),
                   element(0, 0x0120, struct.pack("<H", message_id)), element(0, 0x0800, struct.pack("<H", 0x0101)),
                   element(0, 0x0900, struct.pack("<H", status)),
                   *[element(0, 0x1020 + n, struct.pack("<H", value)) for n, value in enumerate(counts)])

def serve_get(server, mode):
    s, rq = accept(server)
    contexts = parse_rq(rq)
    s.sendall(associate_ac(rq, contexts))
    print("associated", flush=True)
    cid, sop_class, syntaxes = contexts[0]
    explicit = syntaxes[0] != "1.2.840.10008.1.2"
    while True:
        request = read_request(s)
        if request is None:
            break
        message_id = request[0]
        s.sendall(pdata(cid, find_rsp(message_id, 0xFF00, sop_class, True), True, True) + pdata(cid, image_match(explicit), False, True))
        s.sendall(pdata(cid, find_rsp(message_id, 0x0000, sop_class, False), True, True))
    s.close()
    s, rq = accept(server)
    contexts = parse_rq(rq)
    s.sendall(associate_ac(rq, contexts))
    print("associated", flush=True)
    cid, get_class, syntaxes = contexts[0]
    explicit = syntaxes[0] != "1.2.840.10008.1.2"
    message_id = read_request(s)[0]
    print("c-get", flush=True)
    if mode == "get-failed":
        rsp = command(element(0, 0x0002, pad(get_class.encode(), b"\0")), element(0, 0x0100, struct.pack("<H", 0x8010)),
                      element(0, 0x0120, struct.pack("<H", message_id)), element(0, 0x0800, struct.pack("<H", 0)),
                      element(0, 0x0900, struct.pack("<H", 0xA702)), element(0, 0x1021, struct.pack("<H", 0)),
                      element(0, 0x1022, struct.pack("<H", 1)), element(0, 0x1023, struct.pack("<H", 0)))
        ident = element(0x0008, 0x0058, pad(b"1.2.3.4.5.6", b"\0"), "UI", explicit)
        s.sendall(pdata(cid, rsp, True, True) + pdata(cid, ident, False, True))
    try:
        if mode == "get-progress":
            progress_until_cancel(s, cid, lambda status, counts: get_rsp(message_id, get_class, status, counts))
        if mode == "get-pending-forever":
            rsp = command(element(0, 0x0002, pad(get_class.encode(), b"\0")), element(0, 0x0100, struct.pack("<H", 0x8010)),
                          element(0, 0x0120, struct.pack("<H", message_id)), element(0, 0x0800, struct.pack("<H", 0x0101)),
                          element(0, 0x0900, struct.pack("<H", 0xFF00)), element(0, 0x1020, struct.pack("<H", 1)),
                          element(0, 0x1021, struct.pack("<H", 0)), element(0, 0x1022, struct.pack("<H", 0)),
                          element(0, 0x1023, struct.pack("<H", 0)))
            while True:
                s.sendall(pdata(cid, rsp, True, True))
                readable, _, _ = select.select([s], [], [], 0.02)
                if readable:
                    kind, _ = read_pdu(s)
                    if kind == 7:
                        print("abort", flush=True)
                        raise EOFError
        watch(s)
    except (EOFError, ConnectionError, BrokenPipeError):
        print("closed", flush=True)

def move_rsp(message_id, sop_class, status=None, counts=None):
    parts = [element(0, 0x0002, pad(sop_class.encode(), b"\0")), element(0, 0x0100, struct.pack("<H", 0x8021)),
             element(0, 0x0120, struct.pack("<H", message_id)), element(0, 0x0800, struct.pack("<H", 0x0101))]
    if status is not None:
        parts.append(element(0, 0x0900, struct.pack("<H", status)))
    for n, value in enumerate(counts or []):
        parts.append(element(0, 0x1020 + n, struct.pack("<H", value)))
    return command(*parts)

def serve_move(server, mode):
    s, rq = accept(server)
    contexts = parse_rq(rq)
    s.sendall(associate_ac(rq, contexts))
    print("associated", flush=True)
    cid, sop_class, _ = contexts[0]
    try:
        message_id = read_request(s)[0]
        print("c-move", flush=True)
        if mode == "move-pending-forever":
            while True:
                s.sendall(pdata(cid, move_rsp(message_id, sop_class, 0xFF00, [4, 1, 0, 0]), True, True))
                readable, _, _ = select.select([s], [], [], 0.02)
                if readable:
                    kind, _ = read_pdu(s)
                    if kind == 7:
                        print("abort", flush=True)
                        raise EOFError
        if mode == "move-oversized":
            rsp = move_rsp(message_id, sop_class, 0xFF00, [4, 1, 0, 0]).replace(struct.pack("<HHIH", 0, 0x0800, 2, 0x0101),
                                                                               struct.pack("<HHIH", 0, 0x0800, 2, 0))
            s.sendall(pdata(cid, rsp, True, True))
            chunk = element(0x0008, 0x0058, b"1" * 16000, "UI", False)[:16000]
            for _ in range(600):
                s.sendall(pdata(cid, chunk, False, False))
        if mode in ("move-progress", "move-progress-ignore-cancel"):
            progress_until_cancel(s, cid, lambda status, counts: move_rsp(message_id, sop_class, status, counts),
                                  ignore_cancel=mode == "move-progress-ignore-cancel")
        if mode == "move-malformed":
            s.sendall(pdata(cid, move_rsp(message_id, sop_class, None, [0, 1, 0, 0]), True, True))
        if mode == "move-wrong-id":
            s.sendall(pdata(cid, move_rsp(message_id + 7, sop_class, 0x0000, [0, 1, 0, 0]), True, True))
        watch(s)
    except (EOFError, ConnectionError, BrokenPipeError):
        print("closed", flush=True)

def serve_extneg(server, mode):
    s, rq = accept(server)
    contexts = parse_rq(rq)
    reply = b""
    for uid, info in extended_items(rq):
        print("extneg", uid, info.hex(), flush=True)
        answer = bytes([info[0] if info else 0]) + bytes(max(0, len(info) - 1))
        reply += item(0x56, struct.pack(">H", len(uid)) + uid.encode() + answer)
    s.sendall(associate_ac(rq, contexts, reply if mode == "extneg-accept" else b""))
    print("associated", flush=True)
    cid, sop_class, syntaxes = contexts[0]
    explicit = syntaxes[0] != "1.2.840.10008.1.2"
    try:
        while True:
            request = read_request(s)
            if request is None:
                break
            print("c-find", flush=True)
            s.sendall(pdata(cid, find_rsp(request[0], 0xFF00, sop_class, True), True, True) + pdata(cid, identifier(explicit), False, True))
            s.sendall(pdata(cid, find_rsp(request[0], 0x0000, sop_class, False), True, True))
    except (EOFError, ConnectionError, BrokenPipeError):
        print("closed", flush=True)

def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(1)
    if mode.startswith("get-"):
        serve_get(server, mode)
        return
    if mode.startswith("move-"):
        serve_move(server, mode)
        return
    if mode.startswith("extneg-"):
        serve_extneg(server, mode)
        return
    s, rq = accept(server)
    kind = 1
    contexts = parse_rq(rq)
    s.sendall(associate_ac(rq, contexts))
    print("associated", flush=True)
    cid, sop_class, syntaxes = contexts[0]
    explicit = syntaxes[0] != "1.2.840.10008.1.2"
    message_id, got_data = None, False
    while not got_data:
        kind, body = read_pdu(s)
        pos = 0
        while pos < len(body):
            length = struct.unpack(">I", body[pos:pos + 4])[0]
            header = body[pos + 5]
            data = body[pos + 6:pos + 4 + length]
            if header & 1 and message_id is None:
                i = 0
                while i < len(data):
                    g, e, l = struct.unpack("<HHI", data[i:i + 8])
                    if (g, e) == (0, 0x0110):
                        message_id = struct.unpack("<H", data[i + 8:i + 10])[0]
                    i += 8 + l
            if not header & 1 and header & 2:
                got_data = True
            pos += 4 + length
    try:
        answer(s, mode, cid, sop_class, message_id, explicit)
        watch(s)
    except (EOFError, ConnectionError, BrokenPipeError):
        print("closed", flush=True)

def answer(s, mode, cid, sop_class, message_id, explicit):
    if mode == "silent":
        return
    if mode == "pending-forever":
        n = 0
        while True:
            n += 1
            rsp = find_rsp(message_id, 0xFF00, sop_class, True)
            ident = identifier(explicit, uid=("1.2.3.%d" % n).encode())
            s.sendall(pdata(cid, rsp, True, True) + pdata(cid, ident, False, True))
            readable, _, _ = select.select([s], [], [], 0.005)
            if readable:
                kind, _ = read_pdu(s)
                if kind == 4:
                    print("cancel", flush=True)
                elif kind == 7:
                    print("abort", flush=True)
                    raise EOFError
    if mode == "oversized":
        s.sendall(pdata(cid, find_rsp(message_id, 0xFF00, sop_class, True), True, True))
        chunk = element(0x0010, 0x0010, b"A" * 16000, "PN", False)[:16000]
        for _ in range(600):
            s.sendall(pdata(cid, chunk, False, False))
        return
    if mode == "malformed":
        # A Patient's Birth Date declared 400 bytes long with 2 bytes left in the identifier.
        head = struct.pack("<HH2sH", 0x0010, 0x0030, b"DA", 400) if explicit else struct.pack("<HHI", 0x0010, 0x0030, 400)
        broken = identifier(explicit) + head + b"19"
        s.sendall(pdata(cid, find_rsp(message_id, 0xFF00, sop_class, True), True, True) + pdata(cid, broken, False, True))
        return
    if mode == "charset":
        for n in (1, 2):
            ident = identifier(explicit, charset="ISO_IR 192", name="M\u00fcller^J\u00fcrgen".encode("latin-1"), uid=("1.2.3.%d" % n).encode())
            s.sendall(pdata(cid, find_rsp(message_id, 0xFF00, sop_class, True), True, True) + pdata(cid, ident, False, True))
        s.sendall(pdata(cid, find_rsp(message_id, 0x0000, sop_class, False), True, True))
        return
    if mode == "failure":
        s.sendall(pdata(cid, find_rsp(message_id, 0xA900, sop_class, False, "no such attribute here"), True, True))
        return
    if mode == "wrong-id":
        s.sendall(pdata(cid, find_rsp(message_id + 7, 0x0000, sop_class, False), True, True))
        return

def watch(s):
    """What the requestor does next: release (answered), abort, or close."""
    s.setblocking(True)
    s.settimeout(120)
    while True:
        kind, body = read_pdu(s)
        if kind == 5:
            print("release", flush=True)
            s.sendall(pdu(6, bytes(4)))
        elif kind == 7:
            print("abort", flush=True)
        elif kind == 4:
            print("cancel", flush=True)

if __name__ == "__main__":
    main()

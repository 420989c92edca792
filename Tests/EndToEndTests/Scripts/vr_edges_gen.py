"""Generated edge-value datasets: every VR at its edges, written byte by byte (not through pydicom's
writer, so that odd lengths, empty items, creator-less private blocks and every sequence encoding are
exactly what is asked for) in Implicit VR Little Endian, Explicit VR Little and Big Endian and Deflated
Explicit VR Little Endian. File i of seed s is the same whatever the count. Used by vr_edges.py."""
import math
import os
import random
import struct
import zlib

SYNTAXES = [("1.2.840.10008.1.2", "ile"), ("1.2.840.10008.1.2.1", "ele"),
            ("1.2.840.10008.1.2.2", "ebe"), ("1.2.840.10008.1.2.1.99", "def")]
LONG_LENGTH = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "UC", "UN", "UR", "UT", "SV", "UV"}

# Tags per VR that PS3.6, pydicom's and dcmtk 3.6.7's dictionaries agree on (same VR), so that an
# Implicit VR file means the same to every reader. Multi-valued ones first.
TAGS = {
    "AE": [0x00080054, 0x00400001, 0x0072005E, 0x00080055, 0x00400241],
    "AS": [0x0072005F, 0x00101010],
    "AT": [0x00205000, 0x00720052, 0x00720060, 0x00209165, 0x00209167],
    "CS": [0x00080061, 0x00140107, 0x00080052, 0x00080056, 0x00720062],
    "DA": [0x0014407E, 0x00181200, 0x00720061, 0x00080012, 0x00080020],
    "DS": [0x00082130, 0x00140030, 0x00720072, 0x00101020, 0x00101022],
    "DT": [0x0040A13A, 0x00720063, 0x00080015, 0x0008002A],
    "FD": [0x00186054, 0x00189079, 0x00720074, 0x00082134, 0x00120052],
    "FL": [0x0018605A, 0x00186060, 0x00720076, 0x00089459, 0x00109431],
    "IS": [0x00081160, 0x00180086, 0x00720064, 0x00082122, 0x00082124],
    "LO": [0x00081080, 0x00082132, 0x00720066, 0x00080070, 0x00080080],
    "LT": [0x00080108, 0x00102155, 0x00720068, 0x001021B0],
    "OB": [0x00142210, 0x00143080, 0x00720065],
    "OD": [0x00660022, 0x00720073],
    "OF": [0x00181638, 0x00720067],
    "OL": [0x00660040, 0x00720075],
    "OV": [0x00720081],
    "OW": [0x00660103, 0x00720069],
    "PN": [0x00081050, 0x00081060, 0x0072006A, 0x00080090, 0x00100010],
    "SH": [0x00080094, 0x00102154, 0x0072006C, 0x00080050, 0x00080100],
    "SL": [0x0040A162, 0x0072007C, 0x00186020, 0x00186022],
    "SS": [0x0072007E, 0x00189219, 0x00189436],
    "ST": [0x00080081, 0x00080092, 0x0072006E],
    "SV": [0x00720082],
    "TM": [0x0014407C, 0x00181201, 0x0072006B, 0x00080013, 0x00080030],
    "UC": [0x00160008, 0x0016000C, 0x0072006F, 0x00080119],
    "UI": [0x0008001A, 0x00080058, 0x0072007F, 0x00080014, 0x00080017],
    "UL": [0x00081161, 0x00186052, 0x00720078, 0x0018106E, 0x00181637],
    "UN": [0x0072006D],
    "UR": [0x0008010E, 0x00080120, 0x00720071],
    "US": [0x00080304, 0x00189376, 0x0072007A, 0x00081196],
    "UT": [0x0008030E, 0x00100218, 0x00720070],
    "UV": [0x00720083],
}
SEQUENCE_TAGS = [0x00080006, 0x00080051, 0x00080063, 0x00081140, 0x00081115, 0x00400275, 0x00082112, 0x00081250]
SINGLE_VALUED = {0x00080055, 0x00400241, 0x00101010, 0x00209165, 0x00209167, 0x00080052, 0x00080056,
                 0x00080012, 0x00080020, 0x00101020, 0x00101022, 0x00080015, 0x0008002A, 0x00082134,
                 0x00120052, 0x00089459, 0x00109431, 0x00082122, 0x00082124, 0x00080070, 0x00080080,
                 0x00080090, 0x00100010, 0x00080050, 0x00080100, 0x00186020, 0x00186022, 0x00189219,
                 0x00189436, 0x00080013, 0x00080030, 0x00080119, 0x00080014, 0x00080017, 0x0018106E,
                 0x00181637, 0x00081196}

I64 = (-(1 << 63), -(1 << 63) + 1, -(1 << 53) - 1, -(1 << 53), -(1 << 53) + 1, -(1 << 31) - 1, -1, 0, 1,
       (1 << 31), (1 << 53) - 1, 1 << 53, (1 << 53) + 1, (1 << 63) - 2, (1 << 63) - 1)
U64 = (0, 1, (1 << 32), (1 << 53) - 1, 1 << 53, (1 << 53) + 1, (1 << 63) - 1, 1 << 63, (1 << 63) + 1,
       (1 << 64) - 2, (1 << 64) - 1)
INTS = {
    "US": (0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF),
    "SS": (-32768, -32767, -1, 0, 1, 32767),
    "UL": (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF),
    "SL": (-(1 << 31), -(1 << 31) + 1, -1, 0, 1, (1 << 31) - 1),
    "SV": I64, "UV": U64, "OL": (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF), "OV": U64,
}
INT_FORMAT = {"US": "H", "SS": "h", "UL": "I", "SL": "i", "SV": "q", "UV": "Q", "OL": "I", "OV": "Q", "OW": "H"}
F32 = [0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 0.1, 1 / 3, 16777216.0, 16777217.0,
       struct.unpack("<f", struct.pack("<I", 1))[0],            # smallest subnormal
       struct.unpack("<f", struct.pack("<I", 0x007FFFFF))[0],   # largest subnormal
       struct.unpack("<f", struct.pack("<I", 0x00800000))[0],   # smallest normal
       struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0],   # largest finite
       -struct.unpack("<f", struct.pack("<I", 0x7F7FFFFF))[0], 3.4028234663852886e38, 1e-40, 123456.789]
F64 = [0.0, -0.0, math.nan, math.inf, -math.inf, 1.0, -1.0, 0.1, 1 / 3, 2.0 ** 53, 2.0 ** 53 + 2, 2.0 ** 63,
       2.0 ** 64, 5e-324, 2.2250738585072009e-308, 2.2250738585072014e-308, 1.7976931348623157e308,
       -1.7976931348623157e308, 1e-310, 1e21, 1e22, 123456789.12345678, 0.000001, 1e-7]
# Raw NaN payloads (signalling, negative, with payload) written bit for bit.
F32_NAN_BITS = [0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FBFFFFF]
F64_NAN_BITS = [0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001, 0x7FF8DEADBEEF0000]

STRINGS = {
    "AE": ["A", "AE_TITLE_16CHARS", "STORE SCP", " LEAD", "x-y.z", "ABCDEFGHIJKLMNOP"],
    "AS": ["000D", "999Y", "052W", "011M", "001Y"],
    "CS": ["ORIGINAL", "A_B 1", "0", "Z9_", "ABCDEFGHIJKLMNOP", "CS WITH SPACE"],
    "DA": ["19000101", "20240229", "00010101", "99991231", "20000101", "19700101"],
    "DT": ["2024", "202402", "20240229", "2024022923", "20240229235959.999999+1400",
           "19700101000000-1200", "20240229235960", "99991231235959.9", "00010101000000.000001"],
    "TM": ["00", "0000", "235960", "235959.999999", "000000.0", "1200", "120000.5", "07"],
    "DS": ["0", "-0", "+0.0", "1", "-1", "3.14159", "1e308", "-1.5E-10", "4.9E-324", "2.2250738585E-308",
           "1.7976931348E308", "9007199254740993", "0.1", "-.5", "+1.", "12345678901234", "1E+2", "-0.000000001"],
    "IS": ["0", "-0", "+1", "-2147483648", "2147483647", "00012", "-1", "9007199254740993", "+2147483647"],
    "UI": ["1.2.3", "1.2.840.10008.5.1.4.1.1.7", "2.25.329800735698586629295641978511506172918",
           "1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.2", "0", "1.2.840.10008.1.2.1"],
    "UR": ["http://example.com/a?b=c#d", "urn:oid:1.2.3", "https://x.invalid/%20space", "file:///tmp/a b"],
}
LATIN = ["Äneas Rüdiger", "ßÿéàç", "Œuvre", "naïve façade"]
# (Specific Character Set value, Python codec or ISO 2022 scheme, sample texts).
CHARSETS = [
    ("", None, ["plain ASCII", "A^B", "~!@#$%&*()_+{}|:<>?"]),
    ("ISO_IR 100", "latin_1", ["Äneas^Rüdiger", "Buc^Jérôme", "ßÿ ñÑ", "¡¿ÆØÅ"]),
    ("ISO_IR 101", "iso8859_2", ["Łódź^Żółć", "Čeština", "Šťastný"]),
    ("ISO_IR 109", "iso8859_3", ["Ħamrun^Ġużeppi", "ĉĝĥĵŝŭ"]),
    ("ISO_IR 110", "iso8859_4", ["Ķekava^Ļuba", "ŖĢŅ"]),
    ("ISO_IR 144", "iso8859_5", ["Люкceмбypг", "Иванов^Пётр", "ЖЩЯ"]),
    ("ISO_IR 127", "iso8859_6", ["قباني^لنزار", "عربي"]),
    ("ISO_IR 126", "iso8859_7", ["Διονυσιος", "Ωμέγα^Αλφα"]),
    ("ISO_IR 138", "iso8859_8", ["שרון^דבורה", "עברית"]),
    ("ISO_IR 148", "iso8859_9", ["Çiğdem^Şükrü", "İstanbul"]),
    ("ISO_IR 166", "tis_620", ["ภาษาไทย", "สวัสดี^ครับ"]),
    ("ISO_IR 192", "utf_8", ["Wang^XiaoDong=王^小東=", "Ωmega😀^𠀀", "Äneas^Rüdiger", "ﾔﾏﾀﾞ^山田", "Ελληνικά"]),
    ("GB18030", "gb18030", ["Wang^XiaoDong=王^小东=", "王小东 € 𠀀", "中文"]),
    ("GBK", "gbk", ["王^小东", "中文字符"]),
    ("ISO_IR 13", "shift_jis", ["ﾔﾏﾀﾞ^ﾀﾛｳ", "ｱｲｳｴｵ"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 87", "2022", ["Yamada^Tarou=山田^太郎=やまだ^たろう", "日本語テキスト", "ABC漢字DEF"]),
    ("ISO 2022 IR 13\\ISO 2022 IR 87", "2022", ["ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう", "ｶﾀｶﾅ漢字"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 87\\ISO 2022 IR 159", "2022", ["Yamada^Tarou=山田^太郎=", "鬮丂漢"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 149", "2022", ["Hong^Gildong=洪^吉洞=홍^길동", "한국어"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 58", "2022", ["Zhang^XiaoDong=张^小东=", "中文"]),
    ("ISO 2022 IR 100", "2022", ["Äneas^Rüdiger", "ßÿ"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 100\\ISO 2022 IR 144", "2022", ["Äneas^Иванов", "ñЖ"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 126\\ISO 2022 IR 138", "2022", ["Διονυσιος^שרון", "Ωμέγα=עברית"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 101\\ISO 2022 IR 148", "2022", ["Łódź^Çiğdem", "Żółć Şükrü"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 127\\ISO 2022 IR 166", "2022", ["قباني^ภาษาไทย", "عربي"]),
    ("ISO 2022 IR 6\\ISO 2022 IR 109\\ISO 2022 IR 110", "2022", ["Ħamrun^Ķekava", "ĉĝ ŖĢ"]),
]

ESC = b"\x1b"
# ISO 2022 code elements: name -> (designation escape, Python codec to GR bytes, bytes per char, G0/G1).
ELEMENTS = {
    "ascii": (ESC + b"(B", None, 1, 0),
    "jisroman": (ESC + b"(J", None, 1, 0),
    "katakana": (ESC + b")I", "shift_jis", 1, 1),
    "jisx0208": (ESC + b"$B", "euc_jp", 2, 0),
    "jisx0212": (ESC + b"$(D", "euc_jp", 3, 0),
    "ksx1001": (ESC + b"$)C", "euc_kr", 2, 1),
    "gb2312": (ESC + b"$)A", "gb2312", 2, 1),
    "latin1": (ESC + b"-A", "latin_1", 1, 1),
    "cyrillic": (ESC + b"-L", "iso8859_5", 1, 1),
    "latin2": (ESC + b"-B", "iso8859_2", 1, 1),
    "latin3": (ESC + b"-C", "iso8859_3", 1, 1),
    "latin4": (ESC + b"-D", "iso8859_4", 1, 1),
    "arabic": (ESC + b"-G", "iso8859_6", 1, 1),
    "greek": (ESC + b"-F", "iso8859_7", 1, 1),
    "hebrew": (ESC + b"-H", "iso8859_8", 1, 1),
    "latin5": (ESC + b"-M", "iso8859_9", 1, 1),
    "thai": (ESC + b"-T", "tis_620", 1, 1),
}
TERM_ELEMENTS = {"ISO 2022 IR 6": "ascii", "ISO 2022 IR 13": "katakana", "ISO 2022 IR 87": "jisx0208",
                 "ISO 2022 IR 159": "jisx0212", "ISO 2022 IR 149": "ksx1001", "ISO 2022 IR 58": "gb2312",
                 "ISO 2022 IR 100": "latin1", "ISO 2022 IR 144": "cyrillic", "ISO 2022 IR 101": "latin2",
                 "ISO 2022 IR 109": "latin3", "ISO 2022 IR 110": "latin4", "ISO 2022 IR 127": "arabic",
                 "ISO 2022 IR 126": "greek", "ISO 2022 IR 138": "hebrew", "ISO 2022 IR 148": "latin5",
                 "ISO 2022 IR 166": "thai"}


def encode_2022(text, terms, delimiters):
    """ISO 2022 bytes of `text` as PS3.5 6.1.2.5 asks: designations made at the first use, G0 back to
    its initial set before each delimiter and at the end (readers reset the designations there)."""
    initial_g0 = "jisroman" if terms[0] == "ISO 2022 IR 13" else "ascii"
    initial_g1 = {"ISO 2022 IR 13": "katakana", "ISO 2022 IR 100": "latin1"}.get(terms[0])
    available = [TERM_ELEMENTS[t] for t in terms if t in TERM_ELEMENTS]
    out = bytearray()
    g0, g1 = initial_g0, initial_g1
    for ch in text:
        if ch in delimiters or ord(ch) < 0x20:
            if g0 != initial_g0:
                out += ELEMENTS[initial_g0][0]
            out += ch.encode("ascii")
            g0, g1 = initial_g0, initial_g1
            continue
        if ord(ch) < 0x80:
            if g0 != initial_g0:
                out += ELEMENTS[initial_g0][0]
                g0 = initial_g0
            out += ch.encode("ascii")
            continue
        for name in available:
            escape, codec, width, graphic = ELEMENTS[name]
            if codec is None:
                continue
            try:
                raw = ch.encode(codec)
            except UnicodeEncodeError:
                continue
            if len(raw) != width or (name == "katakana" and not 0xA1 <= raw[0] <= 0xDF) or \
                    (name == "jisx0212") != (raw[0] == 0x8F) or (width == 1 and raw[0] < 0x80):
                continue
            if name == "jisx0212":
                raw = raw[1:]
            if graphic == 0:
                if g0 != name:
                    out += escape
                    g0 = name
                out += bytes(b & 0x7F for b in raw)
            else:
                if g1 != name:
                    out += escape
                    g1 = name
                out += raw
            break
        else:
            raise ValueError(f"{ch!r} not in {terms}")
    if g0 != initial_g0:
        out += ELEMENTS[initial_g0][0]
    return bytes(out)


def encode_text(text, charset, vr):
    term, codec, _ = charset
    if codec is None:
        return text.encode("ascii")
    if codec == "2022":
        delimiters = "\\^=" if vr == "PN" else ("\\" if vr in ("SH", "LO", "UC") else "")
        return encode_2022(text, term.split("\\"), delimiters)
    return text.encode(codec)


class Element:
    """tag, vr and either `raw` (str/bytes value, or list of numbers) or `items` (a sequence)."""
    def __init__(self, tag, vr, value=None, items=None, undefined=False, odd=False):
        self.tag, self.vr, self.value, self.items, self.undefined, self.odd = tag, vr, value, items, undefined, odd


class Item:
    def __init__(self, elements, undefined=False):
        self.elements, self.undefined = elements, undefined


def value_bytes(e, big):
    vr, v = e.vr, e.value
    order = ">" if big else "<"
    if isinstance(v, bytes):
        data = v
    elif vr in INT_FORMAT:
        data = struct.pack(f"{order}{len(v)}{INT_FORMAT[vr]}", *v)
    elif vr in ("FL", "OF"):
        data = b"".join(struct.pack(order + "I", x[1]) if isinstance(x, tuple) else struct.pack(order + "f", x) for x in v)
    elif vr in ("FD", "OD"):
        data = b"".join(struct.pack(order + "Q", x[1]) if isinstance(x, tuple) else struct.pack(order + "d", x) for x in v)
    elif vr == "AT":
        data = b"".join(struct.pack(order + "HH", t >> 16, t & 0xFFFF) for t in v)
    else:
        raise ValueError(vr)
    if len(data) % 2 and not e.odd:
        data += b"\x00" if vr in ("UI", "OB", "UN") else b" "
    return data


def encode_elements(elements, implicit, big):
    out = bytearray()
    order = ">" if big else "<"
    for e in sorted(elements, key=lambda x: x.tag):
        g, el = e.tag >> 16, e.tag & 0xFFFF
        if e.items is not None:
            # A sequence; as UN of undefined length (CP-246), its items are Implicit VR Little Endian.
            inner_implicit, inner_big = (True, False) if e.vr == "UN" else (implicit, big)
            order = "<" if e.vr == "UN" else (">" if big else "<")
            body = bytearray()
            for item in e.items:
                inner = encode_elements(item.elements, inner_implicit, inner_big)
                body += struct.pack(order + "HHI", 0xFFFE, 0xE000, 0xFFFFFFFF if item.undefined else len(inner)) + inner
                if item.undefined:
                    body += struct.pack(order + "HHI", 0xFFFE, 0xE00D, 0)
            length = 0xFFFFFFFF if e.undefined else len(body)
            if e.undefined:
                body += struct.pack(order + "HHI", 0xFFFE, 0xE0DD, 0)
            order = ">" if big else "<"
        else:
            body = value_bytes(e, big)
            length = len(body)
        if implicit:
            out += struct.pack("<HHI", g, el, length)
        elif e.vr in LONG_LENGTH:
            out += struct.pack(order + "HH", g, el) + e.vr.encode() + b"\0\0" + struct.pack(order + "I", length)
        else:
            out += struct.pack(order + "HH", g, el) + e.vr.encode() + struct.pack(order + "H", length)
        out += body
    return bytes(out)


def uid(seed, index, n):
    return f"2.25.{(seed * 1_000_003 + index) * 1000 + n}"


def part10(dataset_elements, sop_class, sop_instance, syntax):
    meta = [Element(0x00020001, "OB", b"\x00\x01"), Element(0x00020002, "UI", sop_class.encode()),
            Element(0x00020003, "UI", sop_instance.encode()), Element(0x00020010, "UI", syntax.encode()),
            Element(0x00020012, "UI", b"1.2.826.0.1.3680043.10.1431.1"), Element(0x00020013, "SH", b"VR_EDGES")]
    body = encode_elements(meta, False, False)
    group = encode_elements([Element(0x00020000, "UL", [len(body)])], False, False)
    implicit, big = syntax == "1.2.840.10008.1.2", syntax == "1.2.840.10008.1.2.2"
    data = encode_elements(dataset_elements, implicit, big)
    if syntax == "1.2.840.10008.1.2.1.99":
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = c.compress(data) + c.flush()
    return b"\0" * 128 + b"DICM" + group + body + data


class Maker:
    def __init__(self, seed, index):
        self.rng = random.Random(seed * 1_000_003 + index)
        self.seed, self.index = seed, index
        self.syntax, self.tag = SYNTAXES[index % len(SYNTAXES)]
        self.charset = CHARSETS[(index // len(SYNTAXES) + seed) % len(CHARSETS)]
        self.implicit = self.syntax == "1.2.840.10008.1.2"

    def count(self, vr, maximal_bytes):
        """How many values: none (empty), one, a few, or (rarely) as many as the length allows."""
        r = self.rng.random()
        if r < 0.08:
            return 0
        if r < 0.5:
            return 1
        if r < 0.985:
            return self.rng.randint(2, 12)
        return maximal_bytes

    def numbers(self, vr):
        width = {"US": 2, "SS": 2, "UL": 4, "SL": 4, "SV": 8, "UV": 8, "OL": 4, "OV": 8, "FL": 4, "OF": 4,
                 "FD": 8, "OD": 8, "AT": 4}[vr]
        limit = 0xFFFE if vr not in LONG_LENGTH else 0x10000
        n = self.count(vr, limit // width)
        if n > 64:  # the maximal VM: 64 drawn values, repeated
            drawn = self.draw(vr, 64)
            return (drawn * (n // 64 + 1))[:n]
        return self.draw(vr, n)

    def draw(self, vr, n):
        rng = self.rng
        if vr in INTS:
            pool = INTS[vr]
            return [rng.choice(pool) if rng.random() < 0.8 else rng.randint(min(pool), max(pool)) for _ in range(n)]
        if vr in ("FL", "OF"):
            return [("bits", rng.choice(F32_NAN_BITS)) if rng.random() < 0.08 else
                    (rng.choice(F32) if rng.random() < 0.8 else ("bits", rng.getrandbits(32))) for _ in range(n)]
        if vr in ("FD", "OD"):
            return [("bits", rng.choice(F64_NAN_BITS)) if rng.random() < 0.08 else
                    (rng.choice(F64) if rng.random() < 0.8 else ("bits", rng.getrandbits(64))) for _ in range(n)]
        if vr == "AT":
            pool = [0x00000000, 0xFFFFFFFF, 0x7FE00010, 0x00080005, 0xFFFEE000, 0x00091001, 0x00100010, 0x00280010]
            return [rng.choice(pool) if rng.random() < 0.8 else rng.getrandbits(32) for _ in range(n)]
        raise ValueError(vr)

    def text(self, vr, tag):
        rng = self.rng
        samples = self.charset[2]
        single = tag in SINGLE_VALUED or vr in ("LT", "ST", "UT", "UR")
        if vr in STRINGS or vr in ("AE", "CS"):
            pool = STRINGS[vr]
            limit = {"AE": 16, "CS": 16, "AS": 4, "DA": 8, "DT": 26, "TM": 14, "DS": 16, "IS": 12, "UI": 64}.get(vr, 1024)
            n = 1 if single else self.count(vr, 0xFFFE // (limit + 1))
            if n == 0:
                return b""
            values = [rng.choice(pool) for _ in range(n)]
            if vr in ("DS", "IS") and rng.random() < 0.2:
                values = [" " + v if len(v) < limit else v for v in values]  # leading space padding
            if vr == "UR":
                values = [values[0] + ("  " if rng.random() < 0.3 else "")]
            raw = "\\".join(values).encode("ascii")
            return raw[:0xFFFE] if vr != "UR" else raw
        # Texts in the character set of the file.
        limit = {"SH": 16, "LO": 64, "PN": 64, "UC": 200, "ST": 1024, "LT": 10240, "UT": 20000}[vr]
        n = 1 if single else self.count(vr, 0x7FFE // (limit + 1) if vr not in LONG_LENGTH else 300)
        if n == 0:
            return b""
        values = []
        for _ in range(n):
            s = rng.choice(samples)
            if vr != "PN":
                s = s.replace("=", " ").replace("^", " ")
            r = rng.random()
            if vr in ("ST", "LT", "UT") and r < 0.4:
                s = s + "\r\nline two\\with backslash\r\n\tend" + ("   " if rng.random() < 0.5 else "")
            elif vr in ("ST", "LT", "UT") and r < 0.5:
                s = (s + " ") * rng.randint(20, limit // max(1, len(s) + 1) // 4 + 21)
            elif vr == "PN" and r < 0.2:
                s = rng.choice(["A^B^C^D^E", "^^^^", "Family", "=Ideo", "==Phon", "A^B=C^D=E^F", "O'Brien^Sean-Pat"])
            elif r < 0.3:
                s = " " + s if vr in ("ST", "LT", "UT") else s + "  "
            values.append(s[:limit])
        try:
            return encode_text("\\".join(values), self.charset, vr)
        except (UnicodeEncodeError, ValueError):
            return "\\".join(values).encode("ascii", "replace")

    def element(self, vr, tag, depth):
        rng = self.rng
        if vr == "SQ":
            return self.sequence(tag, depth)
        if vr in ("OB", "UN"):
            n = rng.choice([0, 1, 2, 3, 7, 16, 255, 1000] + ([65537] if rng.random() < 0.1 else []))
            data = bytes(rng.getrandbits(8) for _ in range(min(n, 300))) * (n // 300 + 1)
            return Element(tag, vr, data[:n], odd=n % 2 == 1)
        if vr == "OW":
            n = rng.choice([0, 1, 2, 5, 64, 1000])
            return Element(tag, vr, [rng.choice([0, 1, 0x7FFF, 0x8000, 0xFFFF, rng.getrandbits(16)]) for _ in range(n)])
        if vr in INTS or vr in ("FL", "FD", "OF", "OD", "AT"):
            return Element(tag, vr, self.numbers(vr))
        raw = self.text(vr, tag)
        odd = len(raw) % 2 == 1 and rng.random() < 0.25
        return Element(tag, vr, raw, odd=odd)

    def sequence(self, tag, depth):
        rng = self.rng
        items = []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            if rng.random() < 0.15:
                items.append(Item([], undefined=rng.random() < 0.5))  # empty item
                continue
            elements = self.elements(depth + 1, rng.randint(1, 5))
            items.append(Item(elements, undefined=rng.random() < 0.5))
        return Element(tag, "SQ", items=items, undefined=rng.random() < 0.5)

    def elements(self, depth, how_many):
        rng = self.rng
        chosen = {}
        vrs = list(TAGS) + (["SQ"] if depth < 4 else [])
        for _ in range(how_many):
            vr = rng.choice(vrs)
            tag = rng.choice(SEQUENCE_TAGS if vr == "SQ" else TAGS[vr])
            if tag not in chosen:
                chosen[tag] = self.element(vr, tag, depth)
        return list(chosen.values())

    def private(self, depth):
        """A block with its creator (explicit VRs, one a sequence) and elements without one."""
        rng = self.rng
        out = []
        if rng.random() < 0.6:
            group = rng.choice([0x0009, 0x0011, 0x0029, 0x7FDF])
            slot = rng.choice([0x10, 0x11, 0xFF])
            out.append(Element((group << 16) | slot, "LO", b"VR EDGES GEN"))
            for k, vr in enumerate(rng.sample(sorted(TAGS), 6) + (["SQ"] if rng.random() < 0.3 and not self.implicit else [])):
                tag = (group << 16) | (slot << 8) | k
                out.append(self.sequence(tag, depth + 2) if vr == "SQ" else self.element(vr, tag, depth))
            if self.syntax in ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99") and rng.random() < 0.3:
                un = self.sequence((group << 16) | (slot << 8) | 0x20, depth + 2)  # CP-246: SQ written as UN
                un.vr, un.undefined = "UN", True
                out.append(un)
        if rng.random() < 0.4:
            group = rng.choice([0x0013, 0x0015])
            for k, vr in enumerate(rng.sample(["US", "LO", "FD", "UL", "SH", "OB"], 3)):
                out.append(self.element(vr, (group << 16) | 0x1000 | (k + 1), depth))
        if self.implicit:
            for e in out:  # implicit VR: private elements are UN to every reader without a dictionary entry
                if e.vr == "SQ":
                    e.undefined = False
                    for item in e.items:
                        item.undefined = False
        return out

    def pixels(self):
        rng = self.rng
        rows, cols = rng.choice([(1, 1), (3, 5), (8, 8), (16, 4)])
        frames = rng.choice([1, 1, 2, 3])
        bits = rng.choice([8, 16])
        stored = rng.choice([bits, bits - 1, 12 if bits == 16 else 8])
        signed = rng.random() < 0.4
        n = rows * cols * frames
        top = 1 << stored
        lo, hi = (-(top // 2), top // 2 - 1) if signed else (0, top - 1)
        values = [rng.choice([lo, hi, 0, rng.randint(lo, hi)]) for _ in range(n)]
        mask = (1 << bits) - 1
        els = [Element(0x00280002, "US", [1]), Element(0x00280004, "CS", b"MONOCHROME2 "),
               Element(0x00280010, "US", [rows]), Element(0x00280011, "US", [cols]),
               Element(0x00280100, "US", [bits]), Element(0x00280101, "US", [stored]),
               Element(0x00280102, "US", [stored - 1]), Element(0x00280103, "US", [int(signed)])]
        if frames > 1:
            els.append(Element(0x00280008, "IS", str(frames).encode()))
        if rng.random() < 0.7:
            center = rng.choice(["0", "-2147483648", "127.5", "1e308", "-0", "40"])
            width = rng.choice(["1", "0.5", "1e308", "4096", "2147483647"])
            els += [Element(0x00281050, "DS", center.encode()), Element(0x00281051, "DS", width.encode())]
        if rng.random() < 0.5:
            els += [Element(0x00281052, "DS", rng.choice(["0", "-1024", "1e-300", "-1E+308"]).encode()),
                    Element(0x00281053, "DS", rng.choice(["1", "0.001", "1e300", "-1"]).encode()),
                    Element(0x00281054, "LO", b"HU")]
        words = [v & mask for v in values]
        if bits == 8:
            els.append(Element(0x7FE00010, "OB", bytes(words)))
        else:
            els.append(Element(0x7FE00010, "OW", words))
        return els

    def dataset(self):
        rng = self.rng
        sop_class = "1.2.840.10008.5.1.4.1.1.7"
        sop_instance = uid(self.seed, self.index, 1)
        els = [Element(0x00080016, "UI", sop_class.encode()), Element(0x00080018, "UI", sop_instance.encode()),
               Element(0x00080060, "CS", b"OT"), Element(0x00080064, "CS", b"WSD"),
               Element(0x0020000D, "UI", uid(self.seed, self.index, 2).encode()),
               Element(0x0020000E, "UI", uid(self.seed, self.index, 3).encode())]
        if self.charset[0]:
            els.append(Element(0x00080005, "CS", self.charset[0].encode()))
        have = {e.tag for e in els}
        for vr in TAGS:  # every VR, most of them more than once
            for tag in rng.sample(TAGS[vr], min(len(TAGS[vr]), rng.randint(1, 2))):
                if tag not in have:
                    els.append(self.element(vr, tag, 0))
                    have.add(tag)
        for tag in rng.sample(SEQUENCE_TAGS, rng.randint(1, 3)):
            els.append(self.sequence(tag, 0))
        els += self.private(0)
        if self.index % 5 == 0:  # see has_pixels
            els += self.pixels()
        return els, sop_class, sop_instance

    def write(self, outdir):
        els, sop_class, sop_instance = self.dataset()
        path = os.path.join(outdir, f"f{self.index:05d}_{self.tag}.dcm")
        with open(path, "wb") as f:
            f.write(part10(els, sop_class, sop_instance, self.syntax))
        return path


def has_pixels(path):
    """Whether the generated file at `path` has pixel data (every fifth)."""
    return int(os.path.basename(path)[1:6]) % 5 == 0


def make(outdir, seed, count):
    os.makedirs(outdir, exist_ok=True)
    return [Maker(seed, i).write(outdir) for i in range(count)]

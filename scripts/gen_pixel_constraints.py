"""The project's own table of Image Pixel narrowings (scripts/tables/image-pixel-constraints.tsv)
into Sources/DicomCore/Generated/ImagePixelConstraints+Table.swift.

Called by scripts/gen-standard: generate(std_dir, root) -> {relative path: file text}. Each row's
scope (a module or an IOD of ../shared/standard/iods) is expanded into the SOP Class UIDs that use
it, so that the table needs no IOD index at run time (the transcoder in DicomPixels consults it as
well as the validator in DicomValidate). Every cell is checked here: an unknown scope, keyword,
transfer syntax class or malformed allowed set stops the generation.
"""
import os
import re

TABLE = os.path.join("scripts", "tables", "image-pixel-constraints.tsv")
OUT = "Sources/DicomCore/Generated/ImagePixelConstraints+Table.swift"
ATTRIBUTES = {"SamplesPerPixel": "00280002", "PhotometricInterpretation": "00280004",
              "PlanarConfiguration": "00280006", "BitsAllocated": "00280100", "BitsStored": "00280101",
              "HighBit": "00280102", "PixelRepresentation": "00280103"}
SYNTAX_CLASSES = {"native", "rle", "jpeg-lossy", "jpeg-lossless", "jpegls-lossless", "jpegls-near",
                  "j2k-lossless", "j2k-lossy", "mpeg"}
PHOTOMETRIC = {"MONOCHROME1", "MONOCHROME2", "PALETTE COLOR", "RGB", "YBR_FULL", "YBR_FULL_422",
               "YBR_PARTIAL_420", "YBR_RCT", "YBR_ICT"}


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().split("\n") if line and not line.startswith("#")]
    header = lines[0].split("\t")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        assert len(cells) <= len(header), f"{path}: row {n} has {len(cells)} cells"
        cells += [""] * (len(header) - len(cells))
        rows.append(dict(zip(header, cells)))
    return rows


def check_when(when, where):
    for part in [p for p in when.split(" & ") if p]:
        key, _, values = part.partition("=")
        vals = values.split("|")
        if key == "pi":
            assert all(v in PHOTOMETRIC for v in vals), f"{where}: unknown photometric in {part}"
        elif key == "ts":
            assert all(v in SYNTAX_CLASSES for v in vals), f"{where}: unknown syntax class in {part}"
        else:
            raise AssertionError(f"{where}: condition {part!r} is neither pi= nor ts=")


def check_allowed(attribute, allowed, where):
    if allowed == "BitsStored-1":
        assert attribute == "HighBit", f"{where}: BitsStored-1 is for HighBit"
        return
    for v in allowed.split("|"):
        if attribute == "PhotometricInterpretation":
            assert v in PHOTOMETRIC, f"{where}: unknown photometric {v}"
        else:
            assert re.fullmatch(r"\d+(-\d+)?", v), f"{where}: {v!r} is not a number or range"


def generate(std, root):
    iods = os.path.join(std, "iods")
    sops = read_tsv(os.path.join(iods, "sop_classes.tsv"))
    ciod_modules = read_tsv(os.path.join(iods, "ciod_modules.tsv"))
    module_names = {r["module_id"]: r["name"] for r in read_tsv(os.path.join(iods, "modules.tsv"))}
    ciod_names = {r["ciod_id"]: r["name"] for r in read_tsv(os.path.join(iods, "ciods.tsv"))}
    uids_by_ciod = {}
    for r in sops:
        if r["ciod_id"]:
            uids_by_ciod.setdefault(r["ciod_id"], []).append(r["sop_class_uid"])
    ciods_by_module = {}
    for r in ciod_modules:
        ciods_by_module.setdefault(r["module_id"], []).append(r["ciod_id"])

    scopes, scope_lines, rule_lines = {}, [], []
    for n, r in enumerate(read_tsv(os.path.join(root, TABLE)), 2):
        where = f"{TABLE}: row {n}"
        kind, _, ids = r["scope"].partition(":")
        if kind == "module":
            assert ids in module_names and ids in ciods_by_module, f"{where}: unknown module {ids}"
            label, ciods = module_names[ids] + " module", ciods_by_module[ids]
        elif kind == "iod":
            names = ids.split(",")
            assert all(i in ciod_names for i in names), f"{where}: unknown IOD in {ids}"
            label, ciods = " and ".join(ciod_names[i] for i in names) + " IOD", names
        else:
            raise AssertionError(f"{where}: scope {r['scope']!r} is neither module: nor iod:")
        uids = sorted({u for c in ciods for u in uids_by_ciod.get(c, [])})
        assert uids, f"{where}: no SOP class uses {r['scope']}"
        attribute = r["attribute"]
        assert attribute in ATTRIBUTES, f"{where}: {attribute} is not an Image Pixel attribute of this table"
        check_when(r["when"], where)
        check_allowed(attribute, r["allowed"], where)
        assert re.fullmatch(r"[A-C]\.[0-9.]+", r["section"]), f"{where}: section {r['section']!r}"
        if r["scope"] not in scopes:
            scopes[r["scope"]] = len(scopes)
            scope_lines.append("\t".join([str(scopes[r["scope"]]), label, ",".join(uids)]))
        rule_lines.append("\t".join([str(scopes[r["scope"]]), ATTRIBUTES[attribute], attribute, r["when"],
                                     r["allowed"], r["section"]]))
    for text in scope_lines + rule_lines:
        assert '"""#' not in text
    body = ("// Generated by scripts/gen-standard (scripts/gen_pixel_constraints.py) from the project's own\n"
            f"// {TABLE}, scopes expanded with ../shared/standard/iods. Do not edit.\n"
            "// Content: narrowings of the Image Pixel attributes stated in DICOM PS3.3, Copyright NEMA.\n\n"
            "extension ImagePixelConstraints {\n"
            "    // Scope index, scope name, SOP Class UIDs (comma-separated).\n"
            "    static let scopeTable: String = #\"\"\"\n" + "\n".join(scope_lines) + "\n\"\"\"#\n\n"
            "    // Scope index, tag, keyword, condition, allowed values, PS3.3 section.\n"
            "    static let ruleTable: String = #\"\"\"\n" + "\n".join(rule_lines) + "\n\"\"\"#\n"
            "}\n")
    return {OUT: body}

#!/usr/bin/env python3
"""Checks `dicomtool validate` reports with readers independent of dicomtool.

  validate_formats.py junit REPORT.xml FILE...   one <testcase> per FILE, failures well formed
  validate_formats.py sarif REPORT.sarif FILE... SARIF 2.1.0, every FILE with findings has results

Neither the JUnit XSD nor the SARIF 2.1.0 JSON schema ships in any package installed here (checked:
sarif-om, jschema-to-python, sarif-tools, junitparser, junit-xml on PyPI carry no schema file), so
the SARIF check is a JSON Schema (validated with the jsonschema package) transcribed from the
SARIF 2.1.0 specification's required properties and enumerations for the objects dicomtool writes,
and the JUnit check follows the structure of the common Jenkins/Ant JUnit XSD (testsuites >
testsuite > testcase with name/classname; failure/error with message and type; integer counts).
Exit status 0 when the report passes; the reasons otherwise."""
import json
import sys
import xml.etree.ElementTree as ET

import jsonschema

SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "message": {
            "type": "object",
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
            "properties": {"text": {"type": "string"}, "id": {"type": "string"}},
        },
        "run": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {
                    "type": "object",
                    "required": ["driver"],
                    "properties": {"driver": {"$ref": "#/definitions/driver"}},
                },
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
            },
        },
        "driver": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "version": {"type": "string"},
                "informationUri": {"type": "string", "format": "uri"},
                "rules": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {
                            "id": {"type": "string"},
                            "shortDescription": {"$ref": "#/definitions/multiformatMessage"},
                            "fullDescription": {"$ref": "#/definitions/multiformatMessage"},
                            "help": {"$ref": "#/definitions/multiformatMessage"},
                        },
                    },
                },
            },
        },
        "multiformatMessage": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "result": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/definitions/message"},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
            },
        },
        "location": {
            "type": "object",
            "properties": {
                "physicalLocation": {
                    "type": "object",
                    "anyOf": [{"required": ["artifactLocation"]}, {"required": ["address"]}],
                    "properties": {
                        "artifactLocation": {
                            "type": "object",
                            "properties": {"uri": {"type": "string", "format": "uri-reference"}},
                        },
                        "region": {
                            "type": "object",
                            "properties": {
                                "byteOffset": {"type": "integer", "minimum": 0},
                                "byteLength": {"type": "integer", "minimum": 0},
                            },
                        },
                    },
                },
                "logicalLocations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "name": {"type": "string"},
                            "fullyQualifiedName": {"type": "string"},
                            "kind": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}


def check_junit(path, files):
    problems = []
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    if root.tag not in ("testsuites", "testsuite"):
        problems.append(f"root element is <{root.tag}>")
    if not suites:
        problems.append("no <testsuite>")
    cases = []
    for suite in suites:
        if not suite.get("name"):
            problems.append("testsuite without name")
        for attr in ("tests", "failures", "errors"):
            if not (suite.get(attr) or "x").isdigit():
                problems.append(f"testsuite {attr}={suite.get(attr)!r} is not an integer")
        own = suite.findall("testcase")
        if suite.get("tests", "").isdigit() and int(suite.get("tests")) != len(own):
            problems.append(f"testsuite tests={suite.get('tests')} but {len(own)} testcases")
        failed = sum(1 for c in own if c.find("failure") is not None)
        if suite.get("failures", "").isdigit() and int(suite.get("failures")) != failed:
            problems.append(f"testsuite failures={suite.get('failures')} but {failed} failing testcases")
        for case in own:
            if not case.get("name") or not case.get("classname"):
                problems.append(f"testcase without name/classname: {case.attrib}")
            for child in case:
                if child.tag not in ("failure", "error", "skipped", "system-out", "system-err"):
                    problems.append(f"testcase child <{child.tag}> not in the JUnit schema")
                if child.tag in ("failure", "error") and child.get("message") is None:
                    problems.append(f"<{child.tag}> without message")
        cases += own
    names = [c.get("name") for c in cases]
    if sorted(names) != sorted(files):
        problems.append(f"testcases {names} are not one per file {files}")
    return problems


def check_sarif(path, files):
    problems = []
    doc = json.load(open(path, encoding="utf-8"))
    validator = jsonschema.Draft7Validator(SARIF_SUBSET, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    problems += [f"schema: {e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
    if problems:
        return problems
    run = doc["runs"][0]
    rule_ids = {r["id"] for r in run["tool"]["driver"].get("rules", [])}
    uris = set()
    for res in run.get("results", []):
        for key in ("ruleId", "level", "locations"):
            if key not in res:
                problems.append(f"result without {key}: {res}")
        if res.get("ruleId") not in rule_ids:
            problems.append(f"ruleId {res.get('ruleId')} not among driver.rules")
        for loc in res.get("locations", []):
            uris.add(loc["physicalLocation"]["artifactLocation"]["uri"])
    for f in files:
        if f not in uris:
            problems.append(f"no result located in {f}")
    return problems


def main():
    kind, path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    problems = check_junit(path, files) if kind == "junit" else check_sarif(path, files)
    for p in problems:
        print(p)
    print(f"{kind}: {'1 passed, 0 failed' if not problems else '0 passed, 1 failed'}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()

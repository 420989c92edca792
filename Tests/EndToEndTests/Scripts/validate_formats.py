#!/usr/bin/env python3
"""Checks `dicomtool validate` reports against the published schemas, with readers independent of dicomtool.

  validate_formats.py junit REPORT.xml FILE...   valid against the Jenkins JUnit XSD; one <testcase> per FILE
  validate_formats.py sarif REPORT.sarif FILE... valid against the OASIS SARIF 2.1.0 JSON schema; every FILE
                                                 with findings has results; results lie in run.artifacts

The schemas are fetched by scripts/setup into .build-schemas at the package root, from pinned PyPI
source distributions (sources and licences in Tests/Fixtures/schemas/README.md):
junit-10.xsd is checked with xmllint --schema (Debian libxml2-utils), sarif-schema-2.1.0.json with
the jsonschema package (draft 4, as the schema declares; with rfc3987 the uri formats are checked too).
Beyond the schemas, the facts the schemas cannot state: counts agree with the test cases, every
result's ruleId is among driver.rules, and results are located in the files given.
Exit status 0 when the report passes; the reasons otherwise."""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import jsonschema

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".build-schemas")
JUNIT_XSD = os.path.join(SCHEMAS, "junit-10.xsd")
SARIF_SCHEMA = os.path.join(SCHEMAS, "sarif-schema-2.1.0.json")


def junit_schema_problems(path):
    r = subprocess.run(["xmllint", "--noout", "--schema", JUNIT_XSD, path], capture_output=True, text=True)
    if r.returncode == 0:
        return []
    lines = [l for l in r.stderr.splitlines() if l.strip() and not l.endswith(" fails to validate")]
    return [f"junit-10.xsd: {l}" for l in lines] or [f"junit-10.xsd: xmllint exit status {r.returncode}"]


def check_junit(path, files):
    problems = junit_schema_problems(path)
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
    with open(SARIF_SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    problems += [f"sarif-schema-2.1.0.json: {e.json_path}: {e.message}" for e in validator.iter_errors(doc)]
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
    # Every input is listed in run.artifacts (those without findings too); results lie in them.
    artifacts = {a.get("location", {}).get("uri") for a in run.get("artifacts", [])}
    if "artifacts" in run:
        for u in sorted(uris - artifacts):
            problems.append(f"result located in {u}, which is not among run.artifacts")
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

#!/usr/bin/env python3
"""Check Elastic detection rules written by `tunnelhunt export --target eql --as rule|repo`.

Each argument is a detection-rules TOML file (`.toml`: `[metadata]` and
`[rule]`) or a Kibana import file (`.ndjson`: one rule object per line).
Every rule object is validated against Elastic's published API JSON Schema
for EQL rules (master.eql.json, kept beside this script, see README.md),
then against the content rules of elastic/detection-rules' own tests that
apply to a rule from outside Elastic:

- tags: no duplicates, every prefix one Elastic's repository expects, a
  `Tactic: <name>` tag for every threat tactic and none for a tactic the
  threat mapping lacks, `Resources: Investigation Guide` exactly when there
  is a note;
- a note starts its investigation guide with `## Triage and analysis`;
- the risk score lies in its severity's band;
- the look-back (`from = now-…`) is at least the interval;
- ATT&CK ids agree with their reference URLs;
- TOML metadata: dates `YYYY/MM/DD`, a known maturity.

Prints one line per problem (`file:rule: problem`) and exits 1 when any is
found; `--self-test` checks that a good rule passes and broken ones fail.
"""

import json
import re
import sys
import tomllib
from pathlib import Path

import jsonschema

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE / "master.eql.json").read_text())

# From detection_rules/schemas/definitions.py (EXPECTED_RULE_TAGS prefixes).
TAG_PREFIXES = (
    "Data Source: ", "Domain: ", "Mitre Atlas: ", "OS: ", "Platform: ", "Resources: ",
    "Rule Type: ", "Tactic: ", "Threat: ", "Use Case: ", "Language: ", "Mitre: ",
)
# tests/test_all_rules.py, TestRiskScoreMismatch.
RISK_BANDS = {"critical": (74, 100), "high": (48, 73), "medium": (22, 47), "low": (0, 21)}
MATURITY = {"development", "experimental", "production", "deprecated"}
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text):
    match = re.fullmatch(r"(\d+)([smhd])", text)
    return int(match.group(1)) * UNITS[match.group(2)] if match else None


def check_rule(rule):
    problems = [f"schema: {e.message} at /{'/'.join(map(str, e.absolute_path))}"
                for e in jsonschema.Draft4Validator(SCHEMA).iter_errors(rule)]
    tags = rule.get("tags", [])
    if len(tags) != len(set(tags)):
        problems.append("duplicate tags")
    problems += [f"tag {t!r} has no prefix Elastic expects" for t in tags
                 if not t.startswith(TAG_PREFIXES)]
    tactics = {entry["tactic"]["name"] for entry in rule.get("threat", [])}
    tag_tactics = {t[len("Tactic: "):] for t in tags if t.startswith("Tactic: ")}
    if tactics != tag_tactics:
        problems.append(f"Tactic tags {sorted(tag_tactics)} differ from the threat tactics {sorted(tactics)}")
    note = rule.get("note")
    if (note is not None) != ("Resources: Investigation Guide" in tags):
        problems.append("'Resources: Investigation Guide' tag and note disagree")
    if note is not None and not note.startswith("## Triage and analysis"):
        problems.append("note does not start with '## Triage and analysis'")
    band = RISK_BANDS.get(rule.get("severity"))
    if band and not band[0] <= rule.get("risk_score", -1) <= band[1]:
        problems.append(f"risk score {rule.get('risk_score')} outside the {rule['severity']} band {band}")
    interval = seconds(rule.get("interval", "5m"))
    lookback = seconds(rule.get("from", "now-6m").removeprefix("now-"))
    if interval is None or lookback is None or lookback < interval:
        problems.append(f"look-back {rule.get('from')!r} shorter than interval {rule.get('interval')!r}")
    for entry in rule.get("threat", []):
        tactic = entry["tactic"]
        if tactic.get("reference") != f"https://attack.mitre.org/tactics/{tactic['id']}/":
            problems.append(f"tactic {tactic['id']} reference {tactic.get('reference')!r}")
        for technique in entry.get("technique", []):
            if technique.get("reference") != f"https://attack.mitre.org/techniques/{technique['id']}/":
                problems.append(f"technique {technique['id']} reference {technique.get('reference')!r}")
            for sub in technique.get("subtechnique", []):
                want = "https://attack.mitre.org/techniques/" + sub["id"].replace(".", "/") + "/"
                if not sub["id"].startswith(technique["id"] + ".") or sub.get("reference") != want:
                    problems.append(f"sub-technique {sub['id']} under {technique['id']}: {sub.get('reference')!r}")
    return problems


def check_metadata(metadata):
    problems = []
    for key in ("creation_date", "updated_date"):
        if not re.fullmatch(r"\d{4}/\d{2}/\d{2}", str(metadata.get(key, ""))):
            problems.append(f"metadata.{key} {metadata.get(key)!r} is not YYYY/MM/DD")
    if metadata.get("maturity") not in MATURITY:
        problems.append(f"metadata.maturity {metadata.get('maturity')!r}")
    return problems


def check_file(path):
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        document = tomllib.loads(text)
        rules = [(document["rule"], check_metadata(document.get("metadata", {})))]
    else:
        rules = [(json.loads(line), []) for line in text.splitlines() if line.strip()]
    found = []
    for rule, problems in rules:
        found += [f"{path}:{rule.get('rule_id')}: {p}" for p in problems + check_rule(rule)]
    return len(rules), found


def self_test():
    good = {
        "author": ["a"], "description": "d", "from": "now-10m", "interval": "5m",
        "index": ["logs-*"], "language": "eql", "name": "n", "risk_score": 73,
        "rule_id": "00000000-0000-4000-8000-000000000000", "severity": "high",
        "tags": ["Use Case: Threat Detection", "Tactic: Command and Control"],
        "type": "eql", "query": "process where true",
        "threat": [{"framework": "MITRE ATT&CK",
                    "tactic": {"id": "TA0011", "name": "Command and Control",
                               "reference": "https://attack.mitre.org/tactics/TA0011/"},
                    "technique": [{"id": "T1090", "name": "Proxy",
                                   "reference": "https://attack.mitre.org/techniques/T1090/",
                                   "subtechnique": [{"id": "T1090.001", "name": "Internal Proxy",
                                                     "reference": "https://attack.mitre.org/techniques/T1090/001/"}]}]}],
    }
    assert check_rule(good) == [], check_rule(good)
    broken = [
        {**good, "risk_score": 99},
        {**good, "from": "now-1m"},
        {**good, "tags": good["tags"] + ["Branch: x"]},
        {**good, "tags": ["Use Case: Threat Detection"]},
        {**good, "note": "no heading"},
        {**good, "severity": "severe"},
        {**good, "interval": "5 minutes"},
        {**good, "unknown_field": 1},
    ]
    for rule in broken:
        assert check_rule(rule), rule
    assert check_metadata({"creation_date": "2026-11-28", "updated_date": "2026/11/28",
                           "maturity": "production"})
    print("elastic_check self-test: ok")


def main(argv):
    if argv == ["--self-test"]:
        self_test()
        return 0
    total, problems = 0, []
    for path in argv:
        count, found = check_file(path)
        total += count
        problems += found
    for problem in problems:
        print(problem)
    print(f"{total} rules checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Check Microsoft Defender XDR custom detection rules (Graph detectionRule
request bodies) against detection-rule.schema.json.

Usage: defender_check.py FILE...   (.json: one object; .ndjson: one per line)
       defender_check.py --self-test

Prints one line per problem and "N rules checked, M problems"; exits 1 when
there is a problem. The schema is written from Microsoft's Graph reference
(see its description); the Rust tests check what a schema cannot: the
query's columns and continuous-frequency eligibility.
"""

import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

SCHEMA = Path(__file__).with_name("detection-rule.schema.json")


def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def objects(path):
    text = Path(path).read_text(encoding="utf-8")
    if str(path).endswith(".ndjson"):
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield f"{path}:{number}", json.loads(line)
    else:
        yield str(path), json.loads(text)


def problems(check, name, rule):
    for error in sorted(check.iter_errors(rule), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        yield f"{name}: {where}: {error.message}"


GOOD = {
    "displayName": "Some rule name",
    "isEnabled": True,
    "queryCondition": {"queryText": "DeviceProcessEvents | take 1"},
    "schedule": {"period": "12H"},
    "detectionAction": {
        "alertTemplate": {
            "title": "Some alert title",
            "description": "Some alert description",
            "severity": "medium",
            "category": "Execution",
            "recommendedActions": None,
            "mitreTechniques": [],
            "impactedAssets": [
                {"@odata.type": "#microsoft.graph.security.impactedDeviceAsset", "identifier": "deviceId"}
            ],
        },
        "organizationalScope": None,
        "responseActions": [
            {
                "@odata.type": "#microsoft.graph.security.isolateDeviceResponseAction",
                "identifier": "deviceId",
                "isolationType": "full",
            }
        ],
    },
}


def self_test():
    """Microsoft's own request example passes; a few broken copies fail."""
    check = validator()
    assert not list(problems(check, "example", GOOD)), "Microsoft's example fails the schema"
    broken = json.loads(json.dumps(GOOD))
    broken["schedule"]["period"] = "5M"
    assert list(problems(check, "broken", broken)), "period 5M passes"
    broken = json.loads(json.dumps(GOOD))
    broken["detectionAction"]["alertTemplate"]["severity"] = "critical"
    assert list(problems(check, "broken", broken)), "severity critical passes"
    print("defender_check self-test: ok")


def main(argv):
    if argv == ["--self-test"]:
        self_test()
        return 0
    check = validator()
    count = 0
    found = []
    for path in argv:
        for name, rule in objects(path):
            count += 1
            found.extend(problems(check, name, rule))
    for line in found:
        print(line)
    print(f"{count} rules checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Check the ARM templates `tunnelhunt export --target kql --as rule|repo` writes for Microsoft Sentinel.

Each argument is an ARM template (`*.json`). Every resource must be an
analytics rule (`Microsoft.OperationalInsights/workspaces/providers/alertRules`)
of the pinned stable API version, named after a GUID through the
`workspace` parameter, and its REST body (`kind` + `properties`) must
validate against the REST API specification of that version, kept here as
data (see README.md):

- `$ref`s are resolved, local and to the two other spec files;
- `allOf` is followed, and the `kind` discriminator picks the definition
  whose `x-ms-discriminator-value` it names (as AutoRest does);
- `format: duration` must be an ISO 8601 duration;
- `properties` may hold only what the definitions declare, and nothing
  `readOnly` (the service would reject or ignore it: either is a bug here).

Prints one line per problem (`file:resource: problem`) and exits 1 when any
is found; `--self-test` checks that a good template passes and broken ones
fail.
"""

import copy
import json
import re
import sys
from pathlib import Path

import jsonschema

HERE = Path(__file__).resolve().parent
API_VERSION = "2024-03-01"
RESOURCE_TYPE = "Microsoft.OperationalInsights/workspaces/providers/alertRules"
SPEC = json.loads((HERE / f"AlertRules.{API_VERSION}.excerpt.json").read_text())
COMMON = json.loads((HERE / "common-types.stated.json").read_text())
GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
ISO_DURATION = re.compile(r"P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?")


def definitions():
    """All definitions in one namespace, every `$ref` rewritten to it."""
    merged = {**copy.deepcopy(COMMON["definitions"]), **copy.deepcopy(SPEC["definitions"])}

    def rewrite(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                node["$ref"] = "#/definitions/" + ref.rsplit("/", 1)[-1]
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(merged)
    return merged


DEFS = definitions()


def resolve(schema):
    while "$ref" in schema:
        schema = DEFS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def declared(schema):
    """Properties of a schema and everything it includes by `allOf`."""
    schema = resolve(schema)
    props = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props.update(declared(part))
    return props


def strict(schema):
    """The JSON Schema of a definition: `allOf` kept, `discriminator` and
    other Swagger-only keywords removed, `readOnly` properties forbidden."""
    schema = resolve(schema)
    out = {k: v for k, v in schema.items() if k in ("type", "enum", "required", "format", "items", "additionalProperties")}
    if "items" in out:
        out["items"] = strict(out["items"])
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = strict(out["additionalProperties"])
    props = declared(schema)
    if props:
        out["properties"] = {}
        for name, sub in props.items():
            sub_resolved = resolve(sub)
            if sub.get("readOnly") or sub_resolved.get("readOnly"):
                out["properties"][name] = False
            else:
                out["properties"][name] = strict(sub)
        out["additionalProperties"] = False
        required = set(schema.get("required", []))
        for part in schema.get("allOf", []):
            required |= set(resolve(part).get("required", []))
        if required:
            out["required"] = sorted(required)
    return out


def rule_schema(kind):
    for name, schema in DEFS.items():
        if schema.get("x-ms-discriminator-value") == kind and any(
            part.get("$ref", "").endswith("/AlertRule") for part in schema.get("allOf", [])
        ):
            return name, strict(schema)
    return None, None


FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("duration")
def is_duration(text):
    return isinstance(text, str) and ISO_DURATION.fullmatch(text) is not None


def check_template(template):
    problems = []
    if template.get("$schema") != "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#":
        problems.append("$schema is not the 2019-04-01 deployment template schema")
    if template.get("parameters", {}).get("workspace", {}).get("type") != "String":
        problems.append("no String parameter 'workspace'")
    names = set()
    for index, resource in enumerate(template.get("resources", [])):
        where = f"resources[{index}]"
        if resource.get("type") != RESOURCE_TYPE:
            problems.append(f"{where}: type is not {RESOURCE_TYPE}")
        if resource.get("apiVersion") != API_VERSION:
            problems.append(f"{where}: apiVersion is not {API_VERSION}")
        name = re.fullmatch(
            r"\[concat\(parameters\('workspace'\), '/Microsoft\.SecurityInsights/(" + GUID + r")'\)\]",
            resource.get("name", ""),
        )
        if not name:
            problems.append(f"{where}: name is not the workspace's Microsoft.SecurityInsights/<guid>")
        else:
            where = name.group(1)
            if where in names:
                problems.append(f"{where}: the rule id is used twice")
            names.add(where)
            if not resource.get("id", "").endswith(f"'/alertRules/{where}')]"):
                problems.append(f"{where}: id does not end with /alertRules/{where}")
        definition, schema = rule_schema(resource.get("kind"))
        if schema is None:
            problems.append(f"{where}: kind {resource.get('kind')!r} is no alert rule of {API_VERSION}")
            continue
        body = {"kind": resource["kind"], "properties": resource.get("properties")}
        validator = jsonschema.Draft4Validator(schema, format_checker=FORMATS)
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.path)):
            path = "/".join(str(p) for p in error.path)
            problems.append(f"{where}: {definition} {path}: {error.message}")
    if not template.get("resources"):
        problems.append("no resources")
    return problems


def self_test():
    good = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"workspace": {"type": "String"}},
        "resources": [{
            "id": "[concat(resourceId('Microsoft.OperationalInsights/workspaces/providers', parameters('workspace'), 'Microsoft.SecurityInsights'), '/alertRules/59b6e6b6-f967-413c-b110-55328b31d9e2')]",
            "name": "[concat(parameters('workspace'), '/Microsoft.SecurityInsights/59b6e6b6-f967-413c-b110-55328b31d9e2')]",
            "type": RESOURCE_TYPE, "kind": "Scheduled", "apiVersion": API_VERSION,
            "properties": {
                "displayName": "x", "enabled": True, "severity": "High", "query": "SecurityEvent",
                "queryFrequency": "PT5M", "queryPeriod": "PT10M", "triggerOperator": "GreaterThan",
                "triggerThreshold": 0, "suppressionDuration": "PT1H", "suppressionEnabled": False,
                "tactics": ["CommandAndControl"],
                "incidentConfiguration": {"createIncident": True, "groupingConfiguration": {
                    "enabled": False, "reopenClosedIncident": False, "lookbackDuration": "PT5H",
                    "matchingMethod": "AllEntities"}},
            },
        }],
    }
    assert check_template(good) == [], check_template(good)
    breaks = [
        ("properties", "severity", "Critical"),
        ("properties", "queryFrequency", "5m"),
        ("properties", "triggerOperator", "gt"),
        ("properties", "tactics", ["Command and Control"]),
        ("properties", "queryFrequncy", "PT5M"),
        ("properties", "lastModifiedUtc", "2024-01-01T00:00:00Z"),
        (None, "kind", "NRT"),
        (None, "apiVersion", "2023-02-01"),
        (None, "name", "x"),
    ]
    for bag, key, value in breaks:
        broken = copy.deepcopy(good)
        target = broken["resources"][0]
        if bag:
            target = target[bag]
        target[key] = value
        assert check_template(broken), f"{key}={value!r} passed"
    missing = copy.deepcopy(good)
    del missing["resources"][0]["properties"]["query"]
    assert check_template(missing), "a rule without a query passed"
    print(f"sentinel_check self-test: 1 good template passes, {len(breaks) + 1} broken ones fail")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    failures = 0
    resources = 0
    for arg in argv[1:]:
        template = json.loads(Path(arg).read_text())
        resources += len(template.get("resources", []))
        for problem in check_template(template):
            print(f"{arg}:{problem}")
            failures += 1
    print(f"{resources} rules checked, {failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

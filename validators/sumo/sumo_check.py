#!/usr/bin/env python3
"""Check the Sumo Logic Cloud SIEM match rules `tunnelhunt export --target sumo --as rule|repo` writes.

Each argument is a rules-API body (`.json`: `{"fields": {...}}`), a file of
them one per line (`.ndjson`), or a Terraform file (`.tf.json`). Bodies are
validated against match_rule.schema.json, Terraform files against
terraform.schema.json (both written from the Sumo Terraform provider's
resource schema, see README.md), then:

- Terraform: every string is literal text once Terraform reads it, i.e. no
  `${` or `%{` that is not escaped as `$${` / `%%{` (in a `.tf.json` file
  every string is a template);
- the `*Expression` fields are well-formed Cloud SIEM templates: every
  `{{` closes with `}}` around one attribute name, and each attribute named
  is one the rule's entity selectors key on (so it exists on the records
  the Signals are about);
- ATT&CK tags: at least one technique when a tactic is given, and the
  reverse.

Prints one line per problem (`file:rule: problem`) and exits 1 when any is
found; `--self-test` checks that good objects pass and broken ones fail.
"""

import copy
import json
import re
import sys
from pathlib import Path

import jsonschema

HERE = Path(__file__).resolve().parent
API_SCHEMA = json.loads((HERE / "match_rule.schema.json").read_text())
TF_SCHEMA = json.loads((HERE / "terraform.schema.json").read_text())
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
EXPRESSIONS = ("nameExpression", "descriptionExpression", "summaryExpression")


def schema_problems(schema, value):
    return [f"schema: {e.message} at /{'/'.join(map(str, e.absolute_path))}"
            for e in jsonschema.Draft7Validator(schema).iter_errors(value)]


def terraform_unescaped(text):
    """The template sequences Terraform would interpret in `text`."""
    found = []
    i = 0
    while i < len(text):
        for lead in "$%":
            if text.startswith(lead * 2 + "{", i):
                i += 2  # an escape: the `{` after it is literal
                break
            if text.startswith(lead + "{", i):
                found.append(text[i:i + 12])
                break
        i += 1
    return found


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)


def template_problems(name, text, attributes):
    problems = []
    for attribute in PLACEHOLDER.findall(text):
        if attribute not in attributes:
            problems.append(f"{name} names {attribute!r}, which no entity selector keys on")
    rest = PLACEHOLDER.sub("", text)
    if "{{" in rest or "}}" in rest:
        problems.append(f"{name} has a '{{{{' or '}}}}' that is not an attribute placeholder")
    return problems


def check_rule(fields):
    """Content checks shared by both forms, on the API field names."""
    problems = []
    attributes = {s.get("expression") for s in fields.get("entitySelectors", [])}
    for name in EXPRESSIONS:
        if isinstance(fields.get(name), str):
            problems += template_problems(name, fields[name], attributes)
    tags = fields.get("tags", [])
    tactics = [t for t in tags if t.startswith("_mitreAttackTactic:")]
    techniques = [t for t in tags if t.startswith("_mitreAttackTechnique:")]
    if bool(tactics) != bool(techniques):
        problems.append("ATT&CK tags name tactics without techniques or the reverse")
    return problems


def from_terraform(rule):
    """A Terraform resource's arguments under the API's field names."""
    return {
        "nameExpression": rule.get("name_expression"),
        "descriptionExpression": rule.get("description_expression"),
        "summaryExpression": rule.get("summary_expression"),
        "entitySelectors": [{"expression": s.get("expression")}
                            for s in rule.get("entity_selectors", [])],
        "tags": rule.get("tags", []),
    }


def check_body(body):
    problems = schema_problems(API_SCHEMA, body)
    if isinstance(body, dict) and isinstance(body.get("fields"), dict):
        problems += check_rule(body["fields"])
    return problems


def check_terraform(document):
    problems = schema_problems(TF_SCHEMA, document)
    problems += [f"Terraform would interpret {s!r}" for text in strings(document)
                 for s in terraform_unescaped(text)]
    resources = document.get("resource", {}).get("sumologic_cse_match_rule", {})
    for name, rule in resources.items() if isinstance(resources, dict) else []:
        if isinstance(rule, dict):
            problems += [f"{name}: {p}" for p in check_rule(from_terraform(rule))]
    return problems


def check_file(path):
    """(objects checked, problems) of one file."""
    text = path.read_text()
    if path.name.endswith(".tf.json"):
        document = json.loads(text)
        count = len(document.get("resource", {}).get("sumologic_cse_match_rule", {}))
        return count, [f"{path}: {p}" for p in check_terraform(document)]
    lines = [line for line in text.splitlines() if line.strip()] \
        if path.suffix == ".ndjson" else [text]
    problems = []
    for line in lines:
        body = json.loads(line)
        name = body.get("fields", {}).get("name", "?")
        problems += [f"{path}:{name}: {p}" for p in check_body(body)]
    return len(lines), problems


GOOD = {"fields": {
    "name": "Netsh ${x} {{y}} port proxy",
    "enabled": False,
    "isPrototype": True,
    "expression": 'objectType = "EndpointProcess" AND (commandLine matches /portproxy/)',
    "nameExpression": "Netsh ${x} { {y} } port proxy",
    "descriptionExpression": "Why it fired.",
    "summaryExpression": "Port proxy on {{device_hostname}} by {{user_username}}",
    "entitySelectors": [{"entityType": "_hostname", "expression": "device_hostname"},
                        {"entityType": "_username", "expression": "user_username"}],
    "scoreMapping": {"type": "constant", "default": 7},
    "stream": "record",
    "tags": ["_mitreAttackTactic:TA0011", "_mitreAttackTechnique:T1090.001", "tunnelhunt_level:high"],
}}


def terraform_of(fields):
    return {"resource": {"sumologic_cse_match_rule": {"netsh": {
        "name": fields["name"].replace("${", "$${"),
        "enabled": fields["enabled"],
        "is_prototype": fields["isPrototype"],
        "expression": fields["expression"],
        "name_expression": fields["nameExpression"].replace("${", "$${"),
        "description_expression": fields["descriptionExpression"],
        "summary_expression": fields["summaryExpression"],
        "entity_selectors": [{"entity_type": s["entityType"], "expression": s["expression"]}
                             for s in fields["entitySelectors"]],
        "severity_mapping": [fields["scoreMapping"]],
        "tags": fields["tags"],
    }}}}


def self_test():
    assert check_body(GOOD) == [], check_body(GOOD)
    assert check_terraform(terraform_of(GOOD["fields"])) == []

    def broken(change):
        body = copy.deepcopy(GOOD)
        change(body["fields"])
        return body

    bodies = [
        broken(lambda f: f.pop("expression")),
        broken(lambda f: f.update(severityMapping=f.pop("scoreMapping"))),
        broken(lambda f: f["scoreMapping"].update(default=11)),
        broken(lambda f: f["scoreMapping"].pop("default")),
        broken(lambda f: f.update(entitySelectors=[])),
        broken(lambda f: f.update(stream="signal")),
        broken(lambda f: f["tags"].append("_mitreAttackTechnique:T1090.1")),
        broken(lambda f: f["tags"].append("")),
        broken(lambda f: f.update(tags=["_mitreAttackTactic:TA0011"])),
        broken(lambda f: f.update(summaryExpression="on {{srcDevice_ip}}")),
        broken(lambda f: f.update(descriptionExpression="a {{ b")),
    ]
    for body in bodies:
        assert check_body(body), f"passed but is broken: {body}"
    terraforms = [
        lambda d: d["resource"]["sumologic_cse_match_rule"]["netsh"].update(name="a ${var.x}"),
        lambda d: d["resource"]["sumologic_cse_match_rule"]["netsh"].update(
            description_expression="%{ if true }x%{ endif }"),
        lambda d: d["resource"]["sumologic_cse_match_rule"]["netsh"].update(
            severity_mapping={"type": "constant", "default": 5}),
        lambda d: d["resource"]["sumologic_cse_match_rule"].update(
            {"1bad": d["resource"]["sumologic_cse_match_rule"]["netsh"]}),
        lambda d: d["resource"]["sumologic_cse_match_rule"]["netsh"].update(scoreMapping={}),
    ]
    for change in terraforms:
        document = terraform_of(GOOD["fields"])
        change(document)
        assert check_terraform(document), f"passed but is broken: {document}"
    assert terraform_unescaped("$${a} %%{b} $$${c}") == []
    assert terraform_unescaped("$$$${c}") == []
    assert terraform_unescaped("a$${b}${c}") == ["${c}"]
    print(f"self-test: 2 good objects pass, {len(bodies) + len(terraforms)} broken ones fail")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    checked, problems = 0, []
    for arg in argv[1:]:
        count, found = check_file(Path(arg))
        checked += count
        problems += found
    for problem in problems:
        print(problem)
    print(f"{checked} rules checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

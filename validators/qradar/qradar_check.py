#!/usr/bin/env python3
"""Check the QRadar saved searches `tunnelhunt export --target aql --as rule|repo` writes.

Each argument is a saved-search file (`.json`: one object, or an array of
them as `saved_searches.json` holds) or a file of them one per line
(`.ndjson`). Every object is validated against saved_search.schema.json
(written from IBM's QRadar REST API 26.0 reference, see README.md), then:

- the AQL ends with one time clause (`LAST n MINUTES|HOURS|DAYS`) and it
  reads exactly the object's `lookback`;
- the look-back is at least the run interval, so no event falls between
  two runs;
- `is_aggregate` is true exactly when the AQL groups (`GROUP BY`);
- comments (`/* … */`) close, and none starts or ends the query (IBM
  allows them only inside the body).

The AQL's lexical form (strings, quoted names, parentheses) is checked in
the Rust tests with the backends' AQL lexer. Prints one line per problem
and exits 1 when any is found; `--self-test` checks that a good object
passes and broken ones fail.
"""

import copy
import json
import re
import sys
from pathlib import Path

import jsonschema

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE / "saved_search.schema.json").read_text())
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
CLAUSE_UNITS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}
TIME_CLAUSE = re.compile(r"\bLAST (\d+) (MINUTES|HOURS|DAYS)\s*$")


def seconds(text):
    match = re.fullmatch(r"(\d+)([smhd])", text or "")
    return int(match.group(1)) * UNITS[match.group(2)] if match else None


def outside_literals(aql):
    """The AQL with its '…' strings and "…" names emptied, so their text
    is not read as syntax."""
    return re.sub(r"'(?:[^']|'')*'|\"[^\"]*\"", lambda m: m.group(0)[0] * 2, aql)


def comment_problems(aql):
    problems = []
    if aql.lstrip().startswith("/*") or aql.rstrip().endswith("*/"):
        problems.append("a comment starts or ends the query")
    rest = aql
    while "/*" in rest:
        rest = rest[rest.index("/*") + 2:]
        if "*/" not in rest:
            problems.append("unclosed comment")
            break
        rest = rest[rest.index("*/") + 2:]
    return problems


def check_object(obj):
    problems = [f"schema: {e.message} at /{'/'.join(map(str, e.absolute_path))}"
                for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(obj)]
    search = obj.get("saved_search") if isinstance(obj, dict) else None
    if not isinstance(search, dict) or not isinstance(search.get("aql"), str):
        return problems
    aql = outside_literals(search["aql"])
    code = re.sub(r"/\*.*?\*/", " ", aql, flags=re.S)
    clauses = re.findall(r"\bLAST \d+ (?:MINUTES|HOURS|DAYS)\b", code)
    match = TIME_CLAUSE.search(code)
    if len(clauses) != 1 or not match:
        problems.append("the AQL does not end with exactly one time clause (LAST n MINUTES)")
    else:
        read = int(match.group(1)) * CLAUSE_UNITS[match.group(2)]
        if read != seconds(obj.get("lookback")):
            problems.append(f"the AQL reads {match.group(0)!r} but the lookback is {obj.get('lookback')!r}")
    every, back = seconds(obj.get("run_every")), seconds(obj.get("lookback"))
    if every and back and back < every:
        problems.append("the look-back is shorter than the run interval")
    if search.get("is_aggregate") != bool(re.search(r"\bGROUP BY\b", code)):
        problems.append("is_aggregate does not say whether the AQL groups")
    return problems + comment_problems(aql)


def check_file(path):
    text = path.read_text()
    if path.suffix == ".ndjson":
        objects = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        value = json.loads(text)
        objects = value if isinstance(value, list) else [value]
    problems = []
    for obj in objects:
        name = (obj.get("saved_search") or {}).get("name", "?") if isinstance(obj, dict) else "?"
        problems += [f"{path}:{name}: {p}" for p in check_object(obj)]
    return len(objects), problems


GOOD = {
    "saved_search": {
        "name": "Netsh port proxy \"added\"",
        "description": "Why it fired.\n\n## Investigation\n\n1. Who ran it.",
        "aql": "SELECT *\nFROM events\n/* id: x */\nWHERE devicetype = 12 AND (\"Process CommandLine\" ILIKE '%portproxy%')\nLAST 10 MINUTES",
        "database": "EVENTS",
        "is_shared": True,
        "is_aggregate": False,
        "is_quick_search": False,
        "is_dashboard": False,
        "is_default": False,
    },
    "run_every": "5m",
    "lookback": "10m",
    "sigma_id": "0b9c6c4e-3c0c-4f5c-9c43-5f4b7a7f2b11",
    "severity": "high",
    "attack_techniques": ["T1572", "T1090.001"],
}


def self_test():
    assert check_object(GOOD) == [], check_object(GOOD)

    def broken(change):
        obj = copy.deepcopy(GOOD)
        change(obj)
        return obj

    def aql(text):
        return lambda o: o["saved_search"].update(aql=text)

    cases = [
        broken(lambda o: o["saved_search"].pop("aql")),
        broken(lambda o: o["saved_search"].update(database="events")),
        broken(lambda o: o["saved_search"].update(id=4)),
        broken(lambda o: o.update(lookback="15m")),
        broken(lambda o: o.update(run_every="1h")),
        broken(lambda o: o.update(severity="informational")),
        broken(lambda o: o.update(attack_techniques=["T1090.1"])),
        broken(aql(GOOD["saved_search"]["aql"].replace("\nLAST 10 MINUTES", ""))),
        broken(aql(GOOD["saved_search"]["aql"] + " LAST 10 MINUTES")),
        broken(aql("SELECT * FROM events WHERE x = 1 GROUP BY y LAST 10 MINUTES")),
        broken(aql("SELECT * FROM events /* open WHERE x = 1 LAST 10 MINUTES")),
        broken(aql("/* lead */ SELECT * FROM events LAST 10 MINUTES")),
    ]
    literal = broken(aql("SELECT * FROM events WHERE a = '/* LAST 5 DAYS' AND \"b/*\" = 'it''s' /* the LAST 2 DAYS */\nLAST 10 MINUTES"))
    assert check_object(literal) == [], check_object(literal)
    for obj in cases:
        assert check_object(obj), f"passed but is broken: {obj}"
    print(f"self-test: 1 good object passes, {len(cases)} broken ones fail")


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
    print(f"{checked} saved searches checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

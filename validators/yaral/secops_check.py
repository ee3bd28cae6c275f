#!/usr/bin/env python3
"""Check Google SecOps rule objects written by
`tunnelhunt export --target yaral --as rule|repo`.

Each argument is a `.yaral` file or a folder: the `secops/` folder of an
export (`--as rule`: `<name>.yaral` files; `--as repo`: `rules/<name>.yaral`
and `rule_config.yaml`). Every rule file is

1. parsed by yaraast (PyPI, pinned in setup.sh) and run through its YARA-L
   validator (errors fail, warnings do not);
2. linted for what SecOps and Google's detection-rules repository require
   that yaraast does not check:
   - the rule name: letters, digits and `_`, starting with a letter, at most
     128 characters (Google documents no length; 128 is YARA's identifier
     limit, the strictest bound in the family), equal to the file name, and
     the name the detection-rules content manager extracts (its regex
     `rule(\\s+)([A-Za-z0-9_]+)`, first match in the file);
   - meta: each key once; the style guide's required keys (author,
     description, rule_name, rule_id, severity, priority) present; values
     strings; `rule_id` `mr_` + a UUID; severity and priority one of
     Info, Low, Medium, High, Critical; `type` alert or hunt; `tactic`
     `TA` ids and `technique` `T` ids, comma-separated;
   - outcome: at most 20 variables, each defined once; `$risk_score`
     present and numeric (an integer, or `max(integer)`); with a `match`
     section every outcome value is an aggregation;
   - match: a window between 1m and 48h;
   - variables: every event variable, placeholder and `#count` used in
     match, outcome and condition is defined in events; every `$name`
     compared in the condition is an event variable or an outcome.
3. `rule_config.yaml` (when the folder has one): allowed keys only, enabled
   and alerting present and boolean, no archived rule enabled or alerting,
   run_frequency LIVE, HOURLY or DAILY, type SINGLE_EVENT exactly for rules
   without `match`, no LIVE multi-event rule whose window exceeds an hour,
   and one entry per rule file and one rule file per entry.

Prints one line per problem (`file: problem`) and
`N rules checked, M problems`; exits 1 when any is found. `--self-test`
checks that a good rule passes and deliberately broken ones fail.
`--meta FILE…` prints, as JSON, each file's meta values as yaraast read
them (the injection tests compare them with the values written).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml
from yaraast.yaral.lexer import YaraLLexer
from yaraast.yaral.parser import YaraLParser
from yaraast.yaral.validator import YaraLValidator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from yaral_check import kind, split_sections, text_of  # noqa: E402

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NAME_MAX = 128
CONTENT_MANAGER_NAME = re.compile(r"rule(\s+)([A-Za-z0-9_]+)[\r\n\s]*")
REQUIRED_META = ("author", "description", "rule_name", "rule_id", "severity", "priority")
SEVERITIES = {"Info", "Low", "Medium", "High", "Critical"}
RULE_TYPES = {"alert", "hunt"}
RULE_ID = re.compile(r"mr_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TACTICS = re.compile(r"TA[0-9]{4}(, TA[0-9]{4})*")
TECHNIQUES = re.compile(r"T[0-9]{4}(\.[0-9]{3})?(, T[0-9]{4}(\.[0-9]{3})?)*")
OUTCOME_MAX = 20
AGGREGATIONS = {"max", "min", "sum", "count", "count_distinct", "array", "array_distinct", "avg", "stddev"}
WINDOW = re.compile(r"over ([1-9][0-9]*)([smhd])\b")
UNIT_SECS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
WINDOW_MIN, WINDOW_MAX = 60, 48 * 3600
LIVE_MAX_WINDOW = 3600
CONFIG_ALLOWED = {
    "alerting", "archive_time", "archived", "create_time", "enabled", "id", "resource_name",
    "revision_create_time", "revision_id", "run_frequency", "type",
}
RUN_FREQUENCIES = {"LIVE", "HOURLY", "DAILY"}


def variables(tokens) -> tuple[set, set]:
    """Event variables (`$x.` …) and placeholders (`$x` alone) in tokens."""
    events, placeholders = set(), set()
    for at, token in enumerate(tokens):
        if kind(token) == "STRING_IDENTIFIER":
            following = tokens[at + 1] if at + 1 < len(tokens) else None
            if following is not None and kind(following) == "DOT":
                events.add(text_of(token))
            else:
                placeholders.add(text_of(token))
    return events, placeholders


def assignments(tokens) -> list[tuple[str, list]]:
    """Outcome statements: (variable, value tokens)."""
    out: list[tuple[str, list]] = []
    depth = 0
    at = 0
    while at < len(tokens):
        token = tokens[at]
        following = tokens[at + 1] if at + 1 < len(tokens) else None
        if (
            depth == 0
            and kind(token) == "STRING_IDENTIFIER"
            and following is not None
            and kind(following) == "EQ"
        ):
            out.append((text_of(token), []))
            at += 2
            continue
        if kind(token) == "LPAREN":
            depth += 1
        elif kind(token) == "RPAREN":
            depth -= 1
        if not out:
            raise ValueError(f"outcome starts with {text_of(token)!r}, not an assignment")
        out[-1][1].append(token)
        at += 1
    return out


def numeric(value: list, aggregated: bool) -> bool:
    kinds = [kind(t) for t in value]
    if kinds in (["INTEGER"], ["FLOAT"], ["DOUBLE"]):
        return not aggregated
    return (
        aggregated
        and len(value) == 4
        and text_of(value[0]) in {"max", "min", "sum"}
        and kinds[1] == "LPAREN"
        and kinds[2] in {"INTEGER", "FLOAT", "DOUBLE"}
        and kinds[3] == "RPAREN"
    )


def lint_rule(path: Path, text: str) -> tuple[list[str], str | None, bool, int | None]:
    """Problems, the rule name, whether it has `match`, its window in seconds."""
    problems: list[str] = []
    try:
        document = YaraLParser(text).parse()
    except Exception as error:  # yaraast raises several types
        return [f"yaraast: {error}"], None, False, None
    if len(document.rules) != 1:
        return [f"expected one rule, yaraast found {len(document.rules)}"], None, False, None
    errors, _warnings = YaraLValidator().validate(document)
    problems += [f"yaraast validator: {e}" for e in errors]
    rule = document.rules[0]
    name = rule.name
    if not NAME.fullmatch(name):
        problems.append(f"rule name {name!r}: letters, digits and _ only, starting with a letter")
    if len(name) > NAME_MAX:
        problems.append(f"rule name is {len(name)} characters, more than {NAME_MAX}")
    if path.suffix == ".yaral" and path.stem != name:
        problems.append(f"file name {path.stem!r} is not the rule name {name!r}")
    found = CONTENT_MANAGER_NAME.search(text)
    if found is None or found.group(2) != name:
        extracted = found.group(2) if found else None
        problems.append(f"the content manager would read the rule name as {extracted!r}")

    meta: dict = {}
    for entry in rule.meta.entries if rule.meta else []:
        if entry.key in meta:
            problems.append(f"meta {entry.key} twice")
        meta[entry.key] = entry.value
        if not isinstance(entry.value, str):
            problems.append(f"meta {entry.key} is not a string")
    for key in REQUIRED_META:
        if key not in meta:
            problems.append(f"meta {key} missing")
    checks = [
        ("rule_id", lambda v: RULE_ID.fullmatch(v), "mr_ and a lower-case UUID"),
        ("severity", lambda v: v in SEVERITIES, "one of " + ", ".join(sorted(SEVERITIES))),
        ("priority", lambda v: v in SEVERITIES, "one of " + ", ".join(sorted(SEVERITIES))),
        ("type", lambda v: v in RULE_TYPES, "alert or hunt"),
        ("tactic", lambda v: TACTICS.fullmatch(v), "TA ids, comma-separated"),
        ("technique", lambda v: TECHNIQUES.fullmatch(v), "T ids, comma-separated"),
    ]
    for key, ok, wanted in checks:
        value = meta.get(key)
        if isinstance(value, str) and not ok(value):
            problems.append(f"meta {key} is {value!r}, expected {wanted}")

    sections = split_sections(YaraLLexer(text).tokenize())
    events, placeholders = variables(sections.get("events", []))
    has_match = "match" in sections
    window = None
    if has_match:
        match_text = " ".join(text_of(t) for t in sections["match"])
        found = WINDOW.search(match_text)
        if found is None:
            problems.append(f"match {match_text!r} has no window")
        else:
            window = int(found.group(1)) * UNIT_SECS[found.group(2)]
            if not WINDOW_MIN <= window <= WINDOW_MAX:
                problems.append(f"match window {found.group(0)!r} is outside 1m..48h")
        used_events, used_placeholders = variables(sections["match"])
        for variable in sorted((used_events | used_placeholders) - events - placeholders):
            problems.append(f"match uses undefined {variable}")

    outcomes: set = set()
    try:
        statements = assignments(sections.get("outcome", []))
    except ValueError as error:
        problems.append(f"outcome: {error}")
        statements = []
    if len(statements) > OUTCOME_MAX:
        problems.append(f"{len(statements)} outcome variables, more than {OUTCOME_MAX}")
    for variable, value in statements:
        if variable in outcomes:
            problems.append(f"outcome {variable} twice")
        outcomes.add(variable)
        if not value:
            problems.append(f"outcome {variable} has no value")
            continue
        if has_match and text_of(value[0]) not in AGGREGATIONS:
            problems.append(f"outcome {variable} is not an aggregation, and the rule has a match section")
        used_events, used_placeholders = variables(value)
        for used in sorted((used_events | used_placeholders) - events - placeholders):
            problems.append(f"outcome {variable} uses undefined {used}")
    if "$risk_score" not in outcomes:
        problems.append("outcome $risk_score missing")
    for variable, value in statements:
        if variable == "$risk_score" and not numeric(value, has_match):
            problems.append("outcome $risk_score is not a number" + (" aggregated with max/min/sum" if has_match else ""))

    condition = sections.get("condition", [])
    for at, token in enumerate(condition):
        if kind(token) == "STRING_COUNT":
            counted = "$" + text_of(condition[at + 1]) if at + 1 < len(condition) else "$"
            if counted not in events:
                problems.append(f"condition counts undefined {counted}")
        elif kind(token) == "STRING_IDENTIFIER" and text_of(token) not in events | outcomes:
            problems.append(f"condition uses undefined {text_of(token)}")
    return problems, name, has_match, window


def lint_config(path: Path, rules: dict) -> list[str]:
    """`rules`: rule name -> (has match, window)."""
    problems = []
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        return [f"not YAML: {error}"]
    if not isinstance(config, dict):
        return ["not a mapping of rule names"]
    for name, entry in config.items():
        if not isinstance(entry, dict):
            problems.append(f"{name}: not a mapping")
            continue
        for key in sorted(set(entry) - CONFIG_ALLOWED):
            problems.append(f"{name}: key {key!r} is not one the content manager allows")
        for key in ("enabled", "alerting"):
            if not isinstance(entry.get(key), bool):
                problems.append(f"{name}: {key} missing or not a boolean")
        if "archived" in entry and not isinstance(entry["archived"], bool):
            problems.append(f"{name}: archived is not a boolean")
        if entry.get("archived") is True and (entry.get("enabled") or entry.get("alerting")):
            problems.append(f"{name}: an archived rule cannot be enabled or alerting")
        frequency = entry.get("run_frequency")
        if frequency not in RUN_FREQUENCIES:
            problems.append(f"{name}: run_frequency {frequency!r} is not LIVE, HOURLY or DAILY")
        if name not in rules:
            problems.append(f"{name}: no rules/{name}.yaral")
            continue
        has_match, window = rules[name]
        wanted = "MULTI_EVENT" if has_match else "SINGLE_EVENT"
        if entry.get("type") != wanted:
            problems.append(f"{name}: type {entry.get('type')!r}, the rule is {wanted}")
        if has_match and frequency == "LIVE" and window is not None and window > LIVE_MAX_WINDOW:
            problems.append(f"{name}: LIVE, but its match window is over an hour")
    for name in sorted(set(rules) - set(config)):
        problems.append(f"{name}: rule file without a rule_config.yaml entry")
    return problems


def check_path(path: Path) -> tuple[int, list[str]]:
    if path.is_file():
        problems, *_ = lint_rule(path, path.read_text(encoding="utf-8"))
        return 1, [f"{path}: {p}" for p in problems]
    rules_dir = path / "rules" if (path / "rules").is_dir() else path
    files = sorted(rules_dir.glob("*.yaral"))
    found, rules = [], {}
    for file in files:
        problems, name, has_match, window = lint_rule(file, file.read_text(encoding="utf-8"))
        found += [f"{file}: {p}" for p in problems]
        if name is not None:
            rules[name] = (has_match, window)
    config = path / "rule_config.yaml"
    if config.is_file():
        found += [f"{config}: {p}" for p in lint_config(config, rules)]
    elif rules_dir != path:
        found.append(f"{path}: rules/ without rule_config.yaml")
    return len(files), found


GOOD = """// Generated by tunnelhunt from Sigma (sigma_uuid in meta): edit the Sigma source and export again.

rule good_rule_1b1ef07f {
  meta:
    author = "a \\"b\\" \\\\ c\\nd"
    description = "Detects // and /* and $e and {braces}"
    rule_name = "Good"
    rule_id = "mr_1b1ef07f-e360-415c-b832-93f01bb7d97c"
    type = "alert"
    severity = "High"
    priority = "High"
    tactic = "TA0011"
    technique = "T1572, T1090.001"
  events:
    $e.metadata.event_type = "PROCESS_LAUNCH"
    ($e.target.process.command_line = /-L/ nocase)
  outcome:
    $risk_score = 85
    $principal_hostname = $e.principal.hostname
  condition:
    $e
}
"""

GOOD_MULTI = """rule good_multi_1 {
  meta:
    author = "x"
    description = "x"
    rule_name = "x"
    rule_id = "mr_1b1ef07f-e360-415c-b832-93f01bb7d97c"
    severity = "Low"
    priority = "Low"
  events:
    $p.metadata.event_type = "NETWORK_DNS"
    $p.principal.hostname = $group1
    $e.metadata.event_type = "NETWORK_DNS"
    $e.principal.hostname = $group1
  match:
    $group1 over 10m before $p
  outcome:
    $risk_score = max(35)
    $principal_hostname = array_distinct($p.principal.hostname)
    $value_count = count_distinct($e.network.dns.questions.name)
  condition:
    $p and $e and #e >= 2 and $value_count > 50
}
"""

BROKEN = {
    "a name starting with a digit": (GOOD.replace("good_rule_1b1ef07f", "1good"), "1good"),
    "a name starting with an underscore": (GOOD.replace("good_rule_1b1ef07f", "_good"), "_good"),
    "a name over 128 characters": (GOOD.replace("good_rule_1b1ef07f", "r" * 129), "r" * 129),
    "a file name that is not the rule name": (GOOD, "other_name"),
    "a header the content manager reads as the name": (
        "// export rule sets again\n" + GOOD, "good_rule_1b1ef07f"),
    "a missing required meta key": (GOOD.replace('    priority = "High"\n', ""), None),
    "a meta key twice": (GOOD.replace('    type = "alert"\n', '    type = "alert"\n    type = "hunt"\n'), None),
    "a rule_id without mr_": (GOOD.replace('"mr_1b1ef07f', '"1b1ef07f'), None),
    "an unknown severity": (GOOD.replace('severity = "High"', 'severity = "HIGH"'), None),
    "a technique that is not an id": (GOOD.replace('"T1572, T1090.001"', '"Protocol Tunneling"'), None),
    "no risk score": (GOOD.replace("    $risk_score = 85\n", ""), None),
    "a text risk score": (GOOD.replace("$risk_score = 85", '$risk_score = "85"'), None),
    "an undefined event variable in outcome": (GOOD.replace("= $e.principal.hostname", "= $x.principal.hostname"), None),
    "an undefined variable in the condition": (GOOD.replace("  condition:\n    $e", "  condition:\n    $e and $x > 1"), None),
    "21 outcome variables": (GOOD.replace(
        "    $principal_hostname = $e.principal.hostname\n",
        "".join(f"    $field_{i} = $e.principal.hostname\n" for i in range(20))), None),
    "an outcome variable twice": (GOOD.replace(
        "    $principal_hostname = $e.principal.hostname\n",
        "    $principal_hostname = $e.principal.hostname\n    $principal_hostname = $e.target.hostname\n"), None),
}

BROKEN_MULTI = {
    "a match window over 48h": GOOD_MULTI.replace("over 10m", "over 3d"),
    "an unaggregated outcome with match": GOOD_MULTI.replace(
        "array_distinct($p.principal.hostname)", "$p.principal.hostname"),
    "an unaggregated risk score with match": GOOD_MULTI.replace("max(35)", "35"),
    "a count of an undefined variable": GOOD_MULTI.replace("#e >= 2", "#x >= 2"),
    "an undefined match variable": GOOD_MULTI.replace("$group1 over", "$group1, $group2 over"),
    "an undefined outcome in the condition": GOOD_MULTI.replace("$value_count > 50", "$other > 50"),
}

GOOD_CONFIG = """good_rule_1b1ef07f:
  enabled: true
  alerting: false
  archived: false
  run_frequency: LIVE
  type: SINGLE_EVENT
good_multi_1:
  enabled: true
  alerting: false
  archived: false
  run_frequency: HOURLY
  type: MULTI_EVENT
"""

BROKEN_CONFIG = {
    "an unknown key": GOOD_CONFIG.replace("  type: SINGLE_EVENT", "  type: SINGLE_EVENT\n  priority: High"),
    "no alerting": GOOD_CONFIG.replace("  alerting: false\n", "", 1),
    "a text enabled": GOOD_CONFIG.replace("enabled: true", "enabled: 'yes'", 1),
    "an archived rule enabled": GOOD_CONFIG.replace("archived: false", "archived: true", 1),
    "an unknown frequency": GOOD_CONFIG.replace("run_frequency: LIVE", "run_frequency: WEEKLY"),
    "the wrong type": GOOD_CONFIG.replace("type: MULTI_EVENT", "type: SINGLE_EVENT"),
    "an entry without a rule": GOOD_CONFIG + "gone_rule:\n  enabled: false\n  alerting: false\n  run_frequency: LIVE\n",
    "a rule without an entry": GOOD_CONFIG.split("good_multi_1:")[0],
}


def self_test() -> int:
    import tempfile

    failures = []
    for label, text in (("single-event", GOOD), ("multi-event", GOOD_MULTI)):
        name = "good_rule_1b1ef07f" if label == "single-event" else "good_multi_1"
        problems, *_ = lint_rule(Path(f"{name}.yaral"), text)
        if problems:
            failures.append(f"good {label} rule rejected: {problems}")
    for why, (text, stem) in BROKEN.items():
        problems, *_ = lint_rule(Path(f"{stem or 'good_rule_1b1ef07f'}.yaral"), text)
        if not problems:
            failures.append(f"accepted a rule with {why}")
    for why, text in BROKEN_MULTI.items():
        problems, *_ = lint_rule(Path("good_multi_1.yaral"), text)
        if not problems:
            failures.append(f"accepted a rule with {why}")
    live_multi = GOOD_CONFIG.replace("run_frequency: HOURLY", "run_frequency: LIVE")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "rules").mkdir()
        (root / "rules" / "good_rule_1b1ef07f.yaral").write_text(GOOD)
        (root / "rules" / "good_multi_1.yaral").write_text(GOOD_MULTI.replace("over 10m", "over 2h"))
        cases = [("good", GOOD_CONFIG, True), ("a LIVE multi-event rule over 1h", live_multi, False)]
        cases += [(why, text, False) for why, text in BROKEN_CONFIG.items()]
        for why, text, good in cases:
            (root / "rule_config.yaml").write_text(text)
            count, problems = check_path(root)
            if good and (problems or count != 2):
                failures.append(f"good repo rejected: {problems}")
            if not good and not problems:
                failures.append(f"accepted a rule_config.yaml with {why}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print("secops_check self-test: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if argv == ["--self-test"]:
        return self_test()
    if argv[:1] == ["--meta"]:
        values = {}
        for argument in argv[1:]:
            document = YaraLParser(Path(argument).read_text(encoding="utf-8")).parse()
            values[argument] = {e.key: e.value for e in document.rules[0].meta.entries}
        json.dump(values, sys.stdout, ensure_ascii=False)
        return 0
    total, problems = 0, []
    for argument in argv:
        count, found = check_path(Path(argument))
        total += count
        problems += found
    for problem in problems:
        print(problem)
    print(f"{total} rules checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

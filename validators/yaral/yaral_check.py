"""Check YARA-L 2.0 rules rendered by tunnelhunt.

Reads a JSON array from stdin; each item is
    {"label": "...", "name": "<expected rule name>", "text": "<rule>",
     "meta": {"<key>": "<expected value>", ...}}      (meta optional)
and writes a JSON array to stdout, one entry per item:
    {"label": "...", "errors": [...], "strings": [...], "regexes": [...]}
where `strings` / `regexes` are the string and regex literals of the
events section as yaraast's lexer read them (the Rust tests compare them
with the values they rendered). Exit status 0 when no item has errors, 1
otherwise, 2 on bad input.

Two layers:

1. yaraast (PyPI, pinned in setup.sh) parses the rule and runs its YARA-L
   validator: sections, rule name, meta strings, literals.
2. yaraast's YARA-L parser accepts any balanced token soup inside
   parentheses in the events section, so this script re-parses the events
   and outcome sections from yaraast's tokens with a strict grammar of
   what tunnelhunt emits: comparisons `$e.path OP value [nocase]`,
   `net.ip_in_range_cidr($e.path, "cidr")`, `not (...)`, and groups in
   which every operator is the same (`a and b and c`, never `a and b or c`
   without parentheses: YARA-L does not document precedence).

   Correlation rules (multi-event, with a match section) use the event
   variables `$e`, `$e1`, `$e2`…, `$p`; joins `$v.path = $groupN`;
   timestamp order `$e1.path <= $e2.path`; one match line
   `$group1, … over <duration> before $pivot`; outcome aggregations
   `$name = count_distinct($v.path)` / `sum($v.path)`; and a condition of
   `and`-joined terms `$v`, `#v OP n`, `$outcome OP number`. Every
   variable the match, outcome and condition sections use must be
   declared in the events section.

`--self-test` checks a good rule passes and broken ones fail.
"""

from __future__ import annotations

import ipaddress
import json
import re
import sys

from yaraast.yaral.lexer import YaraLLexer
from yaraast.yaral.parser import YaraLParser
from yaraast.yaral.validator import YaraLValidator

SECTIONS = {"meta", "events", "match", "outcome", "condition", "options"}
COMPARISONS = {"EQ", "NEQ", "GT", "GE", "LT", "LE"}
EVENT_VARIABLE = re.compile(r"\$(e[0-9]*|p)")
GROUP_VARIABLE = re.compile(r"\$group[1-9][0-9]*")
DURATION = re.compile(r"[1-9][0-9]*[mhd]")
AGGREGATIONS = {"count_distinct", "sum"}


class GrammarError(Exception):
    pass


def kind(token) -> str:
    if token is None:
        return "END"
    return getattr(token.type, "name", str(token.type))


def text_of(token) -> str:
    return "" if token.value is None else str(token.value)


class Tokens:
    def __init__(self, tokens):
        self.tokens = tokens
        self.at = 0
        self.strings: list[str] = []
        self.regexes: list[str] = []
        self.events: set[str] = set()
        self.groups: set[str] = set()

    def peek(self, offset: int = 0):
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self):
        token = self.peek()
        if token is None:
            raise GrammarError("unexpected end of section")
        self.at += 1
        return token

    def expect(self, wanted: str, value: str | None = None):
        token = self.next()
        if kind(token) != wanted or (value is not None and text_of(token) != value):
            raise GrammarError(f"expected {value or wanted}, found {text_of(token)!r} ({kind(token)})")
        return token

    def done(self) -> bool:
        return self.at >= len(self.tokens)


def field(tokens: Tokens) -> None:
    variable = tokens.expect("STRING_IDENTIFIER")
    if not EVENT_VARIABLE.fullmatch(text_of(variable)):
        raise GrammarError(f"bad event variable {text_of(variable)!r}")
    tokens.events.add(text_of(variable))
    tokens.expect("DOT")
    path = tokens.expect("IDENTIFIER")
    if not all(part.replace("_", "").isalnum() for part in text_of(path).split(".")):
        raise GrammarError(f"bad UDM path {text_of(path)!r}")


def comparison(tokens: Tokens) -> None:
    field(tokens)
    op = tokens.next()
    if kind(op) not in COMPARISONS:
        raise GrammarError(f"expected a comparison operator, found {text_of(op)!r}")
    value = tokens.peek()
    if value is not None and kind(value) == "STRING_IDENTIFIER":
        if GROUP_VARIABLE.fullmatch(text_of(value)):
            if kind(op) != "EQ":
                raise GrammarError(f"a join with {text_of(op)!r}")
            tokens.groups.add(text_of(tokens.next()))
        else:
            field(tokens)
        return
    value = tokens.next()
    if kind(value) == "STRING":
        tokens.strings.append(text_of(value))
    elif kind(value) == "REGEX":
        tokens.regexes.append(text_of(value))
    elif kind(value) != "INTEGER":
        raise GrammarError(f"expected a value, found {text_of(value)!r} ({kind(value)})")
    following = tokens.peek()
    if following is not None and kind(following) == "IDENTIFIER" and text_of(following) == "nocase":
        if kind(value) == "INTEGER":
            raise GrammarError("nocase after a number")
        tokens.next()


def call(tokens: Tokens) -> None:
    name = tokens.expect("IDENTIFIER")
    if text_of(name) != "net.ip_in_range_cidr":
        raise GrammarError(f"unexpected function {text_of(name)!r}")
    tokens.expect("LPAREN")
    field(tokens)
    tokens.expect("COMMA")
    network = tokens.expect("STRING")
    try:
        ipaddress.ip_network(text_of(network), strict=True)
    except ValueError as error:
        raise GrammarError(f"bad CIDR {text_of(network)!r}: {error}") from None
    tokens.expect("RPAREN")


def term(tokens: Tokens) -> None:
    token = tokens.peek()
    if token is None:
        raise GrammarError("missing operand")
    if kind(token) == "NOT":
        tokens.next()
        if kind(tokens.peek()) != "LPAREN":
            raise GrammarError("not without parentheses")
        group(tokens)
    elif kind(token) == "LPAREN":
        group(tokens)
    elif kind(token) == "IDENTIFIER":
        call(tokens)
    else:
        comparison(tokens)


def operands(tokens: Tokens, stop: set[str]) -> None:
    """term (OP term)* with one operator throughout, until a stop token."""
    term(tokens)
    operator = None
    while tokens.peek() is not None and kind(tokens.peek()) not in stop:
        op = tokens.next()
        if kind(op) not in {"AND", "OR"}:
            raise GrammarError(f"expected and/or, found {text_of(op)!r}")
        if operator is not None and kind(op) != operator:
            raise GrammarError("and/or mixed without parentheses")
        operator = kind(op)
        term(tokens)


def group(tokens: Tokens) -> None:
    tokens.expect("LPAREN")
    operands(tokens, {"RPAREN"})
    tokens.expect("RPAREN")


def split_sections(tokens) -> dict:
    """Section name -> its tokens (between `name:` and the next section)."""
    sections: dict = {}
    current = None
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if (
            text_of(token) in SECTIONS
            and following is not None
            and kind(following) == "COLON"
        ):
            current = text_of(token)
            if current in sections:
                raise GrammarError(f"section {current} twice")
            sections[current] = []
            index += 2
            continue
        if current is not None:
            sections[current].append(token)
        index += 1
    for name in sections:
        # The rule's closing brace and EOF end the last section.
        while sections[name] and kind(sections[name][-1]) in {"RBRACE", "EOF"}:
            sections[name].pop()
    return sections


def check_grammar(text: str):
    tokens = YaraLLexer(text).tokenize()
    sections = split_sections(tokens)
    for required in ("meta", "events", "condition"):
        if required not in sections:
            raise GrammarError(f"no {required} section")
    events = Tokens(sections["events"])
    while not events.done():
        term(events)
    outcome = Tokens(sections.get("outcome", []))
    outcome.events = events.events
    outcomes = set()
    while not outcome.done():
        variable = outcome.expect("STRING_IDENTIFIER")
        if not text_of(variable)[1:].replace("_", "").isalnum():
            raise GrammarError(f"bad outcome variable {text_of(variable)!r}")
        outcomes.add(text_of(variable))
        outcome.expect("EQ")
        function = outcome.expect("IDENTIFIER")
        outcome.expect("LPAREN")
        if text_of(function) == "if":
            operands(outcome, {"COMMA"})
            outcome.expect("COMMA")
            outcome.expect("INTEGER")
            outcome.expect("COMMA")
            outcome.expect("INTEGER")
        elif text_of(function) in AGGREGATIONS and "match" in sections:
            field(outcome)
        else:
            raise GrammarError(f"unexpected outcome function {text_of(function)!r}")
        outcome.expect("RPAREN")
    if outcome.events != events.events:
        raise GrammarError(f"outcome uses undeclared {sorted(outcome.events - events.events)}")
    if "match" in sections:
        check_match(Tokens(sections["match"]), events)
        check_correlation_condition(Tokens(sections["condition"]), events.events, outcomes)
    else:
        condition = [text_of(t) for t in sections["condition"]]
        if condition != ["$e"]:
            raise GrammarError(f"condition is {' '.join(condition)!r}, expected $e")
    return events.strings, events.regexes


def check_match(tokens: Tokens, events: Tokens) -> None:
    """`$group1, $group2 over 10m before $p`, every group joined in events."""
    groups = []
    while True:
        group = tokens.expect("STRING_IDENTIFIER")
        if not GROUP_VARIABLE.fullmatch(text_of(group)):
            raise GrammarError(f"bad match variable {text_of(group)!r}")
        groups.append(text_of(group))
        if kind(tokens.peek()) != "COMMA":
            break
        tokens.next()
    tokens.expect("IDENTIFIER", "over")
    duration = tokens.expect("IDENTIFIER")
    if not DURATION.fullmatch(text_of(duration)):
        raise GrammarError(f"bad window {text_of(duration)!r}")
    tokens.expect("IDENTIFIER", "before")
    pivot = tokens.expect("STRING_IDENTIFIER")
    if text_of(pivot) not in events.events:
        raise GrammarError(f"pivot {text_of(pivot)!r} is not an event variable")
    if not tokens.done():
        raise GrammarError("text after the match line")
    if set(groups) != events.groups:
        raise GrammarError(f"match variables {groups} but joins on {sorted(events.groups)}")


def check_correlation_condition(tokens: Tokens, events: set, outcomes: set) -> None:
    """`and`-joined `$v`, `#v OP n`, `$outcome OP number`."""
    while True:
        token = tokens.next()
        if kind(token) == "STRING_COUNT":
            name = "$" + text_of(tokens.expect("IDENTIFIER"))
            if name not in events:
                raise GrammarError(f"count of undeclared {name!r}")
            comparison_tail(tokens, {"INTEGER"})
        elif kind(token) == "STRING_IDENTIFIER" and text_of(token) in events:
            pass
        elif kind(token) == "STRING_IDENTIFIER" and text_of(token) in outcomes:
            comparison_tail(tokens, {"INTEGER", "DOUBLE"})
        else:
            raise GrammarError(f"unexpected condition term {text_of(token)!r}")
        if tokens.done():
            return
        tokens.expect("AND")


def comparison_tail(tokens: Tokens, numbers: set) -> None:
    op = tokens.next()
    if kind(op) not in COMPARISONS:
        raise GrammarError(f"expected a comparison operator, found {text_of(op)!r}")
    if kind(tokens.peek()) == "MINUS":
        tokens.next()
    value = tokens.next()
    if kind(value) not in numbers:
        raise GrammarError(f"expected a number, found {text_of(value)!r}")


def without_outcome(text: str) -> str:
    """The rule with its outcome section's lines removed.

    yaraast 2.1.0's outcome parser rejects a string comparison with
    `nocase` inside parentheses (`if(($e.f = "v" nocase), 1, 0)`), which it
    accepts in the events section and which Google documents for string
    comparisons. The outcome section is therefore checked by the strict
    grammar below only; everything else goes through yaraast too.
    """
    out = []
    skipping = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped == "outcome:":
            skipping = True
            continue
        if skipping and stripped.rstrip(":") in SECTIONS and stripped.endswith(":"):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out)


def check(item: dict) -> dict:
    errors: list[str] = []
    strings: list[str] = []
    regexes: list[str] = []
    text = item["text"]
    try:
        document = YaraLParser(without_outcome(text)).parse()
    except Exception as error:  # yaraast raises several types
        return {"label": item["label"], "errors": [f"yaraast: {error}"], "strings": [], "regexes": []}
    if len(document.rules) != 1:
        errors.append(f"expected one rule, yaraast found {len(document.rules)}")
    else:
        rule = document.rules[0]
        if rule.name != item["name"]:
            errors.append(f"rule name {rule.name!r}, expected {item['name']!r}")
        if rule.events is None or not rule.events.statements:
            errors.append("no events")
        if rule.condition is None:
            errors.append("no condition")
        meta = {entry.key: entry.value for entry in (rule.meta.entries if rule.meta else [])}
        for key, wanted in item.get("meta", {}).items():
            if meta.get(key) != wanted:
                errors.append(f"meta {key} is {meta.get(key)!r}, expected {wanted!r}")
        validation_errors, _warnings = YaraLValidator().validate(document)
        errors.extend(f"yaraast validator: {e}" for e in validation_errors)
    try:
        strings, regexes = check_grammar(text)
    except GrammarError as error:
        errors.append(f"grammar: {error}")
    except Exception as error:
        errors.append(f"yaraast lexer: {error}")
    return {"label": item["label"], "errors": errors, "strings": strings, "regexes": regexes}


GOOD = """rule good_rule_1 {
  meta:
    title = "a \\"b\\" \\\\ c"
  events:
    $e.metadata.event_type = "PROCESS_LAUNCH"
    ($e.target.process.command_line = /a\\/b/ nocase and not ($e.target.port = 22 or net.ip_in_range_cidr($e.target.ip, "10.0.0.0/8")))
  condition:
    $e
}
"""

BROKEN = {
    "invalid rule name": GOOD.replace("good_rule_1", "good.rule"),
    "conditions section": GOOD.replace("condition:", "conditions:"),
    "unbalanced parenthesis": GOOD.replace("nocase and", "nocase and ("),
    "unterminated string": GOOD.replace('"PROCESS_LAUNCH"', '"PROCESS_LAUNCH'),
    "mixed and/or": GOOD.replace("nocase and not", "nocase and $e.a = 1 or not"),
    "unescaped slash in regex": GOOD.replace("a\\/b", "a/b"),
    "bare not": GOOD.replace("not (", "not $e.x = 1 and ("),
    "missing events": GOOD.replace("events:", "evens:"),
}


GOOD_OUTCOME = GOOD.replace(
    "  condition:",
    '  outcome:\n    $Branch = if(($e.metadata.event_type = "PROCESS_LAUNCH" and ($e.target.process.command_line = "x" nocase)), 1, 0)\n  condition:',
)

BROKEN["outcome mixed and/or"] = GOOD_OUTCOME.replace('"x" nocase)', '"x" nocase or $e.a = 1 and $e.b = 2)')
BROKEN["outcome not an if"] = GOOD_OUTCOME.replace("$Branch = if(", "$Branch = iff(")


GOOD_CORRELATION = """rule good_rule_1 {
  meta:
    title = "many names"
    window = "sliding: before each match ($p)"
  events:
    $p.metadata.event_type = "NETWORK_DNS"
    ($p.network.dns.questions.name = /x/ nocase)
    $p.principal.user.userid = $group1
    $e.metadata.event_type = "NETWORK_DNS"
    ($e.network.dns.questions.name = /x/ nocase)
    $e.principal.user.userid = $group1
    $e.network.dns.questions.name != ""
  match:
    $group1 over 10m before $p
  outcome:
    $value_count = count_distinct($e.network.dns.questions.name)
  condition:
    $p and $e and #e >= 2 and $value_count > 50
}
"""

GOOD_ORDERED = """rule good_rule_1 {
  meta:
    title = "in order"
  events:
    $e1.metadata.event_type = "PROCESS_LAUNCH"
    $e1.principal.user.userid = $group1
    $e2.metadata.event_type = "NETWORK_CONNECTION"
    $e2.principal.user.userid = $group1
    $e1.metadata.event_timestamp.seconds <= $e2.metadata.event_timestamp.seconds
  match:
    $group1 over 2h before $e2
  condition:
    $e1 and $e2
}
"""

BROKEN_CORRELATION = {
    "undeclared pivot": GOOD_CORRELATION.replace("before $p", "before $q"),
    "match variable without a join": GOOD_CORRELATION.replace("$group1 over", "$group1, $group2 over"),
    "window in seconds": GOOD_CORRELATION.replace("over 10m", "over 30s"),
    "hop window": GOOD_CORRELATION.replace(" before $p", ""),
    "unknown aggregation": GOOD_CORRELATION.replace("count_distinct(", "percentile("),
    "undeclared outcome": GOOD_CORRELATION.replace("$value_count > 50", "$other > 50"),
    "count of an undeclared variable": GOOD_CORRELATION.replace("#e >= 2", "#x >= 2"),
    "or in the condition": GOOD_CORRELATION.replace("$p and $e and", "$p or $e and"),
    "join with an inequality": GOOD_CORRELATION.replace("userid = $group1\n    $e.", "userid != $group1\n    $e."),
}


def self_test() -> int:
    with_outcome = check({"label": "good outcome", "name": "good_rule_1", "text": GOOD_OUTCOME})
    good = check({"label": "good", "name": "good_rule_1", "text": GOOD, "meta": {"title": 'a "b" \\ c'}})
    failures = []
    if good["errors"]:
        failures.append(f"good rule rejected: {good['errors']}")
    if with_outcome["errors"]:
        failures.append(f"good rule with an outcome rejected: {with_outcome['errors']}")
    if good["strings"] != ["PROCESS_LAUNCH"] or good["regexes"] != ["/a\\/b/"]:
        failures.append(f"literals not reported: {good}")
    for label, text in (("correlation", GOOD_CORRELATION), ("ordered", GOOD_ORDERED)):
        result = check({"label": label, "name": "good_rule_1", "text": text})
        if result["errors"]:
            failures.append(f"good {label} rule rejected: {result['errors']}")
    for why, text in list(BROKEN.items()) + list(BROKEN_CORRELATION.items()):
        result = check({"label": why, "name": "good_rule_1", "text": text})
        if not result["errors"]:
            failures.append(f"accepted a rule with {why}")
    for failure in failures:
        print(failure, file=sys.stderr)
    print("yaral_check self-test: " + ("FAILED" if failures else "ok"))
    return 1 if failures else 0


def main() -> int:
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    try:
        items = json.load(sys.stdin)
    except json.JSONDecodeError as error:
        print(f"input is not JSON: {error}", file=sys.stderr)
        return 2
    results = [check(item) for item in items]
    json.dump(results, sys.stdout, ensure_ascii=False)
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

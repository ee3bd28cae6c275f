#!/usr/bin/env python3
"""Parse and execute EQL with Elastic's reference implementation (PyPI `eql`),
configured to Elasticsearch's semantics.

tunnelhunt's EQL tests pipe one JSON request into this script:

    {"schema": {"process": {"process": {"executable": "string", ...}}, ...},
     "queries": ["process where ...", ...],
     "events": [{"event": {"category": "process", "id": "r1", ...},
                 "@timestamp": 1700000000.5, ...}, ...]}              # optional

and read one JSON answer from stdout:

    {"results": [{"error": null, "matches": ["r1", ...]}, ...]}

Every query is parsed in Elasticsearch syntax against the schema (unknown
fields, type errors and syntax errors are reported per query); when
`events` is given, every query that parses is also executed over them and
the `event.id` of every matching event is listed. Each event's EQL event
type is its `event.category`. Exit status: 0 when every query parsed, 1
when at least one did not, 2 on a malformed request.

`tunnelhunt_eql.py --self-test` runs the checks below that prove the patches
work (setup.sh runs it after installing).

Why patches: out of the box the `eql` package folds case for every
comparison, maps `:`/`like`/`like~` to one glob function that has no `?`
wildcard, maps `regex`/`regex~` to `re.match` (anchored at the start only,
case-insensitive by default) and uses three-valued logic (`not` of a
missing field is null). Elasticsearch instead:

* `==`, `!=`, `in`, `like`, `regex` are case-sensitive; `:`, `like~`,
  `regex~` are case-insensitive for ASCII letters only (the
  `case_insensitive` flag of Lucene term/wildcard/regexp queries);
* `*` and `?` are the wildcards of `:`/`like`, no escape character;
* `regex` is Lucene RegExp, which always matches the whole value, and its
  `.` matches any character (newlines included);
* `not` / `!=` over an indexed field are `must_not` queries, so a document
  without the field satisfies `not field : "x"` (two-valued logic).

What is patched, exactly:

1. `eql.utils.CASE_INSENSITIVE = False`: `==`, `!=`, `in` compare exactly.
2. `LarkToEQL.string_predicate`: `:`/`like~`/`like`/`regex~`/`regex` become
   calls of four functions registered here (names that cannot be typed in
   a query): glob with `*`/`?`, fully anchored, DOTALL, and for the `~`
   forms and `:` `re.IGNORECASE | re.ASCII`; regex with `re.fullmatch`,
   DOTALL, `re.ASCII`, and IGNORECASE for `regex~`. The regex runs on
   Python `re`, not Lucene: Lucene-only syntax must be checked elsewhere.
3. `LarkToEQL.in_set`: `in~` is refused (tunnelhunt never emits it, and
   the package would evaluate it with the global case setting).
4. `PythonEngine.to_bool_or_null` / `_convert_not`: null counts as false,
   so logic is two-valued as in Elasticsearch's query translation.
5. `ast.String.unescape`: the package matches `\\u{…}` greedily, so a
   literal with two such escapes raises ValueError; replaced by
   Elasticsearch's rule (`\\u{` 2 to 8 hex digits `}`, no surrogates).

Each result also lists the values of the query's string literals as
parsed (`strings`), which the injection property tests compare with the
values they rendered.

The file is deliberately not named `eql_*.py`: the package imports every
module with that prefix on `sys.path` as a plugin, which would run this
script's registrations twice.
"""

import json
import re
import sys
import threading

import eql
import eql.utils
from eql import ast
from eql.engine import PythonEngine
from eql.errors import EqlError, EqlSyntaxError
from eql.functions import FunctionSignature, register
from eql.parser import LarkToEQL, NodeInfo, elasticsearch_syntax
from eql.types import TypeHint
from eql.walkers import DEFAULT_TIME_UNIT

# 1. exact comparisons
eql.utils.CASE_INSENSITIVE = False

_GLOB_ANY = re.compile(r"[*?]")
_INSENSITIVE = re.IGNORECASE | re.ASCII


def _glob_regex(pattern):
    """Elasticsearch wildcard (`*`, `?`, nothing escapes) as a Python regex body."""
    out = []
    last = 0
    for m in _GLOB_ANY.finditer(pattern):
        out.append(re.escape(pattern[last:m.start()]))
        out.append(".*" if m.group() == "*" else ".")
        last = m.end()
    out.append(re.escape(pattern[last:]))
    return "".join(out)


def _signature(name, compile_one):
    """A boolean function `name(field, "p1", "p2", ...)` true when any
    compiled pattern fully matches the string value."""

    class _Predicate(FunctionSignature):
        argument_types = [TypeHint.String, TypeHint.String.require_literal()]
        additional_types = TypeHint.String.require_literal()
        return_value = TypeHint.Boolean

        @classmethod
        def get_callback(cls, _source, *literals):
            compiled = [compile_one(lit.value) for lit in literals]

            def callback(value, *_):
                if isinstance(value, str):
                    return any(c.fullmatch(value) is not None for c in compiled)
                return False

            return callback

        @classmethod
        def run(cls, value, *patterns):
            if isinstance(value, str):
                return any(compile_one(p).fullmatch(value) is not None for p in patterns)
            return False

    _Predicate.name = name
    _Predicate.__name__ = "Es_" + re.sub(r"\W", "_", name)
    return register(_Predicate)


# 2. case-aware string predicates
_PREDICATES = {
    ":": "tunnelhunt:like~",
    "like~": "tunnelhunt:like~",
    "like": "tunnelhunt:like",
    "regex~": "tunnelhunt:regex~",
    "regex": "tunnelhunt:regex",
}
_signature("tunnelhunt:like~", lambda p: re.compile(_glob_regex(p), re.DOTALL | _INSENSITIVE))
_signature("tunnelhunt:like", lambda p: re.compile(_glob_regex(p), re.DOTALL | re.ASCII))
_signature("tunnelhunt:regex~", lambda p: re.compile(p, re.DOTALL | _INSENSITIVE))
_signature("tunnelhunt:regex", lambda p: re.compile(p, re.DOTALL | re.ASCII))


def _string_predicate(self, node):
    predicate = str(node["STRING_PREDICATE"])
    if predicate not in _PREDICATES:
        raise self._error(node, message="Invalid syntax", cls=EqlSyntaxError)
    children = self.visit(node.child_trees)
    for child in children:
        if not child.validate_type(TypeHint.String):
            raise self._type_error(child, TypeHint.String)
    name = _PREDICATES[predicate]
    if name.startswith("tunnelhunt:regex"):
        flags = re.DOTALL | (_INSENSITIVE if name.endswith("~") else re.ASCII)
        for child in children[1:]:
            try:
                re.compile(child.node.value, flags)
            except re.error as e:
                raise self._error(node, message="Invalid regex {}: " + str(e).replace("{", "(").replace("}", ")"),
                                  cls=EqlSyntaxError)
    call = ast.FunctionCall(name, [child.node for child in children])
    return NodeInfo(call, TypeHint.Boolean)


LarkToEQL.string_predicate = _string_predicate

# 3. no in~
_original_in_set = LarkToEQL.in_set


def _in_set(self, node):
    if node.get("IN") == "in~":
        raise self._error(node, message="in~ is not evaluated by this oracle", cls=EqlSyntaxError)
    return _original_in_set(self, node)


LarkToEQL.in_set = _in_set


# 4. two-valued logic
def _to_bool(obj):
    return bool(obj)


def _convert_not(self, node):
    get_value = self.convert(node.term)
    return lambda scope: not get_value(scope)


PythonEngine.to_bool_or_null = staticmethod(_to_bool)
PythonEngine._convert_not = _convert_not


# 5. Elasticsearch's \u{…} escapes
_UNESCAPE = re.compile(r"\\(u\{([0-9A-Fa-f]{2,8})\}|[btnfr\"'\\])")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def _unescape(cls, text):
    def replace(m):
        if m.group(2) is not None:
            code = int(m.group(2), 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                raise EqlSyntaxError("Invalid unicode character code " + m.group(2), 0, 0, "")
            return chr(code)
        return _SIMPLE_ESCAPES[m.group(1)]

    return _UNESCAPE.sub(replace, text)


ast.String.unescape = classmethod(_unescape)


def parse(query, schema):
    with eql.Schema(schema), elasticsearch_syntax:
        return eql.parse_query(query)


def execute(parsed, events):
    matches = []
    engine = PythonEngine()
    engine.add_query(parsed)
    engine.add_output_hook(lambda out: matches.extend(ev.data["event"]["id"] for ev in out.events))
    engine.stream_events(events)
    return matches


def to_events(docs):
    """Events in Elasticsearch's order: by `@timestamp` (seconds since the
    epoch, a number; 0 when absent), ties in the order given (the sort is
    stable) -- what a tiebreaker field would decide in Elasticsearch."""
    events = []
    for doc in docs:
        category = doc["event"]["category"]
        if not isinstance(category, str):
            raise ValueError("event.category must be one string: %r" % (category,))
        seconds = doc.get("@timestamp", 0)
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise ValueError("@timestamp must be a number of seconds: %r" % (seconds,))
        # The engine's clock ticks DEFAULT_TIME_UNIT times a second, the
        # unit `maxspan` is converted to.
        events.append(eql.Event(category, round(seconds * DEFAULT_TIME_UNIT), doc))
    events.sort(key=lambda event: event.time)
    return events


def run(request):
    schema = request["schema"]
    events = to_events(request["events"]) if "events" in request else None
    results = []
    for query in request["queries"]:
        try:
            parsed = parse(query, schema)
        except EqlError as e:
            results.append({"error": str(e), "matches": [], "strings": []})
            continue
        except Exception as e:  # a crash of the reference parser is a failure too
            results.append({"error": "%s: %s" % (type(e).__name__, e), "matches": [], "strings": []})
            continue
        strings = [node.value for node in parsed if isinstance(node, ast.String)]
        matched = execute(parsed, events) if events is not None else []
        results.append({"error": None, "matches": matched, "strings": strings})
    return results


SELF_TEST_SCHEMA = {
    "process": {
        "process": {"name": "string", "command_line": "string", "pid": "number"},
        "event": {"type": "string", "id": "string"},
    },
    "network": {"destination": {"ip": "string", "port": "number"}, "event": {"id": "string"}},
}

# (query, event fields, expected match)
SELF_TEST_CASES = [
    ('process where process.name == "CMD.EXE"', {"process": {"name": "cmd.exe"}}, False),
    ('process where process.name == "CMD.EXE"', {"process": {"name": "CMD.EXE"}}, True),
    ('process where process.name != "CMD.EXE"', {"process": {"name": "cmd.exe"}}, True),
    ('process where process.name : "CMD.EXE"', {"process": {"name": "cmd.exe"}}, True),
    ('process where process.name : ("x", "CMD.*")', {"process": {"name": "cmd.exe"}}, True),
    ('process where process.name like "cmd*"', {"process": {"name": "CMD.exe"}}, False),
    ('process where process.name like~ "cmd*"', {"process": {"name": "CMD.exe"}}, True),
    ('process where process.name : "c?d.exe"', {"process": {"name": "cmd.exe"}}, True),
    ('process where process.name : "c?d.exe"', {"process": {"name": "cd.exe"}}, False),
    ('process where process.name : "c.d"', {"process": {"name": "cxd"}}, False),
    ('process where process.command_line : "a*b"', {"process": {"command_line": "a\nb"}}, True),
    ('process where process.name : "\u00c4"', {"process": {"name": "\u00e4"}}, False),
    ('process where process.name regex "md"', {"process": {"name": "cmd"}}, False),
    ('process where process.name regex ".*md"', {"process": {"name": "cmd"}}, True),
    ('process where process.name regex "CMD"', {"process": {"name": "cmd"}}, False),
    ('process where process.name regex~ "CMD"', {"process": {"name": "cmd"}}, True),
    ('process where process.name regex "a.b"', {"process": {"name": "a\nb"}}, True),
    ('process where process.name in ("CMD")', {"process": {"name": "cmd"}}, False),
    ('process where process.pid in (4, 8)', {"process": {"pid": 8}}, True),
    ('process where process.pid > 4', {"process": {"pid": 8}}, True),
    ('process where not process.command_line : "*x*"', {"process": {"name": "a"}}, True),
    ('process where not (process.command_line : "*x*" and process.name : "a")', {"process": {"name": "a"}}, True),
    ('process where ?process.command_line == null', {"process": {"name": "a"}}, True),
    ('process where ?process.command_line != null', {"process": {"name": "a"}}, False),
    ('network where cidrMatch(destination.ip, "2001:db8::/32")', {"destination": {"ip": "2001:db8::1"}}, True),
    ('network where cidrMatch(destination.ip, "10.0.0.0/8")', {"destination": {"ip": "11.0.0.1"}}, False),
    ('process where process.name == "a\\u{01}b\\u{2028}"', {"process": {"name": "a\u0001b\u2028"}}, True),
]

SELF_TEST_REJECTED = [
    'process where process.name in~ ("cmd")',
    'process where process.nope == "x"',
    'process where process.pid : "4"',
    'process where process.name = "x"',
    "process where process.name == 'x'",
]


def self_test():
    failures = []
    for query, fields, expected in SELF_TEST_CASES:
        category = query.split(" ", 1)[0]
        doc = dict(fields)
        doc["event"] = dict(doc.get("event", {}), id="e", category=category)
        [result] = run({"schema": SELF_TEST_SCHEMA, "queries": [query], "events": [doc]})
        got = result["matches"] == ["e"]
        if result["error"] or got != expected:
            failures.append("%s over %r: expected %s, got %r" % (query, fields, expected, result))
    for query in SELF_TEST_REJECTED:
        [result] = run({"schema": SELF_TEST_SCHEMA, "queries": [query]})
        if result["error"] is None:
            failures.append("%s: accepted, must be rejected" % query)
    for failure in failures:
        print("self-test FAILED: " + failure, file=sys.stderr)
    if failures:
        return 1
    print("tunnelhunt_eql self-test: %d cases ok (eql %s)" % (len(SELF_TEST_CASES) + len(SELF_TEST_REJECTED),
                                                          eql.__version__))
    return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if sys.argv[1:]:
        print("usage: tunnelhunt_eql.py [--self-test] < request.json", file=sys.stderr)
        return 2
    try:
        request = json.load(sys.stdin)
        results = run(request)
    except (ValueError, KeyError, TypeError) as e:
        print("malformed request: %s" % e, file=sys.stderr)
        return 2
    json.dump({"results": results}, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    # Long `or` chains (rules with hundreds of values) nest deeply in the
    # package's parse tree walkers: give them room, in a thread with a
    # large stack so the deep recursion cannot overflow the C stack.
    sys.setrecursionlimit(200000)
    threading.stack_size(512 * 1024 * 1024)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(main()))
    worker.start()
    worker.join()
    sys.exit(outcome[0] if outcome else 2)

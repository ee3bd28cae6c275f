"""Check the Splunk ES objects of `tunnelhunt export --target spl --as rule|repo`.

    splunk_check.py parse FILE...   print every stanza and setting of the .conf
                                    files, as Splunk's parser reads them (JSON;
                                    continued lines keep their ` \` marker)
    splunk_check.py repo DIR        in a copy of DIR (the `--as repo` folder):
                                    `contentctl validate`, `contentctl build`,
                                    then compare the savedsearches.conf and
                                    macros.conf contentctl built with ours
    splunk_check.py --self-test     check the parser and comparison on a
                                    small example

The parser is Splunk's own (`addonfactory_splunk_conf_parser_lib`,
`TABConfigParser`, PyPI). The comparison holds, per correlation search, the
settings that decide what runs and what an analyst gets: the search, its
schedule and dispatch window, the correlation-search label and annotations,
the risk action (objects, scores, message), the notable (title, description,
domain, severity, drilldowns), suppression, and that it is disabled. What
contentctl adds that we do not write (its `action.escu.*` bookkeeping, the
EXPERIMENTAL banner in `description`) or we add that it cannot
(`action.notable.param.next_steps`) is not compared.
"""

import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

from addonfactory_splunk_conf_parser_lib import TABConfigParser

EXACT = [
    "search",
    "enableSched",
    "cron_schedule",
    "dispatch.earliest_time",
    "dispatch.latest_time",
    "schedule_window",
    "action.correlationsearch.enabled",
    "action.correlationsearch.detection_type",
    "action.correlationsearch.label",
    "action.risk",
    "action.risk.param._risk_message",
    "action.risk.param._risk_score",
    "action.notable",
    "action.notable.param.rule_title",
    "action.notable.param.rule_description",
    "action.notable.param.security_domain",
    "action.notable.param.severity",
    "action.notable.param.nes_fields",
    "alert.suppress.fields",
    "alert.suppress.period",
    "alert.digest_mode",
    "counttype",
    "relation",
    "quantity",
]
JSON = [
    "action.correlationsearch.annotations",
    "action.risk.param._risk",
    "action.notable.param.drilldown_searches",
]
BOOLEAN = ["disabled", "alert.suppress", "is_visible"]
# Keys of contentctl's metadata JSON we write too (it adds publish_time).
METADATA = ["detection_id", "detection_version", "deprecated"]


def parse_conf(path):
    parser = TABConfigParser()
    with open(path, encoding="utf-8") as handle:
        parser.read_file(handle)
    return parser.item_dict()


def decode(value):
    """A value as Splunk means it: continued lines without their marker."""
    return value.replace(" \\\n", "\n")


def as_bool(value):
    if value is None:
        return None
    return value.strip().lower() in ("1", "true", "t", "yes")


def compare_searches(ours, built):
    """Differences between our stanzas and contentctl's, as text lines."""
    problems = []
    built_rules = {name: s for name, s in built.items() if name.endswith(" - Rule")}
    if set(ours) != set(built_rules):
        problems.append(
            f"stanzas differ: only ours {sorted(set(ours) - set(built_rules))}, "
            f"only contentctl's {sorted(set(built_rules) - set(ours))}"
        )
    for name in sorted(set(ours) & set(built_rules)):
        a, b = ours[name], built_rules[name]
        for key in EXACT:
            if a.get(key) != b.get(key):
                problems.append(f"[{name}] {key}: ours {a.get(key)!r}, contentctl {b.get(key)!r}")
        for key in JSON:
            left = json.loads(a[key]) if key in a else None
            right = json.loads(b[key]) if key in b else None
            if left != right:
                problems.append(f"[{name}] {key}: ours {left!r}, contentctl {right!r}")
        for key in BOOLEAN:
            if as_bool(a.get(key)) != as_bool(b.get(key)):
                problems.append(f"[{name}] {key}: ours {a.get(key)!r}, contentctl {b.get(key)!r}")
        left = json.loads(a.get("action.correlationsearch.metadata", "{}"))
        right = json.loads(b.get("action.correlationsearch.metadata", "{}"))
        for key in METADATA:
            if left.get(key) != right.get(key):
                problems.append(f"[{name}] metadata {key}: ours {left.get(key)!r}, contentctl {right.get(key)!r}")
    return problems, len(built_rules)


def compare_macros(ours, built):
    problems = []
    for name, settings in sorted(ours.items()):
        other = built.get(name)
        if other is None:
            problems.append(f"macro {name}: contentctl built none")
        elif other.get("definition") != settings.get("definition"):
            problems.append(
                f"macro {name}: definition ours {settings.get('definition')!r}, "
                f"contentctl {other.get('definition')!r}"
            )
    return problems


def contentctl(command, cwd):
    binary = pathlib.Path(sys.executable).parent / "contentctl"
    started = time.monotonic()
    result = subprocess.run(
        [str(binary), command], cwd=cwd, capture_output=True, text=True, check=False
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        output = (result.stdout + result.stderr).splitlines()
        useful = [line for line in output if "Progress" not in line]
        print(f"contentctl {command} failed (exit {result.returncode}):")
        print("\n".join(useful[-40:]))
        sys.exit(1)
    return elapsed


def check_repo(directory):
    source = pathlib.Path(directory)
    with tempfile.TemporaryDirectory() as temp:
        work = pathlib.Path(temp) / "repo"
        shutil.copytree(source, work)
        validate = contentctl("validate", work)
        build = contentctl("build", work)
        apps = list((work / "dist").glob("*/default/savedsearches.conf"))
        if len(apps) != 1:
            print(f"contentctl build wrote {len(apps)} apps, expected one")
            sys.exit(1)
        app = apps[0].parent
        problems, count = compare_searches(
            parse_conf(source / "default" / "savedsearches.conf"),
            parse_conf(app / "savedsearches.conf"),
        )
        problems += compare_macros(
            parse_conf(source / "default" / "macros.conf"), parse_conf(app / "macros.conf")
        )
    for problem in problems:
        print(problem if len(problem) < 400 else problem[:400] + " …")
    print(
        f"contentctl validate {validate:.1f}s, build {build:.1f}s; "
        f"{count} correlation searches compared, {len(problems)} differences"
    )
    return 1 if problems else 0


def self_test():
    with tempfile.TemporaryDirectory() as temp:
        path = pathlib.Path(temp) / "x.conf"
        path.write_text(
            "# header\n\n[TH - A - Rule]\nsearch = a=1 \\\n| where b;c\n"
            'action.correlationsearch.annotations = {"x": "a\\u003b b"}\n'
        )
        parsed = parse_conf(path)
        stanza = parsed["TH - A - Rule"]
        # The parser keeps each continued line's ` \` marker: the value is
        # the lines joined by newlines once the markers are taken off.
        assert stanza["search"] == "a=1 \\\n| where b;c", stanza
        assert decode(stanza["search"]) == "a=1\n| where b;c"
        assert json.loads(stanza["action.correlationsearch.annotations"]) == {"x": "a; b"}
        problems, count = compare_searches(parsed, {"TH - A - Rule": dict(stanza, search="x")})
        assert count == 1 and len(problems) == 1 and "search" in problems[0], problems
    print("splunk_check self-test passed")


def main(argv):
    if argv[:1] == ["--self-test"]:
        self_test()
        return 0
    if len(argv) >= 2 and argv[0] == "parse":
        print(json.dumps({path: parse_conf(path) for path in argv[1:]}))
        return 0
    if len(argv) == 2 and argv[0] == "repo":
        return check_repo(argv[1])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

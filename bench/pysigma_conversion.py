#!/usr/bin/env python3
"""Count how many SigmaHQ rules the reference converters (pySigma backends)
convert, per target, and group their errors — the baseline that
`tunnelhunt export` is compared with in docs/conversion.md.

Usage (a venv with sigma-cli 3.1.0 and the pinned backends of
../shared/reference/backend-semantics.md §0):

    python bench/pysigma_conversion.py ../shared/corpus/sigmahq > report.txt

Each rule is converted on its own so one failure does not hide the rest.
A rule counts as converted when the backend returns at least one query
without raising; this says nothing about whether the query is right (see
backend-semantics.md §4 for the known wrong ones).
"""
import collections
import re
import sys
from pathlib import Path

from sigma.collection import SigmaCollection
from sigma.plugins import InstalledSigmaPlugins

RULE_DIRS = ["rules", "rules-emerging-threats", "rules-threat-hunting"]
TARGETS = [
    ("kql", "kusto", ["microsoft_xdr"]),
    ("spl", "splunk", ["sysmon", "splunk_windows"]),
    ("eql", "eql", ["ecs_windows"]),
    ("aql", "qradar-aql-community", ["qradar-aql-fields"]),
    ("sumo", "sumologic_cse", ["sumologic_cse"]),
    ("yaral", "secops", ["secops_udm"]),
    ("cql", "log_scale", ["crowdstrike_falcon"]),
]


def load(texts):
    rules = []
    for text in texts:
        try:
            collection = SigmaCollection.from_yaml(text, collect_errors=True)
            rules.extend(r for r in collection.rules if not getattr(r, "errors", None))
        except Exception:
            pass
    return rules


def main(sigmahq: Path) -> None:
    plugins = InstalledSigmaPlugins.autodiscover()
    files = sorted(p for d in RULE_DIRS for p in (sigmahq / d).rglob("*.yml"))
    texts = [f.read_text(encoding="utf-8") for f in files]
    print(f"pySigma: {len(files)} files, {len(load(texts))} rules loaded")
    for name, backend_id, pipelines in TARGETS:
        # Pipelines rewrite rules in place: every target gets fresh ones.
        rules = load(texts)
        pipeline = None
        for p in pipelines:
            part = plugins.pipelines[p]()
            pipeline = part if pipeline is None else pipeline + part
        backend_cls = plugins.backends[backend_id]
        converted = 0
        errors = collections.Counter()
        for rule in rules:
            backend = backend_cls(processing_pipeline=pipeline)
            try:
                out = backend.convert_rule(rule)
                if out:
                    converted += 1
                else:
                    errors["empty output"] += 1
            except Exception as e:  # the backends raise many types
                message = re.sub(r"'[^']*'", "'…'", str(e).splitlines()[0] if str(e) else type(e).__name__)
                errors[f"{type(e).__name__}: {message[:100]}"] += 1
        print(f"\n{name} ({backend_id} + {'+'.join(pipelines)}): {converted} of {len(rules)} converted")
        for message, count in errors.most_common(8):
            print(f"  {count:>5}  {message}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

#!/usr/bin/env python3
"""Check rules written by tunnelhunt's Sigma writer with the Python tools
sigma-cli users have: PyYAML (YAML 1.1) must read every value exactly as
tunnelhunt meant it, and `sigma check` (pySigma) must parse every rule.

    sigma_check.py --self-test
    sigma_check.py MANIFEST.json

MANIFEST.json:
    {"groups": [{"dir": "...", "fail_on_issues": true}, ...],
     "expected": {"<file path>": {"keys": {"<top-level key>": <value>, ...},
                                  "searches": {"<search>": <value>, ...}}, ...}}

For each file in "expected", the document PyYAML loads must have exactly
the given values under the given top-level keys and detection searches
(other keys, and the condition, are not compared).
Each group directory is then checked with `sigma check` (the validators
that download MITRE data are excluded: CI has no network). Exit status 0
only when everything passed; every problem is printed.
"""

import json
import math
import os
import subprocess
import sys

import yaml


def same(actual, expected):
    """Equality that also tells floats from ints and bools from ints."""
    if type(expected) is float:
        return type(actual) is float and (actual == expected or (math.isnan(actual) and math.isnan(expected)))
    if type(expected) in (bool, int, str) or expected is None:
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected)
        )
    if isinstance(expected, dict):
        return isinstance(actual, dict) and list(actual.keys()) == list(expected.keys()) and all(
            same(actual[k], v) for k, v in expected.items()
        )
    return False


def check_values(expected):
    problems = []
    for path, want in expected.items():
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
        if not isinstance(document, dict):
            problems.append(f"{path}: not a mapping")
            continue
        for key, value in want["keys"].items():
            if key not in document:
                problems.append(f"{path}: PyYAML finds no '{key}'")
            elif not same(document[key], value):
                problems.append(f"{path}: '{key}' reads {document[key]!r}, expected {value!r}")
        detection = document.get("detection")
        for name, value in (want.get("searches") or {}).items():
            if not isinstance(detection, dict) or name not in detection:
                problems.append(f"{path}: PyYAML finds no search '{name}'")
            elif not same(detection[name], value):
                problems.append(f"{path}: search '{name}' reads {detection[name]!r}, expected {value!r}")
    return problems


def sigma_check(directory, fail_on_issues):
    sigma = os.path.join(os.path.dirname(sys.executable), "sigma")
    command = [sigma, "check", "-x", "attacktag", "-x", "d3_fendtag", "--fail-on-error"]
    command.append("--fail-on-issues" if fail_on_issues else "--pass-on-issues")
    command.append(directory)
    run = subprocess.run(command, capture_output=True, text=True, cwd=directory)
    print(run.stdout)
    print(run.stderr, file=sys.stderr)
    if run.returncode != 0:
        return [f"sigma check failed on {directory} (exit {run.returncode})"]
    return []


def self_test():
    assert yaml.safe_load("a: yes")["a"] is True, "PyYAML no longer reads YAML 1.1"
    assert yaml.safe_load("a: 'yes'")["a"] == "yes"
    assert same([1, "x", None], [1, "x", None]) and not same(1, 1.0) and not same(True, 1)
    import sigma.cli.main  # noqa: F401  (sigma-cli is importable)
    print("sigma validator ok")


def main(argv):
    if argv[1:] == ["--self-test"]:
        self_test()
        return 0
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        manifest = json.load(handle)
    problems = check_values(manifest["expected"])
    for group in manifest["groups"]:
        problems += sigma_check(group["dir"], group["fail_on_issues"])
    for problem in problems:
        print("PROBLEM:", problem)
    print(f"checked {len(manifest['expected'])} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

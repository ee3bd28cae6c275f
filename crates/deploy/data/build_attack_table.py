#!/usr/bin/env python3
"""Regenerate attack.json: the ATT&CK techniques and tactics Sigma rules tag.

    python3 build_attack_table.py CTI_GIT_DIR COMMIT RULE_DIR... > attack.json

CTI_GIT_DIR is a clone (bare is fine) of https://github.com/mitre/cti; the
per-object files of enterprise-attack/ at COMMIT are read with `git show`.
Only the techniques some `attack.tNNNN` tag under RULE_DIR names (the pack's
rules/ and SigmaHQ's rule folders), their parents, and the tactics they
serve are kept. Revoked and deprecated techniques are left out: a tag naming
one stays unknown, and the export says so.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

TAG = re.compile(r"^\s*-\s*attack\.(t\d{4}(?:\.\d{3})?)\s*$", re.M)


def git(cti, *args):
    return subprocess.run(["git", "--git-dir", cti, *args], check=True,
                          capture_output=True, text=True).stdout


def objects(cti, commit, folder):
    names = git(cti, "ls-tree", "--name-only", f"{commit}:enterprise-attack/{folder}").split()
    for name in names:
        bundle = json.loads(git(cti, "show", f"{commit}:enterprise-attack/{folder}/{name}"))
        yield from bundle["objects"]


def external_id(obj):
    for ref in obj.get("external_references", []):
        if ref.get("source_name") == "mitre-attack":
            return ref["external_id"]
    return None


def main(cti, commit, rule_dirs):
    wanted = set()
    for folder in rule_dirs:
        for path in Path(folder).rglob("*.yml"):
            wanted.update(t.upper() for t in TAG.findall(path.read_text(encoding="utf-8", errors="replace")))
    wanted |= {t.split(".")[0] for t in wanted}
    tactics = {}
    for obj in objects(cti, commit, "x-mitre-tactic"):
        if not obj.get("revoked") and not obj.get("x_mitre_deprecated"):
            tactics[obj["x_mitre_shortname"]] = {"id": external_id(obj), "name": obj["name"],
                                                "shortname": obj["x_mitre_shortname"]}
    techniques = {}
    for obj in objects(cti, commit, "attack-pattern"):
        tid = external_id(obj)
        if tid not in wanted or obj.get("revoked") or obj.get("x_mitre_deprecated"):
            continue
        phases = [p["phase_name"] for p in obj.get("kill_chain_phases", [])
                  if p.get("kill_chain_name") == "mitre-attack"]
        techniques[tid] = {"id": tid, "name": obj["name"],
                           "tactics": sorted(tactics[p]["id"] for p in phases)}
    used = {t for tech in techniques.values() for t in tech["tactics"]}
    table = {
        "attack_version": f"mitre/cti {commit[:12]}",
        "tactics": sorted((t for t in tactics.values() if t["id"] in used), key=lambda t: t["id"]),
        "techniques": [techniques[k] for k in sorted(techniques)],
    }
    # One row per line: the table stays readable and its diffs small.
    rows = lambda items: ",\n".join("    " + json.dumps(i, ensure_ascii=False) for i in items)
    print("{")
    print(f'  "attack_version": {json.dumps(table["attack_version"])},')
    print(f'  "tactics": [\n{rows(table["tactics"])}\n  ],')
    print(f'  "techniques": [\n{rows(table["techniques"])}\n  ]')
    print("}")
    missing = sorted(wanted - techniques.keys())
    print(f"{len(techniques)} techniques, {len(table['tactics'])} tactics; "
          f"tagged but revoked, deprecated or unknown: {', '.join(missing) or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])

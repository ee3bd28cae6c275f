"""Check ATT&CK Navigator layers against the layer format 4.5 and the
ATT&CK table tunnelhunt's objects are built from.

Usage: navigator_check.py [--attack crates/deploy/data/attack.json] FILE...
       navigator_check.py --self-test

Each FILE holds one layer or a list of layers. A layer must pass
layer.schema.json (written from layerformat-v4.5.md), and every technique
must be in the ATT&CK table, under a tactic shortname the table knows and
gives that technique. Prints one line per problem and
"N layers checked, M problems"; exits 1 when there is a problem.
"""

import json
import re
import sys
from pathlib import Path

from jsonschema import Draft202012Validator

HERE = Path(__file__).parent
SCHEMA = HERE / "layer.schema.json"
SPEC = HERE / "layerformat-v4.5.md"
DEFAULT_ATTACK = HERE.parent.parent / "crates/deploy/data/attack.json"


def validator():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def attack_table(path):
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    tactics = {t["id"]: t["shortname"] for t in table["tactics"]}
    techniques = {
        t["id"]: {tactics[tactic] for tactic in t["tactics"]} for t in table["techniques"]
    }
    return set(tactics.values()), techniques


def layer_problems(check, table, name, layer):
    for error in sorted(check.iter_errors(layer), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        yield f"{name}: {where}: {error.message}"
    if table is None:
        return
    shortnames, techniques = table
    for number, technique in enumerate(layer.get("techniques", [])):
        tid = technique.get("techniqueID")
        tactic = technique.get("tactic")
        where = f"{name}: techniques/{number}"
        if tid not in techniques:
            yield f"{where}: {tid} is not in the ATT&CK table"
            continue
        if tactic is not None and tactic not in shortnames:
            yield f"{where}: tactic {tactic!r} is not an ATT&CK tactic shortname"
        elif tactic is not None and tactic not in techniques[tid]:
            yield f"{where}: ATT&CK does not file {tid} under {tactic}"


def layers_of(path):
    value = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(value, list):
        for number, layer in enumerate(value):
            yield f"{path}[{number}]", layer
    else:
        yield str(path), value


def spec_example():
    """The single-layer example of the format definition."""
    blocks = re.findall(r"```json\n(.*?)```", SPEC.read_text(encoding="utf-8"), re.S)
    return json.loads(blocks[0])


def self_test():
    check = validator()
    example = spec_example()
    found = list(layer_problems(check, None, "spec example", example))
    assert not found, f"the format definition's own example fails: {found}"
    for breakage in (
        lambda l: l["versions"].update(layer="4.4"),
        lambda l: l.update(domain="enterprise"),
        lambda l: l["techniques"][0].update(techniqueID="attack.t1110"),
        lambda l: l["gradient"].update(colors=["#ff6666"]),
        lambda l: l["techniques"][0].update(scores=1),
    ):
        broken = json.loads(json.dumps(example))
        breakage(broken)
        assert list(layer_problems(check, None, "broken", broken)), "a broken layer passes"
    table = attack_table(DEFAULT_ATTACK)
    wrong_tactic = {"techniqueID": "T1572", "tactic": "lateral-movement"}
    assert list(layer_problems(check, table, "t", {**example, "techniques": [wrong_tactic]}))
    print("navigator_check self-test: ok")


def main(argv):
    if argv == ["--self-test"]:
        self_test()
        return 0
    attack = DEFAULT_ATTACK
    if len(argv) >= 2 and argv[0] == "--attack":
        attack, argv = argv[1], argv[2:]
    check = validator()
    table = attack_table(attack)
    count = 0
    found = []
    for path in argv:
        for name, layer in layers_of(path):
            count += 1
            found.extend(layer_problems(check, table, name, layer))
    for line in found:
        print(line)
    print(f"{count} layers checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Check the LogScale alert resources and Next-Gen SIEM correlation rules
that `tunnelhunt export --target cql --as rule|repo` writes.

    logscale_check.py PATH...          check files, or every file under a folder
    logscale_check.py --dump PATH...   check, then print the alerts' name,
                                       description and labels as PyYAML read
                                       them (one JSON line, keyed by path)
    logscale_check.py --self-test      broken objects must fail

Alert resources (`*.yaml`, read with PyYAML, a YAML 1.1 reader as
Kubernetes tooling is):

- the `openAPIV3Schema` of humio-operator's CRD for the kind (crds/), with
  `jsonschema`;
- what the API server would enforce or silently drop beyond that schema:
  the CRD's CEL rule (exactly one of managedClusterName and
  externalClusterName), fields the structural schema does not know (pruned
  without a word), the object name as a DNS-1123 subdomain and label
  syntax;
- what LogScale's API requires of an aggregate alert (GraphQL input
  `CreateAggregateAlert`: throttleTimeSeconds, searchIntervalSeconds,
  queryTimestampType; the enums `QueryTimestampType` and `TriggerMode`)
  and the operator's controller (throttle of at least 60 seconds);
- tunnelhunt's own promises: imported disabled, object and alert names
  unique, a `kustomization.yaml` listing exactly the alert files beside it.

Correlation rules (`*.json`): ngsiem-correlation-rule.schema.json. In the
`--as repo` layout, `alerts/<n>.yaml` and `ngsiem/<n>.json` must carry the
same query.
"""

import json
import pathlib
import re
import sys

import jsonschema
import yaml

HERE = pathlib.Path(__file__).resolve().parent
CRDS = {
    "HumioFilterAlert": HERE / "crds" / "core.humio.com_humiofilteralerts.yaml",
    "HumioAggregateAlert": HERE / "crds" / "core.humio.com_humioaggregatealerts.yaml",
}
NGSIEM_SCHEMA = HERE / "ngsiem-correlation-rule.schema.json"

QUERY_TIMESTAMP_TYPES = {"EventTimestamp", "IngestTimestamp"}
TRIGGER_MODES = {"CompleteMode", "ImmediateMode"}
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def load_crd(path):
    """The API version and the v1alpha1 schema of one CRD."""
    crd = yaml.safe_load(path.read_text(encoding="utf-8"))
    group = crd["spec"]["group"]
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    return f"{group}/{version['name']}", version["schema"]["openAPIV3Schema"]


class Checker:
    def __init__(self):
        self.crds = {kind: load_crd(path) for kind, path in CRDS.items()}
        self.ngsiem = jsonschema.Draft202012Validator(
            json.loads(NGSIEM_SCHEMA.read_text(encoding="utf-8")),
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        self.problems = []
        self.alerts = 0
        self.rules = 0
        self.object_names = {}
        self.alert_names = {}
        self.dumped = {}

    def problem(self, where, text):
        self.problems.append(f"{where}: {text}")

    def alert(self, where, doc):
        """One alert resource."""
        kind = doc.get("kind")
        if kind not in self.crds:
            self.problem(where, f"kind {kind!r} is not a LogScale alert")
            return
        api_version, schema = self.crds[kind]
        self.alerts += 1
        for error in jsonschema.Draft7Validator(schema).iter_errors(doc):
            path = "/".join(str(p) for p in error.absolute_path)
            self.problem(where, f"CRD schema at '{path}': {error.message}")
        if doc.get("apiVersion") != api_version:
            self.problem(where, f"apiVersion {doc.get('apiVersion')!r} is not {api_version}")
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        known = schema["properties"]["spec"]["properties"]
        for key in sorted(set(spec) - set(known)):
            self.problem(where, f"spec.{key} is not in the CRD and would be pruned")
        for key in sorted(set(doc) - set(schema["properties"])):
            self.problem(where, f"{key} is not in the CRD and would be pruned")
        clusters = [bool(spec.get(k)) for k in ("managedClusterName", "externalClusterName")]
        if clusters.count(True) != 1:
            self.problem(where, "exactly one of managedClusterName or externalClusterName must be set")
        metadata = doc.get("metadata") or {}
        name = metadata.get("name")
        if not isinstance(name, str) or len(name) > 253 or not DNS_SUBDOMAIN.match(name):
            self.problem(where, f"metadata.name {name!r} is not a DNS-1123 subdomain")
        for key, value in (metadata.get("labels") or {}).items():
            prefix, _, local = str(key).rpartition("/")
            if (prefix and not DNS_SUBDOMAIN.match(prefix)) or len(local) > 63 or not LABEL_NAME.match(local):
                self.problem(where, f"label key {key!r} is not a Kubernetes label name")
            if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.match(value):
                self.problem(where, f"label {key} value {value!r} is not a Kubernetes label value")
        if spec.get("enabled") is not False:
            self.problem(where, "alerts are imported disabled (enabled: false)")
        throttle = spec.get("throttleTimeSeconds")
        if not isinstance(throttle, int) or throttle < 60:
            self.problem(where, f"throttleTimeSeconds {throttle!r}: the operator requires at least 60")
        if kind == "HumioAggregateAlert":
            interval = spec.get("searchIntervalSeconds")
            if not isinstance(interval, int) or interval <= 0:
                self.problem(where, f"searchIntervalSeconds {interval!r}: LogScale requires a positive interval")
            if spec.get("queryTimestampType") not in QUERY_TIMESTAMP_TYPES:
                self.problem(where, f"queryTimestampType {spec.get('queryTimestampType')!r} is not one of {sorted(QUERY_TIMESTAMP_TYPES)}")
            if "triggerMode" in spec and spec["triggerMode"] not in TRIGGER_MODES:
                self.problem(where, f"triggerMode {spec['triggerMode']!r} is not one of {sorted(TRIGGER_MODES)}")
        for names, value, what in (
            (self.object_names, (kind, name), "object name"),
            (self.alert_names, (spec.get("viewName"), spec.get("name")), "alert name"),
        ):
            if value in names:
                self.problem(where, f"{what} {value[1]!r} also in {names[value]}")
            names[value] = where
        self.dumped[where] = {
            "name": spec.get("name"),
            "description": spec.get("description"),
            "labels": spec.get("labels"),
        }

    def kustomization(self, where, path, doc):
        listed = doc.get("resources") or []
        present = sorted(
            p.relative_to(path.parent).as_posix() for p in (path.parent / "alerts").glob("*.yaml")
        )
        if sorted(listed) != present or len(set(listed)) != len(listed):
            self.problem(where, "resources do not list exactly the alerts/*.yaml files beside it")

    def yaml_file(self, path, where):
        try:
            docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        except yaml.YAMLError as error:
            self.problem(where, f"not YAML: {error}")
            return
        for index, doc in enumerate(docs):
            at = where if len(docs) == 1 else f"{where}[{index}]"
            if not isinstance(doc, dict):
                self.problem(at, "a document is not a mapping")
            elif doc.get("kind") == "Kustomization":
                self.kustomization(at, path, doc)
            else:
                self.alert(at, doc)

    def json_file(self, path, where):
        try:
            rule = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            self.problem(where, f"not JSON: {error}")
            return
        self.rules += 1
        for error in self.ngsiem.iter_errors(rule):
            path_text = "/".join(str(p) for p in error.absolute_path)
            self.problem(where, f"correlation-rule schema at '{path_text}': {error.message}")

    def same_queries(self, root):
        """alerts/<n>.yaml and ngsiem/<n>.json carry one query."""
        for alert in sorted((root / "alerts").glob("*.yaml")):
            rule = root / "ngsiem" / (alert.stem + ".json")
            if not rule.is_file():
                self.problem(alert.relative_to(root).as_posix(), "has no ngsiem/ twin")
                continue
            query = (yaml.safe_load(alert.read_text(encoding="utf-8")) or {}).get("spec", {}).get("queryString")
            if json.loads(rule.read_text(encoding="utf-8")).get("search", {}).get("filter") != query:
                self.problem(alert.relative_to(root).as_posix(), "its ngsiem/ twin carries another query")

    def check(self, paths):
        for given in paths:
            given = pathlib.Path(given)
            root = given if given.is_dir() else given.parent
            files = sorted(p for p in given.rglob("*") if p.is_file()) if given.is_dir() else [given]
            for path in files:
                where = path.relative_to(root).as_posix()
                if path.suffix == ".yaml":
                    self.yaml_file(path, where)
                elif path.suffix == ".json":
                    self.json_file(path, where)
            if given.is_dir() and (given / "ngsiem").is_dir():
                self.same_queries(given)


def self_test():
    """Valid objects pass; each deliberately broken one fails."""
    import copy
    import tempfile

    alert = {
        "apiVersion": "core.humio.com/v1alpha1",
        "kind": "HumioAggregateAlert",
        "metadata": {"name": "ok-alert", "labels": {"app.kubernetes.io/managed-by": "tunnelhunt"}},
        "spec": {
            "externalClusterName": "logscale", "name": "OK", "viewName": "falcon",
            "queryString": "#event_simpleName=DnsRequest | count()", "description": "d",
            "throttleTimeSeconds": 300, "searchIntervalSeconds": 900,
            "queryTimestampType": "EventTimestamp", "triggerMode": "CompleteMode",
            "enabled": False, "actions": ["a"], "labels": ["tunnelhunt"],
        },
    }
    rule = {
        "name": "OK", "description": "d", "severity": 70, "status": "inactive",
        "search": {"filter": "#event_simpleName=DnsRequest", "lookback": "0h20m", "outcome": "detection",
                   "trigger_mode": "summary", "execution_mode": "scheduled", "use_ingest_time": False},
        "operation": {"schedule": {"definition": "@every 0h15m"}},
        "mitre_attack": [{"tactic_id": "TA0011", "technique_id": "T1572"}],
        "comment": "c",
    }

    def spec(**changes):
        broken = copy.deepcopy(alert)
        for key, value in changes.items():
            if value is None:
                broken["spec"].pop(key)
            else:
                broken["spec"][key] = value
        return broken

    def search(**changes):
        broken = copy.deepcopy(rule)
        broken["search"].update(changes)
        return broken

    def with_(**changes):
        broken = copy.deepcopy(rule)
        broken.update(changes)
        return broken

    filter_alert = copy.deepcopy(alert)
    filter_alert["kind"] = "HumioFilterAlert"
    for key in ("searchIntervalSeconds", "queryTimestampType", "triggerMode"):
        filter_alert["spec"].pop(key)
    filter_alert["spec"]["throttleField"] = "aid"
    broken_alerts = {
        "no viewName": spec(viewName=None),
        "both clusters": spec(managedClusterName="m"),
        "no cluster": spec(externalClusterName=None),
        "throttle 30": spec(throttleTimeSeconds=30),
        "a label read as a boolean": spec(labels=[True]),
        "an unknown field": spec(runAsUser="x"),
        "an unknown trigger mode": spec(triggerMode="Sometimes"),
        "no timestamp type": spec(queryTimestampType=None),
        "enabled": spec(enabled=True),
        "an upper-case object name": dict(copy.deepcopy(alert), metadata={"name": "Bad_Name"}),
        "a wrong apiVersion": dict(copy.deepcopy(alert), apiVersion="core.humio.com/v1"),
        "a filter alert without throttleField": dict(
            copy.deepcopy(filter_alert),
            spec={k: v for k, v in filter_alert["spec"].items() if k != "throttleField"},
        ),
    }
    broken_rules = {
        "severity 40": with_(severity=40),
        "status enabled": with_(status="enabled"),
        "no operation": {k: v for k, v in rule.items() if k != "operation"},
        "an unknown field": with_(enabled=False),
        "a tactic id that is a technique": with_(mitre_attack=[{"tactic_id": "T1572"}]),
        "trigger mode all": search(trigger_mode="all"),
        "outcome alert": search(outcome="alert"),
        "lookback in days": search(lookback="2d"),
        "lookback of 169 hours": search(lookback="169h0m"),
        "lookback of zero": search(lookback="0h0m"),
        "a blank filter": search(filter="  "),
        "a schedule without @every": with_(operation={"schedule": {"definition": "every 5m"}}),
        "a schedule under 5 minutes": with_(operation={"schedule": {"definition": "@every 0h4m"}}),
        "a bad customer id": with_(customer_id="ABC"),
    }
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)

        def run(name, text):
            path = tmp / name
            path.write_text(text, encoding="utf-8")
            checker = Checker()
            checker.check([path])
            return checker.problems

        for name, doc in [("ok.yaml", alert), ("ok-filter.yaml", filter_alert)]:
            if run(name, yaml.safe_dump(doc)):
                failures.append(f"the valid {name} fails: {run(name, yaml.safe_dump(doc))}")
        if run("ok.json", json.dumps(rule)):
            failures.append(f"the valid rule fails: {run('ok.json', json.dumps(rule))}")
        for what, doc in broken_alerts.items():
            if not run("broken.yaml", yaml.safe_dump(doc)):
                failures.append(f"an alert with {what} passes")
        for what, doc in broken_rules.items():
            if not run("broken.json", json.dumps(doc)):
                failures.append(f"a rule with {what} passes")
    for failure in failures:
        print(failure)
    print(f"self-test: {len(broken_alerts)} broken alerts, {len(broken_rules)} broken rules, {len(failures)} failures")
    return 1 if failures else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    dump = "--dump" in argv
    paths = [a for a in argv if a != "--dump"]
    if not paths:
        print(__doc__)
        return 2
    checker = Checker()
    checker.check(paths)
    if dump:
        print(json.dumps(checker.dumped, ensure_ascii=False))
    for problem in checker.problems:
        print(problem)
    print(
        f"{checker.alerts} alert resources, {checker.rules} correlation rules checked, "
        f"{len(checker.problems)} problems"
    )
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Write the SIEM export shapes of real Windows events, for the twin tests.

Input: the JSON lines of `tunnelhunt scan --with-event` over an EVTX file with a
rule that matches every record; each alert's `original` is the record in the
evtx JSON shape, as the EVTX reader renders it. Output, in OUT_DIR, one file
per export shape, each holding the same records in the same order:

  NAME.splunk.xml          Splunk XmlWinEventLog raw events, one per line, with
                           the <RenderingInfo> Splunk's Windows input adds
  NAME.splunk.json         Splunk export lines {"preview":false,"result":{...}}
  NAME.splunk-array.json   the same results as one JSON array
  NAME.splunk.csv          Splunk CSV export (_raw, _time, host, source, ...)
  NAME.sentinel.json       Log Analytics rows (SecurityEvent for the Security
                           channel, Event otherwise), as `az monitor
                           log-analytics query` prints them
  NAME.sentinel.csv        the same rows as the portal's CSV export
  NAME.elastic.ndjson      Elasticsearch hits {"_index","_id","_source"} of the
                           Winlogbeat documents (elasticdump's shape)
  NAME.elastic-source.ndjson  the Winlogbeat documents alone (_source dump)

Usage:
  tunnelhunt scan --rules every-windows-event.yml --with-event FILE.evtx \
    | corpus/tools/siem_exports.py NAME OUT_DIR

Only the standard library is used. Values are the records' own; what a SIEM
adds (tenant ids, index names, Splunk bucket ids) is fixed, made-up text.
"""

import csv
import datetime
import io
import json
import os
import sys
from xml.sax.saxutils import escape, quoteattr

NS = "http://schemas.microsoft.com/win/2004/08/events/event"


def text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def element(name, value):
    """One element of the evtx JSON shape as XML."""
    if isinstance(value, list):
        return "".join(element(name, v) for v in value)
    if isinstance(value, dict):
        attrs = value.get("#attributes", {})
        attr_text = "".join(f" {k}={quoteattr(text(v))}" for k, v in attrs.items())
        children = [(k, v) for k, v in value.items() if k not in ("#attributes", "#text")]
        inner = escape(text(value.get("#text"))) + "".join(element(k, v) for k, v in children)
        return f"<{name}{attr_text}>{inner}</{name}>" if inner else f"<{name}{attr_text}/>"
    if value is None:
        return f"<{name}/>"
    return f"<{name}>{escape(text(value))}</{name}>"


def event_data_xml(data):
    items = "".join(
        f"<Data Name={quoteattr(k)}>{escape(text(v))}</Data>" if v is not None else f"<Data Name={quoteattr(k)}/>"
        for k, v in data.items()
    )
    return f'<EventData xmlns="{NS}">{items}</EventData>'


def system(event):
    return event["Event"]["System"]


def provider(event):
    return system(event)["Provider"]["#attributes"]["Name"]


def time_created(event):
    return system(event)["TimeCreated"]["#attributes"]["SystemTime"]


def parse_time(stamp):
    # `2021-06-03T12:17:56.9882215Z`: Python takes at most 6 fraction digits.
    head, _, frac = stamp.rstrip("Z").partition(".")
    frac = (frac + "000000")[:6]
    return datetime.datetime.strptime(f"{head}.{frac}", "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc
    )


def iso_ms(stamp):
    return parse_time(stamp).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def portal_time(stamp):
    t = parse_time(stamp)
    hour = t.hour % 12 or 12
    meridiem = "AM" if t.hour < 12 else "PM"
    return f"{t.month}/{t.day}/{t.year}, {hour}:{t.minute:02}:{t.second:02}.{t.microsecond // 1000:03} {meridiem}"


def splunk_xml(event):
    """The event's XML as Splunk's Windows input stores it."""
    e = event["Event"]
    body = element("System", e["System"])
    data = e.get("EventData") or {}
    if data or "UserData" not in e:
        items = "".join(
            f"<Data Name={quoteattr(k)}>{escape(text(v))}</Data>" if v is not None else f"<Data Name={quoteattr(k)}/>"
            for k, v in data.items()
        )
        body += f"<EventData>{items}</EventData>" if items else "<EventData/>"
    if "UserData" in e:
        body += element("UserData", e["UserData"])
    s = e["System"]
    rendering = (
        "<RenderingInfo Culture='en-US'><Message></Message>"
        f"<Level>Information</Level><Task></Task><Opcode>Info</Opcode>"
        f"<Channel>{escape(text(s.get('Channel')))}</Channel><Provider></Provider>"
        "<Keywords><Keyword>Audit Success</Keyword></Keywords></RenderingInfo>"
    )
    return f"<Event xmlns='{NS}'>{body}{rendering}</Event>"


def splunk_result(event, i):
    s = system(event)
    return {
        "_bkt": "wineventlog~12~6F1C2C1D-8E0A-4B5E-9A4E-0C7D0B9E1A22",
        "_cd": f"12:{1000 + i}",
        "_indextime": "1700000000",
        "_raw": splunk_xml(event),
        "_serial": str(i),
        "_si": ["idx1", "wineventlog"],
        "_sourcetype": "XmlWinEventLog",
        "_time": iso_ms(time_created(event)).replace("Z", "+00:00"),
        "host": text(s.get("Computer")),
        "index": "wineventlog",
        "linecount": "1",
        "source": f"XmlWinEventLog:{text(s.get('Channel'))}",
        "sourcetype": "XmlWinEventLog",
        "splunk_server": "idx1",
    }


def sentinel_row(event):
    e = event["Event"]
    s = e["System"]
    channel = text(s.get("Channel"))
    data = e.get("EventData") or {}
    if "UserData" in e:
        event_data = element("UserData", e["UserData"])
    else:
        event_data = event_data_xml(data)
    common = {
        "TenantId": "3f2a6c1e-0000-4000-8000-000000000001",
        "SourceSystem": "OpsManager",
        "TimeGenerated": iso_ms(time_created(event)),
        "Computer": text(s.get("Computer")),
        "EventID": int(text(s.get("EventID"))),
        "MG": "00000000-0000-0000-0000-000000000001",
        "ManagementGroupName": "AOI-3f2a6c1e-0000-4000-8000-000000000001",
        "_ResourceId": "/subscriptions/0000/resourcegroups/soc/providers/microsoft.compute/virtualmachines/host",
    }
    if channel == "Security":
        row = dict(common)
        row.update(
            {
                "Account": f"{text(data.get('SubjectDomainName'))}\\{text(data.get('SubjectUserName'))}",
                "AccountType": "User",
                "EventSourceName": provider(event),
                "Channel": channel,
                "Task": int(text(s.get("Task")) or 0),
                "Level": text(s.get("Level")),
                "EventData": event_data,
                "Activity": f"{text(s.get('EventID'))} - ",
                "Type": "SecurityEvent",
            }
        )
        # SecurityEvent flattens EventData into columns named as Windows names them.
        for k, v in data.items():
            row[k] = text(v)
        return row
    row = dict(common)
    row.update(
        {
            "Source": provider(event),
            "EventLog": channel,
            "EventLevel": int(text(s.get("Level")) or 0),
            "EventLevelName": "Information",
            "EventData": f'<DataItem type="System.XmlData" time="{iso_ms(time_created(event))}" '
            f'sourceHealthServiceId="00000000-0000-0000-0000-000000000002">{event_data}</DataItem>',
            "EventCategory": 0,
            "UserName": "NT AUTHORITY\\SYSTEM",
            "RenderedDescription": "",
            "AzureDeploymentID": "",
            "Role": "",
            "Type": "Event",
        }
    )
    return row


def winlogbeat(event, i):
    e = event["Event"]
    s = e["System"]
    data = {k: text(v) for k, v in (e.get("EventData") or {}).items() if v is not None}
    winlog = {
        "api": "wineventlog",
        "channel": text(s.get("Channel")),
        "computer_name": text(s.get("Computer")),
        "event_id": text(s.get("EventID")),
        "provider_name": provider(event),
        "record_id": text(s.get("EventRecordID")),
    }
    if data:
        winlog["event_data"] = data
    if "UserData" in e:
        (name, user_data), = e["UserData"].items()
        winlog["user_data"] = {k: text(v) for k, v in user_data.items() if k != "#attributes"}
    return {
        "@timestamp": iso_ms(time_created(event)),
        "agent": {"type": "winlogbeat", "version": "8.13.2"},
        "ecs": {"version": "8.0.0"},
        "event": {"code": text(s.get("EventID")), "kind": "event", "provider": provider(event)},
        "host": {"name": text(s.get("Computer"))},
        "winlog": winlog,
    }


def csv_text(rows, header):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: row.get(k, "") for k in header})
    return out.getvalue()


def main():
    name, out_dir = sys.argv[1], sys.argv[2]
    events = [json.loads(line)["original"] for line in sys.stdin if line.strip()]
    os.makedirs(out_dir, exist_ok=True)

    def write(suffix, content):
        with open(os.path.join(out_dir, f"{name}.{suffix}"), "w", newline="") as f:
            f.write(content)

    results = [splunk_result(e, i) for i, e in enumerate(events)]
    write("splunk.xml", "".join(r["_raw"] + "\n" for r in results))
    lines = []
    for i, r in enumerate(results):
        line = {"preview": False, "offset": i, "result": r}
        if i == len(results) - 1:
            line["lastrow"] = True
        lines.append(json.dumps(line) + "\n")
    write("splunk.json", "".join(lines))
    write("splunk-array.json", json.dumps(results, indent=2) + "\n")
    write("splunk.csv", csv_text(results, ["_raw", "_time", "host", "index", "source", "sourcetype", "splunk_server"]))

    rows = [sentinel_row(e) for e in events]
    write("sentinel.json", json.dumps(rows, indent=2) + "\n")
    header = []
    for row in rows:
        header.extend(k for k in row if k not in header)
    portal = []
    for row in rows:
        row = dict(row)
        row["TimeGenerated [UTC]"] = portal_time(row.pop("TimeGenerated"))
        portal.append(row)
    header = ["TimeGenerated [UTC]" if k == "TimeGenerated" else k for k in header]
    write("sentinel.csv", "\ufeff" + csv_text(portal, header))

    docs = [winlogbeat(e, i) for i, e in enumerate(events)]
    write(
        "elastic.ndjson",
        "".join(
            json.dumps({"_index": "winlogbeat-8.13.2-2024.05.02", "_id": f"doc{i}", "_score": 1.0, "_source": d}) + "\n"
            for i, d in enumerate(docs)
        ),
    )
    write("elastic-source.ndjson", "".join(json.dumps(d) + "\n" for d in docs))


if __name__ == "__main__":
    main()

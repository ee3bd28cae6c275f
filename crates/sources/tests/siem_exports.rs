//! SIEM export readers on their own: detection from content of every
//! shape, record accounting with bad records located by line and saying
//! why, and gzip around them. (The twin test in the binary's tests checks
//! that real events read from each shape raise what their EVTX raises.)

use crate::common;

use std::path::{Path, PathBuf};

use common::{gzip, split, text, write};
use tunnelhunt_sources::detect::detect;
use tunnelhunt_sources::siem_export::SiemExportError;
use tunnelhunt_sources::{Format, ReadErrorKind, Record, open};

const XML: &str = "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>\
<Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID><Channel>Microsoft-Windows-Sysmon/Operational</Channel>\
<Computer>pc1</Computer><TimeCreated SystemTime='2019-02-16T10:21:37.671Z'/></System><EventData>\
<Data Name='CommandLine'>plink.exe -R 127.0.0.3:4444:127.0.0.2:3389 10.0.2.18</Data></EventData></Event>";

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("th-siem-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn splunk_line(raw: &str) -> String {
    serde_json::json!({"preview": false, "result": {"_raw": raw, "_time": "2019-02-16T10:21:37.671+00:00", "host": "pc1"}})
        .to_string()
}

fn read(path: &Path, format: Format) -> (Vec<Record>, Vec<tunnelhunt_sources::ReadError>) {
    let reader = open(path).unwrap();
    assert_eq!(reader.format(), format, "{}", path.display());
    split(reader)
}

#[test]
fn every_shape_is_detected_from_its_content() {
    let splunk_array = format!(
        "[\n  {{\n    \"_raw\": {},\n    \"_time\": \"x\"\n  }}\n]\n",
        serde_json::to_string(XML).unwrap()
    );
    let splunk_results = format!(
        "{{\"preview\":false,\"init_offset\":0,\"messages\":[],\"results\":[{{\"_raw\":{}}}]}}",
        serde_json::to_string(XML).unwrap()
    );
    let cases: Vec<(String, Format)> = vec![
        (splunk_line(XML) + "\n", Format::SplunkJson),
        (splunk_array, Format::SplunkJson),
        (splunk_results, Format::SplunkJson),
        (
            format!("\"_raw\",\"_time\",host\n\"{}\",x,pc1\n", XML.replace('"', "\"\"")),
            Format::SplunkCsv,
        ),
        (format!("{XML}\n"), Format::XmlEvents),
        (
            "[{\"TimeGenerated\":\"2021-06-03T14:28:37.512Z\",\"Computer\":\"fs01\",\"EventID\":4688,\
              \"Channel\":\"Security\",\"Type\":\"SecurityEvent\"}]"
                .to_owned(),
            Format::SentinelJson,
        ),
        (
            "\u{feff}TenantId,\"TimeGenerated [UTC]\",Computer,EventID,EventLog,EventData\n".to_owned(),
            Format::SentinelCsv,
        ),
        (
            "{\"_index\":\"winlogbeat-8\",\"_id\":\"1\",\"_source\":{\"winlog\":{\"channel\":\"Security\"}}}\n"
                .to_owned(),
            Format::Ecs,
        ),
    ];
    for (head, format) in cases {
        assert_eq!(detect(head.as_bytes()), Ok(format), "{head}");
    }
}

#[test]
fn splunk_json_records_are_accounted_for_line_by_line() {
    let classic = "12/11/2020 12:28:01 PM\nLogName=Security\nEventCode=4688\nMessage=A new process";
    let lines = [
        splunk_line(XML),
        "{\"preview\":false,\"result\":{\"_raw\":".to_owned(),
        splunk_line(classic),
        "{\"preview\":false,\"messages\":[{\"type\":\"INFO\",\"text\":\"done\"}]}".to_owned(),
        splunk_line("<Event><System><EventID>1</EventID></Event>"),
        "[1]".to_owned(),
        splunk_line(XML),
    ];
    let path = write(
        &scratch(),
        "export.json",
        (lines.join("\n") + "\n").as_bytes(),
    );
    let (events, errors) = read(&path, Format::SplunkJson);
    let lines_of = |records: &[Record]| -> Vec<u64> {
        records.iter().map(|r| r.origin.line().unwrap()).collect()
    };
    assert_eq!(lines_of(&events), vec![1, 7]);
    assert_eq!(events[0].origin.format, Format::SplunkJson);
    assert_eq!(
        text(&events[0].event, "CommandLine").as_deref(),
        Some("plink.exe -R 127.0.0.3:4444:127.0.0.2:3389 10.0.2.18")
    );
    let found: Vec<(u64, String)> = errors
        .iter()
        .map(|e| (e.line, e.kind.to_string()))
        .collect();
    assert_eq!(found.len(), 5, "{found:#?}");
    assert_eq!(found[0].0, 2);
    assert!(matches!(
        errors[1].kind,
        ReadErrorKind::SiemExport(SiemExportError::ClassicWinEventLog)
    ));
    assert!(matches!(
        errors[2].kind,
        ReadErrorKind::SiemExport(SiemExportError::NoRaw)
    ));
    assert!(
        found[3].1.contains("in `_raw`: malformed XML"),
        "{}",
        found[3].1
    );
    assert!(found[4].1.contains("not a JSON object"), "{}", found[4].1);
    assert_eq!(
        found.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
        vec![2, 3, 4, 5, 6]
    );
}

#[test]
fn sentinel_csv_bad_rows_are_located() {
    let csv = "\u{feff}\"TimeGenerated [UTC]\",Computer,EventID,Channel,EventSourceName,EventData,CommandLine,Type\r\n\
        \"6/3/2021, 2:28:37.512 PM\",fs01,4688,Security,Microsoft-Windows-Security-Auditing,,\"netsh interface portproxy add v4tov4 listenport=8001\",SecurityEvent\r\n\
        \"6/3/2021, 2:28:38.000 PM\",fs01,4688,Security\r\n\
        \"6/3/2021, 2:28:39.000 PM\",fs01,4688,Security,Microsoft-Windows-Security-Auditing,\"<EventData><Data Name=\"\"A\"\">x</EventData>\",,SecurityEvent\r\n\
        \"6/3/2021, 2:28:40.000 PM\",fs01,,Security,Microsoft-Windows-Security-Auditing,,,SecurityEvent\r\n\
        \"6/3/2021, 2:28:41.000 PM\",wks,1,Microsoft-Windows-Sysmon/Operational,Microsoft-Windows-Sysmon,,\"ssh -N -L 8080:10.0.0.5:3389 a@b\",Event\r\n";
    let dir = scratch();
    for (name, bytes) in [
        ("rows.csv", csv.as_bytes().to_vec()),
        ("rows.csv.gz", gzip(csv.as_bytes())),
    ] {
        let path = write(&dir, name, &bytes);
        let (events, errors) = read(&path, Format::SentinelCsv);
        let lines: Vec<u64> = events.iter().map(|r| r.origin.line().unwrap()).collect();
        assert_eq!(lines, vec![2, 6], "{name}");
        assert_eq!(
            text(&events[0].event, "CommandLine").as_deref(),
            Some("netsh interface portproxy add v4tov4 listenport=8001")
        );
        assert_eq!(
            events[0].event.timestamp().as_deref(),
            Some("2021-06-03T14:28:37.512Z")
        );
        assert_eq!(events[1].event.host(), Some("wks"));
        let found: Vec<(u64, String)> = errors
            .iter()
            .map(|e| (e.line, e.kind.to_string()))
            .collect();
        assert_eq!(
            found[0],
            (3, "CSV row has 4 fields where the header has 8".to_owned())
        );
        assert_eq!(found[1].0, 4);
        assert!(
            found[1].1.starts_with("in `EventData`: malformed XML"),
            "{}",
            found[1].1
        );
        assert_eq!(
            found[2],
            (5, "a Log Analytics row without `EventID`".to_owned())
        );
        assert_eq!(found.len(), 3);
    }
}

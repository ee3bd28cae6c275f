//! Windows Defender's EventData names have spaces (`Threat Name`, `Source
//! Name`, `Process Name`); SigmaHQ writes them without (`ThreatName`). Both
//! spellings must reach the same value in every reader of Windows events:
//! EVTX (real 1116/1117 records from the corpus, with and without the
//! scan's projection), evtx-JSON, XML (a 1119 event, `fixtures/xml/
//! defender-1119.xml`, written by hand after the real 1116 record's layout
//! and Microsoft's documented 1119 fields) and Winlogbeat ECS.

use crate::common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{compile_bodies, split, text};
use tunnelhunt_engine::{Event, Matcher};
use tunnelhunt_sources::json::EvtxProjection;
use tunnelhunt_sources::{Format, Record, open};

/// SigmaHQ's RedSun rule (`win_defender_exploit_redsun_tiering_engine_
/// detected_as_eicar.yml`), its logsource and detection as published.
const REDSUN: &str = r"logsource:
    product: windows
    service: windefend
detection:
    selection_eid:
        EventID: 1119
        SourceName: 'Real-Time Protection'
    selection_susp_path:
        Path|endswith: '\TieringEngineService.exe'
        ThreatName|endswith: 'EICAR_Test_File'
    selection_susp_process:
        ProcessName|endswith: '\RedSun.exe'
    condition: selection_eid and 1 of selection_susp_*";

/// The same rule with the names as Windows writes them.
const REDSUN_SPACED: &str = r"logsource:
    product: windows
    service: windefend
detection:
    selection:
        EventID: 1119
        Source Name: 'Real-Time Protection'
        Threat Name|endswith: 'EICAR_Test_File'
        Process Name|endswith: '\RedSun.exe'
    condition: selection";

fn matcher() -> Matcher {
    compile_bodies(&[("redsun", REDSUN), ("redsun_spaced", REDSUN_SPACED)])
}

fn matches(matcher: &Matcher, event: &dyn Event) -> Vec<usize> {
    let mut scratch = matcher.scratch();
    let mut ids = Vec::new();
    matcher.matches(event, &mut scratch, &mut ids);
    ids
}

fn projection() -> Arc<EvtxProjection> {
    Arc::new(EvtxProjection::new([
        "ThreatName",
        "SourceName",
        "ProcessName",
        "Path",
    ]))
}

/// Every spelling of the Defender fields gives the value Windows wrote.
fn assert_both_spellings(event: &dyn Event, threat: &str) {
    for (spaced, sigma) in [
        ("Threat Name", "ThreatName"),
        ("Source Name", "SourceName"),
        ("Process Name", "ProcessName"),
    ] {
        assert!(text(event, spaced).is_some(), "{spaced}");
        assert_eq!(text(event, spaced), text(event, sigma), "{sigma}");
    }
    assert_eq!(text(event, "ThreatName").as_deref(), Some(threat));
    assert_eq!(text(event, "Threat"), None, "a prefix is another name");
}

fn xml_1119() -> Record {
    let reader = open(&common::fixture("xml/defender-1119.xml")).unwrap();
    assert_eq!(reader.format(), Format::XmlEvents);
    let (mut records, errors) = split(reader);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(records.len(), 1);
    records.remove(0)
}

#[test]
fn xml_1119_answers_to_both_spellings_and_sigmahq_redsun_fires() {
    let record = xml_1119();
    assert_both_spellings(&record.event, "Virus:DOS/EICAR_Test_File");
    assert_eq!(matches(&matcher(), &record.event), vec![0, 1]);
}

#[test]
fn evtx_json_with_and_without_projection() {
    let record = xml_1119();
    let tunnelhunt_sources::AnyEvent::EvtxJson(event) = &record.event else {
        panic!("XML events are in the evtx shape");
    };
    let dir = std::env::temp_dir().join(format!("th-defender-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let line = format!("{}\n", event.to_json());
    let path = common::write(&dir, "defender.jsonl", line.as_bytes());
    for projected in [false, true] {
        let mut reader = open(&path).unwrap();
        assert_eq!(reader.format(), Format::EvtxJson);
        if projected {
            reader.set_projection(projection());
        }
        let (records, errors) = split(reader);
        assert!(errors.is_empty(), "{errors:?}");
        assert_both_spellings(&records[0].event, "Virus:DOS/EICAR_Test_File");
        assert_eq!(
            matches(&matcher(), &records[0].event),
            vec![0, 1],
            "{projected}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn winlogbeat_event_data_answers_to_both_spellings() {
    let doc = serde_json::json!({
        "@timestamp": "2026-05-14T09:12:45.021Z",
        "event": {"code": "1119", "provider": "Microsoft-Windows-Windows Defender"},
        "winlog": {
            "channel": "Microsoft-Windows-Windows Defender/Operational",
            "provider_name": "Microsoft-Windows-Windows Defender",
            "event_id": "1119",
            "computer_name": "WKS7.corp.example",
            "event_data": {
                "Threat Name": "Virus:DOS/EICAR_Test_File",
                "Source Name": "Real-Time Protection",
                "Process Name": "C:\\Users\\bob\\Downloads\\RedSun.exe",
                "Path": "file:_C:\\Temp\\RS-1\\TieringEngineService.exe"
            }
        }
    });
    let event = tunnelhunt_sources::ecs::EcsEvent::from_value(doc).unwrap();
    assert_both_spellings(&event, "Virus:DOS/EICAR_Test_File");
    assert_eq!(matches(&matcher(), &event), vec![0, 1]);
}

/// Real Defender detections (mimikatz, 1116 and 1117) read from EVTX.
#[test]
fn real_evtx_1116_1117_answer_to_both_spellings() {
    let Some(samples) = common::corpus("evtx-samples") else {
        return;
    };
    let files: [PathBuf; 2] = [
        samples.join("EVTX-to-MITRE-Attack/Antivirus/ID1116-1117-Defender threat detected.evtx"),
        samples.join(
            "EVTX-ATTACK-SAMPLES/AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx",
        ),
    ];
    let rule = r"logsource:
    product: windows
    service: windefend
detection:
    selection:
        EventID: [1116, 1117]
        SourceName|exists: true
        ThreatName|contains: ':'
        ProcessName|exists: true
    condition: selection";
    let matcher = compile_bodies(&[("defender_threat_names", rule)]);
    for file in &files {
        for projected in [false, true] {
            let mut reader = open(file).unwrap();
            assert_eq!(reader.format(), Format::Evtx);
            if projected {
                reader.set_projection(projection());
            }
            let (records, errors) = split(reader);
            assert!(errors.is_empty(), "{}: {errors:?}", file.display());
            let detections: Vec<&Record> = records
                .iter()
                .filter(|r| matches!(r.event.kind().event_id, Some(1116 | 1117)))
                .collect();
            assert!(!detections.is_empty(), "{}", file.display());
            for record in detections {
                let threat = text(&record.event, "Threat Name").unwrap();
                assert_both_spellings(&record.event, &threat);
                assert_eq!(
                    matches(&matcher, &record.event),
                    vec![0],
                    "{}",
                    file.display()
                );
            }
        }
    }
}

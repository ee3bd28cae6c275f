//! The derived DNS query-name fields (`sources::dns_name`) through `open`,
//! for every reader that produces DNS events: Zeek dns.log, Sysmon
//! EventID 22 as evtx-JSON and XML, Winlogbeat ECS and Defender
//! DeviceEvents. Each format's query name for the same query gives the
//! same figures, and an evtx projection that asks only for a derived field
//! still keeps the query name it is computed from.

use std::path::Path;
use std::sync::Arc;

use tunnelhunt_engine::{Event, FieldValue, Lookup};
use tunnelhunt_sources::json::EvtxProjection;
use tunnelhunt_sources::{Record, open};

const NAME: &str = "MZXW6YTBOI.abcdef.T.Tunnel.Example.co.uk";

fn records(dir: &Path, file: &str, text: &str, projection: Option<&[&str]>) -> Vec<Record> {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    let mut reader = open(&path).unwrap_or_else(|e| panic!("{file}: {e}"));
    if let Some(fields) = projection {
        reader.set_projection(Arc::new(EvtxProjection::new(fields.iter().copied())));
    }
    reader.map(|r| r.unwrap()).collect()
}

fn zeek_tsv(name: &str) -> String {
    format!(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n\
         #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tqtype_name\n\
         #types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\n\
         1700000000.000000\tC1\t10.0.0.5\t53000\t10.0.0.53\t53\tudp\t{name}.\tTXT\n"
    )
}

fn sysmon_json(name: &str) -> String {
    format!(
        r##"{{"Event":{{"System":{{"Provider":{{"#attributes":{{"Name":"Microsoft-Windows-Sysmon"}}}},"EventID":22,"Channel":"Microsoft-Windows-Sysmon/Operational","Computer":"wks1","EventRecordID":7,"TimeCreated":{{"#attributes":{{"SystemTime":"2026-11-20T09:00:00.000000Z"}}}}}},"EventData":{{"QueryName":"{name}","Image":"C:\\x.exe","QueryResults":"-"}}}}}}"##
    ) + "\n"
}

fn sysmon_xml(name: &str) -> String {
    format!(
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>22</EventID><TimeCreated SystemTime='2026-11-20T09:00:00.0000000Z'/><EventRecordID>7</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel><Computer>wks1</Computer></System><EventData><Data Name='QueryName'>{name}</Data><Data Name='Image'>C:\\x.exe</Data></EventData></Event>\n"
    )
}

fn ecs(name: &str) -> String {
    format!(
        r#"{{"@timestamp":"2026-11-20T09:00:00.000Z","ecs":{{"version":"8.0.0"}},"event":{{"category":["network"],"kind":"event","module":"network_traffic","dataset":"network_traffic.dns"}},"host":{{"name":"wks1"}},"dns":{{"question":{{"name":"{name}","type":"TXT"}}}},"source":{{"ip":"10.0.0.5"}}}}"#
    ) + "\n"
}

fn mde(name: &str) -> String {
    format!(
        r#"{{"Timestamp":"2024-05-02T09:31:52.4410032Z","DeviceId":"3f6c","DeviceName":"wks1","ActionType":"DnsQueryResponse","FileName":"","FolderPath":"","AccountDomain":"","AccountName":"","RemoteUrl":"","RegistryKey":"","RegistryValueName":"","RegistryValueData":"","AdditionalFields":"{{\"DnsQueryString\":\"{name}\",\"DnsQueryType\":16}}","InitiatingProcessFileName":"x.exe","InitiatingProcessFolderPath":"c:\\x.exe","InitiatingProcessCommandLine":"x.exe","ReportId":1}}"#
    ) + "\n"
}

fn int(n: i64) -> Lookup<'static> {
    Lookup::One(FieldValue::Int(n))
}

fn text(s: &str) -> Lookup<'static> {
    Lookup::One(FieldValue::Str(s.to_owned().into()))
}

fn assert_figures(what: &str, event: &dyn Event) {
    assert_eq!(
        event.field("QueryRegisteredDomain"),
        text("example.co.uk"),
        "{what}"
    );
    assert_eq!(
        event.field("QuerySubdomain"),
        text("mzxw6ytboi.abcdef.t.tunnel"),
        "{what}"
    );
    assert_eq!(event.field("QuerySubdomainLength"), int(26), "{what}");
    assert_eq!(event.field("QueryLongestLabelLength"), int(10), "{what}");
    assert_eq!(event.field("QueryLabelCount"), int(7), "{what}");
    let Lookup::One(FieldValue::Float(entropy)) = event.field("QuerySubdomainEntropy") else {
        panic!("{what}: entropy is not a float");
    };
    assert!((3.0..4.5).contains(&entropy), "{what}: {entropy}");
}

#[test]
fn every_dns_reader_answers_the_derived_fields() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = [
        ("dns.log", zeek_tsv(NAME)),
        ("sysmon.jsonl", sysmon_json(NAME)),
        ("sysmon.xml", sysmon_xml(NAME)),
        ("ecs.jsonl", ecs(NAME)),
        ("DeviceEvents.jsonl", mde(NAME)),
    ];
    for (file, body) in &inputs {
        let read = records(dir.path(), file, body, None);
        assert_eq!(read.len(), 1, "{file}");
        assert_figures(file, &read[0].event);
    }
}

#[test]
fn a_projection_asking_only_for_a_derived_field_keeps_the_query_name() {
    let dir = tempfile::tempdir().unwrap();
    let only = ["QuerySubdomainEntropy", "QueryLabelCount"];
    // Of the DNS readers, only evtx-JSON (and EVTX) project.
    let read = records(dir.path(), "sysmon.jsonl", &sysmon_json(NAME), Some(&only));
    assert_eq!(read[0].event.field("QueryLabelCount"), int(7));
    assert!(read[0].event.field("Image").is_absent());
}

#[test]
fn events_without_a_query_name_have_no_derived_fields() {
    let dir = tempfile::tempdir().unwrap();
    let conn = "{\"_path\":\"conn\",\"ts\":1700000000.0,\"id.orig_h\":\"10.0.0.5\",\"conn_state\":\"SF\"}\n";
    let read = records(dir.path(), "conn.json", conn, None);
    assert!(read[0].event.field("QuerySubdomain").is_absent());
    assert!(read[0].event.field("QueryLabelCount").is_absent());
}

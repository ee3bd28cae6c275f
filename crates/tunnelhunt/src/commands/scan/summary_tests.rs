//! Unit tests of the scan summary: counting and rendering.

use super::*;

use std::path::Path;
use std::sync::Arc;

use tunnelhunt_sources::json::EvtxJsonEvent;
use tunnelhunt_sources::{AnyEvent, Origin};

fn record_on(host: &str) -> Record {
    let doc = serde_json::json!({"Event": {"System": {"EventID": 1, "Computer": host},
                                           "EventData": {"Image": "x.exe"}}});
    Record {
        origin: Origin::at_line(Arc::from(Path::new("x.jsonl")), 1, Format::EvtxJson),
        event: AnyEvent::EvtxJson(EvtxJsonEvent::from_value(doc).unwrap()),
    }
}

#[test]
fn hosts_are_counted_up_to_a_bound() {
    let mut hosts = HostCounts::default();
    for i in 0..MAX_HOSTS + 3 {
        hosts.add(Some(&format!("h{i}")), 1);
    }
    hosts.add(Some("h0"), 4);
    hosts.add(None, 2);
    assert_eq!(hosts.by_name.len(), MAX_HOSTS);
    assert_eq!((hosts.not_listed, hosts.without_host), (3, 2));
    assert_eq!(hosts.ranked()[0], ("h0", 5));
}

#[test]
fn merging_keeps_the_first_locations_in_order() {
    let mut total = Tally::new(2);
    for unit in 0..4 {
        let mut tally = Tally::new(2);
        tally.file_read(Format::EvtxJson, 10);
        for record in 0..3 {
            tally.unparseable(Format::EvtxJson, format!("u{unit}r{record}"));
        }
        tally.format(Format::EvtxJson).records += 2;
        tally.format(Format::EvtxJson).events += 2;
        tally.count_alert(&record_on(&format!("wks{}", unit % 2)), 1);
        total.merge(tally);
    }
    let s = &total.formats["evtx-json"];
    assert_eq!((s.files, s.bytes, s.records, s.events), (4, 40, 20, 8));
    assert_eq!(s.records, s.events + s.unparseable);
    assert_eq!(
        s.first_unparseable,
        ["u0r0", "u0r1", "u0r2", "u1r0", "u1r1"]
    );
    assert_eq!(total.alerts, [0, 4]);
    assert_eq!(total.hosts.ranked(), [("wks0", 2), ("wks1", 2)]);
    assert!(total.has_input_errors());
}

#[test]
fn duplicate_keys_are_counted_with_their_first_places_not_as_errors() {
    let mut total = Tally::new(1);
    for unit in 0..3 {
        let mut tally = Tally::new(1);
        for record in 0..2 {
            tally.duplicate_keys(Format::Ecs, format!("u{unit}r{record}"));
        }
        total.merge(tally);
    }
    let s = &total.formats[Format::Ecs.as_str()];
    assert_eq!(s.duplicate_keys, 6);
    assert_eq!(
        s.first_duplicate_keys,
        ["u0r0", "u0r1", "u1r0", "u1r1", "u2r0"]
    );
    assert_eq!(total.totals().duplicate_keys, 6);
    assert!(!total.has_input_errors());
}

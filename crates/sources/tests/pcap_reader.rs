//! The packet-capture reader on hand-built captures: every container
//! (pcap in both byte orders and both timestamp precisions, pcapng of
//! either byte order), every link layer it decodes, the events of each
//! protocol, and damage (cut files, impossible lengths, fragments, snap
//! length cuts, malformed DNS), through `open` as a scan reads them.

use std::io::Write;
use std::net::Ipv4Addr;

use etherparse::PacketBuilder;
use serde_json::{Value, json};
use tunnelhunt_engine::Event;
use tunnelhunt_sources::pcap::{Limits, PcapReader};
use tunnelhunt_sources::{Format, Position, ReadErrorKind, Record, open};

const CLIENT: [u8; 4] = [192, 168, 100, 121];
const SERVER: [u8; 4] = [192, 168, 100, 2];

/// A DNS message: id, flags, one question, answers of (type, rdata).
fn dns_message(id: u16, flags: u16, name: &str, qtype: u16, answers: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut m = id.to_be_bytes().to_vec();
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
    for (kind, rdata) in answers {
        m.extend_from_slice(&[0xc0, 0x0c]);
        m.extend_from_slice(&kind.to_be_bytes());
        m.extend_from_slice(&[0, 1, 0, 0, 0x0e, 0x10]);
        m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(rdata);
    }
    m
}

fn txt(text: &str) -> Vec<u8> {
    let mut r = vec![text.len() as u8];
    r.extend_from_slice(text.as_bytes());
    r
}

fn udp(from_client: bool, client_port: u16, payload: &[u8]) -> Vec<u8> {
    let (src, dst, sp, dp) = if from_client {
        (CLIENT, SERVER, client_port, 53)
    } else {
        (SERVER, CLIENT, 53, client_port)
    };
    let builder = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(src, dst, 64)
        .udp(sp, dp);
    let mut out = Vec::new();
    builder.write(&mut out, payload).unwrap();
    out
}

/// A TCP segment between CLIENT:port and SERVER:server_port.
fn tcp(
    from_client: bool,
    port: u16,
    server_port: u16,
    seq: u32,
    flags: &str,
    payload: &[u8],
) -> Vec<u8> {
    let (src, dst, sp, dp) = if from_client {
        (CLIENT, SERVER, port, server_port)
    } else {
        (SERVER, CLIENT, server_port, port)
    };
    let mut builder = PacketBuilder::ethernet2([1; 6], [2; 6])
        .ipv4(src, dst, 64)
        .tcp(sp, dp, seq, 64240);
    for flag in flags.chars() {
        builder = match flag {
            'S' => builder.syn(),
            'A' => builder.ack(1),
            'F' => builder.fin(),
            'R' => builder.rst(),
            _ => builder,
        };
    }
    let mut out = Vec::new();
    builder.write(&mut out, payload).unwrap();
    out
}

/// A pcap file: (seconds, bytes) per packet.
fn pcap(big_endian: bool, nanos: bool, linktype: u32, packets: &[(f64, Vec<u8>)]) -> Vec<u8> {
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut f = u32b(if nanos { 0xa1b2_3c4d } else { 0xa1b2_c3d4 }).to_vec();
    f.extend_from_slice(&u16b(2));
    f.extend_from_slice(&u16b(4));
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&u32b(262_144));
    f.extend_from_slice(&u32b(linktype));
    for (ts, data) in packets {
        let frac = if nanos { 1e9 } else { 1e6 };
        f.extend_from_slice(&u32b(ts.trunc() as u32));
        f.extend_from_slice(&u32b((ts.fract() * frac).round() as u32));
        f.extend_from_slice(&u32b(data.len() as u32));
        f.extend_from_slice(&u32b(data.len() as u32));
        f.extend_from_slice(data);
    }
    f
}

/// A pcapng file with one interface (microseconds) of `linktype`.
fn pcapng(big_endian: bool, linktype: u16, packets: &[(f64, Vec<u8>)]) -> Vec<u8> {
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let block = |kind: u32, body: &[u8]| {
        let mut body = body.to_vec();
        while !body.len().is_multiple_of(4) {
            body.push(0);
        }
        let len = (body.len() + 12) as u32;
        let mut b = u32b(kind).to_vec();
        b.extend_from_slice(&u32b(len));
        b.extend_from_slice(&body);
        b.extend_from_slice(&u32b(len));
        b
    };
    let mut shb = u32b(0x1a2b_3c4d).to_vec();
    shb.extend_from_slice(&u16b(1));
    shb.extend_from_slice(&u16b(0));
    shb.extend_from_slice(&[0xff; 8]);
    let mut f = block(0x0a0d_0d0a, &shb);
    let mut idb = u16b(linktype).to_vec();
    idb.extend_from_slice(&[0, 0]);
    idb.extend_from_slice(&u32b(0));
    f.extend(block(1, &idb));
    for (ts, data) in packets {
        let micros = (ts * 1e6).round() as u64;
        let mut epb = u32b(0).to_vec();
        epb.extend_from_slice(&u32b((micros >> 32) as u32));
        epb.extend_from_slice(&u32b(micros as u32));
        epb.extend_from_slice(&u32b(data.len() as u32));
        epb.extend_from_slice(&u32b(data.len() as u32));
        epb.extend_from_slice(data);
        f.extend(block(6, &epb));
    }
    f
}

fn read(name: &str, bytes: &[u8]) -> (Format, Vec<Record>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    let reader = open(&path).unwrap();
    let format = reader.format();
    let mut records = Vec::new();
    let mut errors = Vec::new();
    for item in reader {
        match item {
            Ok(record) => records.push(record),
            Err(e) => {
                assert!(matches!(e.kind, ReadErrorKind::Pcap(_)), "{e}");
                errors.push(e.to_string());
            }
        }
    }
    (format, records, errors)
}

fn service(record: &Record) -> &str {
    record.event.kind().service.unwrap_or("")
}

fn of<'a>(records: &'a [Record], log: &str) -> Vec<&'a Record> {
    records.iter().filter(|r| service(r) == log).collect()
}

fn json_of(record: &Record) -> Value {
    record.event.to_json()
}

/// A TXT query and its response, and an unanswered A query.
fn dns_exchange() -> Vec<(f64, Vec<u8>)> {
    let query = dns_message(2, 0x0100, "l.1.ns.example", 16, &[]);
    let response = dns_message(2, 0x8180, "l.1.ns.example", 16, &[(16, txt("@JF9ucyA9@"))]);
    let lonely = dns_message(7, 0x0100, "a.example", 1, &[]);
    vec![
        (1_591_425_408.25, udp(true, 63409, &query)),
        (1_591_425_408.5, udp(false, 63409, &response)),
        (1_591_425_409.0, udp(true, 63410, &lonely)),
    ]
}

#[test]
fn every_container_reads_the_same_dns_and_conn_events() {
    let packets = dns_exchange();
    let files = [
        ("le.pcap", pcap(false, false, 1, &packets), Format::Pcap),
        ("be.pcap", pcap(true, false, 1, &packets), Format::Pcap),
        ("ns.pcap", pcap(false, true, 1, &packets), Format::Pcap),
        ("le.pcapng", pcapng(false, 1, &packets), Format::Pcapng),
        ("be.pcapng", pcapng(true, 1, &packets), Format::Pcapng),
    ];
    let mut first: Option<Vec<Value>> = None;
    for (name, bytes, format) in files {
        let (got, records, errors) = read(name, &bytes);
        assert_eq!(got, format, "{name}");
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let events: Vec<Value> = records.iter().map(json_of).collect();
        match &first {
            None => first = Some(events),
            Some(first) => assert_eq!(first, &events, "{name}"),
        }
    }
    let events = first.unwrap();
    let dns: Vec<_> = events.iter().filter(|e| e.get("query").is_some()).collect();
    assert_eq!(dns.len(), 2, "{events:#?}");
    assert_eq!(dns[0]["query"], "l.1.ns.example");
    assert_eq!(dns[0]["qtype_name"], "TXT");
    assert_eq!(dns[0]["rcode_name"], "NOERROR");
    assert_eq!(dns[0]["answers"], json!(["TXT 10 @JF9ucyA9@"]));
    assert_eq!(dns[0]["TTLs"], json!([3600.0]));
    assert_eq!(dns[0]["id.orig_h"], "192.168.100.121");
    assert_eq!(dns[0]["id.resp_p"], 53);
    assert_eq!(dns[0]["proto"], "udp");
    assert_eq!(dns[0]["ts"], json!(1_591_425_408.25));
    assert_eq!(dns[0]["rtt"], json!(0.25));
    // The query never answered comes out when its flow ends.
    assert_eq!(dns[1]["query"], "a.example");
    assert!(dns[1].get("rcode").is_none());
    let conns: Vec<_> = events
        .iter()
        .filter(|e| e.get("conn_state").is_some())
        .collect();
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0]["conn_state"], "SF");
    assert_eq!(conns[0]["service"], "dns");
    assert_eq!(
        (conns[0]["orig_pkts"].clone(), conns[0]["resp_pkts"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(conns[1]["conn_state"], "S0");
    assert_eq!(conns[0]["uid"], dns[0]["uid"]);
}

#[test]
fn events_point_at_the_packet_that_started_them() {
    let (_, records, _) = read("x.pcap", &pcap(false, false, 1, &dns_exchange()));
    let dns = of(&records, "dns");
    assert_eq!(
        dns[0].origin.position,
        Position::Packet {
            number: 1,
            offset: 24
        }
    );
    assert!(
        dns[0]
            .origin
            .to_string()
            .ends_with("x.pcap#packet=1 (byte 24)")
    );
    assert_eq!(dns[1].origin.packet().map(|(n, _)| n), Some(3));
    // Sigma taxonomy names reach the Zeek fields, and routing sees Zeek.
    let kind = dns[0].event.kind();
    assert_eq!(
        (kind.product, kind.category),
        (Some("zeek"), Some("dns_query"))
    );
    assert!(!dns[0].event.field("QueryName").is_absent());
}

#[test]
fn link_layers_vlan_cooked_raw_and_ipv6() {
    let query = dns_message(9, 0x0100, "v.example", 1, &[]);
    let mut vlan = Vec::new();
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .single_vlan(42.try_into().unwrap())
        .ipv4(CLIENT, SERVER, 64)
        .udp(5000, 53)
        .write(&mut vlan, &query)
        .unwrap();
    let mut ip = Vec::new();
    PacketBuilder::ipv4(CLIENT, SERVER, 64)
        .udp(5000, 53)
        .write(&mut ip, &query)
        .unwrap();
    let mut ip6 = Vec::new();
    PacketBuilder::ipv6([0xfd; 16], [0xfe; 16], 64)
        .udp(5000, 53)
        .write(&mut ip6, &query)
        .unwrap();
    // Linux cooked v1: 14 bytes, then the EtherType; v2: EtherType first.
    let mut sll = vec![0, 0, 0, 1, 0, 6, 1, 1, 1, 1, 1, 1, 0, 0, 0x08, 0x00];
    sll.extend_from_slice(&ip);
    let mut sll2 = vec![
        0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 1, 1, 1, 1, 1, 1, 0, 0,
    ];
    sll2.extend_from_slice(&ip);
    for (name, linktype, frame, source) in [
        ("vlan", 1, vlan, "192.168.100.121"),
        ("raw", 101, ip.clone(), "192.168.100.121"),
        ("ipv4", 228, ip, "192.168.100.121"),
        ("ipv6", 229, ip6, "fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd:fdfd"),
        ("sll", 113, sll, "192.168.100.121"),
        ("sll2", 276, sll2, "192.168.100.121"),
    ] {
        let (_, records, errors) = read("l.pcap", &pcap(false, false, linktype, &[(1.0, frame)]));
        assert!(errors.is_empty(), "{name}: {errors:?}");
        let dns = of(&records, "dns");
        assert_eq!(dns.len(), 1, "{name}");
        let event = json_of(dns[0]);
        assert_eq!(event["query"], "v.example", "{name}");
        assert_eq!(event["id.orig_h"], source, "{name}");
    }
}

#[test]
fn tcp_states_and_handshakes() {
    let hello = tls_client_hello("tunnel.example.net");
    let request = b"GET /erp/conn.aspx?proxy&port=3389&ip=127.0.0.1 HTTP/1.1\r\nHost: web\r\nUser-Agent: Tunna\r\n\r\n";
    let packets = vec![
        // TLS: handshake, ClientHello, FINs both ways.
        (10.0, tcp(true, 40000, 443, 100, "S", b"")),
        (10.1, tcp(false, 40000, 443, 900, "SA", b"")),
        (10.2, tcp(true, 40000, 443, 101, "A", &hello)),
        (10.25, tcp(false, 40000, 443, 901, "A", &tls_server_hello())),
        (
            10.3,
            tcp(true, 40000, 443, 101 + hello.len() as u32, "FA", b""),
        ),
        (
            10.4,
            tcp(
                false,
                40000,
                443,
                901 + tls_server_hello().len() as u32,
                "FA",
                b"",
            ),
        ),
        // HTTP, with the head split over two segments and a retransmission.
        (11.0, tcp(true, 40001, 80, 0, "S", b"")),
        (11.1, tcp(false, 40001, 80, 0, "SA", b"")),
        (11.2, tcp(true, 40001, 80, 1, "A", &request[..30])),
        (11.3, tcp(true, 40001, 80, 1, "A", &request[..30])),
        (11.4, tcp(true, 40001, 80, 31, "A", &request[30..])),
        // SSH banners, reset by the originator.
        (12.0, tcp(true, 40002, 22, 0, "S", b"")),
        (12.1, tcp(false, 40002, 22, 0, "SA", b"")),
        (
            12.2,
            tcp(false, 40002, 22, 1, "A", b"SSH-2.0-OpenSSH_9.6\r\n"),
        ),
        (
            12.3,
            tcp(true, 40002, 22, 1, "A", b"SSH-2.0-PuTTY_Release_0.80\r\n"),
        ),
        (12.4, tcp(true, 40002, 22, 29, "R", b"")),
        // Rejected, and unanswered.
        (13.0, tcp(true, 40003, 3389, 0, "S", b"")),
        (13.1, tcp(false, 40003, 3389, 0, "RA", b"")),
        (14.0, tcp(true, 40004, 4444, 0, "S", b"")),
    ];
    let (_, records, errors) = read("t.pcap", &pcap(false, false, 1, &packets));
    assert!(errors.is_empty(), "{errors:?}");
    let ssl = of(&records, "ssl");
    assert_eq!(ssl.len(), 1);
    assert_eq!(json_of(ssl[0])["server_name"], "tunnel.example.net");
    assert_eq!(json_of(ssl[0])["client_alpn"], json!(["h2"]));
    // TLS 1.3 names itself in supported_versions; the server chose h2.
    assert_eq!(json_of(ssl[0])["version"], "TLSv13");
    assert_eq!(json_of(ssl[0])["next_protocol"], "h2");
    assert_eq!(json_of(ssl[0])["established"], true);
    let http = of(&records, "http");
    assert_eq!(http.len(), 1);
    let h = json_of(http[0]);
    assert_eq!(
        (
            h["method"].clone(),
            h["host"].clone(),
            h["uri"].clone(),
            h["user_agent"].clone()
        ),
        (
            json!("GET"),
            json!("web"),
            json!("/erp/conn.aspx?proxy&port=3389&ip=127.0.0.1"),
            json!("Tunna")
        )
    );
    let ssh = of(&records, "ssh");
    assert_eq!(ssh.len(), 1);
    assert_eq!(json_of(ssh[0])["client"], "SSH-2.0-PuTTY_Release_0.80");
    assert_eq!(json_of(ssh[0])["server"], "SSH-2.0-OpenSSH_9.6");
    let states: Vec<(Value, Value)> = of(&records, "conn")
        .iter()
        .map(|r| {
            (
                json_of(r)["id.resp_p"].clone(),
                json_of(r)["conn_state"].clone(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            (json!(443), json!("SF")),
            (json!(80), json!("S1")),
            (json!(22), json!("RSTO")),
            (json!(3389), json!("REJ")),
            (json!(4444), json!("S0")),
        ]
    );
}

/// A TLS 1.3 ServerHello record choosing ALPN `h2`.
fn tls_server_hello() -> Vec<u8> {
    let mut ext = Vec::new();
    for (kind, data) in [(43u16, vec![3, 4]), (16, b"\x00\x03\x02h2".to_vec())] {
        ext.extend_from_slice(&kind.to_be_bytes());
        ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
        ext.extend_from_slice(&data);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[5; 32]);
    body.extend_from_slice(&[0, 0x13, 1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![2];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut record = vec![0x16, 3, 3];
    record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    record.extend_from_slice(&hs);
    record
}

/// A TLS ClientHello record naming `host`, offering ALPN `h2`.
fn tls_client_hello(host: &str) -> Vec<u8> {
    let mut sni = ((host.len() + 3) as u16).to_be_bytes().to_vec();
    sni.push(0);
    sni.extend_from_slice(&(host.len() as u16).to_be_bytes());
    sni.extend_from_slice(host.as_bytes());
    let alpn = b"\x00\x03\x02h2".to_vec();
    let mut ext = Vec::new();
    for (kind, data) in [(0u16, sni), (16, alpn)] {
        ext.extend_from_slice(&kind.to_be_bytes());
        ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
        ext.extend_from_slice(&data);
    }
    let mut body = vec![3, 3];
    body.extend_from_slice(&[9; 32]);
    body.extend_from_slice(&[0, 0, 2, 0x13, 1, 1, 0]);
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(&ext);
    let mut hs = vec![1];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut record = vec![0x16, 3, 1];
    record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    record.extend_from_slice(&hs);
    record
}

#[test]
fn edns_and_the_truncation_bit_are_reported() {
    let mut query = dns_message(3, 0x0100, "e.example", 16, &[]);
    query[11] = 1; // one additional record: the OPT
    query.extend_from_slice(b"\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00");
    let response = dns_message(3, 0x8380, "e.example", 16, &[]);
    let packets = vec![
        (1.0, udp(true, 7000, &query)),
        (1.1, udp(false, 7000, &response)),
    ];
    let (_, records, errors) = read("e.pcap", &pcap(false, false, 1, &packets));
    assert!(errors.is_empty(), "{errors:?}");
    let e = json_of(of(&records, "dns")[0]);
    assert_eq!(
        (e["edns_udp_size"].clone(), e["edns_version"].clone()),
        (json!(4096), json!(0))
    );
    assert_eq!(
        (e["TC"].clone(), e["RD"].clone(), e["RA"].clone()),
        (json!(true), json!(true), json!(true))
    );
}

#[test]
fn dns_over_tcp_is_framed_by_its_length_prefix() {
    let query = dns_message(5, 0x0100, "big.example", 16, &[]);
    let response = dns_message(5, 0x8180, "big.example", 16, &[(16, txt("x"))]);
    let frame = |m: &[u8]| {
        let mut f = (m.len() as u16).to_be_bytes().to_vec();
        f.extend_from_slice(m);
        f
    };
    let (q, r) = (frame(&query), frame(&response));
    let packets = vec![
        (1.0, tcp(true, 40010, 53, 0, "S", b"")),
        (1.1, tcp(false, 40010, 53, 0, "SA", b"")),
        (1.2, tcp(true, 40010, 53, 1, "A", &q)),
        // The response split inside its length prefix.
        (1.3, tcp(false, 40010, 53, 1, "A", &r[..1])),
        (1.4, tcp(false, 40010, 53, 2, "A", &r[1..])),
    ];
    let (_, records, errors) = read("t.pcap", &pcap(false, false, 1, &packets));
    assert!(errors.is_empty(), "{errors:?}");
    let dns = of(&records, "dns");
    assert_eq!(dns.len(), 1);
    let e = json_of(dns[0]);
    assert_eq!(
        (e["proto"].clone(), e["answers"].clone()),
        (json!("tcp"), json!(["TXT 1 x"]))
    );
}

#[test]
fn damage_is_placed_and_reading_goes_as_far_as_it_can() {
    let packets = dns_exchange();
    let whole = pcap(false, false, 1, &packets);
    // Cut inside the last record: two packets read, the third reported.
    let (_, records, errors) = read("cut.pcap", &whole[..whole.len() - 5]);
    assert_eq!(of(&records, "dns").len(), 1, "{records:#?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("packet 3") && errors[0].contains("truncated"),
        "{errors:?}"
    );
    let third = 24 + 16 + packets[0].1.len() + 16 + packets[1].1.len();
    assert!(errors[0].contains(&format!("byte {third}")), "{errors:?}");
    // An impossible record length: the rest is not read, and it says so.
    let mut bad = whole.clone();
    bad[third + 8..third + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    let (_, records, errors) = read("bad.pcap", &bad);
    assert_eq!(of(&records, "dns").len(), 1);
    assert!(
        errors
            .iter()
            .any(|e| e.contains(&format!("byte {third}")) && e.contains("not read")),
        "{errors:?}"
    );
    // A header alone, and nothing else: no events, no errors.
    let (format, records, errors) = read("empty.pcap", &whole[..24]);
    assert_eq!((format, records.len(), errors.len()), (Format::Pcap, 0, 0));
}

#[test]
fn a_pcapng_block_whose_lengths_disagree_ends_the_reading_there() {
    let packets = dns_exchange();
    let mut file = pcapng(false, 1, &packets);
    // The second packet block: after the SHB (28), the IDB (20) and the
    // first EPB, its trailing length made to disagree with its leading one.
    let first_epb = 32 + packets[0].1.len().next_multiple_of(4);
    let second = 28 + 20 + first_epb;
    let len = u32::from_le_bytes(file[second + 4..second + 8].try_into().unwrap()) as usize;
    file[second + len - 4] ^= 0x40;
    let (_, records, errors) = read("b.pcapng", &file);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(&format!("byte {second}")) && errors[0].contains("not read"),
        "{errors:?}"
    );
    // The first packet's query was read, and comes out unanswered.
    assert_eq!(of(&records, "dns").len(), 1);
}

#[test]
fn malformed_and_cut_dns_are_counted_records() {
    let response = dns_message(2, 0x8180, "l.1.ns.example", 16, &[(16, txt("@JF9ucyA9@"))]);
    let cut = &response[..response.len() - 4];
    let mut snapped = udp(false, 1000, &response);
    snapped.truncate(snapped.len() - 4);
    let packets = vec![
        (1.0, udp(false, 1000, b"\x00\x01garbage")),
        (2.0, snapped),
        (3.0, udp(false, 1001, cut)),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.pcap");
    std::fs::write(&path, pcap(false, false, 1, &packets)).unwrap();
    let errors: Vec<_> = open(&path).unwrap().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().all(|e| e.is_record()));
    assert!(
        errors[1].to_string().contains("snap length"),
        "{}",
        errors[1]
    );
    assert!(errors[2].to_string().contains("packet 3"), "{}", errors[2]);
}

#[test]
fn fragments_are_reported_once_not_read() {
    let mut frag = Vec::new();
    let mut header =
        etherparse::Ipv4Header::new(16, 64, etherparse::IpNumber::UDP, CLIENT, SERVER).unwrap();
    header.more_fragments = true;
    PacketBuilder::ethernet2([1; 6], [2; 6])
        .ip(etherparse::IpHeaders::Ipv4(header, Default::default()))
        .udp(5000, 53)
        .write(&mut frag, &[0; 8])
        .unwrap();
    let (_, records, errors) = read(
        "f.pcap",
        &pcap(false, false, 1, &[(1.0, frag.clone()), (2.0, frag)]),
    );
    assert!(records.is_empty());
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("2 IP fragment(s)") && errors[0].contains("packet 1"),
        "{errors:?}"
    );
}

#[test]
fn flows_are_bounded_and_idle_flows_end_on_time() {
    // Three UDP flows; at most two live: the first ends when the third
    // starts; a flow idle past the UDP timeout ends before later packets.
    let packets: Vec<(f64, Vec<u8>)> = vec![
        (1.0, udp(true, 1, &dns_message(1, 0x0100, "a.x", 1, &[]))),
        (2.0, udp(true, 2, &dns_message(2, 0x0100, "b.x", 1, &[]))),
        (3.0, udp(true, 3, &dns_message(3, 0x0100, "c.x", 1, &[]))),
        (100.0, udp(true, 4, &dns_message(4, 0x0100, "d.x", 1, &[]))),
    ];
    let limits = Limits {
        max_flows: 2,
        ..Limits::default()
    };
    let bytes = pcap(false, false, 1, &packets);
    let mut reader = PcapReader::with_limits(
        std::io::Cursor::new(bytes),
        std::sync::Arc::from(std::path::Path::new("b.pcap")),
        Format::Pcap,
        limits,
    );
    let mut order = Vec::new();
    let mut most_live = 0;
    while let Some(item) = reader.next() {
        most_live = most_live.max(reader.live_flows());
        let (_, event) = item.unwrap();
        if let Some(state) = event.native("conn_state") {
            let port = event.native("id.orig_p").cloned();
            order.push((format!("{port:?}"), format!("{state:?}")));
        }
    }
    assert!(most_live <= 2, "{most_live}");
    let ports: Vec<&str> = order.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        ports,
        [
            "Some(Int(1))",
            "Some(Int(2))",
            "Some(Int(3))",
            "Some(Int(4))"
        ]
    );
    assert_eq!(reader.packets(), 4);
}

#[test]
fn gzip_around_a_capture_reads_the_same() {
    let bytes = pcapng(false, 1, &dns_exchange());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&bytes).unwrap();
    let (format, records, errors) = read("x.pcapng.gz", &gz.finish().unwrap());
    let (_, plain, _) = read("x.pcapng", &bytes);
    assert_eq!(format, Format::Pcapng);
    assert!(errors.is_empty());
    assert_eq!(
        records.iter().map(json_of).collect::<Vec<_>>(),
        plain.iter().map(json_of).collect::<Vec<_>>()
    );
}

#[test]
fn ipv4_addresses_in_events_are_dotted() {
    let (_, records, _) = read("a.pcap", &pcap(false, false, 1, &dns_exchange()));
    let conn = of(&records, "conn");
    let h = json_of(conn[0])["id.resp_h"].as_str().unwrap().to_owned();
    assert_eq!(h.parse::<Ipv4Addr>().unwrap(), Ipv4Addr::from(SERVER));
}

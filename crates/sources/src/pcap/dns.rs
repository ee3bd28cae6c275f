//! DNS messages, parsed by `simple-dns`, summarised the way Zeek's
//! `dns.log` writes them so that one rule reads both.
//!
//! `simple-dns` was chosen over `hickory-proto` (a resolver's protocol
//! library, a dozen dependencies more to build) and `dns-parser`
//! (unmaintained, and it refuses messages with record types it does not
//! know, which is what tunnels use): it parses every record type, keeps
//! unknown ones as opaque data, and borrows from the packet. The header
//! bits (flags, opcode, rcode) are read from the first four bytes here,
//! as Zeek reports them, rather than through its typed flags.
//!
//! What is summarised, in Zeek's spelling: the first question (`query`,
//! `qtype`/`qtype_name`, `qclass`/`qclass_name`), the header flags (`AA`,
//! `TC`, `RD`, `RA`, `Z`), `rcode`/`rcode_name`, the answer section as
//! `answers` and `TTLs` (A/AAAA as addresses, names for CNAME, PTR, NS,
//! MX, SRV and SOA, `TXT <length> <text>` per TXT string, `<unknown
//! type=N>` for the rest), and the EDNS OPT record (`edns_udp_size`,
//! `edns_version`; not in Zeek's `dns.log`). Bytes outside printable
//! ASCII are written `\xNN`, as Zeek writes them.
//!
//! `simple-dns` gives TXT strings split at their first `=` and drops
//! strings that are empty or start with `=`; they are joined back here,
//! so only those strings are missing from `answers`.

use simple_dns::rdata::RData;
use simple_dns::{Packet, QCLASS, QTYPE};

/// What an event needs of one DNS message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: u16,
    pub response: bool,
    pub opcode: u8,
    pub rcode: u8,
    pub aa: bool,
    pub tc: bool,
    pub rd: bool,
    pub ra: bool,
    pub z: u8,
    pub question: Option<Question>,
    pub answers: Vec<String>,
    pub ttls: Vec<u32>,
    /// UDP payload size and version of the EDNS OPT record.
    pub edns: Option<(u16, u8)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub qclass: u16,
}

/// Parse one DNS message (without TCP's length prefix).
pub fn parse(bytes: &[u8]) -> Result<Message, String> {
    let packet = Packet::parse(bytes).map_err(|e| e.to_string())?;
    let header: [u8; 4] = bytes
        .get(..4)
        .and_then(|h| h.try_into().ok())
        .ok_or_else(|| "shorter than a DNS header".to_owned())?;
    let question = packet.questions.first().map(|q| Question {
        name: escape(q.qname.to_string().as_bytes()),
        qtype: qtype_number(q.qtype),
        qclass: qclass_number(q.qclass),
    });
    let mut answers = Vec::with_capacity(packet.answers.len());
    let mut ttls = Vec::with_capacity(packet.answers.len());
    for record in &packet.answers {
        answers.push(answer_text(&record.rdata));
        ttls.push(record.ttl);
    }
    Ok(Message {
        id: packet.id(),
        response: header[2] & 0x80 != 0,
        opcode: (header[2] >> 3) & 0x0f,
        aa: header[2] & 0x04 != 0,
        tc: header[2] & 0x02 != 0,
        rd: header[2] & 0x01 != 0,
        ra: header[3] & 0x80 != 0,
        z: (header[3] >> 4) & 0x07,
        rcode: header[3] & 0x0f,
        question,
        answers,
        ttls,
        edns: packet.opt().map(|opt| (opt.udp_packet_size, opt.version)),
    })
}

fn qtype_number(qtype: QTYPE) -> u16 {
    u16::from(qtype)
}

fn qclass_number(qclass: QCLASS) -> u16 {
    u16::from(qclass)
}

/// An answer as Zeek writes it in `answers`.
fn answer_text(rdata: &RData<'_>) -> String {
    match rdata {
        RData::A(a) => std::net::Ipv4Addr::from(a.address).to_string(),
        RData::AAAA(a) => std::net::Ipv6Addr::from(a.address).to_string(),
        RData::CNAME(n) => escape(n.0.to_string().as_bytes()),
        RData::PTR(n) => escape(n.0.to_string().as_bytes()),
        RData::NS(n) => escape(n.0.to_string().as_bytes()),
        RData::MX(mx) => escape(mx.exchange.to_string().as_bytes()),
        RData::SRV(srv) => escape(srv.target.to_string().as_bytes()),
        RData::SOA(soa) => escape(soa.mname.to_string().as_bytes()),
        RData::TXT(txt) => {
            let strings: Vec<String> = txt
                .iter_raw()
                .map(|(key, value)| {
                    let mut text = key.to_vec();
                    if let Some(value) = value {
                        text.push(b'=');
                        text.extend_from_slice(value);
                    }
                    format!("TXT {} {}", text.len(), escape(&text))
                })
                .collect();
            strings.join(" ")
        }
        other => format!("<unknown type={}>", u16::from(other.type_code())),
    }
}

/// Printable ASCII as it is, every other byte as `\xNN` (Zeek's log
/// escaping).
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7f).contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Zeek's name for a query type; `query-N` for a number it has none for.
pub fn qtype_name(qtype: u16) -> String {
    let name = match qtype {
        1 => "A",
        2 => "NS",
        5 => "CNAME",
        6 => "SOA",
        10 => "NULL",
        12 => "PTR",
        13 => "HINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        24 => "SIG",
        25 => "KEY",
        28 => "AAAA",
        29 => "LOC",
        33 => "SRV",
        35 => "NAPTR",
        39 => "DNAME",
        41 => "OPT",
        43 => "DS",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        50 => "NSEC3",
        52 => "TLSA",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        255 => "*",
        256 => "URI",
        257 => "CAA",
        other => return format!("query-{other}"),
    };
    name.to_owned()
}

/// Zeek's name for a response code.
pub fn rcode_name(rcode: u8) -> String {
    let name = match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        other => return format!("unknown-{other}"),
    };
    name.to_owned()
}

/// Zeek's name for a query class.
pub fn qclass_name(qclass: u16) -> String {
    let name = match qclass {
        1 => "C_INTERNET",
        3 => "C_CHAOS",
        4 => "C_HESIOD",
        254 => "C_NONE",
        255 => "C_ANY",
        other => return format!("qclass-{other}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response for `l.1.ns.example` TXT, id 2, one answer with two
    /// strings, and an EDNS record.
    fn txt_response() -> Vec<u8> {
        let mut m = vec![0, 2, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 1];
        m.extend_from_slice(b"\x01l\x011\x02ns\x07example\x00\x00\x10\x00\x01");
        m.extend_from_slice(b"\xc0\x0c\x00\x10\x00\x01\x00\x00\x0e\x10");
        let strings = b"\x05@abc@\x03x=y";
        m.extend_from_slice(&(strings.len() as u16).to_be_bytes());
        m.extend_from_slice(strings);
        m.extend_from_slice(b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00");
        m
    }

    #[test]
    fn a_txt_response_reads_as_zeek_writes_it() {
        let m = parse(&txt_response()).unwrap();
        assert_eq!(
            (m.id, m.response, m.rcode, m.rd, m.ra),
            (2, true, 0, true, true)
        );
        let q = m.question.unwrap();
        assert_eq!(
            (q.name.as_str(), q.qtype, q.qclass),
            ("l.1.ns.example", 16, 1)
        );
        assert_eq!(m.answers, ["TXT 5 @abc@ TXT 3 x=y"]);
        assert_eq!(m.ttls, [3600]);
        assert_eq!(m.edns, Some((1232, 0)));
    }

    #[test]
    fn cut_and_garbage_messages_are_errors() {
        let whole = txt_response();
        for cut in [3, 12, 20, whole.len() - 14] {
            assert!(parse(&whole[..cut]).is_err(), "cut at {cut}");
        }
        assert!(parse(b"").is_err());
    }

    #[test]
    fn names_tables_and_escaping() {
        assert_eq!(qtype_name(10), "NULL");
        assert_eq!(qtype_name(4242), "query-4242");
        assert_eq!(rcode_name(3), "NXDOMAIN");
        assert_eq!(rcode_name(14), "unknown-14");
        assert_eq!(qclass_name(1), "C_INTERNET");
        assert_eq!(escape(b"a\x00b\xff"), "a\\x00b\\xff");
    }
}

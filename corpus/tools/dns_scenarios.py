#!/usr/bin/env python3
"""Writes the DNS scenarios of `corpus/scenarios` as Zeek dns.log (TSV).

Why generated: the `dns-names` fixture (see its PROVENANCE.md) holds query
names only - no times, clients, record types or answers - and the benign
look-alikes are many thousands of rows. The script gives each name the rest
of a dns.log row, deterministically (fixed seed), so the scenarios can be
rebuilt and reviewed from one place:

    python3 corpus/tools/dns_scenarios.py "$TUNNELHUNT_CORPUS/dns-names" corpus/scenarios
    python3 corpus/tools/dns_scenarios.py --benign-bulk 44 /tmp/benign-1m.log.gz

What it writes (each folder's README.md says where its names come from):
- dns-{iodine,dns2tcp,dnscapy}-fixture: the first 200 tunnel queries of each
  tool in the fixture, from one client, among ordinary lookups of the same
  client and others, rows in flow-completion order (not time order).
- fp-dns-top-sites: every `plain` name of the fixture, from 40 clients.
- fp-dns-benign-lookalikes: the hard benign cases the issue lists, crafted
  from documented name shapes (CDN and cloud hashed labels, reputation
  lookups, telemetry, wildcard DNS, reverse lookups, SPF/DKIM/DMARC TXT,
  local search domains, Active Directory SRV locators, long vanity domains).
- dns-dnscat2-wire-format, dns-cobalt-strike-wire-format,
  dns-dns-shell-wire-format, dns-tcp-over-dns-wire-format: sessions built
  from the tools' documented wire formats (see each function's docs and
  the folder's README.md).
The `expect.yml` of each folder is written by hand, not by this script.
"""

import csv
import gzip
import hashlib
import os
import random
import sys

FIELDS = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto trans_id rtt query qclass "
          "qclass_name qtype qtype_name rcode rcode_name AA TC RD RA Z answers TTLs rejected").split()
TYPES = ("time string addr port addr port enum count interval string count string count string "
         "count string bool bool bool bool count vector[string] vector[interval] bool").split()
QTYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
          "SRV": 33, "NULL": 10, "KEY": 25, "HTTPS": 65}
RESOLVER = "10.20.0.53"
# 2026-11-20T10:00:00Z
START = 1795168800.0


def zeek_escape(name):
    """Zeek writes bytes outside printable ASCII as \\xHH, and lower-cases `query`."""
    out = []
    for ch in name.lower():
        if 0x20 < ord(ch) < 0x7F and ch != "\\":
            out.append(ch)
        else:
            out.extend("\\x%02x" % b for b in ch.encode("utf-8"))
    return "".join(out)


class Log:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.rows = []

    def query(self, ts, client, name, qtype="A", answers=None, rcode="NOERROR"):
        rng = self.rng
        uid = "C" + hashlib.sha1(f"{ts}{client}{name}{len(self.rows)}".encode()).hexdigest()[:17]
        rtt = rng.uniform(0.0005, 0.08)
        ans = ",".join(answers) if answers else "-"
        ttls = ",".join("%.6f" % 300.0 for _ in answers) if answers else "-"
        row = ["%.6f" % ts, uid, client, str(rng.randint(1024, 65535)), RESOLVER, "53", "udp",
               str(rng.randint(1, 65535)), "%.6f" % rtt, zeek_escape(name.rstrip(".")), "1",
               "C_INTERNET", str(QTYPES[qtype]), qtype, "0" if rcode == "NOERROR" else "3", rcode,
               "F", "F", "T", "T", "0", ans, ttls, "F"]
        # Zeek logs a DNS entry when its flow completes: after the reply,
        # or after its timeout (up to minutes) for an unanswered query.
        delay = rtt if rng.random() < 0.9 else rng.uniform(5, 600)
        self.rows.append((ts + delay, row))

    def write(self, path, gz=False):
        self.rows.sort(key=lambda r: r[0])
        lines = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)",
                 "#unset_field\t-", "#path\tdns", "#open\t2026-11-20-10-00-00",
                 "#fields\t" + "\t".join(FIELDS), "#types\t" + "\t".join(TYPES)]
        lines += ["\t".join(row) for _, row in self.rows]
        lines.append("#close\t2026-11-20-14-00-00")
        data = ("\n".join(lines) + "\n").encode("utf-8")
        if gz:
            with gzip.GzipFile(path, "wb", mtime=0) as f:
                f.write(data)
        else:
            with open(path, "wb") as f:
                f.write(data)


def names(fixture, tool):
    with open(os.path.join(fixture, tool, "names.csv"), encoding="utf-8", newline="") as f:
        return [row[1] for row in list(csv.reader(f))[1:]]


EVERYDAY = ["www.google.com", "outlook.office365.com", "login.microsoftonline.com",
            "teams.microsoft.com", "www.bing.com", "update.googleapis.com",
            "clients4.google.com", "slack.com", "api.github.com", "github.com",
            "www.youtube.com", "i.ytimg.com", "fonts.gstatic.com", "ctldl.windowsupdate.com",
            "settings-win.data.microsoft.com", "v10.events.data.microsoft.com",
            "wpad.corp.example.com", "dc01.corp.example.com", "fileserver.corp.example.com"]


def everyday(log, rng, client, t0, t1, count):
    for _ in range(count):
        name = rng.choice(EVERYDAY)
        log.query(rng.uniform(t0, t1), client, name, rng.choice(["A", "AAAA", "HTTPS"]),
                  ["203.0.113.%d" % rng.randint(1, 254)])


def tunnel_scenario(fixture, out, tool, qtype, seed):
    rng = random.Random(seed)
    log = Log(seed)
    tunnel = [n for n in names(fixture, tool)
              if "fedoraproject" not in n and "datacenter.by" not in n][:200]
    client = "10.20.40.77"
    t = START
    for name in tunnel:
        # A few queries a second, with pauses, as a tunnel under light load.
        t += rng.expovariate(4.0) if rng.random() < 0.95 else rng.uniform(2, 20)
        log.query(t, client, name, qtype)
    everyday(log, rng, client, START - 600, t + 600, 150)
    for host in range(10, 30):
        everyday(log, rng, "10.20.40.%d" % host, START - 600, t + 600, 60)
    folder = os.path.join(out, f"dns-{tool}-fixture")
    os.makedirs(folder, exist_ok=True)
    log.write(os.path.join(folder, "dns.log"))


def top_sites(fixture, out):
    rng = random.Random(16)
    log = Log(16)
    for name in names(fixture, "plain"):
        qtype = "PTR" if name.endswith(".arpa.") else rng.choice(["A", "A", "AAAA", "HTTPS"])
        log.query(rng.uniform(START, START + 2 * 3600), "10.20.41.%d" % rng.randint(10, 49),
                  name, qtype, ["198.51.100.%d" % rng.randint(1, 254)])
    folder = os.path.join(out, "fp-dns-top-sites")
    os.makedirs(folder, exist_ok=True)
    log.write(os.path.join(folder, "dns.log.gz"), gz=True)


def hexs(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def alnum(rng, n, alphabet="abcdefghijklmnopqrstuvwxyz0123456789"):
    return "".join(rng.choice(alphabet) for _ in range(n))


def lookalikes(out, scale=1, path=None):
    """Benign names whose shapes are documented by their operators.

    `scale` multiplies every count and the number of clients (so each
    client's rate stays that of the scenario) for the bulk measurement;
    `path` is then the file to write instead of the scenario's.
    """
    rng = random.Random(1572 * scale)
    log = Log(1572 * scale)
    end = START + 4 * 3600
    if scale == 1:
        clients = ["10.20.42.%d" % i for i in range(10, 40)]
    else:
        clients = ["10.%d.%d.%d" % (21 + i // 57600, i // 240 % 240, 10 + i % 240)
                   for i in range(30 * scale)]

    def times(n):
        return range(n * scale)

    def role(index):
        """The host with a special role (anti-virus, developer, log
        server, mail server): one per unit of scale."""
        if scale == 1:
            return clients[index]
        return clients[30 * rng.randrange(scale) + index]

    def when():
        return rng.uniform(START, end)

    # CDN and cloud host names with hashed labels (CloudFront distribution
    # ids, Akamai edge names, S3 and Azure blob names, Azure Front Door,
    # App Engine / Cloud Run services, Vercel previews): the hash is the
    # label right under a public suffix, or a short label.
    for _ in times(3000):
        shape = rng.randrange(8)
        if shape == 0:
            name = "d%s.cloudfront.net" % alnum(rng, 13)
        elif shape == 1:
            name = "e%d.dscb.akamaiedge.net" % rng.randint(1000, 99999)
        elif shape == 2:
            name = "%s.s3.us-east-1.amazonaws.com" % ("assets-" + hexs(rng, 40))
        elif shape == 3:
            name = "st%s.blob.core.windows.net" % alnum(rng, 20)
        elif shape == 4:
            name = "%s-%s.z01.azurefd.net" % (alnum(rng, 12), alnum(rng, 16))
        elif shape == 5:
            name = "%s-dot-%s.uc.r.appspot.com" % (hexs(rng, 12), alnum(rng, 10))
        elif shape == 6:
            name = "rr%d---sn-%s.googlevideo.com" % (rng.randint(1, 8), alnum(rng, 8))
        else:
            name = "app-git-%s-team.vercel.app" % alnum(rng, 24)
        log.query(when(), rng.choice(clients), name, rng.choice(["A", "AAAA"]),
                  ["198.51.100.%d" % rng.randint(1, 254)])

    # Anti-virus and reputation lookups: file hashes and URLs as labels.
    for _ in times(2500):
        shape = rng.randrange(4)
        if shape == 0:
            name = "%s.%s.avqs.mcafee.com" % (hexs(rng, 32), hexs(rng, 8))
        elif shape == 1:
            name = "v3.%s.%s.sophosxl.net" % (hexs(rng, 40), alnum(rng, 4))
        elif shape == 2:
            name = "%s.e5.sk" % alnum(rng, 48, "abcdefghijklmnopqrstuvwxyz234567")
        else:
            name = "%s.hash.cymru.com" % hexs(rng, 40)
        log.query(when(), role(0), name, "A", ["127.0.0.%d" % rng.randint(1, 4)])

    # Telemetry with device and session identifiers.
    for _ in times(1500):
        shape = rng.randrange(3)
        if shape == 0:
            name = "o%d.ingest.sentry.io" % rng.randint(10000, 999999)
        elif shape == 1:
            name = "%s.clientmetrics.example-vendor.com" % rng.choice(["eu", "us", "ap"])
        else:
            name = "%d-courier.push.apple.com" % rng.randint(1, 60)
        log.query(when(), rng.choice(clients), name, "A", ["203.0.113.%d" % rng.randint(1, 254)])

    # Wildcard DNS: every address and branch has a name.
    for _ in times(800):
        shape = rng.randrange(2)
        if shape == 0:
            name = "10-20-%d-%d.nip.io" % (rng.randint(0, 255), rng.randint(0, 255))
        else:
            name = "pr-%d-%s.preview.dev.example.com" % (rng.randint(1, 4000), hexs(rng, 7))
        log.query(when(), role(1), name, "A", ["10.20.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))])

    # Reverse lookups, IPv4 and IPv6 (a log server resolving its clients).
    for _ in times(2000):
        if rng.random() < 0.5:
            name = "%d.%d.20.10.in-addr.arpa" % (rng.randint(1, 254), rng.randint(0, 255))
        else:
            nibbles = ".".join(hexs(rng, 20)) + ".0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
            name = nibbles + ".ip6.arpa"
        log.query(when(), role(2), name, "PTR", ["host.corp.example.com"])

    # A mail server checking SPF, DKIM and DMARC for each incoming message.
    mtas = ["10.20.0.25"] if scale == 1 else [clients[30 * i + 3] for i in range(scale)]
    senders = ["partner%d.example" % i for i in range(300)] + ["gmail.com", "outlook.com"]
    spf = "v=spf1 include:_spf.google.com include:spf.protection.outlook.com ip4:192.0.2.0/24 ip4:198.51.100.0/24 ~all"
    dkim = "v=DKIM1; k=rsa; p=" + alnum(rng, 360, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    for _ in times(2500):
        domain = rng.choice(senders)
        mta = mtas[0] if scale == 1 else rng.choice(mtas)
        t = when()
        log.query(t, mta, domain, "TXT", ['TXT %d %s' % (len(spf), spf)])
        log.query(t + 0.01, mta, "selector%d._domainkey.%s" % (rng.randint(1, 2), domain), "TXT",
                  ['TXT %d %s' % (len(dkim), dkim)])
        log.query(t + 0.02, mta, "_dmarc." + domain, "TXT", ["TXT 40 v=DMARC1; p=reject; rua=mailto:d@" + domain])
        log.query(t + 0.03, mta, domain, "MX", ["mx1." + domain])
    for _ in times(300):
        mta = mtas[0] if scale == 1 else rng.choice(mtas)
        log.query(when(), mta, "%s._domainkey.%s" % (alnum(rng, 32), rng.choice(senders)), "TXT",
                  ['TXT %d %s' % (len(dkim), dkim)])

    # Local search domains appended by resolvers, and Active Directory SRV
    # locators.
    hosts = ["fileserver", "printer-3f", "sccm01", "wsus", "intranet", "wpad", "isatap"]
    for _ in times(2500):
        client = rng.choice(clients)
        host = rng.choice(hosts)
        shape = rng.randrange(3)
        if shape == 0:
            name = "%s.corp.example.com.corp.example.com" % host
        elif shape == 1:
            name = "%s.emea.branch%d.corp.example.com" % (host, rng.randint(1, 60))
        else:
            name = "_ldap._tcp.%s._sites.dc._msdcs.corp.example.com" % rng.choice(
                ["default-first-site-name", "emea-branch-office-frankfurt", "hq"])
        log.query(when(), client, name, "SRV" if name.startswith("_") else "A",
                  None, "NXDOMAIN" if ".com.corp." in name else "NOERROR")

    # Long registered domains whose one label is 40+ letters (real sites):
    # a base32-alphabet run, but a name someone bought, not data.
    vanity = ["llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch.co.uk",
              "www.llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch.co.uk",
              "thelongestdomainnameintheworldandthensomeandthensomemoreandmore.com",
              "www.thelongestlistofthelongeststuffatthelongestdomainnameatlonglast.com",
              "mail.abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk.com"]
    for _ in times(300):
        log.query(when(), rng.choice(clients), rng.choice(vanity), rng.choice(["A", "AAAA"]),
                  ["192.0.2.%d" % rng.randint(1, 254)])

    if path is None:
        folder = os.path.join(out, "fp-dns-benign-lookalikes")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "dns.log.gz")
    log.write(path, gz=True)


def hex_labels(data, width):
    """Hex of `data` cut into labels of at most `width` characters."""
    text = data.hex()
    return ".".join(text[i:i + width] for i in range(0, len(text), width))


def dnscat2(out):
    """A dnscat2 session over a domain, after iagox86/dnscat2 doc/protocol.md.

    Every packet is hex in the query name's labels (at most 62 characters
    a label, the client's MAX_FIELD_LENGTH) under the tunnel's domain;
    the header is packet_id (2 bytes), message_type (1: 0x00 SYN, 0x01
    MSG, 0x02 FIN), session_id (2); SYN adds the initial sequence number
    and options, MSG its seq and ack, then data. The client asks for TXT,
    CNAME and MX records (its default `type=TXT,CNAME,MX`) and the server
    answers with the reply packet in hex: TXT text, or hex labels under
    the domain for CNAME and MX. The session is encrypted (the default),
    so data bytes are random; most MSG packets are polls without data.
    """
    rng = random.Random(2)
    log = Log(2)
    domain = "updates-cdn-sync.net"
    client = "10.20.43.15"
    session = rng.randbytes(2)
    seq = rng.randrange(65536)
    t = START

    def packet(kind, body):
        return rng.randbytes(2) + bytes([kind]) + session + body

    def ask(body_up, body_down):
        nonlocal t
        t += rng.uniform(0.8, 1.3)
        name = hex_labels(body_up, 62) + "." + domain
        qtype = rng.choice(["TXT", "CNAME", "MX"])
        reply = hex_labels(body_down, 62)
        answer = ("TXT %d %s" % (len(reply.replace(".", "")), reply.replace(".", ""))
                  if qtype == "TXT" else reply + "." + domain)
        log.query(t, client, name, qtype, [answer])

    ask(packet(0x00, seq.to_bytes(2, "big") + b"\x00\x00"), packet(0x00, b"\x12\x34\x00\x00"))
    for _ in range(400):
        up = rng.randbytes(rng.randint(20, 90)) if rng.random() < 0.35 else b""
        down = rng.randbytes(rng.randint(50, 110)) if rng.random() < 0.3 else b""
        seq = (seq + len(up)) % 65536
        ask(packet(0x01, seq.to_bytes(2, "big") + rng.randbytes(2) + up),
            packet(0x01, rng.randbytes(4) + down))
    ask(packet(0x02, b""), packet(0x02, b""))
    everyday(log, rng, client, START - 600, t + 600, 200)
    folder = os.path.join(out, "dns-dnscat2-wire-format")
    os.makedirs(folder, exist_ok=True)
    log.write(os.path.join(folder, "dns.log"))


def cobalt_strike(out):
    """A Cobalt Strike DNS beacon, after the Malleable C2 `dns-beacon` block.

    Default prefixes (Cobalt Strike 4.x Malleable C2 reference): `get_A`
    "cdn.", `get_TXT` "api.", `put_metadata` "www.", `put_output` "post.";
    the beacon checks in with an A query of its id under the domain and
    reads the answer (`dns_idle`, 0.0.0.0 by default, means no task). Sent
    data is hex in labels, followed by a label holding a counter and the
    beacon id. The beacon sleeps 60 s: an hour of idle check-ins, then one
    task whose output (about 12 KB) is uploaded.
    """
    rng = random.Random(3)
    log = Log(3)
    domain = "ns1.cloud-telemetry-eu.com"
    client = "10.20.43.40"
    beacon = "%08x" % rng.getrandbits(32)
    t = START
    for _ in range(60):
        t += rng.uniform(54, 66)
        log.query(t, client, "%s.%s" % (beacon, domain), "A", ["0.0.0.0"])
    t += 60
    log.query(t, client, "%s.%s" % (beacon, domain), "A", ["0.0.0.243"])
    counter = 0

    def upload(prefix, size):
        nonlocal t, counter
        data = rng.randbytes(size)
        for i in range(0, len(data), 84):
            t += rng.uniform(0.05, 0.3)
            counter += 1
            name = "%s%s.%x%s.%s" % (prefix, hex_labels(data[i:i + 84], 56), counter, beacon, domain)
            log.query(t, client, name, "A", ["0.0.0.0"])

    upload("www.", 120)
    t += 1
    log.query(t, client, "api.%x%s.%s" % (counter, beacon, domain), "TXT",
              ["TXT 128 " + alnum(rng, 128, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")])
    upload("post.", 12000)
    everyday(log, rng, client, START - 600, t + 600, 300)
    folder = os.path.join(out, "dns-cobalt-strike-wire-format")
    os.makedirs(folder, exist_ok=True)
    log.write(os.path.join(folder, "dns.log"))


def dns_shell(out):
    """SensePost DNS-Shell in recursive mode, after its DNS-shell.py
    (github.com/sensepost/DNS-Shell, commit 6085145), whose PowerShell
    payload the server generates:

    - every 3 s it asks TXT `<Get-Random>.<domain>`; the answer is `NoCMD`
      or the command to run;
    - a command's output is sent as upper-case hex (BitConverter), 50
      characters a query: A `<rnd>.CMDC<chunks>.<domain>`, then A
      `<rnd>.CMD<i>.<50 hex>.<domain>` for each chunk, then
      `<rnd>.END.<domain>`.
    """
    rng = random.Random(4)
    log = Log(4)
    domain = "dns.office-sync-cdn.com"
    client = "10.20.43.61"
    t = START
    outputs = {40: 1800, 200: 2600, 420: 900}
    for poll in range(600):
        t += 3 + rng.uniform(0.05, 0.4)
        size = outputs.get(poll)
        answer = "TXT 5 NoCMD" if size is None else "TXT 14 ipconfig /all"
        log.query(t, client, "%d.%s" % (rng.randrange(2 ** 31), domain), "TXT", [answer])
        if size is None:
            continue
        text = rng.randbytes(size).hex().upper()
        chunks = [text[i:i + 50] for i in range(0, len(text), 50)]
        t += 0.2
        log.query(t, client, "%d.CMDC%d.%s" % (rng.randrange(2 ** 31), len(chunks), domain), "A", ["127.0.0.1"])
        for i, chunk in enumerate(chunks):
            t += rng.uniform(0.02, 0.1)
            log.query(t, client, "%d.CMD%d.%s.%s" % (rng.randrange(2 ** 31), i, chunk, domain), "A", ["127.0.0.1"])
        t += 0.05
        log.query(t, client, "%d.END.%s" % (rng.randrange(2 ** 31), domain), "A", ["127.0.0.1"])
    everyday(log, rng, client, START - 600, t + 600, 300)
    folder = os.path.join(out, "dns-dns-shell-wire-format")
    os.makedirs(folder, exist_ok=True)
    log.write(os.path.join(folder, "dns.log"))


def tcp_over_dns(out):
    """tcp-over-dns (analogbit, 2008), after its source as mirrored at
    github.com/sunapi386/tcp-over-dns (src/common/Packet.java,
    Base16Alpha.java, DNSSizes.java):

    - a packet is clientID (2 bytes), packetID, lastPidSeen, flags,
      checksum, then data; the default encoding (ENC_SAFE16) writes `a`
      and then every byte as two letters `a`+low nibble, `a`+high nibble,
      cut into labels of 63 under the domain; data per query is what fits
      half of a 512-byte reply (about 100 bytes);
    - the server answers in TXT records of printable characters (its
      `txtConverter`) or CNAME; here TXT.
    A TCP session (an SSH login and a file copy) of 300 round trips.
    """
    rng = random.Random(5)
    log = Log(5)
    domain = "t.mirror-pkgs.net"
    client = "10.20.43.88"
    # Zeek would escape its set separator (`,`) in an answer; leave it out.
    printable = [chr(c) for c in range(33, 127) if chr(c) not in '"\\()@;~,']
    t = START
    pid = 0
    for _ in range(300):
        t += rng.uniform(0.05, 0.5)
        pid = (pid + 1) % 256
        data = rng.randbytes(rng.choice([0, 0, 40, 100]))
        packet = b"\x17\x2a" + bytes([pid, rng.randrange(256), 1, rng.randrange(256)]) + data
        encoded = "a" + "".join(chr(97 + (b & 15)) + chr(97 + (b >> 4)) for b in packet)
        name = ".".join(encoded[i:i + 63] for i in range(0, len(encoded), 63)) + "." + domain
        reply = "".join(rng.choice(printable) for _ in range(rng.choice([12, 12, 150, 230])))
        log.query(t, client, name, "TXT", ["TXT %d %s" % (len(reply), reply)])
    everyday(log, rng, client, START - 600, t + 600, 200)
    folder = os.path.join(out, "dns-tcp-over-dns-wire-format")
    os.makedirs(folder, exist_ok=True)
    log.write(os.path.join(folder, "dns.log"))


def main():
    if sys.argv[1] == "--benign-bulk":
        # The look-alikes scaled up for the false-alert measurement (not a
        # scenario): about 22,900 queries per unit of scale.
        scale, path = int(sys.argv[2]), sys.argv[3]
        lookalikes(None, scale, path)
        return
    fixture, out = sys.argv[1], sys.argv[2]
    tunnel_scenario(fixture, out, "iodine", "NULL", 1)
    tunnel_scenario(fixture, out, "dns2tcp", "TXT", 2)
    tunnel_scenario(fixture, out, "dnscapy", "TXT", 3)
    top_sites(fixture, out)
    lookalikes(out)
    dnscat2(out)
    cobalt_strike(out)
    dns_shell(out)
    tcp_over_dns(out)


if __name__ == "__main__":
    main()

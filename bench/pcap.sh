#!/usr/bin/env bash
# Benchmark the packet-capture reader: `tunnelhunt scan` (built-in pack)
# over a generated capture, as MB/s of capture and peak RSS, to show that
# throughput is steady and memory follows live flows, not capture size.
#
#   bench/pcap.sh                    # 512 MB capture
#   BENCH_PCAP_MB=2048 bench/pcap.sh
#
# The capture (pcap, Ethernet) interleaves what a busy sensor sees: DNS
# queries and answers over UDP (A, AAAA and TXT, one in fifty a TXT answer
# with a long base64 run, as DNS C2 sends), TCP connections with a TLS
# ClientHello, an HTTP request or SSH banners and a few KiB of payload,
# closed by FINs, and about 2,000 flows live at any time.
#
# Environment (all optional):
#   BENCH_PCAP_MB     capture size in MB                           (default: 512)
#   BENCH_DIR         where the capture goes                       (default: /tmp/tunnelhunt-bench)
#   CARGO_TARGET_DIR  (default: target-bench in the repository)
#   BENCH_NO_BUILD=1  use the binary already in CARGO_TARGET_DIR
#
# Needs GNU time as /usr/bin/time, python3 and cargo.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
WORK=${BENCH_DIR:-${TMPDIR:-/tmp}/tunnelhunt-bench}
MB=${BENCH_PCAP_MB:-512}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target-bench}
BIN=$CARGO_TARGET_DIR/release/tunnelhunt
CAPTURE=$WORK/bench-$MB.pcap

mkdir -p "$WORK"
if [[ -z ${BENCH_NO_BUILD:-} ]]; then
    cargo build --release -p tunnelhunt --manifest-path "$REPO/Cargo.toml" >&2
fi

if [[ ! -s $CAPTURE ]]; then
    python3 - "$CAPTURE" "$MB" <<'PY'
import base64, random, struct, sys

path, mb = sys.argv[1], int(sys.argv[2])
limit = mb * 1_000_000
rng = random.Random(1572)

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

def ipv4(src, dst, proto, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def eth(ip):
    return b"\x02" * 6 + b"\x01" * 6 + b"\x08\x00" + ip

def udp(sp, dp, p):
    return struct.pack("!HHHH", sp, dp, 8 + len(p), 0) + p

def tcp(sp, dp, seq, flags, p=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, 0, 0x50, flags, 64240, 0, 0) + p

def name(labels):
    return b"".join(bytes([len(l)]) + l for l in labels) + b"\0"

def dns(i, flags, qname, qtype, answers=b"", count=0):
    return struct.pack("!HHHHHH", i & 0xFFFF, flags, 1, count, 0, 0) + qname + struct.pack("!HH", qtype, 1) + answers

def host(i):
    return bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF or 1])

SERVER, RESOLVER = bytes([203, 0, 113, 7]), bytes([10, 0, 0, 53])
def client_hello(sni):
    sni_ext = struct.pack("!HBH", len(sni) + 3, 0, len(sni)) + sni
    ext = struct.pack("!HH", 0, len(sni_ext)) + sni_ext + struct.pack("!HHH", 16, 5, 3) + b"\x02h2"
    body = b"\x03\x03" + bytes(32) + b"\x00\x00\x02\x13\x01\x01\x00" + struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs

out = open(path, "wb")
out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
written, t, n = 24, 1_700_000_000.0, 0
def packet(frame):
    global written, t
    t += 0.0002
    out.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
    written += 16 + len(frame)

live = []
while written < limit:
    n += 1
    client = host(n % 60000)
    port = 1024 + n % 60000
    if n % 3:
        labels = [b"%x" % rng.getrandbits(32), b"example", b"com"]
        qtype = (1, 28, 16)[n % 3] if n % 50 else 16
        q = name(labels)
        packet(eth(ipv4(client, RESOLVER, 17, udp(port, 53, dns(n, 0x0100, q, qtype)))))
        if qtype == 16 and n % 50 == 0:
            text = b"@" + base64.b64encode(rng.randbytes(150)) + b"@"
        else:
            text = b"v=spf1 include:_spf.example.com ~all"
        rdata = bytes([len(text)]) + text if qtype == 16 else (bytes(4) if qtype == 1 else bytes(16))
        ans = b"\xc0\x0c" + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata
        packet(eth(ipv4(RESOLVER, client, 17, udp(53, port, dns(n, 0x8180, q, qtype, ans, 1)))))
        continue
    kind = n % 4
    dport = (443, 80, 22, 8443)[kind]
    first = (client_hello(b"cdn%d.example.net" % (n % 977)), b"GET /index.html HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: Mozilla/5.0\r\n\r\n", b"SSH-2.0-OpenSSH_9.6\r\n", rng.randbytes(600))[kind]
    packet(eth(ipv4(client, SERVER, 6, tcp(port, dport, 0, 0x02))))
    packet(eth(ipv4(SERVER, client, 6, tcp(dport, port, 0, 0x12))))
    packet(eth(ipv4(client, SERVER, 6, tcp(port, dport, 1, 0x18, first))))
    seq = 1
    for _ in range(3):
        chunk = rng.randbytes(1400)
        packet(eth(ipv4(SERVER, client, 6, tcp(dport, port, seq, 0x18, chunk))))
        seq += len(chunk)
    live.append((client, port, dport, len(first) + 1, seq))
    if len(live) > 2000:
        c, p, d, cs, ss = live.pop(0)
        packet(eth(ipv4(c, SERVER, 6, tcp(p, d, cs, 0x11))))
        packet(eth(ipv4(SERVER, c, 6, tcp(d, p, ss, 0x11))))
out.close()
PY
fi

bytes=$(stat -c %s "$CAPTURE")
echo "capture: $CAPTURE ($bytes bytes)"
/usr/bin/time -f "%e %M %U %S" -o "$WORK/pcap.time" \
    "$BIN" scan --threads 1 --format jsonl --summary json "$CAPTURE" >"$WORK/pcap.alerts" 2>"$WORK/pcap.summary" || true
read -r secs rss_kb user sys < <(tail -n1 "$WORK/pcap.time")
alerts=$(wc -l <"$WORK/pcap.alerts")
python3 - "$bytes" "$secs" "$rss_kb" "$alerts" "$WORK/pcap.summary" "$user" "$sys" <<'PY'
import json, sys
size, secs, rss, alerts, summary = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
cpu = float(sys.argv[6]) + float(sys.argv[7])
line = [l for l in open(summary) if l.startswith("{")][-1]
totals = json.loads(line)["totals"]
print(f"{size / 1e6:.0f} MB in {secs:.1f} s ({cpu:.1f} s CPU): {size / 1e6 / secs:.1f} MB/s of capture "
      f"({size / 1e6 / cpu:.1f} MB per CPU second), peak RSS {rss / 1024:.0f} MiB, "
      f"{totals['records_read']} events read, {alerts} alerts")
PY

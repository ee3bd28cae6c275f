#!/usr/bin/env python3
"""Generate a day of Zeek dns.log and conn.log for bench/behaviour.sh.

Usage: gen_behaviour.py OUT_DIR DNS_ROWS CONN_ROWS

The traffic is shaped like a mid-size network's, not like a fixture: 5,000
clients, a long tail of registered domains under real public suffixes, CDN
names with hashed labels, reverse lookups, and a few DNS tunnels and beacons
hidden in it, so the analytics keep realistic state (many keys, few alerts).
Rows are written in flow-completion order, as Zeek does. Deterministic.
"""
import random
import sys

out, dns_rows, conn_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
r = random.Random(1572)
T0 = 1795190400.0  # 2026-11-21T00:00:00Z
DAY = 86400.0
clients = [f"10.{20 + i // 60000}.{(i // 250) % 240}.{i % 250 + 1}" for i in range(5000)]
suffixes = ["com", "net", "org", "co.uk", "com.br", "de", "io", "com.au", "fr", "co.jp"]
domains = [f"site{i}.{r.choice(suffixes)}" for i in range(60000)]
popular = domains[:300]
subs = ["www", "api", "cdn", "static", "img", "login", "mail", "m", "edge", "assets"]
B32 = "abcdefghijklmnopqrstuvwxyz234567"

HEAD = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t{path}\n#open\t2026-11-21-00-00-00\n#fields\t{fields}\n#types\t{types}\n"


def dns_name():
    x = r.random()
    if x < 0.55:
        return f"{r.choice(subs)}.{r.choice(popular)}"
    if x < 0.85:
        return f"{r.choice(subs)}.{r.choice(domains)}"
    if x < 0.93:  # CDN names with hashed labels
        return f"{''.join(r.choice('0123456789abcdef') for _ in range(16))}.{r.choice(['cloudfront.net', 'akamaized.net', 'fastly.net'])}"
    if x < 0.97:
        return f"{r.randint(1, 254)}.{r.randint(0, 255)}.20.10.in-addr.arpa"
    return r.choice(popular)


def write_dns():
    fields = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype_name\trcode_name"
    types = "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tstring\tstring\tstring"
    tunnels = [(clients[17], "t.exfil-relay.com"), (clients[2048], "ns.cdn-sync.io"), (clients[4000], "d.update-check.co.uk")]
    with open(f"{out}/dns.log", "w") as f:
        f.write(HEAD.format(path="dns", fields=fields, types=types))
        for i in range(dns_rows):
            if i % 2000 < 3:
                client, zone = tunnels[i % 2000]
                name = "".join(r.choice(B32) for _ in range(r.randint(50, 110)))
                name = ".".join(name[j:j + 60] for j in range(0, len(name), 60)) + "." + zone
                qtype = "TXT"
            else:
                client, name, qtype = r.choice(clients), dns_name(), r.choice(["A", "AAAA", "A", "HTTPS"])
            # Completion order: up to a few seconds late, occasionally much later.
            ts = T0 + DAY * i / dns_rows + (r.random() * 3 if r.random() < 0.99 else -r.random() * 1800)
            f.write(f"{ts:.6f}\tC{i:017d}\t{client}\t{r.randint(1024, 65535)}\t10.20.0.53\t53\tudp\t{i % 65536}\t{name}\t{qtype}\tNOERROR\n")


def write_conn():
    fields = "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state"
    types = "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring"
    dests = [f"{r.choice([198, 203, 192, 104, 151])}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}" for _ in range(40000)]
    beacons = [(clients[99], "203.0.113.66", 60.0), (clients[3333], "198.51.100.9", 300.0)]
    with open(f"{out}/conn.log", "w") as f:
        f.write(HEAD.format(path="conn", fields=fields, types=types))
        for i in range(conn_rows):
            ts = T0 + DAY * i / conn_rows
            if i % 1000 == 0:
                host, dest, every = beacons[(i // 1000) % 2]
                ts = T0 + (i // 2000) * every
                dur, ob, rb, state = r.uniform(0.2, 0.6), r.randint(600, 640), r.randint(1400, 1460), "SF"
            else:
                host, dest = r.choice(clients), r.choice(dests)
                dur, ob, rb = r.expovariate(1 / 20.0), r.randint(200, 50000), r.randint(500, 2_000_000)
                state = "SF" if r.random() < 0.9 else r.choice(["S0", "REJ", "RSTO"])
            f.write(f"{ts:.6f}\tC{i:017d}\t{host}\t{r.randint(1024, 65535)}\t{dest}\t{r.choice([443, 443, 443, 80, 22])}\ttcp\tssl\t{dur:.6f}\t{ob}\t{rb}\t{state}\n")


write_dns()
write_conn()

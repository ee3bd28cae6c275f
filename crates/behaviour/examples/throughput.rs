//! Throughput of the behaviour analytics alone, on Zeek logs: how many
//! DNS queries and connections per second one core observes and scores.
//! `bench/behaviour.sh` generates the logs and runs this in a release
//! build under `/usr/bin/time -v` for the peak RSS.
//!
//! ```text
//! cargo run --release -p tunnelhunt-behaviour --example throughput -- dns.log conn.log
//! ```
//!
//! Each log is read twice, streaming: once only parsing the rows, once
//! parsing them and feeding the analytics; the difference is the
//! analytics' time (the readers' own speed is `bench/run.sh`'s business).
//! `finish` (sorting and scoring every key) is timed on its own. Both wall
//! time and this thread's CPU time (from `/proc/thread-self/stat`, in
//! clock ticks) are reported: on a shared machine the CPU time is the
//! figure that means "per core".

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::time::{Duration, Instant};

use tunnelhunt_behaviour::{Analytic, Collector, Connection, DnsQuery, SourceRef};

/// The columns of a Zeek TSV log named by its `#fields` line.
struct Columns {
    names: Vec<String>,
}

impl Columns {
    fn index(&self, name: &str) -> io::Result<usize> {
        self.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| io::Error::other(format!("no column {name}")))
    }
}

/// Call `row` with the fields of every data row of a Zeek TSV log.
fn rows(path: &str, mut row: impl FnMut(&Columns, &[&str], u64)) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut line = String::new();
    let mut columns = Columns { names: Vec::new() };
    let mut number = 0;
    let mut count = 0;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(count);
        }
        number += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if let Some(names) = text.strip_prefix("#fields\t") {
            columns.names = names.split('\t').map(str::to_owned).collect();
            continue;
        }
        if text.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = text.split('\t').collect();
        row(&columns, &fields, number);
        count += 1;
    }
}

/// Time spent, wall and this thread's CPU.
#[derive(Debug, Clone, Copy, Default)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

impl Spent {
    fn minus(self, other: Spent) -> Spent {
        Spent {
            wall: self.wall.saturating_sub(other.wall),
            cpu: self.cpu.saturating_sub(other.cpu),
        }
    }
}

/// This thread's user + system CPU time; zero where `/proc` has none.
fn thread_cpu() -> Duration {
    // Linux's USER_HZ is 100 on every architecture the tool targets.
    const TICKS_PER_SECOND: u64 = 100;
    let Ok(stat) = std::fs::read_to_string("/proc/thread-self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name (which may hold spaces) start at ')'.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

fn measure(work: impl FnOnce() -> io::Result<u64>) -> io::Result<(u64, Spent)> {
    let (wall, cpu) = (Instant::now(), thread_cpu());
    let rows = work()?;
    Ok((
        rows,
        Spent {
            wall: wall.elapsed(),
            cpu: thread_cpu().saturating_sub(cpu),
        },
    ))
}

fn nanos(ts: &str) -> Option<i64> {
    ts.parse::<f64>().ok().map(|s| (s * 1e9) as i64)
}

fn dns_query<'a>(columns: &Columns, fields: &[&'a str], line: u64) -> io::Result<DnsQuery<'a>> {
    let (ts, client, query) = (
        columns.index("ts")?,
        columns.index("id.orig_h")?,
        columns.index("query")?,
    );
    Ok(DnsQuery {
        client: fields[client],
        name: fields[query],
        time: nanos(fields[ts]),
        source: SourceRef {
            input: 0,
            position: line,
        },
    })
}

fn connection<'a>(columns: &Columns, fields: &[&'a str], line: u64) -> io::Result<Connection<'a>> {
    let at = |name: &str| columns.index(name).map(|i| fields[i]);
    Ok(Connection {
        host: at("id.orig_h")?,
        process: None,
        destination: at("id.resp_h")?,
        port: at("id.resp_p")?.parse().ok(),
        time: nanos(at("ts")?),
        bytes: Some(
            at("orig_bytes")?.parse::<u64>().unwrap_or(0)
                + at("resp_bytes")?.parse::<u64>().unwrap_or(0),
        ),
        duration: at("duration")?.parse().ok(),
        source: SourceRef {
            input: 1,
            position: line,
        },
    })
}

/// Time reading `path` with `observe` per row, and without.
fn timed(
    path: &str,
    mut observe: impl FnMut(&Columns, &[&str], u64) -> io::Result<()>,
) -> io::Result<(u64, Spent)> {
    let mut failed = None;
    let (_, with) = measure(|| {
        rows(path, |c, f, n| {
            if failed.is_none()
                && let Err(e) = observe(c, f, n)
            {
                failed = Some(e);
            }
        })
    })?;
    let (rows, parsing) = measure(|| {
        rows(path, |c, f, n| {
            std::hint::black_box((c, f, n));
        })
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok((rows, with.minus(parsing))),
    }
}

fn rate(n: u64, t: Duration) -> f64 {
    n as f64 / t.as_secs_f64().max(1e-9) / 1e6
}

fn line(what: &str, n: u64, unit: &str, spent: Spent) {
    println!(
        "{what}: {n} {unit} in {:.2} s wall ({:.2} M/s), {:.2} s CPU ({:.2} M per CPU-second)",
        spent.wall.as_secs_f64(),
        rate(n, spent.wall),
        spent.cpu.as_secs_f64(),
        rate(n, spent.cpu)
    );
}

fn main() -> io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dns, conn] = args.as_slice() else {
        return Err(io::Error::other(
            "usage: throughput DNS_LOG CONN_LOG (Zeek TSV)",
        ));
    };
    let mut collector = Collector::default();
    let (queries, dns_time) = timed(dns, |c, f, n| {
        collector.push_query(dns_query(c, f, n)?);
        Ok(())
    })?;
    let (connections, conn_time) = timed(conn, |c, f, n| {
        let connection = connection(c, f, n)?;
        collector.push_connection(Analytic::Beacon, connection);
        collector.push_connection(Analytic::LongConnection, connection);
        Ok(())
    })?;
    let mut finished = None;
    let (_, finish) = measure(|| {
        finished = Some(collector.finish());
        Ok(0)
    })?;
    let (alerts, report) = finished.unwrap_or_default();
    line("dns", queries, "queries observed", dns_time);
    line("conn", connections, "connections observed", conn_time);
    println!(
        "finish: {:.2} s wall, {:.2} s CPU",
        finish.wall.as_secs_f64(),
        finish.cpu.as_secs_f64()
    );
    let total = Spent {
        wall: dns_time.wall + conn_time.wall + finish.wall,
        cpu: dns_time.cpu + conn_time.cpu + finish.cpu,
    };
    line("all, finish included", queries + connections, "rows", total);
    for analytic in Analytic::ALL {
        let found = alerts.iter().filter(|a| a.analytic == analytic).count();
        println!("alerts: {analytic}: {found}");
    }
    println!("report: {report:?}");
    Ok(())
}

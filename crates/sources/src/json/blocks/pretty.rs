//! Following a file of concatenated pretty-printed JSON documents line by
//! line, to know where it can be cut into blocks (see `super`).
//!
//! In the framer's pretty-printed layout (settled when the first record
//! closes on a later line than it opened), a line that starts with `{` in
//! its first column, outside any top-level array, always starts a new
//! record: after the previous one closed, or cutting short one left open
//! (reported as truncated at its first line, exactly what a reader that
//! ends there reports). A block may therefore start at such a line, as
//! long as its record goes on past the line and closes before another
//! record starts: the block's fresh reader then settles on the pretty
//! layout too, and reads on exactly as the reader of the whole file
//! would. That last condition is known only lines later, so a line is a
//! [`Step::Candidate`] first and [`Step::Confirmed`] when its record
//! closes.
//!
//! What this module does not follow stops cutting for the rest of the file
//! (`None`): a string still open at its line end (the framer's recovery
//! from that depends on more state), a top-level `[`, `]` or `}`, and a
//! first record that closes on the line it opened (the file is then one
//! record per line after all, which the JSON-lines path handles).

use crate::json::skim;

/// Where the follower is between lines.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Pretty {
    /// Open `{`/`[` of the current record; 0 between records.
    depth: u32,
    /// The first record has closed, on a later line than it opened.
    settled: bool,
    /// The current record opened a line that may start a block, if the
    /// record closes before another line opens one.
    candidate: bool,
}

/// What a line means for cutting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Other,
    /// A block may start at this line if its record closes before another
    /// record opens in the first column (a record cut short there would
    /// leave the block's reader unsettled, and the next one-line record
    /// would settle it on one record per line).
    Candidate,
    /// The record of the last candidate line has closed: a block may start
    /// at that line.
    Confirmed,
}

/// What one line did, read from a depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Line {
    depth: u32,
    /// Some record closed on the line.
    closed: bool,
    /// A record that opened on the line also closed on it.
    one_line: bool,
}

/// Read one line (without its `\n`) from `depth` the way the framer does:
/// structure outside strings, garbage between records to the line end.
fn follow(line: &[u8], mut depth: u32) -> Option<Line> {
    let mut out = Line {
        depth,
        closed: false,
        one_line: false,
    };
    let mut opened_here = false;
    let mut i = 0;
    while let Some(&b) = line.get(i) {
        if depth == 0 {
            match b {
                b'{' => {
                    depth = 1;
                    opened_here = true;
                }
                b'[' | b']' | b'}' => return None,
                _ if b.is_ascii_whitespace() => {}
                // Not JSON: the framer skips to the line end.
                _ => break,
            }
            i += 1;
            continue;
        }
        match b {
            b'"' => {
                i = skim::string_end(line, i + 1)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    out.closed = true;
                    out.one_line |= opened_here;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.depth = depth;
    Some(out)
}

impl Pretty {
    /// Start following at the first line of the file's first record
    /// (`line` opens it in its first column and it stays open); `None` if
    /// the line is not that.
    pub(crate) fn start(line: &[u8]) -> Option<Pretty> {
        let line = strip_newline(line);
        if line.first() != Some(&b'{') {
            return None;
        }
        let l = follow(line, 0)?;
        (!l.closed && l.depth > 0).then_some(Pretty {
            depth: l.depth,
            settled: false,
            candidate: false,
        })
    }

    /// Follow the next line; `None`: stop cutting.
    pub(crate) fn next_line(&mut self, line: &[u8]) -> Option<Step> {
        let line = strip_newline(line);
        let starts_record = line.first() == Some(&b'{');
        let from = if starts_record { 0 } else { self.depth };
        let l = follow(line, from)?;
        if l.closed && !self.settled {
            if l.one_line {
                return None;
            }
            self.settled = true;
        }
        self.depth = l.depth;
        let step = if starts_record {
            // Whatever record was open is cut short here.
            self.candidate = self.settled && !l.closed && l.depth > 0;
            if self.candidate {
                Step::Candidate
            } else {
                Step::Other
            }
        } else if self.candidate && l.closed {
            self.candidate = false;
            Step::Confirmed
        } else {
            Step::Other
        };
        Some(step)
    }
}

fn strip_newline(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    use Step::{Candidate as C, Confirmed as K, Other as O};

    fn lines(p: &mut Pretty, text: &str) -> Vec<Option<Step>> {
        text.lines().map(|l| p.next_line(l.as_bytes())).collect()
    }

    #[test]
    fn documents_start_blocks_once_the_layout_is_settled() {
        let mut p = Pretty::start(b"{\n").unwrap();
        let got = lines(
            &mut p,
            "  \"a\": \"}{[\",\n  \"b\": {\n    \"c\": [1]\n  }\n}\n{\n  \"d\": 1\n}",
        );
        let want = [O, O, O, O, O, C, O, K];
        assert_eq!(got, want.map(Some));
    }

    #[test]
    fn what_is_not_followed_stops_cutting() {
        assert!(Pretty::start(b"{\"a\":1}\n").is_none());
        assert!(Pretty::start(b"  {\n").is_none());
        let mut p = Pretty::start(b"{\n").unwrap();
        assert_eq!(p.next_line(b"  \"a\": \"open"), None);
        let mut p = Pretty::start(b"{\n").unwrap();
        assert_eq!(p.next_line(b"}"), Some(O));
        assert_eq!(p.next_line(b"["), None);
        // The first record, cut short, then a one-line one: the file is
        // one record per line after all.
        let mut p = Pretty::start(b"{\n").unwrap();
        assert_eq!(p.next_line(b"{\"a\":1}"), None);
    }

    #[test]
    fn a_candidate_cut_short_is_dropped() {
        let mut p = Pretty::start(b"{\n").unwrap();
        let got = lines(&mut p, "}\n{\n  \"a\": {\n{\n}\nRecord 3\n{\"b\":1}\n{\n}");
        let want = [O, C, O, C, K, O, O, C, K];
        assert_eq!(got, want.map(Some));
    }
}

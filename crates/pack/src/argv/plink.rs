//! How PuTTY's plink (and its forks klink, TortoisePlink) reads a forward
//! from its arguments, as far as the pack relies on it.
//!
//! PuTTY compares each option with `strcmp` (`cmdline.c`): `-L`, `-R` and
//! `-D` must be whole, case-sensitive elements of `argv`, and the spec is
//! the *next* element (`-L8080:…` is not a plink form). The elements are
//! the C runtime's (PuTTY's Windows build splits its command line by the
//! same rules, [`super::windows`]), so `"-L"` is `-L`. The first element
//! that is not an option is the host; what follows is the remote command.
//!
//! Ports are modelled as plain decimal numbers: PuTTY's own port parsing
//! (numbers, service names) was not checked against its source, so the
//! pack claims nothing about other spellings for plink.

use super::openssh::{Direction, Forward};

/// Options that take the next element as their value (so that element is
/// never read as an option or the host).
const OPTIONS_WITH_VALUE: &[&str] = &[
    "-l",
    "-pw",
    "-P",
    "-i",
    "-m",
    "-load",
    "-hostkey",
    "-nc",
    "-proxycmd",
    "-sercfg",
    "-sessionlog",
    "-pwfile",
    "-cert",
    "-jumphost",
];

/// The forwards `argv` (program name first) asks plink for.
pub fn forwards(argv: &[String]) -> Vec<Forward> {
    let mut found = Vec::new();
    let mut args = argv.iter().skip(1);
    while let Some(arg) = args.next() {
        let direction = match arg.as_str() {
            "-L" => Direction::Local,
            "-R" => Direction::Remote,
            "-D" => Direction::Dynamic,
            option if OPTIONS_WITH_VALUE.contains(&option) => {
                args.next();
                continue;
            }
            option if option.starts_with('-') => continue,
            _ => break,
        };
        let Some(spec) = args.next() else { break };
        if let Some(forward) = parse(direction, spec) {
            found.push(forward);
        }
    }
    found
}

/// `[srcaddr:]srcport:host:port` for -L/-R, `[srcaddr:]port` for -D.
fn parse(direction: Direction, spec: &str) -> Option<Forward> {
    let fields = fields(spec)?;
    let port = |text: &str| -> Option<u16> {
        if text.is_empty() || text.len() > 5 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        text.parse().ok().filter(|&p| p > 0)
    };
    match (direction, fields.as_slice()) {
        (Direction::Dynamic, [listen] | [_, listen]) => port(listen).map(|_| Forward {
            direction,
            target_port: None,
        }),
        (Direction::Local | Direction::Remote, [listen, _, target] | [_, listen, _, target]) => {
            port(listen)?;
            port(target).map(|target| Forward {
                direction,
                target_port: Some(target),
            })
        }
        _ => None,
    }
}

/// Colon-separated fields, a bracketed IPv6 address being one field.
fn fields(spec: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = spec;
    loop {
        let end = if rest.starts_with('[') {
            rest.find(']')? + 1
        } else {
            rest.find(':').unwrap_or(rest.len())
        };
        out.push(rest[..end].trim_start_matches('[').trim_end_matches(']'));
        match rest[end..].strip_prefix(':') {
            Some(next) => rest = next,
            None if rest[end..].is_empty() => return Some(out),
            None => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Vec<Forward> {
        let argv: Vec<String> = std::iter::once("plink")
            .chain(args.iter().copied())
            .map(str::to_owned)
            .collect();
        forwards(&argv)
    }

    #[test]
    fn whole_case_sensitive_options_with_the_spec_in_the_next_element() {
        let to = |port| Forward {
            direction: Direction::Local,
            target_port: Some(port),
        };
        assert_eq!(run(&["-L", "13389:127.0.0.1:3389", "h"]), [to(3389)]);
        assert_eq!(run(&["-ssh", "-l", "-L", "-L", "1:h:445", "h"]), [to(445)]);
        assert!(run(&["-L13389:127.0.0.1:3389", "h"]).is_empty());
        assert!(run(&["-l", "root", "h", "-L", "1:h:3389"]).is_empty());
        assert_eq!(run(&["-D", "[::1]:1080", "h"]).len(), 1);
        assert!(run(&["-L", "1:h:03389x", "h"]).is_empty());
    }
}

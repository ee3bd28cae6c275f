//! How a Windows program that starts through the Microsoft C runtime
//! (OpenSSH for Windows, netsh, PuTTY's own copy of the same rules) turns
//! its one command-line string into `argv`.
//!
//! Windows hands a process a single string; splitting it is the program's
//! business, and the C runtime does it before `main` by the rules of
//! Microsoft's "Parsing C++ command-line arguments":
//!
//! - arguments are separated by spaces and tabs outside double quotes;
//! - a double quote opens or closes a quoted part and is dropped, so
//!   `"-L"`, `-"L"`, `8080":"10.0.0.5` and `inter""face` are `-L`, `-L`,
//!   `8080:10.0.0.5` and `interface`;
//! - inside a quoted part, `""` is one literal quote and ends the quoted
//!   part (`a"b"" c d` is `ab"`, `c`, `d`);
//! - backslashes are literal except before a double quote: 2n of them and
//!   a quote give n backslashes and a delimiter, 2n+1 give n backslashes
//!   and a literal quote;
//! - the caret is *not* special (it is `cmd.exe`'s escape, removed before
//!   the program starts, so a caret left in a process's own command line
//!   reaches the program as a caret);
//! - the program name (argument 0) ends at the first space or tab outside
//!   quotes, and its backslashes are always literal.
//!
//! A pattern over the raw command line therefore has to allow a quote
//! between any two characters of a flag or value, which is what
//! [`super::patterns`] writes.

/// The `argv` the C runtime builds from `line`.
pub fn split_command_line(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut args = Vec::new();
    let mut at = 0;

    let mut program = String::new();
    let mut quoted = false;
    while at < chars.len() {
        let c = chars[at];
        if c == '"' {
            quoted = !quoted;
        } else if is_blank(c) && !quoted {
            break;
        } else {
            program.push(c);
        }
        at += 1;
    }
    args.push(program);

    loop {
        while at < chars.len() && is_blank(chars[at]) {
            at += 1;
        }
        if at >= chars.len() {
            break;
        }
        let mut arg = String::new();
        let mut quoted = false;
        while at < chars.len() {
            let c = chars[at];
            if is_blank(c) && !quoted {
                break;
            }
            if c == '\\' {
                let run = chars[at..].iter().take_while(|&&c| c == '\\').count();
                at += run;
                if chars.get(at) == Some(&'"') {
                    arg.extend(std::iter::repeat_n('\\', run / 2));
                    if run % 2 == 1 {
                        arg.push('"');
                        at += 1;
                    }
                } else {
                    arg.extend(std::iter::repeat_n('\\', run));
                }
                continue;
            }
            if c == '"' {
                if quoted && chars.get(at + 1) == Some(&'"') {
                    arg.push('"');
                    quoted = false;
                    at += 2;
                } else {
                    quoted = !quoted;
                    at += 1;
                }
                continue;
            }
            arg.push(c);
            at += 1;
        }
        args.push(arg);
    }
    args
}

/// The C runtime's separators: space and tab, nothing else.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

#[cfg(test)]
mod tests {
    use super::split_command_line;

    fn split(line: &str) -> Vec<String> {
        split_command_line(line)
    }

    #[test]
    fn microsofts_documented_examples() {
        // The table of "Parsing C++ command-line arguments" (as corrected
        // for the UCRT: `a"b"" c d`).
        assert_eq!(split(r#"p "a b c" d e"#), ["p", "a b c", "d", "e"]);
        assert_eq!(split(r#"p "ab\"c" "\\" d"#), ["p", r#"ab"c"#, r"\", "d"]);
        assert_eq!(split(r#"p a\\\b d"e f"g h"#), ["p", r"a\\\b", "de fg", "h"]);
        assert_eq!(split(r#"p a\\\"b c d"#), ["p", r#"a\"b"#, "c", "d"]);
        assert_eq!(split(r#"p a\\\\"b c" d e"#), ["p", r"a\\b c", "d", "e"]);
        assert_eq!(split(r#"p a"b"" c d"#), ["p", r#"ab""#, "c", "d"]);
    }

    #[test]
    fn the_evasions_of_issue_15_come_out_as_the_flags_they_hide() {
        assert_eq!(
            split(r#"ssh -N "-L" "8080:10.0.0.5:3389" u@h"#),
            ["ssh", "-N", "-L", "8080:10.0.0.5:3389", "u@h"]
        );
        assert_eq!(split(r#"ssh -"L" 8080:h:3389"#)[1], "-L");
        assert_eq!(
            split(r#"ssh -L 8080":"10.0.0.5":"3389"#)[2],
            "8080:10.0.0.5:3389"
        );
        assert_eq!(split(r#"netsh inter""face"#)[1], "interface");
        assert_eq!(split(r"ssh -L 80\80:h:3389")[2], r"80\80:h:3389");
        assert_eq!(split("netsh i^nterface")[1], "i^nterface");
    }

    #[test]
    fn the_program_name_keeps_its_backslashes_and_drops_its_quotes() {
        assert_eq!(
            split(r#""C:\Program Files\OpenSSH\ssh.exe" -N"#),
            [r"C:\Program Files\OpenSSH\ssh.exe", "-N"]
        );
        assert_eq!(split(r#"C:\a\"b c"#), [r"C:\a\b c"]);
        assert_eq!(split("ssh \"\" x"), ["ssh", "", "x"]);
        assert_eq!(split("ssh\t-N  "), ["ssh", "-N"]);
    }
}

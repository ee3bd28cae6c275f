//! The pack's ssh and plink rules against the argument-grammar model:
//! over a generated space of command lines — quoting as the C runtime
//! undoes it, OpenSSH's port spellings, clustered and attached flags,
//! options before and after the destination, decoy options — a rule fires
//! exactly when the model says the program, reading this line, sets up
//! the forward the rule is about.
//!
//! The space leaves out what a regex over raw text cannot decide; each of
//! those differences is pinned by `known_differences` (so a change that
//! closes one fails there and the guides get updated) and listed in the
//! rules' guides under "What this rule cannot see".

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;
use tunnelhunt_engine::{Event, EventKind, FieldValue, Lookup, Matcher, MatcherBuilder};
use tunnelhunt_pack::argv::openssh::{self, Direction, Forward};
use tunnelhunt_pack::argv::patterns::REMOTE_ACCESS_PORTS;
use tunnelhunt_pack::argv::{plink, services, windows};
use tunnelhunt_pack::builtin_rules;
use tunnelhunt_sigma::collection::RuleCollection;
use tunnelhunt_sigma::lower::{Placeholders, lower_rule};

/// One process-creation event.
struct Process {
    product: &'static str,
    image: String,
    command_line: String,
}

impl Event for Process {
    fn field(&self, name: &str) -> Lookup<'_> {
        match name {
            "Image" => Lookup::One(FieldValue::Str(Cow::Borrowed(&self.image))),
            "CommandLine" => Lookup::One(FieldValue::Str(Cow::Borrowed(&self.command_line))),
            _ => Lookup::Absent,
        }
    }

    fn for_each_value(&self, visit: &mut dyn FnMut(&FieldValue<'_>)) {
        visit(&FieldValue::Str(Cow::Borrowed(&self.image)));
        visit(&FieldValue::Str(Cow::Borrowed(&self.command_line)));
    }

    fn kind(&self) -> EventKind<'_> {
        EventKind {
            product: Some(self.product),
            category: Some("process_creation"),
            ..EventKind::default()
        }
    }
}

/// The three questions the ssh rules answer, for one platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Question {
    /// Any local forward (`*_ssh_local_port_forward`).
    Local,
    /// Any remote, reverse-SOCKS or SOCKS forward (`*_ssh_remote_dynamic_forward`).
    RemoteOrDynamic,
    /// A -L/-R forward to RDP, SMB or WinRM (`*_ssh_forward_remote_access_port`).
    RemoteAccess,
}

const QUESTIONS: [Question; 3] = [
    Question::Local,
    Question::RemoteOrDynamic,
    Question::RemoteAccess,
];

fn rule_stem(question: Question, product: &str) -> String {
    let os = if product == "windows" { "win" } else { "lnx" };
    let name = match question {
        Question::Local => "ssh_local_port_forward",
        Question::RemoteOrDynamic => "ssh_remote_dynamic_forward",
        Question::RemoteAccess => "ssh_forward_remote_access_port",
    };
    format!("proc_creation_{os}_{name}")
}

/// The model's answer for a list of forwards.
fn answer(question: Question, forwards: &[Forward]) -> bool {
    forwards.iter().any(|f| match question {
        Question::Local => f.direction == Direction::Local,
        Question::RemoteOrDynamic => f.direction != Direction::Local,
        Question::RemoteAccess => {
            matches!(f.direction, Direction::Local | Direction::Remote)
                && f.target_port
                    .is_some_and(|p| REMOTE_ACCESS_PORTS.contains(&p))
        }
    })
}

/// One matcher per rule file, so a hit names its rule.
fn matchers() -> BTreeMap<String, Matcher> {
    let mut out = BTreeMap::new();
    for file in builtin_rules() {
        let mut collection = RuleCollection::new();
        collection.add_file(Path::new(file.path), file.text);
        collection.finish();
        let mut builder = MatcherBuilder::new();
        for rule in collection.rules() {
            let expr = lower_rule(rule, &[], &Placeholders::new()).unwrap();
            builder.add_rule(&rule.logsource, &expr).unwrap();
        }
        out.insert(file.stem().to_owned(), builder.build().unwrap());
    }
    out
}

fn fires(matchers: &BTreeMap<String, Matcher>, stem: &str, event: &Process) -> bool {
    let matcher = &matchers[stem];
    let mut scratch = matcher.scratch();
    let mut hits = Vec::new();
    matcher.matches(event, &mut scratch, &mut hits);
    !hits.is_empty()
}

thread_local! {
    static MATCHERS: BTreeMap<String, Matcher> = matchers();
}

// ---------------------------------------------------------------- generators

const PORTS: [u16; 11] = [22, 80, 443, 445, 1080, 3389, 5432, 5985, 5986, 8080, 13389];

/// The ways OpenSSH lets one write `port`.
fn ssh_port(port: u16) -> BoxedStrategy<String> {
    let plain = port.to_string();
    let mut spellings = vec![
        Just(plain.clone()).boxed(),
        Just(format!("+{plain}")).boxed(),
        (1usize..6)
            .prop_map({
                let plain = plain.clone();
                move |zeros| format!("{}{plain}", "0".repeat(zeros))
            })
            .boxed(),
        Just(format!("[{plain}]")).boxed(),
    ];
    if plain.len() > 1 {
        spellings.push(
            (1..plain.len())
                .prop_map({
                    let plain = plain.clone();
                    move |at| format!("{}\\{}", &plain[..at], &plain[at..])
                })
                .boxed(),
        );
    }
    let names: Vec<&'static str> = services::names_of(port).collect();
    if !names.is_empty() {
        spellings.push(
            proptest::sample::select(names)
                .prop_map(str::to_owned)
                .boxed(),
        );
    }
    proptest::strategy::Union::new(spellings).boxed()
}

fn any_port(spell: bool) -> BoxedStrategy<String> {
    proptest::sample::select(PORTS.to_vec())
        .prop_flat_map(move |p| {
            if spell {
                ssh_port(p)
            } else {
                Just(p.to_string()).boxed()
            }
        })
        .boxed()
}

fn host() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "10.0.0.5",
        "127.0.0.2",
        "db.corp.example",
        "[fe80::1]",
        "localhost",
    ])
    .prop_map(str::to_owned)
}

fn bind() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(
        proptest::sample::select(vec!["127.0.0.1", "*", "0.0.0.0", "[::1]", "localhost"])
            .prop_map(str::to_owned),
    )
}

fn with_bind(bind: Option<String>, rest: String) -> String {
    bind.map_or(rest.clone(), |b| format!("{b}:{rest}"))
}

/// `-L`/`-R`/`-D` with a valid spec, as ssh may take it: separate,
/// attached, or attached after a blank inside quotes, behind a cluster.
fn ssh_forward_option() -> impl Strategy<Value = Vec<String>> {
    let spec = prop_oneof![
        fixed_spec('L', true),
        fixed_spec('R', true),
        (Just('R'), bind(), any_port(true)).prop_map(|(f, b, l)| (f, with_bind(b, l))),
        (Just('D'), bind(), any_port(true)).prop_map(|(f, b, l)| (f, with_bind(b, l))),
    ];
    let cluster = proptest::sample::select(vec!["", "N", "f", "fN", "Nq", "CT"]);
    (spec, cluster, 0..3u8).prop_map(|((flag, spec), cluster, form)| match form {
        0 => vec![format!("-{cluster}{flag}"), spec],
        1 => vec![format!("-{cluster}{flag}{spec}")],
        _ => vec![format!("-{cluster}{flag} {spec}")],
    })
}

/// plink's forms: the whole option, then the spec; decimal ports. (A
/// lone `-R port` is left out: see `known_differences`.)
fn plink_forward_option() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        fixed_spec('L', false),
        fixed_spec('R', false),
        (Just('D'), bind(), any_port(false)).prop_map(|(f, b, l)| (f, with_bind(b, l))),
    ]
    .prop_map(|(flag, spec)| vec![format!("-{flag}"), spec])
}

/// `[bind:]port:host:hostport` behind `flag`.
fn fixed_spec(flag: char, spell: bool) -> impl Strategy<Value = (char, String)> {
    (bind(), any_port(spell), host(), any_port(spell))
        .prop_map(move |(b, l, h, t)| (flag, with_bind(b, format!("{l}:{h}:{t}"))))
}

/// Options that are not forwards, some of them look-alikes.
fn ssh_decoy() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::select(vec![
        vec!["-N"],
        vec!["-fN"],
        vec!["-q"],
        vec!["-l", "admin"],
        vec!["-l", "L"],
        vec!["-p", "2222"],
        vec!["-i", r"C:\Users\m.keller\.ssh\id_ed25519"],
        vec!["-o", "StrictHostKeyChecking=no"],
        vec!["-oServerAliveInterval=30"],
        vec!["-W", "10.0.0.5:3389"],
        vec!["-J", "jump.corp.example"],
        vec!["-vvv"],
    ])
    .prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

fn plink_decoy() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::select(vec![
        vec!["-ssh"],
        vec!["-batch"],
        vec!["-N"],
        vec!["-l", "root"],
        vec!["-pw", "-L"],
        vec!["-P", "443"],
        vec!["-nc", "10.0.0.5:3389"],
    ])
    .prop_map(|v| v.into_iter().map(str::to_owned).collect())
}

/// An ssh argv (without the program): options, the destination, options.
fn ssh_arguments() -> impl Strategy<Value = Vec<String>> {
    let item = prop_oneof![ssh_forward_option(), ssh_decoy()];
    (
        proptest::collection::vec(item.clone(), 0..4),
        proptest::sample::select(vec!["u@203.0.113.9", "bastion", "c2.example"]),
        proptest::collection::vec(item, 0..3),
    )
        .prop_map(|(before, destination, after)| {
            let mut argv: Vec<String> = before.into_iter().flatten().collect();
            argv.push(destination.to_owned());
            argv.extend(after.into_iter().flatten());
            argv
        })
}

fn plink_arguments() -> impl Strategy<Value = Vec<String>> {
    let item = prop_oneof![plink_forward_option(), plink_decoy()];
    (
        proptest::collection::vec(item, 0..4),
        proptest::sample::select(vec!["u@203.0.113.9", "esxi01"]),
    )
        .prop_map(|(before, host)| {
            let mut argv: Vec<String> = before.into_iter().flatten().collect();
            argv.push(host.to_owned());
            argv
        })
}

/// How to write one argument so the C runtime reads it back unchanged:
/// which characters sit inside quotes, and where an empty `""` goes.
#[derive(Debug, Clone)]
struct Quoting {
    quoted: Vec<bool>,
    empty_pairs: Vec<bool>,
}

fn quoting() -> impl Strategy<Value = Quoting> {
    (
        proptest::collection::vec(proptest::bool::weighted(0.3), 64),
        proptest::collection::vec(proptest::bool::weighted(0.05), 65),
    )
        .prop_map(|(quoted, empty_pairs)| Quoting {
            quoted,
            empty_pairs,
        })
}

/// `arg` written by the C runtime's rules with the quotes of `plan`.
fn encode(arg: &str, plan: &Quoting) -> String {
    #[derive(PartialEq)]
    enum Piece {
        Char(char),
        Quote,
    }
    let chars: Vec<char> = arg.chars().collect();
    if chars.is_empty() {
        return "\"\"".to_owned();
    }
    let quoted: Vec<bool> = chars
        .iter()
        .enumerate()
        .map(|(i, c)| *c == ' ' || *c == '\t' || plan.quoted.get(i).copied().unwrap_or(false))
        .collect();
    let mut pieces = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        let before_unquoted = i == 0 || !quoted[i - 1];
        // An empty pair only between unquoted characters: next to a
        // quoted part it would read as a literal quote.
        if plan.empty_pairs.get(i).copied().unwrap_or(false) && before_unquoted && !quoted[i] {
            pieces.extend([Piece::Quote, Piece::Quote]);
        }
        if quoted[i] && (i == 0 || !quoted[i - 1]) {
            pieces.push(Piece::Quote);
        }
        pieces.push(Piece::Char(c));
        if quoted[i] && (i + 1 == chars.len() || !quoted[i + 1]) {
            pieces.push(Piece::Quote);
        }
    }
    // Backslashes right before a delimiting quote are doubled.
    let mut out = String::new();
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Quote => out.push('"'),
            Piece::Char('\\') => {
                let next_non_backslash = pieces[i..].iter().find(|p| **p != Piece::Char('\\'));
                out.push('\\');
                if next_non_backslash == Some(&Piece::Quote) {
                    out.push('\\');
                }
            }
            Piece::Char(c) => out.push(*c),
        }
    }
    out
}

fn windows_line(program: &str, argv: &[String], plans: &[Quoting], separators: &[&str]) -> String {
    let mut line = program.to_owned();
    for (i, arg) in argv.iter().enumerate() {
        line.push_str(separators[i % separators.len()]);
        line.push_str(&encode(arg, &plans[i % plans.len()]));
    }
    line
}

fn separators() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(proptest::sample::select(vec![" ", "  ", "\t"]), 1..4)
}

// ---------------------------------------------------------------- properties

fn check_ssh(
    product: &'static str,
    image: &str,
    line: String,
    argv: &[String],
) -> Result<(), TestCaseError> {
    let forwards =
        openssh::forwards(argv).map_err(|e| TestCaseError::fail(format!("{e}: {argv:?}")))?;
    let event = Process {
        product,
        image: image.to_owned(),
        command_line: line,
    };
    MATCHERS.with(|m| {
        for question in QUESTIONS {
            let stem = rule_stem(question, product);
            prop_assert_eq!(
                fires(m, &stem, &event),
                answer(question, &forwards),
                "{} on {:?} (argv {:?})",
                stem,
                event.command_line,
                argv
            );
        }
        Ok(())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn windows_ssh_rules_agree_with_the_model(
        arguments in ssh_arguments(),
        plans in proptest::collection::vec(quoting(), 1..6),
        separators in separators(),
        program in proptest::sample::select(vec![
            "ssh", "ssh.exe", r#""C:\Windows\System32\OpenSSH\ssh.exe""#,
            r"C:\Windows\System32\OpenSSH\ssh.exe",
        ]),
    ) {
        let line = windows_line(program, &arguments, &plans, &separators);
        let argv = windows::split_command_line(&line);
        prop_assert_eq!(&argv[1..], &arguments[..], "{:?}", line);
        check_ssh("windows", r"C:\Windows\System32\OpenSSH\ssh.exe", line, &argv)?;
    }

    #[test]
    fn linux_ssh_rules_agree_with_the_model(arguments in ssh_arguments()) {
        let line = format!("/usr/bin/ssh {}", arguments.join(" "));
        let mut argv = vec!["/usr/bin/ssh".to_owned()];
        argv.extend(arguments);
        check_ssh("linux", "/usr/bin/ssh", line, &argv)?;
    }

    #[test]
    fn plink_rules_agree_with_the_model(
        arguments in plink_arguments(),
        plans in proptest::collection::vec(quoting(), 1..6),
        separators in separators(),
    ) {
        let line = windows_line(r"C:\Tools\plink.exe", &arguments, &plans, &separators);
        let argv = windows::split_command_line(&line);
        prop_assert_eq!(&argv[1..], &arguments[..], "{:?}", line);
        let forwards = plink::forwards(&argv);
        let event = Process {
            product: "windows",
            image: r"C:\Tools\plink.exe".to_owned(),
            command_line: line,
        };
        MATCHERS.with(|m| {
            for question in QUESTIONS {
                let stem = rule_stem(question, "windows");
                prop_assert_eq!(
                    fires(m, &stem, &event),
                    answer(question, &forwards),
                    "{} on {:?}", stem, event.command_line
                );
            }
            Ok(())
        })?;
    }
}

/// What a regex over the raw command line cannot decide, each pinned:
/// `(command line, rule, the rule fires, ssh/plink forwards)`. The guides'
/// "What this rule cannot see" sections list the same cases; a change
/// that closes one fails here, so the guide is updated with it.
#[test]
fn known_differences() {
    let ssh = r"C:\Windows\System32\OpenSSH\ssh.exe";
    let local = "proc_creation_win_ssh_local_port_forward";
    let remote = "proc_creation_win_ssh_remote_dynamic_forward";
    let access = "proc_creation_win_ssh_forward_remote_access_port";
    let cases: &[(&str, &str, bool, bool)] = &[
        // A blank inside quotes joins two words into one argument: ssh
        // refuses "-N -L" (' ' is no option) and a spec with a blank in it.
        (r#"ssh "-N -L" 8080:10.0.0.5:3389 h"#, access, true, false),
        (r#"ssh -L "8080:10.0.0.5:3389 x" h"#, access, true, false),
        // `""` inside quotes is a literal quote, which spoils the port.
        (r#"ssh -L "8080:10.0.0.5:3389""" h"#, access, true, false),
        // The value of another option, or a word of the remote command.
        ("ssh -l -L8080:10.0.0.5:3389 h", access, true, false),
        ("ssh h echo -L 8080:10.0.0.5:3389", access, true, false),
        // Numbers above 65535, which ssh refuses.
        ("ssh -L 99999:10.0.0.5:22 h", local, true, false),
        // Spellings the patterns do not know: a service name missing from
        // the embedded table, a blank inside a quoted port, an
        // environment variable ssh expands, the -0 listen port of -R.
        ("ssh -L 8080:10.0.0.5:wsman h", access, false, true),
        (r#"ssh -L "8080:10.0.0.5: 3389" h"#, access, false, true),
        ("ssh -L 8080:10.0.0.5:${RDP} h", access, false, true),
        ("ssh -R -0:10.0.0.5:22 c2", remote, false, true),
    ];
    MATCHERS.with(|m| {
        for &(line, stem, rule_fires, program_forwards) in cases {
            let event = Process {
                product: "windows",
                image: ssh.to_owned(),
                command_line: line.to_owned(),
            };
            assert_eq!(fires(m, stem, &event), rule_fires, "{stem} on {line}");
            let question = QUESTIONS
                .into_iter()
                .find(|q| rule_stem(*q, "windows") == stem)
                .unwrap();
            let argv = windows::split_command_line(line);
            // `${RDP}` and `wsman` are outside the model (no environment,
            // a short services table): what ssh does there is stated, not
            // computed.
            if !line.contains("${") && !line.contains("wsman") {
                let model = openssh::forwards(&argv).map(|f| answer(question, &f));
                assert_eq!(model.unwrap_or(false), program_forwards, "model on {line}");
            }
        }

        // plink: a lone `-R port` (remote SOCKS in recent PuTTY) is matched
        // although plink's parsing of it was not checked.
        let event = Process {
            product: "windows",
            image: r"C:\Tools\plink.exe".to_owned(),
            command_line: r"C:\Tools\plink.exe -R 1080 u@h".to_owned(),
        };
        assert!(fires(m, remote, &event));
        let argv = windows::split_command_line(&event.command_line);
        assert!(plink::forwards(&argv).is_empty());
    });
}

/// netsh's reading of `[-c] interface portproxy <verb> <table>`, after the
/// C runtime's splitting: each word any prefix of its keyword (netsh takes
/// unambiguous prefixes; the rule takes `a`/`s` for add/set as before),
/// in any case; `-c`'s value is split by netsh itself.
fn netsh_adds_a_proxy(argv: &[String]) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut args = argv.iter().skip(1).peekable();
    if args.peek().is_some_and(|a| a.eq_ignore_ascii_case("-c")) {
        args.next();
    }
    for arg in args {
        words.extend(arg.split_whitespace().map(str::to_ascii_lowercase));
    }
    let prefix = |word: &str, of: &str| !word.is_empty() && of.starts_with(word);
    let table = |word: &str| {
        ["v4tov4", "v4tov6", "v6tov4", "v6tov6"]
            .iter()
            .any(|t| prefix(word, t))
    };
    matches!(words.as_slice(), [c, p, verb, t, ..]
        if prefix(c, "interface") && prefix(p, "portproxy")
            && (prefix(verb, "add") || prefix(verb, "set")) && table(t))
}

fn netsh_word(word: &'static str) -> impl Strategy<Value = String> {
    (
        1..=word.len(),
        proptest::collection::vec(any::<bool>(), word.len()),
    )
        .prop_map(move |(len, upper)| {
            word[..len]
                .chars()
                .zip(upper)
                .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn netsh_rule_agrees_with_the_model(
        context in netsh_word("interface"),
        proxy in netsh_word("portproxy"),
        verb in prop_oneof![
            netsh_word("add"), netsh_word("set"), netsh_word("delete"),
            netsh_word("show"), netsh_word("reset"), Just("dump".to_owned()),
        ],
        table in prop_oneof![netsh_word("v4tov4"), netsh_word("v6tov4"), Just("all".to_owned())],
        with_c in any::<bool>(),
        plans in proptest::collection::vec(quoting(), 1..6),
        separators in separators(),
    ) {
        let mut arguments = Vec::new();
        if with_c {
            arguments.push("-c".to_owned());
            arguments.push(format!("{context} {proxy}"));
        } else {
            arguments.push(context);
            arguments.push(proxy);
        }
        arguments.extend([verb, table, "listenport=8080".to_owned(), "connectaddress=10.0.0.5".to_owned()]);
        let line = windows_line(r"C:\Windows\System32\netsh.exe", &arguments, &plans, &separators);
        let argv = windows::split_command_line(&line);
        prop_assert_eq!(&argv[1..], &arguments[..], "{:?}", line);
        let event = Process {
            product: "windows",
            image: r"C:\Windows\System32\netsh.exe".to_owned(),
            command_line: line,
        };
        MATCHERS.with(|m| {
            prop_assert_eq!(
                fires(m, "proc_creation_win_netsh_portproxy_add", &event),
                netsh_adds_a_proxy(&argv),
                "{:?}", event.command_line
            );
            Ok(())
        })?;
    }
}

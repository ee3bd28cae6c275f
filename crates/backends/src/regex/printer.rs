//! Writing a parsed Sigma regex again in a target dialect.
//!
//! The walk keeps the author's structure (concatenations, alternations,
//! groups, repetitions) and tracks the flags in force exactly as Rust's
//! `regex` does (a `(?i)` lasts to the end of its group, across later
//! alternatives). Everything whose meaning differs between engines is
//! written out explicitly instead of being handed over by name:
//!
//! * classes, `\d`/`\w`/`\s` and friends: the exact code-point set
//!   ([`super::charset`]);
//! * `.`: `[^\n]`, or "any character" under `s` (Java's `.` also stops at
//!   `\r`, PCRE's depends on a build-time newline convention);
//! * `$` at the end of the text: `\z` in PCRE and Java, whose `$` also
//!   matches before a final newline;
//! * multi-line `^`/`$`: look-around in PCRE and Java, whose multi-line `^`
//!   does not match after a final newline (Rust's does);
//! * Unicode word boundaries: look-around over the exact `\w` set;
//! * case-insensitivity: see [`CaseMode`].
//!
//! Lucene RegExp always matches the whole value, so an unanchored pattern
//! `P` becomes `.*P.*`; the `.*` is pushed into leading alternatives and
//! dropped where the author wrote `^` (or `$`), which turns
//! `(?:^|\.)x` into `(()|.*\.)x.*` instead of refusing it.

use regex_syntax::ast::{
    Alternation, Assertion, AssertionKind, Ast, Concat, Flag, Flags, FlagsItemKind, Group,
    GroupKind, Literal, Repetition, RepetitionKind, RepetitionRange, Span,
};

use super::charset::{self, SetError};
use super::{Dialect, quote};
use crate::refusal::{Construct, Refusal};

/// The flags in force at a point of the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct State {
    pub case_insensitive: bool,
    pub multi_line: bool,
    pub dot_all: bool,
    pub unicode: bool,
    pub ignore_whitespace: bool,
}

/// How case-insensitivity reaches the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CaseMode {
    /// The whole pattern has one case rule and the target applies it once
    /// (an outside flag, or a single leading `(?i)`): letters are written
    /// as they are, unless the target's folding is narrower than Rust's.
    Uniform,
    /// The author's `(?i)`/`(?-i)` are written where they stand (dialects
    /// with inline flags whose folding matches Rust's).
    Echo,
    /// No flag at all: every letter matched case-insensitively is written
    /// as the class of its case orbit (`[kK\u212A]`).
    Expand,
}

pub(super) struct Printer<'p> {
    pub dialect: Dialect,
    pub pattern: &'p str,
    pub case: CaseMode,
    /// PCRE only: the pattern relies on UTF mode (code points, not bytes).
    pub needs_utf: bool,
}

/// Where a node sits in a Lucene pattern: at the start (`lead`) and/or end
/// (`trail`) of every match path, so the implicit `.*` of search semantics
/// goes there.
#[derive(Debug, Clone, Copy, Default)]
struct Edge {
    lead: bool,
    trail: bool,
}

impl Printer<'_> {
    fn refuse(&self, what: &str, span: &Span) -> Refusal {
        let snippet = &self.pattern[span.start.offset..span.end.offset];
        Refusal::new(
            Construct::Regex,
            format!(
                "{} cannot express {what} {} in pattern {}",
                self.dialect.label(),
                quote(snippet),
                quote(self.pattern)
            ),
        )
    }

    fn set_refusal(&self, err: SetError, span: &Span) -> Refusal {
        self.refuse(&format!("the class (it {err})"), span)
    }

    /// Render the whole pattern with search semantics.
    pub fn top(&mut self, ast: &Ast, state: &mut State) -> Result<String, Refusal> {
        let edge = Edge {
            lead: self.dialect == Dialect::Lucene,
            trail: self.dialect == Dialect::Lucene,
        };
        self.node(ast, state, edge)
    }

    fn node(&mut self, ast: &Ast, st: &mut State, edge: Edge) -> Result<String, Refusal> {
        let body = match ast {
            Ast::Empty(_) => return Ok(self.wrap_edges(String::new(), edge)),
            Ast::Flags(set) => return self.set_flags(&set.flags, st, edge),
            Ast::Literal(lit) => self.literal(lit, st)?,
            Ast::Dot(span) => self.dot(span, st)?,
            Ast::Assertion(assertion) => return self.assertion(assertion, st, edge),
            Ast::ClassUnicode(c) => self.class(&c.span, st)?,
            Ast::ClassPerl(c) => self.class(&c.span, st)?,
            Ast::ClassBracketed(c) => self.class(&c.span, st)?,
            Ast::Repetition(rep) => self.repetition(rep, st)?,
            Ast::Group(group) => return self.group(group, st, edge),
            Ast::Alternation(alt) => return self.alternation(alt, st, edge),
            Ast::Concat(concat) => return self.concat(concat, st, edge),
        };
        Ok(self.wrap_edges(body, edge))
    }

    /// Lucene: the implicit "anything" before and after.
    fn wrap_edges(&self, body: String, edge: Edge) -> String {
        match (edge.lead, edge.trail) {
            (false, false) => body,
            (true, false) => format!(".*{body}"),
            (false, true) => format!("{body}.*"),
            (true, true) if body.is_empty() => ".*".to_owned(),
            (true, true) => format!(".*{body}.*"),
        }
    }

    fn set_flags(&mut self, flags: &Flags, st: &mut State, edge: Edge) -> Result<String, Refusal> {
        let before = *st;
        self.apply_flags(flags, st)?;
        let text = if self.case == CaseMode::Echo && before.case_insensitive != st.case_insensitive
        {
            self.dialect.case_flag(st.case_insensitive, false)
        } else {
            String::new()
        };
        Ok(self.wrap_edges(text, edge))
    }

    fn apply_flags(&self, flags: &Flags, st: &mut State) -> Result<(), Refusal> {
        let mut on = true;
        for item in &flags.items {
            match item.kind {
                FlagsItemKind::Negation => on = false,
                FlagsItemKind::Flag(flag) => match flag {
                    Flag::CaseInsensitive => st.case_insensitive = on,
                    Flag::MultiLine => st.multi_line = on,
                    Flag::DotMatchesNewLine => st.dot_all = on,
                    Flag::Unicode => st.unicode = on,
                    Flag::IgnoreWhitespace => st.ignore_whitespace = on,
                    // Greediness does not change whether a pattern matches.
                    Flag::SwapGreed => {}
                    Flag::CRLF => return Err(self.refuse("CRLF mode", &flags.span)),
                },
            }
        }
        Ok(())
    }

    /// The `(?…)` prefix that makes a class snippet mean what it means at
    /// this point of the pattern.
    fn snippet_flags(st: &State) -> String {
        let (mut on, mut off) = (String::new(), String::new());
        for (flag, set) in [
            ('i', st.case_insensitive),
            ('u', st.unicode),
            ('x', st.ignore_whitespace),
        ] {
            if set { &mut on } else { &mut off }.push(flag);
        }
        if off.is_empty() {
            format!("(?{on})")
        } else {
            format!("(?{on}-{off})")
        }
    }

    fn refuse_ascii_folding(&self, st: &State, span: &Span) -> Result<(), Refusal> {
        // `(?i-u)` folds ASCII only; inline `(?i)` in RE2, PCRE and Java
        // folds Unicode (`k` would also match the Kelvin sign).
        if st.case_insensitive && !st.unicode && self.case != CaseMode::Expand {
            return Err(self.refuse("ASCII-only case folding", span));
        }
        Ok(())
    }

    fn literal(&mut self, lit: &Literal, st: &State) -> Result<String, Refusal> {
        let c = lit.c;
        if !st.unicode && !c.is_ascii() {
            return Err(self.refuse("a byte literal", &lit.span));
        }
        if !c.is_ascii() {
            self.needs_utf = true;
        }
        let orbit = charset::case_orbit(c);
        let folds = st.case_insensitive && orbit_size(&orbit) > 1;
        if !folds {
            return charset::escape_char(self.dialect, c, false)
                .map_err(|e| self.set_refusal(e, &lit.span));
        }
        self.refuse_ascii_folding(st, &lit.span)?;
        self.needs_utf = true;
        let expand = match self.case {
            CaseMode::Echo => false,
            CaseMode::Expand => true,
            // Lucene's and LogScale's outside flags fold ASCII letters only
            // (or are not documented to do more): everything else spelled out.
            CaseMode::Uniform => !self.dialect.folds_unicode() && !is_ascii_pair(c) && st.unicode,
        };
        let orbit = if st.unicode {
            orbit
        } else {
            charset::exact_set(&Self::snippet_flags(st), &c.to_string())
                .expect("an ASCII literal translates")
        };
        if expand {
            charset::render_set(self.dialect, &orbit).map_err(|e| self.set_refusal(e, &lit.span))
        } else {
            charset::escape_char(self.dialect, c, false).map_err(|e| self.set_refusal(e, &lit.span))
        }
    }

    fn dot(&mut self, span: &Span, st: &State) -> Result<String, Refusal> {
        self.needs_utf = true;
        if st.dot_all {
            return Ok(charset::any_char(self.dialect).to_owned());
        }
        Ok(match self.dialect {
            // RE2's `.` is exactly "anything but \n" and we never set `s`.
            Dialect::Re2 => ".".to_owned(),
            _ => {
                let set = charset::exact_set("(?-s)", ".").expect("dot translates");
                charset::render_set(self.dialect, &set).map_err(|e| self.set_refusal(e, span))?
            }
        })
    }

    fn class(&mut self, span: &Span, st: &State) -> Result<String, Refusal> {
        self.needs_utf = true;
        let snippet = &self.pattern[span.start.offset..span.end.offset];
        let set = charset::exact_set(&Self::snippet_flags(st), snippet)
            .ok_or_else(|| self.refuse("the class", span))?;
        if st.case_insensitive {
            self.refuse_ascii_folding(st, span)?;
        }
        charset::render_set(self.dialect, &set).map_err(|e| self.set_refusal(e, span))
    }

    fn repetition(&mut self, rep: &Repetition, st: &mut State) -> Result<String, Refusal> {
        let inner = self.node(&rep.ast, st, Edge::default())?;
        let limit = |n: u32| -> Result<(), Refusal> {
            if self.dialect == Dialect::Re2 && n > 1000 {
                return Err(self.refuse("a repetition count above 1000", &rep.span));
            }
            Ok(())
        };
        let op = match &rep.op.kind {
            RepetitionKind::ZeroOrOne => "?".to_owned(),
            RepetitionKind::ZeroOrMore => "*".to_owned(),
            RepetitionKind::OneOrMore => "+".to_owned(),
            RepetitionKind::Range(RepetitionRange::Exactly(n)) => {
                limit(*n)?;
                format!("{{{n}}}")
            }
            RepetitionKind::Range(RepetitionRange::AtLeast(n)) => {
                limit(*n)?;
                format!("{{{n},}}")
            }
            RepetitionKind::Range(RepetitionRange::Bounded(n, m)) => {
                limit(*m)?;
                format!("{{{n},{m}}}")
            }
        };
        // Laziness never changes *whether* a pattern matches: kept where
        // the dialect has it, dropped where it does not.
        let lazy = !rep.greedy && self.dialect.has_lazy();
        Ok(format!("{inner}{op}{}", if lazy { "?" } else { "" }))
    }

    fn group(&mut self, group: &Group, st: &mut State, edge: Edge) -> Result<String, Refusal> {
        let saved = *st;
        let open = match &group.kind {
            GroupKind::CaptureIndex(_) if self.dialect.keeps_captures() => "(".to_owned(),
            GroupKind::CaptureIndex(_) | GroupKind::CaptureName { .. } => {
                self.dialect.non_capturing().to_owned()
            }
            GroupKind::NonCapturing(flags) => {
                self.apply_flags(flags, st)?;
                if self.case == CaseMode::Echo && saved.case_insensitive != st.case_insensitive {
                    self.dialect.case_flag(st.case_insensitive, true)
                } else {
                    self.dialect.non_capturing().to_owned()
                }
            }
        };
        let inner = self.node(&group.ast, st, edge);
        *st = saved;
        let inner = inner?;
        let inner = if inner.is_empty() && self.dialect == Dialect::Lucene {
            "()".to_owned()
        } else {
            inner
        };
        Ok(format!("{open}{inner})"))
    }

    fn alternation(
        &mut self,
        alt: &Alternation,
        st: &mut State,
        edge: Edge,
    ) -> Result<String, Refusal> {
        let mut branches = Vec::with_capacity(alt.asts.len());
        for branch in &alt.asts {
            let text = self.node(branch, st, edge)?;
            branches.push(if text.is_empty() && self.dialect == Dialect::Lucene {
                "()".to_owned()
            } else {
                text
            });
        }
        Ok(branches.join("|"))
    }

    fn concat(&mut self, concat: &Concat, st: &mut State, edge: Edge) -> Result<String, Refusal> {
        // Flag settings consume nothing: the edges belong to the first and
        // last elements that do.
        let real: Vec<usize> = concat
            .asts
            .iter()
            .enumerate()
            .filter(|(_, a)| !matches!(a, Ast::Flags(_)))
            .map(|(i, _)| i)
            .collect();
        if real.is_empty() {
            let mut out = String::new();
            for ast in &concat.asts {
                out.push_str(&self.node(ast, st, Edge::default())?);
            }
            return Ok(self.wrap_edges(out, edge));
        }
        let (first, last) = (real[0], real[real.len() - 1]);
        let mut out = String::new();
        for (i, ast) in concat.asts.iter().enumerate() {
            let here = Edge {
                lead: edge.lead && i == first,
                trail: edge.trail && i == last,
            };
            out.push_str(&self.node(ast, st, here)?);
        }
        Ok(out)
    }

    fn assertion(&mut self, a: &Assertion, st: &State, edge: Edge) -> Result<String, Refusal> {
        use AssertionKind::*;
        let start_of_text = matches!(a.kind, StartText) || (a.kind == StartLine && !st.multi_line);
        let end_of_text = matches!(a.kind, EndText) || (a.kind == EndLine && !st.multi_line);
        if self.dialect == Dialect::Lucene {
            return self.lucene_assertion(a, st, edge, start_of_text, end_of_text);
        }
        let line_start = a.kind == StartLine && st.multi_line;
        let line_end = a.kind == EndLine && st.multi_line;
        let d = self.dialect;
        Ok(match () {
            _ if start_of_text => "^".to_owned(),
            _ if end_of_text => match d {
                Dialect::Pcre | Dialect::Java => "\\z".to_owned(),
                _ => "$".to_owned(),
            },
            _ if line_start => match d {
                Dialect::Re2 => "(?m:^)".to_owned(),
                Dialect::Pcre | Dialect::Java => "(?:^|(?<=\\n))".to_owned(),
                _ => return Err(self.refuse("a multi-line anchor", &a.span)),
            },
            _ if line_end => match d {
                Dialect::Re2 => "(?m:$)".to_owned(),
                Dialect::Pcre | Dialect::Java => "(?:\\z|(?=\\n))".to_owned(),
                _ => return Err(self.refuse("a multi-line anchor", &a.span)),
            },
            _ => self.word_boundary(a, st)?,
        })
    }

    fn lucene_assertion(
        &self,
        a: &Assertion,
        st: &State,
        edge: Edge,
        start_of_text: bool,
        end_of_text: bool,
    ) -> Result<String, Refusal> {
        let line_start = a.kind == AssertionKind::StartLine && st.multi_line;
        let line_end = a.kind == AssertionKind::EndLine && st.multi_line;
        // `.*` followed by an anchor: nothing (start of text) or "up to a
        // newline" (start of a line); mirrored at the end.
        if (start_of_text || line_start) && edge.lead {
            let prefix = if line_start { "(.*\n)?" } else { "" };
            return Ok(format!("{prefix}{}", if edge.trail { ".*" } else { "" }));
        }
        if (end_of_text || line_end) && edge.trail {
            let suffix = if line_end { "(\n.*)?" } else { "" };
            return Ok(format!("{}{suffix}", if edge.lead { ".*" } else { "" }));
        }
        let what = if start_of_text || end_of_text || line_start || line_end {
            "an anchor that is not at the start or end of the pattern"
        } else {
            "a word boundary"
        };
        Err(self.refuse(what, &a.span))
    }

    /// PCRE and Java: look-around over the exact word set; RE2 has only
    /// its ASCII `\b`/`\B`.
    fn word_boundary(&mut self, a: &Assertion, st: &State) -> Result<String, Refusal> {
        use AssertionKind::*;
        if self.dialect == Dialect::Re2 && !st.unicode {
            return match a.kind {
                WordBoundary => Ok("\\b".to_owned()),
                NotWordBoundary => Ok("\\B".to_owned()),
                _ => Err(self.refuse("a special word boundary", &a.span)),
            };
        }
        if !matches!(self.dialect, Dialect::Pcre | Dialect::Java) {
            let what = if st.unicode {
                "a Unicode word boundary"
            } else {
                "a word boundary"
            };
            return Err(self.refuse(what, &a.span));
        }
        self.needs_utf = true;
        let flags = if st.unicode { "(?u)" } else { "(?-u)" };
        let word = charset::exact_set(flags, "\\w").expect("\\w translates");
        let w =
            charset::render_set(self.dialect, &word).map_err(|e| self.set_refusal(e, &a.span))?;
        Ok(match a.kind {
            WordBoundary => format!("(?:(?<={w})(?!{w})|(?<!{w})(?={w}))"),
            NotWordBoundary => format!("(?:(?<={w})(?={w})|(?<!{w})(?!{w}))"),
            WordBoundaryStart | WordBoundaryStartAngle => format!("(?:(?<!{w})(?={w}))"),
            WordBoundaryEnd | WordBoundaryEndAngle => format!("(?:(?<={w})(?!{w}))"),
            WordBoundaryStartHalf => format!("(?<!{w})"),
            WordBoundaryEndHalf => format!("(?!{w})"),
            StartLine | EndLine | StartText | EndText => unreachable!("anchors handled above"),
        })
    }
}

fn orbit_size(orbit: &regex_syntax::hir::ClassUnicode) -> u32 {
    orbit
        .ranges()
        .iter()
        .map(|r| u32::from(r.end()) - u32::from(r.start()) + 1)
        .sum()
}

/// `a`/`A`: the letter's whole case orbit is its ASCII pair, so an
/// ASCII-only case-insensitive flag folds it exactly as Rust does.
fn is_ascii_pair(c: char) -> bool {
    let orbit = charset::case_orbit(c);
    orbit
        .ranges()
        .iter()
        .all(|r| r.start().is_ascii() && r.end().is_ascii())
}

/// Whether the pattern's case rule is the same for every letter and class
/// whose meaning depends on it; `Some(rule)` if so.
pub(super) fn uniform_case(pattern: &str, ast: &Ast, st: State) -> Option<bool> {
    let mut seen: Option<bool> = None;
    let mut consistent = true;
    visit_case(pattern, ast, &mut st.clone(), &mut |ci| match seen {
        None => seen = Some(ci),
        Some(prev) if prev != ci => consistent = false,
        Some(_) => {}
    });
    if consistent {
        Some(seen.unwrap_or(st.case_insensitive))
    } else {
        None
    }
}

fn visit_case(pattern: &str, ast: &Ast, st: &mut State, f: &mut impl FnMut(bool)) {
    let fold_sensitive = |snippet: &str, st: &State| {
        let flags = Printer::snippet_flags(&State {
            case_insensitive: false,
            ..*st
        });
        charset::grows_under_case_folding(&flags, snippet)
    };
    match ast {
        Ast::Flags(set) => {
            let _ = apply_flags_silently(&set.flags, st);
        }
        Ast::Literal(lit) => {
            if orbit_size(&charset::case_orbit(lit.c)) > 1 {
                f(st.case_insensitive);
            }
        }
        Ast::ClassUnicode(c) => {
            if fold_sensitive(&pattern[c.span.start.offset..c.span.end.offset], st) {
                f(st.case_insensitive)
            }
        }
        Ast::ClassPerl(c) => {
            if fold_sensitive(&pattern[c.span.start.offset..c.span.end.offset], st) {
                f(st.case_insensitive)
            }
        }
        Ast::ClassBracketed(c) => {
            if fold_sensitive(&pattern[c.span.start.offset..c.span.end.offset], st) {
                f(st.case_insensitive)
            }
        }
        Ast::Repetition(rep) => visit_case(pattern, &rep.ast, st, f),
        Ast::Group(group) => {
            let saved = *st;
            if let GroupKind::NonCapturing(flags) = &group.kind {
                let _ = apply_flags_silently(flags, st);
            }
            visit_case(pattern, &group.ast, st, f);
            *st = saved;
        }
        Ast::Alternation(alt) => alt.asts.iter().for_each(|a| visit_case(pattern, a, st, f)),
        Ast::Concat(c) => c.asts.iter().for_each(|a| visit_case(pattern, a, st, f)),
        Ast::Empty(_) | Ast::Dot(_) | Ast::Assertion(_) => {}
    }
}

fn apply_flags_silently(flags: &Flags, st: &mut State) -> Option<()> {
    let mut on = true;
    for item in &flags.items {
        match item.kind {
            FlagsItemKind::Negation => on = false,
            FlagsItemKind::Flag(Flag::CaseInsensitive) => st.case_insensitive = on,
            FlagsItemKind::Flag(Flag::Unicode) => st.unicode = on,
            FlagsItemKind::Flag(Flag::IgnoreWhitespace) => st.ignore_whitespace = on,
            FlagsItemKind::Flag(_) => {}
        }
    }
    Some(())
}

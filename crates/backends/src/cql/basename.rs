//! `|re` on a field of which Falcon records only the file name
//! (`ParentImage` → `ParentBaseFileName`, `Image` in network and DNS
//! events → `ContextBaseFileName`).
//!
//! A path regex of the shape `<separator>R$` — R unable to match a
//! separator — matches a path exactly when R matches its whole last
//! component: the separator before R must be the last one. So it becomes
//! `^(?:R)$` on the file name, with the same flags. Every other regex on
//! such a field depends on the directories and is refused by the caller.
//! The analysis works on the parsed pattern (`regex-syntax`), never on
//! guesses about its text.

use regex_syntax::ast::{self, Ast};
use regex_syntax::hir::{Class, Hir, HirKind};
use tunnelhunt_sigma::ir::RegexMatch;

/// The regex on the file name equivalent to `regex` on the path, if the
/// pattern has the `<separator>R$` shape.
pub(crate) fn file_name_regex(regex: &RegexMatch, separators: &[char]) -> Option<RegexMatch> {
    if regex.multi_line {
        return None;
    }
    let pattern = regex.pattern.as_str();
    let parsed = ast::parse::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let Ast::Concat(concat) = &parsed else {
        return None;
    };
    let items = &concat.asts;
    let first = items
        .iter()
        .position(|item| !matches!(item, Ast::Flags(_)))?;
    let (lead, last) = (&items[first], items.last()?);
    if first + 3 > items.len() || !is_end_anchor(last) {
        return None;
    }
    let flags = &pattern[..lead.span().start.offset];
    if flags.contains('m')
        || !is_separator_atom(
            &pattern[lead.span().start.offset..lead.span().end.offset],
            separators,
        )
    {
        return None;
    }
    let rest = &pattern[lead.span().end.offset..last.span().start.offset];
    let rest_hir = hir(&format!("{flags}(?:{rest})"))?;
    if may_match(&rest_hir, separators) {
        return None;
    }
    Some(RegexMatch {
        pattern: format!("{flags}^(?:{rest})$"),
        ..regex.clone()
    })
}

fn hir(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()
}

/// `$` (outside multi-line mode) or `\z`.
fn is_end_anchor(item: &Ast) -> bool {
    matches!(
        item,
        Ast::Assertion(a) if matches!(a.kind, ast::AssertionKind::EndLine | ast::AssertionKind::EndText)
    )
}

/// A literal separator, or a class of exactly the separators.
fn is_separator_atom(text: &str, separators: &[char]) -> bool {
    let Some(atom) = hir(text) else {
        return false;
    };
    let mut matched: Vec<char> = separators
        .iter()
        .copied()
        .filter(|&c| may_match(&atom, &[c]))
        .collect();
    matched.sort_unstable();
    let mut wanted = separators.to_vec();
    wanted.sort_unstable();
    let single_char = match atom.kind() {
        HirKind::Literal(lit) => std::str::from_utf8(&lit.0).is_ok_and(|s| s.chars().count() == 1),
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .all(|r| separators.iter().any(|&s| r.start() == s && r.end() == s)),
        _ => false,
    };
    single_char && matched == wanted
}

/// Whether any string `hir` matches can contain one of `chars`
/// (conservative: byte classes reaching beyond ASCII count as yes).
fn may_match(hir: &Hir, chars: &[char]) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(lit) => {
            std::str::from_utf8(&lit.0).map_or(true, |s| s.chars().any(|c| chars.contains(&c)))
        }
        HirKind::Class(Class::Unicode(class)) => chars.iter().any(|&c| {
            class
                .ranges()
                .iter()
                .any(|r| r.start() <= c && c <= r.end())
        }),
        HirKind::Class(Class::Bytes(class)) => class.ranges().iter().any(|r| {
            r.end() >= 0x80
                || chars
                    .iter()
                    .any(|&c| c.is_ascii() && r.start() <= c as u8 && c as u8 <= r.end())
        }),
        HirKind::Repetition(rep) => may_match(&rep.sub, chars),
        HirKind::Capture(cap) => may_match(&cap.sub, chars),
        HirKind::Concat(items) | HirKind::Alternation(items) => {
            items.iter().any(|h| may_match(h, chars))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn re(pattern: &str) -> RegexMatch {
        RegexMatch {
            pattern: pattern.to_owned(),
            case_insensitive: false,
            multi_line: false,
            dot_matches_new_line: false,
        }
    }

    fn name(pattern: &str, separators: &[char]) -> Option<String> {
        file_name_regex(&re(pattern), separators).map(|r| r.pattern)
    }

    #[test]
    fn separator_then_a_name_pattern_to_the_end_becomes_a_file_name_regex() {
        assert_eq!(
            name(r"(?i)\\tomcat\d*w?\.exe$", &['\\']).as_deref(),
            Some(r"(?i)^(?:tomcat\d*w?\.exe)$")
        );
        assert_eq!(
            name(r"/php-fpm[[:digit:].]*$", &['/']).as_deref(),
            Some(r"^(?:php-fpm[[:digit:].]*)$")
        );
        assert_eq!(
            name(r"(?i)[\\/]ligolo[^\\/]*$", &['\\', '/']).as_deref(),
            Some(r"(?i)^(?:ligolo[^\\/]*)$")
        );
    }

    #[test]
    fn patterns_that_depend_on_directories_are_not_rewritten() {
        // R can match a separator (`.`, `[^x]`), no leading separator, no end
        // anchor, a class wider than the separators, multi-line mode.
        assert_eq!(name(r"\\tomcat.*\.exe$", &['\\']), None);
        assert_eq!(name(r"\\tomcat[^x]\.exe$", &['\\']), None);
        assert_eq!(name(r"tomcat\.exe$", &['\\']), None);
        assert_eq!(name(r"\\tomcat\.exe", &['\\']), None);
        assert_eq!(name(r"[\\/]ligolo$", &['\\']), None);
        assert_eq!(name(r"\\bin\\ssh$", &['\\']), None);
        assert_eq!(name(r"(?m)\\ssh$", &['\\']), None);
        assert_eq!(name(r"\\$", &['\\']), None);
        let mut multi = re(r"\\ssh$");
        multi.multi_line = true;
        assert_eq!(file_name_regex(&multi, &['\\']), None);
    }
}

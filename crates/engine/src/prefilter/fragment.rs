//! Fragments of a literal that are spelled the same in raw bytes as in
//! the value a rule sees (see the parent module for why each character is
//! excluded).

use crate::text::fold;

/// The non-ASCII characters whose case folding ([`char::to_lowercase`],
/// what the matcher uses) contains an ASCII character. A test checks that
/// this list is complete.
pub const ASCII_FOLDING: [char; 2] = ['\u{130}', '\u{212A}'];

/// The non-ASCII characters a case-insensitive regex matches for an ASCII
/// letter (simple case folding: the long s for `s`, the Kelvin sign for
/// `k`). A record holding one is let through like one holding an
/// [`ASCII_FOLDING`] character, so a regex's `(?i)s` can be searched as
/// `s`. A test checks that this list is complete.
pub const REGEX_FOLDING: [(char, char); 2] = [('\u{212A}', 'k'), ('\u{17F}', 's')];

/// Characters a fragment never spans: JSON structure (objects and arrays
/// are matched as their JSON text) and the EVTX string-array separator.
const STRUCTURE: &str = "\"{}[]:,";

/// The characters numbers, GUIDs, SIDs, hex values and timestamps are
/// rendered with (lowercase).
const TYPED: &str = "0123456789abcdefxstz.+-?";

/// Words typed values render as.
const TYPED_WORDS: [&str; 5] = ["true", "false", "null", "nan", "infinity"];

/// The characters of a JSON number (lowercase).
const NUMBER: &str = "0123456789.e+-";

/// Where a needle is searched: the raw form decides which values may be
/// spelled otherwise there than the rule sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawForm {
    /// JSON text: strings are spelled as they read (escapes aside, which
    /// the search rules out separately); only numbers may be written
    /// otherwise (`1e3`, `1000.0`) and `true`/`false`/`null` are not
    /// strings.
    Json,
    /// An EVTX chunk: numbers, GUIDs, SIDs, hex values and timestamps are
    /// binary.
    Chunk,
}

/// Whether `f` (lowercase) could be part of the text of a typed value in
/// `form`. In JSON a fragment with two dots (`127.0.0.1`) is never part of
/// one number, so the value holding it is a string, spelled as it reads.
fn typed(f: &str, form: RawForm) -> bool {
    let chars = match form {
        RawForm::Json if f.matches('.').count() >= 2 => return false,
        RawForm::Json => NUMBER,
        RawForm::Chunk => TYPED,
    };
    f.chars().all(|c| chars.contains(c)) || TYPED_WORDS.iter().any(|w| w.contains(f))
}

/// The longest safe fragment of `literal`, lowercase; `None` if it has
/// none. `fold`: the match is case-insensitive (the literal is folded as
/// the matcher folds it); `split`: more characters not to span; `form`:
/// where the fragment is searched.
pub(crate) fn best_fragment(
    literal: &str,
    folded: bool,
    split: &str,
    form: RawForm,
) -> Option<String> {
    let text = if folded {
        fold(literal)
    } else {
        literal.to_owned()
    };
    text.split(|c: char| {
        !c.is_ascii() || c.is_ascii_control() || STRUCTURE.contains(c) || split.contains(c)
    })
    .map(str::to_ascii_lowercase)
    .filter(|f| !f.is_empty() && !typed(f, form))
    .max_by_key(|f| f.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_avoid_what_raw_bytes_may_spell_otherwise() {
        assert_eq!(
            best_fragment("\\OpenSSH\\ssh.exe", true, "", RawForm::Chunk).as_deref(),
            Some("\\openssh\\ssh.exe")
        );
        // Structure and non-ASCII split; the longest piece wins.
        assert_eq!(
            best_fragment("-L 8080:localhost:80", true, "", RawForm::Chunk).as_deref(),
            Some("localhost")
        );
        assert_eq!(
            best_fragment("Größe.bin", true, "", RawForm::Chunk).as_deref(),
            Some("e.bin")
        );
        assert_eq!(
            best_fragment("Größe.exe", true, "", RawForm::Chunk).as_deref(),
            Some("gr")
        );
        // Joined fields split at their separator.
        assert_eq!(
            best_fragment("NT AUTHORITY\\SYSTEM", true, "\\", RawForm::Chunk).as_deref(),
            Some("nt authority")
        );
        // Typed values: numbers, hex, GUIDs, SIDs, booleans.
        assert_eq!(best_fragment("4688", true, "", RawForm::Chunk), None);
        assert_eq!(best_fragment("0x3e7", true, "", RawForm::Chunk), None);
        assert_eq!(best_fragment("S-1-5-18", true, "", RawForm::Chunk), None);
        assert_eq!(best_fragment("{DEAD-beef}", true, "", RawForm::Chunk), None);
        assert_eq!(best_fragment("True", true, "", RawForm::Chunk), None);
        assert_eq!(best_fragment("443,8443", true, "", RawForm::Chunk), None);
        assert_eq!(best_fragment("1.2.3.4", true, "", RawForm::Chunk), None);
        // A case-sensitive literal is still searched case-insensitively.
        assert_eq!(
            best_fragment("AbQ", false, "", RawForm::Chunk).as_deref(),
            Some("abq")
        );
        assert_eq!(
            best_fragment("tab\there", false, "", RawForm::Chunk).as_deref(),
            Some("here")
        );
        // Folding that yields ASCII (Kelvin sign → k).
        assert_eq!(
            best_fragment("\u{212A}ey", true, "", RawForm::Chunk).as_deref(),
            Some("key")
        );
    }

    #[test]
    fn json_spells_every_string_as_it_reads() {
        let json = |l: &str| best_fragment(l, true, "", RawForm::Json);
        assert_eq!(json("127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(json("S-1-5-18").as_deref(), Some("s-1-5-18"));
        assert_eq!(json("{DEAD-beef}").as_deref(), Some("dead-beef"));
        assert_eq!(json("0x3e7").as_deref(), Some("0x3e7"));
        // What a number may be spelled as, in part or whole.
        assert_eq!(json("4688"), None);
        assert_eq!(json("127."), None);
        assert_eq!(json("1e3"), None);
        assert_eq!(json("443,8443"), None);
        assert_eq!(json("True"), None);
    }

    #[test]
    fn regex_folding_list_is_complete() {
        let mut found = Vec::new();
        for letter in 'a'..='z' {
            let hir = regex_syntax::parse(&format!("(?i){letter}")).unwrap();
            let regex_syntax::hir::HirKind::Class(regex_syntax::hir::Class::Unicode(class)) =
                hir.kind()
            else {
                panic!("(?i){letter} is not a class");
            };
            for c in class.iter().flat_map(|r| r.start()..=r.end()) {
                if !c.is_ascii() {
                    found.push((c, letter));
                }
            }
        }
        assert_eq!(found, REGEX_FOLDING);
    }

    #[test]
    fn ascii_folding_list_is_complete() {
        let found: Vec<char> = (0x80..=0x10FFFFu32)
            .filter_map(char::from_u32)
            .filter(|c| c.to_lowercase().any(|l| l.is_ascii()))
            .collect();
        assert_eq!(found, ASCII_FOLDING);
    }
}

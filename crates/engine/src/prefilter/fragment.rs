//! Fragments of a literal that are spelled the same in raw bytes as in
//! the value a rule sees (see the parent module for why each character is
//! excluded).

use crate::text::fold;

/// The non-ASCII characters whose case folding ([`char::to_lowercase`],
/// what the matcher uses) contains an ASCII character. A test checks that
/// this list is complete.
pub const ASCII_FOLDING: [char; 2] = ['\u{130}', '\u{212A}'];

/// Characters a fragment never spans: JSON structure (objects and arrays
/// are matched as their JSON text) and the EVTX string-array separator.
const STRUCTURE: &str = "\"{}[]:,";

/// The characters numbers, GUIDs, SIDs, hex values and timestamps are
/// rendered with (lowercase).
const TYPED: &str = "0123456789abcdefxstz.+-?";

/// Words typed values render as.
const TYPED_WORDS: [&str; 5] = ["true", "false", "null", "nan", "infinity"];

/// Whether `f` (lowercase) could be part of the text of a typed value.
fn typed(f: &str) -> bool {
    f.chars().all(|c| TYPED.contains(c)) || TYPED_WORDS.iter().any(|w| w.contains(f))
}

/// The longest safe fragment of `literal`, lowercase; `None` if it has
/// none. `fold`: the match is case-insensitive (the literal is folded as
/// the matcher folds it); `split`: more characters not to span.
pub(crate) fn best_fragment(literal: &str, folded: bool, split: &str) -> Option<String> {
    let text = if folded {
        fold(literal)
    } else {
        literal.to_owned()
    };
    text.split(|c: char| {
        !c.is_ascii() || c.is_ascii_control() || STRUCTURE.contains(c) || split.contains(c)
    })
    .map(str::to_ascii_lowercase)
    .filter(|f| !f.is_empty() && !typed(f))
    .max_by_key(|f| f.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_avoid_what_raw_bytes_may_spell_otherwise() {
        assert_eq!(
            best_fragment("\\OpenSSH\\ssh.exe", true, "").as_deref(),
            Some("\\openssh\\ssh.exe")
        );
        // Structure and non-ASCII split; the longest piece wins.
        assert_eq!(
            best_fragment("-L 8080:localhost:80", true, "").as_deref(),
            Some("localhost")
        );
        assert_eq!(
            best_fragment("Größe.bin", true, "").as_deref(),
            Some("e.bin")
        );
        assert_eq!(best_fragment("Größe.exe", true, "").as_deref(), Some("gr"));
        // Joined fields split at their separator.
        assert_eq!(
            best_fragment("NT AUTHORITY\\SYSTEM", true, "\\").as_deref(),
            Some("nt authority")
        );
        // Typed values: numbers, hex, GUIDs, SIDs, booleans.
        assert_eq!(best_fragment("4688", true, ""), None);
        assert_eq!(best_fragment("0x3e7", true, ""), None);
        assert_eq!(best_fragment("S-1-5-18", true, ""), None);
        assert_eq!(best_fragment("{DEAD-beef}", true, ""), None);
        assert_eq!(best_fragment("True", true, ""), None);
        assert_eq!(best_fragment("443,8443", true, ""), None);
        assert_eq!(best_fragment("1.2.3.4", true, ""), None);
        // A case-sensitive literal is still searched case-insensitively.
        assert_eq!(best_fragment("AbQ", false, "").as_deref(), Some("abq"));
        assert_eq!(
            best_fragment("tab\there", false, "").as_deref(),
            Some("here")
        );
        // Folding that yields ASCII (Kelvin sign → k).
        assert_eq!(
            best_fragment("\u{212A}ey", true, "").as_deref(),
            Some("key")
        );
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

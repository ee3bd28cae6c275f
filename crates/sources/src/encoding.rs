//! UTF-16 inputs: what Windows PowerShell 5 writes.
//!
//! `ConvertTo-Json … > out.json`, `Export-Csv` (without `-Encoding`) and
//! `Out-File` in Windows PowerShell 5 write UTF-16 little-endian with a
//! byte-order mark, so exported events arrive as UTF-16 JSON, CSV or XML.
//! Every reader works on UTF-8 bytes; such a file is decoded to UTF-8 as a
//! stream (a few KiB of buffer, never the whole file) before its format is
//! detected, and is then read like its UTF-8 twin — same events, same line
//! numbers. Only a byte-order mark selects UTF-16: without one, text is
//! UTF-8 (as every other tool writes it), and guessing from NUL bytes
//! would misread binary files. A lone surrogate (not valid UTF-16) becomes
//! U+FFFD, as `encoding_rs` decodes it, and the record holding it is read
//! with it rather than lost.

use std::io::Read;

use encoding_rs_io::DecodeReaderBytesBuilder;

/// Whether `head`, an input's first bytes, starts with a UTF-16 (LE or BE)
/// byte-order mark.
pub(crate) fn is_utf16(head: &[u8]) -> bool {
    head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF")
}

/// `input`, read from its first byte (its byte-order mark), decoded to
/// UTF-8 without the mark.
pub(crate) fn decode_utf16(input: impl Read + Send) -> impl Read + Send {
    DecodeReaderBytesBuilder::new()
        .bom_sniffing(true)
        .strip_bom(true)
        .build(input)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    fn utf16(text: &str, little: bool) -> Vec<u8> {
        let mut bytes = if little {
            vec![0xFF, 0xFE]
        } else {
            vec![0xFE, 0xFF]
        };
        for unit in text.encode_utf16() {
            let pair = if little {
                unit.to_le_bytes()
            } else {
                unit.to_be_bytes()
            };
            bytes.extend_from_slice(&pair);
        }
        bytes
    }

    fn decoded(bytes: Vec<u8>) -> String {
        let mut out = String::new();
        decode_utf16(Cursor::new(bytes))
            .read_to_string(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn both_byte_orders_decode_without_the_mark() {
        let text = "{\"Image\":\"C:\\\\plink.exe\",\"note\":\"caf\u{e9} \u{1F600}\"}\r\n";
        for little in [true, false] {
            let bytes = utf16(text, little);
            assert!(is_utf16(&bytes));
            assert_eq!(decoded(bytes), text);
        }
        assert!(!is_utf16(b"{\"a\":1}"));
        assert!(!is_utf16(b"\xEF\xBB\xBF{}"));
    }

    #[test]
    fn a_lone_surrogate_becomes_a_replacement_character() {
        let mut bytes = utf16("a", true);
        bytes.extend_from_slice(&0xD800u16.to_le_bytes());
        bytes.extend_from_slice(&utf16("b", true)[2..]);
        assert_eq!(decoded(bytes), "a\u{FFFD}b");
    }
}

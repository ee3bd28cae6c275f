//! Long literals found by hashed 8-byte anchors instead of an automaton.
//!
//! A field with thousands of literals (SigmaHQ: ~6,000 on `CommandLine`,
//! ~5,700 on `Hashes`) makes a full Aho-Corasick DFA of 30–40 MB; walking it
//! is one cache miss per haystack byte, and it was the single largest cost
//! of matching all SigmaHQ rules. A contiguous NFA is small but pays
//! failure transitions on every byte.
//!
//! Literals of at least [`GRAM`] bytes are found here instead. Each literal
//! is represented by one *anchor*: an 8-byte window of it, chosen so that
//! anchors are spread over distinct values and avoid windows that many
//! literals share (those tend to be common in text too, e.g. `powershe`).
//! A scan reads the 8 bytes at every haystack position as a `u64`, tests a
//! small bit filter (a few KB to 32 KB, L1/L2 resident), and only on a
//! filter hit looks the window up in an open-addressing table and verifies
//! each literal with that anchor by a byte comparison at `pos - offset`.
//!
//! Completeness: if literal `L` occurs at `p`, its anchor window occurs at
//! `p + offset`, every position is probed, and the filter has no false
//! negatives — so every occurrence is reported, exactly like overlapping
//! Aho-Corasick. Soundness comes from the verification.

/// Anchor width in bytes.
pub(crate) const GRAM: usize = 8;

const EMPTY: u32 = u32::MAX;

/// One literal behind an anchor: its field-local id and the anchor's
/// offset inside it.
#[derive(Debug, Clone, Copy)]
struct Entry {
    offset: u32,
    local: u32,
}

pub(crate) struct GramIndex {
    /// Bit filter over `hash1(anchor)`.
    filter: Vec<u64>,
    filter_shift: u32,
    /// Open addressing over `hash2(anchor)`: (anchor, first entry, end).
    slots: Vec<(u64, u32, u32)>,
    slot_mask: usize,
    entries: Vec<Entry>,
    /// The literals, by field-local id (only long ones are non-empty).
    lits: Vec<Box<[u8]>>,
}

fn window(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + GRAM].try_into().expect("8 bytes"))
}

#[inline]
fn hash1(g: u64) -> u64 {
    g.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[inline]
fn hash2(g: u64) -> usize {
    ((g ^ (g >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 32) as usize
}

impl GramIndex {
    /// Index `lits` (field-local id, literal); every literal must be at
    /// least [`GRAM`] bytes long. `None` if there are none.
    pub(crate) fn new(lits: &[(u32, &str)]) -> Option<GramIndex> {
        if lits.is_empty() {
            return None;
        }
        debug_assert!(lits.iter().all(|(_, l)| l.len() >= GRAM));
        // How many literals contain each window: windows shared by many
        // literals are domain vocabulary, likely frequent in haystacks.
        let mut shared: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        for (_, l) in lits {
            let b = l.as_bytes();
            let mut seen: Vec<u64> = (0..=b.len() - GRAM).map(|i| window(b, i)).collect();
            seen.sort_unstable();
            seen.dedup();
            for g in seen {
                *shared.entry(g).or_default() += 1;
            }
        }
        // Pick per literal the window with the fewest literals already
        // anchored on it, then the least shared; ties go to the last window
        // (suffixes such as `.exe` aside, ends are more specific).
        let mut used: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
        let mut anchored: Vec<(u64, Entry)> = Vec::with_capacity(lits.len());
        for &(local, l) in lits {
            let b = l.as_bytes();
            let (offset, g) = (0..=b.len() - GRAM)
                .map(|i| (i, window(b, i)))
                .min_by_key(|&(i, g)| {
                    (
                        used.get(&g).copied().unwrap_or(0),
                        shared[&g],
                        std::cmp::Reverse(i),
                    )
                })
                .expect("literal has a window");
            *used.entry(g).or_default() += 1;
            anchored.push((
                g,
                Entry {
                    offset: offset as u32,
                    local,
                },
            ));
        }
        anchored.sort_by_key(|(g, e)| (*g, e.local));

        let distinct = used.len();
        let filter_bits = (distinct * 64).next_power_of_two().clamp(1 << 12, 1 << 18);
        let filter_shift = 64 - filter_bits.trailing_zeros();
        let mut filter = vec![0u64; filter_bits / 64];
        let slot_count = (distinct * 2).next_power_of_two();
        let mut slots = vec![(0u64, EMPTY, EMPTY); slot_count];
        let mut entries = Vec::with_capacity(anchored.len());
        let mut i = 0;
        while i < anchored.len() {
            let g = anchored[i].0;
            let start = entries.len() as u32;
            while i < anchored.len() && anchored[i].0 == g {
                entries.push(anchored[i].1);
                i += 1;
            }
            let bit = (hash1(g) >> filter_shift) as usize;
            filter[bit / 64] |= 1 << (bit % 64);
            let mut s = hash2(g) & (slot_count - 1);
            while slots[s].1 != EMPTY {
                s = (s + 1) & (slot_count - 1);
            }
            slots[s] = (g, start, entries.len() as u32);
        }
        let max_local = lits.iter().map(|(l, _)| *l).max().unwrap_or(0) as usize;
        let mut by_local: Vec<Box<[u8]>> = vec![Box::from(&[][..]); max_local + 1];
        for &(local, l) in lits {
            by_local[local as usize] = l.as_bytes().into();
        }
        Some(GramIndex {
            filter,
            filter_shift,
            slots,
            slot_mask: slot_count - 1,
            entries,
            lits: by_local,
        })
    }

    /// Report the field-local id of every indexed literal occurring in
    /// `text`, once per occurrence.
    #[inline]
    pub(crate) fn scan(&self, text: &[u8], mut found: impl FnMut(u32)) {
        if text.len() < GRAM {
            return;
        }
        for pos in 0..=text.len() - GRAM {
            let g = window(text, pos);
            let bit = (hash1(g) >> self.filter_shift) as usize;
            if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
                continue;
            }
            self.probe(text, pos, g, &mut found);
        }
    }

    #[cold]
    #[inline(never)]
    fn probe(&self, text: &[u8], pos: usize, g: u64, found: &mut dyn FnMut(u32)) {
        let mut s = hash2(g) & self.slot_mask;
        loop {
            let (key, start, end) = self.slots[s];
            if start == EMPTY {
                return;
            }
            if key == g {
                for e in &self.entries[start as usize..end as usize] {
                    let Some(at) = pos.checked_sub(e.offset as usize) else {
                        continue;
                    };
                    if text[at..].starts_with(&self.lits[e.local as usize]) {
                        found(e.local);
                    }
                }
                return;
            }
            s = (s + 1) & self.slot_mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(lits: &[(u32, &str)], text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        for (id, l) in lits {
            for p in 0..text.len() {
                if text.as_bytes()[p..].starts_with(l.as_bytes()) {
                    out.push(*id);
                }
            }
        }
        out.sort_unstable();
        out
    }

    fn scanned(idx: &GramIndex, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        idx.scan(text.as_bytes(), |l| out.push(l));
        out.sort_unstable();
        out
    }

    #[test]
    fn finds_every_occurrence_of_every_literal() {
        let lits = [
            (0, "powershell.exe"),
            (3, "powershell -enc"),
            (4, "md5=0123456789abcdef"),
            (7, "aaaaaaaaa"),
            (9, "aaaaaaaa"),
            (10, "héllo wörld"),
            (11, "-enc aaaaaaaa"),
        ];
        let idx = GramIndex::new(&lits).unwrap();
        for text in [
            "",
            "short",
            "powershell.exe powershell -enc aaaaaaaaaaa",
            "x md5=0123456789abcdef,sha1=aaaaaaaaa",
            "héllo wörld héllo wörld",
            "powershell.ex",
            "aaaaaaaa",
        ] {
            assert_eq!(scanned(&idx, text), naive(&lits, text), "{text:?}");
        }
    }

    #[test]
    fn many_literals_sharing_windows() {
        // Hundreds of literals with a common prefix, as SigmaHQ's hashes.
        let owned: Vec<String> = (0..600)
            .map(|i| format!("imphash={:032x}", (i as u128) * 0x9e37_79b9_7f4a_7c15))
            .collect();
        let lits: Vec<(u32, &str)> = owned
            .iter()
            .enumerate()
            .map(|(i, s)| (i as u32 * 2, s.as_str()))
            .collect();
        let idx = GramIndex::new(&lits).unwrap();
        let text = format!("sha1=x,{},{}x{}", owned[5], owned[599], &owned[7][..30]);
        assert_eq!(scanned(&idx, &text), vec![10, 1198]);
        assert_eq!(scanned(&idx, &text), naive(&lits, &text));
    }
}

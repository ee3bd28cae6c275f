//! The `EventID` and `Channel` of an EVTX record, read from its binary XML
//! without rendering it.
//!
//! Rendering is most of what reading an EVTX record costs, and most rules
//! only see records of a few `EventID`s or channels (their logsource's
//! route). A record is a *template instance*: a reference to a template
//! definition held once in its chunk (the element tree, with numbered
//! substitution slots) and the record's own array of typed substitution
//! values. So the `EventID` and `Channel` of a record are found by reading,
//! once per template, which slots `Event/System/EventID` and
//! `Event/System/Channel` hold, and then, per record, the values in those
//! slots: a few bytes, no tree, no text.
//!
//! Only the plain shape is read: a record that is one fragment holding one
//! template instance, a template whose `Event/System/EventID` and
//! `Channel` each appear once, each with nothing but one substitution as
//! content, an unsigned integer `EventID` and a UTF-16 `Channel`.
//! Anything else (a value written as template text, an optional value that
//! is empty, nested binary XML, a name or token this reader does not
//! expect, bytes out of bounds) leaves the key *unsure*, and an unsure key
//! lets its record through every gate, so the record is rendered and the
//! reader's exact checks decide, as without this shortcut.

use std::collections::HashMap;

use tunnelhunt_engine::RouteKeys;

/// Binary XML tokens (MS-EVEN6 §2.2.3.1), with their "more data" bit 0x40
/// cleared where they have one.
mod token {
    pub(super) const EOF: u8 = 0x00;
    pub(super) const OPEN_START: u8 = 0x01;
    pub(super) const CLOSE_START: u8 = 0x02;
    pub(super) const CLOSE_EMPTY: u8 = 0x03;
    pub(super) const END_ELEMENT: u8 = 0x04;
    pub(super) const VALUE: u8 = 0x05;
    pub(super) const ATTRIBUTE: u8 = 0x06;
    pub(super) const CDATA: u8 = 0x07;
    pub(super) const CHAR_REF: u8 = 0x08;
    pub(super) const ENTITY_REF: u8 = 0x09;
    pub(super) const PI_TARGET: u8 = 0x0a;
    pub(super) const PI_DATA: u8 = 0x0b;
    pub(super) const TEMPLATE_INSTANCE: u8 = 0x0c;
    pub(super) const SUBSTITUTION: u8 = 0x0d;
    pub(super) const OPTIONAL_SUBSTITUTION: u8 = 0x0e;
    pub(super) const FRAGMENT_HEADER: u8 = 0x0f;
}

/// Value types (MS-EVEN6 §2.2.3.1, `Value Type`).
mod value_type {
    pub(super) const STRING: u8 = 0x01;
    pub(super) const UINT8: u8 = 0x04;
    pub(super) const UINT16: u8 = 0x06;
    pub(super) const UINT32: u8 = 0x08;
}

/// Size of a record's header (magic, size, `EventRecordID`, time) before
/// its binary XML; its size is repeated in the last 4 bytes.
pub(crate) const RECORD_HEADER_SIZE: usize = 24;
/// Size of a template definition's header (next offset, GUID, data size).
const TEMPLATE_HEADER_SIZE: usize = 24;

/// A record's `EventID` and `Channel`, each `None` when unsure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordKeys {
    pub(crate) event_id: Option<u32>,
    pub(crate) channel: Option<String>,
}

impl RecordKeys {
    const UNSURE: RecordKeys = RecordKeys {
        event_id: None,
        channel: None,
    };
}

impl RouteKeys for RecordKeys {
    fn any_event_id(&mut self, wanted: impl Fn(u32) -> bool) -> bool {
        self.event_id.is_none_or(wanted)
    }

    fn any_channel(&mut self, wanted: impl Fn(&str) -> bool) -> bool {
        self.channel.as_deref().is_none_or(wanted)
    }
}

/// Where a template puts a key's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    /// In this substitution slot of each record.
    Slot(u16),
    /// In the template's own text (the classic logs' `Channel`).
    Text(String),
}

/// Where a template puts the keys (`None`: unsure).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Slots {
    event_id: Option<u16>,
    channel: Option<Content>,
}

/// Reads the keys of the records of one chunk, each template read once.
pub(crate) struct ChunkKeys<'a> {
    data: &'a [u8],
    templates: HashMap<u32, Slots>,
}

impl<'a> ChunkKeys<'a> {
    /// `data`: the whole chunk, which template and name offsets point into.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        ChunkKeys {
            data,
            templates: HashMap::new(),
        }
    }

    /// The keys of the record of `size` bytes at `at` (its header's
    /// offset in the chunk).
    pub(crate) fn of_record(&mut self, at: usize, size: usize) -> RecordKeys {
        self.read_record(at, size).unwrap_or(RecordKeys::UNSURE)
    }

    fn read_record(&mut self, at: usize, size: usize) -> Option<RecordKeys> {
        let end = at.checked_add(size)?.checked_sub(4)?;
        if end > self.data.len() {
            return None;
        }
        let mut r = Reader::new(self.data, at.checked_add(RECORD_HEADER_SIZE)?);
        r.end = end;
        if r.u8()? != token::FRAGMENT_HEADER {
            return None;
        }
        r.skip(3)?;
        if r.u8()? != token::TEMPLATE_INSTANCE {
            return None;
        }
        r.skip(1 + 4)?;
        let definition = r.u32()?;
        if usize::try_from(definition).ok()? == r.pos {
            // Defined here, inline: its body follows its header.
            r.skip(TEMPLATE_HEADER_SIZE - 4)?;
            let body = r.u32()?;
            r.skip(usize::try_from(body).ok()?)?;
        }
        let count = usize::try_from(r.u32()?).ok()?;
        let descriptors = r.pos;
        r.skip(count.checked_mul(4)?)?;
        let values = r.pos;
        let mut sizes = 0usize;
        for i in 0..count {
            sizes += usize::from(r.u16_at(descriptors + 4 * i)?);
        }
        r.pos = values;
        r.skip(sizes)?;
        // Nothing may follow the instance but the end of the stream.
        if r.pos < r.end && r.u8()? != token::EOF {
            return None;
        }
        let slots = self
            .templates
            .entry(definition)
            .or_insert_with(|| template_slots(self.data, definition).unwrap_or_default());
        let value = |slot: u16| -> Option<(u8, &[u8])> {
            let slot = usize::from(slot);
            if slot >= count {
                return None;
            }
            let descriptor = descriptors + 4 * slot;
            let len = usize::from(r.u16_at(descriptor)?);
            let kind = *r.data.get(descriptor + 2)?;
            let before: usize = (0..slot)
                .map(|i| r.u16_at(descriptors + 4 * i).map(usize::from))
                .sum::<Option<usize>>()?;
            let start = values + before;
            Some((kind, r.data.get(start..start + len)?))
        };
        let event_id =
            slots
                .event_id
                .and_then(value)
                .and_then(|(kind, bytes)| match (kind, bytes) {
                    (value_type::UINT8, [a]) => Some(u32::from(*a)),
                    (value_type::UINT16, [a, b]) => Some(u32::from(u16::from_le_bytes([*a, *b]))),
                    (value_type::UINT32, [a, b, c, d]) => {
                        Some(u32::from_le_bytes([*a, *b, *c, *d]))
                    }
                    _ => None,
                });
        let channel = match &slots.channel {
            Some(Content::Text(text)) => Some(text.clone()),
            Some(Content::Slot(slot)) => value(*slot)
                .and_then(|(kind, bytes)| (kind == value_type::STRING).then(|| utf16(bytes))?),
            None => None,
        };
        Some(RecordKeys { event_id, channel })
    }
}

/// The UTF-16LE text of a string value, without the terminating zeros
/// some writers include; `None` for an empty or odd-sized one.
fn utf16(bytes: &[u8]) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let mut units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    while units.last() == Some(&0) {
        units.pop();
    }
    if units.is_empty() {
        return None;
    }
    Some(String::from_utf16_lossy(&units))
}

/// Where an element stands, as far as the keys are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Event,
    System,
    EventId,
    Channel,
    Elsewhere,
}

/// What a key's element held so far.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    Missing,
    /// One element, whose content so far is this (`None`: nothing yet).
    Open(Option<Content>),
    /// One element, closed, with exactly this as content.
    Done(Content),
    Unsure,
}

impl Found {
    fn opened(self) -> Found {
        match self {
            Found::Missing => Found::Open(None),
            _ => Found::Unsure,
        }
    }

    /// Content seen: `None` for anything but one substitution or text.
    fn content(self, content: Option<Content>) -> Found {
        match (self, content) {
            (Found::Open(None), Some(content)) => Found::Open(Some(content)),
            (Found::Open(_), _) => Found::Unsure,
            (other, _) => other,
        }
    }

    fn closed(self) -> Found {
        match self {
            Found::Open(Some(content)) => Found::Done(content),
            Found::Open(None) => Found::Unsure,
            other => other,
        }
    }
}

/// The slots of the template defined at `offset` in the chunk `data`;
/// `None` when its body cannot be read as expected.
fn template_slots(data: &[u8], offset: u32) -> Option<Slots> {
    let offset = usize::try_from(offset).ok()?;
    let body = offset.checked_add(TEMPLATE_HEADER_SIZE)?;
    let len = usize::try_from(Reader::new(data, offset.checked_add(20)?).u32()?).ok()?;
    let mut r = Reader::new(data, body);
    r.end = body.checked_add(len)?.min(data.len());
    let mut path: Vec<Place> = Vec::new();
    // Between an element's start and the end of its start tag, where
    // tokens are its attributes and their values.
    let mut in_start_tag = false;
    // The `EventID` and the `Channel` element.
    let mut keys = [Found::Missing, Found::Missing];
    let key = |place: Option<&Place>| match place {
        Some(Place::EventId) => Some(0),
        Some(Place::Channel) => Some(1),
        _ => None,
    };
    while r.pos < r.end {
        let byte = r.u8()?;
        // What the token is, as content of a key's element (its
        // attributes do not count): a substitution slot, or `None` for
        // anything else.
        let content = |seen: Option<Content>, keys: &mut [Found; 2]| {
            if !in_start_tag && let Some(k) = key(path.last()) {
                keys[k] = std::mem::replace(&mut keys[k], Found::Unsure).content(seen);
            }
        };
        match byte & !0x40 {
            token::EOF => break,
            token::FRAGMENT_HEADER => r.skip(3)?,
            token::OPEN_START => {
                if in_start_tag {
                    return None;
                }
                content(None, &mut keys);
                r.skip(2 + 4)?;
                let name = r.name()?;
                if byte & 0x40 != 0 {
                    r.skip(4)?;
                }
                let place = match (path.last(), &*name) {
                    (None, "Event") => Place::Event,
                    (None, _) => return None,
                    (Some(Place::Event), "System") => Place::System,
                    (Some(Place::System), "EventID") => Place::EventId,
                    (Some(Place::System), "Channel") => Place::Channel,
                    _ => Place::Elsewhere,
                };
                if let Some(k) = key(Some(&place)) {
                    keys[k] = std::mem::replace(&mut keys[k], Found::Unsure).opened();
                }
                path.push(place);
                in_start_tag = true;
            }
            token::CLOSE_START => in_start_tag = false,
            token::CLOSE_EMPTY | token::END_ELEMENT => {
                let place = path.pop()?;
                if let Some(k) = key(Some(&place)) {
                    keys[k] = std::mem::replace(&mut keys[k], Found::Unsure).closed();
                }
                in_start_tag = false;
            }
            token::VALUE => {
                if r.u8()? != value_type::STRING {
                    return None;
                }
                let chars = usize::from(r.u16()?);
                let start = r.pos;
                r.skip(chars * 2)?;
                let text = r.data.get(start..r.pos).and_then(utf16);
                content(text.map(Content::Text), &mut keys);
            }
            token::ATTRIBUTE | token::ENTITY_REF | token::PI_TARGET => {
                content(None, &mut keys);
                r.name()?;
            }
            token::CDATA | token::PI_DATA => {
                content(None, &mut keys);
                let chars = usize::from(r.u16()?);
                r.skip(chars * 2)?;
            }
            token::CHAR_REF => {
                content(None, &mut keys);
                r.skip(2)?;
            }
            token::SUBSTITUTION | token::OPTIONAL_SUBSTITUTION => {
                let slot = r.u16()?;
                r.skip(1)?;
                content(Some(Content::Slot(slot)), &mut keys);
            }
            _ => return None,
        }
    }
    let [event_id, channel] = keys;
    Some(Slots {
        event_id: match event_id {
            Found::Done(Content::Slot(slot)) => Some(slot),
            _ => None,
        },
        channel: match channel {
            Found::Done(content) => Some(content),
            _ => None,
        },
    })
}

/// A cursor over the bytes of a chunk, reading up to `end`; names are
/// looked up anywhere in the chunk. Every read is bounds-checked.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], pos: usize) -> Self {
        Reader {
            data,
            pos,
            end: data.len(),
        }
    }

    fn skip(&mut self, n: usize) -> Option<()> {
        let to = self.pos.checked_add(n)?;
        (to <= self.end).then(|| self.pos = to)
    }

    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let to = self.pos.checked_add(N)?;
        if to > self.end {
            return None;
        }
        let b = self.data.get(self.pos..to)?;
        self.pos = to;
        b.try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        self.bytes::<1>().map(|[b]| b)
    }

    fn u16(&mut self) -> Option<u16> {
        self.bytes().map(u16::from_le_bytes)
    }

    fn u32(&mut self) -> Option<u32> {
        self.bytes().map(u32::from_le_bytes)
    }

    /// The `u16` at `at`, within `end`.
    fn u16_at(&self, at: usize) -> Option<u16> {
        let mut r = Reader::new(self.data, at);
        r.end = self.end;
        r.u16()
    }

    /// A name reference: an offset into the chunk, where the name is
    /// (next-name offset, hash, length in UTF-16 units, the units, a zero
    /// unit). A name defined right here is skipped over.
    fn name(&mut self) -> Option<String> {
        let offset = usize::try_from(self.u32()?).ok()?;
        let units = usize::from(Reader::new(self.data, offset.checked_add(6)?).u16()?);
        let start = offset.checked_add(8)?;
        let text = self.data.get(start..start.checked_add(units * 2)?)?;
        if offset == self.pos {
            self.skip(8 + units * 2 + 2)?;
        }
        let units: Vec<u16> = text
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16(&units).ok()
    }
}

#[cfg(test)]
mod tests;

//! Modifier chains: which combinations mean something, as data.
//!
//! A chain such as `CommandLine|wide|base64offset|contains` is checked once,
//! before any value is looked at, and summarised into a [`Chain`] that the
//! value lowering reads. Every rule below is written as a table so that the
//! accepted language can be read (and documented in the README) in one
//! place. Each violation becomes an `InvalidModifierChain` diagnostic at the
//! offending modifier.
//!
//! Modifiers fall into classes ([`Class`]):
//!
//! | class      | modifiers                                    | at most one |
//! |------------|----------------------------------------------|-------------|
//! | type       | `re`, `cidr`, `exists`, `fieldref`, `gt`, `gte`, `lt`, `lte` | yes |
//! | position   | `contains`, `startswith`, `endswith`         | yes |
//! | re flag    | `i`, `m`, `s`                                | no (each once) |
//! | encoding   | `utf16le`, `utf16be`, `utf16`, `wide`        | yes |
//! | base64     | `base64`, `base64offset`                     | yes |
//! | windash, expand, cased, all, neq | themselves                 | — |
//!
//! No modifier may appear twice. What may accompany each type
//! ([`COMPANIONS`]): plain values (no type modifier) take everything but
//! the re flags; `re` takes only its flags, `all` and `neq` (pySigma applies
//! `re` only to unmodified values, and a regex has its own anchors and case
//! flag); `cidr` takes `all` and `neq`; `fieldref` takes a position,
//! `cased`, `all` and `neq`; `gt`/`gte`/`lt`/`lte` take `all`; `exists`
//! stands alone. `all` and `neq` are list-level (they change how the
//! values are combined, not the values), which is why they combine widely.
//!
//! Order and requirements ([`ORDER`], [`REQUIRES`]): re flags follow `re`;
//! an encoding needs a base64 modifier after it (a UTF-16 string cannot be
//! matched against text fields otherwise); `windash` comes before the
//! base64 modifier (it rewrites the plain text, not its encoding); the
//! base64 modifier comes before the position modifier (pySigma refuses to
//! encode the wildcards a position modifier adds); `base64offset` needs
//! `contains`, because its three shifted encodings are fragments of a longer
//! base64 string and can only ever be found inside one.
//! `expand` may stand anywhere: placeholders are resolved first.

use crate::ast::{Modifier, Spanned};
use crate::ir::{FieldRefShape, NumOp};
use crate::span::Span;

/// A class of modifiers; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Type,
    Position,
    ReFlag,
    Encoding,
    Base64,
    Windash,
    Expand,
    Cased,
    All,
    Neq,
}

pub(crate) fn class(m: Modifier) -> Class {
    use Modifier::*;
    match m {
        Re | Cidr | Exists | FieldRef | Gt | Gte | Lt | Lte => Class::Type,
        Contains | StartsWith | EndsWith => Class::Position,
        IgnoreCase | Multiline | DotAll => Class::ReFlag,
        Utf16le | Utf16be | Utf16 | Wide => Class::Encoding,
        Base64 | Base64Offset => Class::Base64,
        Windash => Class::Windash,
        Expand => Class::Expand,
        Cased => Class::Cased,
        All => Class::All,
        Neq => Class::Neq,
    }
}

/// Classes of which a chain may hold only one modifier.
const AT_MOST_ONE: &[Class] = &[Class::Type, Class::Position, Class::Encoding, Class::Base64];

/// For each type modifier (`None` = a plain value), the classes that may
/// accompany it.
pub(crate) const COMPANIONS: &[(Option<Modifier>, &[Class])] = &[
    (
        None,
        &[
            Class::Position,
            Class::Encoding,
            Class::Base64,
            Class::Windash,
            Class::Expand,
            Class::Cased,
            Class::All,
            Class::Neq,
        ],
    ),
    (Some(Modifier::Re), &[Class::ReFlag, Class::All, Class::Neq]),
    (Some(Modifier::Cidr), &[Class::All, Class::Neq]),
    (Some(Modifier::Exists), &[]),
    (
        Some(Modifier::FieldRef),
        &[Class::Position, Class::Cased, Class::All, Class::Neq],
    ),
    (Some(Modifier::Gt), &[Class::All]),
    (Some(Modifier::Gte), &[Class::All]),
    (Some(Modifier::Lt), &[Class::All]),
    (Some(Modifier::Lte), &[Class::All]),
];

/// `(earlier, later)`: when both are present, `earlier` must come first.
pub(crate) const ORDER: &[(Class, Class)] = &[
    (Class::Type, Class::ReFlag),
    (Class::Encoding, Class::Base64),
    (Class::Windash, Class::Base64),
    (Class::Base64, Class::Position),
];

/// What a modifier needs elsewhere in its chain.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Need {
    Class(Class),
    Modifier(Modifier),
}

/// `(modifier class, what it needs, why)`: the first is meaningless
/// without the second.
pub(crate) const REQUIRES: &[(Class, Need, &str)] = &[
    (
        Class::ReFlag,
        Need::Modifier(Modifier::Re),
        "is a flag of `re` and needs `re` before it",
    ),
    (
        Class::Encoding,
        Need::Class(Class::Base64),
        "only encodes text for `base64`/`base64offset`, which must follow it",
    ),
];

/// Which UTF-16 flavour to encode in before base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Utf16 {
    Le,
    Be,
    /// Little-endian with a byte-order mark (`FF FE`).
    LeBom,
}

/// A validated chain, summarised for value lowering.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chain {
    /// The type modifier, if any (re, cidr, exists, fieldref, gt…).
    pub ty: Option<Spanned<Modifier>>,
    pub position: Option<Spanned<Modifier>>,
    pub encoding: Option<Utf16>,
    /// `Some(true)` for base64offset, `Some(false)` for base64.
    pub base64: Option<Spanned<bool>>,
    pub windash: bool,
    pub expand: bool,
    pub cased: Option<Span>,
    pub all: bool,
    pub neq: bool,
    pub re_i: bool,
    pub re_m: bool,
    pub re_s: bool,
}

impl Chain {
    pub fn compare_op(&self) -> Option<NumOp> {
        Some(match self.ty.as_ref()?.value {
            Modifier::Gt => NumOp::Gt,
            Modifier::Gte => NumOp::Gte,
            Modifier::Lt => NumOp::Lt,
            Modifier::Lte => NumOp::Lte,
            _ => return None,
        })
    }

    pub fn fieldref_shape(&self) -> FieldRefShape {
        match self.position.as_ref().map(|p| p.value) {
            Some(Modifier::Contains) => FieldRefShape::Contains,
            Some(Modifier::StartsWith) => FieldRefShape::StartsWith,
            Some(Modifier::EndsWith) => FieldRefShape::EndsWith,
            _ => FieldRefShape::Equals,
        }
    }
}

/// One problem with a chain: where, and what.
pub(crate) struct ChainError {
    pub span: Span,
    pub message: String,
}

/// Check a chain against the tables above. `keyword` is true for values
/// without a field (keyword searches). Returns every problem found.
pub(crate) fn validate(
    modifiers: &[Spanned<Modifier>],
    keyword: bool,
) -> Result<Chain, Vec<ChainError>> {
    let mut errors = Vec::new();
    let mut err = |span: Span, message: String| errors.push(ChainError { span, message });

    // Duplicates and at-most-one classes.
    for (i, m) in modifiers.iter().enumerate() {
        if let Some(first) = modifiers[..i].iter().find(|p| p.value == m.value) {
            err(
                m.span,
                format!(
                    "`{}` appears twice in the modifier chain (first at {})",
                    m.value.as_str(),
                    first.span
                ),
            );
            continue;
        }
        let c = class(m.value);
        if AT_MOST_ONE.contains(&c)
            && let Some(other) = modifiers[..i].iter().find(|p| class(p.value) == c)
        {
            err(
                m.span,
                format!(
                    "`{}` cannot be combined with `{}`",
                    m.value.as_str(),
                    other.value.as_str()
                ),
            );
        }
    }

    let ty = modifiers.iter().find(|m| class(m.value) == Class::Type);
    let companions = COMPANIONS
        .iter()
        .find(|(t, _)| *t == ty.map(|m| m.value))
        .map_or(&[][..], |(_, c)| *c);
    for m in modifiers {
        let c = class(m.value);
        if c == Class::Type || companions.contains(&c) {
            continue;
        }
        // A re flag without `re` is reported by REQUIRES, with a better message.
        if c == Class::ReFlag && ty.is_none() {
            continue;
        }
        match ty {
            Some(t) => err(
                m.span,
                format!(
                    "`{}` cannot be combined with `{}`",
                    m.value.as_str(),
                    t.value.as_str()
                ),
            ),
            None => err(m.span, format!("`{}` is not valid here", m.value.as_str())),
        }
    }

    for &(needs, needed, why) in REQUIRES {
        for m in modifiers.iter().filter(|m| class(m.value) == needs) {
            let satisfied = modifiers.iter().any(|p| match needed {
                Need::Class(c) => class(p.value) == c,
                Need::Modifier(n) => p.value == n,
            });
            if !satisfied {
                err(m.span, format!("`{}` {why}", m.value.as_str()));
            }
        }
    }

    for &(earlier, later) in ORDER {
        let first_later = modifiers.iter().position(|m| class(m.value) == later);
        let last_earlier = modifiers.iter().rposition(|m| class(m.value) == earlier);
        if let (Some(l), Some(e)) = (first_later, last_earlier)
            && l < e
        {
            err(
                modifiers[l].span,
                format!(
                    "`{}` must come after `{}` in the modifier chain",
                    modifiers[l].value.as_str(),
                    modifiers[e].value.as_str()
                ),
            );
        }
    }

    if let Some(off) = modifiers.iter().find(|m| m.value == Modifier::Base64Offset)
        && !modifiers.iter().any(|m| m.value == Modifier::Contains)
    {
        err(
            off.span,
            "`base64offset` needs `contains`: its shifted encodings are fragments that only \
             occur inside a longer base64 string"
                .to_owned(),
        );
    }

    if keyword {
        for m in modifiers {
            if matches!(m.value, Modifier::Exists | Modifier::FieldRef) {
                err(
                    m.span,
                    format!(
                        "`{}` needs a field; keyword searches have none",
                        m.value.as_str()
                    ),
                );
            }
        }
    }

    if !errors.is_empty() {
        return Err(errors);
    }

    let mut chain = Chain {
        ty: ty.cloned(),
        ..Chain::default()
    };
    for m in modifiers {
        match m.value {
            Modifier::Contains | Modifier::StartsWith | Modifier::EndsWith => {
                chain.position = Some(m.clone())
            }
            Modifier::Utf16le | Modifier::Wide => chain.encoding = Some(Utf16::Le),
            Modifier::Utf16be => chain.encoding = Some(Utf16::Be),
            Modifier::Utf16 => chain.encoding = Some(Utf16::LeBom),
            Modifier::Base64 => chain.base64 = Some(Spanned::new(false, m.span)),
            Modifier::Base64Offset => chain.base64 = Some(Spanned::new(true, m.span)),
            Modifier::Windash => chain.windash = true,
            Modifier::Expand => chain.expand = true,
            Modifier::Cased => chain.cased = Some(m.span),
            Modifier::All => chain.all = true,
            Modifier::Neq => chain.neq = true,
            Modifier::IgnoreCase => chain.re_i = true,
            Modifier::Multiline => chain.re_m = true,
            Modifier::DotAll => chain.re_s = true,
            Modifier::Re
            | Modifier::Cidr
            | Modifier::Exists
            | Modifier::FieldRef
            | Modifier::Gt
            | Modifier::Gte
            | Modifier::Lt
            | Modifier::Lte => {}
        }
    }
    Ok(chain)
}

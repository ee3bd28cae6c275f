//! The Rule AST: a Sigma document as written, typed, with a span on every node.
//!
//! This is the shape of the *source*: search identifiers keep their names,
//! field matchers keep their modifier chains and raw values, the condition is
//! a tree over identifiers. Nothing here is resolved or expanded; that is the
//! job of [`crate::lower`], which turns a rule into the target-neutral
//! [`crate::ir::Expr`] that the matcher and every backend consume.
//!
//! Three kinds of document share the metadata block: detection rules,
//! filters (exclusions applied to named rules, how users tune a pack), and
//! correlation rules (aggregations over the matches of other rules).

use std::path::PathBuf;

use crate::span::Span;

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// Where a document came from: file and 0-based document index in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: PathBuf,
    pub document: usize,
    /// Position of the document's first key.
    pub span: Span,
}

/// Any YAML value, kept for custom attributes (`branch`, `confidence`, …)
/// and for re-emitting rules. Independent of the YAML crate we parse with.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<AttrValue>),
    /// Key order is preserved as written.
    Map(Vec<(String, AttrValue)>),
}

impl AttrValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::String(s) => Some(s),
            _ => None,
        }
    }
}

/// Sigma's `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
}

/// Sigma's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Stable,
    Test,
    Experimental,
    Deprecated,
    Unsupported,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Stable => "stable",
            Status::Test => "test",
            Status::Experimental => "experimental",
            Status::Deprecated => "deprecated",
            Status::Unsupported => "unsupported",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "stable" => Status::Stable,
            "test" => Status::Test,
            "experimental" => Status::Experimental,
            "deprecated" => Status::Deprecated,
            "unsupported" => Status::Unsupported,
            _ => return None,
        })
    }
}

/// One entry of `related:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Related {
    pub id: String,
    /// derived, obsolete, merged, renamed, similar.
    pub kind: String,
}

/// The attributes every Sigma document may carry.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata {
    pub title: Spanned<String>,
    pub id: Option<Spanned<String>>,
    /// The optional `name` (used by correlations and filters to refer to a rule).
    pub name: Option<Spanned<String>>,
    pub related: Vec<Related>,
    pub status: Option<Status>,
    pub description: Option<String>,
    pub references: Vec<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub level: Option<Level>,
    pub falsepositives: Vec<String>,
    pub fields: Vec<String>,
    /// Attributes the specification does not define, in file order.
    pub custom: Vec<(String, AttrValue)>,
}

impl Default for Spanned<String> {
    fn default() -> Self {
        Spanned::new(String::new(), Span::UNKNOWN)
    }
}

impl Metadata {
    pub fn custom(&self, key: &str) -> Option<&AttrValue> {
        self.custom.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The ATT&CK technique tags (`attack.t1572` → `T1572`).
    pub fn attack_techniques(&self) -> Vec<String> {
        self.tags
            .iter()
            .filter_map(|t| t.strip_prefix("attack.t"))
            .map(|t| format!("T{}", t.to_ascii_uppercase()))
            .collect()
    }
}

/// `logsource:` — which events a rule applies to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct LogSource {
    pub category: Option<String>,
    pub product: Option<String>,
    pub service: Option<String>,
    pub definition: Option<String>,
}

/// A field modifier, the part after `|` in `Image|endswith`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    Contains,
    StartsWith,
    EndsWith,
    All,
    Windash,
    Re,
    /// `re|i`
    IgnoreCase,
    /// `re|m`
    Multiline,
    /// `re|s`
    DotAll,
    Cidr,
    Base64,
    Base64Offset,
    Utf16le,
    Utf16be,
    Utf16,
    Wide,
    Exists,
    Cased,
    FieldRef,
    Gt,
    Gte,
    Lt,
    Lte,
    Neq,
    Expand,
}

impl Modifier {
    pub fn parse(s: &str) -> Option<Modifier> {
        Some(match s {
            "contains" => Modifier::Contains,
            "startswith" => Modifier::StartsWith,
            "endswith" => Modifier::EndsWith,
            "all" => Modifier::All,
            "windash" => Modifier::Windash,
            "re" => Modifier::Re,
            "i" => Modifier::IgnoreCase,
            "m" => Modifier::Multiline,
            "s" => Modifier::DotAll,
            "cidr" => Modifier::Cidr,
            "base64" => Modifier::Base64,
            "base64offset" => Modifier::Base64Offset,
            "utf16le" => Modifier::Utf16le,
            "utf16be" => Modifier::Utf16be,
            "utf16" => Modifier::Utf16,
            "wide" => Modifier::Wide,
            "exists" => Modifier::Exists,
            "cased" => Modifier::Cased,
            "fieldref" => Modifier::FieldRef,
            "gt" => Modifier::Gt,
            "gte" => Modifier::Gte,
            "lt" => Modifier::Lt,
            "lte" => Modifier::Lte,
            "neq" => Modifier::Neq,
            "expand" => Modifier::Expand,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Modifier::Contains => "contains",
            Modifier::StartsWith => "startswith",
            Modifier::EndsWith => "endswith",
            Modifier::All => "all",
            Modifier::Windash => "windash",
            Modifier::Re => "re",
            Modifier::IgnoreCase => "i",
            Modifier::Multiline => "m",
            Modifier::DotAll => "s",
            Modifier::Cidr => "cidr",
            Modifier::Base64 => "base64",
            Modifier::Base64Offset => "base64offset",
            Modifier::Utf16le => "utf16le",
            Modifier::Utf16be => "utf16be",
            Modifier::Utf16 => "utf16",
            Modifier::Wide => "wide",
            Modifier::Exists => "exists",
            Modifier::Cased => "cased",
            Modifier::FieldRef => "fieldref",
            Modifier::Gt => "gt",
            Modifier::Gte => "gte",
            Modifier::Lt => "lt",
            Modifier::Lte => "lte",
            Modifier::Neq => "neq",
            Modifier::Expand => "expand",
        }
    }
}

/// A detection value exactly as written in YAML. Strings are kept raw:
/// wildcards and `\` escapes are interpreted by lowering, not here.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// `Field|mod1|mod2: values` — or, with `field: None`, keyword values that
/// are searched for in the whole event.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMatcher {
    pub field: Option<String>,
    /// Position of the key (or of the first keyword).
    pub span: Span,
    pub modifiers: Vec<Spanned<Modifier>>,
    /// One or more values; several mean OR, or AND under `|all`.
    /// An empty list is legal YAML (`Field: []`) and matches nothing.
    pub values: Vec<Spanned<Value>>,
}

impl FieldMatcher {
    pub fn has(&self, modifier: Modifier) -> bool {
        self.modifiers.iter().any(|m| m.value == modifier)
    }
}

/// The body of one search identifier.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchBody {
    /// A YAML map: every field matcher must hold.
    AllOf(Vec<FieldMatcher>),
    /// A YAML list: any item must hold (items are maps or keyword groups).
    AnyOf(Vec<SearchBody>),
    /// Plain values (a keyword list or a single string): any must occur
    /// somewhere in the event.
    Keywords(FieldMatcher),
}

/// A named search identifier under `detection:`.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub name: String,
    pub span: Span,
    pub body: SearchBody,
}

/// The condition expression tree.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionExpr {
    And(Vec<ConditionExpr>),
    Or(Vec<ConditionExpr>),
    Not(Box<ConditionExpr>),
    /// A search identifier by name.
    Identifier(Spanned<String>),
    /// `1 of PATTERN` / `any of PATTERN` (PATTERN may contain `*`) or `1 of them`.
    OneOf(Spanned<Quantified>),
    /// `all of PATTERN` or `all of them`.
    AllOf(Spanned<Quantified>),
}

/// What an `X of …` quantifier ranges over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Quantified {
    /// `them`: every search identifier (those starting with `_` excluded, per spec).
    Them,
    /// An identifier pattern, possibly with `*` wildcards.
    Pattern(String),
}

/// One `condition:` string, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The text as written, for messages and for re-emitting.
    pub source: String,
    pub span: Span,
    pub expr: ConditionExpr,
}

/// `detection:` — search identifiers and the condition over them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Detection {
    /// In file order.
    pub searches: Vec<Search>,
    /// Usually one; a (deprecated) list of conditions means any of them.
    pub conditions: Vec<Condition>,
    /// The legacy `timeframe` attribute, if present.
    pub timeframe: Option<Spanned<String>>,
}

impl Detection {
    pub fn search(&self, name: &str) -> Option<&Search> {
        self.searches.iter().find(|s| s.name == name)
    }
}

/// A detection rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub meta: Metadata,
    pub logsource: LogSource,
    pub detection: Detection,
    pub origin: Origin,
}

/// A Sigma filter (meta-filter): extra searches and a condition ANDed onto
/// the condition of each rule it names. This is how users tune rules
/// without editing them.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub meta: Metadata,
    pub logsource: LogSource,
    /// Ids or names of the rules the filter applies to. Empty when
    /// `applies_to_all` is set.
    pub rules: Vec<Spanned<String>>,
    /// `rules: any` (or `all`, or an empty list): the filter tunes every
    /// rule whose logsource it fits, as pySigma does.
    pub applies_to_all: bool,
    /// The filter's own searches and condition. The condition is ANDed onto
    /// the rule's, exactly as pySigma does, so an exclusion is written
    /// `condition: not selection`.
    pub detection: Detection,
    pub origin: Origin,
}

/// The aggregation a correlation rule performs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrelationKind {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    /// The sum of a numeric field (specification v2.1).
    ValueSum,
    /// The mean of a numeric field (specification v2.1).
    ValueAvg,
    /// A percentile of a field (specification v2.1; see
    /// [`CorrelationCondition::percentile`]).
    ValuePercentile,
    /// The median of a numeric field (pySigma's extension).
    ValueMedian,
}

impl CorrelationKind {
    /// Every kind, in the order the specification lists them.
    pub const ALL: [CorrelationKind; 8] = [
        CorrelationKind::EventCount,
        CorrelationKind::ValueCount,
        CorrelationKind::Temporal,
        CorrelationKind::TemporalOrdered,
        CorrelationKind::ValueSum,
        CorrelationKind::ValueAvg,
        CorrelationKind::ValuePercentile,
        CorrelationKind::ValueMedian,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationKind::EventCount => "event_count",
            CorrelationKind::ValueCount => "value_count",
            CorrelationKind::Temporal => "temporal",
            CorrelationKind::TemporalOrdered => "temporal_ordered",
            CorrelationKind::ValueSum => "value_sum",
            CorrelationKind::ValueAvg => "value_avg",
            CorrelationKind::ValuePercentile => "value_percentile",
            CorrelationKind::ValueMedian => "value_median",
        }
    }

    pub fn parse(text: &str) -> Option<CorrelationKind> {
        CorrelationKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    /// `temporal` and `temporal_ordered`: several rules close together in
    /// time, rather than a figure computed over one rule's matches.
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            CorrelationKind::Temporal | CorrelationKind::TemporalOrdered
        )
    }

    /// The kinds that aggregate a field named in the condition
    /// (`value_count` and the numeric ones).
    pub fn needs_field(self) -> bool {
        !matches!(
            self,
            CorrelationKind::EventCount
                | CorrelationKind::Temporal
                | CorrelationKind::TemporalOrdered
        )
    }

    /// The kinds whose figure is a number computed from the field's values
    /// (so a threshold may be fractional or negative), rather than a count.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            CorrelationKind::ValueSum
                | CorrelationKind::ValueAvg
                | CorrelationKind::ValuePercentile
                | CorrelationKind::ValueMedian
        )
    }
}

/// A comparison in a correlation condition (`gte: 10`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CountOp {
    Gt,
    Gte,
    Lt,
    Lte,
    Eq,
    Neq,
}

impl CountOp {
    pub const ALL: [CountOp; 6] = [
        CountOp::Gt,
        CountOp::Gte,
        CountOp::Lt,
        CountOp::Lte,
        CountOp::Eq,
        CountOp::Neq,
    ];

    /// The key as written in a condition (`gte`).
    pub fn as_str(self) -> &'static str {
        match self {
            CountOp::Gt => "gt",
            CountOp::Gte => "gte",
            CountOp::Lt => "lt",
            CountOp::Lte => "lte",
            CountOp::Eq => "eq",
            CountOp::Neq => "neq",
        }
    }

    pub fn parse(text: &str) -> Option<CountOp> {
        CountOp::ALL.into_iter().find(|op| op.as_str() == text)
    }

    /// Whether `figure OP threshold` holds.
    pub fn holds(self, figure: f64, threshold: f64) -> bool {
        match self {
            CountOp::Gt => figure > threshold,
            CountOp::Gte => figure >= threshold,
            CountOp::Lt => figure < threshold,
            CountOp::Lte => figure <= threshold,
            CountOp::Eq => figure == threshold,
            CountOp::Neq => figure != threshold,
        }
    }
}

/// A number in a correlation condition. Counts are whole numbers of zero or
/// more; the numeric kinds (`value_sum`, `value_avg`…) accept any finite
/// number. Displayed without a fraction when it is whole (`10`, not `10.0`),
/// so re-emitted rules read as written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Threshold(pub f64);

impl Threshold {
    pub fn value(self) -> f64 {
        self.0
    }

    /// The threshold as a whole number, when it is one.
    pub fn as_whole(self) -> Option<i64> {
        let value = self.0;
        (value.fract() == 0.0 && value.abs() < 9.0e15).then_some(value as i64)
    }
}

impl std::fmt::Display for Threshold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.as_whole() {
            Some(whole) => write!(f, "{whole}"),
            None => write!(f, "{}", self.0),
        }
    }
}

/// `condition:` of a correlation: the comparisons (ANDed), the field whose
/// values are aggregated (every kind but `event_count` and the temporal
/// ones), and for `value_percentile` the percentile.
#[derive(Debug, Clone, PartialEq)]
pub struct CorrelationCondition {
    pub field: Option<String>,
    pub comparisons: Vec<(CountOp, Threshold)>,
    /// `percentile: 95` (pySigma's form): the figure is that percentile of
    /// the field's numeric values. Absent in the specification's own
    /// example, where the figure is the share (in percent) of the window's
    /// events that carry each value — see `docs/correlations.md`.
    pub percentile: Option<f64>,
    pub span: Span,
}

/// The comparisons as written, ANDed: `gt 100 and lte 200`.
impl std::fmt::Display for CorrelationCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, (op, threshold)) in self.comparisons.iter().enumerate() {
            if index > 0 {
                f.write_str(" and ")?;
            }
            write!(f, "{} {threshold}", op.as_str())?;
        }
        Ok(())
    }
}

impl CorrelationCondition {
    /// Whether every comparison holds for `figure`.
    pub fn holds(&self, figure: f64) -> bool {
        self.comparisons
            .iter()
            .all(|(op, threshold)| op.holds(figure, threshold.value()))
    }
}

/// `aliases:` — one virtual field name mapped to a field per referenced rule.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldAlias {
    pub alias: String,
    /// (rule id or name, field in that rule's events)
    pub mapping: Vec<(String, String)>,
}

/// A correlation rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub meta: Metadata,
    pub kind: CorrelationKind,
    /// Ids or names of the rules whose matches are aggregated.
    pub rules: Vec<Spanned<String>>,
    pub group_by: Vec<String>,
    /// The time window, in seconds.
    pub timespan_secs: u64,
    /// As written (`1h`, `30m`…), for re-emitting.
    pub timespan_text: Spanned<String>,
    /// Absent only for temporal kinds, where it defaults to "all rules seen".
    pub condition: Option<CorrelationCondition>,
    pub aliases: Vec<FieldAlias>,
    /// Whether the referenced rules also raise their own alerts.
    pub generate: bool,
    pub origin: Origin,
}

/// One parsed YAML document.
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    Rule(Rule),
    Filter(Filter),
    Correlation(Correlation),
}

impl Document {
    pub fn meta(&self) -> &Metadata {
        match self {
            Document::Rule(r) => &r.meta,
            Document::Filter(f) => &f.meta,
            Document::Correlation(c) => &c.meta,
        }
    }

    pub fn origin(&self) -> &Origin {
        match self {
            Document::Rule(r) => &r.origin,
            Document::Filter(f) => &f.origin,
            Document::Correlation(c) => &c.origin,
        }
    }
}

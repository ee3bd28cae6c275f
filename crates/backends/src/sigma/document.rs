//! A rule's AST written back as one Sigma YAML document.
//!
//! Keys come in the specification's order (title, id, related, name,
//! status, description, references, author, date, modified, tags,
//! logsource, detection, fields, falsepositives, level), then the custom
//! attributes in their original order. The detection is written from the
//! AST as the author wrote it: search identifiers, field names, modifier
//! chains and raw values (wildcards and escapes untouched, so `\*` stays
//! `\*`), the condition text with its whitespace normalized. Loading the
//! output gives the same AST and therefore the same meaning.

use tunnelhunt_sigma::ast::{
    AttrValue, Correlation, FieldMatcher, LogSource, Metadata, SearchBody, Threshold, Value,
};

use super::yaml::{self, Style};

/// Indentation of one level, as in SigmaHQ.
const STEP: usize = 4;

/// Writes YAML lines.
#[derive(Default)]
pub(crate) struct Writer {
    out: String,
}

impl Writer {
    pub fn finish(self) -> String {
        self.out
    }

    /// `# text` lines (the caller makes `text` one line).
    pub fn comment(&mut self, text: &str) {
        self.out.push_str("# ");
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn line(&mut self, indent: usize, text: &str) {
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn key(&mut self, indent: usize, key: &str, rest: &str) {
        let key = yaml::string(key, Style::PlainIfSafe);
        if rest.is_empty() {
            self.line(indent, &format!("{key}:"));
        } else {
            self.line(indent, &format!("{key}: {rest}"));
        }
    }

    /// `key: value` for a string, a literal block for multi-line prose.
    fn text(&mut self, indent: usize, key: &str, value: &str) {
        match yaml::literal_block(value, indent + STEP) {
            Some(block) => self.key(indent, key, &block),
            None => self.key(indent, key, &yaml::string(value, Style::PlainIfSafe)),
        }
    }

    fn string_list(&mut self, indent: usize, key: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.key(indent, key, "");
        for item in items {
            self.line(
                indent + STEP,
                &format!("- {}", yaml::string(item, Style::PlainIfSafe)),
            );
        }
    }

    pub(crate) fn metadata_head(&mut self, meta: &Metadata) {
        self.text(0, "title", &meta.title.value);
        if let Some(id) = &meta.id {
            self.text(0, "id", &id.value);
        }
        if !meta.related.is_empty() {
            self.key(0, "related", "");
            for related in &meta.related {
                self.line(
                    STEP,
                    &format!("- id: {}", yaml::string(&related.id, Style::PlainIfSafe)),
                );
                self.line(
                    STEP + 2,
                    &format!("type: {}", yaml::string(&related.kind, Style::PlainIfSafe)),
                );
            }
        }
        if let Some(name) = &meta.name {
            self.text(0, "name", &name.value);
        }
        if let Some(status) = meta.status {
            self.key(0, "status", status.as_str());
        }
        if let Some(description) = &meta.description {
            self.text(0, "description", description);
        }
        self.string_list(0, "references", &meta.references);
        if let Some(author) = &meta.author {
            self.text(0, "author", author);
        }
        if let Some(date) = &meta.date {
            self.text(0, "date", date);
        }
        if let Some(modified) = &meta.modified {
            self.text(0, "modified", modified);
        }
        self.string_list(0, "tags", &meta.tags);
    }

    pub fn logsource(&mut self, logsource: &LogSource) {
        self.key(0, "logsource", "");
        for (key, value) in [
            ("category", &logsource.category),
            ("product", &logsource.product),
            ("service", &logsource.service),
            ("definition", &logsource.definition),
        ] {
            if let Some(value) = value {
                self.text(STEP, key, value);
            }
        }
    }

    /// One search identifier and its body.
    pub fn search(&mut self, name: &str, body: &SearchBody) {
        match body {
            SearchBody::AllOf(matchers) if matchers.is_empty() => self.key(STEP, name, "{}"),
            SearchBody::AllOf(matchers) => {
                self.key(STEP, name, "");
                for matcher in matchers {
                    self.matcher(2 * STEP, "", matcher);
                }
            }
            SearchBody::AnyOf(items) if items.is_empty() => self.key(STEP, name, "[]"),
            SearchBody::AnyOf(items) => {
                self.key(STEP, name, "");
                for item in items {
                    self.list_item(2 * STEP, item);
                }
            }
            SearchBody::Keywords(matcher) => self.keywords(STEP, name, matcher),
        }
    }

    fn keywords(&mut self, indent: usize, name: &str, matcher: &FieldMatcher) {
        if matcher.values.is_empty() {
            self.key(indent, name, "[]");
            return;
        }
        self.key(indent, name, "");
        for value in &matcher.values {
            self.line(
                indent + STEP,
                &format!("- {}", detection_value(&value.value)),
            );
        }
    }

    /// An item of a search list: a mapping (first matcher on the dash line)
    /// or a run of keyword values (one dash each).
    fn list_item(&mut self, indent: usize, item: &SearchBody) {
        match item {
            SearchBody::AllOf(matchers) if matchers.is_empty() => self.line(indent, "- {}"),
            SearchBody::AllOf(matchers) => {
                for (i, matcher) in matchers.iter().enumerate() {
                    if i == 0 {
                        self.matcher(indent + 2, "- ", matcher);
                    } else {
                        self.matcher(indent + 2, "", matcher);
                    }
                }
            }
            SearchBody::Keywords(matcher) => {
                for value in &matcher.values {
                    self.line(indent, &format!("- {}", detection_value(&value.value)));
                }
            }
            SearchBody::AnyOf(items) if items.is_empty() => self.line(indent, "- []"),
            SearchBody::AnyOf(items) => {
                self.line(indent, "-");
                for nested in items {
                    self.list_item(indent + STEP, nested);
                }
            }
        }
    }

    /// `Field|mod: value` or `Field|mod:` with a list. `dash` is written
    /// before the key (`"- "` for the first key of a list item), at
    /// `indent - dash.len()`.
    fn matcher(&mut self, indent: usize, dash: &str, matcher: &FieldMatcher) {
        let mut key = matcher.field.clone().unwrap_or_default();
        for modifier in &matcher.modifiers {
            key.push('|');
            key.push_str(modifier.value.as_str());
        }
        let key = yaml::string(&key, Style::PlainIfSafe);
        let lead = format!("{}{dash}{key}:", " ".repeat(indent - dash.len()));
        match matcher.values.as_slice() {
            [] => self.out.push_str(&format!("{lead} []\n")),
            [one] => self
                .out
                .push_str(&format!("{lead} {}\n", detection_value(&one.value))),
            many => {
                self.out.push_str(&lead);
                self.out.push('\n');
                for value in many {
                    self.line(
                        indent + STEP,
                        &format!("- {}", detection_value(&value.value)),
                    );
                }
            }
        }
    }

    /// `condition:` — one string, or a list (the deprecated form).
    pub fn conditions(&mut self, conditions: &[String]) {
        match conditions {
            [one] => self.key(STEP, "condition", &yaml::string(one, Style::PlainIfSafe)),
            many => {
                self.key(STEP, "condition", "");
                for condition in many {
                    self.line(
                        2 * STEP,
                        &format!("- {}", yaml::string(condition, Style::PlainIfSafe)),
                    );
                }
            }
        }
    }

    pub fn timeframe(&mut self, timeframe: &str) {
        self.key(
            STEP,
            "timeframe",
            &yaml::string(timeframe, Style::PlainIfSafe),
        );
    }

    pub(crate) fn metadata_tail(&mut self, meta: &Metadata) {
        self.string_list(0, "fields", &meta.fields);
        self.string_list(0, "falsepositives", &meta.falsepositives);
        if let Some(level) = meta.level {
            self.key(0, "level", level.as_str());
        }
        for (key, value) in &meta.custom {
            self.attr(0, key, value);
        }
    }

    /// The `correlation:` section, keys in the specification's order;
    /// every value is one the loader reads back to the same AST.
    pub(crate) fn correlation(&mut self, correlation: &Correlation) {
        self.key(0, "correlation", "");
        self.key(STEP, "type", correlation.kind.as_str());
        let rules: Vec<String> = correlation.rules.iter().map(|r| r.value.clone()).collect();
        self.string_list(STEP, "rules", &rules);
        self.string_list(STEP, "group-by", &correlation.group_by);
        self.text(STEP, "timespan", &correlation.timespan_text.value);
        if let Some(condition) = &correlation.condition {
            self.key(STEP, "condition", "");
            if let Some(field) = &condition.field {
                self.text(2 * STEP, "field", field);
            }
            if let Some(percentile) = condition.percentile {
                self.key(2 * STEP, "percentile", &Threshold(percentile).to_string());
            }
            for (op, threshold) in &condition.comparisons {
                self.key(2 * STEP, op.as_str(), &threshold.to_string());
            }
        }
        if !correlation.aliases.is_empty() {
            self.key(STEP, "aliases", "");
            for alias in &correlation.aliases {
                self.key(2 * STEP, &alias.alias, "");
                for (rule, field) in &alias.mapping {
                    self.text(3 * STEP, rule, field);
                }
            }
        }
        if correlation.generate {
            self.key(STEP, "generate", "true");
        }
    }

    pub(crate) fn detection_key(&mut self) {
        self.key(0, "detection", "");
    }

    /// A custom attribute of any shape.
    fn attr(&mut self, indent: usize, key: &str, value: &AttrValue) {
        match value {
            AttrValue::List(items) if items.is_empty() => self.key(indent, key, "[]"),
            AttrValue::Map(entries) if entries.is_empty() => self.key(indent, key, "{}"),
            AttrValue::List(items) => {
                self.key(indent, key, "");
                for item in items {
                    self.attr_item(indent + STEP, item);
                }
            }
            AttrValue::Map(entries) => {
                self.key(indent, key, "");
                for (k, v) in entries {
                    self.attr(indent + STEP, k, v);
                }
            }
            AttrValue::String(s) => self.text(indent, key, s),
            scalar => self.key(indent, key, &attr_scalar(scalar)),
        }
    }

    fn attr_item(&mut self, indent: usize, item: &AttrValue) {
        match item {
            AttrValue::List(items) if !items.is_empty() => {
                self.line(indent, "-");
                for nested in items {
                    self.attr_item(indent + STEP, nested);
                }
            }
            AttrValue::Map(entries) if !entries.is_empty() => {
                self.line(indent, "-");
                for (k, v) in entries {
                    self.attr(indent + STEP, k, v);
                }
            }
            AttrValue::List(_) => self.line(indent, "- []"),
            AttrValue::Map(_) => self.line(indent, "- {}"),
            AttrValue::String(s) => self.line(
                indent,
                &format!("- {}", yaml::string(s, Style::PlainIfSafe)),
            ),
            scalar => self.line(indent, &format!("- {}", attr_scalar(scalar))),
        }
    }
}

fn attr_scalar(value: &AttrValue) -> String {
    match value {
        AttrValue::Null => "null".to_owned(),
        AttrValue::Bool(b) => b.to_string(),
        AttrValue::Int(i) => i.to_string(),
        AttrValue::Float(x) => yaml::float(*x),
        AttrValue::String(s) => yaml::string(s, Style::PlainIfSafe),
        AttrValue::List(_) | AttrValue::Map(_) => unreachable!("collections are written as blocks"),
    }
}

/// A detection value, typed as written: strings always quoted.
fn detection_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(x) => yaml::float(*x),
        Value::Str(s) => yaml::string(s, Style::Quoted),
    }
}

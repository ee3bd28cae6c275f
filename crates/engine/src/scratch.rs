//! Per-event state of the matcher: loaded field values, literal hits,
//! candidate rules, memoised predicates.
//!
//! Everything is stamped with a generation number instead of being cleared
//! per event, and all buffers are reused, so the hot path allocates nothing
//! once the buffers have grown to the largest event seen (the [`Event`]
//! implementation may still allocate in its own lookups). A field is copied
//! (text form plus folded form) into one arena the first time a predicate or
//! the literal scan needs it, and read from there afterwards.

use std::borrow::Cow;
use std::net::IpAddr;

use crate::eval::{bool_test, fieldref_texts, num_test};
use crate::event::{Event, FieldValue};
use crate::literal::SubsetScan;
use crate::matcher::{Matcher, Route, condition_holds};
use crate::program::LitId;
use crate::program::{FieldId, KEYWORDS, Node, PredId, PredKind, RuleId};
use crate::text::{fold_into, write_text};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// One loaded value: its kind and where its text and folded text are.
#[derive(Debug, Clone, Copy)]
struct Val {
    kind: Kind,
    text: (u32, u32),
    folded: (u32, u32),
}

#[derive(Debug, Clone, Copy, Default)]
struct Loaded {
    present: bool,
    vals: (u32, u32),
}

pub(crate) struct EventState {
    generation: u32,
    field_gen: Vec<u32>,
    field: Vec<Loaded>,
    scanned_gen: Vec<u32>,
    vals: Vec<Val>,
    arena: String,
    fold_tmp: String,
    raw_tmp: String,
    lit_gen: Vec<u32>,
    rule_gen: Vec<u32>,
    pred_gen: Vec<u32>,
    pred_val: Vec<bool>,
    candidates: Vec<u32>,
    active_conds: Vec<usize>,
    regex_hits: Vec<bool>,
    /// Per field: (generation, regexes evaluated one by one this event).
    regex_runs: Vec<(u32, u32)>,
    /// Per field: the generation its values were last read as addresses.
    ips_gen: Vec<u32>,
    /// Per loaded value (indexed as `vals`): the address its text reads
    /// as, once a CIDR predicate of its field has asked. A rule's list of
    /// networks is one predicate each, so without this the same text was
    /// parsed once per network.
    ips: Vec<Option<IpAddr>>,
}

/// Regexes of one field evaluated singly per event before the whole
/// field's set is run instead.
const SINGLE_REGEXES: u32 = 4;

fn pred_field(m: &Matcher, p: PredId) -> FieldId {
    m.preds[p as usize].field
}

impl EventState {
    pub(crate) fn new(m: &Matcher) -> EventState {
        let nf = m.fields.len();
        EventState {
            generation: 0,
            field_gen: vec![0; nf],
            field: vec![Loaded::default(); nf],
            scanned_gen: vec![0; nf],
            vals: Vec::new(),
            arena: String::new(),
            fold_tmp: String::new(),
            raw_tmp: String::new(),
            lit_gen: vec![0; m.literals.len()],
            rule_gen: vec![0; m.rules.len()],
            pred_gen: vec![0; m.preds.len()],
            pred_val: vec![false; m.preds.len()],
            candidates: Vec::new(),
            active_conds: Vec::new(),
            regex_hits: Vec::new(),
            regex_runs: vec![(0, 0); nf],
            ips_gen: vec![0; nf],
            ips: Vec::new(),
        }
    }

    fn begin(&mut self) {
        if self.generation == u32::MAX {
            for stamps in [
                &mut self.field_gen,
                &mut self.scanned_gen,
                &mut self.lit_gen,
                &mut self.rule_gen,
                &mut self.pred_gen,
                &mut self.ips_gen,
            ] {
                stamps.iter_mut().for_each(|s| *s = 0);
            }
            self.regex_runs.iter_mut().for_each(|r| *r = (0, 0));
            self.generation = 0;
        }
        self.generation += 1;
        self.vals.clear();
        self.arena.clear();
        self.candidates.clear();
        self.active_conds.clear();
    }

    pub(crate) fn run(
        &mut self,
        m: &Matcher,
        route: &Route,
        event: &dyn Event,
        out: &mut Vec<RuleId>,
    ) {
        self.begin();
        for (i, group) in route.conditional.iter().enumerate() {
            if group.conds.iter().any(|c| condition_holds(c, event)) {
                self.active_conds.push(i);
                self.candidates.extend_from_slice(&group.ungated);
            }
        }
        self.candidates.extend_from_slice(&route.always);
        if route.any_gated {
            for (&f, subset) in route.scan.iter().zip(&route.subsets) {
                self.scan(m, route, event, f, subset.as_ref());
            }
        }
        // A rule can be both always-evaluated for one reason and woken for
        // another; evaluating it once keeps `out` ascending and unique.
        self.candidates.sort_unstable();
        self.candidates.dedup();
        for i in 0..self.candidates.len() {
            let r = self.candidates[i] as usize;
            if self.eval(m, event, &m.rules[r].node) {
                out.push(r);
            }
        }
    }

    /// Run a field's values through its literal index (or the route's
    /// restricted scan); wake the gated rules of every literal found.
    ///
    /// Keyword values are streamed through a reused buffer instead of being
    /// loaded: they are every value of the event, and only the rare woken
    /// keyword rule needs them again.
    fn scan(
        &mut self,
        m: &Matcher,
        route: &Route,
        event: &dyn Event,
        f: FieldId,
        subset: Option<&SubsetScan>,
    ) {
        let generation = self.generation;
        self.scanned_gen[f as usize] = generation;
        let stream = f == KEYWORDS && self.field_gen[f as usize] != generation;
        let (start, end) = if stream {
            (0, 0)
        } else {
            self.load(m, event, f).vals
        };
        let EventState {
            vals,
            arena,
            fold_tmp,
            raw_tmp,
            lit_gen,
            rule_gen,
            candidates,
            active_conds,
            ..
        } = self;
        let mut waker = Waker {
            m,
            route,
            generation,
            lit_gen,
            rule_gen,
            candidates,
            active_conds,
        };
        let mut scan_text = |text: &str| match subset {
            Some(s) => s.scan(text, |lit| waker.wake(lit)),
            None => m.literals.scan(f, text, |lit| waker.wake(lit)),
        };
        if stream {
            event.for_each_value(&mut |v| {
                fold_tmp.clear();
                if fold_value(v, raw_tmp, fold_tmp) {
                    scan_text(fold_tmp);
                }
            });
            return;
        }
        for v in &vals[start as usize..end as usize] {
            if !matches!(v.kind, Kind::Null) {
                scan_text(&arena[v.folded.0 as usize..v.folded.1 as usize]);
            }
        }
    }

    /// Load a field's values into the arena (once per event).
    fn load(&mut self, m: &Matcher, event: &dyn Event, f: FieldId) -> Loaded {
        let fi = f as usize;
        if self.field_gen[fi] == self.generation {
            return self.field[fi];
        }
        let start = self.vals.len() as u32;
        let present = if f == KEYWORDS {
            let mut any = false;
            event.for_each_value(&mut |v| {
                any = true;
                push_value(&mut self.vals, &mut self.arena, &mut self.fold_tmp, v);
            });
            any
        } else {
            let name = m.fields[fi].as_deref().expect("named field");
            let lookup = event.field(name);
            for v in lookup.values() {
                push_value(&mut self.vals, &mut self.arena, &mut self.fold_tmp, v);
            }
            !lookup.is_absent()
        };
        let loaded = Loaded {
            present,
            vals: (start, self.vals.len() as u32),
        };
        self.field_gen[fi] = self.generation;
        self.field[fi] = loaded;
        loaded
    }

    fn eval(&mut self, m: &Matcher, event: &dyn Event, node: &Node) -> bool {
        match node {
            Node::And(xs) => xs.iter().all(|x| self.eval(m, event, x)),
            Node::Or(xs) => xs.iter().any(|x| self.eval(m, event, x)),
            Node::Not(x) => !self.eval(m, event, x),
            Node::Const(b) => *b,
            Node::Pred(p) => self.pred(m, event, *p),
        }
    }

    fn pred(&mut self, m: &Matcher, event: &dyn Event, p: PredId) -> bool {
        let pi = p as usize;
        if self.pred_gen[pi] == self.generation {
            return self.pred_val[pi];
        }
        let value = self.compute(m, event, p);
        self.pred_gen[pi] = self.generation;
        self.pred_val[pi] = value;
        value
    }

    /// Whether the literal index has ruled the predicate out.
    fn excluded_by_literals(&self, m: &Matcher, p: PredId) -> bool {
        let pred = &m.preds[p as usize];
        !pred.lits.is_empty()
            && self.scanned_gen[pred.field as usize] == self.generation
            && pred
                .lits
                .iter()
                .all(|&l| self.lit_gen[l as usize] != self.generation)
    }

    fn compute(&mut self, m: &Matcher, event: &dyn Event, p: PredId) -> bool {
        let pred = &m.preds[p as usize];
        if self.excluded_by_literals(m, p) {
            return false;
        }
        let loaded = self.load(m, event, pred.field);
        if let PredKind::Regex(i) = pred.kind {
            return self.regex(m, p, i, loaded.vals);
        }
        if let PredKind::Cidr(nets) = &pred.kind {
            let (start, end) = self.addresses(pred.field, loaded.vals);
            return self.ips[start..end]
                .iter()
                .any(|ip| ip.is_some_and(|ip| nets.iter().any(|n| n.contains(ip))));
        }
        let vals = &self.vals[loaded.vals.0 as usize..loaded.vals.1 as usize];
        let arena = self.arena.as_str();
        let text = |v: &Val, folded: bool| {
            let (a, b) = if folded { v.folded } else { v.text };
            &arena[a as usize..b as usize]
        };
        let value = |v: &Val| match v.kind {
            Kind::Null => FieldValue::Null,
            Kind::Bool(b) => FieldValue::Bool(b),
            Kind::Int(i) => FieldValue::Int(i),
            Kind::Float(f) => FieldValue::Float(f),
            Kind::Str => FieldValue::Str(Cow::Borrowed(text(v, false))),
        };
        let non_null = |v: &&Val| !matches!(v.kind, Kind::Null);
        match &pred.kind {
            PredKind::Str(glob) => vals
                .iter()
                .filter(non_null)
                .any(|v| glob.is_match(text(v, !glob.cased()))),
            PredKind::Num(op, n) => vals.iter().any(|v| num_test(*op, *n, &value(v))),
            PredKind::Bool(b) => vals.iter().any(|v| bool_test(*b, &value(v))),
            PredKind::Null => {
                pred.field != KEYWORDS
                    && (!loaded.present
                        || vals.is_empty()
                        || vals.iter().any(|v| matches!(v.kind, Kind::Null)))
            }
            PredKind::Exists(want) => loaded.present == *want,
            PredKind::FieldRef {
                other,
                shape,
                cased,
            } => {
                if pred.field == KEYWORDS {
                    return false;
                }
                let (other, shape, cased) = (*other, *shape, *cased);
                let mine = loaded.vals;
                let theirs = self.load(m, event, other).vals;
                let arena = self.arena.as_str();
                let texts = |(a, b): (u32, u32)| {
                    self.vals[a as usize..b as usize]
                        .iter()
                        .filter(non_null)
                        .map(move |v| {
                            let (s, e) = if cased { v.text } else { v.folded };
                            &arena[s as usize..e as usize]
                        })
                };
                texts(mine).any(|a| texts(theirs).any(|b| fieldref_texts(shape, a, b)))
            }
            PredKind::Regex(_) | PredKind::Cidr(_) => unreachable!("answered above"),
        }
    }

    /// Where in `ips` the addresses of field `f`'s values (`vals`, as
    /// loaded) are, reading them the first time this event: a string
    /// value that parses as an IPv4 or IPv6 address (as `eval::cidr_test`
    /// reads it), `None` for anything else.
    fn addresses(&mut self, f: FieldId, (start, end): (u32, u32)) -> (usize, usize) {
        let (start, end) = (start as usize, end as usize);
        if self.ips_gen[f as usize] != self.generation {
            self.ips_gen[f as usize] = self.generation;
            if self.ips.len() < end {
                self.ips.resize(end, None);
            }
            for (ip, v) in self.ips[start..end].iter_mut().zip(&self.vals[start..end]) {
                *ip = match v.kind {
                    Kind::Str => self.arena[v.text.0 as usize..v.text.1 as usize]
                        .parse()
                        .ok(),
                    _ => None,
                };
            }
        }
        (start, end)
    }

    /// A regex predicate. One pattern alone, with its own prefilter, is far
    /// cheaper than the field's whole set; the set pays off only once many
    /// of its patterns are asked for in the same event.
    fn regex(&mut self, m: &Matcher, p: PredId, i: u32, (start, end): (u32, u32)) -> bool {
        let f = pred_field(m, p);
        let runs = &mut self.regex_runs[f as usize];
        if runs.0 != self.generation {
            *runs = (self.generation, 0);
        }
        runs.1 += 1;
        if runs.1 > SINGLE_REGEXES {
            self.run_regex_bank(m, f, (start, end));
            return self.pred_val[p as usize];
        }
        let bank = m.banks[f as usize].as_ref().expect("field has regexes");
        self.vals[start as usize..end as usize].iter().any(|v| {
            !matches!(v.kind, Kind::Null)
                && bank.is_match(
                    i as usize,
                    &self.arena[v.text.0 as usize..v.text.1 as usize],
                )
        })
    }

    /// Run every regex of a field once and memoise all their predicates.
    fn run_regex_bank(&mut self, m: &Matcher, f: FieldId, (start, end): (u32, u32)) {
        let bank = m.banks[f as usize].as_ref().expect("field has regexes");
        self.regex_hits.clear();
        self.regex_hits.resize(bank.preds.len(), false);
        for v in &self.vals[start as usize..end as usize] {
            if !matches!(v.kind, Kind::Null) {
                let text = &self.arena[v.text.0 as usize..v.text.1 as usize];
                bank.run(text, &mut self.regex_hits);
            }
        }
        for (i, &p) in bank.preds.iter().enumerate() {
            self.pred_gen[p as usize] = self.generation;
            self.pred_val[p as usize] = self.regex_hits[i];
        }
    }
}

/// Wakes the gated rules of literals found, once per literal and rule.
struct Waker<'a> {
    m: &'a Matcher,
    route: &'a Route,
    generation: u32,
    lit_gen: &'a mut [u32],
    rule_gen: &'a mut [u32],
    candidates: &'a mut Vec<u32>,
    active_conds: &'a [usize],
}

impl Waker<'_> {
    #[inline]
    fn wake(&mut self, lit: LitId) {
        let generation = self.generation;
        let seen = &mut self.lit_gen[lit as usize];
        if *seen == generation {
            return;
        }
        *seen = generation;
        for &r in &self.m.lit_rules[lit as usize] {
            let ru = r as usize;
            if self.rule_gen[ru] == generation {
                continue;
            }
            let active = self.route.gated.contains(ru)
                || self
                    .active_conds
                    .iter()
                    .any(|&c| self.route.conditional[c].gated.contains(ru));
            if active {
                self.rule_gen[ru] = generation;
                self.candidates.push(r);
            }
        }
    }
}

/// Append the folded text form of `v` to `out` (`raw` is a buffer);
/// `false` for null.
fn fold_value(v: &FieldValue<'_>, raw: &mut String, out: &mut String) -> bool {
    if let FieldValue::Str(s) = v {
        fold_into(s, out);
        return true;
    }
    raw.clear();
    write_text(v, raw) && {
        fold_into(raw, out);
        true
    }
}

/// Copy a value's text and folded text into the arena.
fn push_value(vals: &mut Vec<Val>, arena: &mut String, tmp: &mut String, v: &FieldValue<'_>) {
    let kind = match v {
        FieldValue::Null => Kind::Null,
        FieldValue::Bool(b) => Kind::Bool(*b),
        FieldValue::Int(i) => Kind::Int(*i),
        FieldValue::Float(f) => Kind::Float(*f),
        FieldValue::Str(_) => Kind::Str,
    };
    let start = arena.len();
    write_text(v, arena);
    let mid = arena.len();
    if arena[start..mid].is_ascii() {
        arena.extend_from_within(start..mid);
        arena[mid..].make_ascii_lowercase();
    } else {
        tmp.clear();
        fold_into(&arena[start..mid], tmp);
        arena.push_str(tmp);
    }
    vals.push(Val {
        kind,
        text: (start as u32, mid as u32),
        folded: (mid as u32, arena.len() as u32),
    });
}

//! From IR to matcher: interning, the rule trees, and assembly.
//!
//! [`MatcherBuilder::add_rule`] turns a rule's [`Expr`] into a [`Node`] tree
//! over *interned* predicates: the same test on the same field is one
//! predicate however many rules use it, so it is evaluated at most once per
//! event. [`MatcherBuilder::build`] then assembles what the hot path needs —
//! the literal index ([`crate::literal`]), the regex banks
//! ([`crate::regex_bank`]), each rule's gate ([`crate::gate`]) and the
//! logsource groups ([`crate::routing`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use tunnelhunt_sigma::ast::LogSource;
use tunnelhunt_sigma::ir::{Expr, IpNetwork, RegexMatch, Test};

use crate::error::CompileError;
use crate::gate::gate;
use crate::glob::Glob;
use crate::literal::{LiteralsBuilder, display_field};
use crate::matcher::{Matcher, SourceGroup};
use crate::program::{
    CompiledRule, FieldId, KEYWORDS, LitId, Node, Pred, PredId, PredKind, RuleId,
};
use crate::regex_bank::{RegexBank, required_literals, validate};
use crate::routing;
use crate::text::fold;

/// Collects rules, then builds a [`Matcher`].
#[derive(Default)]
pub struct MatcherBuilder {
    fields: Vec<Option<String>>,
    field_ids: HashMap<String, FieldId>,
    preds: Vec<Pred>,
    pred_ids: HashMap<String, PredId>,
    /// Folded literals of each predicate, registered at `build`.
    pred_lits: Vec<Vec<String>>,
    regexes: HashMap<FieldId, Vec<(PredId, RegexMatch)>>,
    rules: Vec<Node>,
    sources: Vec<LogSource>,
    /// Each rule's IR, kept for deriving prefilters ([`crate::Prefilter`]).
    exprs: Vec<Expr>,
}

static NEXT_MATCHER_ID: AtomicUsize = AtomicUsize::new(1);

impl MatcherBuilder {
    pub fn new() -> Self {
        MatcherBuilder {
            fields: vec![None],
            ..MatcherBuilder::default()
        }
    }

    /// Compile one rule. Nothing of the rule is kept if it fails.
    pub fn add_rule(&mut self, logsource: &LogSource, expr: &Expr) -> Result<RuleId, CompileError> {
        let mut first_error = None;
        expr.for_each_predicate(&mut |p| {
            if let (Test::Regex(r), None) = (&p.test, &first_error) {
                let field = p.field.as_deref().unwrap_or("<keywords>");
                first_error = validate(r, field).err();
            }
        });
        if let Some(e) = first_error {
            return Err(e);
        }
        let node = self.node(expr);
        self.rules.push(node);
        self.sources.push(logsource.clone());
        self.exprs.push(expr.clone());
        Ok(self.rules.len() - 1)
    }

    fn field(&mut self, name: Option<&str>) -> FieldId {
        let Some(name) = name else { return KEYWORDS };
        if let Some(id) = self.field_ids.get(name) {
            return *id;
        }
        let id = self.fields.len() as FieldId;
        self.fields.push(Some(name.to_owned()));
        self.field_ids.insert(name.to_owned(), id);
        id
    }

    fn node(&mut self, expr: &Expr) -> Node {
        match expr {
            Expr::And(xs) => Node::And(xs.iter().map(|x| self.node(x)).collect()),
            Expr::Or(xs) => Node::Or(self.or_children(xs)),
            Expr::Not(x) => Node::Not(Box::new(self.node(x))),
            Expr::Const(b) => Node::Const(*b),
            Expr::Pred(p) => Node::Pred(self.pred(p.field.as_deref(), &p.test)),
        }
    }

    /// The children of a disjunction, with the CIDR tests of each field
    /// merged into one predicate (in the place of the field's first): a
    /// Sigma list of networks is one CIDR test per network, and evaluating
    /// them one by one (memo lookup, dispatch, the field's values) cost
    /// more than the containment tests themselves.
    fn or_children(&mut self, xs: &[Expr]) -> Vec<Node> {
        fn cidr(x: &Expr) -> Option<(Option<&str>, IpNetwork)> {
            match x {
                Expr::Pred(p) => match &p.test {
                    Test::Cidr(n) => Some((p.field.as_deref(), *n)),
                    _ => None,
                },
                _ => None,
            }
        }
        let mut out = Vec::with_capacity(xs.len());
        // Per field with CIDR tests: its networks, and its place in `out`.
        let mut merged: Vec<(Option<&str>, Vec<IpNetwork>, usize)> = Vec::new();
        for x in xs {
            match cidr(x) {
                Some((field, net)) => match merged.iter_mut().find(|(f, ..)| *f == field) {
                    Some((_, nets, _)) => nets.push(net),
                    None => {
                        merged.push((field, vec![net], out.len()));
                        out.push(Node::Const(false));
                    }
                },
                None => out.push(self.node(x)),
            }
        }
        for (field, nets, at) in merged {
            out[at] = Node::Pred(self.cidr_pred(field, nets));
        }
        out
    }

    /// The predicate "the value is an address in one of `nets`".
    fn cidr_pred(&mut self, field_name: Option<&str>, mut nets: Vec<IpNetwork>) -> PredId {
        nets.sort_by_key(|n| (n.addr, n.prefix));
        nets.dedup();
        let key = format!("{field_name:?}\u{0}cidr {nets:?}");
        if let Some(id) = self.pred_ids.get(&key) {
            return *id;
        }
        let field = self.field(field_name);
        let id = self.preds.len() as PredId;
        self.preds.push(Pred {
            field,
            kind: PredKind::Cidr(nets),
            lits: Vec::new(),
        });
        self.pred_lits.push(Vec::new());
        self.pred_ids.insert(key, id);
        id
    }

    fn pred(&mut self, field_name: Option<&str>, test: &Test) -> PredId {
        let key = format!("{field_name:?}\u{0}{test:?}");
        if let Some(id) = self.pred_ids.get(&key) {
            return *id;
        }
        let field = self.field(field_name);
        let id = self.preds.len() as PredId;
        let mut lits = Vec::new();
        let kind = match test {
            Test::Str(m) => {
                if let Some(longest) = m.literals().max_by_key(|l| l.len()) {
                    lits.push(fold(longest));
                }
                PredKind::Str(Glob::new(m))
            }
            Test::Regex(r) => {
                lits = required_literals(r).unwrap_or_default();
                let bank = self.regexes.entry(field).or_default();
                bank.push((id, r.clone()));
                PredKind::Regex(bank.len() as u32 - 1)
            }
            Test::Cidr(n) => return self.cidr_pred(field_name, vec![*n]),
            Test::Num(op, n) => PredKind::Num(*op, *n),
            Test::Bool(b) => PredKind::Bool(*b),
            Test::Null => PredKind::Null,
            Test::Exists(b) => PredKind::Exists(*b),
            Test::FieldRef(r) => PredKind::FieldRef {
                other: self.field(Some(&r.other_field)),
                shape: r.shape,
                cased: r.cased,
            },
        };
        self.preds.push(Pred {
            field,
            kind,
            lits: Vec::new(),
        });
        self.pred_lits.push(lits);
        self.pred_ids.insert(key, id);
        id
    }

    /// Assemble the matcher.
    pub fn build(self) -> Result<Matcher, CompileError> {
        let MatcherBuilder {
            fields,
            mut preds,
            pred_lits,
            regexes,
            rules,
            sources,
            exprs,
            ..
        } = self;

        // Gates first: only the literals of gate predicates (and regexes)
        // are indexed. A string predicate outside every gate is verified
        // directly when a candidate rule needs it, which is cheaper than
        // growing the automata (a smaller automaton stays in cache).
        let info = |p: PredId| {
            let pl = &pred_lits[p as usize];
            (!pl.is_empty()).then(|| (pl.len(), pl.iter().map(|l| l.len()).min().unwrap_or(0)))
        };
        let gates: Vec<Option<Vec<PredId>>> = rules
            .iter()
            .map(|node| gate(node, true, &info).map(|g| g.preds))
            .collect();
        // Regexes keep their literals even outside gates: a regex whose
        // literals are absent is false without running the field's bank.
        let mut in_gate: Vec<bool> = preds
            .iter()
            .map(|p| matches!(p.kind, PredKind::Regex(_)))
            .collect();
        for p in gates.iter().flatten().flatten() {
            in_gate[*p as usize] = true;
        }

        // The literal index.
        let mut lb = LiteralsBuilder::default();
        let locals: Vec<Vec<u32>> = preds
            .iter()
            .zip(&pred_lits)
            .zip(&in_gate)
            .map(|((p, lits), gating)| {
                if *gating {
                    lits.iter().map(|l| lb.add(p.field, l)).collect()
                } else {
                    Vec::new()
                }
            })
            .collect();
        let literals = lb.build(&fields)?;
        for (p, local) in preds.iter_mut().zip(locals) {
            p.lits = local.iter().map(|l| literals.lit_id(p.field, *l)).collect();
        }

        // Regex banks.
        let mut banks: Vec<Option<RegexBank>> = (0..fields.len()).map(|_| None).collect();
        for (field, list) in &regexes {
            banks[*field as usize] = Some(RegexBank::new(&display_field(&fields, *field), list)?);
        }

        // Literal -> rules it may wake up.
        let mut lit_rules: Vec<Vec<u32>> = vec![Vec::new(); literals.len()];
        let mut gate_fields: Vec<Vec<FieldId>> = Vec::with_capacity(rules.len());
        let mut compiled = Vec::with_capacity(rules.len());
        for (rule, (node, g)) in rules.into_iter().zip(gates).enumerate() {
            let mut fields_of_rule = Vec::new();
            if let Some(g) = &g {
                let mut lits: Vec<LitId> = g
                    .iter()
                    .flat_map(|p| preds[*p as usize].lits.iter().copied())
                    .collect();
                lits.sort_unstable();
                lits.dedup();
                for l in lits {
                    lit_rules[l as usize].push(rule as u32);
                }
                for p in g {
                    let f = preds[*p as usize].field;
                    if !fields_of_rule.contains(&f) {
                        fields_of_rule.push(f);
                    }
                }
            }
            gate_fields.push(fields_of_rule);
            compiled.push(CompiledRule {
                node,
                gated: g.is_some(),
            });
        }

        // Logsource groups.
        let mut groups: Vec<SourceGroup> = Vec::new();
        for (rule, ls) in sources.iter().cloned().enumerate() {
            match groups.iter_mut().find(|g| g.logsource == ls) {
                Some(g) => g.rules.push(rule),
                None => groups.push(SourceGroup {
                    known: routing::is_known(&ls),
                    logsource: ls,
                    rules: vec![rule],
                }),
            }
        }

        Ok(Matcher {
            id: NEXT_MATCHER_ID.fetch_add(1, Ordering::Relaxed),
            fields,
            preds,
            rules: compiled,
            gate_fields,
            lit_rules,
            literals,
            banks,
            groups,
            exprs,
            sources,
            shared_routes: Default::default(),
        })
    }
}

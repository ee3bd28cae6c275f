//! Which literals a rule cannot match without.
//!
//! For each rule we look, in negation normal form, for a set of positive
//! predicates at least one of which holds whenever the rule does — a
//! *gate*. Every predicate in it carries literals one of which must be
//! present in its field (a glob's longest literal piece, a regex's required
//! prefixes). If none of those literals occurs in the event, the rule is
//! skipped without being evaluated. A rule with no gate (it can be
//! satisfied through a `not`, a number, a CIDR, `exists`, `*` alone …) is
//! evaluated for every event its logsource routes to.
//!
//! Along the conjunctions we pick the cheapest child gate (fewest literals,
//! then the longest shortest literal, as rarer); disjunctions need the
//! union of all their children's gates.

use std::collections::HashSet;

use crate::program::{Node, PredId};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Gate {
    pub(crate) preds: Vec<PredId>,
    lits: usize,
    shortest: usize,
}

impl Gate {
    fn never() -> Gate {
        Gate {
            preds: Vec::new(),
            lits: 0,
            shortest: usize::MAX,
        }
    }

    fn better_than(&self, other: &Gate) -> bool {
        (self.lits, std::cmp::Reverse(self.shortest))
            < (other.lits, std::cmp::Reverse(other.shortest))
    }

    /// The union of `gates`, predicates in first-seen order; `None` if one
    /// of them is. One set of the predicates seen keeps it linear in their
    /// number: a disjunction of 100,000 searches (`s0 or … or s99999`) is
    /// a legal condition.
    fn union(gates: impl Iterator<Item = Option<Gate>>) -> Option<Gate> {
        let mut merged = Gate::never();
        let mut seen: HashSet<PredId> = HashSet::new();
        for g in gates {
            let g = g?;
            merged
                .preds
                .extend(g.preds.into_iter().filter(|p| seen.insert(*p)));
            merged.lits += g.lits;
            merged.shortest = merged.shortest.min(g.shortest);
        }
        Some(merged)
    }
}

/// Literal facts about one predicate: how many alternative literals gate it
/// and how long the shortest is; `None` if it can hold without a literal.
pub(crate) type LitInfo<'a> = &'a dyn Fn(PredId) -> Option<(usize, usize)>;

/// The gate of `node` being `want`; `None` if there is none.
pub(crate) fn gate(node: &Node, want: bool, info: LitInfo<'_>) -> Option<Gate> {
    match node {
        Node::Const(b) => (*b != want).then(Gate::never),
        Node::Pred(p) => {
            if !want {
                return None;
            }
            let (lits, shortest) = info(*p)?;
            Some(Gate {
                preds: vec![*p],
                lits,
                shortest,
            })
        }
        Node::Not(x) => gate(x, !want, info),
        Node::And(xs) | Node::Or(xs) => {
            let conjunctive = matches!(node, Node::And(_)) == want;
            if conjunctive {
                let mut best: Option<Gate> = None;
                for g in xs.iter().filter_map(|x| gate(x, want, info)) {
                    if best.as_ref().is_none_or(|b| g.better_than(b)) {
                        best = Some(g);
                    }
                }
                best
            } else {
                Gate::union(xs.iter().map(|x| gate(x, want, info)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Predicates 0..10 have one literal of length p+1; 10.. have none.
    fn info(p: PredId) -> Option<(usize, usize)> {
        (p < 10).then_some((1, p as usize + 1))
    }

    fn preds(n: &Node) -> Option<Vec<PredId>> {
        gate(n, true, &info).map(|g| {
            let mut v = g.preds;
            v.sort();
            v
        })
    }

    use Node::*;

    #[test]
    fn and_picks_one_or_needs_all() {
        let n = And(vec![Pred(1), Pred(5), Pred(11)]);
        assert_eq!(preds(&n), Some(vec![5]));
        let n = Or(vec![Pred(1), Pred(5)]);
        assert_eq!(preds(&n), Some(vec![1, 5]));
        let n = Or(vec![Pred(1), Pred(11)]);
        assert_eq!(preds(&n), None);
    }

    #[test]
    fn negation_is_pushed_down() {
        // not (not a or not b) == a and b
        let n = Not(Box::new(Or(vec![
            Not(Box::new(Pred(1))),
            Not(Box::new(Pred(2))),
        ])));
        assert_eq!(preds(&n), Some(vec![2]));
        // a and not b: only a gates
        let n = And(vec![Pred(3), Not(Box::new(Pred(4)))]);
        assert_eq!(preds(&n), Some(vec![3]));
        assert_eq!(preds(&Not(Box::new(Pred(4)))), None);
    }

    #[test]
    fn constants() {
        assert_eq!(preds(&Const(true)), None);
        assert_eq!(preds(&Const(false)), Some(vec![]));
        assert_eq!(preds(&Or(vec![Const(false), Pred(2)])), Some(vec![2]));
        assert_eq!(preds(&And(vec![Const(false), Pred(2)])), Some(vec![]));
    }

    /// A disjunction of 200,000 predicates (`s0 or … or s199999`): merging
    /// the children's gates one by one, each checked against the whole
    /// merged list, took minutes (a minute at 100,000). The union keeps
    /// the first-seen order.
    #[test]
    fn a_wide_disjunction_is_gated_in_linear_time() {
        let width: PredId = 200_000;
        let every = |_: PredId| Some((1, 3));
        let mut children: Vec<Node> = (0..width).map(Pred).collect();
        children.push(Pred(7));
        children.push(Or(vec![Pred(3), Pred(width + 1)]));
        let g = gate(&Or(children), true, &every).expect("every child is gated");
        let mut want: Vec<PredId> = (0..width).collect();
        want.push(width + 1);
        assert_eq!(g.preds, want);
        assert_eq!(g.lits, width as usize + 3);
    }
}

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

    fn union(mut self, other: Gate) -> Gate {
        for p in other.preds {
            if !self.preds.contains(&p) {
                self.preds.push(p);
            }
        }
        self.lits += other.lits;
        self.shortest = self.shortest.min(other.shortest);
        self
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
                xs.iter().try_fold(Gate::never(), |acc, x| {
                    Some(acc.union(gate(x, want, info)?))
                })
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
}

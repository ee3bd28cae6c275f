//! The compiled matcher and its routes.
//!
//! Per event: find the route for the event's [`EventKind`] (computed once
//! per distinct kind, shared by every thread and looked up without a lock
//! through the [`Scratch`]'s own copy), scan the fields the
//! routed rules' gates need through the literal index, collect the
//! candidate rules — the routed rules without a gate, plus the gated ones
//! whose literals turned up — and evaluate only those, in ascending order.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use tunnelhunt_sigma::ast::LogSource;

use crate::event::{Event, EventKind, FieldValue};
use crate::literal::{LiteralIndex, SubsetScan};
use crate::program::LitId;
use crate::program::{CompiledRule, FieldId, KEYWORDS, Node, Pred, PredId, RuleId};
use crate::regex_bank::RegexBank;
use crate::routing::{self, CATEGORIES, Decision, FieldCondition};
use crate::scratch::EventState;

/// Rules that share one logsource.
pub(crate) struct SourceGroup {
    pub(crate) logsource: LogSource,
    pub(crate) known: bool,
    pub(crate) rules: Vec<RuleId>,
}

/// A compiled rule set. Immutable and shared between threads; each thread
/// brings its own [`Scratch`].
pub struct Matcher {
    pub(crate) id: usize,
    /// Field names by id; id 0 ([`KEYWORDS`]) has none.
    pub(crate) fields: Vec<Option<String>>,
    pub(crate) preds: Vec<Pred>,
    pub(crate) rules: Vec<CompiledRule>,
    /// The fields of each rule's gate predicates.
    pub(crate) gate_fields: Vec<Vec<FieldId>>,
    /// For each literal, the rules whose gate it belongs to.
    pub(crate) lit_rules: Vec<Vec<u32>>,
    pub(crate) literals: LiteralIndex,
    /// The regex bank of each field, if it has regexes.
    pub(crate) banks: Vec<Option<RegexBank>>,
    pub(crate) groups: Vec<SourceGroup>,
    /// Each rule's IR and logsource, by [`RuleId`] (for prefilters).
    pub(crate) exprs: Vec<tunnelhunt_sigma::ir::Expr>,
    pub(crate) sources: Vec<LogSource>,
    /// Every route built so far. A route holds literal automata for its
    /// fields (megabytes on EVTX's many kinds with SigmaHQ), so threads
    /// share them rather than each building its own.
    pub(crate) shared_routes: Mutex<RouteCache>,
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Matcher>();
};

impl Matcher {
    /// Fresh per-thread buffers for this matcher.
    pub fn scratch(&self) -> Scratch {
        Scratch {
            matcher_id: self.id,
            routes: RouteCache::default(),
            state: EventState::new(self),
        }
    }

    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// Append the ids of all rules matching `event`, in ascending order,
    /// each once.
    ///
    /// `scratch` should come from [`Matcher::scratch`] of this matcher; one
    /// made for another matcher is reset first.
    pub fn matches(&self, event: &dyn Event, scratch: &mut Scratch, out: &mut Vec<RuleId>) {
        if scratch.matcher_id != self.id {
            *scratch = self.scratch();
        }
        let kind = event.kind();
        let route = scratch.routes.get(self, &kind);
        scratch.state.run(self, route, event, out);
    }

    /// Field names the rules read, including fields routing conditions
    /// look at (`EventType`). Keyword searches read every value; see
    /// [`Matcher::uses_keywords`].
    pub fn referenced_fields(&self) -> impl Iterator<Item = &str> {
        let routing_fields = CATEGORIES.iter().filter_map(|e| {
            let cond = e.field?;
            let used = self.groups.iter().any(|g| {
                g.logsource
                    .category
                    .as_deref()
                    .is_some_and(|c| c.eq_ignore_ascii_case(e.category))
            });
            used.then_some(cond.field)
        });
        let mut names: Vec<&str> = self
            .fields
            .iter()
            .flatten()
            .map(String::as_str)
            .chain(routing_fields)
            .collect();
        names.sort_unstable();
        names.dedup();
        names.into_iter()
    }

    /// Whether some rule searches keywords, i.e. reads every value of an
    /// event rather than named fields only.
    pub fn uses_keywords(&self) -> bool {
        self.preds.iter().any(|p| p.field == KEYWORDS)
    }

    /// Rules whose logsource the routing tables do not know: they match
    /// only events whose reader declares that category or service.
    pub fn unroutable_rules(&self) -> impl Iterator<Item = RuleId> + '_ {
        let mut ids: Vec<RuleId> = self
            .groups
            .iter()
            .filter(|g| !g.known)
            .flat_map(|g| g.rules.iter().copied())
            .collect();
        ids.sort_unstable();
        ids.into_iter()
    }
}

/// Reusable per-thread state: the route cache and per-event buffers.
pub struct Scratch {
    matcher_id: usize,
    routes: RouteCache,
    pub(crate) state: EventState,
}

/// A set of rule ids.
#[derive(Debug, Clone, Default)]
pub(crate) struct RuleSet(Vec<u64>);

impl RuleSet {
    fn with_capacity(n: usize) -> RuleSet {
        RuleSet(vec![0; n.div_ceil(64)])
    }

    fn insert(&mut self, r: usize) {
        self.0[r / 64] |= 1 << (r % 64);
    }

    pub(crate) fn contains(&self, r: usize) -> bool {
        self.0[r / 64] & (1 << (r % 64)) != 0
    }
}

/// Rules reached only when a field condition holds.
pub(crate) struct CondGroup {
    pub(crate) conds: Vec<FieldCondition>,
    pub(crate) ungated: Vec<u32>,
    pub(crate) gated: RuleSet,
}

/// The rules one kind of event reaches.
pub(crate) struct Route {
    /// Ungated rules, evaluated for every event (ascending).
    pub(crate) always: Vec<u32>,
    /// Gated rules: evaluated when one of their literals is present.
    pub(crate) gated: RuleSet,
    pub(crate) conditional: Vec<CondGroup>,
    /// Fields holding the gate literals of the gated rules.
    pub(crate) scan: Vec<FieldId>,
    /// For each field of `scan`: a scan restricted to the literals this
    /// route's rules can use, when they are few of the field's.
    pub(crate) subsets: Vec<Option<SubsetScan>>,
    pub(crate) any_gated: bool,
}

/// Routes using at most this many of a field's literals scan for those only.
const SUBSET_MAX: usize = 64;

fn collect_preds(node: &Node, out: &mut Vec<PredId>) {
    match node {
        Node::And(xs) | Node::Or(xs) => xs.iter().for_each(|x| collect_preds(x, out)),
        Node::Not(x) => collect_preds(x, out),
        Node::Pred(p) => out.push(*p),
        Node::Const(_) => {}
    }
}

impl Route {
    fn new(m: &Matcher, kind: &EventKind<'_>) -> Route {
        let n = m.rules.len();
        let mut route = Route {
            always: Vec::new(),
            gated: RuleSet::with_capacity(n),
            conditional: Vec::new(),
            scan: Vec::new(),
            subsets: Vec::new(),
            any_gated: false,
        };
        let mut routed: Vec<usize> = Vec::new();
        for g in &m.groups {
            let (ungated, gated) = match routing::decide(&g.logsource, kind) {
                Decision::Never => continue,
                Decision::Always => (&mut route.always, &mut route.gated),
                Decision::When(conds) => {
                    route.conditional.push(CondGroup {
                        conds,
                        ungated: Vec::new(),
                        gated: RuleSet::with_capacity(n),
                    });
                    let c = route.conditional.last_mut().expect("just pushed");
                    (&mut c.ungated, &mut c.gated)
                }
            };
            for &r in &g.rules {
                routed.push(r);
                if m.rules[r].gated {
                    gated.insert(r);
                    route.any_gated = true;
                    for f in &m.gate_fields[r] {
                        if !route.scan.contains(f) {
                            route.scan.push(*f);
                        }
                    }
                } else {
                    ungated.push(r as u32);
                }
            }
        }
        route.always.sort_unstable();
        route.scan.sort_unstable();
        route.subsets = route.scan.iter().map(|_| None).collect();
        if route.scan.is_empty() {
            return route;
        }
        // Every literal a routed rule's predicates can consult, per field:
        // the literal bits outside this set are never read for this route.
        let mut preds: Vec<PredId> = Vec::new();
        for &r in &routed {
            collect_preds(&m.rules[r].node, &mut preds);
        }
        preds.sort_unstable();
        preds.dedup();
        for (i, &f) in route.scan.iter().enumerate() {
            let mut lits: Vec<LitId> = preds
                .iter()
                .map(|&p| &m.preds[p as usize])
                .filter(|p| p.field == f)
                .flat_map(|p| p.lits.iter().copied())
                .collect();
            lits.sort_unstable();
            lits.dedup();
            if !lits.is_empty()
                && lits.len() <= SUBSET_MAX
                && lits.len() * 4 <= m.literals.field_len(f)
            {
                route.subsets[i] = m.literals.subset(&lits);
            }
        }
        route
    }
}

/// Whether a routing field condition holds for the event.
pub(crate) fn condition_holds(cond: &FieldCondition, event: &dyn Event) -> bool {
    let lookup = event.field(cond.field);
    lookup.values().iter().any(|v| {
        let text = match v {
            FieldValue::Str(s) => std::borrow::Cow::Borrowed(s.as_ref()),
            other => match other.as_text() {
                Some(t) => std::borrow::Cow::Owned(t.into_owned()),
                None => return false,
            },
        };
        cond.values
            .iter()
            .any(|want| want.eq_ignore_ascii_case(&text))
    })
}

/// The routing facts of a kind, owned.
#[derive(Debug, PartialEq, Eq)]
struct KindKey {
    product: Option<Box<str>>,
    category: Option<Box<str>>,
    service: Option<Box<str>>,
    channel: Option<Box<str>>,
    event_id: Option<u32>,
}

impl KindKey {
    fn new(k: &EventKind<'_>) -> KindKey {
        let own = |s: Option<&str>| s.map(Box::from);
        KindKey {
            product: own(k.product),
            category: own(k.category),
            service: own(k.service),
            channel: own(k.channel),
            event_id: k.event_id,
        }
    }

    fn is(&self, k: &EventKind<'_>) -> bool {
        self.event_id == k.event_id
            && self.channel.as_deref() == k.channel
            && self.product.as_deref() == k.product
            && self.category.as_deref() == k.category
            && self.service.as_deref() == k.service
    }
}

fn hash_kind(k: &EventKind<'_>) -> u64 {
    let mut h = DefaultHasher::new();
    (k.product, k.category, k.service, k.channel, k.event_id).hash(&mut h);
    h.finish()
}

/// Routes computed so far, by kind.
#[derive(Default)]
pub(crate) struct RouteCache {
    by_hash: HashMap<u64, Vec<usize>>,
    routes: Vec<(KindKey, Arc<Route>)>,
    last: Option<usize>,
}

impl RouteCache {
    fn find(&self, kind: &EventKind<'_>, h: u64) -> Option<usize> {
        self.by_hash
            .get(&h)
            .and_then(|ids| ids.iter().copied().find(|&i| self.routes[i].0.is(kind)))
    }

    fn insert(&mut self, kind: &EventKind<'_>, h: u64, route: Arc<Route>) -> usize {
        self.routes.push((KindKey::new(kind), route));
        let i = self.routes.len() - 1;
        self.by_hash.entry(h).or_default().push(i);
        i
    }

    /// The route of `kind`: from this cache, else from the matcher's
    /// shared one (built there if no thread has yet).
    fn get(&mut self, m: &Matcher, kind: &EventKind<'_>) -> &Route {
        if let Some(i) = self.last
            && self.routes[i].0.is(kind)
        {
            return &self.routes[i].1;
        }
        let h = hash_kind(kind);
        let i = match self.find(kind, h) {
            Some(i) => i,
            None => {
                let route = {
                    // A panic elsewhere leaves the cache consistent: a
                    // route is inserted whole or not at all.
                    let mut shared = m
                        .shared_routes
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    match shared.find(kind, h) {
                        Some(j) => Arc::clone(&shared.routes[j].1),
                        None => {
                            let route = Arc::new(Route::new(m, kind));
                            shared.insert(kind, h, Arc::clone(&route));
                            route
                        }
                    }
                };
                self.insert(kind, h, route)
            }
        };
        self.last = Some(i);
        &self.routes[i].1
    }
}

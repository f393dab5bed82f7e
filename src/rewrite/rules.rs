//! Every rewrite rule, in one table. `RULES.md` states each rule's identity and why it keeps
//! the layer's MAC count and output; `tests.rs` applies each one to random small layers and
//! checks both with the cost model and the reference interpreter.
//!
//! Families: `permute-*` (adjacent loop interchange inside a level), `tile-*` (tile sizes by a
//! prime factor, staying on divisors of the extent), `swap-spatial-temporal-*` (which of two
//! adjacent maps is spatial), `cluster-*` (cluster size along the allowed sizes). Rules that
//! depend on the layer or the hardware are built by factories from a [`RuleConfig`].

use egg::{rewrite, Applier, EGraph, Id, Pattern, PatternAst, Rewrite, Subst, Symbol, Var};

use super::analysis::{MapAnalysis, NDIMS};
use super::lang::MapLang;
use crate::ir::{Dim, MapKind};

pub type MapRewrite = Rewrite<MapLang, MapAnalysis>;
pub type MapEGraph = EGraph<MapLang, MapAnalysis>;

/// What the layer- and hardware-dependent rule families need.
#[derive(Debug, Clone)]
pub struct RuleConfig {
    /// Loop bound per dimension as in [`MapAnalysis::extents`].
    pub extents: [i64; NDIMS],
    /// Factors the `tile-*` rules multiply or divide by: the primes of the extents.
    pub tile_factors: Vec<i64>,
    /// Cluster sizes the `cluster-*` rules move between, ascending.
    pub cluster_sizes: Vec<i64>,
    /// PEs of the hardware: no cluster grows beyond it.
    pub pes: i64,
}

impl RuleConfig {
    /// Tile factors from the prime factors of the tiled dimensions' extents; at most
    /// `MAX_FACTORS` of them, smallest first (a rule per factor, and large primes only reach
    /// the extent itself).
    pub fn new(extents: [i64; NDIMS], cluster_sizes: Vec<i64>, pes: i64) -> RuleConfig {
        const MAX_FACTORS: usize = 6;
        let tiled = [Dim::N, Dim::G, Dim::K, Dim::C, Dim::YOut, Dim::XOut];
        let mut factors: Vec<i64> = tiled
            .iter()
            .map(|d| extents[d.index()])
            .filter(|e| *e > 1)
            .flat_map(prime_factors)
            .collect();
        factors.sort_unstable();
        factors.dedup();
        factors.truncate(MAX_FACTORS);
        let mut cluster_sizes = cluster_sizes;
        cluster_sizes.retain(|c| *c >= 1 && *c <= pes);
        cluster_sizes.sort_unstable();
        cluster_sizes.dedup();
        RuleConfig {
            extents,
            tile_factors: factors,
            cluster_sizes,
            pes,
        }
    }
}

/// The distinct prime factors of `n ≥ 1`, ascending.
pub fn prime_factors(mut n: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut p = 2;
    while p * p <= n {
        if n % p == 0 {
            out.push(p);
            while n % p == 0 {
                n /= p;
            }
        }
        p += 1;
    }
    if n > 1 {
        out.push(n);
    }
    out
}

/// All rules for one layer on one hardware.
#[rustfmt::skip]
pub fn rules(cfg: &RuleConfig) -> Vec<MapRewrite> {
    let mut rules = vec![
        // Adjacent loops of one level commute: the set of (point, step) pairs is a product.
        rewrite!("permute-temporal-temporal"; "(temporal ?a ?s ?o (temporal ?b ?t ?p ?x))" => "(temporal ?b ?t ?p (temporal ?a ?s ?o ?x))" if distinct("?a", "?b")),
        rewrite!("permute-spatial-temporal";  "(spatial ?a ?s ?o (temporal ?b ?t ?p ?x))"  => "(temporal ?b ?t ?p (spatial ?a ?s ?o ?x))"  if distinct("?a", "?b")),
        rewrite!("permute-temporal-spatial";  "(temporal ?a ?s ?o (spatial ?b ?t ?p ?x))"  => "(spatial ?b ?t ?p (temporal ?a ?s ?o ?x))"  if distinct("?a", "?b")),
        // Spatial and temporal maps visit the same windows; exchanging the kinds of two
        // adjacent maps keeps the level's number of spatial maps.
        rewrite!("swap-spatial-temporal-down"; "(spatial ?a ?s ?o (temporal ?b ?t ?p ?x))" => "(temporal ?a ?s ?o (spatial ?b ?t ?p ?x))" if distinct("?a", "?b")),
        rewrite!("swap-spatial-temporal-up";   "(temporal ?a ?s ?o (spatial ?b ?t ?p ?x))" => "(spatial ?a ?s ?o (temporal ?b ?t ?p ?x))" if distinct("?a", "?b")),
    ];
    for &f in &cfg.tile_factors {
        rules.extend([
            tile_rule(cfg, MapKind::Temporal, f, false),
            tile_rule(cfg, MapKind::Spatial, f, false),
            tile_rule(cfg, MapKind::Temporal, f, true),
            tile_rule(cfg, MapKind::Spatial, f, true),
        ]);
    }
    rules.extend([cluster_rule(cfg, true), cluster_rule(cfg, false)]);
    rules
}

/// Condition: `?a` and `?b` are different dimensions (false when either is not a dimension).
fn distinct(a: &str, b: &str) -> impl Fn(&mut MapEGraph, Id, &Subst) -> bool {
    let a = var(a);
    let b = var(b);
    move |egraph, _, subst| match (egraph[subst[a]].data.dim(), egraph[subst[b]].data.dim()) {
        (Some(x), Some(y)) => x != y,
        _ => false,
    }
}

fn var(name: &str) -> Var {
    name.parse().expect("rule variables are written `?name`")
}

/// `tile-split-<kind>-<f>` (`grow = false`): a tiling map's size `t` becomes `t/f` when `f`
/// divides `t`; `tile-grow-<kind>-<f>`: `t·f` when that divides the extent. Either way the
/// windows still partition the parent window, and sizes stay divisors of the extent. Not on
/// `Y X` (sliding windows).
fn tile_rule(cfg: &RuleConfig, kind: MapKind, factor: i64, grow: bool) -> MapRewrite {
    let (k, pattern) = match kind {
        MapKind::Temporal => ("temporal", "(temporal ?d ?t ?t ?x)"),
        MapKind::Spatial => ("spatial", "(spatial ?d ?t ?t ?x)"),
    };
    let name = format!("tile-{}-{k}-{factor}", if grow { "grow" } else { "split" });
    let searcher: Pattern<MapLang> = pattern.parse().expect("tile pattern parses");
    let applier = ScaleTile {
        kind,
        d: var("?d"),
        t: var("?t"),
        x: var("?x"),
        factor,
        grow,
        extents: cfg.extents,
    };
    Rewrite::new(name, searcher, applier).expect("tile rule binds its variables")
}

/// `cluster-grow` / `cluster-shrink`: a cluster's size moves to the next larger / smaller
/// allowed size. Cluster sizes decide where work runs, never which work.
fn cluster_rule(cfg: &RuleConfig, grow: bool) -> MapRewrite {
    let name = if grow {
        "cluster-grow"
    } else {
        "cluster-shrink"
    };
    let searcher: Pattern<MapLang> = "(cluster ?n ?x)".parse().expect("cluster pattern parses");
    let applier = ResizeCluster {
        n: var("?n"),
        x: var("?x"),
        grow,
        sizes: cfg.cluster_sizes.clone(),
        pes: cfg.pes,
    };
    Rewrite::new(name, searcher, applier).expect("cluster rule binds its variables")
}

struct ScaleTile {
    kind: MapKind,
    d: Var,
    t: Var,
    x: Var,
    factor: i64,
    grow: bool,
    extents: [i64; NDIMS],
}

impl ScaleTile {
    /// The new size, or `None` when the rule does not apply.
    fn new_size(&self, egraph: &MapEGraph, subst: &Subst) -> Option<i64> {
        let dim = egraph[subst[self.d]].data.dim()?;
        let t = egraph[subst[self.t]].data.num()?;
        let body = egraph[subst[self.x]].data.nest()?;
        // Only a tiling body covers each window exactly, whatever the window's size. Input
        // coordinates slide rather than tile.
        if !body.tiling || matches!(dim, Dim::Y | Dim::X) || t < 1 {
            return None;
        }
        let extent = *self.extents.get(dim.index())?;
        if self.grow {
            let new = t.checked_mul(self.factor)?;
            (extent > 0 && extent % new == 0).then_some(new)
        } else {
            (t % self.factor == 0).then_some(t / self.factor)
        }
    }
}

impl Applier<MapLang, MapAnalysis> for ScaleTile {
    fn apply_one(
        &self,
        egraph: &mut MapEGraph,
        eclass: Id,
        subst: &Subst,
        _searcher_ast: Option<&PatternAst<MapLang>>,
        _rule_name: Symbol,
    ) -> Vec<Id> {
        let Some(size) = self.new_size(egraph, subst) else {
            return vec![];
        };
        let t = egraph.add(MapLang::Num(size));
        let node = MapLang::map(self.kind, [subst[self.d], t, t, subst[self.x]]);
        let id = egraph.add(node);
        if egraph.union(eclass, id) {
            vec![id]
        } else {
            vec![]
        }
    }

    fn vars(&self) -> Vec<Var> {
        vec![self.d, self.t, self.x]
    }
}

struct ResizeCluster {
    n: Var,
    x: Var,
    grow: bool,
    sizes: Vec<i64>,
    pes: i64,
}

impl Applier<MapLang, MapAnalysis> for ResizeCluster {
    fn apply_one(
        &self,
        egraph: &mut MapEGraph,
        eclass: Id,
        subst: &Subst,
        _searcher_ast: Option<&PatternAst<MapLang>>,
        _rule_name: Symbol,
    ) -> Vec<Id> {
        let Some(n) = egraph[subst[self.n]].data.num() else {
            return vec![];
        };
        let next = if self.grow {
            self.sizes.iter().copied().find(|s| *s > n)
        } else {
            self.sizes.iter().rev().copied().find(|s| *s < n)
        };
        let Some(size) = next.filter(|s| *s >= 1 && *s <= self.pes) else {
            return vec![];
        };
        let n = egraph.add(MapLang::Num(size));
        let id = egraph.add(MapLang::Cluster([n, subst[self.x]]));
        if egraph.union(eclass, id) {
            vec![id]
        } else {
            vec![]
        }
    }

    fn vars(&self) -> Vec<Var> {
        vec![self.n, self.x]
    }
}

//! Marvel-style decoupled search: off-chip first, then on-chip, then an e-graph refinement.
//!
//! 1. **Off-chip** ([`super::offchip`]): the `k` best L2 tilings and tile-loop orders under
//!    the distinct-block DRAM model and the L2 capacity. No cost-model evaluation is spent.
//! 2. **On-chip**: for each kept point, half of the remaining budget (shared equally) goes to
//!    on-chip completions scored by the cost model: which tile dimension is spread over how
//!    many clusters, the cluster size that puts exactly that many side by side, the spatial
//!    dimension inside a cluster and its split, the inner tiles and the inner loop order.
//!    Completions whose output tile cannot fit one PE's L1 are not evaluated.
//! 3. **Refinement**: the best candidates so far go into one e-graph, which is saturated with
//!    every rule of `rewrite::rules` within the runner limits; terms near the incumbents are
//!    sampled from it (each class keeps its incumbent node with probability `KEEP`, otherwise
//!    takes a random one) and scored, and this repeats with the new incumbents until the
//!    budget is spent or `PATIENCE` rounds in a row do not improve (each such round samples
//!    further from the incumbents). The incumbents are the best few plus the best of each
//!    number of levels, since no rule adds or removes a level. This is where the off-chip
//!    choices get revised with the real cost model (the rules move level-0 tiles too).
//! 4. **Polish** ([`super::polish`]): the budget refinement leaves goes to small moves from the
//!    incumbents, edge-tile sizes included; what even that cannot use goes to random points.

use std::collections::HashMap;

use egg::{Id, Language, RecExpr};

use crate::rewrite::{self, MapAnalysis, MapLang, RuleConfig};

use super::offchip::{DbModel, OffchipPoint};
use super::space::{divisors, Genome, LayerSpace, Level, Loop};
use super::{Ctx, Origin};

/// Probability that a sampled term keeps an incumbent's node at a class, per round without
/// improvement so far: the neighbourhood widens while the search is stuck.
const KEEP: [f64; PATIENCE] = [0.8, 0.6, 0.4];
/// Incumbents per refinement round (besides the best of each level count).
const INCUMBENTS: usize = 3;
/// New candidates scored per refinement round (at most).
const SAMPLES_PER_ROUND: usize = 400;
/// Rounds without improvement before refinement stops.
const PATIENCE: usize = 3;

pub fn run(ctx: &mut Ctx) {
    let points = DbModel::new(&ctx.space, ctx.line_elements, ctx.l2_elements)
        .top_k(ctx.opts.offchip_keep.max(1));
    ctx.stats.offchip_points = points.len();
    let onchip = ctx.eval.remaining() / 2;
    if points.is_empty() {
        random_fill(ctx, onchip);
    }
    for (i, p) in points.iter().enumerate() {
        // An equal share each; the first points get the remainder.
        let quota = onchip / points.len() + usize::from(i < onchip % points.len());
        let start = ctx.eval.used();
        let mut attempts = 0;
        while ctx.eval.used() - start < quota && attempts < quota * 8 && !ctx.eval.exhausted() {
            attempts += 1;
            if let Some(g) = onchip_candidate(&ctx.space, p, ctx.l1_elements, &mut ctx.rng) {
                let dirs = g.directives(&ctx.space);
                ctx.eval.eval(dirs, Origin::Searched);
            }
        }
    }
    refine(ctx);
    // What refinement leaves goes to local moves around the incumbents, and what those cannot
    // use (a tiny space) to random points.
    let left = super::polish::run(ctx, ctx.eval.remaining());
    random_fill(ctx, left);
}

/// Spend up to `n` evaluations on random points of the space.
pub fn random_fill(ctx: &mut Ctx, n: usize) {
    let start = ctx.eval.used();
    let mut attempts = 0;
    while ctx.eval.used() - start < n && attempts < n * 8 && !ctx.eval.exhausted() {
        attempts += 1;
        let g = ctx.space.random_genome(&mut ctx.rng, ctx.max_levels);
        ctx.eval.eval(g.directives(&ctx.space), Origin::Searched);
    }
}

/// Elements of the output tile of one PE (the tile the cost model checks against L1).
fn output_tile(space: &LayerSpace, level: &Level) -> i64 {
    let dw = space.layer_type == crate::backends::cost::LayerType::Dsconv;
    level
        .loops
        .iter()
        .filter(|l| {
            use crate::ir::Dim;
            match space.dims[l.dim].dim {
                Dim::C => dw,
                Dim::R | Dim::S => false,
                _ => true,
            }
        })
        .fold(1i64, |a, l| a.saturating_mul(l.tile))
}

/// One on-chip completion of off-chip point `p` (`None` if its output tile cannot fit L1).
pub fn onchip_candidate(
    space: &LayerSpace,
    p: &OffchipPoint,
    l1_elements: i64,
    rng: &mut crate::util::Rng,
) -> Option<Genome> {
    let n = space.dims.len();
    let parallel: Vec<usize> = (0..n).filter(|&i| p.block[i] > 1).collect();
    let p0 = rng.pick(&parallel).copied().unwrap_or(0);
    let b0 = p.block[p0];
    // Clusters side by side along p0: as many as the block has (at most the PEs) is the usual
    // choice, its tile rounded up (an edge tile when it does not divide); otherwise a divisor.
    let most = b0.min(space.pes).max(1);
    let tile_p0 = if rng.chance(0.6) {
        ceil_div(b0, most)
    } else {
        let qs: Vec<i64> = divisors(b0)
            .into_iter()
            .filter(|q| *q <= space.pes)
            .collect();
        b0 / rng.pick(&qs).copied().unwrap_or(1)
    };
    // The clusters that tile puts side by side.
    let q = ceil_div(b0, tile_p0);
    // The L2 tile holds whole filters; the PEs may take them a part at a time.
    let tiles0: Vec<i64> = (0..n)
        .map(|i| match space.dims[i].dim {
            _ if i == p0 => tile_p0,
            crate::ir::Dim::R | crate::ir::Dim::S if rng.chance(0.3) => {
                space.random_tile(i, p.block[i], rng)
            }
            _ => p.block[i],
        })
        .collect();
    let level0 = Level {
        cluster: 0,
        loops: p
            .order
            .iter()
            .map(|&i| Loop {
                dim: i,
                tile: tiles0[i],
                spatial: i == p0,
            })
            .collect(),
    };
    let c = space.pes / q.max(1);
    // One level (the spatial map over all PEs) is a family of its own, not only a fallback;
    // with one PE per cluster, the inner level (`cluster(1)`) only tiles what a PE holds.
    if (c < 2 && rng.chance(0.5)) || rng.chance(0.2) {
        let g = Genome {
            levels: vec![level0],
        };
        return (output_tile(space, &g.levels[0]) <= l1_elements).then_some(g);
    }
    // Inside a cluster of c PEs.
    let inner: Vec<usize> = (0..n).filter(|&i| tiles0[i] > 1).collect();
    let p1 = rng
        .pick(&inner)
        .copied()
        .unwrap_or(if n > 1 { (p0 + 1) % n } else { 0 });
    let mut tiles1: Vec<i64> = (0..n)
        .map(|i| {
            let r = rng.unit();
            if r < 0.35 {
                tiles0[i]
            } else if r < 0.65 {
                1
            } else {
                space.random_tile(i, tiles0[i], rng)
            }
        })
        .collect();
    tiles1[p1] = if rng.chance(0.6) {
        // The smallest split that needs no fold: every PE of the cluster busy (the last
        // one with an edge tile when the split does not divide).
        ceil_div(tiles0[p1], c)
    } else {
        space.random_tile(p1, tiles0[p1], rng)
    };
    let mut order1: Vec<usize> = match rng.below(10) {
        0..=3 => {
            let mut o: Vec<usize> = (0..n).collect();
            rng.shuffle(&mut o);
            o
        }
        4..=6 => {
            // Reduction loops innermost: each PE finishes its outputs before moving on.
            let reduces = |i: &usize| {
                matches!(
                    space.dims[*i].dim,
                    crate::ir::Dim::C | crate::ir::Dim::R | crate::ir::Dim::S
                )
            };
            let mut o: Vec<usize> = (0..n).filter(|i| !reduces(i)).collect();
            o.extend((0..n).filter(|i| reduces(i)));
            o
        }
        _ => p.order.clone(),
    };
    order1.dedup();
    let level1 = Level {
        cluster: c,
        loops: order1
            .iter()
            .map(|&i| Loop {
                dim: i,
                tile: tiles1[i],
                spatial: i == p1,
            })
            .collect(),
    };
    if output_tile(space, &level1) > l1_elements {
        return None;
    }
    Some(Genome {
        levels: vec![level0, level1],
    })
}

/// `⌈a / b⌉` for positive sizes (`b` taken as at least 1).
fn ceil_div(a: i64, b: i64) -> i64 {
    let b = b.max(1);
    (a + b - 1) / b
}

/// The e-graph refinement (step 3 of the module docs).
fn refine(ctx: &mut Ctx) {
    let cfg = RuleConfig::new(
        ctx.space.extents,
        ctx.space.cluster_sizes.clone(),
        ctx.space.pes,
    );
    let rules = rewrite::rules(&cfg);
    let limits = rewrite::Limits {
        iterations: ctx.opts.egg_iters,
        nodes: ctx.opts.egg_nodes,
    };
    let mut stale = 0;
    while !ctx.eval.exhausted() && stale < PATIENCE {
        // The best few, and the best of each number of levels: the rules never add or remove
        // a level, so each family is refined from its own incumbent.
        let mut chosen: Vec<&[crate::ir::ConcreteDirective]> = Vec::new();
        for s in ctx
            .eval
            .top()
            .iter()
            .take(INCUMBENTS)
            .chain(ctx.eval.family_bests())
        {
            if !chosen.contains(&s.directives.as_slice()) {
                chosen.push(&s.directives);
            }
        }
        let incumbents: Vec<RecExpr<MapLang>> =
            chosen.iter().map(|d| rewrite::to_recexpr(d)).collect();
        if incumbents.is_empty() {
            return;
        }
        let best_before = ctx.eval.top().first().map(|s| s.score);
        let (egraph, roots, report) = rewrite::saturate(
            &incumbents,
            MapAnalysis::new(ctx.space.extents),
            &rules,
            limits,
        );
        ctx.stats.egg_rounds.push(report);
        // Each class's node in an incumbent, to stay near the incumbents when sampling.
        let mut preferred: HashMap<Id, MapLang> = HashMap::new();
        for t in &incumbents {
            let Some(ids) = egraph.lookup_expr_ids(t) else {
                continue;
            };
            for (node, class) in t.as_ref().iter().zip(&ids) {
                let canon = node
                    .clone()
                    .map_children(|c| egraph.find(ids[usize::from(c)]));
                preferred.entry(egraph.find(*class)).or_insert(canon);
            }
        }
        let want = SAMPLES_PER_ROUND.min(ctx.eval.remaining());
        let mut new = 0;
        let mut attempts = 0;
        while new < want && attempts < want * 8 {
            let root = roots[attempts % roots.len()];
            attempts += 1;
            let rng = &mut ctx.rng;
            let keep = KEEP[stale.min(PATIENCE - 1)];
            let mut pick = |class: Id, nodes: &[MapLang]| -> usize {
                if let Some(pref) = preferred.get(&class) {
                    if rng.chance(keep) {
                        if let Some(i) = nodes.iter().position(|n| n == pref) {
                            return i;
                        }
                    }
                }
                rng.below(nodes.len())
            };
            let Some(term) = rewrite::extract::sample_term(&egraph, root, 512, &mut pick) else {
                continue;
            };
            let Ok(dirs) = rewrite::from_recexpr(&term) else {
                continue;
            };
            if ctx.eval.seen(&dirs) {
                continue;
            }
            ctx.eval.eval(dirs, Origin::Searched);
            new += 1;
        }
        if new == 0 {
            return;
        }
        let improved = match (best_before, ctx.eval.top().first()) {
            (Some(b), Some(now)) => now.score.cmp(&b) == std::cmp::Ordering::Less,
            (None, Some(_)) => true,
            _ => false,
        };
        stale = if improved { 0 } else { stale + 1 };
    }
}

//! Exhaustive enumeration of the joint space of small layers, to measure how far a search
//! is from the true optimum.
//!
//! The joint space J (all of it the decoupled search can reach without the stdlib seeds):
//! * one level: every loop order × every tile size per dimension (1 to the extent, edge tiles
//!   included) × one spatial dimension;
//! * two levels: every such level 0, × every cluster size of [`LayerSpace::cluster_sizes`],
//!   × a level 1 with every order, every tile size at most the level-0 tile, and one
//!   spatial dimension.
//!
//! Level-0 configurations are spread over rayon's threads; each keeps its best, and the best
//! overall is the minimum under the same total order the search uses, so the result does not
//! depend on the thread count.

use rayon::prelude::*;

use crate::backends::cost::LayerMetrics;
use crate::ir::{self, ConcreteDirective};

use super::eval::{score_directives, Score};
use super::space::{directive_key, Genome, LayerSpace, Level, Loop};
use super::{Job, SearchError, SearchOptions};

/// The optimum of J for one layer.
#[derive(Debug, Clone)]
pub struct Exhaustive {
    pub directives: Vec<ConcreteDirective>,
    pub metrics: LayerMetrics,
    pub objective_value: f64,
    /// Points of J evaluated (all of them).
    pub points: u64,
    /// Of which the cost model accepted.
    pub valid: u64,
}

/// Number of points of J for a layer space.
pub fn joint_size(space: &LayerSpace) -> u128 {
    let n = space.dims.len();
    let perms: u128 = (1..=n as u128).product();
    let mut total: u128 = 0;
    for tiles0 in tile_vectors(space, None) {
        let inner: u128 = tiles0
            .iter()
            .enumerate()
            .map(|(i, t)| (*t).min(space.dims[i].extent).max(1) as u128)
            .product();
        let level0 = perms * n as u128;
        let clusters = space.cluster_sizes.len() as u128;
        total += level0 + level0 * clusters * perms * inner * n as u128;
    }
    total
}

/// The optimum of J under `opts.objective` (and `opts.strict_buffers`), if J has at most
/// `limit` points.
pub fn exhaustive_layer(
    layer: &ir::Layer,
    hw: &ir::Hardware,
    opts: &SearchOptions,
    limit: u128,
) -> Result<Option<Exhaustive>, SearchError> {
    let job = Job::new(layer, hw, None, ir::LayerSparsity::default(), Vec::new());
    let space = LayerSpace::new(&job.problem, job.hw.num_pes)
        .map_err(|e| SearchError::InvalidLayer { message: e.0 })?;
    let size = joint_size(&space);
    if size > limit {
        return Err(SearchError::InvalidLayer {
            message: format!("the joint space has {size} points, more than {limit}"),
        });
    }
    let n = space.dims.len();
    let macs = u64::try_from(job.problem.dense_macs()).unwrap_or(0);
    let perms = permutations(n);
    let mut heads: Vec<(Vec<usize>, Vec<i64>, usize)> = Vec::new();
    for tiles0 in tile_vectors(&space, None) {
        for perm in &perms {
            for p0 in 0..n {
                heads.push((perm.clone(), tiles0.clone(), p0));
            }
        }
    }
    type Best = (Score, Vec<ConcreteDirective>, LayerMetrics);
    let better = |a: &Best, b: &Best| {
        a.0.cmp(&b.0)
            .then_with(|| directive_key(&a.1).cmp(&directive_key(&b.1)))
            == std::cmp::Ordering::Less
    };
    let results: Vec<(Option<Best>, u64, u64)> = heads
        .par_iter()
        .map_init(
            || job.problem.clone(),
            |problem, (perm, tiles0, p0)| {
                let mut best: Option<Best> = None;
                let (mut points, mut valid) = (0u64, 0u64);
                let level0 = level(perm, tiles0, &[*p0], 0);
                let mut try_genome = |g: Genome| {
                    points += 1;
                    let dirs = g.directives(&space);
                    if let Some((score, m)) = score_directives(
                        problem,
                        &job.hw,
                        macs,
                        opts.objective,
                        opts.strict_buffers,
                        &dirs,
                    ) {
                        valid += 1;
                        let cand = (score, dirs, m);
                        if best.as_ref().is_none_or(|b| better(&cand, b)) {
                            best = Some(cand);
                        }
                    }
                };
                try_genome(Genome {
                    levels: vec![level0.clone()],
                });
                for &c in &space.cluster_sizes {
                    for tiles1 in tile_vectors(&space, Some(tiles0)) {
                        for perm1 in &perms {
                            for p1 in 0..n {
                                try_genome(Genome {
                                    levels: vec![level0.clone(), level(perm1, &tiles1, &[p1], c)],
                                });
                            }
                        }
                    }
                }
                (best, points, valid)
            },
        )
        .collect();
    let mut best: Option<Best> = None;
    let (mut points, mut valid) = (0u64, 0u64);
    for (b, p, v) in results {
        points += p;
        valid += v;
        if let Some(b) = b {
            if best.as_ref().is_none_or(|x| better(&b, x)) {
                best = Some(b);
            }
        }
    }
    Ok(best.map(|(_, directives, metrics)| Exhaustive {
        objective_value: opts.objective.value(&metrics),
        directives,
        metrics,
        points,
        valid,
    }))
}

fn level(perm: &[usize], tiles: &[i64], spatial: &[usize], cluster: i64) -> Level {
    Level {
        cluster,
        loops: perm
            .iter()
            .map(|&i| Loop {
                dim: i,
                tile: tiles[i],
                spatial: spatial.contains(&i),
            })
            .collect(),
    }
}

/// Every vector of tile sizes, each at most `cap[i]` when given.
fn tile_vectors(space: &LayerSpace, cap: Option<&[i64]>) -> Vec<Vec<i64>> {
    let mut out = vec![Vec::new()];
    for (i, d) in space.dims.iter().enumerate() {
        let limit = cap.and_then(|c| c.get(i).copied()).unwrap_or(d.extent);
        let values: Vec<i64> = (1..=limit.min(d.extent).max(1)).collect();
        out = out
            .into_iter()
            .flat_map(|prefix| {
                values.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(*v);
                    p
                })
            })
            .collect();
    }
    out
}

/// All permutations of `0..n` in lexicographic order.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    let mut p: Vec<usize> = (0..n).collect();
    let mut out = vec![p.clone()];
    loop {
        let Some(i) = (1..p.len()).rev().find(|&i| p[i - 1] < p[i]) else {
            return out;
        };
        let j = (i..p.len()).rev().find(|&j| p[j] > p[i - 1]).unwrap_or(i);
        p.swap(i - 1, j);
        p[i..].reverse();
        out.push(p.clone());
    }
}

//! Baselines at equal evaluation budget: random search and a GAMMA-style genetic algorithm,
//! both over the same [`Genome`] space as the decoupled search. GAMMA (Kao and Krishna,
//! "GAMMA: Automating the HW Mapping of DNN Models on Accelerators via Genetic Algorithm",
//! ICCAD 2020) evolves a population of mappings, each encoded as per-level tile sizes, loop
//! order and parallel dimension, with crossover and mutation operators made for that encoding.
//!
//! GAMMA's encoding is a list of levels, each a parallel dimension plus `[dim, tile]` genes in
//! loop order; [`Genome`] is exactly that. Operators and rates follow GAMMA's defaults:
//! crossover 0.57 (one dimension's tiles at every level from the other parent), reorder 0.47
//! (swap two loops of a level), tile mutation 0.53 at three loci (new tile at most the parent
//! level's), parallel-dimension mutation, parallel swap between levels 0.1, add level 0.57
//! and remove level 0.27 (GAMMA's "born cluster" rates; the level count stays within
//! `1..=max_levels`), cluster-size mutation; elitism 5 %, parents the best 40 %. Invalid
//! genomes (cost-model error, buffer overflow) rank last.

use std::cmp::Ordering;

use super::eval::Score;
use super::space::{tile_of, Genome, LayerSpace, Level};
use super::{Ctx, Origin};
use crate::util::Rng;

pub fn random(ctx: &mut Ctx) {
    let n = ctx.eval.remaining();
    super::decoupled::random_fill(ctx, n);
}

const CROSSOVER: f64 = 0.57;
const REORDER: f64 = 0.47;
const TILE: f64 = 0.53;
const TILE_LOCI: usize = 3;
const PARALLEL: f64 = 0.2;
const PARALLEL_SWAP: f64 = 0.1;
const ADD_LEVEL: f64 = 0.57;
const REMOVE_LEVEL: f64 = 0.27;
const CLUSTER: f64 = 0.3;

pub fn genetic(ctx: &mut Ctx) {
    let budget = ctx.eval.remaining();
    // Population: about √budget, so there are about as many generations as individuals.
    let size = ((budget as f64).sqrt() as usize).clamp(8, 100);
    let elite = (size / 20).max(1);
    let parents = (size * 2 / 5).max(2);
    let mut population: Vec<(Genome, Option<Score>)> = Vec::with_capacity(size);
    let mut attempts = 0;
    while population.len() < size && attempts < size * 20 && !ctx.eval.exhausted() {
        attempts += 1;
        let g = ctx.space.random_genome(&mut ctx.rng, ctx.max_levels);
        let score = ctx.eval.eval(g.directives(&ctx.space), Origin::Searched);
        population.push((g, score));
    }
    // Generations until the budget is spent; a generation that finds nothing new (all its
    // children were evaluated before) counts towards giving up.
    let mut idle = 0;
    while !ctx.eval.exhausted() && idle < 50 && !population.is_empty() {
        sort(&mut population, &ctx.space);
        let mut next: Vec<(Genome, Option<Score>)> =
            population[..elite.min(population.len())].to_vec();
        let pool = parents.min(population.len());
        let used = ctx.eval.used();
        while next.len() < size && !ctx.eval.exhausted() {
            let a = &population[ctx.rng.below(pool)].0;
            let b = &population[ctx.rng.below(pool)].0;
            let mut child = a.clone();
            if ctx.rng.chance(CROSSOVER) {
                crossover(&mut child, b, &ctx.space, &mut ctx.rng);
            }
            mutate(&mut child, &ctx.space, ctx.max_levels, &mut ctx.rng);
            child.repair(&ctx.space, &mut ctx.rng);
            let score = ctx
                .eval
                .eval(child.directives(&ctx.space), Origin::Searched);
            next.push((child, score));
        }
        idle = if ctx.eval.used() == used { idle + 1 } else { 0 };
        population = next;
    }
}

/// Best first; invalid last; ties by genome (stable across runs).
fn sort(pop: &mut [(Genome, Option<Score>)], _space: &LayerSpace) {
    pop.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.0.cmp(&b.0)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
}

/// One dimension's tiles at every common level come from `other`.
fn crossover(child: &mut Genome, other: &Genome, space: &LayerSpace, rng: &mut Rng) {
    let d = rng.below(space.dims.len());
    for (mine, theirs) in child.levels.iter_mut().zip(&other.levels) {
        let t = tile_of(theirs, d);
        if let Some(l) = mine.loops.iter_mut().find(|l| l.dim == d) {
            if t != i64::MAX {
                l.tile = t;
            }
        }
    }
}

fn mutate(g: &mut Genome, space: &LayerSpace, max_levels: usize, rng: &mut Rng) {
    let nl = g.levels.len();
    if rng.chance(REORDER) {
        let level = &mut g.levels[rng.below(nl)];
        let n = level.loops.len();
        let (i, j) = (rng.below(n), rng.below(n));
        level.loops.swap(i, j);
    }
    if rng.chance(TILE) {
        for _ in 0..TILE_LOCI {
            let li = rng.below(nl);
            let n = g.levels[li].loops.len();
            let k = rng.below(n);
            let d = g.levels[li].loops[k].dim;
            let cap = if li == 0 {
                space.dims[d].extent
            } else {
                tile_of(&g.levels[li - 1], d)
            };
            g.levels[li].loops[k].tile = space.random_tile(d, cap, rng);
        }
    }
    if rng.chance(PARALLEL) {
        let li = rng.below(nl);
        space.random_spatial(&mut g.levels[li], rng);
    }
    if nl > 1 && rng.chance(PARALLEL_SWAP) {
        let (a, b) = (rng.below(nl), rng.below(nl));
        let da: Vec<usize> = spatial_dims(&g.levels[a]);
        let db: Vec<usize> = spatial_dims(&g.levels[b]);
        set_spatial(&mut g.levels[a], &db);
        set_spatial(&mut g.levels[b], &da);
    }
    if g.levels.len() < max_levels && rng.chance(ADD_LEVEL) {
        // Born cluster: a copy of the innermost level, one level further in.
        if let Some(last) = g.levels.last() {
            let mut inner = last.clone();
            inner.cluster = rng.pick(&space.cluster_sizes).copied().unwrap_or(2);
            space.random_spatial(&mut inner, rng);
            g.levels.push(inner);
        }
    } else if g.levels.len() > 1 && rng.chance(REMOVE_LEVEL) {
        let li = 1 + rng.below(g.levels.len() - 1);
        g.levels.remove(li);
    }
    if g.levels.len() > 1 && rng.chance(CLUSTER) {
        let li = 1 + rng.below(g.levels.len() - 1);
        g.levels[li].cluster = rng.pick(&space.cluster_sizes).copied().unwrap_or(2);
    }
}

fn spatial_dims(level: &Level) -> Vec<usize> {
    level
        .loops
        .iter()
        .filter(|l| l.spatial)
        .map(|l| l.dim)
        .collect()
}

fn set_spatial(level: &mut Level, dims: &[usize]) {
    for l in &mut level.loops {
        l.spatial = dims.contains(&l.dim);
    }
}

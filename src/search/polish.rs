//! Local search around the incumbents, for the budget the decoupled search has left after
//! its e-graph refinement: one small move at a time from one of the best points (a tile one
//! size up or down, doubled or halved, or redrawn; two neighbouring loops swapped; the spatial
//! loop moved; a cluster one size up or down). The rewrite rules move tiles by prime factors
//! and keep sizes on divisors; these moves reach the edge-tile sizes between them, which is
//! where the last fraction of a percent of runtime often is (an edge tile that leaves fewer
//! PEs idle in the last fold).

use crate::ir::{ConcreteDirective, MapKind};
use crate::util::Rng;

use super::space::{tile_of, Genome, LayerSpace, Level, Loop};
use super::{Ctx, Origin};

/// Incumbents a move may start from (the best with probability `FROM_BEST`).
const INCUMBENTS: usize = 4;
const FROM_BEST: f64 = 0.7;

/// Spend up to `n` evaluations on moves from the incumbents. Returns the evaluations left
/// unspent (no incumbent is a point of the space, or the neighbourhood is exhausted).
pub fn run(ctx: &mut Ctx, n: usize) -> usize {
    let start = ctx.eval.used();
    let mut attempts = 0;
    while ctx.eval.used() - start < n && attempts < n * 8 && !ctx.eval.exhausted() {
        attempts += 1;
        let starts: Vec<Genome> = ctx
            .eval
            .top()
            .iter()
            .filter_map(|s| genome_of(&ctx.space, &s.directives))
            .take(INCUMBENTS)
            .collect();
        if starts.is_empty() {
            break;
        }
        let from = if ctx.rng.chance(FROM_BEST) {
            0
        } else {
            ctx.rng.below(starts.len())
        };
        let mut g = starts[from].clone();
        neighbour(&mut g, &ctx.space, &mut ctx.rng);
        g.repair(&ctx.space, &mut ctx.rng);
        ctx.eval.eval(g.directives(&ctx.space), Origin::Searched);
    }
    n.saturating_sub(ctx.eval.used() - start)
}

/// The point of `space` a directive list spells, if it is one: tilings only (`size =
/// offset`), every active dimension mapped once per level, one spatial map per level.
pub fn genome_of(space: &LayerSpace, dirs: &[ConcreteDirective]) -> Option<Genome> {
    let mut levels = vec![Level {
        cluster: 0,
        loops: Vec::new(),
    }];
    for d in dirs {
        match *d {
            ConcreteDirective::Cluster { size } => levels.push(Level {
                cluster: size,
                loops: Vec::new(),
            }),
            ConcreteDirective::Map {
                kind,
                size,
                offset,
                dim,
            } => {
                if size != offset {
                    return None;
                }
                let Some(i) = space.index_of(dim) else {
                    // A dimension of extent 1 (outside the space) adds nothing; anything
                    // else (input-centric `Y`/`X`) is not a point of the space.
                    if space.extents.get(dim.index()).copied().unwrap_or(0) <= 1
                        && !matches!(dim, crate::ir::Dim::Y | crate::ir::Dim::X)
                    {
                        continue;
                    }
                    return None;
                };
                let level = levels.last_mut()?;
                level.loops.push(Loop {
                    dim: i,
                    tile: size,
                    spatial: kind == MapKind::Spatial,
                });
            }
        }
    }
    let complete = levels.iter().all(|l| {
        l.loops.len() == space.dims.len()
            && (0..space.dims.len()).all(|i| l.loops.iter().any(|x| x.dim == i))
            && l.loops.iter().filter(|x| x.spatial).count() == 1
    });
    complete.then_some(Genome { levels })
}

/// One random small move of `g`.
fn neighbour(g: &mut Genome, space: &LayerSpace, rng: &mut Rng) {
    let li = rng.below(g.levels.len());
    let r = rng.unit();
    if r < 0.55 {
        let k = rng.below(g.levels[li].loops.len());
        let d = g.levels[li].loops[k].dim;
        let cap = if li == 0 {
            space.dims[d].extent
        } else {
            tile_of(&g.levels[li - 1], d).min(space.dims[d].extent)
        };
        let t = g.levels[li].loops[k].tile;
        // The level's units: what its clusters (or PEs) put side by side.
        let units = if li == 0 {
            let inner: i64 = g.levels[1..].iter().map(|l| l.cluster.max(1)).product();
            space.pes / inner.max(1)
        } else {
            g.levels[li].cluster
        }
        .max(1);
        let new = match rng.below(6) {
            // A spatial tile that spreads the parent tile over every unit in one fold.
            5 if g.levels[li].loops[k].spatial => (cap + units - 1) / units,
            0 => t - 1,
            1 => t + 1,
            2 => t * 2,
            3 => (t + 1) / 2,
            _ => space.random_tile(d, cap, rng),
        };
        g.levels[li].loops[k].tile = new.clamp(1, cap.max(1));
    } else if r < 0.75 {
        let loops = &mut g.levels[li].loops;
        if loops.len() > 1 {
            let i = rng.below(loops.len() - 1);
            loops.swap(i, i + 1);
        }
    } else if r < 0.9 || g.levels.len() == 1 {
        space.random_spatial(&mut g.levels[li], rng);
    } else {
        let li = 1 + rng.below(g.levels.len() - 1);
        let sizes = &space.cluster_sizes;
        let at = sizes
            .iter()
            .position(|c| *c >= g.levels[li].cluster)
            .unwrap_or(0);
        let next = if rng.chance(0.5) {
            at.saturating_sub(1)
        } else {
            (at + 1).min(sizes.len() - 1)
        };
        g.levels[li].cluster = sizes[next];
    }
}

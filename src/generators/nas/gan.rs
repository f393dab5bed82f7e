//! The budget-conditioned architecture generator. Real data are pairs (budgets, a good
//! architecture within them): budgets are drawn from the measured architectures' own costs
//! (each resource bounded or not), and the architecture is one of the best-measured tenth of
//! those that meet them. Measured architectures under budgets they break are the
//! mismatched pairs the discriminator also learns to reject, which is what makes the
//! generator respect budgets rather than only imitate good networks.

use ndarray::Array2;

use super::platform::{Budgets, Costs};
use super::space::{Architecture, Space};
use super::task::Metric;
use crate::generators::gan::{one_hot, Batch, GanOptions, TokenGenerator};
use crate::util::Rng;

/// Resources a budget bounds: parameters, MACs, runtime, energy.
const RESOURCES: usize = 4;
/// Bins of each resource's log-scale in the condition.
const BINS: usize = 8;
/// Condition width: per resource, whether it is bounded, its log-scaled bound and a one-hot
/// of the bound's bin (a scalar alone is a weak signal among the noise inputs).
pub const CONDITION: usize = (2 + BINS) * RESOURCES;
/// Budget vectors drawn to make real pairs.
const POOL: usize = 512;
/// Real pairs take architectures within this fraction of each bound, so that the
/// generator's imprecision stays inside the budget rather than straddling its edge.
const MARGIN: f64 = 0.7;
/// A mismatched pair's bound, as a fraction of the architecture's cost.
const NEAR_MISS: f64 = 0.8;

/// An architecture with its costs and its measured test metric.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Measured {
    #[serde(serialize_with = "super::serialize_display")]
    pub architecture: Architecture,
    pub costs: Costs,
    pub metric: f64,
}

fn resources(c: &Costs) -> [f64; RESOURCES] {
    [
        c.params as f64,
        c.macs as f64,
        c.runtime_cycles as f64,
        c.energy_pj,
    ]
}

fn bounds(b: &Budgets) -> [Option<f64>; RESOURCES] {
    [
        b.params.map(|v| v as f64),
        b.macs.map(|v| v as f64),
        b.runtime_cycles.map(|v| v as f64),
        b.energy_pj,
    ]
}

fn meets(costs: &[f64; RESOURCES], budget: &[Option<f64>; RESOURCES]) -> bool {
    costs
        .iter()
        .zip(budget)
        .all(|(c, b)| b.is_none_or(|b| *c <= b))
}

/// Log-scale of each resource over the whole space, so a condition reads the same for every
/// training set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    low: [f64; RESOURCES],
    high: [f64; RESOURCES],
}

impl Scale {
    /// The range of each resource over `costs` (at least one).
    pub fn of(costs: &[Costs]) -> Scale {
        let mut low = [f64::INFINITY; RESOURCES];
        let mut high = [f64::NEG_INFINITY; RESOURCES];
        for c in costs {
            for (i, v) in resources(c).into_iter().enumerate() {
                let v = v.max(1e-9).ln();
                low[i] = low[i].min(v);
                high[i] = high[i].max(v);
            }
        }
        Scale { low, high }
    }

    fn condition(&self, budget: &[Option<f64>; RESOURCES]) -> [f32; CONDITION] {
        let mut c = [0.0; CONDITION];
        for (i, b) in budget.iter().enumerate() {
            match b {
                // Unbounded reads as a bound at the space's largest value.
                None => c[2 * i + 1] = 1.0,
                Some(b) => {
                    let span = (self.high[i] - self.low[i]).max(1e-9);
                    c[2 * i] = 1.0;
                    c[2 * i + 1] =
                        ((b.max(1e-9).ln() - self.low[i]) / span).clamp(-0.5, 1.5) as f32;
                }
            }
        }
        c
    }

    fn conditions(&self, budgets: &[[Option<f64>; RESOURCES]]) -> Array2<f32> {
        let rows: Vec<[f32; CONDITION]> = budgets.iter().map(|b| self.condition(b)).collect();
        Array2::from_shape_fn((rows.len(), CONDITION), |(i, j)| rows[i][j])
    }
}

/// A trained generator of architectures for budgets.
#[derive(Debug, Clone)]
pub struct ArchitectureGan {
    space: Space,
    scale: Scale,
    generator: TokenGenerator,
}

/// Draws a budget vector from the measured costs: each resource bounded with probability ½,
/// at the cost of a measured architecture drawn uniformly.
fn draw_budget(measured: &[Measured], rng: &mut Rng) -> [Option<f64>; RESOURCES] {
    let mut b = [None; RESOURCES];
    for (i, slot) in b.iter_mut().enumerate() {
        if rng.chance(0.5) {
            let m = &measured[rng.below(measured.len())];
            *slot = Some(resources(&m.costs)[i]);
        }
    }
    b
}

impl ArchitectureGan {
    /// Trains on `measured` (at least one architecture); `scale` is the space's. A seed fixes
    /// the result.
    pub fn train(
        space: Space,
        scale: Scale,
        measured: &[Measured],
        metric: Metric,
        options: GanOptions,
        seed: u64,
    ) -> ArchitectureGan {
        let mut rng = Rng::new(seed);
        let costs: Vec<[f64; RESOURCES]> = measured.iter().map(|m| resources(&m.costs)).collect();
        // The pool of budgets, each with the best tenth of the architectures that meet it.
        let mut pool: Vec<([Option<f64>; RESOURCES], Vec<usize>)> = Vec::new();
        for _ in 0..POOL * 4 {
            if pool.len() == POOL || measured.is_empty() {
                break;
            }
            let budget = draw_budget(measured, &mut rng);
            let inside = budget.map(|b| b.map(|b| b * MARGIN));
            let mut fits: Vec<usize> = (0..measured.len())
                .filter(|&i| meets(&costs[i], &inside))
                .collect();
            if fits.is_empty() {
                continue;
            }
            fits.sort_by(|&a, &b| {
                metric
                    .score(measured[b].metric)
                    .total_cmp(&metric.score(measured[a].metric))
                    .then(a.cmp(&b))
            });
            fits.truncate(fits.len().div_ceil(10));
            pool.push((budget, fits));
        }
        let groups = space.groups();
        let encoded: Vec<Vec<f32>> = measured
            .iter()
            .map(|m| one_hot(&groups, &space.levels(&m.architecture)))
            .collect();
        let width: usize = groups.iter().sum();
        let b = options.batch;
        let batches = |rng: &mut Rng| {
            if pool.is_empty() {
                return None;
            }
            let mut rows = Vec::with_capacity(b);
            let mut budgets = Vec::with_capacity(b);
            let mut wrong = Vec::with_capacity(b);
            for _ in 0..b {
                let (budget, best) = &pool[rng.below(pool.len())];
                let arch = best[rng.below(best.len())];
                rows.push(arch);
                budgets.push(*budget);
                // The near miss: the same budget with one bound (a bounded one when there
                // is one) just below this architecture's cost, so the discriminator learns
                // where a budget's edge is, not only that far-off budgets differ.
                let bounded: Vec<usize> = (0..RESOURCES).filter(|&r| budget[r].is_some()).collect();
                let r = if bounded.is_empty() {
                    rng.below(RESOURCES)
                } else {
                    bounded[rng.below(bounded.len())]
                };
                let mut broken = *budget;
                broken[r] = Some(costs[arch][r] * NEAR_MISS);
                wrong.push(broken);
            }
            Some(Batch {
                real: Array2::from_shape_fn((b, width), |(i, j)| encoded[rows[i]][j]),
                condition: scale.conditions(&budgets),
                wrong: scale.conditions(&wrong),
            })
        };
        let generator = TokenGenerator::train(&groups, CONDITION, options, &mut rng, batches);
        ArchitectureGan {
            space,
            scale,
            generator,
        }
    }

    /// `n` architectures for `budgets` (duplicates possible): each token's most likely level
    /// for a noise draw, so the samples vary through the generator's noise input only.
    pub fn sample(&self, budgets: &Budgets, n: usize, rng: &mut Rng) -> Vec<Architecture> {
        let cond = self.scale.conditions(&vec![bounds(budgets); n]);
        self.generator
            .sample(&cond, false, rng)
            .iter()
            .map(|levels| self.space.decode(levels))
            .collect()
    }
}

//! The space of per-layer bit widths: configurations, sampling measured pairs, the exhaustive
//! weight-only space and its exact accuracy-vs-cost Pareto front.

use crate::nn::quant::{Bits, LEVELS, MAX_BITS, MIN_BITS};
use crate::util::Rng;

/// Per weighted layer, its weight and activation widths.
pub type Config = Vec<Bits>;

/// A configuration and its accuracy (measured, or read from a user's file).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pair {
    pub bits: Config,
    pub accuracy: f64,
}

/// Which widths vary: weights only (activations at 8 bits) or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Space {
    pub depth: usize,
    pub activations: bool,
}

impl Space {
    /// Widths that vary per layer: 1 (weights) or 2 (weights, activations).
    pub fn per_layer(&self) -> usize {
        if self.activations {
            2
        } else {
            1
        }
    }

    /// Length of a one-hot encoding: one group of `LEVELS` per varying width.
    pub fn encoded_len(&self) -> usize {
        self.depth * self.per_layer() * LEVELS
    }

    /// The level (0-based width index) of every varying width, layer by layer.
    pub fn levels(&self, config: &[Bits]) -> Vec<usize> {
        let level = |b: u32| (b.clamp(MIN_BITS, MAX_BITS) - MIN_BITS) as usize;
        let mut out = Vec::with_capacity(self.depth * self.per_layer());
        for b in config {
            out.push(level(b.w));
            if self.activations {
                out.push(level(b.a));
            }
        }
        out
    }

    /// The configuration with the given levels (the inverse of `levels`).
    pub fn config(&self, levels: &[usize]) -> Config {
        let bits = |l: usize| MIN_BITS + l.min(LEVELS - 1) as u32;
        levels
            .chunks(self.per_layer())
            .map(|c| Bits {
                w: bits(c[0]),
                a: if self.activations {
                    bits(c[1])
                } else {
                    MAX_BITS
                },
            })
            .collect()
    }

    /// One-hot encoding, `LEVELS` values per varying width.
    pub fn encode(&self, config: &[Bits]) -> Vec<f32> {
        let mut out = vec![0.0; self.encoded_len()];
        for (g, l) in self.levels(config).into_iter().enumerate() {
            out[g * LEVELS + l] = 1.0;
        }
        out
    }

    /// A random configuration spread over the accuracy range: a floor drawn uniformly from
    /// the widths, then every width uniform between the floor and 8 bits (uniform widths
    /// alone put most samples at low accuracy).
    pub fn sample(&self, rng: &mut Rng) -> Config {
        let floor = rng.below(LEVELS);
        let levels: Vec<usize> = (0..self.depth * self.per_layer())
            .map(|_| floor + rng.below(LEVELS - floor))
            .collect();
        self.config(&levels)
    }

    /// Every configuration of the weight-only space (`LEVELS^depth`), in counting order.
    pub fn all_weight_only(depth: usize) -> Vec<Config> {
        let space = Space {
            depth,
            activations: false,
        };
        let total = LEVELS.pow(depth as u32);
        (0..total)
            .map(|mut n| {
                let levels: Vec<usize> = (0..depth)
                    .map(|_| {
                        let l = n % LEVELS;
                        n /= LEVELS;
                        l
                    })
                    .collect();
                space.config(&levels)
            })
            .collect()
    }
}

/// Model size in bits: every layer's weights at its width.
pub fn size_bits(config: &[Bits], weight_counts: &[usize]) -> u64 {
    config
        .iter()
        .zip(weight_counts)
        .map(|(b, &n)| n as u64 * u64::from(b.w))
        .sum()
}

/// A point of a front: accuracy and cost (lower is better).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FrontPoint {
    pub bits: Config,
    pub accuracy: f64,
    pub cost: f64,
}

/// The non-dominated points (no other point is at least as accurate and at most as costly,
/// and better in one), by increasing cost; ties keep the first in input order.
pub fn pareto_front(points: &[FrontPoint]) -> Vec<FrontPoint> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| {
        let (p, q) = (&points[a], &points[b]);
        p.cost
            .total_cmp(&q.cost)
            .then(q.accuracy.total_cmp(&p.accuracy))
            .then(a.cmp(&b))
    });
    let mut front: Vec<FrontPoint> = Vec::new();
    for i in order {
        let p = &points[i];
        if front.last().is_none_or(|last| p.accuracy > last.accuracy) {
            front.push(p.clone());
        }
    }
    front
}

/// The cheapest cost that reaches `target` on a front (or any point set), if any does.
pub fn optimal_cost(points: &[FrontPoint], target: f64) -> Option<f64> {
    points
        .iter()
        .filter(|p| p.accuracy >= target)
        .map(|p| p.cost)
        .min_by(f64::total_cmp)
}

//! Baselines at a fixed number of accuracy evaluations, each a sequence of evaluated
//! configurations in the order it tried them: uniform precision, random search, and a
//! per-target REINFORCE agent in the manner of HAQ (one categorical policy per width,
//! rewarded by low cost when the target is met).

use super::space::{Config, Space};
use crate::nn::quant::{Bits, LEVELS, MAX_BITS, MIN_BITS};
use crate::util::Rng;

/// One evaluated configuration: its widths, measured accuracy and cost.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Trial {
    pub bits: Config,
    pub accuracy: f64,
    pub cost: f64,
}

/// Every layer at the same width, 2 to 8 bits (activations too when they vary).
pub fn uniform(space: Space, evaluate: &mut dyn FnMut(&[Bits]) -> (f64, f64)) -> Vec<Trial> {
    (MIN_BITS..=MAX_BITS)
        .map(|b| {
            let bits = vec![
                Bits {
                    w: b,
                    a: if space.activations { b } else { MAX_BITS },
                };
                space.depth
            ];
            let (accuracy, cost) = evaluate(&bits);
            Trial {
                bits,
                accuracy,
                cost,
            }
        })
        .collect()
}

/// `budget` configurations drawn by `Space::sample`.
pub fn random(
    space: Space,
    budget: usize,
    rng: &mut Rng,
    evaluate: &mut dyn FnMut(&[Bits]) -> (f64, f64),
) -> Vec<Trial> {
    (0..budget)
        .map(|_| {
            let bits = space.sample(rng);
            let (accuracy, cost) = evaluate(&bits);
            Trial {
                bits,
                accuracy,
                cost,
            }
        })
        .collect()
}

/// REINFORCE over independent per-width categorical policies, in batches of 8 with the
/// batch mean as baseline. Reward: `-cost / max_cost` when the target is met, else
/// `-1 - 10·(target - accuracy)`, so any feasible configuration beats any infeasible one.
pub fn reinforce(
    space: Space,
    target: f64,
    budget: usize,
    max_cost: f64,
    rng: &mut Rng,
    evaluate: &mut dyn FnMut(&[Bits]) -> (f64, f64),
) -> Vec<Trial> {
    const BATCH: usize = 8;
    const LR: f64 = 0.5;
    let widths = space.depth * space.per_layer();
    // Start from a preference for wide formats (HAQ's agent starts near full precision).
    let mut logits: Vec<[f64; LEVELS]> = vec![std::array::from_fn(|l| l as f64 * 0.3); widths];
    let mut trials = Vec::with_capacity(budget);
    while trials.len() < budget {
        let n = BATCH.min(budget - trials.len());
        let mut batch = Vec::with_capacity(n);
        for _ in 0..n {
            let levels: Vec<usize> = logits.iter().map(|l| sample(&softmax(l), rng)).collect();
            let bits = space.config(&levels);
            let (accuracy, cost) = evaluate(&bits);
            let reward = if accuracy >= target {
                -cost / max_cost.max(1e-12)
            } else {
                -1.0 - 10.0 * (target - accuracy)
            };
            batch.push((levels, reward));
            trials.push(Trial {
                bits,
                accuracy,
                cost,
            });
        }
        let mean = batch.iter().map(|(_, r)| r).sum::<f64>() / n as f64;
        for (levels, reward) in &batch {
            let advantage = reward - mean;
            for (w, &chosen) in levels.iter().enumerate() {
                let p = softmax(&logits[w]);
                for (l, logit) in logits[w].iter_mut().enumerate() {
                    let indicator = if l == chosen { 1.0 } else { 0.0 };
                    *logit += LR * advantage * (indicator - p[l]) / n as f64;
                }
            }
        }
    }
    trials
}

fn softmax(logits: &[f64; LEVELS]) -> [f64; LEVELS] {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut p = logits.map(|l| (l - max).exp());
    let sum: f64 = p.iter().sum();
    p.iter_mut().for_each(|v| *v /= sum);
    p
}

fn sample(p: &[f64; LEVELS], rng: &mut Rng) -> usize {
    let mut u = rng.unit();
    for (i, &pi) in p.iter().enumerate() {
        if u < pi {
            return i;
        }
        u -= pi;
    }
    LEVELS - 1
}

/// The cheapest trial that reaches `target`, if any (the first on ties).
pub fn cheapest_feasible(trials: &[Trial], target: f64) -> Option<&Trial> {
    trials.iter().filter(|t| t.accuracy >= target).fold(
        None,
        |best: Option<&Trial>, t| match best {
            Some(b) if b.cost <= t.cost => Some(b),
            _ => Some(t),
        },
    )
}

/// The number of evaluations after which the cheapest feasible trial so far costs at most
/// `(1 + tolerance)·optimum`, if that happens.
pub fn evaluations_to_reach(
    trials: &[Trial],
    target: f64,
    optimum: f64,
    tolerance: f64,
) -> Option<usize> {
    trials
        .iter()
        .position(|t| t.accuracy >= target && t.cost <= optimum * (1.0 + tolerance))
        .map(|i| i + 1)
}

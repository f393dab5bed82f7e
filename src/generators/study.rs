//! The bench study: on the exhaustively enumerated weight-only space of a bench model, how
//! close generated configurations come to their target accuracy, how far the chosen one is
//! from the exact Pareto front (model size), and how many accuracy evaluations each method
//! needs to get within 1 % of the optimal cost — the GAN (its training pairs amortised over
//! all targets) against per-target REINFORCE and random search.

use super::baselines::{self, Trial};
use super::gan::{Gan, GanOptions};
use super::space::{optimal_cost, pareto_front, size_bits, FrontPoint, Pair, Space};
use crate::nn::quant::Bits;
use crate::util::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct StudyOptions {
    pub pairs: usize,
    pub gan: GanOptions,
    pub targets: Vec<f64>,
    pub candidates: usize,
    /// Accuracy evaluations per target for random search and REINFORCE.
    pub budget: usize,
    pub seed: u64,
}

/// One method at one target.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MethodResult {
    pub method: &'static str,
    /// Cost of the cheapest configuration that met the target, if one did.
    pub chosen_cost: Option<f64>,
    /// `chosen_cost / optimum - 1`.
    pub regret: Option<f64>,
    /// Accuracy evaluations until within 1 % of the optimum (GAN: its share of training
    /// pairs plus the candidates up to that point).
    pub evaluations_to_1pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TargetResult {
    pub target: f64,
    pub optimum: Option<f64>,
    /// |measured accuracy - target| over the GAN's candidates: mean and 90th percentile.
    pub gan_error_mean: f64,
    pub gan_error_p90: f64,
    pub methods: Vec<MethodResult>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Study {
    pub space_size: usize,
    pub front: Vec<FrontPoint>,
    pub training_pairs: usize,
    pub targets: Vec<TargetResult>,
}

/// Runs the study on a model of `weight_counts` whose accuracy `measure` returns.
pub fn run(
    weight_counts: &[usize],
    measure: &dyn Fn(&[Bits]) -> f64,
    opts: &StudyOptions,
) -> Study {
    let depth = weight_counts.len();
    let space = Space {
        depth,
        activations: false,
    };
    let all: Vec<FrontPoint> = Space::all_weight_only(depth)
        .into_iter()
        .map(|bits| FrontPoint {
            accuracy: measure(&bits),
            cost: size_bits(&bits, weight_counts) as f64,
            bits,
        })
        .collect();
    let lookup = |bits: &[Bits]| -> (f64, f64) {
        let index = space
            .levels(bits)
            .iter()
            .rev()
            .fold(0, |n, &l| n * crate::nn::quant::LEVELS + l);
        (all[index].accuracy, all[index].cost)
    };
    let mut rng = Rng::new(opts.seed);
    let pairs: Vec<Pair> = (0..opts.pairs)
        .map(|_| {
            let bits = space.sample(&mut rng);
            Pair {
                accuracy: lookup(&bits).0,
                bits,
            }
        })
        .collect();
    let gan = Gan::train(space, &pairs, opts.gan, opts.seed);
    let amortised = opts.pairs as f64 / opts.targets.len().max(1) as f64;
    let max_cost = all.iter().map(|p| p.cost).fold(0.0, f64::max);
    let targets = opts
        .targets
        .iter()
        .map(|&target| {
            let optimum = optimal_cost(&all, target);
            let mut eval = |b: &[Bits]| lookup(b);
            let gan_trials: Vec<Trial> = gan
                .sample(target, opts.candidates, &mut rng)
                .into_iter()
                .map(|bits| {
                    let (accuracy, cost) = lookup(&bits);
                    Trial {
                        bits,
                        accuracy,
                        cost,
                    }
                })
                .collect();
            let mut errors: Vec<f64> = gan_trials
                .iter()
                .map(|t| (t.accuracy - target).abs())
                .collect();
            errors.sort_by(f64::total_cmp);
            let runs = [
                ("gan", gan_trials, amortised),
                ("uniform", baselines::uniform(space, &mut eval), 0.0),
                (
                    "random",
                    baselines::random(space, opts.budget, &mut rng, &mut eval),
                    0.0,
                ),
                (
                    "reinforce",
                    baselines::reinforce(space, target, opts.budget, max_cost, &mut rng, &mut eval),
                    0.0,
                ),
            ];
            let methods = runs
                .iter()
                .map(|(method, trials, offset)| {
                    let chosen = baselines::cheapest_feasible(trials, target).map(|t| t.cost);
                    MethodResult {
                        method,
                        chosen_cost: chosen,
                        regret: chosen.zip(optimum).map(|(c, o)| c / o - 1.0),
                        evaluations_to_1pct: optimum.and_then(|o| {
                            baselines::evaluations_to_reach(trials, target, o, 0.01)
                                .map(|n| n as f64 + offset)
                        }),
                    }
                })
                .collect();
            TargetResult {
                target,
                optimum,
                gan_error_mean: errors.iter().sum::<f64>() / errors.len().max(1) as f64,
                gan_error_p90: percentile(&errors, 0.9),
                methods,
            }
        })
        .collect();
    Study {
        space_size: all.len(),
        front: pareto_front(&all),
        training_pairs: opts.pairs,
        targets,
    }
}

/// The `q` quantile of sorted `xs` (nearest rank), 0 when empty.
pub fn percentile(xs: &[f64], q: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let rank = ((q * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
    xs[rank - 1]
}

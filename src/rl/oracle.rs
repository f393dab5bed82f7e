//! The exhaustive oracle: every routing at every rate over several seeds, the mean latency
//! with a 95% confidence interval (Student's t), and the best routing per state — or a tie
//! when the best one's interval overlaps another unsaturated routing's, or when the best one
//! saturates too. Tied states are not counted when a learned policy is compared with the
//! oracle.

use rayon::prelude::*;

use super::env::{RoutingSetup, ACTIONS};
use crate::noc::sim;

/// One routing at one rate over the oracle's seeds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ActionStats {
    /// Mean latency (a saturated seed counts `cycles`, as in the reward).
    pub mean: f64,
    /// Half-width of the 95% confidence interval of the mean.
    pub half_width: f64,
    /// Saturated in at least one seed.
    pub saturated: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct OracleState {
    pub rate: f64,
    /// Per action, in `ACTIONS` order.
    pub actions: Vec<ActionStats>,
    /// The action of lowest mean latency.
    pub best: usize,
    pub tie: bool,
}

/// Two-sided 95% quantiles of Student's t for 1..=30 degrees of freedom.
const T95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// Mean and 95% half-width of `xs` (half-width 0 for fewer than two values).
pub fn mean_interval(xs: &[f64]) -> (f64, f64) {
    let n = xs.len();
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let t = T95.get(n - 2).copied().unwrap_or(1.96);
    (mean, t * (var / n as f64).sqrt())
}

/// The seeds of the oracle's runs, apart from the ones training draws.
pub fn oracle_seed(setup: &RoutingSetup, i: usize) -> u64 {
    setup
        .seed
        .wrapping_mul(1_000_003)
        .wrapping_add(0x05EED ^ i as u64)
}

/// Best action and tie of one state.
pub fn judge(actions: &[ActionStats]) -> (usize, bool) {
    let best = (0..actions.len())
        .min_by(|&a, &b| actions[a].mean.total_cmp(&actions[b].mean))
        .unwrap_or(0);
    let b = &actions[best];
    // A routing saturated in some seed is worse than one that never saturates, however wide
    // its interval; when the best one saturates too, nothing separates them.
    let tie = b.saturated
        || actions.iter().enumerate().any(|(i, a)| {
            i != best && !a.saturated && (a.mean - b.mean).abs() <= a.half_width + b.half_width
        });
    (best, tie)
}

/// Run every state, action and seed (in parallel; results in order, so the same at any
/// thread count) and judge each state.
pub fn oracle(setup: &RoutingSetup, seeds: usize) -> Vec<OracleState> {
    let runs: Vec<(usize, usize, usize)> = (0..setup.rates.len())
        .flat_map(|s| (0..ACTIONS.len()).flat_map(move |a| (0..seeds).map(move |i| (s, a, i))))
        .collect();
    let latencies: Vec<(f64, bool)> = runs
        .par_iter()
        .map(
            |&(s, a, i)| match sim::run(&setup.sim_config(s, a, oracle_seed(setup, i))) {
                Ok(stats) => (setup.latency(&stats), stats.saturated),
                Err(_) => (setup.cycles as f64, true),
            },
        )
        .collect();
    let per_state = ACTIONS.len() * seeds;
    (0..setup.rates.len())
        .map(|s| {
            let actions: Vec<ActionStats> = (0..ACTIONS.len())
                .map(|a| {
                    let start = s * per_state + a * seeds;
                    let runs = &latencies[start..start + seeds];
                    let xs: Vec<f64> = runs.iter().map(|r| r.0).collect();
                    let (mean, half_width) = mean_interval(&xs);
                    ActionStats {
                        mean,
                        half_width,
                        saturated: runs.iter().any(|r| r.1),
                    }
                })
                .collect();
            let (best, tie) = judge(&actions);
            OracleState {
                rate: setup.rates[s],
                actions,
                best,
                tie,
            }
        })
        .collect()
}

//! The AQGAN flow behind `dfc quantize`: measured pairs (from the bench or a user's file) →
//! a conditional GAN → K candidates for the target → each costed on the user's mapping and
//! measured (or predicted from the pairs) → the cheapest that meets the target, with the
//! baselines at the same number of accuracy evaluations.

use super::baselines::{self, Trial};
use super::bench::Bench;
use super::gan::{Gan, GanOptions};
use super::hardware::{CostTable, Objective};
use super::space::{pareto_front, Config, FrontPoint, Pair, Space};
use crate::diagnostics::Diagnostic;
use crate::nn::quant::{Bits, MAX_BITS};
use crate::util::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub target: f64,
    pub objective: Objective,
    pub candidates: usize,
    pub seed: u64,
    pub gan: GanOptions,
    /// Pairs measured on the bench to train the GAN.
    pub bench_pairs: usize,
}

/// One layer's widths, named.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerBits {
    pub layer: String,
    pub w: u32,
    pub a: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Candidate {
    pub bits: Vec<LayerBits>,
    pub accuracy: f64,
    /// True when measured (bench or `--evaluate`), false when predicted from the pairs.
    pub measured: bool,
    pub runtime_cycles: i64,
    pub energy_pj: f64,
    pub size_bits: u64,
    pub feasible: bool,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Baseline {
    pub method: &'static str,
    pub evaluations: usize,
    /// The cheapest configuration it found that meets the target, if any.
    pub chosen: Option<Candidate>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Report {
    pub target_accuracy: f64,
    pub objective: Objective,
    pub training_pairs: usize,
    /// The bench model's float accuracy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub float_accuracy: Option<f64>,
    pub candidates: Vec<Candidate>,
    /// The cheapest feasible candidate, or the most accurate when none is feasible.
    pub chosen: Option<Candidate>,
    pub reachable: bool,
    pub baselines: Vec<Baseline>,
    /// Bench only: the exact front of the weight-only space (activations at 8 bits).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pareto_front: Option<Vec<FrontPoint>>,
    /// Bench only: chosen cost over the cheapest weight-only configuration meeting the
    /// target, minus one (negative when narrower activations beat the weight-only front).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regret: Option<f64>,
    #[serde(skip)]
    pub chosen_bits: Option<Config>,
}

/// How candidates get their accuracy: measured by the caller (bench or command, which may
/// fail with a diagnostic naming the candidate), or predicted from the pairs.
pub type Measure<'a> = dyn FnMut(usize, &[Bits]) -> Result<f64, Diagnostic> + 'a;

/// Mean accuracy of the 5 pairs nearest in total level distance (an exact match is
/// returned as is).
pub fn predict(space: Space, pairs: &[Pair], bits: &[Bits]) -> f64 {
    let levels = space.levels(bits);
    let mut scored: Vec<(usize, f64)> = pairs
        .iter()
        .map(|p| {
            let d = space
                .levels(&p.bits)
                .iter()
                .zip(&levels)
                .map(|(a, b)| a.abs_diff(*b))
                .sum();
            (d, p.accuracy)
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    if let Some(&(0, acc)) = scored.first() {
        return acc;
    }
    let near = &scored[..scored.len().min(5)];
    near.iter().map(|s| s.1).sum::<f64>() / near.len().max(1) as f64
}

/// Pairs measured on the bench: `n` configurations sampled from the full space;
/// `done(k)` is called after each.
pub fn bench_pairs(bench: &Bench, n: usize, rng: &mut Rng, done: &dyn Fn(usize)) -> Vec<Pair> {
    let space = Space {
        depth: bench.quantized.depth(),
        activations: true,
    };
    (0..n)
        .map(|k| {
            let bits = space.sample(rng);
            let accuracy = bench.accuracy(&bits);
            done(k + 1);
            Pair { accuracy, bits }
        })
        .collect()
}

/// Runs the flow on `pairs`; `measure` gives each candidate's accuracy (`measured` says
/// whether it is a measurement). `front` is the bench's weight-only accuracy table, when any.
pub fn run(
    request: &Request,
    pairs: &[Pair],
    costs: &CostTable,
    measure: &mut Measure,
    measured: bool,
    front: Option<&[(Config, f64)]>,
) -> Result<Report, Diagnostic> {
    let space = Space {
        depth: costs.layers.len(),
        activations: true,
    };
    let gan = Gan::train(space, pairs, request.gan, request.seed);
    let mut rng = Rng::new(request.seed ^ 0xa9a9);
    let configs = gan.sample(request.target, request.candidates, &mut rng);
    let candidate = |bits: &[Bits], accuracy: f64| {
        let cost = costs.cost(bits);
        Candidate {
            bits: costs
                .layers
                .iter()
                .zip(bits)
                .map(|(layer, b)| LayerBits {
                    layer: layer.clone(),
                    w: b.w,
                    a: b.a,
                })
                .collect(),
            accuracy,
            measured,
            runtime_cycles: cost.runtime_cycles,
            energy_pj: cost.energy_pj,
            size_bits: cost.size_bits,
            feasible: accuracy >= request.target,
        }
    };
    let mut evaluated = 0;
    let mut candidates = Vec::with_capacity(configs.len());
    for bits in &configs {
        let accuracy = measure(evaluated, bits)?;
        evaluated += 1;
        candidates.push(candidate(bits, accuracy));
    }
    let objective = request.objective;
    let value = |c: &Candidate| costs.cost(&to_bits(c)).value(objective);
    let feasible = candidates.iter().filter(|c| c.feasible);
    let cheapest = feasible.fold(None, |best: Option<&Candidate>, c| match best {
        Some(b) if value(b) <= value(c) => Some(b),
        _ => Some(c),
    });
    let reachable = cheapest.is_some();
    let chosen = cheapest.or_else(|| {
        candidates
            .iter()
            .fold(None, |best: Option<&Candidate>, c| match best {
                Some(b) if b.accuracy >= c.accuracy => Some(b),
                _ => Some(c),
            })
    });
    let chosen = chosen.cloned();
    // Baselines at the GAN's number of accuracy evaluations.
    let budget = request.candidates;
    let mut eval = |b: &[Bits]| -> Result<(f64, f64), Diagnostic> {
        let acc = measure(evaluated, b)?;
        evaluated += 1;
        Ok((acc, costs.cost(b).value(objective)))
    };
    let mut error = None;
    let mut wrapped = |b: &[Bits]| match eval(b) {
        Ok(x) => x,
        Err(d) => {
            error.get_or_insert(d);
            (0.0, f64::INFINITY)
        }
    };
    let max_cost = costs
        .cost(&vec![
            Bits {
                w: MAX_BITS,
                a: MAX_BITS
            };
            space.depth
        ])
        .value(objective);
    let runs: [(&'static str, Vec<Trial>); 3] = [
        ("uniform", baselines::uniform(space, &mut wrapped)),
        (
            "random",
            baselines::random(space, budget, &mut rng, &mut wrapped),
        ),
        (
            "reinforce",
            baselines::reinforce(
                space,
                request.target,
                budget,
                max_cost,
                &mut rng,
                &mut wrapped,
            ),
        ),
    ];
    if let Some(d) = error {
        return Err(d);
    }
    let baselines = runs
        .iter()
        .map(|(method, trials)| Baseline {
            method,
            evaluations: trials.len(),
            chosen: baselines::cheapest_feasible(trials, request.target)
                .map(|t| candidate(&t.bits, t.accuracy)),
        })
        .collect();
    let (pareto, regret) = match front {
        Some(table) => {
            let points: Vec<FrontPoint> = table
                .iter()
                .map(|(bits, accuracy)| FrontPoint {
                    bits: bits.clone(),
                    accuracy: *accuracy,
                    cost: costs.cost(bits).value(objective),
                })
                .collect();
            let optimum = super::space::optimal_cost(&points, request.target);
            let regret = chosen
                .as_ref()
                .filter(|c| c.feasible)
                .zip(optimum)
                .map(|(c, o)| value(c) / o - 1.0);
            (Some(pareto_front(&points)), regret)
        }
        None => (None, None),
    };
    Ok(Report {
        target_accuracy: request.target,
        objective,
        training_pairs: pairs.len(),
        float_accuracy: None,
        chosen_bits: chosen.as_ref().map(to_bits),
        candidates,
        chosen,
        reachable,
        baselines,
        pareto_front: pareto,
        regret,
    })
}

fn to_bits(c: &Candidate) -> Config {
    c.bits.iter().map(|b| Bits { w: b.w, a: b.a }).collect()
}

//! The co-exploration flow on plain data: default specs from random designs, the REINFORCE
//! loop (a design that breaks a spec, or cannot be built, is penalised without training; the
//! others have their networks trained and measured), and the successive baseline (networks
//! by accuracy alone, then the best hardware for them).

use std::collections::{BTreeMap, BTreeSet};

use super::controller::Policy;
use super::design::{Accelerator, Design, JointSpace, Sub};
use super::evaluate::{Evaluation, Evaluator, Specs, Unbuildable};
use crate::generators::nas::space::{Architecture, Space};
use crate::generators::nas::task::Metric;
use crate::util::Rng;

/// Random designs the default specs are taken from.
pub const SPEC_SAMPLES: usize = 1000;
/// Reward of a design that cannot be built (shares over budget, a layer that cannot run).
pub const UNBUILDABLE_REWARD: f64 = -2.0;
/// The paper's successive-vs-NASAIC figures (arXiv 2002.04116): latency 17.77 % lower,
/// energy 2.49× and area 2.32× smaller, accuracy 0.76 % (points) lower.
pub const PAPER: Paper = Paper {
    latency_reduction_percent: 17.77,
    energy_ratio: 2.49,
    area_ratio: 2.32,
    accuracy_loss_percent: 0.76,
};

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Paper {
    pub latency_reduction_percent: f64,
    pub energy_ratio: f64,
    pub area_ratio: f64,
    pub accuracy_loss_percent: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// User specs; all `None` takes the default ones.
    pub specs: Specs,
    /// Designs sampled by the controller.
    pub episodes: usize,
    /// Designs per controller update.
    pub batch: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Per task, what a regression's mean squared error is divided by to give its reward
    /// term `1 − mse / reference` (the test targets' variance); unused for accuracy.
    pub references: Vec<f64>,
}

/// Trains and measures networks of one task's space: one metric per architecture, in order.
pub type Measure<'a> = dyn FnMut(&Space, &[Architecture]) -> Vec<f64> + 'a;

/// Every metric measured so far, per task, so an architecture is trained once.
struct Measured<'m, 'a> {
    metrics: Vec<BTreeMap<Architecture, f64>>,
    measure: &'m mut Measure<'a>,
}

impl Measured<'_, '_> {
    /// Measures the architectures of `task` not yet measured.
    fn ensure(&mut self, space: &Space, task: usize, archs: &[Architecture]) {
        let missing: BTreeSet<Architecture> = archs
            .iter()
            .filter(|a| !self.metrics[task].contains_key(*a))
            .cloned()
            .collect();
        if missing.is_empty() {
            return;
        }
        let missing: Vec<Architecture> = missing.into_iter().collect();
        let values = (self.measure)(space, &missing);
        self.metrics[task].extend(missing.into_iter().zip(values));
    }

    fn get(&self, task: usize, arch: &Architecture) -> f64 {
        self.metrics[task].get(arch).copied().unwrap_or(f64::NAN)
    }
}

/// One chosen network.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Network {
    pub task: &'static str,
    #[serde(serialize_with = "super::serialize_display")]
    pub architecture: Architecture,
    pub metric_name: &'static str,
    pub metric: f64,
    pub params: u64,
    pub macs: u64,
}

/// One sub-accelerator as reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SubReport {
    pub dataflow: &'static str,
    pub pes: u64,
    pub noc_bandwidth_bytes_per_cycle: u64,
    pub l2_bytes: u64,
    /// The tasks whose networks run here.
    pub tasks: Vec<&'static str>,
}

/// A design with its measured networks and costs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Solution {
    #[serde(skip)]
    pub design: Design,
    pub networks: Vec<Network>,
    pub accelerator: Vec<SubReport>,
    pub evaluation: Evaluation,
    /// The specs it breaks (empty when it meets them all).
    pub violations: Vec<&'static str>,
    /// Networks trained to find it.
    pub trained: usize,
}

/// The successive baseline against NASAIC: `successive / nasaic` for latency, energy and
/// area, and the mean metric of NASAIC's networks minus the successive ones'.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    pub latency_ratio: f64,
    pub energy_ratio: f64,
    pub area_ratio: f64,
    pub metric_delta: f64,
    pub paper: Paper,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    pub specs: Specs,
    /// Whether the specs are the defaults (medians of `SPEC_SAMPLES` random designs).
    pub default_specs: bool,
    pub episodes: usize,
    /// Sampled designs that could be built, and those that met every spec (only these were
    /// trained).
    pub buildable: usize,
    pub meeting_specs: usize,
    pub nasaic: Option<Solution>,
    pub successive: Solution,
    pub comparison: Option<Comparison>,
}

/// A median: the middle value of the sorted list (the lower one of an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len().saturating_sub(1) / 2).copied()
}

/// The medians of latency, energy and area over `SPEC_SAMPLES` uniform random designs that
/// can be built.
pub fn default_specs(evaluator: &Evaluator, seed: u64) -> Specs {
    let groups = evaluator.space.groups();
    let mut rng = Rng::new(seed ^ 0x7370_6563);
    let evaluations: Vec<Evaluation> = (0..SPEC_SAMPLES)
        .filter_map(|_| {
            let levels: Vec<usize> = groups.iter().map(|&g| rng.below(g)).collect();
            evaluator.evaluate(&evaluator.space.decode(&levels)).ok()
        })
        .collect();
    let of = |f: fn(&Evaluation) -> f64| median(evaluations.iter().map(f).collect());
    Specs {
        latency_cycles: of(|e| e.latency_cycles),
        energy_pj: of(|e| e.energy_pj),
        area_mm2: of(|e| e.area_mm2),
    }
}

/// Lower bounds of latency, energy and area over the whole joint space: a spec below one is
/// met by no design.
pub fn lower_bounds(evaluator: &Evaluator) -> Evaluation {
    let space = &evaluator.space;
    let mut latency: f64 = 0.0;
    let mut energy = 0.0;
    for (task, task_space) in space.spaces.iter().enumerate() {
        let (mut fastest, mut leanest) = (f64::INFINITY, f64::INFINITY);
        for arch in task_space.all() {
            for sub in Sub::all() {
                if let Ok(c) = evaluator.network_costs(task, &arch, sub) {
                    fastest = fastest.min(c.runtime_cycles as f64);
                    leanest = leanest.min(c.energy_pj);
                }
            }
        }
        latency = latency.max(fastest);
        energy += leanest;
    }
    let smallest = Accelerator {
        subs: vec![Sub {
            template: 0,
            pe_share: 0,
            bandwidth_share: 0,
        }],
        assignment: vec![0; space.spaces.len()],
    };
    Evaluation {
        latency_cycles: latency,
        energy_pj: energy,
        area_mm2: super::area::area_mm2(&smallest, &space.budget),
    }
}

/// A task's reward term: accuracy, or `1 − mse / reference`.
fn term(metric: Metric, value: f64, reference: f64) -> f64 {
    match metric {
        Metric::Accuracy => value,
        Metric::Mse => 1.0 - value / reference,
    }
}

/// The penalty of a design that breaks specs: −1 minus its relative excess over each broken
/// spec (capped, so the worst is `UNBUILDABLE_REWARD`).
fn penalty(specs: &Specs, evaluation: &Evaluation) -> f64 {
    let excess = |bound: Option<f64>, value: f64| bound.map_or(0.0, |b| (value / b - 1.0).max(0.0));
    let total = excess(specs.latency_cycles, evaluation.latency_cycles)
        + excess(specs.energy_pj, evaluation.energy_pj)
        + excess(specs.area_mm2, evaluation.area_mm2);
    (-1.0 - total).max(UNBUILDABLE_REWARD)
}

fn solution(
    evaluator: &Evaluator,
    design: &Design,
    evaluation: Evaluation,
    specs: &Specs,
    measured: &Measured,
    trained: usize,
) -> Solution {
    let space = &evaluator.space;
    let budget = &space.budget;
    let networks = design
        .networks
        .iter()
        .zip(&space.spaces)
        .enumerate()
        .map(|(task, (arch, s))| Network {
            task: s.task.name(),
            architecture: arch.clone(),
            metric_name: s.task.metric().name(),
            metric: measured.get(task, arch),
            params: s.params(arch),
            macs: s.macs(arch),
        })
        .collect();
    let accelerator = design
        .accelerator
        .subs
        .iter()
        .enumerate()
        .map(|(i, sub)| SubReport {
            dataflow: sub.template_name(),
            pes: sub.pes(budget),
            noc_bandwidth_bytes_per_cycle: sub.bandwidth(budget),
            l2_bytes: sub.pes(budget) * super::design::L2_BYTES_PER_PE,
            tasks: design
                .accelerator
                .assignment
                .iter()
                .zip(&space.spaces)
                .filter(|(&a, _)| a == i)
                .map(|(_, s)| s.task.name())
                .collect(),
        })
        .collect();
    Solution {
        design: design.clone(),
        networks,
        accelerator,
        evaluation,
        violations: specs.violations(&evaluation),
        trained,
    }
}

/// Weight of the hardware term of a spec-meeting design's reward.
pub const HARDWARE_WEIGHT: f64 = 0.1;

/// The hardware term: the mean over the bounded specs of `value / spec` (at most 1 when the
/// specs are met), so that among equally accurate designs the leaner one earns more.
fn hardware_term(specs: &Specs, evaluation: &Evaluation) -> f64 {
    let ratios: Vec<f64> = [
        (specs.latency_cycles, evaluation.latency_cycles),
        (specs.energy_pj, evaluation.energy_pj),
        (specs.area_mm2, evaluation.area_mm2),
    ]
    .into_iter()
    .filter_map(|(bound, value)| bound.map(|b| value / b))
    .collect();
    ratios.iter().sum::<f64>() / ratios.len().max(1) as f64
}

/// The reward of a spec-meeting design: the mean reward term of its networks (all
/// measured) minus `HARDWARE_WEIGHT` times its hardware term.
fn reward(
    space: &JointSpace,
    design: &Design,
    evaluation: &Evaluation,
    specs: &Specs,
    measured: &Measured,
    references: &[f64],
) -> f64 {
    score(space, design, measured, references) - HARDWARE_WEIGHT * hardware_term(specs, evaluation)
}

/// The mean reward term of a design's networks (all measured).
fn score(space: &JointSpace, design: &Design, measured: &Measured, references: &[f64]) -> f64 {
    let terms: Vec<f64> = design
        .networks
        .iter()
        .zip(&space.spaces)
        .enumerate()
        .map(|(task, (arch, s))| {
            let reference = references.get(task).copied().unwrap_or(1.0);
            term(s.task.metric(), measured.get(task, arch), reference)
        })
        .collect();
    terms.iter().sum::<f64>() / terms.len().max(1) as f64
}

/// The REINFORCE search. Returns the best design that met the specs (by mean reward term,
/// the first on ties), the counts, and the distinct networks trained per task.
fn reinforce(
    evaluator: &Evaluator,
    request: &Request,
    specs: &Specs,
    measured: &mut Measured,
) -> (Option<(Design, Evaluation)>, usize, usize) {
    let space = &evaluator.space;
    let mut policy = Policy::new(&space.groups(), request.learning_rate, 0.9);
    let mut rng = Rng::new(request.seed);
    let (mut buildable, mut meeting) = (0, 0);
    let mut best: Option<(f64, Design, Evaluation)> = None;
    let mut done = 0;
    while done < request.episodes {
        let size = request.batch.max(1).min(request.episodes - done);
        done += size;
        let samples: Vec<(Vec<usize>, Design)> = (0..size)
            .map(|_| {
                let levels = policy.sample(&mut rng);
                let design = space.decode(&levels);
                (levels, design)
            })
            .collect();
        let verdicts: Vec<Result<Evaluation, Unbuildable>> =
            samples.iter().map(|(_, d)| evaluator.evaluate(d)).collect();
        let meets = |v: &Result<Evaluation, Unbuildable>| {
            v.as_ref().is_ok_and(|e| specs.violations(e).is_empty())
        };
        // Only spec-meeting designs are trained, one call per task for the whole batch.
        for (task, task_space) in space.spaces.iter().enumerate() {
            let archs: Vec<Architecture> = samples
                .iter()
                .zip(&verdicts)
                .filter(|(_, v)| meets(v))
                .map(|((_, d), _)| d.networks[task].clone())
                .collect();
            measured.ensure(task_space, task, &archs);
        }
        let mut batch = Vec::new();
        for ((levels, design), verdict) in samples.into_iter().zip(verdicts) {
            let reward = match &verdict {
                Err(_) => UNBUILDABLE_REWARD,
                Ok(e) if !specs.violations(e).is_empty() => {
                    buildable += 1;
                    penalty(specs, e)
                }
                Ok(e) => {
                    buildable += 1;
                    meeting += 1;
                    let r = reward(space, &design, e, specs, measured, &request.references);
                    if best.as_ref().is_none_or(|(b, _, _)| r > *b) {
                        best = Some((r, design, *e));
                    }
                    r
                }
            };
            batch.push((levels, reward));
        }
        policy.update(&batch);
    }
    (best.map(|(_, d, e)| (d, e)), buildable, meeting)
}

/// The best hardware for fixed networks: every one-sub-accelerator design (both networks on
/// it) and, for two tasks, every two-sub-accelerator design (one network each) within the
/// budget; among those that meet the specs the one of least energy-delay product, else the
/// least energy-delay product overall.
fn best_hardware(
    evaluator: &Evaluator,
    networks: &[Architecture],
    specs: &Specs,
) -> Option<(Design, Evaluation)> {
    let tasks = networks.len();
    let mut candidates: Vec<Accelerator> = Sub::all()
        .into_iter()
        .map(|s| Accelerator {
            subs: vec![s],
            assignment: vec![0; tasks],
        })
        .collect();
    if tasks == 2 {
        for a in Sub::all() {
            for b in Sub::all() {
                candidates.push(Accelerator {
                    subs: vec![a, b],
                    assignment: vec![0, 1],
                });
            }
        }
    }
    let mut best: Option<(bool, f64, Design, Evaluation)> = None;
    for accelerator in candidates {
        let design = Design {
            networks: networks.to_vec(),
            accelerator,
        };
        let Ok(e) = evaluator.evaluate(&design) else {
            continue;
        };
        let meets = specs.violations(&e).is_empty();
        let better = match &best {
            None => true,
            Some((best_meets, edp, _, _)) => {
                (meets && !best_meets) || (meets == *best_meets && e.edp() < *edp)
            }
        };
        if better {
            best = Some((meets, e.edp(), design, e));
        }
    }
    best.map(|(_, _, d, e)| (d, e))
}

/// Successive design: per task, random search for the best metric over as many distinct
/// networks as NASAIC trained for it (at least one), then `best_hardware`.
fn successive(
    evaluator: &Evaluator,
    request: &Request,
    specs: &Specs,
    trained_per_task: &[usize],
    measured: &mut Measured,
) -> Option<(Design, Evaluation, usize)> {
    let space = &evaluator.space;
    let mut rng = Rng::new(request.seed ^ 0x7375_6363);
    let mut networks = Vec::new();
    let mut trained = 0;
    for (task, task_space) in space.spaces.iter().enumerate() {
        let want = trained_per_task[task].max(1);
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        for _ in 0..want * 50 {
            if order.len() == want {
                break;
            }
            let a = task_space.sample(&mut rng);
            if seen.insert(a.clone()) {
                order.push(a);
            }
        }
        measured.ensure(task_space, task, &order);
        trained += order.len();
        let metric = task_space.task.metric();
        let best = order
            .iter()
            .fold(None, |acc: Option<&Architecture>, a| match acc {
                Some(b) if !metric.better(measured.get(task, a), measured.get(task, b)) => Some(b),
                _ => Some(a),
            })?;
        networks.push(best.clone());
    }
    let (design, evaluation) = best_hardware(evaluator, &networks, specs)?;
    Some((design, evaluation, trained))
}

/// Runs NASAIC and the successive baseline. `None` when not even the successive networks
/// run on any hardware configuration.
pub fn run(evaluator: &Evaluator, request: &Request, measure: &mut Measure) -> Option<Outcome> {
    let space = &evaluator.space;
    let default = request.specs == Specs::default();
    let specs = if default {
        default_specs(evaluator, request.seed)
    } else {
        request.specs
    };
    let mut measured = Measured {
        metrics: vec![BTreeMap::new(); space.spaces.len()],
        measure,
    };
    let (best, buildable, meeting) = reinforce(evaluator, request, &specs, &mut measured);
    let trained_per_task: Vec<usize> = measured.metrics.iter().map(BTreeMap::len).collect();
    let nasaic_trained = trained_per_task.iter().sum();
    let nasaic = best.map(|(d, e)| solution(evaluator, &d, e, &specs, &measured, nasaic_trained));
    let (design, evaluation, trained) =
        successive(evaluator, request, &specs, &trained_per_task, &mut measured)?;
    let successive = solution(evaluator, &design, evaluation, &specs, &measured, trained);
    let comparison = nasaic.as_ref().map(|n| {
        let mean = |s: &Solution| {
            s.networks.iter().map(|m| m.metric).sum::<f64>() / s.networks.len().max(1) as f64
        };
        Comparison {
            latency_ratio: successive.evaluation.latency_cycles / n.evaluation.latency_cycles,
            energy_ratio: successive.evaluation.energy_pj / n.evaluation.energy_pj,
            area_ratio: successive.evaluation.area_mm2 / n.evaluation.area_mm2,
            metric_delta: mean(n) - mean(&successive),
            paper: PAPER,
        }
    });
    Some(Outcome {
        specs,
        default_specs: default,
        episodes: request.episodes,
        buildable,
        meeting_specs: meeting,
        nasaic,
        successive,
        comparison,
    })
}

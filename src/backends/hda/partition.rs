//! Design-time partitioning: split a PE and on-chip bandwidth budget between 2–3
//! sub-accelerators on a grid, schedule the workload on each split with HERALD, and keep the
//! best design and the latency/energy Pareto set, as the HERALD paper (Kwon et al.,
//! "Heterogeneous Dataflow Accelerators for Multi-DNN Workloads", HPCA 2021) explores designs.
//!
//! Every split is first scheduled by a screening pass (the heuristic without its final
//! reassignment polish); the best few splits and the screening Pareto set are then scheduled
//! with the full heuristic, and the best design and Pareto set are taken over the updated
//! values. Candidates are independent, so they run in parallel (rayon); results are collected
//! in enumeration order and every choice breaks ties by that order, so the outcome does not
//! depend on the number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::herald::{herald_plan_with, Knobs};
use super::instance::{Instance, Plan};
use super::{CostTable, HdaError, Objective, Platform, Schedule, SubAccel, Workload};

/// What to enumerate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionSpec {
    /// Each entry is one choice of dataflow styles, one per sub-accelerator (1–3 of them; a
    /// single style is the monolithic design with the whole budget).
    pub style_sets: Vec<Vec<String>>,
    pub total_pes: u32,
    /// On-chip bandwidth budget split between the sub-accelerators, bytes per cycle.
    pub total_noc_bw: f64,
    /// Split in proportion to PEs.
    pub global_buffer_bytes: u64,
    /// Shared by all sub-accelerators at run time.
    pub dram_bw: f64,
    pub clock_hz: Option<f64>,
    /// Grid: PEs are split in units of `total_pes / pe_steps` (HERALD-like default 16).
    pub pe_steps: u32,
    /// Grid: bandwidth is split in units of `total_noc_bw / bw_steps` (default 8).
    pub bw_steps: u32,
    pub objective: Objective,
}

/// One evaluated split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignPoint {
    pub sub_accels: Vec<SubAccel>,
    pub makespan: f64,
    pub energy: f64,
    pub edp: f64,
    /// The spec's objective.
    pub value: f64,
    /// Scheduled with the full heuristic (top and Pareto designs), not only the screening
    /// pass; see [`partition`].
    pub refined: bool,
}

/// A split with its full schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub platform: Platform,
    pub schedule: Schedule,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartitionResult {
    /// Lowest objective value; the first in enumeration order on ties.
    pub best: Design,
    /// Non-dominated in (makespan, energy), by increasing makespan.
    pub pareto: Vec<Design>,
    /// Every split that was scheduled, in enumeration order.
    pub points: Vec<DesignPoint>,
    /// Splits the cost function or the scheduler rejected, with the reason.
    pub failures: Vec<(Vec<SubAccel>, String)>,
    /// Simulator evaluations over the whole sweep.
    pub evaluations: u64,
}

/// One scheduled split: its plan, its point and the evaluations spent, or why it failed.
type Outcome = Result<(Plan, DesignPoint, u64), String>;

/// All ways to write `total` as an ordered sum of `parts` positive integers, in
/// lexicographic order.
fn compositions(total: u32, parts: usize) -> Vec<Vec<u32>> {
    fn rec(left: u32, parts: usize, cur: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
        if parts == 1 {
            cur.push(left);
            out.push(cur.clone());
            cur.pop();
            return;
        }
        for first in 1..=left.saturating_sub(parts as u32 - 1) {
            cur.push(first);
            rec(left - first, parts - 1, cur, out);
            cur.pop();
        }
    }
    let mut out = Vec::new();
    if parts > 0 && total as usize >= parts {
        rec(total, parts, &mut Vec::new(), &mut out);
    }
    out
}

/// Indices of the points not dominated in (makespan, energy), by increasing makespan; of
/// equal points the first is kept.
pub fn pareto_front(points: &[(f64, f64)]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| {
        points[a]
            .0
            .total_cmp(&points[b].0)
            .then(points[a].1.total_cmp(&points[b].1))
            .then(a.cmp(&b))
    });
    let mut front = Vec::new();
    let mut best_energy = f64::INFINITY;
    for i in idx {
        if points[i].1 < best_energy {
            best_energy = points[i].1;
            front.push(i);
        }
    }
    front
}

fn platform_for(spec: &PartitionSpec, styles: &[String], pes: &[u32], bws: &[u32]) -> Platform {
    let k = styles.len();
    let pe_unit = spec.total_pes / spec.pe_steps;
    let mut sub_accels = Vec::with_capacity(k);
    let (mut pe_used, mut buf_used) = (0u32, 0u64);
    for i in 0..k {
        let last = i + 1 == k;
        // The last sub-accelerator takes what rounding left, so shares add up to the budget.
        let p = if last {
            spec.total_pes - pe_used
        } else {
            pes[i] * pe_unit
        };
        let b = if last {
            spec.global_buffer_bytes - buf_used
        } else {
            (spec.global_buffer_bytes as u128 * p as u128 / spec.total_pes as u128) as u64
        };
        pe_used += p;
        buf_used += b;
        let dup = styles.iter().filter(|s| **s == styles[i]).count() > 1;
        sub_accels.push(SubAccel {
            name: if dup {
                format!("{}-{i}", styles[i])
            } else {
                styles[i].clone()
            },
            dataflow_style: styles[i].clone(),
            pes: p,
            noc_bw: spec.total_noc_bw * bws[i] as f64 / spec.bw_steps as f64,
            buffer_bytes: b,
        });
    }
    Platform {
        sub_accels,
        dram_bw: spec.dram_bw,
        global_buffer_bytes: spec.global_buffer_bytes,
        clock_hz: spec.clock_hz,
    }
}

/// Enumerate the splits, schedule each with HERALD (screening, then refinement of the
/// promising ones), and return the best and the Pareto set.
/// `costs` fills the cost table of a candidate's sub-accelerators (in order); it must be
/// deterministic and is called from several threads.
pub fn partition<F>(
    workload: &Workload,
    spec: &PartitionSpec,
    costs: F,
) -> Result<PartitionResult, HdaError>
where
    F: Fn(&[SubAccel]) -> Result<CostTable, String> + Sync,
{
    check_spec(spec)?;
    let objective = spec.objective;
    let run = |platform: &Platform, knobs: &Knobs| -> Outcome {
        let table = costs(&platform.sub_accels)?;
        let inst = Instance::new(workload, platform, &table).map_err(|e| e.to_string())?;
        let (plan, ev, evals) =
            herald_plan_with(&inst, objective, knobs).map_err(|e| e.to_string())?;
        Ok((
            plan,
            DesignPoint {
                sub_accels: platform.sub_accels.clone(),
                makespan: ev.makespan,
                energy: ev.energy,
                edp: ev.makespan * ev.energy,
                value: ev.value(objective),
                refined: false,
            },
            evals,
        ))
    };
    let mut sweep = screen(candidates(spec), &run);
    refine(&mut sweep, &run);

    let points = &sweep.points;
    let Some(best_i) = (0..points.len())
        .min_by(|&a, &b| points[a].value.total_cmp(&points[b].value).then(a.cmp(&b)))
    else {
        let why = sweep
            .failures
            .first()
            .map(|f| f.1.clone())
            .unwrap_or_else(|| "no candidate split".into());
        return Err(HdaError::Infeasible(format!(
            "every split failed; the first: {why}"
        )));
    };

    // Full schedules only for the designs returned; the cost function is deterministic, so
    // rebuilding reproduces the sweep's numbers.
    let design = |i: usize| -> Result<Design, HdaError> {
        let platform = sweep.platforms[i].clone();
        let table = costs(&platform.sub_accels).map_err(HdaError::Infeasible)?;
        let inst = Instance::new(workload, &platform, &table)?;
        let schedule = inst.schedule(
            &sweep.plans[i],
            workload,
            &platform,
            objective,
            "herald",
            sweep.point_evals[i],
        )?;
        Ok(Design { platform, schedule })
    };
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.makespan, p.energy)).collect();
    let pareto = pareto_front(&xy)
        .into_iter()
        .map(design)
        .collect::<Result<Vec<_>, _>>()?;
    let best = design(best_i)?;
    Ok(PartitionResult {
        best,
        pareto,
        points: sweep.points,
        failures: sweep.failures,
        evaluations: sweep.evaluations,
    })
}

/// The spec can be enumerated: 1 to 3 styles per design, a grid fine enough to give each
/// sub-accelerator a share, a positive bandwidth budget.
fn check_spec(spec: &PartitionSpec) -> Result<(), HdaError> {
    if spec.style_sets.is_empty() {
        return Err(HdaError::Input(
            "no dataflow styles to partition between".into(),
        ));
    }
    if let Some(bad) = spec.style_sets.iter().find(|s| s.is_empty() || s.len() > 3) {
        return Err(HdaError::Input(format!(
            "a design has 1 to 3 sub-accelerators, not {}",
            bad.len()
        )));
    }
    let max_k = spec.style_sets.iter().map(Vec::len).max().unwrap_or(1) as u32;
    if spec.pe_steps < max_k || spec.bw_steps < max_k || spec.total_pes < spec.pe_steps {
        return Err(HdaError::Input(format!(
            "the grid ({} PE steps over {} PEs, {} bandwidth steps) cannot give {max_k} \
             sub-accelerators a share each",
            spec.pe_steps, spec.total_pes, spec.bw_steps
        )));
    }
    if !(spec.total_noc_bw.is_finite() && spec.total_noc_bw > 0.0) {
        return Err(HdaError::Input(format!(
            "the bandwidth budget must be positive and finite, got {}",
            spec.total_noc_bw
        )));
    }
    Ok(())
}

/// Every split of the grid, style set by style set, in enumeration order.
fn candidates(spec: &PartitionSpec) -> Vec<Platform> {
    let mut candidates: Vec<Platform> = Vec::new();
    for styles in &spec.style_sets {
        let k = styles.len();
        for pes in compositions(spec.pe_steps, k) {
            for bws in compositions(spec.bw_steps, k) {
                candidates.push(platform_for(spec, styles, &pes, &bws));
            }
        }
    }
    candidates
}

/// The splits that scheduled, index by index: their points, plans, platforms and
/// evaluations; and those that failed.
struct Sweep {
    points: Vec<DesignPoint>,
    plans: Vec<Plan>,
    platforms: Vec<Platform>,
    point_evals: Vec<u64>,
    failures: Vec<(Vec<SubAccel>, String)>,
    evaluations: u64,
}

/// Schedule every candidate with the screening heuristic, in parallel, collected in order.
fn screen(candidates: Vec<Platform>, run: &(dyn Fn(&Platform, &Knobs) -> Outcome + Sync)) -> Sweep {
    // Screening skips the final reassignment polish, which costs most of the heuristic's
    // evaluations (layers × sub-accelerators per sweep) and moves values by about 1 %.
    let knobs = Knobs {
        reassign_sweeps: 0,
        ..Knobs::default()
    };
    let results: Vec<Outcome> = candidates.par_iter().map(|p| run(p, &knobs)).collect();
    let mut sweep = Sweep {
        points: Vec::new(),
        plans: Vec::new(),
        platforms: Vec::new(),
        point_evals: Vec::new(),
        failures: Vec::new(),
        evaluations: 0,
    };
    for (platform, r) in candidates.into_iter().zip(results) {
        match r {
            Ok((plan, point, evals)) => {
                sweep.evaluations += evals;
                sweep.point_evals.push(evals);
                sweep.points.push(point);
                sweep.plans.push(plan);
                sweep.platforms.push(platform);
            }
            Err(e) => sweep.failures.push((platform.sub_accels, e)),
        }
    }
    sweep
}

/// Refine the designs that can matter: the best few for the objective and the screening
/// Pareto set. The full heuristic starts from the same candidates and only keeps
/// improvements, so a refined design is never worse than its screened value.
fn refine(sweep: &mut Sweep, run: &(dyn Fn(&Platform, &Knobs) -> Outcome + Sync)) {
    const REFINE_TOP: usize = 16;
    let points = &sweep.points;
    let mut chosen: Vec<usize> = (0..points.len()).collect();
    chosen.sort_by(|&a, &b| points[a].value.total_cmp(&points[b].value).then(a.cmp(&b)));
    chosen.truncate(REFINE_TOP);
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.makespan, p.energy)).collect();
    chosen.extend(pareto_front(&xy));
    chosen.sort_unstable();
    chosen.dedup();
    let platforms = &sweep.platforms;
    let refined: Vec<(usize, Outcome)> = chosen
        .par_iter()
        .map(|&i| (i, run(&platforms[i], &Knobs::default())))
        .collect();
    for (i, r) in refined {
        // The screening run of the same design succeeded, so this one does too; should the
        // cost function disagree with itself, the screened values stay.
        if let Ok((plan, mut point, evals)) = r {
            if point.value <= sweep.points[i].value {
                point.refined = true;
                sweep.points[i] = point;
                sweep.plans[i] = plan;
            }
            sweep.evaluations += evals;
            sweep.point_evals[i] += evals;
        }
    }
}

//! The exact optimum over the plan space by branch and bound, for small workloads; it
//! measures how far the heuristics are from the best schedule.
//!
//! The search space is the one every scheduler here decides: a sub-accelerator per layer and
//! a run order per sub-accelerator (a [`Plan`]), simulated with bandwidth sharing. Branching
//! appends a ready layer to the end of one sub-accelerator's queue. Many append sequences give
//! the same plan (appends to different sub-accelerators of unrelated layers commute), so only
//! the lexicographically least sequence of each class is explored (the Anisimov–Knuth normal
//! form of a trace): an append is refused when it could have been made, with the same
//! effect, before an append of a higher layer id.
//!
//! Bounds use isolated durations and the queues' current ends: in the simulator every layer
//! starts no earlier and runs no shorter than that, so they stay valid under contention. The
//! incumbent starts at HERALD's plan, so the search only has to prove or improve it.

use super::herald::herald_plan;
use super::instance::{Eval, Instance, Plan, Scratch};
use super::{CostTable, HdaError, Objective, Platform, Schedule, Workload};

/// Limits of the exact search.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactOptions {
    /// Search nodes to visit before giving up and returning the incumbent as unproven.
    pub node_limit: u64,
}

impl Default for ExactOptions {
    fn default() -> Self {
        ExactOptions {
            node_limit: 20_000_000,
        }
    }
}

/// The best schedule found, and whether the search proved it optimal.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactResult {
    pub schedule: Schedule,
    pub proven_optimal: bool,
    pub nodes: u64,
}

/// Largest problem the exact search accepts; beyond it the space is hopeless anyway.
const MAX_LAYERS: usize = 24;
const MAX_SUB_ACCELS: usize = 4;

/// Find the optimal plan by branch and bound.
pub fn exact(
    workload: &Workload,
    platform: &Platform,
    table: &CostTable,
    objective: Objective,
    options: &ExactOptions,
) -> Result<ExactResult, HdaError> {
    let inst = Instance::new(workload, platform, table)?;
    if inst.n > MAX_LAYERS || inst.s > MAX_SUB_ACCELS {
        return Err(HdaError::Infeasible(format!(
            "exact search is limited to {MAX_LAYERS} layers and {MAX_SUB_ACCELS} \
             sub-accelerators; this workload has {} and {}",
            inst.n, inst.s
        )));
    }
    let (plan, _, nodes, proven, evals) = exact_plan(&inst, objective, options.node_limit)?;
    let schedule = inst.schedule(&plan, workload, platform, objective, "exact", evals)?;
    Ok(ExactResult {
        schedule,
        proven_optimal: proven,
        nodes,
    })
}

struct Search<'a> {
    inst: &'a Instance,
    objective: Objective,
    limit: u64,
    nodes: u64,
    aborted: bool,
    evals: u64,
    best_value: f64,
    best: Plan,
    /// The append sequence so far: (layer, sub-accelerator).
    seq: Vec<(u32, u16)>,
    placed: Vec<bool>,
    end: Vec<f64>,
    free: Vec<f64>,
    assign: Vec<u16>,
    energy: f64,
    /// Scratch for the bound's earliest finish times.
    eft: Vec<f64>,
    sc: Scratch,
}

/// Returns (plan, value, nodes, proven optimal, simulator evaluations).
pub(crate) fn exact_plan(
    inst: &Instance,
    objective: Objective,
    limit: u64,
) -> Result<(Plan, f64, u64, bool, u64), HdaError> {
    let (plan, ev, evals): (Plan, Eval, u64) = herald_plan(inst, objective)?;
    let mut s = Search {
        inst,
        objective,
        limit,
        nodes: 0,
        aborted: false,
        evals,
        best_value: ev.value(objective),
        best: plan,
        seq: Vec::with_capacity(inst.n),
        placed: vec![false; inst.n],
        end: vec![0.0; inst.n],
        free: vec![0.0; inst.s],
        assign: vec![0; inst.n],
        energy: 0.0,
        eft: vec![0.0; inst.n],
        sc: Scratch::default(),
    };
    s.dfs()?;
    Ok((s.best, s.best_value, s.nodes, !s.aborted, s.evals))
}

impl Search<'_> {
    /// Whether appending `l` to sub-accelerator `c` keeps the sequence in normal form: scan
    /// back over the appends it commutes with (other sub-accelerator, not a predecessor); if
    /// one of them has a higher layer id, the same plan is reached with `l` first.
    fn canonical(&self, l: u32, c: u16) -> bool {
        let preds = self.inst.preds_of(l as usize);
        for &(m, d) in self.seq.iter().rev() {
            if d == c || preds.contains(&m) {
                return true;
            }
            if m > l {
                return false;
            }
        }
        true
    }

    /// A lower bound on the objective of every completion of the current partial plan.
    fn bound(&mut self) -> f64 {
        let inst = self.inst;
        let mut makespan = self.free.iter().copied().fold(0.0, f64::max);
        let mut work: f64 = self.free.iter().sum();
        let mut energy = self.energy;
        for &l in &inst.topo {
            let l = l as usize;
            if self.placed[l] {
                self.eft[l] = self.end[l];
                continue;
            }
            let ready = inst
                .preds_of(l)
                .iter()
                .map(|&p| self.eft[p as usize])
                .fold(0.0, f64::max);
            // It will be appended to some queue, so it starts after that queue's current end.
            let mut eft = f64::INFINITY;
            for c in 0..inst.s {
                if inst.feasible(l, c) {
                    eft = eft.min(ready.max(self.free[c]) + inst.dur(l, c));
                }
            }
            self.eft[l] = eft;
            makespan = makespan.max(eft);
            work += inst.min_dur[l];
            energy += inst.min_energy[l];
        }
        makespan = makespan.max(work / inst.s as f64);
        self.objective.value(makespan, energy)
    }

    fn dfs(&mut self) -> Result<(), HdaError> {
        if self.aborted {
            return Ok(());
        }
        if self.nodes >= self.limit {
            self.aborted = true;
            return Ok(());
        }
        self.nodes += 1;
        let inst = self.inst;
        if self.seq.len() == inst.n {
            let plan = Plan {
                assign: self.assign.clone(),
                order: self.seq.iter().map(|&(l, _)| l).collect(),
            };
            let ev = inst.simulate(&plan, &mut self.sc)?;
            self.evals += 1;
            let v = ev.value(self.objective);
            if v < self.best_value {
                self.best_value = v;
                self.best = plan;
            }
            return Ok(());
        }
        // Children: every ready layer on every sub-accelerator that can run it, earliest
        // finish first so that good incumbents come early.
        let mut children: Vec<(f64, u32, u16)> = Vec::new();
        for l in 0..inst.n {
            if self.placed[l] || inst.preds_of(l).iter().any(|&p| !self.placed[p as usize]) {
                continue;
            }
            let ready = inst
                .preds_of(l)
                .iter()
                .map(|&p| self.end[p as usize])
                .fold(0.0, f64::max);
            for c in 0..inst.s {
                if inst.feasible(l, c) && self.canonical(l as u32, c as u16) {
                    let fin = ready.max(self.free[c]) + inst.dur(l, c);
                    children.push((fin, l as u32, c as u16));
                }
            }
        }
        children.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (fin, l, c) in children {
            let (lu, cu) = (l as usize, c as usize);
            let (old_free, old_energy) = (self.free[cu], self.energy);
            self.placed[lu] = true;
            self.end[lu] = fin;
            self.free[cu] = fin;
            self.assign[lu] = c;
            self.energy += inst.energy_of(lu, cu);
            self.seq.push((l, c));
            // Only strictly better completions matter; the relative slack absorbs rounding.
            if self.bound() < self.best_value * (1.0 - 1e-12) {
                self.dfs()?;
            }
            self.seq.pop();
            // Restored, not subtracted, so that rounding cannot drift the bound.
            self.energy = old_energy;
            self.free[cu] = old_free;
            self.placed[lu] = false;
        }
        Ok(())
    }
}

//! A design's latency, energy and area. Every layer shape of every task's space is costed
//! once per sub-accelerator configuration by the cost model (`nas::platform::CostBook`), so a
//! design costs a table look-up per network plus one run of the HDA simulator: networks run
//! on their assigned sub-accelerators, sub-accelerators in parallel, layers of one
//! sub-accelerator one after another.

use super::area::area_mm2;
use super::design::{hardware_df, Accelerator, Budget, Design, JointSpace, Sub, TEMPLATES};
use crate::backends::hda;
use crate::generators::nas::platform::{CostBook, Costs, Platform};
use crate::ir::lower::lower_text;
use crate::ir::MappingId;

/// What a design costs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Evaluation {
    pub latency_cycles: f64,
    pub energy_pj: f64,
    pub area_mm2: f64,
}

impl Evaluation {
    pub fn edp(&self) -> f64 {
        self.latency_cycles * self.energy_pj
    }
}

/// Upper bounds on a design's costs; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Specs {
    pub latency_cycles: Option<f64>,
    pub energy_pj: Option<f64>,
    pub area_mm2: Option<f64>,
}

impl Specs {
    /// The names of the specs `evaluation` breaks.
    pub fn violations(&self, evaluation: &Evaluation) -> Vec<&'static str> {
        let checks = [
            ("latency", self.latency_cycles, evaluation.latency_cycles),
            ("energy", self.energy_pj, evaluation.energy_pj),
            ("area", self.area_mm2, evaluation.area_mm2),
        ];
        checks
            .into_iter()
            .filter(|(_, bound, value)| bound.is_some_and(|b| *value > b))
            .map(|(name, _, _)| name)
            .collect()
    }
}

/// Why a design cannot be built or run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Unbuildable {
    /// The PE or bandwidth shares add up to more than the budget.
    OverBudget,
    /// A network has a layer its sub-accelerator cannot run (the cost model's reason).
    CannotRun(String),
}

/// The cost books of every task × sub-accelerator configuration.
pub struct Evaluator {
    pub space: JointSpace,
    /// `books[task][Sub::all() index]`.
    books: Vec<Vec<CostBook>>,
    subs: Vec<Sub>,
}

/// The platform of one sub-accelerator configuration: its hardware item and template.
fn platform(sub: Sub, budget: &Budget) -> Platform {
    let text = format!(
        "use std::dataflows::{{{}}};\nuse std::networks::digits_cnn;\n{}\
         mapping probe {{ network: digits_cnn; hardware: sub; dataflow: {}; }}\n",
        TEMPLATES.join(", "),
        hardware_df("sub", sub, budget),
        sub.template_name()
    );
    let (_, program, _) = lower_text("sub.df", &text);
    // Written from fixed tables above; every configuration lowers (tested).
    let program = program.expect("a sub-accelerator configuration lowers");
    Platform::of_mapping(&program, MappingId(0)).expect("the probe mapping is fixed")
}

impl Evaluator {
    /// Costs every architecture of every task's space on every configuration.
    pub fn new(space: JointSpace) -> Evaluator {
        let subs = Sub::all();
        let platforms: Vec<Platform> = subs.iter().map(|&s| platform(s, &space.budget)).collect();
        let books = space
            .spaces
            .iter()
            .map(|task_space| {
                let all = task_space.all();
                platforms
                    .iter()
                    .map(|p| CostBook::new(p, task_space, &all))
                    .collect()
            })
            .collect();
        Evaluator { space, books, subs }
    }

    /// The costs of task `task`'s network `arch` on sub-accelerator `sub`.
    pub fn network_costs(
        &self,
        task: usize,
        arch: &crate::generators::nas::space::Architecture,
        sub: Sub,
    ) -> Result<Costs, String> {
        let index = self.subs.iter().position(|&s| s == sub).unwrap_or(0);
        self.books[task][index].costs(&self.space.spaces[task], arch)
    }

    /// Latency, energy and area of `design`.
    pub fn evaluate(&self, design: &Design) -> Result<Evaluation, Unbuildable> {
        let accelerator = &design.accelerator;
        if !accelerator.within_budget() {
            return Err(Unbuildable::OverBudget);
        }
        let mut costs = Vec::new();
        for (task, (arch, &sub)) in design
            .networks
            .iter()
            .zip(&accelerator.assignment)
            .enumerate()
        {
            let c = self
                .network_costs(task, arch, accelerator.subs[sub])
                .map_err(Unbuildable::CannotRun)?;
            costs.push(c);
        }
        let (latency_cycles, energy_pj) = simulate(accelerator, &costs, &self.space.budget);
        Ok(Evaluation {
            latency_cycles,
            energy_pj,
            area_mm2: area_mm2(accelerator, &self.space.budget),
        })
    }
}

/// Makespan and energy from the HDA simulator, each network one node on its assigned
/// sub-accelerator (a network's layers run back to back there, so its node lasts their sum).
/// DRAM is not contended (unbounded DRAM bandwidth).
fn simulate(accelerator: &Accelerator, costs: &[Costs], budget: &Budget) -> (f64, f64) {
    let workload = hda::Workload {
        networks: (0..costs.len())
            .map(|n| hda::NetworkGraph::chain(format!("net{n}"), ["all"]))
            .collect(),
    };
    let platform = hda::Platform {
        sub_accels: accelerator
            .subs
            .iter()
            .enumerate()
            .map(|(i, s)| hda::SubAccel {
                name: format!("sub{i}"),
                dataflow_style: s.template_name().to_string(),
                pes: u32::try_from(s.pes(budget)).unwrap_or(u32::MAX),
                noc_bw: s.bandwidth(budget) as f64,
                buffer_bytes: 0,
            })
            .collect(),
        dram_bw: f64::INFINITY,
        global_buffer_bytes: 0,
        clock_hz: None,
    };
    let table = hda::CostTable::from_fn(&workload, accelerator.subs.len(), |n, _, s| {
        (accelerator.assignment[n] == s).then(|| hda::Cost {
            runtime_cycles: costs[n].runtime_cycles as f64,
            energy: costs[n].energy_pj,
            dram_bytes: 0.0,
        })
    });
    let plan = hda::Plan {
        assign: accelerator.assignment.iter().map(|&a| a as u16).collect(),
        order: (0..costs.len() as u32).collect(),
    };
    // The workload, table and plan are consistent by construction.
    let eval = hda::Instance::new(&workload, &platform, &table)
        .and_then(|inst| inst.evaluate(&plan))
        .expect("a one-node-per-network plan simulates");
    (eval.makespan, eval.energy)
}

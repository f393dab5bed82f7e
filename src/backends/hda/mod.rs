//! Heterogeneous dataflow accelerators (HDA) in the manner of HERALD: several sub-accelerators
//! of different dataflow styles share a PE budget, a global buffer and DRAM bandwidth, and the
//! layers of several networks are scheduled across them.
//!
//! This module is a self-contained library on plain data. Its inputs are a [`Workload`] (a
//! list of layer DAGs), a [`Platform`] (the sub-accelerators and the shared DRAM bandwidth) and
//! a [`CostTable`] (runtime, energy and DRAM traffic of every layer on every sub-accelerator,
//! filled by the caller from the cost model). Everything else is computed here:
//!
//! * [`herald`] — the HERALD-style scheduler: assignment by dataflow preference, load
//!   balancing, breadth-first (round-robin) ordering across networks, compaction into idle
//!   gaps, plus a time-aware assignment candidate and a reassignment polish; the candidate
//!   that is best for the [`Objective`] under the simulator wins.
//! * [`naive`], [`genetic`] (MAGMA-style GA at a given evaluation budget) and [`exact`]
//!   (branch and bound, small workloads) — baselines that say how good the heuristic is.
//! * [`partition`] — design-time enumeration of PE/bandwidth splits on a grid, in parallel,
//!   with the best design and the latency/energy Pareto set.
//! * [`trace_json`], [`gantt_svg`], [`table`], [`csv`] — pure writers; [`validate`] — checks.
//! * [`schedule_report`] — HERALD against the naive scheduler and each monolithic design of
//!   the same budget, as a plain [`ScheduleReport`] with its renderers ([`report`]).
//!
//! **Execution model** (shared by every scheduler, so they are compared on equal terms): a
//! schedule is decided by a [`Plan`] — a sub-accelerator per layer and a global topological
//! sequence whose restriction to each sub-accelerator is that sub-accelerator's run order.
//! The simulator starts a layer when it is at the head of its sub-accelerator's queue, the
//! sub-accelerator is idle and all predecessors have finished. Running layers demand DRAM
//! bandwidth `dram_bytes / runtime_cycles`; when their summed demand exceeds
//! [`Platform::dram_bw`], every running layer with a non-zero demand is slowed by the same
//! factor `dram_bw / demand`, as in MAGMA's simulator. Energy is the sum of the layers' energies
//! (no static energy is modelled), so it depends only on the assignment.

mod exact;
mod ga;
mod gantt;
mod herald;
mod instance;
mod partition;
pub mod report;
pub mod synthetic;
mod validate;
mod writers;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use exact::{exact, ExactOptions, ExactResult};
pub use ga::{genetic, GaOptions};
pub use gantt::gantt_svg;
pub use herald::{herald, monolithic, naive};
pub use instance::{Eval, Instance, Plan};
pub use partition::{pareto_front, partition, Design, DesignPoint, PartitionResult, PartitionSpec};
pub use report::{
    schedule_report, CannotRun, Comparison, ComparisonRow, Monolithic, PartitionSummary,
    ScheduleReport,
};
pub use validate::validate;
pub use writers::{csv, table, trace_json};

/// One layer of a network graph. `preds` are indices of layers of the same network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerNode {
    pub name: String,
    pub preds: Vec<usize>,
}

/// A network as a layer DAG. [`NetworkGraph::chain`] builds the common case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkGraph {
    pub name: String,
    pub layers: Vec<LayerNode>,
    /// Target frames per second; reported against the network's finish time when the
    /// platform has a clock ([`Platform::clock_hz`]).
    pub frame_rate: Option<f64>,
}

impl NetworkGraph {
    /// A chain: every layer depends on the one before it.
    pub fn chain<S: Into<String>>(
        name: impl Into<String>,
        layers: impl IntoIterator<Item = S>,
    ) -> Self {
        let layers = layers
            .into_iter()
            .enumerate()
            .map(|(i, n)| LayerNode {
                name: n.into(),
                preds: if i == 0 { vec![] } else { vec![i - 1] },
            })
            .collect();
        NetworkGraph {
            name: name.into(),
            layers,
            frame_rate: None,
        }
    }
}

/// The networks that run together (one frame of each).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Workload {
    pub networks: Vec<NetworkGraph>,
}

impl Workload {
    /// Total number of layers over all networks.
    pub fn num_layers(&self) -> usize {
        self.networks.iter().map(|n| n.layers.len()).sum()
    }
}

/// One sub-accelerator. Its costs come from the [`CostTable`]; the fields here describe the
/// hardware the cost model was given, for reports and budget checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubAccel {
    pub name: String,
    /// The dataflow style (a stdlib dataflow name such as `nvdla` or `shidiannao`).
    pub dataflow_style: String,
    pub pes: u32,
    /// Its share of the on-chip (NoC / global-buffer) bandwidth, bytes per cycle — the
    /// bandwidth HERALD partitions. DRAM bandwidth is shared dynamically, see [`Platform`].
    pub noc_bw: f64,
    /// Its share of the global buffer, bytes.
    pub buffer_bytes: u64,
}

/// Sub-accelerators plus what they share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Platform {
    pub sub_accels: Vec<SubAccel>,
    /// Shared DRAM bandwidth, bytes per cycle; `f64::INFINITY` for no contention.
    pub dram_bw: f64,
    /// Global buffer, bytes; the sub-accelerators' shares must fit in it (0: not checked).
    pub global_buffer_bytes: u64,
    /// Clock frequency, used only to turn frame rates into deadlines in cycles.
    pub clock_hz: Option<f64>,
}

/// The cost of one layer on one sub-accelerator, in isolation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub runtime_cycles: f64,
    pub energy: f64,
    /// Off-chip traffic; with the runtime it gives the layer's DRAM bandwidth demand.
    pub dram_bytes: f64,
}

/// `costs[network][layer][sub_accel]`; `None` where the sub-accelerator cannot run the layer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CostTable {
    pub costs: Vec<Vec<Vec<Option<Cost>>>>,
}

impl CostTable {
    /// Fill a table for `workload` on `sub_accels` sub-accelerators from a function of
    /// `(network, layer, sub_accel)`.
    pub fn from_fn(
        workload: &Workload,
        sub_accels: usize,
        mut f: impl FnMut(usize, usize, usize) -> Option<Cost>,
    ) -> Self {
        let costs = workload
            .networks
            .iter()
            .enumerate()
            .map(|(n, net)| {
                (0..net.layers.len())
                    .map(|l| (0..sub_accels).map(|s| f(n, l, s)).collect())
                    .collect()
            })
            .collect();
        CostTable { costs }
    }

    pub fn get(&self, network: usize, layer: usize, sub_accel: usize) -> Option<Cost> {
        *self.costs.get(network)?.get(layer)?.get(sub_accel)?
    }
}

/// What a scheduler minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Makespan of the whole workload.
    Latency,
    /// Total energy.
    Energy,
    /// Makespan × energy.
    Edp,
}

impl Objective {
    pub fn name(self) -> &'static str {
        match self {
            Objective::Latency => "latency",
            Objective::Energy => "energy",
            Objective::Edp => "edp",
        }
    }

    /// The objective's value for a makespan and an energy.
    pub fn value(self, makespan: f64, energy: f64) -> f64 {
        match self {
            Objective::Latency => makespan,
            Objective::Energy => energy,
            Objective::Edp => makespan * energy,
        }
    }
}

/// One scheduled layer. Indices refer to the [`Workload`] and [`Platform`]; names are copied
/// so that a serialised schedule reads on its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub network: usize,
    pub layer: usize,
    pub sub_accel: usize,
    pub network_name: String,
    pub layer_name: String,
    pub sub_accel_name: String,
    /// Cycles from the start of the workload.
    pub start: f64,
    pub end: f64,
    pub energy: f64,
}

/// When a network's last layer finishes, and whether that meets its frame rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkTiming {
    pub name: String,
    pub finish: f64,
    /// `clock_hz / frame_rate`, when both are known.
    pub deadline: Option<f64>,
    pub meets_deadline: Option<bool>,
}

/// A complete schedule. `entries` are sorted by start time, then sub-accelerator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// Which scheduler produced it (`herald`, `naive`, `ga`, `exact`).
    pub scheduler: String,
    pub objective: Objective,
    pub entries: Vec<Entry>,
    pub makespan: f64,
    pub energy: f64,
    pub edp: f64,
    pub networks: Vec<NetworkTiming>,
    /// Simulator evaluations the scheduler spent (the currency of equal-budget comparisons).
    pub evaluations: u64,
}

impl Schedule {
    /// The value of the schedule's own objective.
    pub fn objective_value(&self) -> f64 {
        self.objective.value(self.makespan, self.energy)
    }
}

/// Why a schedule could not be produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HdaError {
    /// The inputs are inconsistent (shape mismatch, cycle, bad number, …).
    Input(String),
    /// The inputs are consistent but no schedule exists or the request is out of range.
    Infeasible(String),
}

impl std::fmt::Display for HdaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HdaError::Input(m) => write!(f, "invalid HDA input: {m}"),
            HdaError::Infeasible(m) => write!(f, "no HDA schedule: {m}"),
        }
    }
}

impl std::error::Error for HdaError {}

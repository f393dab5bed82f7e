//! What a `test` block means: which mapping it runs and how, the metrics it can constrain,
//! its expectations and its snapshots. The `testing` module runs these.

use super::MappingId;
use crate::source::Span;

/// A metric an expectation can constrain, with the unit its values are kept in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// cycles
    Runtime,
    /// multiply-accumulates
    Macs,
    /// pJ (or MAC-energy units when the hardware has no energy table)
    Energy,
    /// MACs per cycle
    Throughput,
    /// average busy PEs
    UtilizedPes,
    /// average busy PEs as a fraction of all PEs (the older name of `pe_utilization`)
    Utilization,
    /// average busy PEs as a fraction of all PEs
    PeUtilization,
    /// useful MACs / (cycles × PEs × MAC lanes per PE)
    MacUtilization,
    /// bytes
    L1,
    /// bytes
    L2,
}

impl Metric {
    pub const ALL: [Metric; 10] = [
        Metric::Runtime,
        Metric::Macs,
        Metric::Energy,
        Metric::Throughput,
        Metric::UtilizedPes,
        Metric::Utilization,
        Metric::PeUtilization,
        Metric::MacUtilization,
        Metric::L1,
        Metric::L2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::Runtime => "runtime",
            Metric::Macs => "macs",
            Metric::Energy => "energy",
            Metric::Throughput => "throughput",
            Metric::UtilizedPes => "utilized_pes",
            Metric::Utilization => "utilization",
            Metric::PeUtilization => "pe_utilization",
            Metric::MacUtilization => "mac_utilization",
            Metric::L1 => "l1",
            Metric::L2 => "l2",
        }
    }

    pub fn parse(name: &str) -> Option<Metric> {
        Metric::ALL.iter().copied().find(|m| m.name() == name)
    }
}

/// A comparison an expectation makes: `<`, `<=`, `>`, `>=` or `==`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl CmpOp {
    /// The operator as it is written in `.df`.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
        }
    }
}

/// How an expectation compares the measured value with its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ExpectOp {
    Cmp(CmpOp),
    /// Within this many percent of the value.
    Within(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expectation {
    /// A layer index of the mapping's network, or the whole network.
    pub layer: Option<usize>,
    pub metric: Metric,
    pub op: ExpectOp,
    /// In the metric's base unit (for `l1`/`l2`: bytes, or elements when `in_elements`).
    pub value: f64,
    pub in_elements: bool,
    pub span: Span,
}

/// What a test runs to get its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TestRun {
    /// Evaluate the mapping as written (`dfc eval`).
    Eval,
    /// Search the mapping's layers first (`dfc map`), then evaluate.
    Search,
}

/// Which cost model evaluates: a test block's `model:`, `dfc eval --model`, and the cost
/// back end's own switch (`backends::cost::Model` is this type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum CostModel {
    /// MAESTRO's numbers exactly, quirks included (`docs/semantics/maestro.md`, "Quirks").
    Maestro,
    /// The corrected model (see `src/backends/cost/MODEL.md`).
    Default,
}

/// What a `snapshot` statement captures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Snapshot {
    /// The dataflow of every layer, as `.df`.
    Mapping,
    /// Per-layer metrics; the default set when empty.
    Report(Vec<Metric>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: String,
    pub mapping: MappingId,
    pub run: TestRun,
    pub model: CostModel,
    pub expectations: Vec<Expectation>,
    pub snapshots: Vec<Snapshot>,
    pub span: Span,
}

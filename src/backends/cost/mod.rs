//! Analytic cost model with MAESTRO's semantics (`docs/semantics/maestro.md`).
//!
//! This module owns the evaluation of one layer under one dataflow on one hardware configuration:
//! the cluster decomposition of the directive list, the per-level mapping tables, the
//! iteration-case analysis and its recursion over cluster levels, and the reported metrics,
//! including the columns MAESTRO writes to its CSV file (the sections of the same names in
//! `docs/semantics/maestro.md`; the code's stages are listed in `MODEL.md`, "Stages").
//!
//! It knows nothing about source text: the caller resolves `Sz(D)`, constants and names into a
//! [`Problem`] and a [`Hardware`], and maps a [`CostError`] back to a source location through the
//! directive index it carries.
//!
//! Two models share the engine ([`Model`]):
//!
//! * [`Model::Maestro`] reproduces MAESTRO bit for bit, including the quirks numbered in
//!   `docs/semantics/maestro.md`, "Quirks"
//!   (stride-blind output tiles, the init-edge tile bug, the CSV energy, NaN and `i64::MIN`
//!   values when every case is skipped).
//! * [`Model::Default`] fixes those quirks. Every difference is listed, with the quirk it fixes,
//!   in `MODEL.md` next to this file.
//!
//! Inputs: [`Problem`] dims keep the first value of a repeated name; strides keep the last; every
//! value must be in `1..=MAX_INPUT` (capacities excepted). Sizes are elements unless the Default
//! model is given a precision ([`SizeUnit`]).
//!
//! Layers are evaluated independently. MAESTRO's one inter-layer effect, the CSV energy of a
//! multi-level dataflow reusing the previous layer's L1 counts (quirk 9), is applied by the caller
//! through [`LayerMetrics::maestro_chain_previous_layer`].

mod engine;
mod metrics;
mod rules;
mod sparse;
mod widths;

#[cfg(test)]
mod operand_tests;
#[cfg(test)]
mod tests;

use std::fmt;

pub use engine::LevelTraffic;
pub use metrics::{
    format_float, write_float, write_int, EvalInfo, LayerMetrics, MetricValue, SizeUnit,
    CSV_COLUMNS,
};
pub use rules::Rules;
pub use sparse::SparseMetrics;
pub use widths::OperandBits;

/// Which cost model to evaluate: the IR's choice, so a test block, the command line and the
/// engine share one enum.
pub use crate::ir::CostModel as Model;

/// Layer type. Fixes the tensors and their coupled dimensions
/// (`docs/semantics/maestro.md`, "Problem and layer types").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum LayerType {
    Conv,
    /// Depthwise convolution (MAESTRO's own files declare `K: 1`).
    Dsconv,
    /// Grouped convolution with the group dimension `G`.
    Ngconv,
    /// Analysed exactly as [`LayerType::Conv`], as MAESTRO does.
    Trconv,
}

pub use crate::ir::{Dim, MapKind};

/// One dataflow directive with its sizes already resolved to integers (the IR's instantiated
/// directive: the cost model reads exactly what `ir::instantiate::instantiate` produces).
pub use crate::ir::ConcreteDirective as Directive;

/// One layer to evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Problem {
    pub layer_type: LayerType,
    /// Declared dimensions in declaration order. The first value of a repeated name wins.
    pub dims: Vec<(Dim, i64)>,
    /// Declared strides; only `X` and `Y` have an effect, missing ones are 1. A later entry for
    /// the same dimension overrides an earlier one.
    pub strides: Vec<(Dim, i64)>,
    /// Whether `N` is coupled to the input and output tensors. MAESTRO fixes this per layer type
    /// by the first layer of that type in the file.
    pub batch_in_tensors: bool,
    /// The dataflow, outermost directive first.
    pub directives: Vec<Directive>,
    /// The useful MACs of the layer this problem costs, where they differ from the loop nest
    /// it is given (a dilated filter is given as its extent, a transposed convolution as the
    /// convolution over its zero-inserted input). Reported as `num_macs` by the Default model
    /// (`MODEL.md`, row 19); `None` means the loop nest's count.
    pub useful_macs: Option<i64>,
    /// The operands' densities (`docs/sparsity.md`); dense layers cost exactly as before.
    pub sparsity: crate::ir::LayerSparsity,
}

impl Problem {
    /// The MACs the hardware executes, the crate's one count over a cost problem's loop nest:
    /// `N·G·K·C·R·S·Y'·X'` from the declared dimensions (depthwise layers have no `K`), with
    /// `Y' = (Y − R)/stride + 1` (and likewise `X'`) unless `Y'` is declared, never below zero.
    /// Missing dimensions are 1.
    pub fn dense_macs(&self) -> i64 {
        let get = |d: Dim| self.dims.iter().find(|x| x.0 == d).map(|x| x.1);
        let stride = |d: Dim| {
            self.strides
                .iter()
                .rev()
                .find(|x| x.0 == d)
                .map_or(1, |x| x.1.max(1))
        };
        let outputs = |out: Dim, input: Dim, filter: Dim| {
            get(out).unwrap_or_else(|| {
                let (len, window) = (get(input).unwrap_or(1), get(filter).unwrap_or(1));
                if len >= window {
                    (len - window) / stride(input) + 1
                } else {
                    0
                }
            })
        };
        let mut macs =
            outputs(Dim::YOut, Dim::Y, Dim::R).saturating_mul(outputs(Dim::XOut, Dim::X, Dim::S));
        for d in [Dim::N, Dim::G, Dim::K, Dim::C, Dim::R, Dim::S] {
            if d == Dim::K && self.layer_type == LayerType::Dsconv {
                continue;
            }
            macs = macs.saturating_mul(get(d).unwrap_or(1));
        }
        macs
    }
}

/// Per-access energies replacing MAESTRO's fixed constants (Default model only).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EnergyTable {
    /// Energy of one MAC.
    pub mac: f64,
    /// Energy of one L1 read or write.
    pub l1: f64,
    /// Energy of one L2 read or write.
    pub l2: f64,
    /// Nanojoules per unit of the three values above (`0.001` if they are picojoules); used for
    /// `csv_energy_nj` and the per-joule CSV columns.
    pub nj_per_unit: f64,
}

impl EnergyTable {
    /// MAESTRO's constants: relative units of one MAC, 0.904 nJ per unit in its CSV.
    pub const MAESTRO: EnergyTable = EnergyTable {
        mac: 1.0,
        l1: 1.68,
        l2: 18.61,
        nj_per_unit: 0.904,
    };
}

/// Hardware parameters of one evaluation. All capacities and bandwidths are in elements unless
/// `precision_bits` is given (Default model), in which case `l1_size`/`l2_size` are bytes.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Hardware {
    pub num_pes: i64,
    pub l1_size: i64,
    pub l2_size: i64,
    /// Elements per cycle at every cluster level.
    pub noc_bw: i64,
    /// NoC latency in cycles at every cluster level (MAESTRO's `NoC_NumHops`).
    pub noc_hops: i64,
    /// MACs per PE per cycle (MAESTRO's `--num_simd_lanes`).
    pub simd_lanes: i64,
    /// Default model only: element width; size requirements and capacities become bytes.
    pub precision_bits: Option<u32>,
    /// Default model only: per-access energies instead of MAESTRO's 1 / 1.68 / 18.61.
    pub energy: Option<EnergyTable>,
    /// Default model only: a quantized layer's operand widths, which scale its energy and
    /// NoC volumes (`MODEL.md`, row 23).
    pub operand_bits: Option<OperandBits>,
    /// Compression formats and the treatment of ineffectual MACs (`docs/sparsity.md`).
    pub sparse: crate::ir::SparseSupport,
}

/// A [`Hardware`] field, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum HwField {
    NumPes,
    L1Size,
    L2Size,
    NocBw,
    NocHops,
    SimdLanes,
    PrecisionBits,
    Energy,
    OperandBits,
}

impl HwField {
    pub fn name(self) -> &'static str {
        match self {
            HwField::NumPes => "num_pes",
            HwField::L1Size => "l1_size",
            HwField::L2Size => "l2_size",
            HwField::NocBw => "noc_bw",
            HwField::NocHops => "noc_hops",
            HwField::SimdLanes => "simd_lanes",
            HwField::PrecisionBits => "precision_bits",
            HwField::Energy => "energy",
            HwField::OperandBits => "operand_bits",
        }
    }
}

/// A buffer level of the hardware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum BufferLevel {
    /// The buffer of each PE, holding the innermost level's tiles.
    L1,
    /// The shared (global) buffer, holding what the top level distributes per step.
    L2,
}

impl BufferLevel {
    /// The hardware field that sets this level's capacity.
    pub fn field(self) -> &'static str {
        match self {
            BufferLevel::L1 => "l1",
            BufferLevel::L2 => "l2",
        }
    }
}

/// The requirement of every tensor's tile at one buffer level (double-buffered, in `unit`),
/// where the sum exceeds the level's capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CapacityExcess {
    pub level: BufferLevel,
    /// Input, filter and output requirement.
    pub required: [i64; 3],
    pub capacity: i64,
    pub unit: SizeUnit,
}

impl CapacityExcess {
    /// The three requirements together.
    pub fn total(&self) -> i64 {
        self.required.iter().fold(0i64, |a, &b| a.saturating_add(b))
    }
}

impl fmt::Display for CapacityExcess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = self.unit.symbol();
        let [input, filter, output] = self.required;
        let buffer = match self.level {
            BufferLevel::L1 => "the L1 buffer of each PE",
            BufferLevel::L2 => "the L2 buffer",
        };
        write!(
            f,
            "{buffer} needs {} {u} (input {input} {u} + filter {filter} {u} + output {output} {u}, \
             double-buffered) but holds {} {u}",
            self.total(),
            self.capacity
        )
    }
}

/// Largest accepted dimension, stride, map size/offset, cluster size, PE count, bandwidth,
/// latency or lane count. Keeps every sum and difference of inputs far from `i64` overflow;
/// products and accumulations saturate and are reported as [`CostError::Overflow`].
pub const MAX_INPUT: i64 = 1 << 24;

/// Why a layer cannot be evaluated. `directive` fields index [`Problem::directives`]; `level`
/// fields count cluster levels from the outermost (0) inwards.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum CostError {
    /// A declared dimension is not positive.
    InvalidDimension { dim: Dim, size: i64 },
    /// A declared stride is not positive.
    InvalidStride { dim: Dim, stride: i64 },
    /// A dimension the layer type needs (a tensor dimension, or the filter size `R`/`S` that
    /// `Y`/`X` slide over) is not declared.
    MissingDimension { dim: Dim },
    /// Both an input-centric and an output-centric size are declared (`Y` and `Y'`).
    ConflictingDimensions { input: Dim, output: Dim },
    /// Default model: the input is smaller than one filter window, so there is no output.
    EmptyOutput { dim: Dim },
    /// A map size is not positive.
    InvalidMapSize { directive: usize, size: i64 },
    /// A map offset is not positive.
    InvalidMapOffset { directive: usize, offset: i64 },
    /// A cluster size is not positive.
    InvalidClusterSize { directive: usize, size: i64 },
    /// More than three `Cluster` directives (MAESTRO has four NoC levels).
    TooManyClusters { directive: usize },
    /// The product of the cluster sizes exceeds the number of PEs.
    NotEnoughPes { required: i64, available: i64 },
    /// A directive names a dimension this level does not have. Below the top level only the
    /// input/filter dimensions exist, so e.g. a `K` map in a multi-level DSCONV dataflow fails
    /// at level 1 (the directive is then the outer one that level 1 inherited).
    DimensionNotFound {
        directive: usize,
        dim: Dim,
        level: usize,
    },
    /// An output-centric map (`Y'`/`X'`) needs the filter map (`R`/`S`) of the same level to be
    /// converted (Maestro model; the Default model falls back to the level's filter size).
    OutputMapWithoutFilterMap { directive: usize, dim: Dim },
    /// A cluster level has no `SpatialMap`. `cluster` is the `Cluster` directive that opened
    /// the level (`None` for the outermost level).
    NoSpatialMap {
        level: usize,
        cluster: Option<usize>,
    },
    /// A third `SpatialMap` in one cluster level.
    TooManySpatialMaps { directive: usize },
    /// MAESTRO aborts when a reloaded temporal map has no unique part. `directive` is `None`
    /// when the map was filled in automatically for an unmapped dimension.
    ZeroUniqueSize { directive: Option<usize>, dim: Dim },
    /// Maestro model: the innermost level's output tile (double-buffered) does not fit the L1
    /// capacity (both in elements, MAESTRO's unit).
    NotEnoughL1 { required: i64, capacity: i64 },
    /// Maestro model: the top level's output egress (double-buffered, in elements) does not
    /// fit the L2 capacity.
    NotEnoughL2 { required: i64, capacity: i64 },
    /// Default model: the tiles of the three tensors together do not fit a buffer level
    /// (`MODEL.md`, row 18).
    ExceedsCapacity(CapacityExcess),
    /// A hardware parameter is out of range.
    InvalidHardware { field: HwField },
    /// An input value exceeds [`MAX_INPUT`].
    ValueTooLarge { value: i64 },
    /// The dataflow has more iteration cases than the engine enumerates (see `MAX_CASES`).
    TooManyCases { level: usize, cases: i64 },
    /// Default model: the mapping is outside what the model counts exactly (e.g. overlapping
    /// tiles, two unrelated spatial maps in one level). Reported instead of a wrong number;
    /// `directive` is `None` when no single directive is to blame. See `MODEL.md`.
    UnsupportedMapping {
        directive: Option<usize>,
        reason: &'static str,
    },
    /// Default model: the per-step volumes of an accepted mapping add up to a MAC count other
    /// than the loop nest's (`Problem::dense_macs`). A last guard: the property tests assert it
    /// never occurs, so it reports a gap in `Plan::check_tilings` rather than a wrong number.
    MacMismatch { counted: i64, expected: i64 },
    /// A count exceeded the `i64` range.
    Overflow,
}

impl fmt::Display for CostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CostError::InvalidDimension { dim, size } => {
                write!(f, "dimension {dim} has size {size}; sizes must be at least 1")
            }
            CostError::InvalidStride { dim, stride } => {
                write!(f, "stride of {dim} is {stride}; strides must be at least 1")
            }
            CostError::MissingDimension { dim } => {
                write!(f, "dimension {dim} is required by this layer type but not declared")
            }
            CostError::ConflictingDimensions { input, output } => {
                write!(f, "both {input} and {output} are declared; declare only one of them")
            }
            CostError::EmptyOutput { dim } => {
                write!(f, "the layer has no outputs along {dim}: the input is smaller than the filter")
            }
            CostError::InvalidMapSize { directive, size } => {
                write!(f, "directive {directive}: map size {size} must be at least 1")
            }
            CostError::InvalidMapOffset { directive, offset } => {
                write!(f, "directive {directive}: map offset {offset} must be at least 1")
            }
            CostError::InvalidClusterSize { directive, size } => {
                write!(f, "directive {directive}: cluster size {size} must be at least 1")
            }
            CostError::TooManyClusters { directive } => {
                write!(f, "directive {directive}: at most 3 Cluster directives are supported")
            }
            CostError::NotEnoughPes { required, available } => write!(
                f,
                "the clusters need {required} PEs but the hardware has {available}"
            ),
            CostError::DimensionNotFound {
                directive,
                dim,
                level,
            } => write!(
                f,
                "directive {directive}: dimension {dim} not found at cluster level {level}"
            ),
            CostError::OutputMapWithoutFilterMap { directive, dim } => write!(
                f,
                "directive {directive}: output-centric map on {dim} needs a map on the filter dimension in the same cluster level"
            ),
            CostError::NoSpatialMap { level, .. } => {
                write!(f, "cluster level {level} has no SpatialMap")
            }
            CostError::TooManySpatialMaps { directive } => write!(
                f,
                "directive {directive}: at most two SpatialMaps per cluster level"
            ),
            CostError::ZeroUniqueSize { directive, dim } => match directive {
                Some(d) => write!(f, "directive {d}: the map on {dim} has no unique data to reload"),
                None => write!(f, "the implicit map on {dim} has no unique data to reload"),
            },
            CostError::NotEnoughL1 { required, capacity } => write!(
                f,
                "the required L1 buffer size {required} elements is larger than the L1 size \
                 {capacity} elements"
            ),
            CostError::NotEnoughL2 { required, capacity } => write!(
                f,
                "the required L2 buffer size {required} elements is larger than the L2 size \
                 {capacity} elements"
            ),
            CostError::ExceedsCapacity(e) => e.fmt(f),
            CostError::InvalidHardware { field } => {
                write!(f, "hardware parameter {} is out of range", field.name())
            }
            CostError::ValueTooLarge { value } => {
                write!(f, "value {value} exceeds the supported maximum {MAX_INPUT}")
            }
            CostError::TooManyCases { level, cases } => write!(
                f,
                "cluster level {level} has {cases} iteration cases, more than the engine enumerates"
            ),
            CostError::UnsupportedMapping { directive, reason } => match directive {
                Some(d) => write!(f, "directive {d}: unsupported mapping: {reason}"),
                None => write!(f, "unsupported mapping: {reason}"),
            },
            CostError::MacMismatch { counted, expected } => write!(
                f,
                "the model counts {counted} MACs for this mapping but the layer has {expected} \
                 (a combination of tiles it cannot count exactly)"
            ),
            CostError::Overflow => f.write_str("a count exceeded the 64-bit integer range"),
        }
    }
}

impl std::error::Error for CostError {}

/// The traffic of every cluster level below the top one (`[0]` is the level under the top),
/// over the whole layer: what each level's clusters move between their buffer and their units.
/// Empty for a one-level dataflow. Call it for a layer [`evaluate`] accepts; the counts are
/// those of its analysis.
pub fn inner_level_traffic(
    p: &Problem,
    hw: &Hardware,
    model: Model,
) -> Result<Vec<LevelTraffic>, CostError> {
    let plan = engine::Plan::build(p, hw, model)?;
    let mut analyzer = engine::Analyzer::new(&plan);
    analyzer.tracking_levels = true;
    let top = analyzer.run()?.top;
    let mut levels = top.inner;
    let mut parent_steps = top.valid_iterations;
    for level in &mut levels {
        level.parent_steps = parent_steps;
        parent_steps = level.steps;
    }
    Ok(levels)
}

/// Evaluate one layer.
pub fn evaluate(p: &Problem, hw: &Hardware, model: Model) -> Result<LayerMetrics, CostError> {
    let plan = engine::Plan::build(p, hw, model)?;
    let mut out = engine::Analyzer::new(&plan).run()?;
    if let Some(sparse) = &plan.sparse {
        sparse.compress(&mut out);
    }
    let excess = metrics::capacity_excess(&plan, &out);
    // Default model: the per-case volumes are exact for the mappings `Plan::build` accepts
    // (property-tested); should a combination still escape them, report it rather than a wrong
    // MAC count (and the runtime and accesses derived from the same volumes).
    let expected = p.dense_macs();
    if plan.rules.reject_inexact_tilings && out.top.macs != expected {
        return Err(CostError::MacMismatch {
            counted: out.top.macs,
            expected,
        });
    }
    // Default model: every tensor's tile must fit (row 18); the Maestro model keeps MAESTRO's
    // output-only checks and records the excess for a warning.
    if let (true, Some(e)) = (plan.rules.capacity_check, excess) {
        return Err(CostError::ExceedsCapacity(e));
    }
    metrics::assemble(&plan, hw, &out, excess)
}

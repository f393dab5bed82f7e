//! Systolic-array simulator with SCALE-Sim 3.0.0 semantics, described in
//! `docs/semantics/scalesim.md`.
//!
//! One layer on one array configuration at a time: [`simulate`] returns every column SCALE-Sim
//! writes to `COMPUTE_REPORT.csv`, `BANDWIDTH_REPORT.csv` and `DETAILED_ACCESS_REPORT.csv`, and
//! [`write_traces`] streams the six SRAM/DRAM cycle traces through caller-supplied writers.
//!
//! Two models share the machinery ([`Model`]):
//!
//! * [`Model::Scalesim`] reproduces SCALE-Sim 3.0.0 to the last digit, its quirks included
//!   (listed under "Quirks" in the semantics document).
//! * [`Model::Default`] fixes the documented bugs; every difference is listed in `MODEL.md`
//!   next to this file.
//!
//! How it stays fast without changing a number: SCALE-Sim materialises three *demand matrices*
//! (one row per cycle, one column per array edge port) and walks them in Python. Here the
//! demand lines are never stored; each line's addresses are computed on the fly from the fold
//! geometry (`geometry.rs`). The compute-side columns are closed forms (`compute.rs`); the
//! memory models (`memory.rs`) are the same event-level state machines as SCALE-Sim's buffers,
//! but with array-indexed address bookkeeping, bulk processing of write runs, and a closed form
//! wherever an operand never leaves the simple regime (it fits in half its SRAM).
//!
//! Input is plain data ([`ArrayConfig`], [`Layer`]); SCALE-Sim's own `scalesim.cfg` and topology
//! CSV files are read by the SCALE-Sim importer (`src/interop/scalesim/`). Output files: [`compute_report_csv`],
//! [`bandwidth_report_csv`] and [`detailed_access_report_csv`] write SCALE-Sim's exact text. No
//! file system access happens in this module.

mod compute;
mod engine;
mod geometry;
mod layout;
mod memory;
mod mt19937;
mod optimized;
mod pyfmt;
mod report;
mod sparse;
mod trace;

#[cfg(test)]
pub(crate) mod tests;

use std::fmt;

pub use layout::{CustomLayout, LayoutRow};
pub use pyfmt::py_float_repr;
pub use report::{
    bandwidth_report_csv, compute_report_csv, detailed_access_report_csv, Access, LayerReport,
    BANDWIDTH_REPORT_HEADER, COMPUTE_REPORT_HEADER, DETAILED_ACCESS_REPORT_HEADER,
    SPARSE_BANDWIDTH_REPORT_HEADER,
};
pub use sparse::{
    sparse_report_csv, SparseRep, SparseReport, Sparsity, Words, SPARSE_REPORT_HEADER,
};
pub use trace::{
    estimated_size as estimated_trace_size, write_traces, MemoryFile, MemorySink, TraceError,
    TraceFile, TraceSink,
};

/// Which model to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Model {
    /// SCALE-Sim 3.0.0 exactly, quirks included.
    Scalesim,
    /// The corrected model (see `MODEL.md`).
    Default,
}

/// Dataflow of the array (see `docs/semantics/scalesim.md`, "Dataflow mapping").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Dataflow {
    /// Output stationary.
    Os,
    /// Weight stationary.
    Ws,
    /// Input stationary.
    Is,
}

impl Dataflow {
    /// SCALE-Sim's spelling (`os`, `ws`, `is`).
    pub fn as_str(self) -> &'static str {
        match self {
            Dataflow::Os => "os",
            Dataflow::Ws => "ws",
            Dataflow::Is => "is",
        }
    }
}

/// How DRAM bandwidth is modelled (`[run_presets] InterfaceBandwidth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Bandwidth {
    /// SCALE-Sim's CALC mode: reads never stall; prefetch bandwidth is whatever fits
    /// (see `docs/semantics/scalesim.md`, "CALC read buffer").
    Calc,
    /// SCALE-Sim's USER mode: fixed DRAM bandwidths in words per cycle, reads can stall
    /// (see `docs/semantics/scalesim.md`, "USER read buffer"). The SCALE-Sim importer's
    /// `parse_config` fills these as SCALE-Sim uses them: `ifmap` and `filter` from
    /// `[layout] Ifmap/FilterSRAMBankBandwidth`, `ofmap` from `Bandwidth[0]` (quirk Q7).
    User { ifmap: u64, filter: u64, ofmap: u64 },
}

/// SRAM bank description of the `[layout]` section (USER mode banks of a custom layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SramBanks {
    pub bandwidth: u64,
    pub num: u64,
    pub ports: u64,
}

/// A systolic array and its memories: everything in `scalesim.cfg` that changes a number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ArrayConfig {
    /// `[general] run_name` (names the report folder; no numeric effect).
    pub run_name: String,
    /// `ArrayHeight` (R).
    pub rows: u64,
    /// `ArrayWidth` (C).
    pub cols: u64,
    pub dataflow: Dataflow,
    /// SRAM sizes in kB as SCALE-Sim reads them (`IfmapSramSzkB` ...): `size · 1024` bytes.
    pub ifmap_sram_kb: u64,
    pub filter_sram_kb: u64,
    pub ofmap_sram_kb: u64,
    /// Bytes per word. SCALE-Sim hard-wires 1; only [`Model::Default`] accepts another value.
    pub word_bytes: u64,
    /// Word address offsets of the three operands (`IfmapOffset` ...).
    pub ifmap_offset: u64,
    pub filter_offset: u64,
    pub ofmap_offset: u64,
    pub bandwidth: Bandwidth,
    /// The raw `Bandwidth` list of the file (read by SCALE-Sim in USER mode only; empty in CALC).
    pub bandwidth_list: Vec<u64>,
    /// CALC mode: words per cycle of the first prefetch (SCALE-Sim hard-wires 10; quirk Q11).
    /// Only [`Model::Default`] accepts another value.
    pub calc_fill_bandwidth: u64,
    /// `ReadRequestBuffer` / `WriteRequestBuffer` (used by SCALE-Sim only with Ramulator).
    pub read_request_buffer: u64,
    pub write_request_buffer: u64,
    /// `[layout]` bank parameters.
    pub ifmap_banks: SramBanks,
    pub filter_banks: SramBanks,
    /// `[sparsity]` when `SparsitySupport` is true: the layers' `N:M` ratios apply
    /// (see `docs/semantics/scalesim.md`, "N:M sparsity").
    pub sparsity: Option<Sparsity>,
    /// `[layout]` custom layouts and the layout file's first row (see
    /// `docs/semantics/scalesim.md`, "Layout files").
    pub layout: CustomLayout,
}

impl ArrayConfig {
    /// A configuration with SCALE-Sim's constants and the offsets of its shipped configs
    /// (IFMAP 0, FILTER 10,000,000, OFMAP 20,000,000), CALC bandwidth.
    pub fn new(rows: u64, cols: u64, dataflow: Dataflow, sram_kb: [u64; 3]) -> ArrayConfig {
        let banks = SramBanks {
            bandwidth: 10,
            num: 10,
            ports: 2,
        };
        ArrayConfig {
            run_name: "scale_run".to_string(),
            rows,
            cols,
            dataflow,
            ifmap_sram_kb: sram_kb[0],
            filter_sram_kb: sram_kb[1],
            ofmap_sram_kb: sram_kb[2],
            word_bytes: 1,
            ifmap_offset: 0,
            filter_offset: 10_000_000,
            ofmap_offset: 20_000_000,
            bandwidth: Bandwidth::Calc,
            bandwidth_list: Vec::new(),
            calc_fill_bandwidth: 10,
            read_request_buffer: 32,
            write_request_buffer: 32,
            ifmap_banks: banks,
            filter_banks: banks,
            sparsity: None,
            layout: CustomLayout {
                ifmap: false,
                filter: false,
                row: None,
            },
        }
    }

    /// Rejects configurations the models cannot run.
    pub(crate) fn check(&self, model: Model) -> Result<(), SimError> {
        let cfg = self;
        let bad = |m: &str| Err(SimError::Config(m.to_string()));
        if cfg.rows == 0 || cfg.cols == 0 {
            return bad("the array needs at least one row and one column");
        }
        if cfg.rows > 1 << 16 || cfg.cols > 1 << 16 {
            return bad("array dimensions above 65536 are not supported");
        }
        if model == Model::Scalesim && cfg.word_bytes != 1 {
            return bad("SCALE-Sim 3.0.0 hard-wires 1-byte words (use the default model)");
        }
        if cfg.word_bytes == 0 {
            return bad("word size must be at least 1 byte");
        }
        if model == Model::Scalesim && cfg.calc_fill_bandwidth != 10 {
            return bad("SCALE-Sim 3.0.0 hard-wires a first-prefetch bandwidth of 10 words/cycle");
        }
        if cfg.calc_fill_bandwidth == 0 {
            return bad("the first-prefetch bandwidth must be at least 1 word/cycle");
        }
        if let Bandwidth::User {
            ifmap,
            filter,
            ofmap,
        } = cfg.bandwidth
        {
            if ifmap == 0 || filter == 0 || ofmap == 0 {
                return bad("USER DRAM bandwidths must be at least 1 word/cycle");
            }
        }
        Ok(())
    }

    /// The configuration [`Model::Default`] should use for a SCALE-Sim file (quirk Q7): in
    /// USER mode all three DRAM bandwidths become `Bandwidth[0]`. Returns a warning when the
    /// `[layout]` bank bandwidths SCALE-Sim would have used differ.
    pub fn for_default_model(&self) -> (ArrayConfig, Option<String>) {
        let mut out = self.clone();
        let mut warning = None;
        if let (
            Bandwidth::User {
                ifmap,
                filter,
                ofmap,
            },
            Some(&b0),
        ) = (self.bandwidth, self.bandwidth_list.first())
        {
            if ifmap != b0 || filter != b0 {
                warning = Some(format!(
                    "SCALE-Sim reads the IFMAP/FILTER DRAM bandwidths from [layout] \
                     Ifmap/FilterSRAMBankBandwidth ({ifmap}/{filter}), not from Bandwidth \
                     ({b0}); the default model uses {b0} for all three"
                ));
            }
            let _ = ofmap;
            out.bandwidth = Bandwidth::User {
                ifmap: b0,
                filter: b0,
                ofmap: b0,
            };
        }
        (out, warning)
    }
}

/// The GEMM form of a layer as written in a SCALE-Sim GEMM topology (`name, M, N, K,`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Gemm {
    pub m: u64,
    pub n: u64,
    pub k: u64,
}

/// One layer as SCALE-Sim simulates it (conv form). GEMM layers are converted as SCALE-Sim does
/// (see `docs/semantics/scalesim.md`, "Input files"): `IFMAP M×K, filter 1×K, 1 channel, N filters, stride 1`, and remember their GEMM
/// form in [`Layer::gemm`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Layer {
    pub name: String,
    pub ifmap_h: u64,
    pub ifmap_w: u64,
    pub filter_h: u64,
    pub filter_w: u64,
    pub channels: u64,
    pub num_filters: u64,
    /// SCALE-Sim reads one stride and uses it for both axes; [`Model::Default`] honours two.
    pub stride_h: u64,
    pub stride_w: u64,
    /// The optional `N:M` sparsity field; it applies only when the configuration turns
    /// sparsity on ([`ArrayConfig::sparsity`]), with 1:1 when absent.
    pub sparsity: Option<(u64, u64)>,
    pub gemm: Option<Gemm>,
}

impl Layer {
    /// A convolution layer with one stride for both axes.
    pub fn conv(
        name: &str,
        ifmap: [u64; 2],
        filter: [u64; 2],
        channels: u64,
        num_filters: u64,
        stride: u64,
    ) -> Layer {
        Layer {
            name: name.to_string(),
            ifmap_h: ifmap[0],
            ifmap_w: ifmap[1],
            filter_h: filter[0],
            filter_w: filter[1],
            channels,
            num_filters,
            stride_h: stride,
            stride_w: stride,
            sparsity: None,
            gemm: None,
        }
    }

    /// A GEMM `M×K · K×N` in SCALE-Sim's conv form.
    pub fn gemm(name: &str, m: u64, n: u64, k: u64) -> Layer {
        Layer {
            name: name.to_string(),
            ifmap_h: m,
            ifmap_w: k,
            filter_h: 1,
            filter_w: k,
            channels: 1,
            num_filters: n,
            stride_h: 1,
            stride_w: 1,
            sparsity: None,
            gemm: Some(Gemm { m, n, k }),
        }
    }
}

/// Why a layer cannot be simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SimError {
    /// The layer description is invalid (zero sizes, filter larger than the IFMAP, ...).
    Layer(String),
    /// The array configuration is invalid or not supported by the chosen model.
    Config(String),
    /// SCALE-Sim 3.0.0 itself fails on this input (assertion, division by zero, endless loop);
    /// the compatibility model reports that instead of inventing a number.
    ScalesimFails(String),
    /// The layer is too large for this implementation's address bookkeeping.
    TooLarge(String),
    /// A sparsity setting dfc does not simulate (optimized mapping, FILTER offset 0, traces).
    Unsupported(String),
    /// An `N:M` ratio SCALE-Sim fails on (`N > M`).
    BadSparsity(String),
    /// A custom layout dfc does not simulate (default model, with sparsity, odd axis orders).
    LayoutUnsupported(String),
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SimError::Layer(m) => write!(f, "invalid layer: {m}"),
            SimError::Config(m) => write!(f, "invalid array configuration: {m}"),
            SimError::ScalesimFails(m) => write!(f, "SCALE-Sim 3.0.0 fails on this input: {m}"),
            SimError::TooLarge(m) => write!(f, "layer too large to simulate: {m}"),
            SimError::Unsupported(m) => write!(f, "not simulated: {m}"),
            SimError::BadSparsity(m) => write!(f, "invalid sparsity: {m}"),
            SimError::LayoutUnsupported(m) => write!(f, "custom layout not simulated: {m}"),
        }
    }
}

impl std::error::Error for SimError {}

/// Simulates one layer and returns every report column (see `docs/semantics/scalesim.md`, "Report columns").
pub fn simulate(
    layer: &Layer,
    config: &ArrayConfig,
    model: Model,
) -> Result<LayerReport, SimError> {
    let geom = geometry::Geometry::new(layer, config, model)?;
    if let Some(sparse) = geom.sparse {
        if let Some((block, seed)) = sparse.optimized {
            return optimized::run(&geom, &sparse, block, seed);
        }
    }
    engine::run(&geom)
}

/// Simulates every layer, in parallel (layers are independent, see `docs/semantics/scalesim.md`, "Input files");
/// reports in layer order.
pub fn simulate_all(
    layers: &[Layer],
    config: &ArrayConfig,
    model: Model,
) -> Result<Vec<LayerReport>, SimError> {
    use rayon::prelude::*;
    layers
        .par_iter()
        .map(|l| simulate(l, config, model))
        .collect()
}

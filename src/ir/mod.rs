//! The IR: what a valid `.df` program means. Names are resolved to typed ids, units are
//! converted to base units (elements, bytes, cycles, pJ), layers are lowered to the canonical
//! loop dimensions `N G K C R S Y X` with derived outputs `Y' X'`, and every value keeps the
//! span of the text it came from. Back ends read only these types, never syntax.
//!
//! Built by [`lower::lower_program`]; printed back to `.df` by [`emit`]. What the back ends
//! and importers share lives beside the types: [`instantiate`] evaluates a dataflow for one
//! layer, [`shape`] derives a layer's loop bounds from its arguments, [`units`] and
//! [`hardware_keys`] hold the unit and MAESTRO-keyword tables. Nothing here but `lower` and
//! `emit` sees the AST.

pub mod emit;
pub mod hardware_keys;
pub mod instantiate;
pub mod lower;
mod modules;
pub mod noc;
pub mod shape;
pub mod sparsity;
pub mod sweep;
pub mod systolic;
mod test;
pub mod units;

pub use modules::{stdlib_files, Loader, ModuleRequest, NoFiles};
pub use sparsity::{
    Density, Distribution, Format, Ineffectual, LayerSparsity, OperandFormats, SparseSupport,
};
pub use test::{CmpOp, CostModel, ExpectOp, Expectation, Metric, Snapshot, Test, TestRun};

use crate::source::Span;

macro_rules! declare_id {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

declare_id! {
    /// A network of [`Program::networks`].
    NetworkId;
    /// A hardware description of [`Program::hardware`].
    HardwareId;
    /// A dataflow of [`Program::dataflows`].
    DataflowId;
    /// A mapping of [`Program::mappings`].
    MappingId;
    /// A heterogeneous accelerator of [`Program::accelerators`].
    AcceleratorId;
    /// A workload of [`Program::workloads`].
    WorkloadId;
}

/// A loop dimension. `YOut`/`XOut` are MAESTRO's primed output dimensions `Y'`/`X'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Dim {
    N,
    G,
    K,
    C,
    R,
    S,
    Y,
    X,
    YOut,
    XOut,
}

impl Dim {
    pub const ALL: [Dim; 10] = [
        Dim::N,
        Dim::G,
        Dim::K,
        Dim::C,
        Dim::R,
        Dim::S,
        Dim::Y,
        Dim::X,
        Dim::YOut,
        Dim::XOut,
    ];

    /// The loops of a layer's nest, output-centric (`Y'`, `X'` rather than `Y`, `X`), in
    /// canonical order: their product is the MAC count.
    pub const LOOPS: [Dim; 8] = [
        Dim::N,
        Dim::G,
        Dim::K,
        Dim::C,
        Dim::R,
        Dim::S,
        Dim::YOut,
        Dim::XOut,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dim::N => "N",
            Dim::G => "G",
            Dim::K => "K",
            Dim::C => "C",
            Dim::R => "R",
            Dim::S => "S",
            Dim::Y => "Y",
            Dim::X => "X",
            Dim::YOut => "Y'",
            Dim::XOut => "X'",
        }
    }

    pub fn parse(name: &str) -> Option<Dim> {
        Dim::ALL.iter().copied().find(|d| d.name() == name)
    }

    /// Position in [`Dim::ALL`], for tables indexed by dimension.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Dim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A whole program: every item of the root file and of the files it imports.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    pub networks: Vec<Network>,
    pub hardware: Vec<Hardware>,
    pub dataflows: Vec<Dataflow>,
    pub mappings: Vec<Mapping>,
    pub tests: Vec<Test>,
    pub accelerators: Vec<Accelerator>,
    pub workloads: Vec<Workload>,
    pub sweeps: Vec<sweep::Sweep>,
}

impl Program {
    /// Rename items so that no two share a name (`x`, `x_2`, …), in item order. Items refer
    /// to each other by id, so renaming keeps the program's meaning; importers call this so
    /// that what they emit re-parses (a `.df` file has one namespace of items).
    pub fn make_item_names_unique(&mut self) {
        let mut used = std::collections::HashSet::new();
        let mut unique = |name: &mut String| {
            if !used.insert(name.clone()) {
                let base = name.clone();
                let mut n = 2;
                while !used.insert(format!("{base}_{n}")) {
                    n += 1;
                }
                *name = format!("{base}_{n}");
            }
        };
        self.networks.iter_mut().for_each(|x| unique(&mut x.name));
        self.hardware.iter_mut().for_each(|x| unique(&mut x.name));
        self.dataflows.iter_mut().for_each(|x| unique(&mut x.name));
        self.mappings.iter_mut().for_each(|x| unique(&mut x.name));
        self.accelerators
            .iter_mut()
            .for_each(|x| unique(&mut x.name));
        self.workloads.iter_mut().for_each(|x| unique(&mut x.name));
        self.sweeps.iter_mut().for_each(|x| unique(&mut x.name));
    }

    pub fn network(&self, id: NetworkId) -> &Network {
        &self.networks[id.index()]
    }
    pub fn hardware(&self, id: HardwareId) -> &Hardware {
        &self.hardware[id.index()]
    }
    pub fn dataflow(&self, id: DataflowId) -> &Dataflow {
        &self.dataflows[id.index()]
    }
    pub fn mapping(&self, id: MappingId) -> &Mapping {
        &self.mappings[id.index()]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub name: String,
    pub layers: Vec<Layer>,
    pub span: Span,
}

/// The operator a layer was written with; it decides how the layer is printed and which
/// MAESTRO layer type it becomes, while [`Shape`] holds its canonical loop bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerOp {
    /// Convolution, grouped when `G > 1`.
    Conv,
    /// Depthwise convolution: one filter per channel (`G` = channels, `K` = `C` = 1).
    DwConv,
    /// Pointwise (1×1) convolution.
    PwConv,
    /// Transposed convolution, lowered to a stride-1 convolution over the zero-inserted input.
    TConv,
    /// `C[M,N] = A[M,K]·B[K,N]`, lowered as a 1×1 convolution with `Y = M`, `X = 1`.
    Gemm,
    /// A fully connected layer: `K` outputs from `C` inputs, `N` the batch.
    Fc,
    /// Batched matmul (attention): `B` independent GEMMs, `B` lowered to `N`.
    Matmul,
}

impl LayerOp {
    pub const ALL: [LayerOp; 7] = [
        LayerOp::Conv,
        LayerOp::DwConv,
        LayerOp::PwConv,
        LayerOp::TConv,
        LayerOp::Gemm,
        LayerOp::Fc,
        LayerOp::Matmul,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LayerOp::Conv => "conv",
            LayerOp::DwConv => "dwconv",
            LayerOp::PwConv => "pwconv",
            LayerOp::TConv => "tconv",
            LayerOp::Gemm => "gemm",
            LayerOp::Fc => "fc",
            LayerOp::Matmul => "matmul",
        }
    }

    pub fn parse(name: &str) -> Option<LayerOp> {
        LayerOp::ALL.iter().copied().find(|o| o.name() == name)
    }
}

/// Canonical loop bounds of a layer. `k` and `c` are per group; `y`, `x` are the input size
/// as written (before padding); `out_y`, `out_x` follow from stride, padding (per side) and
/// dilation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Shape {
    pub n: u64,
    pub g: u64,
    pub k: u64,
    pub c: u64,
    pub r: u64,
    pub s: u64,
    pub y: u64,
    pub x: u64,
    pub stride_y: u64,
    pub stride_x: u64,
    /// Zero padding on each side of the input (`pad` sets all four, `pad_y` top and
    /// bottom, `pad_x` left and right; `pad_top`, … one side each).
    pub pad_top: u64,
    pub pad_bottom: u64,
    pub pad_left: u64,
    pub pad_right: u64,
    /// Extra output rows (columns) at the bottom (right) of a transposed convolution, as
    /// ONNX's and PyTorch's `output_padding`; 0 for every other operator.
    pub output_padding_y: u64,
    pub output_padding_x: u64,
    pub dilation_y: u64,
    pub dilation_x: u64,
    pub out_y: u64,
    pub out_x: u64,
    /// Whether the batch `N` was written (MAESTRO couples `N` to the tensors only then).
    pub batch_declared: bool,
    /// Whether the size was given as the output `Y'` (`X'`) and the input derived from it.
    pub output_declared_y: bool,
    pub output_declared_x: bool,
}

fn product(values: &[u64]) -> u64 {
    values.iter().fold(1u64, |acc, v| acc.saturating_mul(*v))
}

#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: String,
    pub op: LayerOp,
    pub shape: Shape,
    /// Indices of the layers of the same network this one depends on (all earlier).
    pub preds: Vec<usize>,
    pub span: Span,
}

impl Layer {
    /// Useful multiply-accumulates: `N·G·K·C·R·S·Y'·X'` with the filter's taps `R`, `S` (not
    /// its dilated extent); a transposed convolution counts one MAC per input pixel and weight
    /// (`N·G·K·C·R·S·Y·X`), not the products with inserted zeros.
    pub fn macs(&self) -> u64 {
        let s = &self.shape;
        let (y, x) = if self.op == LayerOp::TConv {
            (s.y, s.x)
        } else {
            (s.out_y, s.out_x)
        };
        product(&[s.n, s.g, s.k, s.c, s.r, s.s, y, x])
    }

    /// Multiply-accumulates a dense accelerator executes over the loop bounds
    /// ([`Layer::loop_bound`]): the dilated filter extent and, for a transposed convolution,
    /// the zero-inserted input. At least [`Layer::macs`].
    pub fn dense_macs(&self) -> u64 {
        product(&Dim::LOOPS.map(|d| self.loop_bound(d)))
    }

    /// The loop bound a cost model iterates over for `dim`: the padded (for transposed
    /// convolutions, zero-inserted) input for `Y`/`X`, and the dilated filter extent for
    /// `R`/`S`, so that `Y' = (Y − R)/stride + 1` holds in these terms.
    pub fn loop_bound(&self, dim: Dim) -> u64 {
        let s = &self.shape;
        match dim {
            Dim::N => s.n,
            Dim::G => s.g,
            Dim::K => s.k,
            Dim::C => s.c,
            Dim::R => (s.r - 1) * s.dilation_y + 1,
            Dim::S => (s.s - 1) * s.dilation_x + 1,
            Dim::Y => self.padded_input(
                s.y,
                (s.pad_top, s.pad_bottom),
                s.stride_y,
                self.loop_bound(Dim::R),
                s.output_padding_y,
            ),
            Dim::X => self.padded_input(
                s.x,
                (s.pad_left, s.pad_right),
                s.stride_x,
                self.loop_bound(Dim::S),
                s.output_padding_x,
            ),
            Dim::YOut => s.out_y,
            Dim::XOut => s.out_x,
        }
    }

    /// Input extent after padding (`pads` = before, after); for a transposed convolution,
    /// after inserting `stride − 1` zeros between inputs, padding by `extent − 1 − pad` on
    /// each side and adding the output padding at the end.
    fn padded_input(
        &self,
        input: u64,
        (before, after): (u64, u64),
        stride: u64,
        extent: u64,
        output_padding: u64,
    ) -> u64 {
        if self.op == LayerOp::TConv {
            (input - 1) * stride + 1 + (extent - 1 - before) + (extent - 1 - after) + output_padding
        } else {
            input + before + after
        }
    }

    /// The stride a cost model sees: 1 for transposed convolutions (they are lowered over the
    /// zero-inserted input), the layer's stride otherwise.
    pub fn loop_stride_y(&self) -> u64 {
        if self.op == LayerOp::TConv {
            1
        } else {
            self.shape.stride_y
        }
    }

    pub fn loop_stride_x(&self) -> u64 {
        if self.op == LayerOp::TConv {
            1
        } else {
            self.shape.stride_x
        }
    }
}

/// A buffer capacity as written: in elements or in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Size {
    Elements(u64),
    Bytes(u64),
}

impl Size {
    /// Capacity in elements of `precision` (bytes need a precision; lowering guarantees one).
    pub fn elements(self, precision: Option<Precision>) -> u64 {
        match (self, precision) {
            (Size::Elements(n), _) => n,
            (Size::Bytes(b), Some(p)) => b * 8 / u64::from(p.bits),
            (Size::Bytes(b), None) => b,
        }
    }
}

impl Size {
    /// Capacity in bytes, elements counted at `precision` (1 byte each without one).
    pub fn bytes(self, precision: Option<Precision>) -> u64 {
        match self {
            Size::Bytes(b) => b,
            Size::Elements(n) => n * u64::from(precision.map_or(8, |p| p.bits)) / 8,
        }
    }
}

/// A transfer rate per cycle, in elements or bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Bandwidth {
    ElementsPerCycle(u64),
    BytesPerCycle(u64),
}

impl Bandwidth {
    pub fn elements_per_cycle(self, precision: Option<Precision>) -> u64 {
        match (self, precision) {
            (Bandwidth::ElementsPerCycle(n), _) => n,
            (Bandwidth::BytesPerCycle(b), Some(p)) => (b * 8 / u64::from(p.bits)).max(1),
            (Bandwidth::BytesPerCycle(b), None) => b,
        }
    }
}

/// A number format: `int8`, `fp16`, …
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Precision {
    pub name: &'static str,
    pub bits: u32,
}

impl Precision {
    /// Integers of every width from 2 to 8 bits (what per-layer quantization emits), then
    /// the wider and floating-point formats.
    pub const ALL: [Precision; 13] = [
        Precision {
            name: "int2",
            bits: 2,
        },
        Precision {
            name: "int3",
            bits: 3,
        },
        Precision {
            name: "int4",
            bits: 4,
        },
        Precision {
            name: "int5",
            bits: 5,
        },
        Precision {
            name: "int6",
            bits: 6,
        },
        Precision {
            name: "int7",
            bits: 7,
        },
        Precision {
            name: "int8",
            bits: 8,
        },
        Precision {
            name: "int16",
            bits: 16,
        },
        Precision {
            name: "int32",
            bits: 32,
        },
        Precision {
            name: "fp8",
            bits: 8,
        },
        Precision {
            name: "fp16",
            bits: 16,
        },
        Precision {
            name: "bf16",
            bits: 16,
        },
        Precision {
            name: "fp32",
            bits: 32,
        },
    ];

    pub fn parse(name: &str) -> Option<Precision> {
        Precision::ALL.iter().copied().find(|p| p.name == name)
    }
}

/// Energy per access in picojoules.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EnergyTable {
    pub mac_pj: f64,
    pub l1_pj: f64,
    pub l2_pj: f64,
    pub dram_pj: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hardware {
    pub name: String,
    pub pes: u64,
    /// MACs per PE per cycle (MAESTRO's SIMD lanes). Defaults to 1.
    pub macs_per_pe: u64,
    /// Per-PE buffer.
    pub l1: Size,
    /// Shared buffer.
    pub l2: Size,
    pub noc_bandwidth: Bandwidth,
    /// NoC latency per transfer (MAESTRO: `NoC_NumHops`). Defaults to 1 cycle.
    pub noc_latency_cycles: u64,
    /// Topology and parameters for the analytic NoC models (`noc { topology: … }`).
    pub noc: noc::NocConfig,
    pub dram_bandwidth: Option<Bandwidth>,
    pub precision: Option<Precision>,
    pub energy: Option<EnergyTable>,
    /// A systolic array, for the systolic back end (`dfc simulate`).
    pub systolic: Option<SystolicArray>,
    /// Compression formats and the treatment of ineffectual MACs (`sparse { … }`).
    pub sparse: SparseSupport,
    pub span: Span,
    /// Where each field was written, for diagnostics that blame a hardware value.
    pub field_spans: Vec<(String, Span)>,
}

/// The registers of one systolic cell: stationary operand, streaming operand, partial sum.
const SYSTOLIC_CELL_REGISTERS: u64 = 3;

impl Hardware {
    /// Hardware described by a systolic array alone; the cost model's view follows from the
    /// array (derivation in `grammar/README.md`, "Systolic arrays"): one MAC per cell; as L1
    /// each cell's share of the three operand SRAMs (the analytic model keeps a PE's tile in
    /// its L1, while a systolic cell re-reads its operands from the SRAMs at the array's edges),
    /// but never less than its registers (stationary operand, streaming operand, partial sum);
    /// the three SRAMs as L2; as NoC the array's edges, one word per row and per column a cycle.
    pub fn from_array(name: &str, array: SystolicArray, span: Span) -> Hardware {
        let pes = array.rows * array.cols;
        let sram_words =
            (array.ifmap_sram_bytes + array.filter_sram_bytes + array.ofmap_sram_bytes)
                / array.word_bytes.max(1);
        Hardware {
            name: name.to_string(),
            pes,
            macs_per_pe: 1,
            l1: Size::Elements((sram_words / pes.max(1)).max(SYSTOLIC_CELL_REGISTERS)),
            l2: Size::Elements(sram_words),
            noc_bandwidth: Bandwidth::ElementsPerCycle(array.rows + array.cols),
            noc_latency_cycles: 1,
            noc: noc::NocConfig::default(),
            dram_bandwidth: None,
            precision: None,
            energy: None,
            systolic: Some(array),
            sparse: SparseSupport::default(),
            span,
            field_spans: Vec::new(),
        }
    }

    pub fn field_span(&self, field: &str) -> Span {
        self.field_spans
            .iter()
            .find(|(f, _)| f == field)
            .map_or(self.span, |(_, s)| *s)
    }
}

/// An integer expression in a dataflow, resolved: parameters by index, dimensions by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Const(i64),
    Param(usize),
    /// `Sz(D)`: the loop bound of `D` in the layer being mapped.
    Size(Dim),
    /// Operators of one precedence applied left to right: `a + b - c`. Flat, so a long
    /// chain is not a deep tree; it has at least one operator.
    Chain(Box<Expr>, Vec<(BinOp, Expr)>),
}

impl BinOp {
    /// 1 for `+`/`-`, 2 for `*`/`/`: one chain holds operators of one precedence.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div => 2,
        }
    }
}

/// The arithmetic of dataflow expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// Across sub-units (`spatial`) or over time (`temporal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum MapKind {
    Spatial,
    Temporal,
}

/// One directive of a dataflow, before it is instantiated for a layer.
#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    Map {
        kind: MapKind,
        size: Expr,
        offset: Expr,
        dim: Dim,
        span: Span,
    },
    Cluster {
        size: Expr,
        span: Span,
    },
}

impl Directive {
    pub fn span(&self) -> Span {
        match self {
            Directive::Map { span, .. } | Directive::Cluster { span, .. } => *span,
        }
    }
}

/// A directive with its sizes evaluated for one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ConcreteDirective {
    Map {
        kind: MapKind,
        size: i64,
        offset: i64,
        dim: Dim,
    },
    Cluster {
        size: i64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub default: Option<i64>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dataflow {
    pub name: String,
    pub params: Vec<Param>,
    pub directives: Vec<Directive>,
    pub span: Span,
}

/// What a layer of a mapping runs with.
#[derive(Debug, Clone, PartialEq)]
pub enum DataflowChoice {
    /// Let the mapper choose.
    Search { span: Span },
    /// A dataflow with every parameter's value (defaults filled in).
    Fixed {
        dataflow: DataflowId,
        args: Vec<i64>,
        span: Span,
    },
}

impl DataflowChoice {
    pub fn span(&self) -> Span {
        match self {
            DataflowChoice::Search { span } | DataflowChoice::Fixed { span, .. } => *span,
        }
    }
}

/// Weight and activation precision of one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LayerPrecision {
    pub weights: Precision,
    pub activations: Precision,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LayerMapping {
    pub dataflow: DataflowChoice,
    pub precision: Option<LayerPrecision>,
    /// Operand densities (`sparsity { … }`); dense by default.
    pub sparsity: LayerSparsity,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub name: String,
    pub network: NetworkId,
    pub hardware: HardwareId,
    /// One entry per layer of the network, in layer order.
    pub layers: Vec<LayerMapping>,
    pub span: Span,
}

/// One sub-accelerator: a hardware description running one dataflow.
#[derive(Debug, Clone, PartialEq)]
pub struct SubAccelerator {
    pub name: String,
    pub hardware: HardwareId,
    pub dataflow: DataflowId,
    pub args: Vec<i64>,
    pub span: Span,
}

/// A heterogeneous accelerator: sub-accelerators sharing DRAM bandwidth and a global buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Accelerator {
    pub name: String,
    pub subs: Vec<SubAccelerator>,
    pub dram_bandwidth: Option<Bandwidth>,
    pub global_buffer: Option<Size>,
    pub clock_hz: Option<f64>,
    pub span: Span,
}

/// Networks that run together, each optionally with a frame-rate target.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: String,
    pub networks: Vec<(NetworkId, Option<f64>)>,
    pub span: Span,
}

/// Which operand stays in the PEs of a systolic array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SystolicDataflow {
    /// Output stationary.
    Os,
    /// Weight stationary.
    Ws,
    /// Input stationary.
    Is,
}

impl SystolicDataflow {
    pub fn name(self) -> &'static str {
        match self {
            SystolicDataflow::Os => "os",
            SystolicDataflow::Ws => "ws",
            SystolicDataflow::Is => "is",
        }
    }
}

/// DRAM bandwidth of a systolic array: computed so reads never stall (SCALE-Sim's CALC mode),
/// or given per operand in words per cycle (its USER mode, where reads can stall).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SystolicBandwidth {
    Calc,
    User { ifmap: u64, filter: u64, ofmap: u64 },
}

/// A rows × cols systolic array with its three operand SRAMs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SystolicArray {
    pub rows: u64,
    pub cols: u64,
    pub dataflow: SystolicDataflow,
    /// SRAM sizes in bytes (whole KiB).
    pub ifmap_sram_bytes: u64,
    pub filter_sram_bytes: u64,
    pub ofmap_sram_bytes: u64,
    pub bandwidth: SystolicBandwidth,
    /// Word address offsets of the operands in traces.
    pub offsets: [u64; 3],
    pub word_bytes: u64,
    /// N:M weight sparsity support (`None`: the layers' ratios are ignored).
    pub sparsity: Option<systolic::SystolicSparsity>,
    pub layout: systolic::SystolicLayout,
}

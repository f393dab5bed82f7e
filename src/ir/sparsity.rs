//! Sparsity as the IR holds it: how dense each operand of a layer is (a mapping's `sparsity`
//! block) and how a hardware stores sparse operands and treats ineffectual MACs (its `sparse`
//! block). The semantics are in `docs/sparsity.md`.

/// Nonzeros are counted in parts per billion, so a density written with up to nine decimals
/// is held exactly.
pub const PER_BILLION: u64 = 1_000_000_000;

/// How many of an operand's elements are nonzero, and where they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Density {
    #[default]
    Dense,
    /// `N:M`: exactly `n` nonzeros in every `m` consecutive elements along the input channels
    /// (`C`, the reduction), as Ampere's 2:4 and SCALE-Sim's N:M sparsity.
    Structured { n: u32, m: u32 },
    /// A fraction of nonzeros, `per_billion / 10⁹`, placed by `distribution`.
    Random {
        per_billion: u32,
        distribution: Distribution,
    },
}

/// Where a random operand's nonzeros are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Distribution {
    /// Independently, each element nonzero with the density's probability.
    Uniform,
    /// In contiguous bands: a PE's share of the work is either all nonzero or all zero.
    Banded,
}

impl Density {
    /// The expected fraction of nonzeros.
    pub fn fraction(self) -> f64 {
        match self {
            Density::Dense => 1.0,
            Density::Structured { n, m } => f64::from(n) / f64::from(m),
            Density::Random { per_billion, .. } => per_billion as f64 / PER_BILLION as f64,
        }
    }

    pub fn is_dense(self) -> bool {
        match self {
            Density::Dense => true,
            Density::Structured { n, m } => n == m,
            Density::Random { per_billion, .. } => u64::from(per_billion) == PER_BILLION,
        }
    }
}

/// The density of a layer's two operands; outputs are dense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct LayerSparsity {
    pub weights: Density,
    pub activations: Density,
}

impl LayerSparsity {
    pub fn is_dense(self) -> bool {
        self.weights.is_dense() && self.activations.is_dense()
    }
}

/// How a buffer stores an operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Format {
    /// Every element, zeros included; no metadata.
    #[default]
    Uncompressed,
    /// The nonzeros, and one bit per element saying which are nonzero.
    Bitmask,
    /// The nonzeros, each with the count of zeros before it in a `run_bits`-bit field.
    RunLength,
    /// The nonzeros, each with its offset in the tile (`⌈log₂ tile⌉` bits).
    Coordinates,
}

impl Format {
    pub const ALL: [(&'static str, Format); 4] = [
        ("none", Format::Uncompressed),
        ("bitmask", Format::Bitmask),
        ("rle", Format::RunLength),
        ("coo", Format::Coordinates),
    ];

    pub fn name(self) -> &'static str {
        Format::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("none", |(n, _)| n)
    }
}

/// What the PEs do with a MAC one of whose operands is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub enum Ineffectual {
    /// Compute it like any other.
    #[default]
    Compute,
    /// Recognise it and stay idle for its cycle: energy saved, time not.
    Gate,
    /// Never schedule it: energy and time saved.
    Skip,
}

/// The formats of the two operands in one buffer level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct OperandFormats {
    pub weights: Format,
    pub activations: Format,
}

/// A hardware's support for sparse operands (`sparse { … }`); the default is a dense
/// accelerator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct SparseSupport {
    /// Per-PE buffers.
    pub l1: OperandFormats,
    /// The shared buffer, and what crosses the NoC from it.
    pub l2: OperandFormats,
    pub ineffectual: Ineffectual,
    /// Width of a run-length field.
    pub run_bits: u32,
}

impl SparseSupport {
    /// A dense accelerator: no formats, every MAC computed.
    pub const DENSE: SparseSupport = SparseSupport {
        l1: OperandFormats {
            weights: Format::Uncompressed,
            activations: Format::Uncompressed,
        },
        l2: OperandFormats {
            weights: Format::Uncompressed,
            activations: Format::Uncompressed,
        },
        ineffectual: Ineffectual::Compute,
        run_bits: 4,
    };
}

impl Default for SparseSupport {
    fn default() -> Self {
        SparseSupport::DENSE
    }
}

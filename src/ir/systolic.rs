//! A systolic array's SCALE-Sim settings beyond its shape and memories: N:M weight sparsity
//! (`systolic { sparsity { … } }`) and custom DRAM layouts of IFMAP and FILTER with their SRAM
//! banks (`systolic { layout { … } }`). The semantics are SCALE-Sim's, written down in
//! `docs/semantics/scalesim.md` ("N:M sparsity", "Optimized sparse mapping", "Layout files").

/// How the pruned filter and its metadata are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SparseRepresentation {
    Csr,
    Csc,
    EllpackBlock,
}

impl SparseRepresentation {
    pub const ALL: [(&'static str, SparseRepresentation); 3] = [
        ("csr", SparseRepresentation::Csr),
        ("csc", SparseRepresentation::Csc),
        ("ellpack_block", SparseRepresentation::EllpackBlock),
    ];

    pub fn name(self) -> &'static str {
        match self {
            SparseRepresentation::Csr => "csr",
            SparseRepresentation::Csc => "csc",
            SparseRepresentation::EllpackBlock => "ellpack_block",
        }
    }
}

/// SCALE-Sim's optimized sparse mapping: every filter draws its own `N` for blocks of
/// `block_size`, from a generator seeded with `seed` for every layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct OptimizedMapping {
    pub block_size: u64,
    pub seed: u64,
}

/// Sparsity support of the array: the layers' `N:M` weight ratios (a mapping's `sparsity`
/// block) apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SystolicSparsity {
    pub representation: SparseRepresentation,
    pub optimized: Option<OptimizedMapping>,
}

/// A custom DRAM layout of one operand and the SRAM banks that read it. The numbers are those
/// of a SCALE-Sim layout row: IFMAP axes height, width, channels; FILTER axes filters,
/// channels, height, width.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OperandLayout {
    /// Intraline factors: the tile one DRAM row holds.
    pub tile: Vec<u64>,
    /// Intraline and interline orders.
    pub intraline: Vec<u64>,
    pub interline: Vec<u64>,
    /// Words a DRAM row (and the banks together) deliver: in USER mode the operand's DRAM
    /// bandwidth, in CALC mode written in the layout.
    pub bandwidth: u64,
    pub banks: u64,
    pub ports: u64,
}

impl OperandLayout {
    /// SCALE-Sim's conditions on a layout: the orders name every axis of the tiled operand once
    /// (tile counts `0..rank`, in-tile positions `rank..2·rank`), an IFMAP tile fits a row, a
    /// FILTER tile fills one exactly, and in USER mode the row splits evenly over the banks.
    pub fn check(&self, operand: &str, user: bool) -> Result<(), String> {
        let what = operand.to_uppercase();
        let rank = self.tile.len() as u64;
        let mut seen = vec![false; 2 * rank as usize];
        for &axis in self.interline.iter().chain(&self.intraline) {
            if axis >= 2 * rank || std::mem::replace(&mut seen[axis as usize], true) {
                return Err(format!(
                    "the {what} interline and intraline orders must name the axes 0 to {} once each",
                    2 * rank - 1
                ));
            }
        }
        let product = self
            .tile
            .iter()
            .try_fold(1u64, |p, &f| p.checked_mul(f))
            .unwrap_or(u64::MAX);
        if operand == "ifmap" && product > self.bandwidth {
            return Err(format!(
                "the IFMAP tile holds {product} words, more than a row of {}",
                self.bandwidth
            ));
        }
        if operand == "filter" && product != self.bandwidth {
            return Err(format!(
                "the FILTER tile holds {product} words, not a row of {}",
                self.bandwidth
            ));
        }
        if user && !self.bandwidth.is_multiple_of(self.banks) {
            return Err(format!(
                "a row of {} words does not split evenly over {} banks",
                self.bandwidth, self.banks
            ));
        }
        Ok(())
    }
}

/// The axes of the IFMAP's and the FILTER's layouts, as `.df` names them.
pub const IFMAP_AXES: [&str; 3] = ["height", "width", "channels"];
pub const FILTER_AXES: [&str; 4] = ["filters", "channels", "height", "width"];

/// SCALE-Sim's shipped bank count and ports per bank, and its CALC-mode bank bandwidth.
pub const DEFAULT_BANKS: u64 = 10;
pub const DEFAULT_PORTS: u64 = 2;
pub const DEFAULT_BANK_BANDWIDTH: u64 = 10;

/// Custom layouts of the operands; `None` is the dataflow's own fetch order.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SystolicLayout {
    pub ifmap: Option<OperandLayout>,
    pub filter: Option<OperandLayout>,
}

//! SCALE-Sim 3.0.0's N:M structured weight sparsity (`docs/semantics/scalesim.md`, "N:M
//! sparsity"): which window elements survive, the compressed filter's storage per
//! representation, and the `SPARSE_REPORT.csv` columns.
//!
//! With sparsity on, every filter column keeps the first `N` of each block of `M` window
//! elements; the IFMAP operand loses the window elements no filter keeps. The layer then runs
//! as a dense layer over the `K'` kept window elements, so the rest of the simulator needs
//! only the list of kept elements ([`kept_window`]).

use std::fmt;

use super::pyfmt::py_float_repr;
use super::{ArrayConfig, Layer, SimError};

/// `[sparsity] SparseRep`: how the compressed filter and its metadata are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum SparseRep {
    /// Compressed sparse row (`csr`).
    Csr,
    /// Compressed sparse column (`csc`).
    Csc,
    /// Blocked ELLPACK (`ellpack_block`).
    EllpackBlock,
}

impl SparseRep {
    /// SCALE-Sim's spelling, as printed in `SPARSE_REPORT.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            SparseRep::Csr => "csr",
            SparseRep::Csc => "csc",
            SparseRep::EllpackBlock => "ellpack_block",
        }
    }

    /// The representation SCALE-Sim names `text`, if it is one.
    pub fn parse(text: &str) -> Option<SparseRep> {
        match text {
            "csr" => Some(SparseRep::Csr),
            "csc" => Some(SparseRep::Csc),
            "ellpack_block" => Some(SparseRep::EllpackBlock),
            _ => None,
        }
    }
}

/// The `[sparsity]` section when `SparsitySupport` is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Sparsity {
    pub representation: SparseRep,
    /// `OptimizedMapping`: per-column random ratios; not simulated (E1401).
    pub optimized_mapping: bool,
    /// `BlockSize` (read by SCALE-Sim only with the optimized mapping).
    pub block_size: u64,
    /// `RandomNumberGeneratorSeed` (used by SCALE-Sim only with the optimized mapping).
    pub seed: u64,
}

/// A storage count as SCALE-Sim prints it: a Python `int`, or a `float` where it divides.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Words {
    Int(u64),
    Float(f64),
}

impl fmt::Display for Words {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Words::Int(v) => write!(f, "{v}"),
            Words::Float(v) => f.write_str(&py_float_repr(v)),
        }
    }
}

/// The sparse columns of one layer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SparseReport {
    pub representation: SparseRep,
    /// The layer's `N:M` (1:1 when its topology line has none).
    pub ratio: (u64, u64),
    /// Dense filter words, `K · filters`.
    pub original_storage: u64,
    /// Compressed filter plus metadata.
    pub new_storage: Words,
    pub metadata_storage: Words,
    /// `metadata / Total Cycles`.
    pub avg_metadata_sram_bw: f64,
    /// WS only: SCALE-Sim counts every IFMAP demand `M/N` times (a float).
    pub ifmap_sram_reads: Option<f64>,
}

/// Header of `SPARSE_REPORT.csv` (SCALE-Sim's, trailing space included).
pub const SPARSE_REPORT_HEADER: &str = "LayerID, Sparsity Representation, Original Filter \
     Storage, New Storage (Filter+Metadata), Filter Metadata Storage, Avg FILTER Metadata SRAM \
     BW, \n";

/// A sparse layer's shape before its pruned window elements were dropped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SparseShape {
    pub representation: SparseRep,
    pub ratio: (u64, u64),
    /// Window size `K` of the dense layer.
    pub k_dense: u64,
    /// The optimized mapping's `BlockSize` and seed (WS only), when it is on.
    pub optimized: Option<(u64, u64)>,
}

/// With sparsity on, the layer's sparse shape and the window elements (of `k`) it keeps;
/// refuses what dfc does not simulate (the optimized mapping, FILTER offset 0).
pub(crate) fn sparse_window(
    layer: &Layer,
    cfg: &ArrayConfig,
    model: super::Model,
    k: u64,
) -> Result<Option<(SparseShape, Vec<u64>)>, SimError> {
    let Some(sp) = cfg.sparsity else {
        return Ok(None);
    };
    if sp.optimized_mapping
        && (model != super::Model::Scalesim || cfg.dataflow != super::Dataflow::Ws)
    {
        return Err(SimError::Unsupported(
            "SCALE-Sim's optimized sparse mapping (OptimizedMapping = true) is simulated for \
             the WS dataflow in the SCALE-Sim model only"
                .to_string(),
        ));
    }
    if cfg.filter_offset == 0 {
        return Err(SimError::Unsupported(
            "sparsity with FilterOffset 0 (SCALE-Sim then takes FILTER address 0 for a pruned \
             weight)"
                .to_string(),
        ));
    }
    let ratio = layer.sparsity.unwrap_or((1, 1));
    // The optimized mapping prunes per filter (`optimized.rs`): the window stays whole.
    let kept = if sp.optimized_mapping {
        (0..k).collect()
    } else {
        kept_window(k, ratio)?
    };
    let shape = SparseShape {
        representation: sp.representation,
        ratio,
        k_dense: k,
        optimized: sp.optimized_mapping.then_some((sp.block_size, sp.seed)),
    };
    Ok(Some((shape, kept)))
}

/// The window elements a filter with ratio `n:m` keeps, in order: `k` with `k mod m < n`.
/// SCALE-Sim fails on `n > m` (a negative array size), and keeps nothing of a zero ratio.
pub(crate) fn kept_window(k: u64, (n, m): (u64, u64)) -> Result<Vec<u64>, SimError> {
    if n == 0 || m == 0 {
        return Err(SimError::BadSparsity(format!(
            "the sparsity ratio {n}:{m} keeps no weight"
        )));
    }
    if n > m {
        return Err(SimError::BadSparsity(format!(
            "the sparsity ratio {n}:{m} has N > M (SCALE-Sim 3.0.0 fails building its \
             N:M pattern)"
        )));
    }
    Ok((0..k).filter(|x| x % m < n).collect())
}

/// The storage columns of a layer with `k` window elements (`kept` of them kept) and
/// `filters` filters under `rep` (see `docs/semantics/scalesim.md`, "N:M sparsity").
pub(crate) fn storage(
    rep: SparseRep,
    k: u64,
    kept: u64,
    filters: u64,
    m: u64,
) -> (u64, Words, Words) {
    let original = k * filters;
    let nonzeros = kept * filters;
    match rep {
        SparseRep::Csr => {
            let meta = nonzeros + k + 1;
            (original, Words::Int(nonzeros + meta), Words::Int(meta))
        }
        SparseRep::Csc => {
            let meta = nonzeros + filters + 1;
            (original, Words::Int(nonzeros + meta), Words::Int(meta))
        }
        SparseRep::EllpackBlock => {
            // log2(M) bits of position per stored word, in 32-bit words.
            let bits = 64 - (m - 1).leading_zeros() as u64;
            let meta = (nonzeros * bits) as f64 / 32.0;
            (
                original,
                Words::Float(nonzeros as f64 + meta),
                Words::Float(meta),
            )
        }
    }
}

/// The sparse columns of the optimized mapping: `kept` weights stored, the compressed
/// filter `rows` deep (ELLPACK counts its padding), IFMAP reads not scaled.
pub(crate) fn storage_optimized(
    sparse: &SparseShape,
    g: &super::geometry::Geometry,
    kept: u64,
    rows: u64,
    total: u64,
) -> SparseReport {
    let (k, filters, m) = (sparse.k_dense, g.n, sparse.ratio.1);
    let (original_storage, new_storage, metadata_storage) = match sparse.representation {
        SparseRep::EllpackBlock => {
            let (_, new, meta) = storage(SparseRep::EllpackBlock, k, rows, filters, m);
            (k * filters, new, meta)
        }
        rep => {
            // `storage` takes kept window elements per filter; CSR/CSC need only the total.
            let (o, _, _) = storage(rep, k, 0, filters, m);
            let pointers = if rep == SparseRep::Csr {
                k + 1
            } else {
                filters + 1
            };
            let meta = kept + pointers;
            (o, Words::Int(kept + meta), Words::Int(meta))
        }
    };
    SparseReport {
        representation: sparse.representation,
        ratio: sparse.ratio,
        original_storage,
        new_storage,
        metadata_storage,
        avg_metadata_sram_bw: metadata_bandwidth(metadata_storage, total),
        ifmap_sram_reads: None,
    }
}

/// Metadata words over total cycles, as Python divides an `int` or a `float`.
pub(crate) fn metadata_bandwidth(metadata: Words, total: u64) -> f64 {
    match metadata {
        Words::Int(v) => super::compute::ratio(v as u128, total as u128),
        Words::Float(v) => v / total as f64,
    }
}

/// `SPARSE_REPORT.csv` for the layers that carry sparse columns (all of a sparse run).
pub fn sparse_report_csv(layers: &[super::LayerReport]) -> String {
    let mut s = SPARSE_REPORT_HEADER.to_string();
    for (i, l) in layers.iter().enumerate() {
        if let Some(sp) = &l.sparse {
            s.push_str(&format!(
                "{i}, {}, {}, {}, {}, {},\n",
                sp.representation.as_str(),
                sp.original_storage,
                sp.new_storage,
                sp.metadata_storage,
                py_float_repr(sp.avg_metadata_sram_bw)
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_window_follows_the_pattern() {
        assert_eq!(kept_window(7, (2, 4)).unwrap(), vec![0, 1, 4, 5]);
        assert_eq!(kept_window(5, (1, 1)).unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(kept_window(3, (2, 3)).unwrap(), vec![0, 1]);
        assert!(matches!(
            kept_window(3, (5, 4)),
            Err(SimError::BadSparsity(_))
        ));
    }

    #[test]
    fn storage_of_each_representation() {
        // GEMM K = 37, 4 filters, 1:2 (19 kept): SCALE-Sim's csr row 148, 190, 114.
        assert_eq!(
            storage(SparseRep::Csr, 37, 19, 4, 2),
            (148, Words::Int(190), Words::Int(114))
        );
        assert_eq!(
            storage(SparseRep::Csc, 37, 19, 4, 2),
            (148, Words::Int(157), Words::Int(81))
        );
        let (_, new, meta) = storage(SparseRep::EllpackBlock, 9, 6, 2, 3);
        assert_eq!(
            (new.to_string(), meta.to_string()),
            ("12.75".into(), "0.75".into())
        );
        let (_, _, meta) = storage(SparseRep::EllpackBlock, 9, 9, 2, 1);
        assert_eq!(meta.to_string(), "0.0");
    }
}

//! Per-layer results and SCALE-Sim's three report files (`docs/semantics/scalesim.md`, "Report columns" and
//! "Number formatting").

use super::pyfmt::{py_float_repr, py_int_float};
use super::sparse::SparseReport;
use super::{Dataflow, Model};

/// Start cycle, stop cycle and access count of one operand at one memory level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Access {
    pub start_cycle: i64,
    pub stop_cycle: i64,
    /// Reads (IFMAP, FILTER) or writes (OFMAP).
    pub count: u64,
}

/// Every report column of one layer, plus the layer as it was simulated.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerReport {
    pub name: String,
    pub model: Model,
    pub dataflow: Dataflow,
    // The layer as simulated (after `DP` expansion and GEMM conversion).
    pub ifmap_h: u64,
    pub ifmap_w: u64,
    pub filter_h: u64,
    pub filter_w: u64,
    pub channels: u64,
    pub num_filters: u64,
    pub stride_h: u64,
    pub stride_w: u64,
    /// Output size (ceil'd in the SCALE-Sim model, quirk Q5), pixels per filter, window, MACs.
    pub ofmap_h: u64,
    pub ofmap_w: u64,
    pub ofmap_px: u64,
    pub window: u64,
    pub macs: u64,
    pub row_folds: u64,
    pub col_folds: u64,
    /// Demand lines (cycles without stalls).
    pub demand_lines: u64,
    // COMPUTE_REPORT.csv
    /// From the first DRAM prefetch to the last OFMAP drain.
    pub total_cycles_incl_prefetch: i64,
    /// Compute and stall cycles.
    pub total_cycles: u64,
    pub stall_cycles: u64,
    pub overall_util_pct: f64,
    pub mapping_efficiency_pct: f64,
    pub compute_util_pct: f64,
    // BANDWIDTH_REPORT.csv (words per cycle)
    pub avg_ifmap_sram_bw: f64,
    pub avg_filter_sram_bw: f64,
    pub avg_ofmap_sram_bw: f64,
    pub avg_ifmap_dram_bw: f64,
    pub avg_filter_dram_bw: f64,
    pub avg_ofmap_dram_bw: f64,
    // DETAILED_ACCESS_REPORT.csv
    pub sram_ifmap: Access,
    pub sram_filter: Access,
    pub sram_ofmap: Access,
    pub dram_ifmap: Access,
    pub dram_filter: Access,
    pub dram_ofmap: Access,
    /// With sparsity on: the `SPARSE_REPORT.csv` columns and the float IFMAP reads of WS.
    pub sparse: Option<SparseReport>,
}

/// Header line of `COMPUTE_REPORT.csv` (with its newline).
pub const COMPUTE_REPORT_HEADER: &str = "LayerID, Total Cycles (incl. prefetch), Total Cycles, \
     Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
/// Header line of `BANDWIDTH_REPORT.csv`.
pub const BANDWIDTH_REPORT_HEADER: &str = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg \
     OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n";
/// Header line of `BANDWIDTH_REPORT.csv` with sparsity on (a FILTER metadata column).
pub const SPARSE_BANDWIDTH_REPORT_HEADER: &str = "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM \
     BW, Avg FILTER Metadata SRAM BW, Avg OFMAP SRAM BW, Avg IFMAP DRAM BW, Avg FILTER DRAM BW, \
     Avg OFMAP DRAM BW,\n";
/// Header line of `DETAILED_ACCESS_REPORT.csv`.
pub const DETAILED_ACCESS_REPORT_HEADER: &str = "LayerID, SRAM IFMAP Start Cycle, SRAM IFMAP \
     Stop Cycle, SRAM IFMAP Reads, SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter \
     Reads, SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, DRAM IFMAP Start \
     Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, DRAM Filter Start Cycle, DRAM Filter Stop \
     Cycle, DRAM Filter Reads, DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP \
     Writes,\n";

/// SCALE-Sim's line layout: fields joined by ", ", a trailing comma, a newline.
fn row(id: usize, fields: &[String]) -> String {
    let mut s = id.to_string();
    for f in fields {
        s.push_str(", ");
        s.push_str(f);
    }
    s.push_str(",\n");
    s
}

impl LayerReport {
    /// The COMPUTE_REPORT fields after `LayerID`, as SCALE-Sim prints them.
    pub fn compute_fields(&self) -> Vec<String> {
        vec![
            self.total_cycles_incl_prefetch.to_string(),
            self.total_cycles.to_string(),
            self.stall_cycles.to_string(),
            py_float_repr(self.overall_util_pct),
            py_float_repr(self.mapping_efficiency_pct),
            py_float_repr(self.compute_util_pct),
        ]
    }

    /// The BANDWIDTH_REPORT fields after `LayerID`.
    /// With sparsity on, the FILTER metadata bandwidth follows the FILTER SRAM bandwidth.
    pub fn bandwidth_fields(&self) -> Vec<String> {
        let mut v = vec![self.avg_ifmap_sram_bw, self.avg_filter_sram_bw];
        if let Some(sp) = &self.sparse {
            v.push(sp.avg_metadata_sram_bw);
        }
        v.extend([
            self.avg_ofmap_sram_bw,
            self.avg_ifmap_dram_bw,
            self.avg_filter_dram_bw,
            self.avg_ofmap_dram_bw,
        ]);
        v.iter().map(|&x| py_float_repr(x)).collect()
    }

    /// The DETAILED_ACCESS_REPORT fields after `LayerID` (cycles print as floats, `33.0`).
    pub fn detailed_fields(&self) -> Vec<String> {
        let mut v = Vec::with_capacity(18);
        for a in [
            &self.sram_ifmap,
            &self.sram_filter,
            &self.sram_ofmap,
            &self.dram_ifmap,
            &self.dram_filter,
            &self.dram_ofmap,
        ] {
            v.push(py_int_float(a.start_cycle));
            v.push(py_int_float(a.stop_cycle));
            v.push(a.count.to_string());
        }
        // WS with sparsity: SCALE-Sim's IFMAP reads are a float.
        if let Some(reads) = self.sparse.as_ref().and_then(|s| s.ifmap_sram_reads) {
            v[2] = py_float_repr(reads);
        }
        v
    }
}

/// `COMPUTE_REPORT.csv`, one line per layer (LayerID = position in `layers`).
pub fn compute_report_csv(layers: &[LayerReport]) -> String {
    let mut s = COMPUTE_REPORT_HEADER.to_string();
    for (i, l) in layers.iter().enumerate() {
        s.push_str(&row(i, &l.compute_fields()));
    }
    s
}

/// `BANDWIDTH_REPORT.csv`.
/// The header has the metadata column when the layers are sparse.
pub fn bandwidth_report_csv(layers: &[LayerReport]) -> String {
    let sparse = layers.iter().any(|l| l.sparse.is_some());
    let mut s = if sparse {
        SPARSE_BANDWIDTH_REPORT_HEADER
    } else {
        BANDWIDTH_REPORT_HEADER
    }
    .to_string();
    for (i, l) in layers.iter().enumerate() {
        s.push_str(&row(i, &l.bandwidth_fields()));
    }
    s
}

/// `DETAILED_ACCESS_REPORT.csv`.
pub fn detailed_access_report_csv(layers: &[LayerReport]) -> String {
    let mut s = DETAILED_ACCESS_REPORT_HEADER.to_string();
    for (i, l) in layers.iter().enumerate() {
        s.push_str(&row(i, &l.detailed_fields()));
    }
    s
}

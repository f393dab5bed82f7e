//! From IR to the systolic simulator: a hardware's `systolic` block becomes an `ArrayConfig`
//! and each network layer one or more SCALE-Sim layers. SCALE-Sim knows convolutions and
//! GEMMs only, so layers it cannot express are split the way its users split them: a grouped
//! convolution into one layer per group, a depthwise one into one single-channel layer per
//! channel (SCALE-Sim's own `DP` convention), a batch into one layer per image, a batched
//! matmul into one GEMM per batch. The simulation report's renderers (table, JSON, SCALE-Sim's
//! CSV reports) live here too.

use std::fmt::Write as _;

use super::systolic::{self, ArrayConfig, Bandwidth, Dataflow, Layer, LayerReport};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, LayerOp, SystolicBandwidth, SystolicDataflow};
use crate::source::FileId;

/// The array a hardware description gives, if it has one.
pub fn array_config(hw: &ir::Hardware) -> Option<ArrayConfig> {
    let a = hw.systolic.as_ref()?;
    let dataflow = match a.dataflow {
        SystolicDataflow::Os => Dataflow::Os,
        SystolicDataflow::Ws => Dataflow::Ws,
        SystolicDataflow::Is => Dataflow::Is,
    };
    let mut c = ArrayConfig::new(
        a.rows,
        a.cols,
        dataflow,
        [
            a.ifmap_sram_bytes / 1024,
            a.filter_sram_bytes / 1024,
            a.ofmap_sram_bytes / 1024,
        ],
    );
    c.run_name = hw.name.clone();
    c.word_bytes = a.word_bytes;
    [c.ifmap_offset, c.filter_offset, c.ofmap_offset] = a.offsets;
    if let SystolicBandwidth::User {
        ifmap,
        filter,
        ofmap,
    } = a.bandwidth
    {
        c.bandwidth = Bandwidth::User {
            ifmap,
            filter,
            ofmap,
        };
        c.bandwidth_list = vec![ofmap];
        // SCALE-Sim reads the IFMAP and FILTER bandwidths from the bank bandwidths (quirk Q7).
        c.ifmap_banks.bandwidth = ifmap;
        c.filter_banks.bandwidth = filter;
    }
    Some(c)
}

/// The SCALE-Sim layers of one network layer, named after it.
pub fn layers(layer: &ir::Layer) -> Vec<Layer> {
    let s = &layer.shape;
    let name = &layer.name;
    let conv = |name: String, channels: u64, filters: u64| {
        let mut l = Layer::conv(
            &name,
            [layer.loop_bound(ir::Dim::Y), layer.loop_bound(ir::Dim::X)],
            [layer.loop_bound(ir::Dim::R), layer.loop_bound(ir::Dim::S)],
            channels,
            filters,
            layer.loop_stride_y(),
        );
        l.stride_w = layer.loop_stride_x();
        l
    };
    let per_image = |base: &str, make: &dyn Fn(String) -> Vec<Layer>| -> Vec<Layer> {
        if s.n <= 1 {
            make(base.to_string())
        } else {
            (0..s.n)
                .flat_map(|i| make(format!("{base}Image_{i}")))
                .collect()
        }
    };
    match layer.op {
        LayerOp::Gemm => vec![Layer::gemm(name, s.y, s.k, s.c)],
        LayerOp::Fc => vec![Layer::gemm(name, s.n, s.k, s.c)],
        LayerOp::Matmul => (0..s.n)
            .map(|b| Layer::gemm(&format!("{name}Batch_{b}"), s.y, s.k, s.c))
            .collect(),
        LayerOp::DwConv => per_image(name, &|base| {
            (0..s.g)
                .map(|c| conv(format!("{base}Channel_{c}"), 1, 1))
                .collect()
        }),
        _ if s.g > 1 => per_image(name, &|base| {
            (0..s.g)
                .map(|g| conv(format!("{base}Group_{g}"), s.c, s.k))
                .collect()
        }),
        _ => per_image(name, &|base| vec![conv(base, s.c, s.k)]),
    }
}

/// One network layer's simulation: its SCALE-Sim layers' reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimulatedLayer {
    pub layer: String,
    pub reports: Vec<systolic::LayerReport>,
}

impl SimulatedLayer {
    pub fn total_cycles(&self) -> u64 {
        self.reports.iter().map(|r| r.total_cycles).sum()
    }
    pub fn stall_cycles(&self) -> u64 {
        self.reports.iter().map(|r| r.stall_cycles).sum()
    }
    pub fn macs(&self) -> u64 {
        self.reports.iter().map(|r| r.macs).sum()
    }
}

/// Simulate every layer of a network on an array (layers in parallel, results in order).
pub fn simulate_network(
    network: &ir::Network,
    config: &ArrayConfig,
    model: systolic::Model,
) -> Result<Vec<SimulatedLayer>, (String, systolic::SimError)> {
    network
        .layers
        .iter()
        .map(|l| {
            systolic::simulate_all(&layers(l), config, model)
                .map(|reports| SimulatedLayer {
                    layer: l.name.clone(),
                    reports,
                })
                .map_err(|e| (l.name.clone(), e))
        })
        .collect()
}

/// Layers and the array they run on, under a name (a mapping's, or SCALE-Sim's run name).
pub type SimulationJob = (String, ArrayConfig, Vec<Layer>);

/// A job's name and the reports of its layers, in order.
pub type SimulatedRun = (String, Vec<LayerReport>);

/// One job per mapping the file `root` defines; a mapping whose hardware has no systolic
/// array is an error.
pub fn mapping_jobs(
    program: &ir::Program,
    root: FileId,
) -> Result<Vec<SimulationJob>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for m in program.mappings.iter().filter(|m| m.span.file == root) {
        let hw = program.hardware(m.hardware);
        let Some(config) = array_config(hw) else {
            errors.push(
                Diagnostic::at(Code::SimulationError, hw.span, format!("hardware `{}` has no systolic array", hw.name), "no `systolic { … }` block")
                    .with_label(m.span, format!("mapping `{}` runs on it", m.name))
                    .with_help("add `systolic { rows: …; cols: …; dataflow: ws; ifmap_sram: …; filter_sram: …; ofmap_sram: …; }`"),
            );
            continue;
        };
        let layers = program
            .network(m.network)
            .layers
            .iter()
            .flat_map(layers)
            .collect();
        out.push((m.name.clone(), config, layers));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The operand a `.df` dataflow keeps in place, when its directives say so plainly: the only
/// operand indexed by every spatially mapped dimension; or, when inputs and outputs both are
/// (only `N`, `Y`, `X` spatial), the one that the innermost iterating temporal map of a
/// dimension mapped nowhere spatially leaves alone (`K` iterating: inputs stay; `C`, `R`, `S`
/// iterating: outputs stay). `None` for anything else (row stationary, for instance).
pub fn stationary_operand(df: &ir::Dataflow) -> Option<SystolicDataflow> {
    use ir::Dim::{XOut, YOut, C, K, N, R, S, X, Y};
    let maps = df.directives.iter().filter_map(|d| match d {
        ir::Directive::Map {
            kind,
            size,
            offset,
            dim,
            ..
        } => Some((*kind, size, offset, *dim)),
        ir::Directive::Cluster { .. } => None,
    });
    let plain = |d: ir::Dim| match d {
        YOut => Y,
        XOut => X,
        d => d,
    };
    let spatial: Vec<ir::Dim> = maps
        .clone()
        .filter(|m| m.0 == ir::MapKind::Spatial && m.3 != ir::Dim::G)
        .map(|m| plain(m.3))
        .collect();
    let operands = [
        (SystolicDataflow::Ws, &[K, C, R, S][..]),
        (SystolicDataflow::Is, &[N, C, Y, X][..]),
        (SystolicDataflow::Os, &[N, K, Y, X][..]),
    ];
    let candidates: Vec<SystolicDataflow> = operands
        .iter()
        .filter(|(_, dims)| spatial.iter().all(|d| dims.contains(d)))
        .map(|(op, _)| *op)
        .collect();
    match candidates[..] {
        [one] => return Some(one),
        [SystolicDataflow::Is, SystolicDataflow::Os] => {}
        _ => return None,
    }
    // A map of the whole dimension in one step does not iterate.
    let whole = |size: &ir::Expr, offset: &ir::Expr, dim: ir::Dim| matches!((size, offset), (ir::Expr::Size(a), ir::Expr::Size(b)) if *a == dim && *b == dim);
    let innermost = maps
        .rev()
        .filter(|m| m.0 == ir::MapKind::Temporal && !spatial.contains(&plain(m.3)))
        .find(|m| !whole(m.1, m.2, m.3))?;
    match innermost.3 {
        K => Some(SystolicDataflow::Is),
        C | R | S => Some(SystolicDataflow::Os),
        _ => None,
    }
}

fn stationary_name(d: SystolicDataflow) -> &'static str {
    match d {
        SystolicDataflow::Os => "output stationary (`os`)",
        SystolicDataflow::Ws => "weight stationary (`ws`)",
        SystolicDataflow::Is => "input stationary (`is`)",
    }
}

/// W0502 for each mapping of the file `root` whose dataflow keeps another operand in place
/// than its systolic array does: the simulator runs the array's dataflow.
pub fn dataflow_warnings(program: &ir::Program, root: FileId) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for m in program.mappings.iter().filter(|m| m.span.file == root) {
        let hw = program.hardware(m.hardware);
        let Some(array) = &hw.systolic else {
            continue;
        };
        let differs = m.layers.iter().find_map(|l| match &l.dataflow {
            ir::DataflowChoice::Fixed { dataflow, span, .. } => {
                let df = program.dataflow(*dataflow);
                stationary_operand(df)
                    .filter(|&op| op != array.dataflow)
                    .map(|op| (df, op, *span))
            }
            ir::DataflowChoice::Search { .. } => None,
        });
        if let Some((df, op, span)) = differs {
            out.push(
                Diagnostic::at(
                    Code::DataflowMismatch,
                    span,
                    format!(
                        "mapping `{}` uses `{}`, which is {}, but the array of `{}` is {}; \
                         the simulation runs the array's",
                        m.name,
                        df.name,
                        stationary_name(op),
                        hw.name,
                        stationary_name(array.dataflow)
                    ),
                    stationary_name(op),
                )
                .with_label(hw.field_span("systolic.dataflow"), "the array's dataflow")
                .with_help("see `dfc explain W0502`"),
            );
        }
    }
    out
}

/// Simulate every job; the first failure stops the run.
pub fn simulate_jobs(
    jobs: &[SimulationJob],
    model: systolic::Model,
) -> Result<Vec<SimulatedRun>, Diagnostic> {
    jobs.iter()
        .map(|(name, config, layers)| {
            systolic::simulate_all(layers, config, model)
                .map(|r| (name.clone(), r))
                .map_err(|e| {
                    let code = match e {
                        systolic::SimError::Unsupported(_) => Code::SparsityUnsupported,
                        systolic::SimError::BadSparsity(_) => Code::SparsityRatioFails,
                        systolic::SimError::LayoutUnsupported(_) => Code::LayoutUnsupported,
                        _ => Code::SimulationError,
                    };
                    Diagnostic::new(code, format!("`{name}`: {e}"))
                })
        })
        .collect()
}

fn all_reports(runs: &[SimulatedRun]) -> Vec<LayerReport> {
    runs.iter().flat_map(|(_, r)| r.iter().cloned()).collect()
}

/// SCALE-Sim's COMPUTE_REPORT.csv over every run.
pub fn compute_report_csv(runs: &[SimulatedRun]) -> String {
    systolic::compute_report_csv(&all_reports(runs))
}

/// SCALE-Sim's three report files over every run, by file name.
/// SCALE-Sim's report files; `SPARSE_REPORT.csv` too when sparsity is on.
pub fn report_files(runs: &[SimulatedRun]) -> Vec<(&'static str, String)> {
    let reports = all_reports(runs);
    let mut files = vec![
        ("COMPUTE_REPORT.csv", systolic::compute_report_csv(&reports)),
        (
            "BANDWIDTH_REPORT.csv",
            systolic::bandwidth_report_csv(&reports),
        ),
        (
            "DETAILED_ACCESS_REPORT.csv",
            systolic::detailed_access_report_csv(&reports),
        ),
    ];
    if reports.iter().any(|r| r.sparse.is_some()) {
        files.push(("SPARSE_REPORT.csv", systolic::sparse_report_csv(&reports)));
    }
    files
}

/// Every run as pretty-printed JSON.
pub fn json(runs: &[SimulatedRun]) -> String {
    serde_json::to_string_pretty(runs).unwrap_or_default() + "\n"
}

/// A table per run for people, with totals.
pub fn table(all: &[SimulatedRun]) -> String {
    let mut s = String::new();
    for (name, reports) in all {
        let _ = writeln!(s, "`{name}`:");
        let w = reports
            .iter()
            .map(|r| r.name.len())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            s,
            "{:<w$}  {:>12}  {:>12}  {:>10}  {:>8}  {:>8}  {:>12}  {:>12}",
            "layer", "cycles", "stalls", "MACs", "util %", "map eff", "DRAM reads", "DRAM writes"
        );
        let (mut cycles, mut stalls, mut macs) = (0u64, 0u64, 0u64);
        for r in reports {
            let _ = writeln!(
                s,
                "{:<w$}  {:>12}  {:>12}  {:>10}  {:>8.2}  {:>8.2}  {:>12}  {:>12}",
                r.name,
                r.total_cycles,
                r.stall_cycles,
                r.macs,
                r.overall_util_pct,
                r.mapping_efficiency_pct,
                r.dram_ifmap.count + r.dram_filter.count,
                r.dram_ofmap.count
            );
            cycles += r.total_cycles;
            stalls += r.stall_cycles;
            macs += r.macs;
        }
        let _ = writeln!(s, "{:<w$}  {cycles:>12}  {stalls:>12}  {macs:>10}", "total");
    }
    s
}

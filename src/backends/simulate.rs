//! From IR to the systolic simulator: a hardware's `systolic` block becomes an `ArrayConfig`
//! and each network layer one or more SCALE-Sim layers. SCALE-Sim knows convolutions and
//! GEMMs only, so layers it cannot express are split the way its users split them: a grouped
//! convolution into one layer per group, a depthwise one into one single-channel layer per
//! channel (SCALE-Sim's own `DP` convention), a batch into one layer per image, a batched
//! matmul into one GEMM per batch. The simulation report's renderers (table, JSON, SCALE-Sim's
//! CSV reports) live here too.

use std::fmt::Write as _;

use super::systolic::{self, ArrayConfig, Bandwidth, Dataflow, Layer, LayerReport, LayoutRow};
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
    c.sparsity = a.sparsity.map(sparsity);
    c.layout = custom_layout(&a.layout);
    let banks = |l: &ir::systolic::OperandLayout| systolic::SramBanks {
        bandwidth: l.bandwidth,
        num: l.banks,
        ports: l.ports,
    };
    if let Some(l) = &a.layout.ifmap {
        c.ifmap_banks = banks(l);
    }
    if let Some(l) = &a.layout.filter {
        c.filter_banks = banks(l);
    }
    Some(c)
}

/// SCALE-Sim's `[sparsity]` with support on (the seed and block size matter only to the
/// optimized mapping).
fn sparsity(s: ir::systolic::SystolicSparsity) -> systolic::Sparsity {
    use ir::systolic::SparseRepresentation as R;
    systolic::Sparsity {
        representation: match s.representation {
            R::Csr => systolic::SparseRep::Csr,
            R::Csc => systolic::SparseRep::Csc,
            R::EllpackBlock => systolic::SparseRep::EllpackBlock,
        },
        optimized_mapping: s.optimized.is_some(),
        block_size: s.optimized.map_or(4, |o| o.block_size),
        seed: s.optimized.map_or(0, |o| o.seed),
    }
}

/// The custom layouts as one SCALE-Sim layout row; an operand without a layout fills its
/// part of the row with numbers nothing reads.
fn custom_layout(l: &ir::systolic::SystolicLayout) -> systolic::CustomLayout {
    let signed = |v: &[u64]| -> Vec<i64> { v.iter().map(|&x| x as i64).collect() };
    let three = |v: Option<Vec<i64>>, fill: [i64; 3]| -> [i64; 3] {
        v.and_then(|v| v.try_into().ok()).unwrap_or(fill)
    };
    let four = |v: Option<Vec<i64>>, fill: [i64; 4]| -> [i64; 4] {
        v.and_then(|v| v.try_into().ok()).unwrap_or(fill)
    };
    let (i, f) = (l.ifmap.as_ref(), l.filter.as_ref());
    let row = (i.is_some() || f.is_some()).then(|| LayoutRow {
        ifmap_factors: three(i.map(|o| signed(&o.tile)), [1, 1, 1]),
        ifmap_intra: three(i.map(|o| signed(&o.intraline)), [3, 4, 5]),
        ifmap_inter: three(i.map(|o| signed(&o.interline)), [0, 1, 2]),
        filter_factors: four(f.map(|o| signed(&o.tile)), [1, 1, 1, 1]),
        filter_intra: four(f.map(|o| signed(&o.intraline)), [4, 5, 6, 7]),
        filter_inter: four(f.map(|o| signed(&o.interline)), [0, 1, 2, 3]),
    });
    systolic::CustomLayout {
        ifmap: i.is_some(),
        filter: f.is_some(),
        row,
    }
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
        let mut job_layers = Vec::new();
        for (layer, lm) in program.network(m.network).layers.iter().zip(&m.layers) {
            let ratio = if config.sparsity.is_some() {
                match weight_ratio(layer, lm, m) {
                    Ok(r) => r,
                    Err(d) => {
                        errors.push(d);
                        continue;
                    }
                }
            } else {
                None
            };
            job_layers.extend(layers(layer).into_iter().map(|mut l| {
                l.sparsity = ratio;
                l
            }));
        }
        out.push((m.name.clone(), config, job_layers));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A layer's `N:M` weight ratio on an array with sparsity support (`None` when dense); a
/// density SCALE-Sim's N:M sparsity cannot express is E1404.
fn weight_ratio(
    layer: &ir::Layer,
    lm: &ir::LayerMapping,
    m: &ir::Mapping,
) -> Result<Option<(u64, u64)>, Diagnostic> {
    let refuse = |what: &str| {
        Diagnostic::at(
            Code::SystolicDensityUnsupported,
            m.span,
            format!(
                "layer `{}` of mapping `{}` has {what}, which the systolic array cannot simulate",
                layer.name, m.name
            ),
            "in this mapping",
        )
        .with_note("a systolic array's sparsity is SCALE-Sim's: N:M weight ratios only")
        .with_help("give the layer `weights N:M`, or evaluate it with `dfc eval`")
    };
    if !lm.sparsity.activations.is_dense() {
        return Err(refuse("sparse activations"));
    }
    match lm.sparsity.weights {
        ir::Density::Dense => Ok(None),
        ir::Density::Structured { n, m } => Ok(Some((u64::from(n), u64::from(m)))),
        ir::Density::Random { .. } if lm.sparsity.weights.is_dense() => Ok(None),
        ir::Density::Random { .. } => Err(refuse("a random weight density")),
    }
}

/// W1407 for each mapping of the file `root` with sparse layers on an array without sparsity
/// support: they are simulated dense, as SCALE-Sim does with its sparsity off.
pub fn sparsity_warnings(program: &ir::Program, root: FileId) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for m in program.mappings.iter().filter(|m| m.span.file == root) {
        let hw = program.hardware(m.hardware);
        let Some(array) = &hw.systolic else {
            continue;
        };
        let layers = &program.network(m.network).layers;
        let sparse: Vec<&str> = layers
            .iter()
            .zip(&m.layers)
            .filter(|(_, lm)| !lm.sparsity.is_dense())
            .map(|(l, _)| l.name.as_str())
            .collect();
        if array.sparsity.is_some() || sparse.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::at(
                Code::SparsityIgnored,
                m.span,
                format!(
                    "mapping `{}` makes {} layer(s) sparse (`{}` first), but the array of `{}` \
                     has no sparsity support: they are simulated dense",
                    m.name,
                    sparse.len(),
                    sparse[0],
                    hw.name
                ),
                "sparse layers",
            )
            .with_label(
                hw.field_span("systolic.rows"),
                "an array without `sparsity { … }`",
            )
            .with_help("see `dfc explain W1407`"),
        );
    }
    out
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

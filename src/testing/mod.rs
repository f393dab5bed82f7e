//! `test` blocks: running a test's mapping, checking its expectations, and rendering its
//! snapshot text. Pure: the CLI (`dfc test`) finds files, reads and writes snapshots and
//! prints results. Snapshot text is plain, stable across runs and thread counts, and made
//! to diff well in review. [`report`] renders a run's outcomes.

pub mod report;

use crate::backends::cost::{LayerMetrics, SizeUnit};
use crate::backends::evaluate::{LayerStatus, MappingReport};
use crate::diagnostics::Diagnostic;
use crate::ir::{
    self, instantiate::instantiate, CmpOp, ConcreteDirective, DataflowChoice, ExpectOp,
    Expectation, Metric, Program, Snapshot, Test, TestRun,
};

/// One expectation, checked.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    /// The expectation as written, e.g. `runtime < 40000000 cycles`.
    pub expectation: String,
    /// The measured value in the expectation's unit; `None` if it could not be measured.
    pub actual: Option<f64>,
    /// That unit as printed after a number (`" B"`, `" cycles"`; empty for plain numbers).
    pub unit: &'static str,
    pub passed: bool,
    /// Why it could not be measured.
    pub note: Option<String>,
}

/// The outcome of one `test` block, before snapshots are compared.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TestRunResult {
    pub name: String,
    pub checks: Vec<Check>,
    /// The snapshot body (without header) when the test has `snapshot` statements.
    pub snapshot: Option<String>,
    /// Problems running the test (model errors, layers that could not be evaluated).
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

impl TestRunResult {
    pub fn expectations_pass(&self) -> bool {
        self.checks.iter().all(|c| c.passed) && !crate::diagnostics::has_errors(&self.diagnostics)
    }
}

/// Run one test of `program`.
pub fn run(program: &Program, test: &Test) -> TestRunResult {
    let model = test.model;
    // `run: search` maps every layer; otherwise only the layers written `search` are searched.
    let only_search_layers = test.run != TestRun::Search;
    let evaluation = crate::search::evaluate_with_search(
        program,
        test.mapping,
        model,
        &crate::search::SearchOptions::default(),
        only_search_layers,
        &|_| {},
    );
    let (program, report, diagnostics) = (
        &*evaluation.program,
        evaluation.report,
        evaluation.diagnostics,
    );
    let mapping = program.mapping(test.mapping);
    let hw = program.hardware(mapping.hardware);
    let network = program.network(mapping.network);
    let checks = test
        .expectations
        .iter()
        .map(|e| check(e, &report, hw, network))
        .collect();
    let snapshot = (!test.snapshots.is_empty()).then(|| snapshot_body(program, test, &report));
    TestRunResult {
        name: test.name.clone(),
        checks,
        snapshot,
        diagnostics,
    }
}

fn check(
    e: &Expectation,
    report: &MappingReport,
    hw: &ir::Hardware,
    network: &ir::Network,
) -> Check {
    let unit = unit_text(e);
    let target = match e.layer.and_then(|i| network.layers.get(i)) {
        Some(l) => format!("{}.{}", l.name, e.metric.name()),
        None => e.metric.name().to_string(),
    };
    let op = match e.op {
        ExpectOp::Cmp(c) => c.as_str().to_string(),
        ExpectOp::Within(p) => format!("within {} % of", number(p)),
    };
    let expectation = format!("{target} {op} {}{unit}", number(e.value));
    let measured = measure(e, report, hw);
    let (actual, note) = match measured {
        Ok(v) => (Some(v), None),
        Err(why) => (None, Some(why)),
    };
    let passed = actual.is_some_and(|a| match e.op {
        ExpectOp::Cmp(CmpOp::Lt) => a < e.value,
        ExpectOp::Cmp(CmpOp::Le) => a <= e.value,
        ExpectOp::Cmp(CmpOp::Gt) => a > e.value,
        ExpectOp::Cmp(CmpOp::Ge) => a >= e.value,
        ExpectOp::Cmp(CmpOp::Eq) => a == e.value,
        ExpectOp::Within(p) => (a - e.value).abs() <= p / 100.0 * e.value.abs(),
    });
    Check {
        expectation,
        actual,
        unit,
        passed,
        note,
    }
}

fn unit_text(e: &Expectation) -> &'static str {
    match e.metric {
        Metric::Runtime => " cycles",
        Metric::Energy => " pJ",
        Metric::L1 | Metric::L2 if e.in_elements => " elem",
        Metric::L1 | Metric::L2 => " B",
        _ => "",
    }
}

/// The metric a test constrains, in the expectation's base unit.
fn measure(e: &Expectation, report: &MappingReport, hw: &ir::Hardware) -> Result<f64, String> {
    let layers: Vec<&LayerMetrics> = match e.layer {
        Some(i) => match report.layers.get(i).map(|l| &l.status) {
            Some(LayerStatus::Ok { metrics }) => vec![metrics],
            _ => return Err("the layer was not evaluated".to_string()),
        },
        None => {
            let ok: Vec<&LayerMetrics> = report
                .layers
                .iter()
                .filter_map(|l| match &l.status {
                    LayerStatus::Ok { metrics } => Some(&**metrics),
                    _ => None,
                })
                .collect();
            if ok.len() < report.layers.len() {
                return Err(format!(
                    "only {} of {} layers were evaluated",
                    ok.len(),
                    report.layers.len()
                ));
            }
            ok
        }
    };
    let runtime: f64 = layers.iter().map(|m| m.runtime_cycles as f64).sum();
    let value = match e.metric {
        Metric::Runtime => runtime,
        Metric::Macs => layers.iter().map(|m| m.num_macs as f64).sum(),
        Metric::Energy => layers.iter().map(|m| m.total_energy_exact).sum(),
        Metric::Throughput => {
            layers.iter().map(|m| m.num_macs as f64).sum::<f64>() / runtime.max(1.0)
        }
        Metric::MacUtilization => {
            let macs: f64 = layers.iter().map(|m| m.num_macs as f64).sum();
            macs / (runtime.max(1.0) * hw.pes as f64 * hw.macs_per_pe as f64)
        }
        Metric::UtilizedPes | Metric::Utilization | Metric::PeUtilization => {
            // Busy PEs averaged over time: each layer weighs by its runtime.
            let busy = layers
                .iter()
                .map(|m| m.avg_utilized_pes * m.runtime_cycles as f64)
                .sum::<f64>()
                / runtime.max(1.0);
            if e.metric != Metric::UtilizedPes {
                busy / hw.pes as f64
            } else {
                busy
            }
        }
        Metric::L1 | Metric::L2 => {
            // The largest requirement of any layer: the buffer must hold every layer's tiles.
            let size = |m: &LayerMetrics| {
                let elements_or_bytes = if e.metric == Metric::L1 {
                    m.l1_size_req()
                } else {
                    m.l2_size_req()
                } as f64;
                let bits = f64::from(hw.precision.map_or(8, |p| p.bits));
                match (m.info.size_unit, e.in_elements) {
                    (SizeUnit::Elements, true) | (SizeUnit::Bytes, false) => elements_or_bytes,
                    (SizeUnit::Elements, false) => elements_or_bytes * bits / 8.0,
                    (SizeUnit::Bytes, true) => elements_or_bytes * 8.0 / bits,
                }
            };
            layers.iter().map(|m| size(m)).fold(0.0, f64::max)
        }
    };
    Ok(value)
}

/// Numbers in test output and snapshots: integers as integers, others with six significant
/// digits (enough to notice a change, stable across platforms).
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else if x.is_finite() {
        let s = format!("{x:.6e}");
        // Shortest of fixed and scientific that keeps six significant digits.
        let fixed = format!(
            "{:.*}",
            (5 - x.abs().log10().floor() as i32).clamp(0, 12) as usize,
            x
        );
        if fixed.len() <= s.len() {
            fixed
        } else {
            s
        }
    } else {
        format!("{x}")
    }
}

const DEFAULT_REPORT: [Metric; 5] = [
    Metric::Runtime,
    Metric::Macs,
    Metric::Energy,
    Metric::UtilizedPes,
    Metric::L2,
];

fn snapshot_body(program: &Program, test: &Test, report: &MappingReport) -> String {
    let pes = program.hardware(program.mapping(test.mapping).hardware).pes as f64;
    let mut out = String::new();
    for snap in &test.snapshots {
        if !out.is_empty() {
            out.push('\n');
        }
        match snap {
            Snapshot::Mapping => out.push_str(&mapping_snapshot(program, test.mapping)),
            Snapshot::Report(metrics) => {
                let metrics = if metrics.is_empty() {
                    &DEFAULT_REPORT[..]
                } else {
                    metrics
                };
                out.push_str(&report_snapshot(report, metrics, pes));
            }
        }
    }
    out
}

/// Each layer's dataflow with every size evaluated, grouped by identical directive lists.
fn mapping_snapshot(program: &Program, id: ir::MappingId) -> String {
    let mapping = program.mapping(id);
    let network = program.network(mapping.network);
    let mut groups: Vec<(String, Vec<ConcreteDirective>, Vec<&str>)> = Vec::new();
    let mut searched = Vec::new();
    for (layer, lm) in network.layers.iter().zip(&mapping.layers) {
        let DataflowChoice::Fixed { dataflow, args, .. } = &lm.dataflow else {
            searched.push(layer.name.as_str());
            continue;
        };
        let df = program.dataflow(*dataflow);
        let name = if args.is_empty() {
            df.name.clone()
        } else {
            let a: Vec<String> = df
                .params
                .iter()
                .zip(args)
                .map(|(p, v)| format!("{}: {v}", p.name))
                .collect();
            format!("{}({})", df.name, a.join(", "))
        };
        let Ok(dirs) = instantiate(df, args, layer) else {
            searched.push(layer.name.as_str());
            continue;
        };
        match groups.iter_mut().find(|g| g.0 == name && g.1 == dirs) {
            Some(g) => g.2.push(&layer.name),
            None => groups.push((name, dirs, vec![&layer.name])),
        }
    }
    let mut out = format!("## mapping `{}`\n", mapping.name);
    for (name, dirs, layers) in &groups {
        out.push_str(&format!("\n{name} for {}:\n", layers.join(", ")));
        for d in dirs {
            out.push_str("    ");
            out.push_str(&match d {
                ConcreteDirective::Map {
                    kind,
                    size,
                    offset,
                    dim,
                } => {
                    let kw = match kind {
                        ir::MapKind::Spatial => "spatial",
                        ir::MapKind::Temporal => "temporal",
                    };
                    format!("{kw}({size}, {offset}) {};", dim.name())
                }
                ConcreteDirective::Cluster { size } => format!("cluster({size});"),
            });
            out.push('\n');
        }
    }
    if !searched.is_empty() {
        out.push_str(&format!("\nnot mapped (search): {}\n", searched.join(", ")));
    }
    out
}

fn report_snapshot(report: &MappingReport, metrics: &[Metric], pes: f64) -> String {
    let mut rows: Vec<Vec<String>> = vec![std::iter::once("layer".to_string())
        .chain(metrics.iter().map(|m| m.name().to_string()))
        .collect()];
    for l in &report.layers {
        let mut row = vec![l.layer.clone()];
        match &l.status {
            LayerStatus::Ok { metrics: m } => {
                for metric in metrics {
                    let v = match metric {
                        Metric::Runtime => m.runtime_cycles as f64,
                        Metric::Macs => m.num_macs as f64,
                        Metric::Energy => m.total_energy_exact,
                        Metric::Throughput => m.throughput,
                        Metric::UtilizedPes => m.avg_utilized_pes,
                        Metric::Utilization => m.avg_utilized_pes / pes,
                        Metric::PeUtilization => m.pe_utilization,
                        Metric::MacUtilization => m.mac_utilization,
                        Metric::L1 => (m.l1_size_req()) as f64,
                        Metric::L2 => (m.l2_size_req()) as f64,
                    };
                    row.push(number(v));
                }
            }
            LayerStatus::NotMapped => row.push("(search)".to_string()),
            LayerStatus::Error { message } => row.push(format!("error: {message}")),
        }
        rows.push(row);
    }
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!(
        "## report `{}` ({:?} model)\n",
        report.mapping, report.model
    );
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, s)| {
                if c == 0 {
                    format!("{s:<w$}", w = widths[c])
                } else {
                    format!("{s:>w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The first line of every snapshot file; lines starting with `# dfc` are not compared, so
/// a new dfc version alone does not invalidate snapshots.
pub fn snapshot_header(test: &str, file: &str) -> String {
    format!(
        "# dfc {} snapshot of test `{test}` in {file}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// A snapshot file's content without its header lines.
pub fn snapshot_without_header(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("# dfc"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A unified diff of two snapshot bodies, stored → current.
pub fn diff(stored: &str, current: &str) -> String {
    similar::TextDiff::from_lines(stored, current)
        .unified_diff()
        .context_radius(3)
        .header("stored snapshot", "this run")
        .to_string()
}

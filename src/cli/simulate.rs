//! `dfc simulate` (systolic arrays, SCALE-Sim semantics) and `dfc import scalesim`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{
    compile, exit, fail, read_input, write_atomically, write_output, ReportFormat, Reporter,
};
use crate::backends::simulate;
use crate::backends::systolic::{self, ArrayConfig, Layer, LayerReport, TraceFile, TraceSink};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::SourceMap;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimModel {
    /// SCALE-Sim 3.0.0's bugs fixed (see `src/backends/systolic/MODEL.md`).
    Default,
    /// SCALE-Sim 3.0.0 exactly.
    Scalesim,
}

/// SCALE-Sim's own input files.
#[derive(clap::Args, Debug, Clone)]
pub struct ScalesimFiles {
    /// SCALE-Sim configuration (`scalesim.cfg`).
    #[arg(long)]
    pub config: Option<String>,
    /// SCALE-Sim topology CSV.
    #[arg(long)]
    pub topology: Option<String>,
    /// The topology is in GEMM form (`name, M, N, K,`).
    #[arg(long)]
    pub gemm: bool,
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// A `.df` program whose mappings run on systolic hardware.
    pub file: Option<String>,
    #[command(flatten)]
    pub scalesim: ScalesimFiles,
    /// `default`: SCALE-Sim's bugs fixed; `scalesim`: SCALE-Sim 3.0.0 exactly.
    #[arg(long, value_enum, default_value_t = SimModel::Default)]
    pub model: SimModel,
    /// `csv` is SCALE-Sim's COMPUTE_REPORT.csv.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv here.
    #[arg(long)]
    pub report_dir: Option<String>,
    /// Write SCALE-Sim's SRAM and DRAM traces here (`layerN/*.csv`), streamed.
    #[arg(long)]
    pub traces: Option<String>,
    #[arg(short, long)]
    pub output: Option<String>,
}

/// Layers and an array to simulate them on, from a `.df` file or SCALE-Sim's files.
type Job = (String, ArrayConfig, Vec<Layer>);

fn jobs(
    reporter: &Reporter,
    args: &SimulateArgs,
    model: systolic::Model,
) -> Result<Vec<Job>, ExitCode> {
    let mut sources = SourceMap::new();
    if let (Some(cfg), Some(topo)) = (&args.scalesim.config, &args.scalesim.topology) {
        let read = |path: &str, sources: &mut SourceMap| -> Result<_, ExitCode> {
            let (name, text) = read_input(path, None).map_err(|e| fail(reporter, e))?;
            Ok(sources.add(name, text))
        };
        let cfg_id = read(cfg, &mut sources)?;
        let topo_id = read(topo, &mut sources)?;
        let mut diags = Vec::new();
        let config = crate::interop::scalesim::parse_config(&sources.file(cfg_id).text)
            .map_err(|e| diags.push(file_error(cfg_id, e)))
            .ok();
        let layers = crate::interop::scalesim::parse_topology(
            &sources.file(topo_id).text,
            args.scalesim.gemm,
        )
        .map_err(|e| diags.push(file_error(topo_id, e)))
        .ok();
        let (Some(mut config), Some(layers)) = (config, layers) else {
            reporter.emit(&diags, &sources);
            return Err(exit(1));
        };
        if model == systolic::Model::Default {
            let (fixed, warning) = config.for_default_model();
            config = fixed;
            if let Some(w) = warning {
                reporter.emit(&[Diagnostic::new(Code::IgnoredInput, w)], &sources);
            }
        }
        return Ok(vec![(config.run_name.clone(), config, layers)]);
    }
    let Some(file) = &args.file else {
        return Err(fail(
            reporter,
            "give a `.df` file, or `--config X.cfg --topology T.csv`".to_string(),
        ));
    };
    let (root, program, diags) =
        compile(&mut sources, file, None).map_err(|e| fail(reporter, e))?;
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return Err(exit(1));
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for m in program.mappings.iter().filter(|m| m.span.file == root) {
        let hw = program.hardware(m.hardware);
        let Some(config) = simulate::array_config(hw) else {
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
            .flat_map(simulate::layers)
            .collect();
        out.push((m.name.clone(), config, layers));
    }
    if !errors.is_empty() {
        reporter.emit(&errors, &sources);
        return Err(exit(1));
    }
    if out.is_empty() {
        return Err(fail(
            reporter,
            format!("`{file}` has no mapping to simulate"),
        ));
    }
    Ok(out)
}

fn file_error(file: crate::source::FileId, e: crate::interop::scalesim::FileError) -> Diagnostic {
    Diagnostic::at(
        Code::ScalesimSyntax,
        crate::source::Span::new(file, e.span.clone()),
        e.message,
        format!("line {}", e.line),
    )
}

pub fn run(reporter: &Reporter, args: &SimulateArgs) -> ExitCode {
    let model = match args.model {
        SimModel::Default => systolic::Model::Default,
        SimModel::Scalesim => systolic::Model::Scalesim,
    };
    let jobs = match jobs(reporter, args, model) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let mut all: Vec<(String, Vec<LayerReport>)> = Vec::new();
    for (name, config, layers) in &jobs {
        match systolic::simulate_all(layers, config, model) {
            Ok(r) => all.push((name.clone(), r)),
            Err(e) => {
                let d = Diagnostic::new(Code::SimulationError, format!("`{name}`: {e}"));
                reporter.emit(&[d], &SourceMap::new());
                return exit(1);
            }
        }
    }
    if let Some(dir) = &args.report_dir {
        let reports: Vec<LayerReport> = all.iter().flat_map(|(_, r)| r.iter().cloned()).collect();
        for (file, text) in [
            ("COMPUTE_REPORT.csv", systolic::compute_report_csv(&reports)),
            (
                "BANDWIDTH_REPORT.csv",
                systolic::bandwidth_report_csv(&reports),
            ),
            (
                "DETAILED_ACCESS_REPORT.csv",
                systolic::detailed_access_report_csv(&reports),
            ),
        ] {
            let path = Path::new(dir).join(file);
            if let Err(e) = std::fs::create_dir_all(dir)
                .map_err(|e| e.to_string())
                .and_then(|()| write_atomically(&path.to_string_lossy(), &text))
            {
                return fail(reporter, format!("cannot write `{}`: {e}", path.display()));
            }
        }
    }
    if let Some(dir) = &args.traces {
        for (_, config, layers) in &jobs {
            for (i, layer) in layers.iter().enumerate() {
                let mut sink = FileSink(Path::new(dir).join(format!("layer{i}")));
                if let Err(e) = systolic::write_traces(layer, config, model, &mut sink) {
                    return fail(
                        reporter,
                        format!("cannot write traces of `{}`: {e}", layer.name),
                    );
                }
            }
        }
    }
    let text = match args.format {
        ReportFormat::Table => table(&all),
        ReportFormat::Json => serde_json::to_string_pretty(&all).unwrap_or_default() + "\n",
        ReportFormat::Csv => {
            let reports: Vec<LayerReport> =
                all.iter().flat_map(|(_, r)| r.iter().cloned()).collect();
            systolic::compute_report_csv(&reports)
        }
    };
    write_output(reporter, args.output.as_deref(), &text)
}

/// Trace files in `layerN/` folders, as SCALE-Sim lays them out.
struct FileSink(PathBuf);

impl TraceSink for FileSink {
    type W = std::io::BufWriter<std::fs::File>;
    fn create(&mut self, file: TraceFile) -> std::io::Result<Self::W> {
        std::fs::create_dir_all(&self.0)?;
        Ok(std::io::BufWriter::new(std::fs::File::create(
            self.0.join(file.file_name()),
        )?))
    }
}

fn table(all: &[(String, Vec<LayerReport>)]) -> String {
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

/// `dfc import scalesim`.
pub fn import(reporter: &Reporter, files: &ScalesimFiles, output: Option<&str>) -> ExitCode {
    let (Some(cfg), Some(topo)) = (&files.config, &files.topology) else {
        return fail(
            reporter,
            "`dfc import scalesim` needs `--config X.cfg --topology T.csv`".to_string(),
        );
    };
    let mut sources = SourceMap::new();
    let mut add = |path: &str| read_input(path, None).map(|(n, t)| sources.add(n, t));
    let (config, topology) = match (add(cfg), add(topo)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return fail(reporter, e),
    };
    let inputs = crate::interop::scalesim::Inputs {
        config,
        topology,
        gemm: files.gemm,
    };
    let (program, diags) = crate::interop::scalesim::import(&sources, &inputs);
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    write_output(reporter, output, &crate::ir::emit::emit(&program))
}

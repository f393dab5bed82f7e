//! `dfc simulate` (systolic arrays, SCALE-Sim semantics) and `dfc import scalesim`: reads
//! the program or SCALE-Sim's files, writes reports and traces; the simulation runs and its
//! report renders in `backends::simulate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{
    compile, exit, fail, finish, nothing_to_do, progress, read_input, refuse_clobber_paths, usage,
    ReportFormat, Reporter, Staged,
};
use crate::backends::simulate;
use crate::backends::systolic::{self, TraceFile, TraceSink};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::SourceMap;

/// Default for `--max-trace-size`: 1 GiB.
const DEFAULT_MAX_TRACE_SIZE: u64 = 1 << 30;

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
    /// SCALE-Sim layout CSV (its `-l`): custom IFMAP/FILTER layouts, used when the config
    /// turns them on (SCALE-Sim reads the first row for every layer).
    #[arg(long)]
    pub layout: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// A `.df` program whose mappings run on systolic hardware.
    pub file: Option<String>,
    #[command(flatten)]
    pub scalesim: ScalesimFiles,
    /// `default`: SCALE-Sim's bugs fixed; `scalesim`: SCALE-Sim 3.0.0 exactly.
    #[arg(long, value_enum, default_value_t = systolic::Model::Default)]
    pub model: systolic::Model,
    /// `csv` is SCALE-Sim's COMPUTE_REPORT.csv.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv here.
    #[arg(long)]
    pub report_dir: Option<String>,
    /// Write SCALE-Sim's SRAM and DRAM traces here (`layerN/*.csv`), streamed. Their
    /// estimated size is printed first.
    #[arg(long)]
    pub traces: Option<String>,
    /// Refuse to write traces whose estimated size is over this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_TRACE_SIZE)]
    pub max_trace_size: u64,
    #[arg(short, long)]
    pub output: Option<String>,
}

/// Layers and an array to simulate them on, from a `.df` file or SCALE-Sim's files.
type Job = simulate::SimulationJob;

/// A usage error when SCALE-Sim's files and a `.df` FILE are mixed or only half given.
fn input_kind_conflict(args: &SimulateArgs) -> Option<String> {
    let files = &args.scalesim;
    let flag = if files.config.is_some() {
        "--config"
    } else if files.topology.is_some() {
        "--topology"
    } else if files.gemm {
        "--gemm"
    } else if files.layout.is_some() {
        "--layout"
    } else {
        return None;
    };
    if let Some(file) = &args.file {
        return Some(format!(
            "`{flag}` describes a SCALE-Sim run and cannot be combined with the `.df` file \
             `{file}`; give one or the other"
        ));
    }
    match (&files.config, &files.topology) {
        (Some(_), None) => Some("`--config` needs `--topology T.csv` too".to_string()),
        (None, _) => Some(format!("`{flag}` needs `--config X.cfg --topology T.csv`")),
        (Some(_), Some(_)) => None,
    }
}

fn jobs(
    reporter: &Reporter,
    args: &SimulateArgs,
    model: systolic::Model,
    sources: &mut SourceMap,
) -> Result<Vec<Job>, ExitCode> {
    if let Some(e) = input_kind_conflict(args) {
        return Err(usage(&e));
    }
    if let (Some(cfg), Some(topo)) = (&args.scalesim.config, &args.scalesim.topology) {
        let read = |path: &str, sources: &mut SourceMap| -> Result<_, ExitCode> {
            let (name, text) = read_input(reporter, path, None).map_err(|e| fail(reporter, e))?;
            Ok(sources.add(name, text))
        };
        let cfg_id = read(cfg, sources)?;
        let topo_id = read(topo, sources)?;
        let mut diags = Vec::new();
        let mut layout_row = None;
        if let Some(layout) = &args.scalesim.layout {
            let id = read(layout, sources)?;
            match crate::interop::scalesim::parse_layout(&sources.file(id).text) {
                Ok(row) => layout_row = row,
                Err(e) => diags.push(file_error(id, e)),
            }
        }
        let config = crate::interop::scalesim::parse_config(&sources.file(cfg_id).text)
            .map_err(|e| diags.push(file_error(cfg_id, e)))
            .ok();
        let layers = crate::interop::scalesim::parse_topology(
            &sources.file(topo_id).text,
            args.scalesim.gemm,
        )
        .map_err(|e| diags.push(file_error(topo_id, e)))
        .ok();
        let (Some(mut config), Some(layers), true) = (config, layers, diags.is_empty()) else {
            reporter.emit(&diags, sources);
            return Err(exit(1));
        };
        config.layout.row = layout_row;
        if model == systolic::Model::Default {
            let (fixed, warning) = config.for_default_model();
            config = fixed;
            if let Some(w) = warning {
                reporter.emit(&[Diagnostic::new(Code::IgnoredInput, w)], sources);
            }
        }
        return Ok(vec![(config.run_name.clone(), config, layers)]);
    }
    let Some(file) = &args.file else {
        return Err(usage(
            "give a `.df` file, or `--config X.cfg --topology T.csv`",
        ));
    };
    let (root, program, diags) =
        compile(reporter, sources, file, None).map_err(|e| fail(reporter, e))?;
    reporter.emit(&diags, sources);
    let Some(program) = program else {
        return Err(exit(1));
    };
    reporter.emit(&simulate::dataflow_warnings(&program, root), sources);
    reporter.emit(&simulate::sparsity_warnings(&program, root), sources);
    let out = match simulate::mapping_jobs(&program, root) {
        Ok(jobs) => jobs,
        Err(errors) => {
            reporter.emit(&errors, sources);
            return Err(exit(1));
        }
    };
    if out.is_empty() {
        return Err(nothing_to_do(
            reporter,
            sources,
            root,
            format!("`{file}` defines no mapping to simulate"),
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
    let model = args.model;
    let mut sources = SourceMap::new();
    let jobs = match jobs(reporter, args, model, &mut sources) {
        Ok(j) => j,
        Err(code) => return code,
    };
    if let Err(f) = refuse_clobber_paths(&sources, &output_paths(args, &jobs)) {
        return fail(reporter, f);
    }
    if args.traces.is_some()
        && jobs
            .iter()
            .any(|(_, c, _)| c.layout.ifmap || c.layout.filter)
    {
        let d = Diagnostic::new(
            Code::LayoutUnsupported,
            "traces of a run with a custom layout are not written",
        )
        .with_help("simulate without `--traces`");
        reporter.emit(&[d], &sources);
        return exit(1);
    }
    if args.traces.is_some() && jobs.iter().any(|(_, c, _)| c.sparsity.is_some()) {
        let d = Diagnostic::new(
            Code::SparsityUnsupported,
            "traces of a run with sparsity on are not written",
        )
        .with_help("simulate without `--traces`, or with `SparsitySupport : false`");
        reporter.emit(&[d], &sources);
        return exit(1);
    }
    let all = match simulate::simulate_jobs(&jobs, model) {
        Ok(all) => all,
        Err(d) => {
            reporter.emit(&[d], &SourceMap::new());
            return exit(1);
        }
    };
    // Every output is staged and appears only when all were written.
    let mut staged = Staged::default();
    if let Some(dir) = &args.report_dir {
        for (file, text) in simulate::report_files(&all) {
            let path = Path::new(dir).join(file);
            let made = std::fs::create_dir_all(dir)
                .map_err(|e| super::Fault::from(format!("cannot write `{}`: {e}", path.display())));
            if let Err(f) = made.and_then(|()| staged.text(&path, &text)) {
                return fail(reporter, f);
            }
        }
    }
    if let Some(dir) = &args.traces {
        if let Err(code) = write_all_traces(reporter, args, &jobs, &all, dir, &mut staged) {
            return code;
        }
    }
    let text = match args.format {
        ReportFormat::Table => simulate::table(&all),
        ReportFormat::Json => simulate::json(&all),
        ReportFormat::Csv => simulate::compute_report_csv(&all),
    };
    finish(reporter, staged, args.output.as_deref(), &text)
}

/// Every file the command would write (to refuse one that is an input).
fn output_paths(args: &SimulateArgs, jobs: &[Job]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = args.output.iter().map(PathBuf::from).collect();
    if let Some(dir) = &args.report_dir {
        for name in [
            "COMPUTE_REPORT.csv",
            "BANDWIDTH_REPORT.csv",
            "DETAILED_ACCESS_REPORT.csv",
        ] {
            out.push(Path::new(dir).join(name));
        }
        if jobs.iter().any(|(_, c, _)| c.sparsity.is_some()) {
            out.push(Path::new(dir).join("SPARSE_REPORT.csv"));
        }
    }
    if let Some(dir) = &args.traces {
        let layers = jobs.iter().map(|(_, _, l)| l.len()).max().unwrap_or(0);
        for i in 0..layers {
            for f in TraceFile::ALL {
                out.push(Path::new(dir).join(format!("layer{i}")).join(f.file_name()));
            }
        }
    }
    out
}

/// State the traces' estimated size, refuse it over `--max-trace-size` (`E0905`), then
/// stream them into staged files with a progress bar over layers.
fn write_all_traces(
    reporter: &Reporter,
    args: &SimulateArgs,
    jobs: &[Job],
    all: &[simulate::SimulatedRun],
    dir: &str,
    staged: &mut Staged,
) -> Result<(), ExitCode> {
    let mut estimate = 0u64;
    let mut layers = 0u64;
    for ((_, config, _), (_, reports)) in jobs.iter().zip(all) {
        for r in reports {
            estimate = estimate.saturating_add(systolic::estimated_trace_size(r, config));
            layers += 1;
        }
    }
    if !reporter.quiet() {
        eprintln_estimate(estimate, layers * TraceFile::ALL.len() as u64);
    }
    if estimate > args.max_trace_size {
        let d = Diagnostic::new(
            Code::TraceTooLarge,
            format!(
                "the traces would take about {}, over the cap of {}",
                human_bytes(estimate),
                human_bytes(args.max_trace_size)
            ),
        )
        .with_help("raise the cap with `--max-trace-size BYTES`, or simulate fewer layers");
        reporter.emit(&[d], &SourceMap::new());
        return Err(exit(2));
    }
    let bar = progress::bar(reporter, layers, "writing traces");
    for (_, config, layers) in jobs {
        for (i, layer) in layers.iter().enumerate() {
            let mut sink = FileSink {
                dir: Path::new(dir).join(format!("layer{i}")),
                staged,
            };
            if let Err(e) = systolic::write_traces(layer, config, args.model, &mut sink) {
                bar.finish_and_clear();
                return Err(fail(
                    reporter,
                    format!("cannot write traces of `{}`: {e}", layer.name),
                ));
            }
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(())
}

fn eprintln_estimate(bytes: u64, files: u64) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "traces: about {} in {files} files",
        human_bytes(bytes)
    );
}

/// `1.07 GB`: decimal units, three significant digits.
fn human_bytes(bytes: u64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < units.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.3} {}", units[unit])
    }
}

/// Trace files in `layerN/` folders, as SCALE-Sim lays them out, staged.
struct FileSink<'a> {
    dir: PathBuf,
    staged: &'a mut Staged,
}

impl TraceSink for FileSink<'_> {
    type W = std::io::BufWriter<std::fs::File>;
    fn create(&mut self, file: TraceFile) -> std::io::Result<Self::W> {
        let file = self.staged.file(&self.dir.join(file.file_name()))?;
        Ok(std::io::BufWriter::new(file))
    }
}

/// `dfc import scalesim`.
pub fn import(reporter: &Reporter, files: &ScalesimFiles, output: Option<&str>) -> ExitCode {
    let (Some(cfg), Some(topo)) = (&files.config, &files.topology) else {
        return usage("`dfc import scalesim` needs `--config X.cfg --topology T.csv`");
    };
    let mut sources = SourceMap::new();
    let mut add = |path: &str| read_input(reporter, path, None).map(|(n, t)| sources.add(n, t));
    let (config, topology) = match (add(cfg), add(topo)) {
        (Ok(c), Ok(t)) => (c, t),
        (Err(e), _) | (_, Err(e)) => return fail(reporter, e),
    };
    let layout = match files.layout.as_deref().map(&mut add).transpose() {
        Ok(id) => id,
        Err(e) => return fail(reporter, e),
    };
    let inputs = crate::interop::scalesim::Inputs {
        config,
        topology,
        gemm: files.gemm,
        layout,
    };
    let (program, diags) = crate::interop::scalesim::import(&sources, &inputs);
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    if let Err(f) = refuse_clobber_paths(
        &sources,
        &output.iter().map(PathBuf::from).collect::<Vec<_>>(),
    ) {
        return fail(reporter, f);
    }
    finish(
        reporter,
        Staged::default(),
        output,
        &crate::ir::emit::emit(&program),
    )
}

//! `dfc simulate` (systolic arrays, SCALE-Sim semantics) and `dfc import scalesim`: reads
//! the program or SCALE-Sim's files, writes reports and traces; the simulation runs and its
//! report renders in `backends::simulate`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{
    compile, exit, fail, read_input, write_atomically, write_output, ReportFormat, Reporter,
};
use crate::backends::simulate;
use crate::backends::systolic::{self, TraceFile, TraceSink};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::SourceMap;

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
    #[arg(long, value_enum, default_value_t = systolic::Model::Default)]
    pub model: systolic::Model,
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
type Job = simulate::SimulationJob;

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
    reporter.emit(&simulate::dataflow_warnings(&program, root), &sources);
    let out = match simulate::mapping_jobs(&program, root) {
        Ok(jobs) => jobs,
        Err(errors) => {
            reporter.emit(&errors, &sources);
            return Err(exit(1));
        }
    };
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
    let model = args.model;
    let jobs = match jobs(reporter, args, model) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let all = match simulate::simulate_jobs(&jobs, model) {
        Ok(all) => all,
        Err(d) => {
            reporter.emit(&[d], &SourceMap::new());
            return exit(1);
        }
    };
    if let Some(dir) = &args.report_dir {
        for (file, text) in simulate::report_files(&all) {
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
        ReportFormat::Table => simulate::table(&all),
        ReportFormat::Json => simulate::json(&all),
        ReportFormat::Csv => simulate::compute_report_csv(&all),
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

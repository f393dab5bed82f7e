//! `dfc noc sim`: read the simulator's flags, check them (E0701–E0707), run one rate or a
//! sweep, print table, JSON or CSV and write the SVG curve on request; `--traffic mapping`
//! goes to `noc_trace`.

use std::path::Path;
use std::process::ExitCode;

use super::noc::bad_argument;
use super::{fail, finish, ReportFormat, Reporter, Staged};
use crate::noc::render;
use crate::noc::sim::{self, config, Pipeline, SimConfig, SimStats};

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineChoice {
    /// One cycle to route and allocate, one for switch and link.
    Default,
    /// BookSim2's default input-queued router.
    Booksim,
}

#[derive(clap::Args, Debug)]
pub struct SimArgs {
    /// Mesh size `KxK`.
    #[arg(long, default_value = "8x8")]
    pub mesh: String,
    /// uniform, transpose, bitcomp, shuffle, tornado, neighbor, or mapping (a layer's traffic
    /// from `--df`).
    #[arg(long, default_value = "uniform")]
    pub traffic: String,
    /// With `--traffic mapping`: the `.df` program whose mapping's traffic is traced.
    #[arg(long)]
    pub df: Option<String>,
    /// With `--traffic mapping`: the mapping (default: the file's first).
    #[arg(long)]
    pub mapping: Option<String>,
    /// With `--traffic mapping`: only this layer (default: every layer with traffic, one
    /// after another).
    #[arg(long)]
    pub layer: Option<String>,
    /// With `--traffic mapping`: top-level steps of the layer to trace.
    #[arg(long, default_value_t = 8)]
    pub steps: u64,
    /// Offered load in flits per node per cycle, in (0, 1]. With `--traffic mapping`: each
    /// layer's steps are timed to offer it (default: the cost model's step time).
    #[arg(long, allow_hyphen_values = true)]
    pub rate: Option<f64>,
    /// xy, yx, o1turn, valiant, west-first, west-first-adaptive, min-adaptive or q-routing
    /// (learns during the run, warm-up included).
    #[arg(long, default_value = "xy")]
    pub routing: String,
    #[arg(long, default_value_t = 2)]
    pub vcs: usize,
    /// Flits per virtual-channel buffer.
    #[arg(long, default_value_t = 8)]
    pub buffer: usize,
    /// Flits per packet.
    #[arg(long, default_value_t = 1)]
    pub packet_size: usize,
    #[arg(long, value_enum, default_value_t = PipelineChoice::Default)]
    pub pipeline: PipelineChoice,
    /// Measured cycles (warm-up: a quarter of them).
    #[arg(long, default_value_t = 20_000)]
    pub cycles: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A latency-vs-load curve: rates START:STOP:STEP (STOP included).
    #[arg(long, allow_hyphen_values = true)]
    pub sweep: Option<String>,
    /// With `--sweep`: write the curve as SVG.
    #[arg(long)]
    pub svg: Option<String>,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

pub(super) fn pipeline(choice: PipelineChoice) -> Pipeline {
    match choice {
        PipelineChoice::Default => Pipeline::DEFAULT,
        PipelineChoice::Booksim => Pipeline::BOOKSIM,
    }
}

/// The configuration and the rates to run, or the first bad flag.
fn configure(args: &SimArgs) -> Result<(SimConfig, Vec<f64>), config::ConfigError> {
    let k = config::parse_mesh(&args.mesh)?;
    let traffic = config::parse_traffic(&args.traffic).map_err(|mut e| {
        e.message.push_str(", or `mapping` with `--df FILE`");
        e
    })?;
    let routing = config::parse_routing(&args.routing)?;
    let rates = match (&args.sweep, args.rate) {
        (Some(s), _) => config::parse_sweep(s)?,
        (None, Some(r)) => vec![r],
        (None, None) => vec![0.1],
    };
    let mut cfg = SimConfig::new(k, traffic, routing, rates[0]);
    cfg.vcs = args.vcs;
    cfg.buffer = args.buffer;
    cfg.packet_size = args.packet_size;
    cfg.cycles = args.cycles;
    cfg.seed = args.seed;
    cfg.pipeline = pipeline(args.pipeline);
    for &rate in &rates {
        config::check(&SimConfig { rate, ..cfg })?;
    }
    Ok((cfg, rates))
}

pub fn run(reporter: &Reporter, args: &SimArgs) -> ExitCode {
    if args.traffic == "mapping" {
        return super::noc_trace::run(reporter, args);
    }
    if args.df.is_some() || args.mapping.is_some() || args.layer.is_some() {
        return super::usage("`--df`, `--mapping` and `--layer` go with `--traffic mapping`");
    }
    if args.svg.is_some() && args.sweep.is_none() {
        return super::usage("`--svg` draws a latency-vs-load curve and needs `--sweep`");
    }
    let (cfg, rates) = match configure(args) {
        Ok(x) => x,
        Err(e) => return bad_argument(reporter, e.code, e.message, e.help),
    };
    let stats: Vec<SimStats> = match sim::sweep(&cfg, &rates) {
        Ok(s) => s,
        Err(e) => return bad_argument(reporter, e.code, e.message, e.help),
    };
    let mut staged = Staged::default();
    if let Some(path) = &args.svg {
        let svg = match crate::plots::latency_svg(&cfg, &stats) {
            Ok(svg) => svg,
            Err(e) => return fail(reporter, e.to_string()),
        };
        if let Err(f) = staged.text(Path::new(path), &svg) {
            return fail(reporter, f);
        }
    }
    let text = match args.format {
        ReportFormat::Table => render::sim_table(&cfg, &stats),
        ReportFormat::Json => render::sim_json(&cfg, &stats, args.sweep.is_some()),
        ReportFormat::Csv => render::sim_csv(&stats),
    };
    finish(reporter, staged, args.output.as_deref(), &text)
}

//! `dfc evolve`: reads a neat-python configuration, runs NEAT on a task, prints the
//! per-generation statistics, the winner and the EvE/ADAM estimate next to the measured CPU
//! time; the winner's `.df` network is costed through the cost model for ADAM.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use super::{
    compile, compile_text, exit, fail, finish, nothing_to_do, progress, read_input, Reporter,
    Staged,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use crate::neat::emit::{self, HardwareSource};
use crate::neat::hardware::{self, DenseCost, Estimate, Eve};
use crate::neat::{self, config, Config, Run, RunSettings, Task};
use crate::source::{SourceMap, Span};

#[derive(clap::Args, Debug)]
pub struct EvolveArgs {
    /// The task: XOR, or an environment with Gymnasium's dynamics.
    #[arg(long, value_enum)]
    pub env: Task,
    /// A neat-python INI configuration; without it, neat-python's XOR configuration with the
    /// task's inputs, outputs and solved threshold.
    #[arg(long)]
    pub config: Option<String>,
    /// Most generations (generation 0 is the initial population).
    #[arg(long, default_value_t = 300)]
    pub generations: u32,
    /// Population size (overrides the configuration's `pop_size`).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=config::MAX_POPULATION as u64))]
    pub population: Option<u64>,
    /// The seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Episodes per fitness evaluation on an environment.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub episodes: u32,
    #[arg(long, value_enum, default_value_t = EvolveFormat::Table)]
    pub format: EvolveFormat,
    /// Write the winner as a `.df` network (mapped onto ADAM's hardware) here.
    #[arg(short, long)]
    pub output: Option<String>,
    /// A `.df` file whose (first) hardware is ADAM's and sets EvE's PEs and energies;
    /// `std::hardware::edge256` without it.
    #[arg(long)]
    pub hardware: Option<String>,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvolveFormat {
    Table,
    Json,
}

/// The configuration: the file's, or XOR's fitted to the task.
fn load_config(
    reporter: &Reporter,
    args: &EvolveArgs,
    sources: &mut SourceMap,
) -> Result<Config, ExitCode> {
    let Some(path) = &args.config else {
        let mut c = Config::xor();
        c.num_inputs = args.env.inputs();
        c.num_outputs = args.env.default_outputs();
        c.fitness_threshold = args.env.threshold();
        return Ok(c);
    };
    let (name, text) = read_input(reporter, path, None).map_err(|e| fail(reporter, e))?;
    let file = sources.add(name, text.clone());
    let config = config::parse_ini(file, &text).map_err(|diags| {
        reporter.emit(&diags, sources);
        exit(1)
    })?;
    if config.num_inputs != args.env.inputs() || !args.env.accepts_outputs(config.num_outputs) {
        let d = Diagnostic::at(
            Code::ConfigEnvironmentMismatch,
            Span::new(file, 0..0),
            format!(
                "the configuration has {} inputs and {} outputs; {} takes {} inputs and {} outputs",
                config.num_inputs,
                config.num_outputs,
                args.env.name(),
                args.env.inputs(),
                args.env.default_outputs()
            ),
            "in this file",
        );
        reporter.emit(&[d], sources);
        return Err(exit(1));
    }
    Ok(config)
}

/// ADAM's hardware: the first hardware of `--hardware`, or the stdlib's edge256.
fn load_hardware(
    reporter: &Reporter,
    path: Option<&str>,
) -> Result<(Option<ir::Hardware>, Option<String>), ExitCode> {
    let Some(path) = path else {
        return Ok((None, None));
    };
    let mut sources = SourceMap::new();
    let (root, program, diags) =
        compile(reporter, &mut sources, path, None).map_err(|e| fail(reporter, e))?;
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return Err(exit(1));
    };
    let Some(hw) = program.hardware.first().cloned() else {
        let message = format!("`{path}` has no hardware for ADAM");
        return Err(nothing_to_do(reporter, &sources, root, message));
    };
    let name = hw.name.clone();
    Ok((Some(hw), Some(name)))
}

pub fn run(reporter: &Reporter, args: &EvolveArgs) -> ExitCode {
    let mut sources = SourceMap::new();
    let mut config = match load_config(reporter, args, &mut sources) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Some(p) = args.population {
        config.pop_size = p as usize;
    }
    let (hardware, hardware_name) = match load_hardware(reporter, args.hardware.as_deref()) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let settings = RunSettings {
        task: args.env,
        generations: args.generations.max(1),
        seed: args.seed,
        episodes: args.episodes,
    };
    let bar = progress::bar(reporter, u64::from(settings.generations), "evolving");
    let started = Instant::now();
    let run = neat::evolve(&config, &settings, &mut |s| {
        bar.set_position(u64::from(s.generation) + 1);
        bar.set_message(format!("best {:.4}", s.best_fitness));
    });
    let wall_seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let layers = emit::layers(&run.best, &config);
    let hardware_path = args.hardware.as_deref().map(absolute);
    let source = match (&hardware_path, &hardware_name) {
        (Some(path), Some(name)) => HardwareSource::File { path, name },
        _ => HardwareSource::Stdlib("edge256"),
    };
    let about = format!(
        "The winner of `dfc evolve --env {} --seed {}` (fitness {}).",
        args.env.name(),
        args.seed,
        run.best.fitness.unwrap_or(f64::NAN)
    );
    let df = emit::winner_df(&layers, &source, &about);
    let dense = dense_cost(reporter, &df);
    let net = neat::Network::new(&run.best, &config);
    let eve = Eve::default_for(hardware.as_ref());
    let estimate = hardware::estimate(
        &eve,
        &run.stats,
        net.macs() as u64,
        emit::density(&layers),
        dense,
    );
    let text = match args.format {
        EvolveFormat::Table => render_table(&run, &estimate, wall_seconds),
        EvolveFormat::Json => render_json(&run, &estimate, wall_seconds),
    };
    let mut staged = Staged::default();
    if let Some(path) = args.output.as_deref().filter(|o| *o != "-") {
        if let Err(f) = staged.text(Path::new(path), &df) {
            return fail(reporter, f);
        }
    }
    finish(reporter, staged, None, &text)
}

/// The hardware file's absolute path for `use` (which resolves paths relative to the
/// importing file), so the winner's `.df` works wherever it is written.
fn absolute(path: &str) -> String {
    std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// The dense cost of one inference of the winner's layers (search, then the cost model).
fn dense_cost(reporter: &Reporter, df: &str) -> Option<DenseCost> {
    let mut sources = SourceMap::new();
    let (_, program, _) = compile_text(reporter, &mut sources, "<winner>".into(), df.to_string());
    let program = program?;
    let id = program.mappings.first().map(|_| ir::MappingId(0))?;
    let opts = crate::search::SearchOptions::default();
    let evaluation = crate::search::evaluate_with_search(
        &program,
        id,
        ir::CostModel::Default,
        &opts,
        true,
        &|_| {},
    );
    let totals = &evaluation.report.totals;
    Some(DenseCost {
        runtime_cycles: totals.runtime_cycles,
        macs: totals.num_macs,
        energy_pj: totals.total_energy,
    })
}

fn render_table(run: &Run, estimate: &Estimate, wall_seconds: f64) -> String {
    let mut out =
        String::from("gen   best fitness   mean fitness  species  mean nodes  mean conns\n");
    for s in &run.stats {
        out.push_str(&format!(
            "{:>3} {:>14.6} {:>14.6} {:>8} {:>11.2} {:>11.2}\n",
            s.generation,
            s.best_fitness,
            s.mean_fitness,
            s.species,
            s.mean_nodes,
            s.mean_connections
        ));
    }
    match run.solved {
        Some(g) => out.push_str(&format!("solved in generation {g}\n")),
        None => out.push_str(&format!("not solved ({})\n", ending_text(run))),
    }
    let (nodes, connections) = run.best.size();
    out.push_str(&format!(
        "winner: genome {}, fitness {}, {nodes} nodes, {connections} enabled connections\n",
        run.best.key,
        run.best.fitness.unwrap_or(f64::NAN)
    ));
    for n in &run.best.nodes {
        out.push_str(&format!(
            "  node {:>4}: bias {:+.6} response {:+.6} {:?} {:?}\n",
            n.key, n.bias, n.response, n.activation, n.aggregation
        ));
    }
    for c in run.best.connections.iter().filter(|c| c.enabled) {
        out.push_str(&format!(
            "  conn {:>4} -> {:>4}: weight {:+.6} (innovation {})\n",
            c.key.0, c.key.1, c.weight, c.innovation
        ));
    }
    out.push_str(&format!(
        "measured CPU wall time: {wall_seconds:.3} s for {} generations\n",
        run.stats.len()
    ));
    out.push_str(&format!("{}:\n", estimate.label));
    out.push_str(&format!(
        "  EvE ({} PEs, {}-stage pipeline, {} GHz): {} cycles = {:.3e} s, {:.3} µJ\n",
        estimate.eve.pes,
        estimate.eve.pipeline_depth,
        estimate.eve.clock_hz / 1e9,
        estimate.eve_cycles,
        estimate.eve_seconds,
        estimate.eve_energy_pj / 1e6
    ));
    let o = &estimate.ops;
    out.push_str(&format!(
        "  gene operations: {} crossovers, {} copies, {} perturbations, {} add-node, {} delete-node, {} add-connection, {} delete-connection\n",
        o.crossovers, o.copies, o.perturbations, o.add_node, o.delete_node, o.add_connection, o.delete_connection
    ));
    out.push_str(&format!(
        "  ADAM per inference of the winner: {} MACs (density {:.4}); {}\n",
        estimate.adam_macs_per_inference,
        estimate.adam_density,
        match (
            estimate.adam_cycles_per_inference,
            estimate.adam_energy_pj_per_inference
        ) {
            (Some(c), Some(e)) => format!("{c:.2} cycles, {e:.2} pJ (dense cost model × density)"),
            _ => "the cost model could not evaluate the winner's layers".to_string(),
        }
    ));
    out
}

fn ending_text(run: &Run) -> String {
    match &run.ending {
        neat::Ending::Solved => "solved".into(),
        neat::Ending::GenerationLimit => {
            format!("generation limit after {} generations", run.stats.len())
        }
        neat::Ending::Extinct => "every species stagnated".into(),
        neat::Ending::SpeciesConflict(m) => m.clone(),
    }
}

fn render_json(run: &Run, estimate: &Estimate, wall_seconds: f64) -> String {
    let (nodes, connections) = run.best.size();
    let value = serde_json::json!({
        "solved": run.solved.is_some(),
        "generations": run.solved,
        "generations_run": run.stats.len(),
        "ending": run.ending,
        "best_fitness": run.best.fitness,
        "nodes": nodes,
        "connections": connections,
        "wall_seconds": wall_seconds,
        "seconds_per_generation": wall_seconds / run.stats.len().max(1) as f64,
        "per_generation": run.stats,
        "estimate": estimate,
    });
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

//! `dfc nas`: networks for a task generated under resource budgets on the user's hardware
//! (`docs/nas.md`). Writes each network as a `.df` program with its mapping, a JSON report,
//! and keeps trained networks' measurements in a cache file so a re-run trains nothing new.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::files::refuse_clobber;
use super::{compile, exit, fail, no_mapping, progress, selected_mappings, Reporter, Staged};
use crate::diagnostics::{Code, Diagnostic};
use crate::generators::gan::GanOptions;
use crate::generators::nas::cache;
use crate::generators::nas::gan::Measured;
use crate::generators::nas::platform::{Budgets, Platform};
use crate::generators::nas::search::{self, Outcome, Request};
use crate::generators::nas::space::{Architecture, Family, Space};
use crate::generators::nas::task::{measure_all, Recipe, Task, TaskData};
use crate::nn::train::Schedule;
use crate::source::SourceMap;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceChoice {
    /// Perceptrons: up to 4 hidden layers of 8..128 units.
    Mlp,
    /// Convolutional networks (image tasks): up to 3 convolutions, then up to 2 dense layers.
    Cnn,
}

#[derive(clap::Args, Debug)]
pub struct NasArgs {
    /// The task: digits, breast_cancer (classification) or diabetes (regression).
    #[arg(long)]
    pub task: String,
    #[arg(long, value_enum, default_value_t = SpaceChoice::Mlp)]
    pub space: SpaceChoice,
    /// A `.df` program whose mapping gives the hardware and dataflow (default:
    /// `std::hardware::edge256` with `std::dataflows::nvdla`).
    #[arg(long)]
    pub hardware: Option<String>,
    /// The mapping of `--hardware` to take them from (the file's first when absent).
    #[arg(long, requires = "hardware")]
    pub mapping: Option<String>,
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_params: Option<f64>,
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max_macs: Option<f64>,
    /// Runtime bound in cycles on the hardware.
    #[arg(long, value_name = "CYCLES", allow_negative_numbers = true)]
    pub max_runtime: Option<f64>,
    /// Energy bound in picojoules on the hardware.
    #[arg(long, value_name = "PJ", allow_negative_numbers = true)]
    pub max_energy: Option<f64>,
    /// Networks to generate.
    #[arg(long, default_value_t = 4)]
    pub count: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Random architectures trained to make the generator's data.
    #[arg(long, default_value_t = 120)]
    pub samples: usize,
    /// Training epochs of every network.
    #[arg(long, default_value_t = Recipe::default().schedule.epochs)]
    pub epochs: usize,
    /// Generator training steps.
    #[arg(long, default_value_t = 3000)]
    pub gan_steps: usize,
    /// Directory for the generated `.df` files (created).
    #[arg(short, long)]
    pub output: String,
    /// The report as JSON.
    #[arg(long)]
    pub report: Option<String>,
    /// The measurement cache (default: `nas-measurements.csv` under `$XDG_CACHE_HOME/dfc` or
    /// `~/.cache/dfc`).
    #[arg(long, conflicts_with = "no_cache")]
    pub cache: Option<String>,
    /// Measure everything afresh and keep nothing.
    #[arg(long)]
    pub no_cache: bool,
}

/// A usage fault with its code (exit 2).
fn refuse(reporter: &Reporter, code: Code, message: String) -> ExitCode {
    reporter.emit(&[Diagnostic::new(code, message)], &SourceMap::new());
    exit(2)
}

/// The task named `name`, or E1501.
pub(super) fn parse_task(name: &str) -> Result<Task, Diagnostic> {
    Task::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Task::ALL.iter().map(|t| t.name()).collect();
        Diagnostic::new(
            Code::NasUnknownTask,
            format!("unknown task `{name}`; the tasks are {}", names.join(", ")),
        )
    })
}

/// A positive finite bound, or E1505 naming `flag`.
pub(super) fn positive(flag: &str, value: Option<f64>) -> Result<Option<f64>, Diagnostic> {
    match value {
        Some(v) if !(v.is_finite() && v > 0.0) => Err(Diagnostic::new(
            Code::NasBadBudget,
            format!("`{flag}` must be a positive number, not {v}"),
        )),
        v => Ok(v),
    }
}

fn budgets(args: &NasArgs) -> Result<Budgets, Diagnostic> {
    // Counts are whole: a bound of 1000.5 parameters admits 1000.
    let whole = |v: Option<f64>| v.map(|v| v.floor() as u64);
    Ok(Budgets {
        params: whole(positive("--max-params", args.max_params)?),
        macs: whole(positive("--max-macs", args.max_macs)?),
        runtime_cycles: whole(positive("--max-runtime", args.max_runtime)?),
        energy_pj: positive("--max-energy", args.max_energy)?,
    })
}

/// Trained networks' metrics on disk: rows of every key are kept, those of this run's key
/// are reused.
pub(super) struct MeasurementCache {
    path: Option<PathBuf>,
    lines: Vec<String>,
    known: HashMap<(String, Architecture), f64>,
}

/// `--cache`, or the default under the user's cache directory; `None` with `--no-cache`
/// or when no cache directory is known.
pub(super) fn cache_path(cache: Option<&str>, no_cache: bool) -> Option<PathBuf> {
    if no_cache {
        return None;
    }
    if let Some(path) = cache {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("dfc").join("nas-measurements.csv"))
}

impl MeasurementCache {
    /// Reads the cache at `path` (absent is empty); E1506 for a line that is not a row.
    pub(super) fn load(path: Option<PathBuf>) -> Result<MeasurementCache, Diagnostic> {
        let mut cache = MeasurementCache {
            path,
            lines: Vec::new(),
            known: HashMap::new(),
        };
        let Some(path) = &cache.path else {
            return Ok(cache);
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            return Ok(cache);
        };
        let rows = cache::parse(&text).map_err(|line| {
            Diagnostic::new(
                Code::NasBadCache,
                format!(
                    "line {line} of `{}` is not a measurement row",
                    path.display()
                ),
            )
            .with_help(
                "delete the file (its measurements are recomputed) or give another `--cache`",
            )
        })?;
        for row in rows {
            cache
                .lines
                .push(cache::row(&row.key, &row.architecture, row.metric));
            cache.known.insert((row.key, row.architecture), row.metric);
        }
        Ok(cache)
    }

    /// Metrics of `archs` (trained with `recipe` on `data`): cached ones looked up, the rest
    /// trained in parallel behind a progress bar labelled `what` and added to the file.
    pub(super) fn measure(
        &mut self,
        reporter: &Reporter,
        what: &str,
        space: &Space,
        data: &TaskData,
        recipe: &Recipe,
        archs: &[Architecture],
    ) -> Vec<f64> {
        let key = cache::key(space, recipe);
        let mut missing: Vec<Architecture> = archs
            .iter()
            .filter(|a| !self.known.contains_key(&(key.clone(), (*a).clone())))
            .cloned()
            .collect();
        missing.sort();
        missing.dedup();
        if !missing.is_empty() {
            let bar = progress::bar(reporter, missing.len() as u64, &format!("training {what}"));
            let metrics = measure_all(space, &missing, data, recipe, &|| bar.inc(1));
            bar.finish_and_clear();
            for (a, m) in missing.into_iter().zip(metrics) {
                self.lines.push(cache::row(&key, &a, m));
                self.known.insert((key.clone(), a), m);
            }
            self.save();
        }
        archs
            .iter()
            .map(|a| {
                self.known
                    .get(&(key.clone(), a.clone()))
                    .copied()
                    .unwrap_or(f64::NAN)
            })
            .collect()
    }

    /// Rewrites the file atomically; a cache that cannot be written is only a slower
    /// re-run, so that is a note on standard error, not a failure.
    fn save(&self) {
        let Some(path) = &self.path else {
            return;
        };
        let text = format!("{}\n{}\n", cache::HEADER, self.lines.join("\n"));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| e.to_string())
            .and_then(|()| super::files::write_atomically(&path.to_string_lossy(), &text));
        if let Err(e) = written {
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: measurements not cached: cannot write `{}`: {e}",
                path.display()
            );
        }
    }
}

/// The platform of `--hardware`/`--mapping`, or the default; `Err` is the exit code after
/// the diagnostics were reported.
fn platform(reporter: &Reporter, args: &NasArgs) -> Result<Platform, ExitCode> {
    let Some(file) = &args.hardware else {
        return Ok(Platform::default_platform());
    };
    let mut sources = SourceMap::new();
    let (root, program, diags) =
        compile(reporter, &mut sources, file, None).map_err(|e| fail(reporter, e))?;
    reporter.emit(&diags, &sources);
    let program = program.ok_or_else(|| exit(1))?;
    let name = args.mapping.as_deref();
    let Some(&id) = selected_mappings(&program, Some(root), name).first() else {
        return Err(no_mapping(
            reporter,
            &sources,
            root,
            file,
            name,
            "take hardware from",
        ));
    };
    Platform::of_mapping(&program, id).map_err(|d| {
        reporter.emit(&[d], &sources);
        exit(1)
    })
}

pub fn run(reporter: &Reporter, args: &NasArgs) -> ExitCode {
    let task = match parse_task(&args.task) {
        Ok(t) => t,
        Err(d) => return refuse(reporter, d.code, d.message),
    };
    let family = match args.space {
        SpaceChoice::Mlp => Family::Mlp,
        SpaceChoice::Cnn => Family::Cnn,
    };
    let Some(space) = Space::new(task, family) else {
        return refuse(
            reporter,
            Code::NasSpaceNeedsImages,
            format!(
                "the `cnn` space needs image inputs; task `{}` has {} features",
                task.name(),
                task.inputs()
            ),
        );
    };
    let budgets = match budgets(args) {
        Ok(b) => b,
        Err(d) => return refuse(reporter, d.code, d.message),
    };
    if args.count == 0 || args.samples == 0 || args.epochs == 0 {
        return refuse(
            reporter,
            Code::NasBadBudget,
            "`--count`, `--samples` and `--epochs` must be at least 1".to_string(),
        );
    }
    let platform = match platform(reporter, args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let dir = Path::new(&args.output);
    let file_of = |i: usize| dir.join(format!("{}_{}.df", task.name(), i + 1));
    let mut outputs: Vec<PathBuf> = (0..args.count).map(file_of).collect();
    outputs.extend(args.report.iter().map(PathBuf::from));
    let cache_file = cache_path(args.cache.as_deref(), args.no_cache);
    outputs.extend(cache_file.clone());
    let inputs: Vec<PathBuf> = args.hardware.iter().map(PathBuf::from).collect();
    if let Err(f) = refuse_clobber(&inputs, &outputs) {
        return fail(reporter, f);
    }
    let mut cache = match MeasurementCache::load(cache_file) {
        Ok(c) => c,
        Err(d) => {
            reporter.emit(&[d], &SourceMap::new());
            return exit(1);
        }
    };
    let recipe = Recipe {
        schedule: Schedule {
            epochs: args.epochs,
            ..Recipe::default().schedule
        },
        seed: args.seed,
        ..Recipe::default()
    };
    let request = Request {
        space,
        budgets,
        count: args.count,
        samples: args.samples,
        seed: args.seed,
        recipe,
        gan: GanOptions {
            steps: args.gan_steps,
            ..GanOptions::default()
        },
    };
    let data = TaskData::load(task, recipe.split_seed);
    let mut measure = |what: &str, archs: &[Architecture]| {
        cache.measure(reporter, what, &space, &data, &recipe, archs)
    };
    let outcome = match search::run(&request, &platform, &mut measure) {
        Ok(o) => o,
        Err(d) => {
            reporter.emit(&[d], &SourceMap::new());
            return exit(1);
        }
    };
    if outcome.networks.len() < args.count {
        let d = Diagnostic::new(
            Code::NasFewerNetworks,
            format!(
                "{} distinct architectures meet the budgets; `--count` asked for {}",
                outcome.networks.len(),
                args.count
            ),
        );
        reporter.emit(&[d], &SourceMap::new());
    }
    write(
        reporter, args, &space, &budgets, &platform, &outcome, &file_of,
    )
}

/// Writes the networks and the report (all or nothing) and prints the summary.
fn write(
    reporter: &Reporter,
    args: &NasArgs,
    space: &Space,
    limits: &Budgets,
    platform: &Platform,
    outcome: &Outcome,
    file_of: &dyn Fn(usize) -> PathBuf,
) -> ExitCode {
    let task = space.task;
    let mut staged = Staged::default();
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        return fail(reporter, format!("cannot create `{}`: {e}", args.output));
    }
    let mut entries = Vec::new();
    for (i, m) in outcome.networks.iter().enumerate() {
        let name = format!("nas_{}_{}", task.name(), i + 1);
        let program = platform.program_of(space, &m.architecture, &name);
        let header = format!(
            "// Generated by `dfc nas --task {}` (seed {}): {}.\n// Measured test {} {}; {} parameters, {} MACs, {} cycles, {} pJ on `{}`.\n",
            task.name(),
            args.seed,
            m.architecture,
            outcome.metric,
            m.metric,
            m.costs.params,
            m.costs.macs,
            m.costs.runtime_cycles,
            m.costs.energy_pj,
            platform.hardware.name,
        );
        let path = file_of(i);
        if let Err(f) = staged.text(&path, &(header + &crate::ir::emit::emit(&program))) {
            return fail(reporter, f);
        }
        // Written networks were chosen for meeting the budgets; say so from their costs.
        entries.push(entry(&path, m, outcome.metric, limits.met_by(&m.costs)));
    }
    if let Some(path) = &args.report {
        let report = serde_json::json!({
            "task": task.name(),
            "space": space.family.name(),
            "metric": outcome.metric,
            "hardware": platform.hardware.name,
            "dataflow": platform.dataflow.name,
            "seed": args.seed,
            "samples": args.samples,
            "epochs": args.epochs,
            "budgets": {
                "params": args.max_params,
                "macs": args.max_macs,
                "runtime_cycles": args.max_runtime,
                "energy_pj": args.max_energy,
            },
            "networks": entries,
            "space_size": outcome.space_size,
            "space_runnable": outcome.space_runnable,
            "space_meeting_budgets": outcome.space_meeting_budgets,
            "generator": outcome.generator,
            "generated": outcome.generated,
            "random": outcome.random,
            "training_set": outcome.training_set,
        });
        let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
        if let Err(f) = staged.text(Path::new(path), &json) {
            return fail(reporter, f);
        }
    }
    if let Err(f) = staged.commit() {
        return fail(reporter, f);
    }
    if !reporter.quiet() {
        let _ = std::io::stdout()
            .lock()
            .write_all(summary(outcome, file_of).as_bytes());
    }
    exit(0)
}

/// A network's report entry: its metric under the metric's own name.
fn entry(path: &Path, m: &Measured, metric: &str, meets: bool) -> serde_json::Value {
    let mut e = serde_json::json!({
        "file": path.to_string_lossy(),
        "architecture": m.architecture.to_string(),
        "params": m.costs.params,
        "macs": m.costs.macs,
        "runtime_cycles": m.costs.runtime_cycles,
        "energy_pj": m.costs.energy_pj,
        "meets_budgets": meets,
    });
    e[metric] = serde_json::json!(m.metric);
    e
}

fn summary(outcome: &Outcome, file_of: &dyn Fn(usize) -> PathBuf) -> String {
    let mut out = format!(
        "{:<28} {:<24} {:>9} {:>8} {:>9} {:>10} {:>14}\n",
        "file", "architecture", outcome.metric, "params", "MACs", "cycles", "energy (pJ)"
    );
    for (i, m) in outcome.networks.iter().enumerate() {
        out.push_str(&format!(
            "{:<28} {:<24} {:>9.4} {:>8} {:>9} {:>10} {:>14.1}\n",
            file_of(i).to_string_lossy(),
            m.architecture.to_string(),
            m.metric,
            m.costs.params,
            m.costs.macs,
            m.costs.runtime_cycles,
            m.costs.energy_pj
        ));
    }
    let g = &outcome.generator;
    let best = |b: &search::Best| {
        b.best.as_ref().map_or("none".to_string(), |m| {
            format!("{:.4} ({})", m.metric, m.architecture)
        })
    };
    out.push_str(&format!(
        "generator: {} of {} samples meet the budgets ({:.1} %), {} distinct\n",
        g.meeting_budgets,
        g.samples,
        100.0 * g.satisfaction_rate,
        g.distinct
    ));
    out.push_str(&format!(
        "best {}: generated {} | random search, {} trained: {} | training set within budgets, {} trained: {}\n",
        outcome.metric,
        best(&outcome.generated),
        outcome.random.trained,
        best(&outcome.random),
        outcome.training_set.trained,
        best(&outcome.training_set)
    ));
    out
}

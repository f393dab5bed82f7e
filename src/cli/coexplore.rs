//! `dfc coexplore`: NASAIC-style co-exploration of two tasks' networks and a heterogeneous
//! accelerator; writes the chosen design as one `.df` program (`dfc schedule` runs it) and a
//! JSON report with the successive baseline beside it.

use std::path::Path;
use std::process::ExitCode;

use super::nas::{cache_path, MeasurementCache};
use super::{exit, fail, finish, progress, refuse_clobber, Fault, Reporter, Staged};
use crate::diagnostics::{Code, Diagnostic};
use crate::generators::coexplore::design::{Budget, JointSpace};
use crate::generators::coexplore::emit::program_df;
use crate::generators::coexplore::evaluate::{Evaluator, Specs};
use crate::generators::coexplore::explore::{self, lower_bounds, Outcome, Request};
use crate::generators::nas::space::{Architecture, Space};
use crate::generators::nas::task::{Recipe, Task, TaskData};
use crate::ir::lower::lower_text;
use crate::source::SourceMap;

#[derive(clap::Args, Debug)]
pub struct CoexploreArgs {
    /// Two tasks, comma-separated: `digits`, `breast_cancer`, `diabetes`.
    #[arg(long, value_delimiter = ',', required = true)]
    pub tasks: Vec<String>,
    /// Latency spec: cycles for one inference of every network (sub-accelerators in parallel).
    #[arg(long, allow_negative_numbers = true)]
    pub max_latency: Option<f64>,
    /// Energy spec, pJ, summed over the networks.
    #[arg(long, allow_negative_numbers = true)]
    pub max_energy: Option<f64>,
    /// Area spec, mm² at 45 nm (docs/coexplore.md).
    #[arg(long, allow_negative_numbers = true)]
    pub max_area: Option<f64>,
    /// Designs the controller samples.
    #[arg(long, default_value_t = 200)]
    pub episodes: usize,
    /// Designs per controller update.
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Training epochs of every network.
    #[arg(long, default_value_t = Recipe::default().schedule.epochs)]
    pub epochs: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The chosen networks, sub-accelerators, accelerator and workload as `.df`.
    #[arg(short, long)]
    pub output: String,
    /// The report as JSON.
    #[arg(long)]
    pub report: Option<String>,
    /// The measurement cache `dfc nas` also uses (default: `nas-measurements.csv` under
    /// `$XDG_CACHE_HOME/dfc` or `~/.cache/dfc`).
    #[arg(long, conflicts_with = "no_cache")]
    pub cache: Option<String>,
    /// Train every network afresh and keep nothing.
    #[arg(long)]
    pub no_cache: bool,
}

/// The report: the request, then the outcome.
#[derive(serde::Serialize)]
struct Report<'a> {
    tasks: Vec<&'static str>,
    seed: u64,
    epochs: usize,
    budget: Budget,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

fn tasks(names: &[String]) -> Result<Vec<Task>, Diagnostic> {
    let mut out = Vec::new();
    for name in names {
        let task = Task::parse(name.trim()).ok_or_else(|| {
            Diagnostic::new(Code::NasUnknownTask, format!("unknown task `{name}`"))
                .with_help("the tasks are `digits`, `breast_cancer` and `diabetes`")
        })?;
        out.push(task);
    }
    if out.len() != 2 || out[0] == out[1] {
        return Err(Diagnostic::new(
            Code::CoexploreTaskCount,
            format!(
                "`--tasks` must name two distinct tasks, not {}",
                names.join(",")
            ),
        ));
    }
    Ok(out)
}

/// The user's specs, each positive and finite (E1505 otherwise).
fn specs(args: &CoexploreArgs) -> Result<Specs, Diagnostic> {
    let checks = [
        ("--max-latency", args.max_latency),
        ("--max-energy", args.max_energy),
        ("--max-area", args.max_area),
    ];
    for (flag, value) in checks {
        if let Some(v) = value.filter(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(Diagnostic::new(
                Code::NasBadBudget,
                format!("`{flag}` must be a positive number, not {v}"),
            ));
        }
    }
    for (flag, value) in [
        ("--episodes", args.episodes),
        ("--batch", args.batch),
        ("--epochs", args.epochs),
    ] {
        if value == 0 {
            return Err(Diagnostic::new(
                Code::NasBadBudget,
                format!("`{flag}` must be at least 1"),
            ));
        }
    }
    Ok(Specs {
        latency_cycles: args.max_latency,
        energy_pj: args.max_energy,
        area_mm2: args.max_area,
    })
}

/// E1521 for every spec below the joint space's lower bound.
fn unreachable(evaluator: &Evaluator, specs: &Specs) -> Vec<Diagnostic> {
    let bounds = lower_bounds(evaluator);
    let checks = [
        (
            "latency",
            "cycles",
            specs.latency_cycles,
            bounds.latency_cycles,
        ),
        ("energy", "pJ", specs.energy_pj, bounds.energy_pj),
        ("area", "mm²", specs.area_mm2, bounds.area_mm2),
    ];
    checks
        .into_iter()
        .filter(|(_, _, spec, bound)| spec.is_some_and(|s| s < *bound))
        .map(|(what, unit, spec, bound)| {
            Diagnostic::new(
                Code::CoexploreSpecUnmet,
                format!(
                    "no design of the joint space meets the {what} spec of {} {unit}",
                    spec.unwrap_or_default()
                ),
            )
            .with_note(format!(
                "the smallest {what} of any design is {bound} {unit}"
            ))
        })
        .collect()
}

/// What a regression's MSE is divided by for its reward term: the test targets' variance.
fn reference(data: &TaskData) -> f64 {
    match data {
        TaskData::Classes(_) => 1.0,
        TaskData::Values(split) => {
            let n = split.test_y.len().max(1) as f64;
            let mean = split.test_y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let variance = split
                .test_y
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n;
            variance.max(1e-12)
        }
    }
}

pub fn run(reporter: &Reporter, args: &CoexploreArgs) -> ExitCode {
    let sources = SourceMap::new();
    let (tasks, user_specs) = match tasks(&args.tasks).and_then(|t| Ok((t, specs(args)?))) {
        Ok(x) => x,
        Err(d) => {
            reporter.emit(&[d], &sources);
            return exit(1);
        }
    };
    if let Err(f) = refuse_clobber(&sources, &[Some(&args.output), args.report.as_deref()]) {
        return fail(reporter, f);
    }
    let spin = progress::spinner(reporter, "costing every network on every sub-accelerator");
    let evaluator = Evaluator::new(JointSpace::new(&tasks, Budget::default()));
    spin.finish_and_clear();
    let unmet = unreachable(&evaluator, &user_specs);
    if !unmet.is_empty() {
        reporter.emit(&unmet, &sources);
        return exit(1);
    }
    let mut recipe = Recipe::default();
    recipe.schedule.epochs = args.epochs;
    let data: Vec<TaskData> = tasks
        .iter()
        .map(|&t| TaskData::load(t, recipe.split_seed))
        .collect();
    let request = Request {
        specs: user_specs,
        episodes: args.episodes,
        batch: args.batch,
        learning_rate: 0.5,
        seed: args.seed,
        references: data.iter().map(reference).collect(),
    };
    let cache_file = cache_path(args.cache.as_deref(), args.no_cache);
    let mut cache = match MeasurementCache::load(cache_file) {
        Ok(c) => c,
        Err(d) => {
            reporter.emit(&[d], &sources);
            return exit(1);
        }
    };
    let mut measure = |space: &Space, archs: &[Architecture]| {
        let task = tasks.iter().position(|&t| t == space.task).unwrap_or(0);
        let what = format!("{} networks", space.task.name());
        cache.measure(reporter, &what, space, &data[task], &recipe, archs)
    };
    let Some(outcome) = explore::run(&evaluator, &request, &mut measure) else {
        let d = Diagnostic::new(
            Code::CoexploreNoDesign,
            "no network the successive baseline found runs on any sub-accelerator".to_string(),
        );
        reporter.emit(&[d], &sources);
        return exit(1);
    };
    let Some(chosen) = &outcome.nasaic else {
        let d = Diagnostic::new(
            Code::CoexploreNoDesign,
            format!(
                "none of the {} designs sampled met every spec",
                args.episodes
            ),
        )
        .with_help("give more `--episodes`, or loosen the specs");
        reporter.emit(&[d], &sources);
        return exit(1);
    };
    let header = format!(
        "Co-explored by `dfc coexplore --tasks {} --seed {}` (docs/coexplore.md).\n\
         Latency {} cycles, energy {} pJ, area {} mm² (45 nm area model).",
        args.tasks.join(","),
        args.seed,
        chosen.evaluation.latency_cycles,
        chosen.evaluation.energy_pj,
        chosen.evaluation.area_mm2,
    );
    let df = program_df(&evaluator.space, &chosen.design, &header);
    let (_, program, diags) = lower_text(&args.output, &df);
    if program.is_none() {
        let first = diags.first().map_or(String::new(), |d| d.message.clone());
        return fail(
            reporter,
            Fault {
                code: Code::Internal,
                message: format!("the emitted program does not check: {first}"),
            },
        );
    }
    let mut staged = Staged::default();
    if let Some(path) = &args.report {
        let report = Report {
            tasks: tasks.iter().map(|t| t.name()).collect(),
            seed: args.seed,
            epochs: args.epochs,
            budget: evaluator.space.budget,
            outcome: &outcome,
        };
        let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
        if let Err(f) = staged.text(Path::new(path), &json) {
            return fail(reporter, f);
        }
    }
    finish(reporter, staged, Some(&args.output), &df)
}

//! `dfc schedule`: a workload on a heterogeneous accelerator. Reads the arguments, picks the
//! accelerator and workload, asks the HDA back end for the schedule report
//! (`backends::schedule::report`), prints it in the chosen format and writes a Perfetto trace
//! and an SVG Gantt chart on request.

use std::path::Path;
use std::process::ExitCode;

use super::{
    compile, exit, fail, finish, nothing_to_do, progress, refuse_clobber, usage, PartitionChoice,
    ReportFormat, Reporter, Staged,
};
use crate::backends::{hda, schedule};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use crate::source::SourceMap;

#[derive(clap::Args, Debug)]
pub struct ScheduleArgs {
    /// A `.df` program with an `accelerator` and a `workload`.
    pub file: String,
    /// The accelerator to use (default: the file's only one).
    #[arg(long)]
    pub accelerator: Option<String>,
    /// The workload to schedule (default: the file's only one).
    #[arg(long)]
    pub workload: Option<String>,
    #[arg(long, value_enum, default_value_t = hda::Objective::Edp)]
    pub objective: hda::Objective,
    /// `fixed`: the sub-accelerators as written; `grid`: also search PE and bandwidth
    /// splits between their styles and report the best design and the Pareto set.
    #[arg(long, value_enum, default_value_t = PartitionChoice::Fixed)]
    pub partition: PartitionChoice,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the schedule as a Chrome trace (open it in Perfetto).
    #[arg(long)]
    pub trace: Option<String>,
    /// Write the schedule as an SVG Gantt chart.
    #[arg(long)]
    pub svg: Option<String>,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

/// Why no item could be picked: the file has none (the input's fault) or the flag is wrong.
enum NotPicked {
    NoneDefined(String),
    Usage(String),
}

fn pick<T>(
    items: &[T],
    name: Option<&str>,
    item_name: impl Fn(&T) -> &str,
    kind: &str,
    file: &str,
) -> Result<usize, NotPicked> {
    match name {
        Some(n) => items.iter().position(|i| item_name(i) == n).ok_or_else(|| {
            NotPicked::Usage(format!("`--{kind} {n}`: `{file}` has no {kind} `{n}`"))
        }),
        None if items.len() == 1 => Ok(0),
        None if items.is_empty() => Err(NotPicked::NoneDefined(format!(
            "`{file}` defines no {kind} to schedule"
        ))),
        None => Err(NotPicked::Usage(format!(
            "`{file}` defines several {kind}s; choose one with `--{kind}`"
        ))),
    }
}

pub fn run(reporter: &Reporter, args: &ScheduleArgs) -> ExitCode {
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, &args.file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    let objective = args.objective;
    let chosen = pick(
        &program.accelerators,
        args.accelerator.as_deref(),
        |a| &a.name,
        "accelerator",
        &args.file,
    )
    .and_then(|a| {
        pick(
            &program.workloads,
            args.workload.as_deref(),
            |w| &w.name,
            "workload",
            &args.file,
        )
        .map(|w| (a, w))
    });
    let (acc, wl) = match chosen {
        Ok((a, w)) => (ir::AcceleratorId(a as u32), ir::WorkloadId(w as u32)),
        Err(NotPicked::NoneDefined(e)) => return nothing_to_do(reporter, &sources, root, e),
        Err(NotPicked::Usage(e)) => return usage(&e),
    };
    let outputs = [
        args.output.as_deref(),
        args.trace.as_deref(),
        args.svg.as_deref(),
    ];
    if let Err(f) = refuse_clobber(&sources, &outputs) {
        return fail(reporter, f);
    }
    let inputs = schedule::inputs(&program, acc, wl);
    let problems = schedule::check(&program, acc, wl, &inputs);
    if !problems.is_empty() {
        reporter.emit(&problems, &sources);
        return exit(1);
    }
    let sweep_partitions = args.partition == PartitionChoice::Grid;
    let spinner = progress::spinner(
        reporter,
        if sweep_partitions {
            "scheduling and sweeping partitions"
        } else {
            "scheduling"
        },
    );
    let result = schedule::report(&program, acc, wl, &inputs, objective, sweep_partitions);
    spinner.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            // `check` found every layer a sub-accelerator; what is left infeasible (a partition
            // sweep in which every split fails) is the input's, anything else a bug.
            let acc_span = program.accelerators[acc.index()].span;
            let (d, code) = match e {
                hda::HdaError::Infeasible(m) => (
                    Diagnostic::at(Code::LayerRunsNowhere, acc_span, m, "this accelerator"),
                    1,
                ),
                hda::HdaError::Input(m) => (Diagnostic::new(Code::Internal, m), 2),
            };
            reporter.emit(&[d], &sources);
            return exit(code);
        }
    };
    // Every output is staged and appears only when all were written.
    let mut staged = Staged::default();
    for (path, text) in [
        (
            &args.trace,
            hda::trace_json(&report.schedule, &inputs.workload, &inputs.platform),
        ),
        (
            &args.svg,
            hda::gantt_svg(&report.schedule, &inputs.workload, &inputs.platform),
        ),
    ] {
        if let Some(path) = path {
            if let Err(f) = staged.text(Path::new(path), &text) {
                return fail(reporter, f);
            }
        }
    }
    let text = match args.format {
        ReportFormat::Table => hda::report::table(&report, &inputs.platform),
        ReportFormat::Json => hda::report::json(&report),
        ReportFormat::Csv => hda::csv(&report.schedule),
    };
    finish(reporter, staged, args.output.as_deref(), &text)
}

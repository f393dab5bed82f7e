//! `dfc schedule`: a workload on a heterogeneous accelerator. Prints the HERALD-style
//! schedule and how it compares with each monolithic accelerator of the same budget and with
//! a naive scheduler; writes a Perfetto trace and an SVG Gantt chart on request.

use std::fmt::Write as _;
use std::process::ExitCode;

use super::{
    compile, exit, fail, write_atomically, write_output, ObjectiveChoice, PartitionChoice,
    ReportFormat, Reporter,
};
use crate::backends::{hda, schedule};
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
    #[arg(long, value_enum, default_value_t = ObjectiveChoice::Edp)]
    pub objective: ObjectiveChoice,
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

/// One schedule of the comparison, as the report lists it.
#[derive(serde::Serialize)]
struct Row {
    design: String,
    scheduler: String,
    makespan_cycles: f64,
    energy: f64,
    edp: f64,
}

#[derive(serde::Serialize)]
struct Report {
    accelerator: String,
    workload: String,
    objective: &'static str,
    schedule: hda::Schedule,
    comparison: Vec<Row>,
    /// EDP gain of the HDA over the best monolithic design and over the naive scheduler.
    edp_gain_vs_best_monolithic: f64,
    edp_gain_vs_naive: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    partition: Option<PartitionSummary>,
}

#[derive(serde::Serialize)]
struct PartitionSummary {
    best: Vec<hda::SubAccel>,
    best_makespan_cycles: f64,
    best_energy: f64,
    pareto: Vec<(Vec<hda::SubAccel>, f64, f64)>,
    designs_scheduled: usize,
}

fn pick<T>(
    items: &[T],
    name: Option<&str>,
    item_name: impl Fn(&T) -> &str,
    kind: &str,
    file: &str,
) -> Result<usize, String> {
    match name {
        Some(n) => items
            .iter()
            .position(|i| item_name(i) == n)
            .ok_or_else(|| format!("`{file}` has no {kind} `{n}`")),
        None if items.len() == 1 => Ok(0),
        None if items.is_empty() => Err(format!("`{file}` defines no {kind}")),
        None => Err(format!(
            "`{file}` defines several {kind}s; choose one with `--{kind}`"
        )),
    }
}

pub fn run(reporter: &Reporter, args: &ScheduleArgs) -> ExitCode {
    let mut sources = SourceMap::new();
    let (_, program, diags) = match compile(&mut sources, &args.file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    let objective = match args.objective {
        ObjectiveChoice::Latency => hda::Objective::Latency,
        ObjectiveChoice::Energy => hda::Objective::Energy,
        ObjectiveChoice::Edp => hda::Objective::Edp,
    };
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
        Err(e) => return fail(reporter, e),
    };
    let inputs = schedule::inputs(&program, acc, wl);
    let result = build_report(&program, acc, wl, &inputs, objective, args.partition);
    let report = match result {
        Ok(r) => r,
        Err(e) => return fail(reporter, e.to_string()),
    };
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
            if let Err(e) = write_atomically(path, &text) {
                return fail(reporter, e);
            }
        }
    }
    let text = match args.format {
        ReportFormat::Table => table(&report, &inputs.platform),
        ReportFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        ReportFormat::Csv => hda::csv(&report.schedule),
    };
    write_output(reporter, args.output.as_deref(), &text)
}

fn build_report(
    program: &ir::Program,
    acc: ir::AcceleratorId,
    wl: ir::WorkloadId,
    inputs: &schedule::ScheduleInputs,
    objective: hda::Objective,
    partition: PartitionChoice,
) -> Result<Report, hda::HdaError> {
    let (w, p, t) = (&inputs.workload, &inputs.platform, &inputs.table);
    let herald = hda::herald(w, p, t, objective)?;
    let naive = hda::naive(w, p, t, objective)?;
    let row = |design: String, s: &hda::Schedule| Row {
        design,
        scheduler: s.scheduler.clone(),
        makespan_cycles: s.makespan,
        energy: s.energy,
        edp: s.edp,
    };
    let acc_name = &program.accelerators[acc.index()].name;
    let mut comparison = vec![
        row(acc_name.clone(), &herald),
        row(acc_name.clone(), &naive),
    ];
    let mut best_mono = f64::INFINITY;
    for (platform, table) in &inputs.monolithic {
        let s = hda::monolithic(w, platform, table, objective)?;
        best_mono = best_mono.min(s.edp);
        let name = platform
            .sub_accels
            .first()
            .map_or(String::new(), |s| s.name.clone());
        comparison.push(row(name, &s));
    }
    let gain = |base: f64| {
        if base > 0.0 {
            1.0 - herald.edp / base
        } else {
            0.0
        }
    };
    let partition = match partition {
        PartitionChoice::Fixed => None,
        PartitionChoice::Grid => {
            let r = schedule::partition(program, acc, wl, objective)?;
            Some(PartitionSummary {
                best: r.best.platform.sub_accels.clone(),
                best_makespan_cycles: r.best.schedule.makespan,
                best_energy: r.best.schedule.energy,
                pareto: r
                    .pareto
                    .iter()
                    .map(|d| {
                        (
                            d.platform.sub_accels.clone(),
                            d.schedule.makespan,
                            d.schedule.energy,
                        )
                    })
                    .collect(),
                designs_scheduled: r.points.len(),
            })
        }
    };
    Ok(Report {
        accelerator: acc_name.clone(),
        workload: program.workloads[wl.index()].name.clone(),
        objective: objective.name(),
        edp_gain_vs_best_monolithic: gain(best_mono),
        edp_gain_vs_naive: gain(naive.edp),
        schedule: herald,
        comparison,
        partition,
    })
}

fn table(r: &Report, platform: &hda::Platform) -> String {
    let mut s = hda::table(&r.schedule, platform);
    let _ = writeln!(s, "\ncomparison (objective: {}):", r.objective);
    let _ = writeln!(
        s,
        "  {:<32} {:<11} {:>14} {:>14} {:>12}",
        "design", "scheduler", "makespan (cyc)", "energy", "EDP"
    );
    for row in &r.comparison {
        let _ = writeln!(
            s,
            "  {:<32} {:<11} {:>14.0} {:>14.4e} {:>12.4e}",
            row.design, row.scheduler, row.makespan_cycles, row.energy, row.edp
        );
    }
    let _ = writeln!(
        s,
        "EDP gain of the HDA: {:.1} % over the best monolithic design, {:.1} % over the naive scheduler",
        100.0 * r.edp_gain_vs_best_monolithic,
        100.0 * r.edp_gain_vs_naive
    );
    if let Some(p) = &r.partition {
        let split = |subs: &[hda::SubAccel]| {
            subs.iter()
                .map(|s| format!("{} {} PEs {} B/cycle", s.dataflow_style, s.pes, s.noc_bw))
                .collect::<Vec<_>>()
                .join(" + ")
        };
        let _ = writeln!(
            s,
            "\npartition sweep: {} designs scheduled",
            p.designs_scheduled
        );
        let _ = writeln!(
            s,
            "  best: {} ({:.0} cycles, {:.4e} energy)",
            split(&p.best),
            p.best_makespan_cycles,
            p.best_energy
        );
        for (subs, makespan, energy) in &p.pareto {
            let _ = writeln!(
                s,
                "  pareto: {} ({makespan:.0} cycles, {energy:.4e} energy)",
                split(subs)
            );
        }
    }
    s
}

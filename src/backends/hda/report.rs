//! The schedule report: the HERALD-style schedule of a heterogeneous accelerator compared
//! with the naive scheduler and with each monolithic design of the same budget, plus the
//! partition sweep when one was run. Plain data built from plain inputs, and its renderers
//! (a table for people, JSON; CSV is the schedule's own, [`super::csv`]).

use std::fmt::Write as _;

use serde::Serialize;

use super::{
    herald, monolithic, naive, CostTable, HdaError, Objective, PartitionResult, Platform, Schedule,
    SubAccel, Workload,
};

/// What the report compares: the heterogeneous accelerator as written, and each of its
/// dataflow styles alone with the whole budget.
pub struct Comparison<'a> {
    pub accelerator_name: &'a str,
    pub workload_name: &'a str,
    pub workload: &'a Workload,
    pub platform: &'a Platform,
    pub table: &'a CostTable,
    pub monolithic: &'a [Monolithic],
}

/// One dataflow style alone with the whole budget: its platform (one sub-accelerator), its
/// cost table, and the layers it cannot run (those make its comparison row unschedulable).
#[derive(Debug, Clone)]
pub struct Monolithic {
    pub platform: Platform,
    pub table: CostTable,
    pub cannot_run: Vec<CannotRun>,
}

/// A layer a design cannot run, and why (the cost model's words).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CannotRun {
    pub network: String,
    pub layer: String,
    pub reason: String,
}

/// One design of the comparison, as the report lists it: a schedule's numbers, or (for a
/// monolithic design that cannot run some layers) none and the layers it cannot run.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    pub design: String,
    pub scheduler: String,
    pub makespan_cycles: Option<f64>,
    pub energy: Option<f64>,
    pub edp: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cannot_run: Vec<CannotRun>,
}

impl ComparisonRow {
    fn new(design: String, schedule: &Schedule) -> ComparisonRow {
        ComparisonRow {
            design,
            scheduler: schedule.scheduler.clone(),
            makespan_cycles: Some(schedule.makespan),
            energy: Some(schedule.energy),
            edp: Some(schedule.edp),
            cannot_run: Vec::new(),
        }
    }

    fn unschedulable(design: String, cannot_run: Vec<CannotRun>) -> ComparisonRow {
        ComparisonRow {
            design,
            scheduler: "monolithic".to_string(),
            makespan_cycles: None,
            energy: None,
            edp: None,
            cannot_run,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduleReport {
    pub accelerator: String,
    pub workload: String,
    pub objective: &'static str,
    pub schedule: Schedule,
    pub comparison: Vec<ComparisonRow>,
    /// EDP gain of the HDA over the best monolithic design (none when no monolithic design
    /// runs every layer) and over the naive scheduler.
    pub edp_gain_vs_best_monolithic: Option<f64>,
    pub edp_gain_vs_naive: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionSummary>,
}

/// The outcome of a design-time partition sweep, as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PartitionSummary {
    pub best: Vec<SubAccel>,
    pub best_makespan_cycles: f64,
    pub best_energy: f64,
    pub pareto: Vec<(Vec<SubAccel>, f64, f64)>,
    pub designs_scheduled: usize,
}

impl PartitionSummary {
    pub fn new(result: &PartitionResult) -> PartitionSummary {
        PartitionSummary {
            best: result.best.platform.sub_accels.clone(),
            best_makespan_cycles: result.best.schedule.makespan,
            best_energy: result.best.schedule.energy,
            pareto: result
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
            designs_scheduled: result.points.len(),
        }
    }
}

/// Schedule the workload with HERALD and the naive scheduler, and each monolithic design;
/// the report has no partition sweep (attach one with [`PartitionSummary::new`]).
pub fn schedule_report(
    comparison: &Comparison,
    objective: Objective,
) -> Result<ScheduleReport, HdaError> {
    let (w, p, t) = (comparison.workload, comparison.platform, comparison.table);
    let herald = herald(w, p, t, objective)?;
    let naive = naive(w, p, t, objective)?;
    let name = comparison.accelerator_name;
    let mut rows = vec![
        ComparisonRow::new(name.to_string(), &herald),
        ComparisonRow::new(name.to_string(), &naive),
    ];
    let mut best_monolithic: Option<f64> = None;
    for design in comparison.monolithic {
        let design_name = design
            .platform
            .sub_accels
            .first()
            .map_or(String::new(), |s| s.name.clone());
        if !design.cannot_run.is_empty() {
            rows.push(ComparisonRow::unschedulable(
                design_name,
                design.cannot_run.clone(),
            ));
            continue;
        }
        let s = monolithic(w, &design.platform, &design.table, objective)?;
        best_monolithic = Some(best_monolithic.map_or(s.edp, |b| b.min(s.edp)));
        rows.push(ComparisonRow::new(design_name, &s));
    }
    let gain = |base: f64| {
        if base > 0.0 {
            1.0 - herald.edp / base
        } else {
            0.0
        }
    };
    Ok(ScheduleReport {
        accelerator: name.to_string(),
        workload: comparison.workload_name.to_string(),
        objective: objective.name(),
        edp_gain_vs_best_monolithic: best_monolithic.map(gain),
        edp_gain_vs_naive: gain(naive.edp),
        schedule: herald,
        comparison: rows,
        partition: None,
    })
}

/// The report as pretty-printed JSON.
pub fn json(report: &ScheduleReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default() + "\n"
}

/// The report for people: the schedule's table, the comparison and the partition sweep.
pub fn table(report: &ScheduleReport, platform: &Platform) -> String {
    let mut s = super::table(&report.schedule, platform);
    let _ = writeln!(s, "\ncomparison (objective: {}):", report.objective);
    let _ = writeln!(
        s,
        "  {:<32} {:<11} {:>14} {:>14} {:>12}",
        "design", "scheduler", "makespan (cyc)", "energy", "EDP"
    );
    for row in &report.comparison {
        match (row.makespan_cycles, row.energy, row.edp) {
            (Some(makespan), Some(energy), Some(edp)) => {
                let _ = writeln!(
                    s,
                    "  {:<32} {:<11} {makespan:>14.0} {energy:>14.4e} {edp:>12.4e}",
                    row.design, row.scheduler
                );
            }
            _ => {
                let _ = writeln!(
                    s,
                    "  {:<32} {:<11} {}",
                    row.design,
                    row.scheduler,
                    cannot_run_summary(&row.cannot_run)
                );
            }
        }
    }
    let vs_monolithic = match report.edp_gain_vs_best_monolithic {
        Some(g) => format!("{:.1} % over the best monolithic design", 100.0 * g),
        None => "no monolithic design runs every layer".to_string(),
    };
    let _ = writeln!(
        s,
        "EDP gain of the HDA: {vs_monolithic}, {:.1} % over the naive scheduler",
        100.0 * report.edp_gain_vs_naive
    );
    if let Some(p) = &report.partition {
        partition_table(&mut s, p);
    }
    s
}

/// "cannot run resnet18/conv1 (and 20 more layers): why" for a table row.
fn cannot_run_summary(cannot_run: &[CannotRun]) -> String {
    let Some(first) = cannot_run.first() else {
        return "cannot run the workload".to_string();
    };
    let more = match cannot_run.len() - 1 {
        0 => String::new(),
        1 => " (and 1 more layer)".to_string(),
        n => format!(" (and {n} more layers)"),
    };
    format!(
        "cannot run {}/{}{more}: {}",
        first.network, first.layer, first.reason
    )
}

fn partition_table(s: &mut String, p: &PartitionSummary) {
    let split = |subs: &[SubAccel]| {
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

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
/// dataflow styles alone with the whole budget (platform and cost table per style).
pub struct Comparison<'a> {
    pub accelerator_name: &'a str,
    pub workload_name: &'a str,
    pub workload: &'a Workload,
    pub platform: &'a Platform,
    pub table: &'a CostTable,
    pub monolithic: &'a [(Platform, CostTable)],
}

/// One schedule of the comparison, as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    pub design: String,
    pub scheduler: String,
    pub makespan_cycles: f64,
    pub energy: f64,
    pub edp: f64,
}

impl ComparisonRow {
    fn new(design: String, schedule: &Schedule) -> ComparisonRow {
        ComparisonRow {
            design,
            scheduler: schedule.scheduler.clone(),
            makespan_cycles: schedule.makespan,
            energy: schedule.energy,
            edp: schedule.edp,
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
    /// EDP gain of the HDA over the best monolithic design and over the naive scheduler.
    pub edp_gain_vs_best_monolithic: f64,
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
    let mut best_monolithic = f64::INFINITY;
    for (platform, table) in comparison.monolithic {
        let s = monolithic(w, platform, table, objective)?;
        best_monolithic = best_monolithic.min(s.edp);
        let design = platform
            .sub_accels
            .first()
            .map_or(String::new(), |s| s.name.clone());
        rows.push(ComparisonRow::new(design, &s));
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
        edp_gain_vs_best_monolithic: gain(best_monolithic),
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
        let _ = writeln!(
            s,
            "  {:<32} {:<11} {:>14.0} {:>14.4e} {:>12.4e}",
            row.design, row.scheduler, row.makespan_cycles, row.energy, row.edp
        );
    }
    let _ = writeln!(
        s,
        "EDP gain of the HDA: {:.1} % over the best monolithic design, {:.1} % over the naive scheduler",
        100.0 * report.edp_gain_vs_best_monolithic,
        100.0 * report.edp_gain_vs_naive
    );
    if let Some(p) = &report.partition {
        partition_table(&mut s, p);
    }
    s
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

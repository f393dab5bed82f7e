//! Sweep results as a table: one row per point (totals) or per point and layer, the point's
//! parameters as columns, then status and metrics. CSV and JSON put one row on one line, and
//! a shard's text starts with its identity, so `merge` can join shards line by line into the
//! text an unsharded run prints. The Pareto filter lives here for both paths.

use super::evaluate::{LayerOutcome, Summary};
use super::{Point, Shard, SweepOptions};
use crate::ir::sweep::{Sweep, Value};
use crate::ir::Program;

/// A cell: whole numbers, floats, text, or nothing (a metric of a point that does not fit).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Float(f64),
    Text(String),
    Empty,
}

/// One row; `point` is also the first cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub point: u64,
    pub cells: Vec<Cell>,
}

/// An objective of the Pareto front (both are minimised).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    Runtime,
    Energy,
    Edp,
    L1,
    L2,
}

impl Objective {
    pub const ALL: [Objective; 5] = [
        Objective::Runtime,
        Objective::Energy,
        Objective::Edp,
        Objective::L1,
        Objective::L2,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Objective::Runtime => "runtime",
            Objective::Energy => "energy",
            Objective::Edp => "edp",
            Objective::L1 => "l1",
            Objective::L2 => "l2",
        }
    }

    pub fn parse(name: &str) -> Option<Objective> {
        Objective::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The column the objective reads.
    pub fn column(self) -> &'static str {
        match self {
            Objective::Runtime => "runtime_cycles",
            Objective::Energy => "energy",
            Objective::Edp => "edp",
            Objective::L1 => "l1_size_req",
            Objective::L2 => "l2_size_req",
        }
    }
}

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// The metric columns after `status` and `reason`.
const METRICS: [&str; 8] = [
    "runtime_cycles",
    "energy",
    "energy_unit",
    "edp",
    "num_macs",
    "pe_utilization",
    "l1_size_req",
    "l2_size_req",
];

/// A sweep's rows with what identifies them.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTable {
    pub sweep: String,
    /// A stable hash of the program and the options that change rows; shards of one run share it.
    pub digest: String,
    /// Points of the whole sweep (not only of this shard).
    pub points: u64,
    pub shard: Option<Shard>,
    pub per_layer: bool,
    pub pareto: Option<(Objective, Objective)>,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

/// The columns of a sweep's table.
pub fn columns(sweep: &Sweep, per_layer: bool) -> Vec<String> {
    let mut columns = vec!["point".to_string(), "mapping".to_string()];
    columns.extend(sweep.axes.iter().map(|a| a.field.path()));
    if per_layer {
        columns.push("layer".to_string());
    }
    columns.extend(["status", "reason"].map(String::from));
    columns.extend(METRICS.map(String::from));
    columns
}

/// The rows of one point: one per layer, or one with the network's totals.
pub fn rows(
    program: &Program,
    sweep: &Sweep,
    point: &Point,
    outcomes: &[LayerOutcome],
    per_layer: bool,
) -> Vec<Row> {
    let mut head = vec![
        Cell::Int(i64::try_from(point.index).unwrap_or(i64::MAX)),
        Cell::Text(program.mapping(point.mapping).name.clone()),
    ];
    for (axis, &v) in sweep.axes.iter().zip(&point.values) {
        head.push(match axis.values[v] {
            Value::Count(n) => Cell::Int(i64::try_from(n).unwrap_or(i64::MAX)),
            other => Cell::Text(other.text()),
        });
    }
    let row = |mut cells: Vec<Cell>, outcome: &LayerOutcome| {
        cells.extend(outcome_cells(outcome));
        Row {
            point: point.index,
            cells,
        }
    };
    if per_layer {
        let layers = &program
            .network(program.mapping(point.mapping).network)
            .layers;
        return layers
            .iter()
            .zip(outcomes)
            .map(|(layer, outcome)| {
                let mut cells = head.clone();
                cells.push(Cell::Text(layer.name.clone()));
                row(cells, outcome)
            })
            .collect();
    }
    vec![row(head, &totals(outcomes))]
}

/// The network's totals: sums of runtime, energy and MACs, the runtime-weighted PE
/// utilization, the largest buffer requirements; the first failing layer when one fails.
fn totals(outcomes: &[LayerOutcome]) -> LayerOutcome {
    if let Some(failed) = outcomes.iter().find(|o| !matches!(o, LayerOutcome::Ok(_))) {
        return failed.clone();
    }
    let mut total = Summary {
        runtime_cycles: 0,
        energy: 0.0,
        energy_unit: "pJ",
        num_macs: 0,
        pe_utilization: 0.0,
        l1_size_req: 0,
        l2_size_req: 0,
    };
    let mut busy = 0.0;
    for o in outcomes {
        if let LayerOutcome::Ok(s) = o {
            total.runtime_cycles += s.runtime_cycles;
            total.energy += s.energy;
            total.energy_unit = s.energy_unit;
            total.num_macs += s.num_macs;
            busy += s.pe_utilization * s.runtime_cycles as f64;
            total.l1_size_req = total.l1_size_req.max(s.l1_size_req);
            total.l2_size_req = total.l2_size_req.max(s.l2_size_req);
        }
    }
    if total.runtime_cycles > 0 {
        total.pe_utilization = busy / total.runtime_cycles as f64;
    }
    LayerOutcome::Ok(total)
}

fn outcome_cells(outcome: &LayerOutcome) -> Vec<Cell> {
    let (status, reason) = match outcome {
        LayerOutcome::Ok(s) => {
            return vec![
                Cell::Text("ok".to_string()),
                Cell::Empty,
                Cell::Int(s.runtime_cycles),
                Cell::Float(s.energy),
                Cell::Text(s.energy_unit.to_string()),
                Cell::Float(s.runtime_cycles as f64 * s.energy),
                Cell::Int(s.num_macs),
                Cell::Float(s.pe_utilization),
                Cell::Int(s.l1_size_req),
                Cell::Int(s.l2_size_req),
            ];
        }
        LayerOutcome::DoesNotFit(r) => ("does_not_fit", r),
        LayerOutcome::Invalid(r) => ("invalid", r),
    };
    let mut cells = vec![Cell::Text(status.to_string()), Cell::Text(reason.clone())];
    cells.extend(METRICS.map(|_| Cell::Empty));
    cells
}

pub fn build(
    sweep: &Sweep,
    options: &SweepOptions,
    points: u64,
    digest: String,
    rows: Vec<Row>,
) -> SweepTable {
    SweepTable {
        sweep: sweep.name.clone(),
        digest,
        points,
        shard: options.shard,
        per_layer: options.per_layer,
        pareto: options.pareto,
        columns: columns(sweep, options.per_layer),
        rows,
    }
}

impl SweepTable {
    pub fn to_csv(&self) -> String {
        let lines: Vec<String> = self.rows.iter().map(|r| csv_line(&r.cells)).collect();
        frame(self, Format::Csv, &lines)
    }

    pub fn to_json(&self) -> String {
        let lines: Vec<String> = self.rows.iter().map(|r| json_line(&r.cells)).collect();
        frame(self, Format::Json, &lines)
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Csv => self.to_csv(),
            Format::Json => self.to_json(),
        }
    }

    /// The identity a shard's text starts with (one line of JSON).
    pub(super) fn identity(&self) -> String {
        let pareto = match self.pareto {
            Some((a, b)) => format!("[\"{}\", \"{}\"]", a.name(), b.name()),
            None => "null".to_string(),
        };
        let shard = match self.shard {
            Some(s) => format!("[{}, {}]", s.index, s.count),
            None => "null".to_string(),
        };
        format!(
            "{{\"sweep\": {}, \"digest\": \"{}\", \"points\": {}, \"per_layer\": {}, \"pareto\": {pareto}, \"shard\": {shard}}}",
            json_string(&self.sweep),
            self.digest,
            self.points,
            self.per_layer,
        )
    }
}

/// The text around rendered row lines; `merge` calls it with the lines it joined.
pub(super) fn frame(table: &SweepTable, format: Format, lines: &[String]) -> String {
    let mut out = String::new();
    match format {
        Format::Csv => {
            if table.shard.is_some() {
                out.push_str(SHARD_PREFIX);
                out.push_str(&table.identity());
                out.push('\n');
            }
            out.push_str(&table.columns.join(","));
            out.push('\n');
            for line in lines {
                out.push_str(line);
                out.push('\n');
            }
        }
        Format::Json => {
            out.push_str("{\n  \"identity\": ");
            out.push_str(&table.identity());
            out.push_str(",\n  \"columns\": [");
            let columns: Vec<String> = table.columns.iter().map(|c| json_string(c)).collect();
            out.push_str(&columns.join(", "));
            out.push_str("],\n  \"rows\": [\n");
            for (i, line) in lines.iter().enumerate() {
                out.push_str("    ");
                out.push_str(line);
                out.push_str(if i + 1 < lines.len() { ",\n" } else { "\n" });
            }
            out.push_str("  ]\n}\n");
        }
    }
    out
}

/// The first line of a CSV shard, before its identity.
pub(super) const SHARD_PREFIX: &str = "# dfc sweep shard ";

fn csv_line(cells: &[Cell]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .map(|c| match c {
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) => float(*x),
            Cell::Text(s) => s.clone(),
            Cell::Empty => String::new(),
        })
        .collect();
    cells.join(",")
}

fn json_line(cells: &[Cell]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .map(|c| match c {
            Cell::Int(n) => n.to_string(),
            Cell::Float(x) if x.is_finite() => float(*x),
            Cell::Text(s) => json_string(s),
            Cell::Float(_) | Cell::Empty => "null".to_string(),
        })
        .collect();
    format!("[{}]", cells.join(", "))
}

/// The shortest text that reads back to the same float (`{}` never writes an exponent).
fn float(x: f64) -> String {
    format!("{x}")
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

/// Keep the rows on the Pareto front of two objectives (both minimised) among the rows whose
/// status is `ok`, in point order; equal points are all kept.
pub fn pareto(table: &SweepTable, objectives: (Objective, Objective)) -> SweepTable {
    let column = |name: &str| table.columns.iter().position(|c| c == name);
    let (Some(status), Some(a), Some(b)) = (
        column("status"),
        column(objectives.0.column()),
        column(objectives.1.column()),
    ) else {
        return table.clone();
    };
    let value = |cell: &Cell| match cell {
        Cell::Int(n) => Some(*n as f64),
        Cell::Float(x) => Some(*x),
        _ => None,
    };
    let candidates: Vec<Option<(f64, f64)>> = table
        .rows
        .iter()
        .map(|r| {
            (r.cells[status] == Cell::Text("ok".to_string()))
                .then(|| Some((value(&r.cells[a])?, value(&r.cells[b])?)))
                .flatten()
        })
        .collect();
    let keep = front(&candidates);
    SweepTable {
        rows: table
            .rows
            .iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(r, _)| r.clone())
            .collect(),
        ..table.clone()
    }
}

/// Which candidates no other candidate dominates (`None` is never kept). Sorted by the
/// first objective then the second, a value is dominated exactly when some smaller distinct
/// value has a second objective no larger.
pub(super) fn front(candidates: &[Option<(f64, f64)>]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].is_some())
        .collect();
    let key = |i: usize| candidates[i].unwrap_or((f64::INFINITY, f64::INFINITY));
    order.sort_by(|&x, &y| {
        key(x)
            .partial_cmp(&key(y))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut keep = vec![false; candidates.len()];
    let mut best_before = f64::INFINITY;
    let mut start = 0;
    while start < order.len() {
        let value = key(order[start]);
        let mut end = start;
        while end < order.len() && key(order[end]) == value {
            end += 1;
        }
        let dominated = best_before <= value.1;
        for &i in &order[start..end] {
            keep[i] = !dominated;
        }
        best_before = best_before.min(value.1);
        start = end;
    }
    keep
}

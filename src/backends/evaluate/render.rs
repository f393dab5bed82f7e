//! Renderings of the mapping reports `evaluate` produces: a table for people, CSV (one row
//! per layer, the layer first, metric columns named as in MAESTRO's reference data) and JSON
//! (the same names). Pure functions to strings; the CLI writes them.

use rayon::prelude::*;

use super::{LayerReport, LayerStatus, MappingReport};
use crate::backends::cost::{self, MetricValue, SizeUnit, SparseMetrics, CSV_COLUMNS};

/// Whether a report has a sparse layer: its renderings then carry the sparse columns.
fn has_sparse_layer(reports: &[MappingReport]) -> bool {
    reports
        .iter()
        .flat_map(|r| &r.layers)
        .any(|l| matches!(&l.status, LayerStatus::Ok { metrics } if metrics.sparse.is_some()))
}

/// A human-readable table per mapping, with network totals.
pub fn table(reports: &[MappingReport]) -> String {
    let mut out = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let model = match r.model {
            cost::Model::Maestro => "maestro",
            cost::Model::Default => "default",
        };
        out.push_str(&format!(
            "mapping `{}`: network `{}` on `{}` (model: {model})\n",
            r.mapping, r.network, r.hardware
        ));
        let name_width = r
            .layers
            .iter()
            .map(|l| l.layer.chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let units = Units::of(r);
        let sparse = has_sparse_layer(std::slice::from_ref(r));
        let mut header = vec![
            "runtime (cyc)".to_string(),
            "MACs".to_string(),
            "MAC/cyc".to_string(),
            "PE util".to_string(),
            "MAC util".to_string(),
            match units.energy {
                Some(unit) => format!("energy ({unit})"),
                None => "energy".to_string(),
            },
            units.label("L1 req"),
            units.label("L2 req"),
        ];
        if sparse {
            header.push("effectual MACs".to_string());
        }
        out.push_str(&row(name_width, "layer", &header));
        for l in &r.layers {
            match &l.status {
                LayerStatus::Ok { metrics: m } => {
                    let size = |v: i64| units.size_cell(v, m.size_unit);
                    let mut cells = vec![
                        m.runtime_cycles.to_string(),
                        m.num_macs.to_string(),
                        number(m.throughput),
                        number(m.pe_utilization),
                        number(m.mac_utilization),
                        number(m.total_energy_exact),
                        size(m.l1_size_req()),
                        size(m.l2_size_req()),
                    ];
                    if sparse {
                        let effectual = m.sparse.map_or(m.num_macs, |s| s.effectual_macs);
                        cells.push(effectual.to_string());
                    }
                    out.push_str(&row(name_width, &l.layer, &cells));
                }
                LayerStatus::NotMapped => out.push_str(&format!(
                    "{:<name_width$}  (search: not evaluated)\n",
                    l.layer
                )),
                LayerStatus::Error { message } => {
                    out.push_str(&format!("{:<name_width$}  error: {message}\n", l.layer))
                }
            }
        }
        let t = &r.totals;
        let cells = [
            t.runtime_cycles.to_string(),
            t.num_macs.to_string(),
            number(t.throughput),
            String::new(),
            String::new(),
            number(t.total_energy),
        ];
        out.push_str(row(name_width, "total", &cells).trim_end());
        out.push('\n');
        if t.layers_not_physical > 0 {
            out.push_str(&format!(
                "({} of {} layers with MAESTRO output that is not physical, W0503: summed as \
                 printed, their MACs are missing from the totals)\n",
                t.layers_not_physical,
                r.layers.len()
            ));
        }
        if t.layers_evaluated < r.layers.len() {
            out.push_str(&format!(
                "({} of {} layers evaluated)\n",
                t.layers_evaluated,
                r.layers.len()
            ));
        }
    }
    out
}

/// Column widths of the table after the layer name.
const WIDTHS: [usize; 9] = [14, 14, 9, 9, 9, 18, 13, 13, 15];

/// One table row: the name, then right-aligned cells.
fn row(name_width: usize, name: &str, cells: &[String]) -> String {
    let mut s = format!("{name:<name_width$}");
    for (cell, width) in cells.iter().zip(WIDTHS) {
        s.push_str(&format!("  {cell:>width$}"));
    }
    s.push('\n');
    s
}

/// The units of a report's energy and size columns. Sizes are bytes or elements per layer
/// (a layer has bytes when it has a precision); when a report mixes both, each cell says
/// which.
struct Units {
    /// `None` when no layer was evaluated.
    energy: Option<&'static str>,
    size: &'static str,
    mixed_sizes: bool,
}

impl Units {
    fn of(r: &MappingReport) -> Units {
        let metrics: Vec<&cost::LayerMetrics> = r
            .layers
            .iter()
            .filter_map(|l| match &l.status {
                LayerStatus::Ok { metrics } => Some(&**metrics),
                _ => None,
            })
            .collect();
        let first = metrics.first().map_or(SizeUnit::Elements, |m| m.size_unit);
        let mixed_sizes = metrics.iter().any(|m| m.size_unit != first);
        Units {
            energy: metrics.first().map(|m| energy_unit(&m.info.energy)),
            size: if mixed_sizes {
                "B | elem"
            } else {
                size_symbol(first)
            },
            mixed_sizes,
        }
    }

    /// A size column's header: with the unit once a layer was evaluated.
    fn label(&self, name: &str) -> String {
        match self.energy {
            Some(_) => format!("{name} ({})", self.size),
            None => name.to_string(),
        }
    }

    fn size_cell(&self, value: i64, unit: SizeUnit) -> String {
        if self.mixed_sizes {
            format!("{value} {}", size_symbol(unit))
        } else {
            value.to_string()
        }
    }
}

fn size_symbol(unit: SizeUnit) -> &'static str {
    match unit {
        SizeUnit::Bytes => "B",
        SizeUnit::Elements => "elem",
    }
}

/// The unit of the energy values: picojoules with the hardware's energy table, MAESTRO's
/// relative units (one MAC = 1) otherwise.
pub fn energy_unit(table: &cost::EnergyTable) -> &'static str {
    if table.nj_per_unit == 1e-3 {
        "pJ"
    } else {
        "MAC units"
    }
}

/// A float for the table: six significant digits, as MAESTRO prints.
fn number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if (-4..15).contains(&magnitude) {
        let decimals = (5 - magnitude).max(0) as usize;
        let s = format!("{x:.decimals$}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    } else {
        format!("{x:.5e}")
    }
}

/// dfc's own columns after MAESTRO's (see [`cost::LayerMetrics`]).
const EXTRA_COLUMNS: [&str; 4] = [
    "dense_macs",
    "pe_utilization",
    "mac_utilization",
    "size_unit",
];

/// One CSV row per layer of every mapping: `layer`, the metric columns, dfc's own columns
/// (`dense_macs`, the two utilizations, the unit of the size columns), the sparse columns
/// when a layer is sparse, `status`, `mapping`.
pub fn csv(reports: &[MappingReport]) -> String {
    let sparse = has_sparse_layer(reports);
    let mut out = String::from("layer,");
    out.push_str(&CSV_COLUMNS.join(","));
    out.push(',');
    out.push_str(&EXTRA_COLUMNS.join(","));
    if sparse {
        out.push(',');
        out.push_str(&SparseMetrics::CSV_COLUMNS.join(","));
    }
    out.push_str(",status,mapping\n");
    // Cells are appended in place: a sweep of thousands of layers spent more time allocating
    // one string per cell than evaluating. Blocks of rows are written in parallel (rayon) and
    // joined in layer order, so the text does not depend on the thread count.
    for r in reports {
        let mapping = csv_field(&r.mapping);
        let blocks: Vec<String> = r
            .layers
            .par_chunks(CSV_ROWS_PER_BLOCK)
            .map(|layers| {
                let mut block = String::with_capacity(layers.len() * 1024);
                for l in layers {
                    csv_row(&mut block, l, &mapping, sparse);
                }
                block
            })
            .collect();
        for block in blocks {
            out.push_str(&block);
        }
    }
    out
}

/// One cell of [`csv`]'s rows as data, for front ends that hand out rows instead of text.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(i64),
    Float(f64),
    Text(String),
    /// An empty CSV cell: the metrics of a layer that was not evaluated.
    Missing,
}

/// The column names of [`csv`]'s header for `reports`, in order.
pub fn csv_columns(reports: &[MappingReport]) -> Vec<&'static str> {
    let mut columns = vec!["layer"];
    columns.extend_from_slice(CSV_COLUMNS);
    columns.extend_from_slice(&EXTRA_COLUMNS);
    if has_sparse_layer(reports) {
        columns.extend_from_slice(&SparseMetrics::CSV_COLUMNS);
    }
    columns.extend(["status", "mapping"]);
    columns
}

/// A layer's sparse columns; a dense layer in a sparse report has all its MACs effectual.
fn sparse_values(m: &cost::LayerMetrics) -> SparseMetrics {
    m.sparse.unwrap_or(SparseMetrics::dense(m.num_macs))
}

/// [`csv`]'s rows as cells, column for column as [`csv_columns`] names them, with the same
/// values (`tests` renders them back to the same text).
pub fn csv_cells(reports: &[MappingReport]) -> Vec<Vec<Cell>> {
    let sparse = has_sparse_layer(reports);
    let sparse_columns = if sparse {
        SparseMetrics::CSV_COLUMNS.len()
    } else {
        0
    };
    let metric_columns = CSV_COLUMNS.len() + EXTRA_COLUMNS.len() + sparse_columns;
    let mut rows = Vec::new();
    for r in reports {
        for l in &r.layers {
            let mut row = Vec::with_capacity(metric_columns + 3);
            row.push(Cell::Text(l.layer.clone()));
            let status = match &l.status {
                LayerStatus::Ok { metrics: m } => {
                    row.extend(m.metric_values().into_iter().map(|v| match v {
                        MetricValue::Int(i) => Cell::Int(i),
                        MetricValue::Float(x) => Cell::Float(x),
                    }));
                    row.push(Cell::Int(m.dense_macs));
                    row.push(Cell::Float(m.pe_utilization));
                    row.push(Cell::Float(m.mac_utilization));
                    row.push(Cell::Text(size_symbol(m.size_unit).to_string()));
                    if sparse {
                        let v = sparse_values(m);
                        row.push(Cell::Int(v.effectual_macs));
                        row.push(Cell::Float(v.weight_density));
                        row.push(Cell::Float(v.activation_density));
                        row.push(Cell::Int(v.metadata_accesses));
                    }
                    "ok".to_string()
                }
                LayerStatus::NotMapped => {
                    row.extend(std::iter::repeat_n(Cell::Missing, metric_columns));
                    "search".to_string()
                }
                LayerStatus::Error { message } => {
                    row.extend(std::iter::repeat_n(Cell::Missing, metric_columns));
                    format!("error: {message}")
                }
            };
            row.push(Cell::Text(status));
            row.push(Cell::Text(r.mapping.clone()));
            rows.push(row);
        }
    }
    rows
}

/// Rows per block of the CSV written by one task.
const CSV_ROWS_PER_BLOCK: usize = 128;

/// One layer's CSV row, appended to `out`.
fn csv_row(out: &mut String, l: &LayerReport, mapping: &str, sparse: bool) {
    let sparse_columns = if sparse {
        SparseMetrics::CSV_COLUMNS.len()
    } else {
        0
    };
    let columns = CSV_COLUMNS.len() + EXTRA_COLUMNS.len() + sparse_columns;
    out.push_str(&csv_field(&l.layer));
    let status = match &l.status {
        LayerStatus::Ok { metrics: m } => {
            m.write_csv_cells(out);
            out.push(',');
            cost::write_int(out, m.dense_macs);
            out.push(',');
            cost::write_float(out, m.pe_utilization);
            out.push(',');
            cost::write_float(out, m.mac_utilization);
            out.push(',');
            out.push_str(size_symbol(m.size_unit));
            if sparse {
                let s = sparse_values(m);
                out.push(',');
                cost::write_int(out, s.effectual_macs);
                out.push(',');
                cost::write_float(out, s.weight_density);
                out.push(',');
                cost::write_float(out, s.activation_density);
                out.push(',');
                cost::write_int(out, s.metadata_accesses);
            }
            "ok".to_string()
        }
        LayerStatus::NotMapped => {
            out.push_str(&",".repeat(columns));
            "search".to_string()
        }
        LayerStatus::Error { message } => {
            out.push_str(&",".repeat(columns));
            csv_field(&format!("error: {message}"))
        }
    };
    out.push(',');
    out.push_str(&status);
    out.push(',');
    out.push_str(mapping);
    out.push('\n');
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// All reports as one JSON array; metrics carry the CSV column names.
pub fn json(reports: &[MappingReport]) -> String {
    let mut s =
        serde_json::to_string_pretty(reports).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cells written as `csv` writes them.
    fn text_of(reports: &[MappingReport], rows: &[Vec<Cell>]) -> String {
        let mut out = csv_columns(reports).join(",");
        out.push('\n');
        for row in rows {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Int(i) => i.to_string(),
                    Cell::Float(x) => cost::format_float(*x),
                    Cell::Text(t) => csv_field(t),
                    Cell::Missing => String::new(),
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }

    #[test]
    fn cells_are_the_csv_values() {
        let source = r#"
            use std::dataflows::{nvdla, shidiannao};
            use std::hardware::edge256;
            network n {
                a = conv(K: 64, C: 3, R: 3, S: 3, Y: 32, X: 32, pad: 1);
                b = conv(K: 64, C: 64, R: 3, S: 3, Y: 32, X: 32, pad: 1);
            }
            mapping fixed { network: n; hardware: edge256; a: nvdla; b: shidiannao; }
            mapping unmapped { network: n; hardware: edge256; dataflow: nvdla; a: search; }
            mapping pruned {
                network: n; hardware: edge256; dataflow: nvdla; sparsity { b: weights 2:4; }
            }
        "#;
        let mut sources = crate::source::SourceMap::new();
        let root = sources.add("t.df".to_string(), source.to_string());
        let (program, diags) = crate::ir::lower::lower_program(root, &mut sources, &NoFiles);
        let program = program.unwrap_or_else(|| panic!("{diags:?}"));
        let reports: Vec<MappingReport> = (0..program.mappings.len())
            .map(|i| {
                super::super::evaluate_mapping(
                    &program,
                    crate::ir::MappingId(i as u32),
                    cost::Model::Default,
                )
                .0
            })
            .collect();
        // Without the sparse mapping, then with it (its columns appear for every row).
        for (reports, columns) in [(&reports[..2], 84), (&reports[..], 88)] {
            let rows = csv_cells(reports);
            assert_eq!(rows.len(), 2 * reports.len());
            assert_eq!(rows[0].len(), columns);
            assert_eq!(csv_columns(reports).len(), columns);
            assert_eq!(rows[3].last(), Some(&Cell::Text("unmapped".to_string())));
            assert_eq!(text_of(reports, &rows), csv(reports));
        }
    }

    struct NoFiles;

    impl crate::ir::Loader for NoFiles {
        fn load(&self, _: &crate::ir::ModuleRequest<'_>) -> Result<(String, String), String> {
            Err("no files in this test".to_string())
        }
    }
}

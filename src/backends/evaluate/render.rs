//! Renderings of the mapping reports `evaluate` produces: a table for people, CSV (one row
//! per layer, the layer first, metric columns named as in MAESTRO's reference data) and JSON
//! (the same names). Pure functions to strings; the CLI writes them.

use super::{LayerStatus, MappingReport};
use crate::backends::cost::{self, CSV_COLUMNS};

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
        out.push_str(&format!(
            "{:<name_width$}  {:>14}  {:>14}  {:>9}  {:>9}  {:>14}  {:>10}\n",
            "layer", "runtime (cyc)", "MACs", "MAC/cyc", "busy PEs", "energy", "L2 req"
        ));
        for l in &r.layers {
            match &l.status {
                LayerStatus::Ok { metrics: m } => out.push_str(&format!(
                    "{:<name_width$}  {:>14}  {:>14}  {:>9}  {:>9}  {:>14}  {:>10}\n",
                    l.layer,
                    m.runtime_cycles,
                    m.num_macs,
                    number(m.throughput),
                    number(m.avg_utilized_pes),
                    number(m.total_energy_exact),
                    m.l2_size_req(),
                )),
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
        out.push_str(&format!(
            "{:<name_width$}  {:>14}  {:>14}  {:>9}  {:>9}  {:>14}\n",
            "total",
            t.runtime_cycles,
            t.num_macs,
            number(t.throughput),
            "",
            number(t.total_energy),
        ));
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

/// One CSV row per layer of every mapping: `layer`, the metric columns, `status`, `mapping`.
pub fn csv(reports: &[MappingReport]) -> String {
    let mut out = String::from("layer,");
    out.push_str(&CSV_COLUMNS.join(","));
    out.push_str(",status,mapping\n");
    for r in reports {
        for l in &r.layers {
            let (values, status) = match &l.status {
                LayerStatus::Ok { metrics } => (metrics.csv_values(), "ok".to_string()),
                LayerStatus::NotMapped => {
                    (vec![String::new(); CSV_COLUMNS.len()], "search".to_string())
                }
                LayerStatus::Error { message } => (
                    vec![String::new(); CSV_COLUMNS.len()],
                    format!("error: {message}"),
                ),
            };
            out.push_str(&csv_field(&l.layer));
            for v in values {
                out.push(',');
                out.push_str(&v);
            }
            out.push(',');
            out.push_str(&csv_field(&status));
            out.push(',');
            out.push_str(&csv_field(&r.mapping));
            out.push('\n');
        }
    }
    out
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

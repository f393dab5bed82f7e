//! Pure writers of a schedule: a Chrome trace-event file for Perfetto, a text table and CSV
//! (the SVG Gantt chart is in `gantt`). They tolerate inconsistent inputs (an index out of range prints as
//! `?`) so that the CLI can always show what it has.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{Platform, Schedule, Workload};

/// Rounding to 1/1000 cycle keeps the files short and stable across platforms' float
/// printing without losing anything a viewer can show.
fn r3(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1000.0).round() / 1000.0
    } else {
        0.0
    }
}

/// Chrome trace-event JSON (the format Perfetto and `chrome://tracing` open). One `"X"` event
/// per layer with `ts`/`dur` in cycles (the viewer labels them µs), `pid` 0, `tid` = the
/// sub-accelerator's index, and `args` = network, layer and `after` (the names of the layer's
/// predecessors in its network); metadata events name the process and one thread per
/// sub-accelerator.
pub fn trace_json(schedule: &Schedule, workload: &Workload, platform: &Platform) -> String {
    let mut events: Vec<Value> =
        Vec::with_capacity(schedule.entries.len() + 2 * platform.sub_accels.len() + 1);
    events.push(json!({
        "name": "process_name", "ph": "M", "pid": 0, "tid": 0,
        "args": { "name": format!("HDA schedule ({}, {})", schedule.scheduler, schedule.objective.name()) },
    }));
    for (i, sa) in platform.sub_accels.iter().enumerate() {
        events.push(json!({
            "name": "thread_name", "ph": "M", "pid": 0, "tid": i,
            "args": { "name": format!("{} ({}, {} PEs)", sa.name, sa.dataflow_style, sa.pes) },
        }));
        events.push(json!({
            "name": "thread_sort_index", "ph": "M", "pid": 0, "tid": i,
            "args": { "sort_index": i },
        }));
    }
    let mut entries: Vec<_> = schedule.entries.iter().collect();
    entries.sort_by(|a, b| {
        a.sub_accel
            .cmp(&b.sub_accel)
            .then(a.start.total_cmp(&b.start))
            .then(a.network.cmp(&b.network))
            .then(a.layer.cmp(&b.layer))
    });
    for e in entries {
        let net = workload.networks.get(e.network);
        let after: Vec<&str> = net
            .and_then(|n| n.layers.get(e.layer).map(|l| (n, l)))
            .map(|(n, l)| {
                l.preds
                    .iter()
                    .map(|&p| n.layers.get(p).map_or("?", |x| x.name.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        events.push(json!({
            "name": e.layer_name,
            "cat": e.network_name,
            "ph": "X",
            "ts": r3(e.start),
            "dur": r3(e.end - e.start),
            "pid": 0,
            "tid": e.sub_accel,
            "args": { "network": e.network_name, "layer": e.layer_name, "after": after, "energy": r3(e.energy) },
        }));
    }
    let doc = json!({
        "traceEvents": events,
        "otherData": {
            "time_unit": "cycles (viewers label them us)",
            "scheduler": schedule.scheduler,
            "objective": schedule.objective.name(),
            "makespan_cycles": r3(schedule.makespan),
            "energy": r3(schedule.energy),
            "edp": schedule.edp,
        },
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// Cycles and energies for tables: integers when whole, otherwise 2 decimals; scientific
/// notation when very large.
fn num(x: f64) -> String {
    if !x.is_finite() {
        format!("{x}")
    } else if x.abs() >= 1e12 {
        format!("{x:.4e}")
    } else if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

fn render_rows(out: &mut String, header: &[&str], rows: &[Vec<String>], right: &[bool]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |out: &mut String, cells: Vec<&str>| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(c.chars().count());
            if i > 0 {
                l.push_str("  ");
            }
            if right.get(i).copied().unwrap_or(false) {
                l.push_str(&" ".repeat(pad));
                l.push_str(c);
            } else {
                l.push_str(c);
                l.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(out, header.to_vec());
    for r in rows {
        line(out, r.iter().map(String::as_str).collect());
    }
}

/// A text report: totals, per-sub-accelerator utilisation, per-network finish times and
/// deadlines, then every layer in start order.
pub fn table(schedule: &Schedule, platform: &Platform) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "scheduler {}, objective {}: makespan {} cycles, energy {}, EDP {}",
        schedule.scheduler,
        schedule.objective.name(),
        num(schedule.makespan),
        num(schedule.energy),
        format_args!("{:.4e}", schedule.edp)
    );
    out.push('\n');
    let span = if schedule.makespan > 0.0 {
        schedule.makespan
    } else {
        1.0
    };
    let rows: Vec<Vec<String>> = platform
        .sub_accels
        .iter()
        .enumerate()
        .map(|(i, sa)| {
            let mine = schedule.entries.iter().filter(|e| e.sub_accel == i);
            let (count, busy, energy) = mine.fold((0usize, 0.0, 0.0), |(n, b, en), e| {
                (n + 1, b + (e.end - e.start), en + e.energy)
            });
            vec![
                sa.name.clone(),
                sa.dataflow_style.clone(),
                sa.pes.to_string(),
                count.to_string(),
                num(busy),
                format!("{:.1} %", 100.0 * busy / span),
                num(energy),
            ]
        })
        .collect();
    render_rows(
        &mut out,
        &[
            "sub-accelerator",
            "style",
            "PEs",
            "layers",
            "busy",
            "util",
            "energy",
        ],
        &rows,
        &[false, false, true, true, true, true, true],
    );
    out.push('\n');
    let rows: Vec<Vec<String>> = schedule
        .networks
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                num(n.finish),
                n.deadline.map_or("-".into(), num),
                match n.meets_deadline {
                    Some(true) => "yes".into(),
                    Some(false) => "NO".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    render_rows(
        &mut out,
        &["network", "finish", "deadline", "met"],
        &rows,
        &[false, true, true, false],
    );
    out.push('\n');
    let rows: Vec<Vec<String>> = schedule
        .entries
        .iter()
        .map(|e| {
            vec![
                e.network_name.clone(),
                e.layer_name.clone(),
                e.sub_accel_name.clone(),
                num(e.start),
                num(e.end),
                num(e.end - e.start),
                num(e.energy),
            ]
        })
        .collect();
    render_rows(
        &mut out,
        &[
            "network",
            "layer",
            "sub-accel",
            "start",
            "end",
            "cycles",
            "energy",
        ],
        &rows,
        &[false, false, false, true, true, true, true],
    );
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One row per layer in start order; numbers in full precision.
pub fn csv(schedule: &Schedule) -> String {
    let mut out = String::from("network,layer,sub_accel,start,end,cycles,energy\n");
    for e in &schedule.entries {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{}",
            csv_field(&e.network_name),
            csv_field(&e.layer_name),
            csv_field(&e.sub_accel_name),
            e.start,
            e.end,
            e.end - e.start,
            e.energy
        );
    }
    out
}

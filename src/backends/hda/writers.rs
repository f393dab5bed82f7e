//! Pure writers of a schedule: a Chrome trace-event file for Perfetto, an SVG Gantt chart, a
//! text table and CSV. They tolerate inconsistent inputs (an index out of range prints as
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

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Compact number for axes and labels: 1.5k, 12M, 3.2G.
fn short(x: f64) -> String {
    let a = x.abs();
    let (v, suffix) = if a >= 1e12 {
        (x / 1e12, "T")
    } else if a >= 1e9 {
        (x / 1e9, "G")
    } else if a >= 1e6 {
        (x / 1e6, "M")
    } else if a >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let s = if v.fract() == 0.0 || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{suffix}")
}

/// A 1-2-5 step giving about `target` ticks over `span`.
fn tick_step(span: f64, target: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let step = if norm < 1.5 {
        1.0
    } else if norm < 3.5 {
        2.0
    } else if norm < 7.5 {
        5.0
    } else {
        10.0
    };
    step * mag
}

/// Tableau 10: distinct hues that stay apart for colour-blind readers.
const PALETTE: [&str; 10] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac",
];
/// Label colour per palette entry: white on the dark ones, near-black on the light ones.
const INK: [&str; 10] = [
    "#ffffff", "#222222", "#ffffff", "#222222", "#ffffff", "#222222", "#ffffff", "#222222",
    "#ffffff", "#222222",
];

/// An SVG Gantt chart: one lane per sub-accelerator, one bar per layer coloured by network,
/// layer names inside bars wide enough to hold them, a time axis in cycles, a legend, and a
/// tooltip (`<title>`) on every bar.
pub fn gantt_svg(schedule: &Schedule, workload: &Workload, platform: &Platform) -> String {
    const W: f64 = 1200.0;
    const LEFT: f64 = 200.0;
    const RIGHT: f64 = 30.0;
    const LANE: f64 = 34.0;
    const GAP: f64 = 6.0;
    const CHAR: f64 = 6.2; // average glyph width of 11 px sans-serif

    let lanes = platform
        .sub_accels
        .len()
        .max(
            schedule
                .entries
                .iter()
                .map(|e| e.sub_accel + 1)
                .max()
                .unwrap_or(0),
        )
        .max(1);
    let span = if schedule.makespan.is_finite() && schedule.makespan > 0.0 {
        schedule.makespan
    } else {
        1.0
    };
    let plot_w = W - LEFT - RIGHT;
    let x = |t: f64| LEFT + plot_w * (t / span).clamp(0.0, 1.0);

    // Legend rows wrap at the chart width.
    let names: Vec<String> = if workload.networks.is_empty() {
        let mut v: Vec<(usize, String)> = schedule
            .entries
            .iter()
            .map(|e| (e.network, e.network_name.clone()))
            .collect();
        v.sort();
        v.dedup();
        v.into_iter().map(|p| p.1).collect()
    } else {
        workload.networks.iter().map(|n| n.name.clone()).collect()
    };
    let mut legend = String::new();
    let (mut lx, mut ly) = (LEFT, 62.0);
    for (i, name) in names.iter().enumerate() {
        let label = match schedule.networks.get(i) {
            Some(t) => match (t.deadline, t.meets_deadline) {
                (Some(d), Some(met)) => format!(
                    "{name} (done at {}, deadline {}: {})",
                    short(t.finish),
                    short(d),
                    if met { "met" } else { "missed" }
                ),
                _ => format!("{name} (done at {})", short(t.finish)),
            },
            None => name.clone(),
        };
        let w = 22.0 + CHAR * label.chars().count() as f64 + 18.0;
        if lx + w > W - RIGHT && lx > LEFT {
            lx = LEFT;
            ly += 18.0;
        }
        let _ = writeln!(
            legend,
            "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"14\" height=\"12\" rx=\"2\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            ly - 10.0,
            PALETTE[i % PALETTE.len()],
            lx + 20.0,
            ly,
            xml_escape(&label)
        );
        lx += w;
    }
    let top = ly + 22.0;
    let axis_y = top + lanes as f64 * (LANE + GAP);
    let height = axis_y + 44.0;

    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {W} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">"
    );
    let _ = writeln!(s, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">HDA schedule — {} scheduler, {} objective</text>",
        xml_escape(&schedule.scheduler),
        schedule.objective.name()
    );
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"40\" fill=\"#444\">makespan {} cycles · energy {} · EDP {}</text>",
        short(schedule.makespan),
        short(schedule.energy),
        short(schedule.edp)
    );
    s.push_str(&legend);

    // Lanes with their labels.
    for lane in 0..lanes {
        let y = top + lane as f64 * (LANE + GAP);
        let fill = if lane % 2 == 0 { "#f4f4f4" } else { "#ebebeb" };
        let _ = writeln!(
            s,
            "<rect x=\"{LEFT}\" y=\"{y:.1}\" width=\"{plot_w:.1}\" height=\"{LANE}\" fill=\"{fill}\"/>"
        );
        let (name, detail) = match platform.sub_accels.get(lane) {
            Some(sa) => (
                sa.name.clone(),
                format!("{}, {} PEs", sa.dataflow_style, sa.pes),
            ),
            None => (format!("#{lane}"), String::new()),
        };
        let busy: f64 = schedule
            .entries
            .iter()
            .filter(|e| e.sub_accel == lane)
            .map(|e| e.end - e.start)
            .sum();
        let _ = writeln!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-weight=\"bold\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\" font-size=\"10\">{} · busy {:.0} %</text>",
            LEFT - 8.0,
            y + 14.0,
            xml_escape(&name),
            LEFT - 8.0,
            y + 27.0,
            xml_escape(&detail),
            100.0 * busy / span
        );
    }

    // Grid and axis.
    let step = tick_step(span, 8.0);
    let mut t = 0.0;
    let mut ticks = 0;
    while t <= span * (1.0 + 1e-9) && ticks < 100 {
        let tx = x(t);
        let _ = writeln!(
            s,
            "<line x1=\"{tx:.1}\" y1=\"{top:.1}\" x2=\"{tx:.1}\" y2=\"{:.1}\" stroke=\"#cccccc\" stroke-width=\"0.6\"/>\
             <text x=\"{tx:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{}</text>",
            axis_y + 4.0,
            axis_y + 18.0,
            short(t)
        );
        t += step;
        ticks += 1;
    }
    let _ = writeln!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\" stroke=\"#333\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">time (cycles)</text>",
        W - RIGHT,
        LEFT + plot_w / 2.0,
        axis_y + 36.0
    );

    // Bars.
    for e in &schedule.entries {
        let lane = e.sub_accel;
        let y = top + lane as f64 * (LANE + GAP) + 3.0;
        let (x0, x1) = (x(e.start), x(e.end));
        let w = (x1 - x0).max(0.8);
        let ci = e.network % PALETTE.len();
        let _ = write!(
            s,
            "<g><title>{} / {} on {}: {} – {} ({} cycles), energy {}</title>\
             <rect x=\"{x0:.2}\" y=\"{y:.1}\" width=\"{w:.2}\" height=\"{:.1}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.5\"/>",
            xml_escape(&e.network_name),
            xml_escape(&e.layer_name),
            xml_escape(&e.sub_accel_name),
            short(e.start),
            short(e.end),
            short(e.end - e.start),
            short(e.energy),
            LANE - 6.0,
            PALETTE[ci]
        );
        let chars = e.layer_name.chars().count();
        let fits = |n: usize| w >= CHAR * n as f64 + 6.0;
        let label = if fits(chars) {
            Some(e.layer_name.clone())
        } else {
            // The longest prefix that fits with an ellipsis, if at least 3 characters do.
            (3..chars)
                .rev()
                .find(|&k| fits(k + 1))
                .map(|k| format!("{}…", e.layer_name.chars().take(k).collect::<String>()))
        };
        if let Some(label) = label {
            let _ = write!(
                s,
                "<text x=\"{:.2}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
                x0 + w / 2.0,
                y + (LANE - 6.0) / 2.0 + 4.0,
                INK[ci],
                xml_escape(&label)
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
    s
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

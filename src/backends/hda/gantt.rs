//! The SVG Gantt chart of a schedule: one lane per sub-accelerator, one bar per layer
//! coloured by network, a time axis in cycles and a legend. A pure writer that tolerates
//! inconsistent inputs (a sub-accelerator index out of range gets a lane of its own).

use std::fmt::Write as _;

use super::{Platform, Schedule, Workload};

/// Chart width in pixels.
const WIDTH: f64 = 1200.0;
/// Left margin, where the lane labels go.
const LEFT: f64 = 200.0;
const RIGHT: f64 = 30.0;
/// Height of a lane and the gap between lanes.
const LANE: f64 = 34.0;
const GAP: f64 = 6.0;
/// Average glyph width of 11 px sans-serif, to decide which labels fit.
const CHAR: f64 = 6.2;

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

/// Where things go: the time scale and the vertical layout, decided once.
struct Layout {
    lanes: usize,
    /// The time the plot spans, in cycles (1 for an empty schedule).
    span: f64,
    plot_width: f64,
    /// The top of the first lane, below the legend.
    top: f64,
    axis_y: f64,
}

impl Layout {
    /// The x coordinate of time `t`.
    fn x(&self, t: f64) -> f64 {
        LEFT + self.plot_width * (t / self.span).clamp(0.0, 1.0)
    }

    fn lane_y(&self, lane: usize) -> f64 {
        self.top + lane as f64 * (LANE + GAP)
    }
}

/// An SVG Gantt chart: one lane per sub-accelerator, one bar per layer coloured by network,
/// layer names inside bars wide enough to hold them, a time axis in cycles, a legend, and a
/// tooltip (`<title>`) on every bar.
pub fn gantt_svg(schedule: &Schedule, workload: &Workload, platform: &Platform) -> String {
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
    let (legend, legend_bottom) = legend(schedule, &network_names(schedule, workload));
    let top = legend_bottom + 22.0;
    let layout = Layout {
        lanes,
        span,
        plot_width: WIDTH - LEFT - RIGHT,
        top,
        axis_y: top + lanes as f64 * (LANE + GAP),
    };
    let mut s = header(schedule, layout.axis_y + 44.0);
    s.push_str(&legend);
    lanes_with_labels(&mut s, schedule, platform, &layout);
    grid_and_axis(&mut s, &layout);
    bars(&mut s, schedule, &layout);
    s.push_str("</svg>\n");
    s
}

/// The networks in legend order: the workload's, or those the schedule names.
fn network_names(schedule: &Schedule, workload: &Workload) -> Vec<String> {
    if workload.networks.is_empty() {
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
    }
}

/// The legend, its rows wrapping at the chart width, and the baseline of its last row.
fn legend(schedule: &Schedule, names: &[String]) -> (String, f64) {
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
        if lx + w > WIDTH - RIGHT && lx > LEFT {
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
    (legend, ly)
}

/// The opening `<svg>` tag, the background, the title and the summary line.
fn header(schedule: &Schedule, height: f64) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"11\">"
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
    s
}

/// One shaded lane per sub-accelerator, labelled with its name, style, PEs and busy share.
fn lanes_with_labels(s: &mut String, schedule: &Schedule, platform: &Platform, layout: &Layout) {
    let plot_w = layout.plot_width;
    for lane in 0..layout.lanes {
        let y = layout.lane_y(lane);
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
            100.0 * busy / layout.span
        );
    }
}

/// Vertical grid lines at 1-2-5 ticks, and the labelled time axis.
fn grid_and_axis(s: &mut String, layout: &Layout) {
    let (top, axis_y, span) = (layout.top, layout.axis_y, layout.span);
    let step = tick_step(span, 8.0);
    let mut t = 0.0;
    let mut ticks = 0;
    while t <= span * (1.0 + 1e-9) && ticks < 100 {
        let tx = layout.x(t);
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
        WIDTH - RIGHT,
        LEFT + layout.plot_width / 2.0,
        axis_y + 36.0
    );
}

/// One bar per scheduled layer with a tooltip, and its name inside when it fits.
fn bars(s: &mut String, schedule: &Schedule, layout: &Layout) {
    for e in &schedule.entries {
        let y = layout.lane_y(e.sub_accel) + 3.0;
        let (x0, x1) = (layout.x(e.start), layout.x(e.end));
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
}

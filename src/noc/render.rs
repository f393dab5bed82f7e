//! Text renderings of the NoC reports: an aligned table, JSON and CSV (one row per layer and
//! traffic class), and runs of a mapping's packet trace.

use super::sim::{SimConfig, SimStats};
use super::trace::MappingTrace;
use super::{LayerNocCost, NocReport};

/// One line per layer, level and class, each level's runtime after its classes, then the
/// mapping's totals (and those of every level together when the dataflow has inner levels).
pub fn cost_table(reports: &[NocReport]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&format!(
            "mapping {} on {} — topology {}, {} elem/cycle, {} cycle(s)/hop, {} bit elements\n",
            r.mapping,
            r.hardware,
            r.params.topology.name(),
            r.params.bandwidth,
            r.params.hop_cycles,
            r.params.element_bits
        ));
        out.push_str(&format!(
            "{:<16} {:>3} {:>9} {:<7} {:<10} {:>12} {:>8} {:>9} {:>10} {:>12} {:>14}\n",
            "layer",
            "lvl",
            "steps",
            "tensor",
            "class",
            "elements",
            "fanout",
            "lat/step",
            "busy/step",
            "cycles",
            "energy_pj"
        ));
        for l in &r.layers {
            level_rows(&mut out, l);
            for inner in &l.inner_levels {
                level_rows(&mut out, inner);
            }
        }
        out.push_str(&format!(
            "total: runtime {} cycles (cost model: {}), NoC energy {:.1} pJ\n",
            r.runtime_cycles, r.cost_model_runtime_cycles, r.energy_pj
        ));
        if r.layers.iter().any(|l| !l.inner_levels.is_empty()) {
            out.push_str(&format!(
                "all levels: runtime {} cycles, NoC energy {:.1} pJ\n",
                r.all_levels_runtime_cycles, r.all_levels_energy_pj
            ));
        }
        if r.params.topology == crate::ir::noc::Topology::Hybrid {
            out.push_str("* on the wireless channel\n");
        }
    }
    out
}

/// One level's class rows and its runtime line.
fn level_rows(out: &mut String, l: &LayerNocCost) {
    for c in &l.classes {
        let kind = if c.wireless {
            format!("{}*", c.class.kind.name())
        } else {
            c.class.kind.name().to_string()
        };
        out.push_str(&format!(
            "{:<16} {:>3} {:>9} {:<7} {:<10} {:>12} {:>8.2} {:>9} {:>10.2} {:>12.0} {:>14.1}\n",
            l.layer,
            l.level,
            l.steps,
            c.class.tensor.name(),
            kind,
            c.class.elements,
            c.class.fanout,
            c.latency_per_step,
            c.cycles_per_step,
            c.cycles,
            c.energy_pj
        ));
    }
    let networks = if l.level == 0 {
        String::new()
    } else {
        format!(
            "{:.2} of {} networks of {} units at once, ",
            l.parallel, l.instances, l.units
        )
    };
    out.push_str(&format!(
        "{:<16} {:>3} runtime {} cycles ({networks}busy per step: ingress {:.2}, egress {:.2}, compute {})\n",
        "",
        l.level,
        l.runtime_cycles,
        l.ingress_cycles_per_step,
        l.egress_cycles_per_step,
        l.compute_cycles_per_step
    ));
}

pub fn cost_json(reports: &[NocReport]) -> String {
    let mut s = serde_json::to_string_pretty(reports).unwrap_or_else(|e| format!("\"{e}\""));
    s.push('\n');
    s
}

pub const COST_CSV_HEADER: &str = "mapping,topology,layer,steps,units,tensor,class,wireless,\
elements,fanout,elements_per_step,latency_per_step,cycles_per_step,cycles,energy_pj,layer_runtime_cycles,\
level,instances,parallel";

/// One row per layer, level and class (inner levels after their layer's top level).
pub fn cost_csv(reports: &[NocReport]) -> String {
    let mut out = String::from(COST_CSV_HEADER);
    out.push('\n');
    for r in reports {
        for l in &r.layers {
            for level in std::iter::once(l).chain(&l.inner_levels) {
                for c in &level.classes {
                    out.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                        r.mapping,
                        r.params.topology.name(),
                        level.layer,
                        level.steps,
                        level.units,
                        c.class.tensor.name(),
                        c.class.kind.name(),
                        c.wireless,
                        c.class.elements,
                        c.class.fanout,
                        c.class.elements_per_step,
                        c.latency_per_step,
                        c.cycles_per_step,
                        c.cycles,
                        c.energy_pj,
                        level.runtime_cycles,
                        level.level,
                        level.instances,
                        level.parallel
                    ));
                }
            }
        }
    }
    out
}

/// The simulator's results, one line per rate.
pub fn sim_table(cfg: &SimConfig, stats: &[SimStats]) -> String {
    let header = format!(
        "mesh {k}x{k}, traffic {}, routing {}, {} VCs x {} flits, {}-flit packets, {} measured cycles, seed {}\n",
        cfg.traffic.name(),
        cfg.routing.name(),
        cfg.vcs,
        cfg.buffer,
        cfg.packet_size,
        cfg.cycles,
        cfg.seed,
        k = cfg.k
    );
    stats_table(header, stats)
}

/// A run of a mapping's trace: the trace's layer, steps and packets per class, then the
/// statistics as `sim_table` prints them.
pub fn trace_table(
    cfg: &SimConfig,
    mapping: &str,
    trace: &MappingTrace,
    stats: &SimStats,
) -> String {
    let classes: Vec<String> = trace
        .classes
        .iter()
        .map(|c| format!("{} {} {}", c.tensor.name(), c.kind.name(), c.packets))
        .collect();
    let header = format!(
        "mesh {k}x{k}, traffic mapping {mapping} layer {} ({} steps of {} cycles; packets: {}), routing {}, {} VCs x {} flits, {}-flit packets, seed {}\n",
        trace.layer,
        trace.steps,
        cycles_text(trace.span),
        classes.join(", "),
        cfg.routing.name(),
        cfg.vcs,
        cfg.buffer,
        cfg.packet_size,
        cfg.seed,
        k = cfg.k
    );
    stats_table(header, std::slice::from_ref(stats))
}

/// A run of a mapping's trace as one JSON object: the trace's identity and the statistics.
pub fn trace_json(mapping: &str, trace: &MappingTrace, stats: &SimStats) -> String {
    let mut value = trace_value(trace, stats);
    value["mapping"] = serde_json::json!(mapping);
    pretty(&value)
}

fn trace_value(trace: &MappingTrace, stats: &SimStats) -> serde_json::Value {
    serde_json::json!({
        "layer": trace.layer,
        "steps": trace.steps,
        "interval": trace.interval,
        "span": trace.span,
        "classes": trace.classes,
        "stats": stats,
    })
}

fn pretty(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("\"{e}\""));
    s.push('\n');
    s
}

/// Cycles per step: whole as an integer, else to two decimals.
fn cycles_text(span: f64) -> String {
    if span.fract() == 0.0 {
        format!("{span:.0}")
    } else {
        format!("{span:.2}")
    }
}

/// What sets a sequence's step time, for its header: the cost model, or `--rate`.
fn timing_text(rate: Option<f64>) -> String {
    match rate {
        None => "steps timed by the cost model".to_string(),
        Some(r) => format!("steps timed to offer {r} flits/node/cycle"),
    }
}

/// A mapping's layers run one after another: one row per layer (its trace and statistics),
/// then the whole sequence's.
pub fn sequence_table(
    cfg: &SimConfig,
    mapping: &str,
    rate: Option<f64>,
    traces: &[MappingTrace],
    stats: &[SimStats],
    total: &SimStats,
) -> String {
    let mut out = format!(
        "mesh {k}x{k}, traffic mapping {mapping}: {} layer(s) in sequence, {}, routing {}, {} VCs x {} flits, {}-flit packets, seed {}\n",
        traces.len(),
        timing_text(rate),
        cfg.routing.name(),
        cfg.vcs,
        cfg.buffer,
        cfg.packet_size,
        cfg.seed,
        k = cfg.k
    );
    out.push_str(&format!(
        "{:<16} {:>6} {:>10} {:<40} {:>6} {:>12} {:>12} {:>9} {:>14} {:>9} {:>10} {:>10}\n",
        "layer",
        "steps",
        "step_cyc",
        "packets (input, filter, output)",
        "rate",
        "avg_latency",
        "p99_latency",
        "avg_hops",
        "accepted_rate",
        "packets",
        "saturated",
        "cycles"
    ));
    let rows = traces.iter().zip(stats).map(|(t, s)| {
        let classes: Vec<String> = t
            .classes
            .iter()
            .map(|c| format!("{} {}", c.kind.name(), c.packets))
            .collect();
        (
            t.layer.as_str(),
            t.steps.to_string(),
            cycles_text(t.span),
            classes.join(", "),
            s,
        )
    });
    let total_row = ("total", String::new(), String::new(), String::new(), total);
    for (layer, steps, span, classes, s) in rows.chain(std::iter::once(total_row)) {
        out.push_str(&format!(
            "{:<16} {:>6} {:>10} {:<40} {:>6.3} {:>12.2} {:>12.0} {:>9.3} {:>14.4} {:>9} {:>10} {:>10}\n",
            layer,
            steps,
            span,
            classes,
            s.rate,
            s.avg_latency,
            s.p99_latency,
            s.avg_hops,
            s.accepted_rate,
            s.packets,
            s.saturated,
            s.cycles_simulated
        ));
    }
    out
}

/// A sequence as JSON: `layers` (each as `trace_json` without the mapping) and `total`.
pub fn sequence_json(
    mapping: &str,
    rate: Option<f64>,
    traces: &[MappingTrace],
    stats: &[SimStats],
    total: &SimStats,
) -> String {
    let layers: Vec<serde_json::Value> = traces
        .iter()
        .zip(stats)
        .map(|(t, s)| trace_value(t, s))
        .collect();
    pretty(&serde_json::json!({
        "mapping": mapping,
        "rate": rate,
        "layers": layers,
        "total": total,
    }))
}

/// A sequence as CSV: one row per layer with its packets per class, then `total`.
pub fn sequence_csv(traces: &[MappingTrace], stats: &[SimStats], total: &SimStats) -> String {
    let mut out = String::from(
        "layer,steps,interval,span,input_class,input_packets,filter_class,filter_packets,\
output_class,output_packets,rate,avg_latency,p99_latency,avg_hops,accepted_rate,packets,saturated,cycles_simulated\n",
    );
    let stats_cells = |s: &SimStats| {
        format!(
            "{},{},{},{},{},{},{},{}",
            s.rate,
            s.avg_latency,
            s.p99_latency,
            s.avg_hops,
            s.accepted_rate,
            s.packets,
            s.saturated,
            s.cycles_simulated
        )
    };
    for (t, s) in traces.iter().zip(stats) {
        let classes: Vec<String> = t
            .classes
            .iter()
            .map(|c| format!("{},{}", c.kind.name(), c.packets))
            .collect();
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            t.layer,
            t.steps,
            t.interval,
            t.span,
            classes.join(","),
            stats_cells(s)
        ));
    }
    out.push_str(&format!("total,,,,,,,,,,{}\n", stats_cells(total)));
    out
}

fn stats_table(mut out: String, stats: &[SimStats]) -> String {
    out.push_str(&format!(
        "{:>6} {:>12} {:>12} {:>9} {:>14} {:>9} {:>10}\n",
        "rate", "avg_latency", "p99_latency", "avg_hops", "accepted_rate", "packets", "saturated"
    ));
    for s in stats {
        out.push_str(&format!(
            "{:>6.3} {:>12.2} {:>12.0} {:>9.3} {:>14.4} {:>9} {:>10}\n",
            s.rate,
            s.avg_latency,
            s.p99_latency,
            s.avg_hops,
            s.accepted_rate,
            s.packets,
            s.saturated
        ));
    }
    out
}

/// One object for a single rate, `{config, points}` for a sweep.
pub fn sim_json(cfg: &SimConfig, stats: &[SimStats], sweep: bool) -> String {
    let value = match (sweep, stats) {
        (false, [one]) => serde_json::to_value(one),
        _ => serde_json::to_value(serde_json::json!({ "config": cfg, "points": stats })),
    };
    let mut s = value
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|e| format!("\"{e}\""));
    s.push('\n');
    s
}

pub fn sim_csv(stats: &[SimStats]) -> String {
    let mut out = String::from(
        "rate,avg_latency,p99_latency,avg_hops,accepted_rate,packets,saturated,cycles_simulated\n",
    );
    for s in stats {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            s.rate,
            s.avg_latency,
            s.p99_latency,
            s.avg_hops,
            s.accepted_rate,
            s.packets,
            s.saturated,
            s.cycles_simulated
        ));
    }
    out
}

//! `cargo bench --bench search`: the mapping search's speed and quality.
//!
//! 1. Whole-network search time for ResNet-18 and ResNet-50 on the stdlib edge and cloud
//!    hardware (ZigZag's LOMA: 106 s for ResNet-18), with cost-model evaluations per second.
//! 2. The searched network's runtime against the best stdlib dataflow per layer.
//! 3. Decoupled (Marvel) against random search and a GAMMA-style GA at the same evaluation
//!    budget, without stdlib seeds, on ResNet-18 and MobileNetV2.

use std::time::Instant;

use dfc::ir;
use dfc::search::{self, Objective, SearchOptions, Strategy};

fn program(net: &str, hw: &str) -> ir::Program {
    let text = format!(
        "use std::networks::{net};\nuse std::hardware::{hw};\n\
         mapping m {{ network: {net}; hardware: {hw}; dataflow: search; }}\n"
    );
    let (_, program, diags) = ir::lower::lower_text("bench.df", &text);
    program.unwrap_or_else(|| panic!("{diags:?}"))
}

/// Sum of per-layer runtimes (and of the best stdlib dataflow's, where known).
fn runtimes(mapped: &search::MappedProgram) -> (f64, f64) {
    let mut ours = 0.0;
    let mut stdlib = 0.0;
    let mut last: Option<&search::LayerChoice> = None;
    for l in &mapped.layers {
        // Layers that repeat an earlier search share its choice.
        let choice = l
            .choice
            .as_ref()
            .or(if l.same_as.is_some() { last } else { None });
        if let Some(c) = choice {
            ours += c.metrics.runtime_cycles as f64;
            stdlib += c
                .best_stdlib
                .as_ref()
                .map_or(c.objective_value, |b| b.objective_value);
            if l.choice.is_some() {
                last = l.choice.as_ref();
            }
        }
    }
    (ours, stdlib)
}

fn main() {
    for net in ["resnet18", "resnet50"] {
        for hw in ["edge256", "cloud1024"] {
            let p = program(net, hw);
            let opts = SearchOptions::default();
            let mut best = f64::INFINITY;
            let mut mapped = None;
            for _ in 0..3 {
                let start = Instant::now();
                let m = search::map_mapping(&p, ir::MappingId(0), &opts, false);
                best = best.min(start.elapsed().as_secs_f64());
                mapped = Some(m);
            }
            let Some(m) = mapped else { continue };
            let (ours, _) = runtimes(&m);
            println!(
                "{net} on {hw}: {:.3} s for {} distinct layer searches, {} evaluations ({:.0} evaluations/s), network runtime {ours:.0} cycles",
                best,
                m.searches,
                m.evaluations,
                m.evaluations as f64 / best
            );
        }
    }

    for (net, hw) in [("resnet18", "edge256"), ("mobilenet_v2", "edge256")] {
        let p = program(net, hw);
        for budget in [1000, 4000] {
            let mut line = format!("{net} on {hw}, budget {budget}, no stdlib seeds, runtime:");
            let mut decoupled = 0.0;
            for strategy in [Strategy::Decoupled, Strategy::Random, Strategy::Genetic] {
                let mut total = 0.0;
                for seed in 0..3 {
                    let opts = SearchOptions {
                        objective: Objective::Runtime,
                        strategy,
                        budget,
                        seed,
                        include_stdlib: false,
                        ..SearchOptions::default()
                    };
                    total += runtimes(&search::map_mapping(&p, ir::MappingId(0), &opts, false)).0;
                }
                if strategy == Strategy::Decoupled {
                    decoupled = total;
                }
                line.push_str(&format!(" {} {:.3}×", strategy.name(), total / decoupled));
            }
            println!("{line} (network runtime relative to decoupled; mean of 3 seeds)");
        }
        let (ours, stdlib) = runtimes(&search::map_mapping(
            &p,
            ir::MappingId(0),
            &SearchOptions::default(),
            false,
        ));
        println!(
            "{net} on {hw}: searched runtime is {:.3}× the best stdlib dataflow per layer",
            ours / stdlib
        );
    }
}

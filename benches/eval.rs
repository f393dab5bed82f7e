//! `cargo bench --bench eval`: the cost model's speed. Evaluates every public MAESTRO
//! reference case in one process (imported from its `.m` and HW files, as `dfc eval` would)
//! and prints the median time per layer evaluation, then times whole-network evaluation of
//! the stdlib networks (with identical layers deduplicated and layers in parallel).
//!
//! `benches/maestro_peer.sh` times MAESTRO (built with -O2 beside the project) on the same
//! cases on this machine, for a same-run ratio.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use dfc::backends::cost::{self, Model};
use dfc::backends::evaluate;
use dfc::ir::{self, instantiate::instantiate, DataflowChoice};
use dfc::source::SourceMap;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inputs = root.join("tests/data/maestro/inputs");
    let cases = std::fs::read_to_string(inputs.join("cases.csv")).expect("cases.csv");
    let mut problems = Vec::new();
    for line in cases.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let (mapping, hw) = (f[18], f[19]);
        let mut sources = SourceMap::new();
        let m = sources.add(
            mapping,
            std::fs::read_to_string(inputs.join(mapping)).expect("mapping"),
        );
        let h = sources.add(hw, std::fs::read_to_string(inputs.join(hw)).expect("hw"));
        let inputs = dfc::interop::maestro::Inputs {
            mapping: m,
            hardware: Some(h),
            lanes: Some(1),
        };
        let (program, _) = dfc::interop::maestro::import(&sources, &inputs);
        let program = program.expect("reference input imports");
        let mapping = &program.mappings[0];
        let layer = &program.networks[0].layers[0];
        let DataflowChoice::Fixed { dataflow, args, .. } = &mapping.layers[0].dataflow else {
            continue;
        };
        let directives =
            instantiate(program.dataflow(*dataflow), args, layer).expect("instantiates");
        let hardware = program.hardware(mapping.hardware);
        for model in [Model::Maestro, Model::Default] {
            let p = evaluate::problem(layer, &directives, layer.shape.batch_declared, model);
            let h = evaluate::hardware(hardware, None, model);
            problems.push((f[0].to_string(), model, p, h));
        }
    }

    // Per evaluation: the median over cases of (best of 5 batches) / batch size.
    let reps = 200;
    let mut per_case: Vec<(f64, Model)> = Vec::new();
    for (_, model, p, h) in &problems {
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let start = Instant::now();
            for _ in 0..reps {
                let _ = black_box(cost::evaluate(black_box(p), black_box(h), *model));
            }
            best = best.min(start.elapsed().as_secs_f64() / reps as f64);
        }
        per_case.push((best, *model));
    }
    for model in [Model::Maestro, Model::Default] {
        let mut t: Vec<f64> = per_case
            .iter()
            .filter(|c| c.1 == model)
            .map(|c| c.0)
            .collect();
        t.sort_by(f64::total_cmp);
        let median = t[t.len() / 2];
        let max = t[t.len() - 1];
        println!(
            "cost model ({model:?}): {} reference cases, median {:.2} µs per layer evaluation (max {:.2} µs), {:.0} evaluations/s",
            t.len(),
            median * 1e6,
            max * 1e6,
            1.0 / median
        );
    }

    // Whole networks through `evaluate_mapping`.
    for (net, hw, df) in [
        ("resnet50", "edge256", "nvdla"),
        ("resnet18", "cloud1024", "row_stationary"),
        ("mobilenet_v2", "edge256", "shidiannao"),
    ] {
        let text = format!(
            "use std::networks::{net};\nuse std::hardware::{hw};\nuse std::dataflows::{df};\n\
             mapping m {{ network: {net}; hardware: {hw}; dataflow: {df}; }}\n"
        );
        let (_, program, _) = ir::lower::lower_text("bench.df", &text);
        let program = program.expect("bench program compiles");
        let layers = program
            .networks
            .iter()
            .find(|n| n.name == net)
            .map_or(0, |n| n.layers.len());
        let mut times = Vec::new();
        for _ in 0..20 {
            let start = Instant::now();
            let _ = black_box(evaluate::evaluate_mapping(
                &program,
                ir::MappingId(0),
                Model::Default,
            ));
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "network {net} ({layers} layers) on {hw} with {df}: {:.3} ms per whole-network evaluation",
            times[times.len() / 2] * 1e3
        );
    }
}

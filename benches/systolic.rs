//! `cargo bench --bench systolic`: the systolic simulator's speed. Simulates every public
//! SCALE-Sim reference case in one process (`--model scalesim`), then whole ResNet-18 on a
//! 32×32 array in each dataflow, and prints per-layer and total times. SCALE-Sim 3.0.0 needs
//! 7–12 CPU-minutes for whole ResNet-18 at 32×32; `benches/scalesim_peer.sh` measures it side
//! by side on one case.

use std::path::Path;
use std::time::Instant;

use dfc::backends::systolic::{self, ArrayConfig, Dataflow, Model};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/scalesim");
    let runs = std::fs::read_to_string(root.join("runs.csv")).expect("runs.csv");
    let mut header: Vec<String> = Vec::new();
    let (mut total, mut cases, mut layers) = (0.0, 0, 0);
    let mut slowest = (0.0, String::new());
    for line in runs.lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == "suite" {
            header = f.iter().map(|s| s.to_string()).collect();
            continue;
        }
        let col = |name: &str| f[header.iter().position(|h| h == name).expect("column")];
        let dir = root.join("runs").join(col("suite")).join(col("case_id"));
        let config = dfc::interop::scalesim::parse_config(
            &std::fs::read_to_string(dir.join("scalesim.cfg")).expect("cfg"),
        )
        .expect("config");
        let topology = std::fs::read_to_string(
            root.join("topologies")
                .join(format!("{}.csv", col("topology"))),
        )
        .expect("topology");
        let ls = dfc::interop::scalesim::parse_topology(&topology, col("input_type") == "gemm")
            .expect("topology parses");
        let start = Instant::now();
        let reports = systolic::simulate_all(&ls, &config, Model::Scalesim);
        let secs = start.elapsed().as_secs_f64();
        if reports.is_ok() {
            cases += 1;
            layers += ls.len();
            total += secs;
            if secs > slowest.0 {
                slowest = (secs, col("case_id").to_string());
            }
        }
    }
    println!(
        "SCALE-Sim reference set: {cases} cases, {layers} layers in {total:.3} s ({:.2} ms per layer; slowest case {} in {:.3} s)",
        total * 1e3 / layers as f64,
        slowest.1,
        slowest.0
    );

    let resnet =
        std::fs::read_to_string(root.join("topologies/resnet18.csv")).expect("resnet18 topology");
    let layers = dfc::interop::scalesim::parse_topology(&resnet, false).expect("parses");
    for dataflow in [Dataflow::Os, Dataflow::Ws, Dataflow::Is] {
        let config = ArrayConfig::new(32, 32, dataflow, [64, 64, 64]);
        let start = Instant::now();
        let mut per_layer = Vec::new();
        for l in &layers {
            let t = Instant::now();
            systolic::simulate(l, &config, Model::Scalesim).expect("simulates");
            per_layer.push(t.elapsed().as_secs_f64());
        }
        let whole = start.elapsed().as_secs_f64();
        per_layer.sort_by(f64::total_cmp);
        println!(
            "ResNet-18 ({} layers) on 32x32 {}: {:.1} ms in all, per layer median {:.2} ms, max {:.2} ms",
            layers.len(),
            dataflow.as_str(),
            whole * 1e3,
            per_layer[per_layer.len() / 2] * 1e3,
            per_layer[per_layer.len() - 1] * 1e3
        );
    }
}

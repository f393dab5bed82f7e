//! `dfc plot`: the numbers drawn (the `--data` JSON, and the markers in the SVG) are the
//! report's; convergence points equal a search-then-evaluate at the same budget; errors.

use dfc::backends::cost::Model;
use dfc::backends::evaluate::LayerStatus;
use dfc::ir::MappingId;
use dfc::plots;
use dfc::search::{self, Objective, SearchOptions, Strategy};
use serde_json::Value;

use crate::common::{self, dfc};

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("dfc-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name).to_string_lossy().into_owned()
}

fn json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("written")).expect("JSON")
}

const EXAMPLE: &str = "examples/mobilenet_v2_eyeriss.df";

/// The report's layers as `dfc eval --format json` prints them.
fn report_layers() -> Vec<Value> {
    let out = dfc(&["eval", EXAMPLE, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    report[0]["layers"].as_array().expect("layers").clone()
}

/// Equal up to the last bit JSON parsing may lose (values the test derives itself).
fn close(drawn: Option<f64>, expected: f64) {
    let drawn = drawn.expect("a number");
    assert!(
        (drawn - expected).abs() <= expected.abs() * 1e-15,
        "{drawn} vs {expected}"
    );
}

/// Run `dfc` with `args`, which must succeed, and read the plot's data it wrote to `data`.
fn plotted(args: &[&str], data: &str) -> Value {
    let out = dfc(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(data)
}

fn metric(layer: &Value, name: &str) -> f64 {
    layer["metrics"][name].as_f64().expect(name)
}

#[test]
fn roofline_draws_the_reports_numbers() {
    let (svg, data) = (tmp("roofline.svg"), tmp("roofline.json"));
    let drawn = plotted(
        &["plot", "roofline", EXAMPLE, "-o", &svg, "--data", &data],
        &data,
    );
    let layers = report_layers();
    let points = drawn["layers"].as_array().expect("points");
    assert_eq!(points.len(), 53);
    assert_eq!(points.len(), layers.len());
    for (p, l) in points.iter().zip(&layers) {
        assert_eq!(p["layer"], l["layer"]);
        assert_eq!(p["throughput"].as_f64(), Some(metric(l, "throughput")));
        assert_eq!(
            p["noc_intensity"].as_f64(),
            Some(metric(l, "arithmetic_intensity"))
        );
        let dram = metric(l, "input_l2_write")
            + metric(l, "filter_l2_write")
            + metric(l, "output_l2_read");
        close(p["dram_intensity"].as_f64(), metric(l, "num_macs") / dram);
    }
    assert_eq!(drawn["peak_macs_per_cycle"].as_f64(), Some(168.0));
    // eyeriss_like: 64 elements per cycle on the NoC, 16 B of int16 from DRAM.
    assert_eq!(drawn["roofs"][0]["elements_per_cycle"].as_f64(), Some(64.0));
    assert_eq!(drawn["roofs"][1]["elements_per_cycle"].as_f64(), Some(8.0));
    let svg = std::fs::read_to_string(&svg).expect("SVG");
    // One circle per layer plus the legend's; axis titles with units.
    assert_eq!(svg.matches("<circle").count(), 53 + 1);
    assert!(svg.contains("arithmetic intensity (MACs per element moved)"));
    assert!(svg.contains("attained throughput (MACs per cycle)"));
    assert!(svg.contains("compute roof: 168 MACs/cycle"));
}

#[test]
fn energy_draws_the_reports_numbers() {
    let (svg, data) = (tmp("energy.svg"), tmp("energy.json"));
    let drawn = plotted(
        &["plot", "energy", EXAMPLE, "-o", &svg, "--data", &data],
        &data,
    );
    assert_eq!(drawn["unit"], "pJ");
    let layers = report_layers();
    let bars = drawn["layers"].as_array().expect("bars");
    assert_eq!(bars.len(), layers.len());
    // The NoC part is what `dfc noc cost` reports for the hardware's topology.
    let noc = dfc(&["noc", "cost", EXAMPLE, "--format", "json"]);
    assert_eq!(noc.status.code(), Some(0));
    let noc: serde_json::Value = serde_json::from_slice(&noc.stdout).expect("NoC JSON");
    let noc_layers = noc[0]["layers"].as_array().expect("NoC layers");
    assert_eq!(noc_layers.len(), layers.len());
    for (b, n) in bars.iter().zip(noc_layers) {
        assert_eq!(b["layer"], n["layer"]);
        assert_eq!(b["noc"].as_f64(), n["energy_pj"].as_f64());
    }
    for (b, l) in bars.iter().zip(&layers) {
        let mac = metric(l, "total_mac_energy");
        let l1 = metric(l, "total_l1_read_energy") + metric(l, "total_l1_write_energy");
        let l2 = metric(l, "total_l2_read_energy") + metric(l, "total_l2_write_energy");
        assert_eq!(b["mac"].as_f64(), Some(mac));
        close(b["l1"].as_f64(), l1);
        close(b["l2"].as_f64(), l2);
        // The report's total is exactly these three parts (to rounding).
        let total = metric(l, "total_energy");
        assert!(
            ((mac + l1 + l2) - total).abs() <= total * 1e-12,
            "{}",
            l["layer"]
        );
        let dram = metric(l, "input_l2_write")
            + metric(l, "filter_l2_write")
            + metric(l, "output_l2_read");
        close(b["dram"].as_f64(), 200.0 * dram);
    }
    let svg = std::fs::read_to_string(&svg).expect("SVG");
    // Five stacked parts per layer (MAC, L1, L2, DRAM, NoC) plus five legend swatches, all
    // rectangles after the background and the plot area's frame.
    let bars_drawn = svg.matches("<rect").count();
    assert_eq!(bars_drawn, 5 * 53 + 5 + 3, "{bars_drawn}");
    assert!(svg.contains("energy (pJ)"));
    // Every layer named under its bar, rotated.
    assert_eq!(svg.matches("rotate(90").count(), 53);
    assert!(svg.contains(">\nblock1_dw\n</text>"));
}

#[test]
fn convergence_points_equal_search_then_evaluate() {
    let text = "use std::hardware::edge256;\n\
        network tiny {\n\
            a = conv(K: 16, C: 8, R: 3, S: 3, Y: 14, X: 14, pad: 1);\n\
            b = fc(K: 10, C: 64);\n\
        }\n\
        mapping tiny_edge { network: tiny; hardware: edge256; dataflow: search; }\n";
    let path = tmp("tiny.df");
    std::fs::write(&path, text).expect("write");
    let (_, program, diags) = common::compile(std::path::Path::new(&path));
    assert!(diags.is_empty(), "{diags:?}");
    let program = program.expect("lowers");
    let base = SearchOptions {
        objective: Objective::Runtime,
        ..SearchOptions::default()
    };
    let budgets = plots::budgets(16, 3);
    assert_eq!(budgets, [4, 8, 16]);
    let data = plots::convergence(&program, MappingId(0), &base, &budgets);
    assert_eq!(data.series.len(), 4);
    assert_eq!(data.unit, "cycles");
    for s in &data.series {
        assert_eq!(s.values.len(), 3);
        for (budget, value) in budgets.iter().zip(&s.values) {
            let opts = SearchOptions {
                strategy: s.strategy,
                budget: *budget,
                include_stdlib: false,
                egg_iters: if s.egraph { base.egg_iters } else { 0 },
                ..base.clone()
            };
            let e = search::evaluate_with_search(
                &program,
                MappingId(0),
                Model::Default,
                &opts,
                false,
                &|_| {},
            );
            let expected: Option<f64> = e
                .report
                .layers
                .iter()
                .map(|l| match &l.status {
                    LayerStatus::Ok { metrics } => Some(metrics.runtime_cycles as f64),
                    _ => None,
                })
                .sum();
            assert_eq!(*value, expected, "{:?} at {budget}", s.strategy);
        }
    }
    assert_eq!(
        data.series
            .iter()
            .map(|s| (s.strategy, s.egraph))
            .collect::<Vec<_>>(),
        plots::SEARCHES
    );
    let mut strategies: Vec<Strategy> = data.series.iter().map(|s| s.strategy).collect();
    strategies.dedup();
    assert_eq!(strategies, Strategy::ALL);
    let svg = plots::convergence_svg(&data).expect("draws");
    for name in [
        "decoupled without e-graph",
        "random",
        "genetic",
        "budget (cost-model evaluations per distinct layer)",
    ] {
        assert!(svg.contains(name), "{name}");
    }
}

#[test]
fn plot_command_errors() {
    let out = tmp("never.svg");
    let none = dfc(&["plot", "roofline", "stdlib/hardware/edge256.df", "-o", &out]);
    assert_eq!(none.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&none.stderr).contains("E0311"));
    let unknown = dfc(&["plot", "energy", EXAMPLE, "--mapping", "nope", "-o", &out]);
    assert_eq!(unknown.status.code(), Some(2));
    let clobber = dfc(&["plot", "energy", EXAMPLE, "-o", EXAMPLE]);
    assert_eq!(clobber.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&clobber.stderr).contains("E0904"));
    let missing = dfc(&["plot", "roofline", "no/such.df", "-o", &out]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(!std::path::Path::new(&out).exists());
}

/// `dfc plot bandwidth` draws what the cost model gives at each NoC bandwidth: under
/// `--model maestro` the NVDLA-style study mapping's runtimes are MAESTRO's own sweep
/// (702,476 cycles at 256 elements per cycle); a zero bandwidth is a usage error.
#[test]
fn bandwidth_draws_the_models_sweep() {
    let (svg, data) = (tmp("bandwidth.svg"), tmp("bandwidth.json"));
    let study = "tests/cases/noc/bandwidth_study.df";
    let drawn = plotted(
        &[
            "plot",
            "bandwidth",
            study,
            "--mapping",
            "nvdla_bw64",
            "--model",
            "maestro",
            "-o",
            &svg,
            "--data",
            &data,
        ],
        &data,
    );
    assert_eq!(drawn["bandwidths"], serde_json::json!([1, 4, 16, 64, 256]));
    assert_eq!(
        drawn["curves"][0]["runtime_cycles"],
        serde_json::json!([58274361, 14907177, 4065381, 1354932, 702476])
    );
    let svg = std::fs::read_to_string(&svg).expect("SVG");
    assert!(svg.contains("NoC bandwidth (elements per cycle)"));
    assert_eq!(svg.matches("<circle").count(), 5);
    let zero = dfc(&[
        "plot",
        "bandwidth",
        study,
        "--bandwidths",
        "0,4",
        "-o",
        &tmp("zero.svg"),
    ]);
    assert_eq!(zero.status.code(), Some(2));
}

/// `dfc plot density` draws the cost model's totals at each weight density: at density 1 the
/// sparse hardware costs exactly what the example's dense mapping costs on `edge256` (the
/// same hardware without its `sparse` block); at 0.5 the skipped MACs and the halved weights
/// cost less of both. A density outside (0, 1] is a usage error.
#[test]
fn density_draws_the_models_sweep() {
    let (svg, data) = (tmp("density.svg"), tmp("density.json"));
    let example = "examples/sparse_resnet50.df";
    let drawn = plotted(
        &[
            "plot",
            "density",
            example,
            "--mapping",
            "resnet50_2to4",
            "--densities",
            "1,0.5",
            "-o",
            &svg,
            "--data",
            &data,
        ],
        &data,
    );
    let curve = &drawn["curves"][0];
    let eval = dfc(&[
        "eval",
        example,
        "--mapping",
        "resnet50_dense",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&eval.stdout).expect("JSON report");
    let dense_runtime = report[0]["totals"]["runtime_cycles"]
        .as_i64()
        .expect("runtime");
    assert_eq!(curve["runtime_cycles"][0].as_i64(), Some(dense_runtime));
    assert_eq!(curve["dense_runtime_cycles"].as_i64(), Some(dense_runtime));
    let (runtime, energy) = (&curve["runtime_cycles"], &curve["energy"]);
    assert!(runtime[1].as_i64() < runtime[0].as_i64());
    assert!(energy[1].as_f64() < energy[0].as_f64());
    let svg = std::fs::read_to_string(&svg).expect("SVG");
    assert!(svg.contains("weight density (fraction of nonzeros)"));
    assert_eq!(svg.matches("<circle").count(), 4);
    for bad in ["0,0.5", "1.5"] {
        let refused = dfc(&[
            "plot",
            "density",
            example,
            "--densities",
            bad,
            "-o",
            &tmp("bad.svg"),
        ]);
        assert_eq!(refused.status.code(), Some(2), "{bad}");
    }
}

/// `dfc plot noc` draws, per mapping and topology, exactly the totals `dfc noc cost` prints
/// (its `--format json` runtime and NoC energy); on the study's ShiDianNao-style mapping at
/// 64 elements per cycle the token-passing wireless channel and the hybrid are slower than
/// the mesh. An unknown topology (E0708) and a repeated one are usage errors.
#[test]
fn noc_draws_what_noc_cost_prints() {
    let (svg, data) = (tmp("noc.svg"), tmp("noc.json"));
    let study = "tests/cases/noc/bandwidth_study.df";
    let topologies = ["mesh", "wireless", "hybrid"];
    let drawn = plotted(
        &[
            "plot",
            "noc",
            study,
            "--mapping",
            "shi_bw64",
            "--topologies",
            &topologies.join(","),
            "-o",
            &svg,
            "--data",
            &data,
        ],
        &data,
    );
    assert_eq!(drawn["topologies"], serde_json::json!(topologies));
    let totals = &drawn["mappings"][0];
    assert_eq!(totals["mapping"], "shi_bw64");
    assert_eq!(
        totals["runtime_cycles"],
        serde_json::json!([630801, 698877, 698882])
    );
    for (i, topology) in topologies.iter().enumerate() {
        let cost = dfc(&[
            "noc",
            "cost",
            study,
            "--mapping",
            "shi_bw64",
            "--topology",
            topology,
            "--format",
            "json",
        ]);
        assert_eq!(cost.status.code(), Some(0), "{topology}");
        let report: Value = serde_json::from_slice(&cost.stdout).expect("JSON report");
        assert_eq!(totals["runtime_cycles"][i], report[0]["runtime_cycles"]);
        assert_eq!(totals["energy_pj"][i], report[0]["energy_pj"]);
    }
    let svg = std::fs::read_to_string(&svg).expect("SVG");
    assert!(svg.contains("Runtime per topology"));
    assert!(svg.contains("NoC energy per topology"));
    assert_eq!(svg.lines().filter(|l| l.trim() == "shi_bw64").count(), 2);
    let never = tmp("never-noc.svg");
    let unknown = dfc(&[
        "plot",
        "noc",
        study,
        "--topologies",
        "mesh,ring",
        "-o",
        &never,
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("E0708"));
    let twice = dfc(&[
        "plot",
        "noc",
        study,
        "--topologies",
        "bus,bus",
        "-o",
        &never,
    ]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(!std::path::Path::new(&never).exists());
}

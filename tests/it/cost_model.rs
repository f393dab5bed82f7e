//! Invariants of the default cost model over every stdlib network × stdlib dataflow × two
//! stdlib hardware presets: MACs equal the true MACs, runtime is at least the MACs divided by
//! the array's MACs per cycle, energy at least the MAC energy, no NaN and no negative value;
//! more NoC bandwidth never makes a layer slower.

use dfc::backends::cost::Model;
use dfc::backends::evaluate::{evaluate_mapping, LayerStatus};
use dfc::ir::{self, Bandwidth, MappingId};

const NETWORKS: &[&str] = &[
    "alexnet",
    "vgg16",
    "resnet18",
    "resnet50",
    "mobilenet_v2",
    "resnext50",
    "unet",
    "bert_base",
];
const DATAFLOWS: &[&str] = &[
    "nvdla",
    "row_stationary",
    "shidiannao",
    "input_stationary",
    "systolic",
];
const HARDWARE: &[&str] = &["edge256", "cloud1024"];

fn program(net: &str, hw: &str, df: &str) -> ir::Program {
    let text = format!(
        "use std::networks::{net};\nuse std::hardware::{hw};\nuse std::dataflows::{df};\n\
         mapping m {{ network: {net}; hardware: {hw}; dataflow: {df}; }}\n"
    );
    let (sources, program, diags) = ir::lower::lower_text("case.df", &text);
    program.unwrap_or_else(|| panic!("{}", dfc::diagnostics::render::short(&diags, &sources)))
}

#[test]
fn default_model_invariants_on_the_standard_library() {
    let mut evaluated = 0;
    let mut failed = Vec::new();
    for net in NETWORKS {
        for hw in HARDWARE {
            for df in DATAFLOWS {
                let p = program(net, hw, df);
                let hardware = &p.hardware[0];
                let network = p.networks.iter().find(|n| n.name == *net).expect("network");
                let array_macs = (hardware.pes * hardware.macs_per_pe) as i64;
                let mac_pj = hardware.energy.map_or(1.0, |e| e.mac_pj);
                let (report, _) = evaluate_mapping(&p, MappingId(0), Model::Default);
                for (layer, r) in network.layers.iter().zip(&report.layers) {
                    let m = match &r.status {
                        LayerStatus::Ok { metrics } => metrics,
                        LayerStatus::Error { message } => {
                            failed.push(format!("{net}/{hw}/{df}/{}: {message}", layer.name));
                            continue;
                        }
                        LayerStatus::NotMapped => unreachable!("every layer has a dataflow"),
                    };
                    let case = format!("{net}/{hw}/{df}/{}", layer.name);
                    assert_eq!(m.num_macs as u64, layer.shape.macs(), "{case}: MACs");
                    assert!(
                        m.runtime_cycles * array_macs >= m.num_macs,
                        "{case}: runtime below the peak"
                    );
                    assert!(
                        m.total_energy_exact >= m.num_macs as f64 * mac_pj * (1.0 - 1e-12),
                        "{case}: energy"
                    );
                    for (column, value) in
                        dfc::backends::cost::CSV_COLUMNS.iter().zip(m.csv_values())
                    {
                        assert!(
                            value != "nan" && !value.starts_with('-'),
                            "{case}: {column} = {value}"
                        );
                    }
                    evaluated += 1;
                }
            }
        }
    }
    // Every combination evaluates; the only refusals are tiles whose input, filter and
    // output together overflow a buffer (E0501, `MODEL.md` row 18).
    for f in &failed {
        assert!(
            f.contains("buffer of each PE needs") || f.contains("the L2 buffer needs"),
            "unexpected model error: {f}"
        );
    }
    // 2,370 layer evaluations in all. The stdlib dataflows are written for MAESTRO's
    // output-only check: with every tensor counted, 164 layers (96 with the output alone)
    // do not fit.
    assert_eq!(
        (evaluated, failed.len()),
        (2206, 164),
        "layers evaluated, refused"
    );
}

#[test]
fn more_noc_bandwidth_never_slows_a_layer() {
    for df in DATAFLOWS {
        let mut p = program("resnet18", "edge256", df);
        let mut previous: Option<Vec<i64>> = None;
        for bw in [8, 16, 64, 256, 1024] {
            p.hardware[0].noc_bandwidth = Bandwidth::ElementsPerCycle(bw);
            let (report, _) = evaluate_mapping(&p, MappingId(0), Model::Default);
            let runtimes: Vec<i64> = report
                .layers
                .iter()
                .map(|l| match &l.status {
                    LayerStatus::Ok { metrics } => metrics.runtime_cycles,
                    _ => i64::MAX,
                })
                .collect();
            if let Some(prev) = &previous {
                for (i, (a, b)) in prev.iter().zip(&runtimes).enumerate() {
                    assert!(
                        b <= a,
                        "{df}: layer {i} slower with {bw} elem/cycle ({b} > {a})"
                    );
                }
            }
            previous = Some(runtimes);
        }
    }
}

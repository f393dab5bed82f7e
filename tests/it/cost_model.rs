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
                    assert_eq!(m.num_macs as u64, layer.macs(), "{case}: MACs");
                    assert_eq!(
                        m.dense_macs as u64,
                        layer.dense_macs(),
                        "{case}: dense MACs"
                    );
                    assert!(
                        m.runtime_cycles * array_macs >= m.dense_macs,
                        "{case}: runtime below the peak"
                    );
                    assert!(m.mac_utilization <= 1.0, "{case}: MAC utilization");
                    assert!(
                        m.total_energy_exact >= m.dense_macs as f64 * mac_pj * (1.0 - 1e-12),
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

/// `num_macs` is the useful work (`src/backends/cost/MODEL.md`, row 19): a 3×3 dilation-2
/// convolution with K = C = 8 and 32×32 outputs does 8·8·9·32·32 = 589,824 MACs (it was
/// reported as 1,638,400, the 5×5 dilated extent, which stays the executed `dense_macs`); a
/// `tconv` counts every input pixel times every weight. `--model maestro` keeps MAESTRO's count.
#[test]
fn num_macs_is_the_useful_work() {
    let text = "network n {
            dilated = conv(K: 8, C: 8, R: 3, S: 3, Y: 32, X: 32, pad: 2, dilation: 2);
            up = tconv(K: 4, C: 8, R: 2, S: 2, Y: 8, X: 8, stride: 2);
        }
        hardware h { pes: 64; l1: 1 MiB; l2: 64 MiB; noc { bandwidth: 64 elem/cycle; } precision: int8; }
        dataflow rows {
            spatial(1, 1) K;
            temporal(Sz(C), Sz(C)) C;
            temporal(Sz(R), 1) Y;
            temporal(Sz(S), 1) X;
        }
        mapping m { network: n; hardware: h; dataflow: rows; }\n";
    let (sources, program, diags) = ir::lower::lower_text("case.df", text);
    let p =
        program.unwrap_or_else(|| panic!("{}", dfc::diagnostics::render::short(&diags, &sources)));
    let (report, diags) = evaluate_mapping(&p, MappingId(0), Model::Default);
    assert!(diags.is_empty(), "{diags:?}");
    let metrics: Vec<_> = report
        .layers
        .iter()
        .map(|l| match &l.status {
            LayerStatus::Ok { metrics } => metrics.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        (metrics[0].num_macs, metrics[0].dense_macs),
        (589_824, 1_638_400)
    );
    // 4·8·2·2 weights × 8·8 input pixels; the dense count runs over the 15×15 zero-inserted
    // input padded to 17×17 (16×16 outputs): 4·8·2·2·16·16.
    assert_eq!(
        (metrics[1].num_macs, metrics[1].dense_macs),
        (8_192, 32_768)
    );
    for m in &metrics {
        let capacity = m.runtime_cycles as f64 * 64.0;
        assert_eq!(m.mac_utilization, m.num_macs as f64 / capacity);
        assert_eq!(m.throughput, m.num_macs as f64 / m.runtime_cycles as f64);
        assert_eq!(m.pe_utilization, m.avg_utilized_pes / 64.0);
    }
    let (maestro, _) = evaluate_mapping(&p, MappingId(0), Model::Maestro);
    let LayerStatus::Ok { metrics: m } = &maestro.layers[0].status else {
        panic!("maestro");
    };
    assert_eq!((m.num_macs, m.dense_macs), (1_638_400, 1_638_400));
}

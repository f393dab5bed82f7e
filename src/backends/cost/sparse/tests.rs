//! The laws `docs/sparsity.md` states, on layers evaluated end to end from `.df` text.

use crate::backends::cost::{CostError, LayerMetrics, Model};
use crate::backends::evaluate::{self, LayerProblem, LayerStatus};
use crate::ir::{lower::lower_text, MappingId, Program};
use crate::util::Rng;

/// A network of three convolutions on 256 PEs; `sparse` is the hardware's `sparse` block,
/// `sparsity` the mapping's.
fn program(sparse: &str, sparsity: &str) -> Program {
    let text = format!(
        "use std::dataflows::nvdla;
network net {{
    a = conv(K: 64, C: 32, R: 3, S: 3, Y: 18, X: 18);
    b = conv(K: 128, C: 64, R: 3, S: 3, Y: 16, X: 16);
    c = conv(K: 32, C: 128, R: 1, S: 1, Y: 14, X: 14);
}}
hardware hw {{
    pes: 256;
    l1: 2 KiB;
    l2: 1 MiB;
    noc {{ bandwidth: 32 elem/cycle; }}
    precision: int8;
    {sparse}
}}
mapping m {{
    network: net;
    hardware: hw;
    dataflow: nvdla;
    sparsity {{ {sparsity} }}
}}"
    );
    let (_, program, diags) = lower_text("t.df", &text);
    program.unwrap_or_else(|| panic!("{text}\n{diags:?}"))
}

fn metrics(p: &Program) -> Vec<LayerMetrics> {
    let (report, diags) = evaluate::evaluate_mapping(p, MappingId(0), Model::Default);
    assert!(diags.is_empty(), "{diags:?}");
    report
        .layers
        .into_iter()
        .map(|l| match l.status {
            LayerStatus::Ok { metrics } => *metrics,
            other => panic!("{}: {other:?}", l.layer),
        })
        .collect()
}

fn effectual(m: &LayerMetrics) -> i64 {
    m.sparse.map_or(m.num_macs, |s| s.effectual_macs)
}

const SKIP_BITMASK: &str = "sparse { weights: bitmask; activations: bitmask; ineffectual: skip; }";

#[test]
fn density_one_is_dense() {
    let dense = metrics(&program("", "*: dense;"));
    for sparsity in ["*: weights 1:1;", "*: weights 1.0 / activations 1;"] {
        for hw in [
            "",
            SKIP_BITMASK,
            "sparse { weights: coo; ineffectual: gate; }",
        ] {
            assert_eq!(metrics(&program(hw, sparsity)), dense, "{hw} {sparsity}");
        }
    }
    // A sparse layer on dense hardware computes every MAC: only the effectual count differs.
    let on_dense_hw = metrics(&program("", "*: weights 2:4;"));
    for (s, d) in on_dense_hw.iter().zip(&dense) {
        assert_eq!(s.runtime_cycles, d.runtime_cycles);
        assert_eq!(s.total_energy, d.total_energy);
        assert_eq!(effectual(s), d.num_macs / 2);
    }
}

#[test]
fn effectual_macs_are_the_product_of_densities() {
    let dense = metrics(&program("", ""));
    let macs: Vec<i64> = dense.iter().map(|m| m.num_macs).collect();
    assert_eq!(macs, [4_718_592, 14_450_688, 802_816]);
    let cases = [
        (
            "*: weights 0.5 / activations 0.25;",
            [589_824, 1_806_336, 100_352],
        ),
        ("*: weights 2:4;", [2_359_296, 7_225_344, 401_408]),
        // ⌈4,718,592 × 0.3⌉ = 1,415,578 (1,415,577.6 exactly).
        (
            "*: activations 0.3 banded;",
            [1_415_578, 4_335_207, 240_845],
        ),
    ];
    for (sparsity, expected) in cases {
        let got: Vec<i64> = metrics(&program(SKIP_BITMASK, sparsity))
            .iter()
            .map(effectual)
            .collect();
        assert_eq!(got, expected, "{sparsity}");
    }
}

#[test]
fn structured_footprints_are_n_over_m_plus_metadata() {
    let dense = metrics(&program("", ""));
    // 8-bit elements: a bitmask adds 1/8 element per dense element; run lengths of 4 bits
    // add half an element per nonzero.
    let cases = [
        ("sparse { weights: bitmask; }", 0.5 + 1.0 / 8.0),
        ("sparse { weights: rle; }", 0.5 * 1.5),
    ];
    for (hw, factor) in cases {
        let sparse = metrics(&program(hw, "*: weights 2:4;"));
        for (s, d) in sparse.iter().zip(&dense) {
            let expect = |dense: i64| (dense as f64 * factor).ceil() as i64;
            assert_eq!(s.filter_l2_size_req, expect(d.filter_l2_size_req), "{hw}");
            assert_eq!(s.filter_l1_size_req, expect(d.filter_l1_size_req), "{hw}");
            assert_eq!(s.filter_l2_read, expect(d.filter_l2_read), "{hw}");
            // Activations and outputs are untouched.
            assert_eq!(s.input_l2_size_req, d.input_l2_size_req);
            assert_eq!(s.output_l2_write, d.output_l2_write);
        }
    }
}

#[test]
fn gating_saves_energy_and_no_time() {
    let dense = metrics(&program("", ""));
    let gated = metrics(&program(
        "sparse { ineffectual: gate; }",
        "*: weights 0.5 / activations 0.5;",
    ));
    for (g, d) in gated.iter().zip(&dense) {
        assert_eq!(g.runtime_cycles, d.runtime_cycles);
        assert_eq!(g.total_mac_energy, d.total_mac_energy / 4.0);
        assert_eq!(g.total_l2_read_energy, d.total_l2_read_energy);
    }
}

#[test]
fn banded_skipping_saves_no_time() {
    // Compressed in L1 only: the NoC moves the same volumes, so only compute could change.
    let dense = metrics(&program("", ""));
    let banded = metrics(&program(
        "sparse { l1 { weights: bitmask; } ineffectual: skip; }",
        "*: weights 0.25 banded;",
    ));
    let uniform = metrics(&program(
        "sparse { l1 { weights: bitmask; } ineffectual: skip; }",
        "*: weights 0.25;",
    ));
    let runtimes = |ms: &[LayerMetrics]| ms.iter().map(|m| m.runtime_cycles).collect::<Vec<_>>();
    assert_eq!(runtimes(&banded), runtimes(&dense));
    // Uniform zeros are skipped, up to the slowest PE's binomial excess; a layer bound by its
    // NoC ingress (`a`) gains nothing.
    assert_eq!(runtimes(&dense), [110_772, 283_167, 15_751]);
    assert_eq!(runtimes(&uniform), [98_529, 264_444, 15_751]);
}

#[test]
fn runtime_never_beats_effectual_macs_over_pes() {
    let mut rng = Rng::new(7);
    let formats = ["bitmask", "rle", "coo"];
    for _ in 0..24 {
        let w = 1 + rng.below(1000);
        let a = 1 + rng.below(1000);
        let n = 1 + rng.below(4);
        let hw = format!(
            "sparse {{ weights: {}; activations: {}; ineffectual: skip; }}",
            formats[rng.below(3)],
            formats[rng.below(3)]
        );
        for sparsity in [
            format!("*: weights 0.{w:03} / activations 0.{a:03};"),
            format!("*: weights {n}:4 / activations 0.{a:03};"),
        ] {
            for m in metrics(&program(&hw, &sparsity)) {
                let floor = (effectual(&m) + 255) / 256;
                assert!(
                    m.runtime_cycles >= floor,
                    "{hw} {sparsity}: {} < {floor}",
                    m.runtime_cycles
                );
            }
        }
    }
}

#[test]
fn compression_can_make_a_mapping_fit() {
    // One byte less L1 than layer `b`'s dense tiles need; a quarter of the weights in a
    // bitmask need less.
    let dense = program("", "");
    let need = metrics(&dense)[1].clone();
    let l1 = need.input_l1_size_req + need.filter_l1_size_req + need.output_l1_size_req - 1;
    let sparse = program(
        "sparse { weights: bitmask; ineffectual: skip; }",
        "*: weights 1:4;",
    );
    let evaluate_b = |p: &Program| {
        let problems = evaluate::layer_problems(p, MappingId(0), Model::Default);
        let LayerProblem::Ready(problem) = &problems[1] else {
            panic!("layer b has no problem")
        };
        let mut hw = evaluate::hardware(&p.hardware[0], None, Model::Default);
        hw.l1_size = l1;
        crate::backends::cost::evaluate(problem, &hw, Model::Default)
    };
    let refused = evaluate_b(&dense);
    assert!(
        matches!(refused, Err(CostError::ExceedsCapacity(_))),
        "{refused:?}"
    );
    let fits = evaluate_b(&sparse).expect("fits compressed");
    assert!(fits.filter_l1_size_req < need.filter_l1_size_req);
}

#[test]
fn maestro_refuses_sparse_layers() {
    let p = program(SKIP_BITMASK, "*: weights 2:4;");
    let problems = evaluate::layer_problems(&p, MappingId(0), Model::Maestro);
    let LayerProblem::Ready(problem) = &problems[0] else {
        panic!("no problem")
    };
    let hw = evaluate::hardware(&p.hardware[0], None, Model::Maestro);
    let err = crate::backends::cost::evaluate(problem, &hw, Model::Maestro);
    assert!(
        matches!(
            err,
            Err(CostError::UnsupportedMapping {
                directive: None,
                ..
            })
        ),
        "{err:?}"
    );
}

//! On-chip networks: the MAESTRO bandwidth sweep through `dfc noc cost --model maestro`, the
//! traffic classes of the stdlib-style dataflows, the `noc { topology }` fields, and the
//! coded errors of `dfc noc sim` and `dfc noc cost`.

use dfc::backends::cost::Model;
use dfc::ir::noc::Topology;
use dfc::noc::{self, ClassKind};

use crate::common::{self, dfc};

const STUDY: &str = "tests/cases/noc/bandwidth_study.df";

fn study() -> dfc::ir::Program {
    let (_, program, diags) = common::compile(&common::root().join(STUDY));
    assert!(diags.is_empty(), "{diags:?}");
    program.expect("the study compiles")
}

fn mapping(program: &dfc::ir::Program, name: &str) -> dfc::ir::MappingId {
    let i = program.mappings.iter().position(|m| m.name == name);
    dfc::ir::MappingId(i.expect("mapping exists") as u32)
}

/// MAESTRO's runtimes for K = C = 64, 3×3, 56×56 outputs on 256 PEs at NoC bandwidths
/// 1, 4, 16, 64, 256 (`tests/cases/noc/bandwidth_study.df` says where they come from).
const MAESTRO_SWEEP: [(&str, [i64; 5]); 3] = [
    (
        "nvdla",
        [58_274_361, 14_907_177, 4_065_381, 1_354_932, 702_476],
    ),
    (
        "shim",
        [13_570_770, 3_561_660, 2_076_513, 2_064_393, 2_064_387],
    ),
    ("rsm", [12_845_009, 3_211_289, 831_529, 731_147, 702_467]),
];

#[test]
fn maestro_bandwidth_sweep_is_reproduced_exactly() {
    let program = study();
    for (dataflow, runtimes) in MAESTRO_SWEEP {
        for (bw, expected) in [1, 4, 16, 64, 256].into_iter().zip(runtimes) {
            let id = mapping(&program, &format!("{dataflow}_bw{bw}"));
            let (report, diags) = noc::mapping_cost(&program, id, Model::Maestro, None);
            assert!(diags.is_empty(), "{diags:?}");
            assert_eq!(
                report.cost_model_runtime_cycles, expected,
                "{dataflow} at {bw}"
            );
        }
    }
}

#[test]
fn traffic_classes_follow_the_top_level_spatial_map() {
    let program = study();
    let classes = |name: &str| {
        let (traffic, _) = noc::mapping_traffic(&program, mapping(&program, name), Model::Maestro);
        assert_eq!(traffic.len(), 1);
        let t = &traffic[0];
        (
            t.classes
                .map(|c| (c.kind, (c.fanout * 1000.0).round() / 1000.0)),
            t.active_units,
        )
    };
    // NVDLA: K across 4 clusters of 64 — inputs broadcast, filters unicast.
    assert_eq!(
        classes("nvdla_bw64"),
        (
            [
                (ClassKind::Broadcast, 4.0),
                (ClassKind::Unicast, 1.0),
                (ClassKind::Collection, 1.0)
            ],
            4
        )
    );
    // ShiDianNao: 56 output columns across PEs — 3-wide input windows overlap (56·3/58),
    // filters go to every busy PE.
    assert_eq!(
        classes("shim_bw64"),
        (
            [
                (ClassKind::Multicast, 2.897),
                (ClassKind::Broadcast, 56.0),
                (ClassKind::Collection, 1.0)
            ],
            56
        )
    );
    // Row stationary: output rows across 85 clusters of 3 PEs, 56 busy.
    assert_eq!(
        classes("rsm_bw64"),
        (
            [
                (ClassKind::Multicast, 2.897),
                (ClassKind::Broadcast, 56.0),
                (ClassKind::Collection, 1.0)
            ],
            56
        )
    );
}

#[test]
fn hybrid_sends_broadcasts_wirelessly_and_unicasts_on_the_mesh() {
    let program = study();
    let id = mapping(&program, "nvdla_bw64");
    let (report, _) = noc::mapping_cost(&program, id, Model::Default, Some(Topology::Hybrid));
    let wireless: Vec<bool> = report.layers[0]
        .classes
        .iter()
        .map(|c| c.wireless)
        .collect();
    assert_eq!(wireless, [true, false, false]);
    let (wired, _) = noc::mapping_cost(&program, id, Model::Default, Some(Topology::Mesh));
    assert!(wired.layers[0].classes.iter().all(|c| !c.wireless));
}

/// Energies in tenths of a picojoule (their sums are not exact in binary).
fn tenths(x: f64) -> i64 {
    (x * 10.0).round() as i64
}

#[test]
fn inner_cluster_levels_are_priced_on_their_own_networks() {
    let program = study();
    let id = mapping(&program, "nvdla_bw64");
    let (report, diags) = noc::mapping_cost(&program, id, Model::Default, Some(Topology::Mesh));
    assert!(diags.is_empty(), "{diags:?}");
    let top = &report.layers[0];
    // The top level is priced as before: K across 4 clusters of 64 PEs.
    assert_eq!((top.level, top.steps, top.units), (0, 50_176, 4));
    assert_eq!(top.runtime_cycles, 1_354_757);
    assert_eq!(tenths(top.energy_pj), 1_446_970_368);
    assert_eq!(top.inner_levels.len(), 1);
    let inner = &top.inner_levels[0];
    // Inside each cluster: C across 64 PEs; every top-level step runs one 3x3 tile in each of
    // the 4 clusters, one inner step each.
    assert_eq!(
        (inner.level, inner.instances, inner.parallel, inner.units),
        (1, 4, 4.0, 64)
    );
    assert_eq!(inner.steps, 50_176 * 4);
    let classes: Vec<(ClassKind, i64, f64)> = inner
        .classes
        .iter()
        .map(|c| (c.class.kind, c.class.elements, c.class.fanout))
        .collect();
    // Each PE its own channel's 3x3 window and filter (64 x 9 = 576 elements a step); the
    // output is the sum over the 64 channels.
    assert_eq!(
        classes,
        [
            (ClassKind::Unicast, 200_704 * 576, 1.0),
            (ClassKind::Unicast, 200_704 * 576, 1.0),
            (ClassKind::Reduction, 200_704, 64.0),
        ]
    );
    // An 8x8 mesh per cluster, the buffer at a corner: unicast head (7 + 1) hops, 576 / 64
    // = 9 cycles of serialisation; the partial sums one after another (64 / 64 = 1 cycle).
    let latencies: Vec<i64> = inner.classes.iter().map(|c| c.latency_per_step).collect();
    assert_eq!(latencies, [16, 16, 8]);
    // 200,704 steps x max(9 + 9, 1, compute 9) over 4 clusters at once, plus both heads.
    assert_eq!(inner.compute_cycles_per_step, 9);
    assert_eq!(inner.runtime_cycles, 200_704 * 18 / 4 + 8 + 8);
    // 7 links per element of 16 bits at 0.3 pJ per bit and link; partial sums x 64.
    let energies: Vec<i64> = inner.classes.iter().map(|c| tenths(c.energy_pj)).collect();
    assert_eq!(energies, [38_843_449_344, 38_843_449_344, 4_315_938_816]);
    assert_eq!(top.all_levels_runtime_cycles, 1_354_757);
    assert_eq!(
        tenths(top.all_levels_energy_pj),
        1_446_970_368 + 2 * 38_843_449_344 + 4_315_938_816
    );
    assert_eq!(report.all_levels_runtime_cycles, 1_354_757);
    // A one-level dataflow has no inner level and the same totals.
    let (shi, _) = noc::mapping_cost(
        &program,
        mapping(&program, "shim_bw64"),
        Model::Default,
        None,
    );
    assert!(shi.layers[0].inner_levels.is_empty());
    assert_eq!(shi.all_levels_runtime_cycles, shi.runtime_cycles);
    assert_eq!(shi.all_levels_energy_pj, shi.energy_pj);
}

#[test]
fn inner_levels_share_the_one_wireless_channel() {
    let program = study();
    let id = mapping(&program, "rsm_bw64");
    let (report, _) = noc::mapping_cost(&program, id, Model::Default, Some(Topology::Hybrid));
    let top = &report.layers[0];
    // Unchanged top level: MAESTRO's runtime of this mapping.
    assert_eq!(top.runtime_cycles, 731_147);
    let inner = &top.inner_levels[0];
    // 85 clusters of 3 PEs, 56 of them busy (56 output rows); Y across the 3 PEs, so the
    // filter is the same for the 3 and goes over the wireless channel.
    assert_eq!(
        (inner.instances, inner.parallel, inner.units, inner.steps),
        (85, 56.0, 3, 802_816)
    );
    let filter = &inner.classes[1];
    assert_eq!(
        (filter.class.kind, filter.wireless, filter.class.fanout),
        (ClassKind::Broadcast, true, 3.0)
    );
    // 144 filter elements a step at 64 per cycle plus the token pass: 3.25 cycles, and the 56
    // clusters at work take turns on the channel.
    assert_eq!(filter.cycles_per_step, 3.25);
    assert_eq!(inner.ingress_cycles_per_step, 3.25 * 56.0);
    assert_eq!(inner.runtime_cycles, 802_816 * 182 / 56 + 2 + 2);
    assert_eq!(top.all_levels_runtime_cycles, inner.runtime_cycles);
}

#[test]
fn noc_fields_lower_and_emit_round_trip() {
    let src = "hardware h {\n    pes: 64;\n    l1: 512 elem;\n    l2: 65536 elem;\n    noc {\n        \
               bandwidth: 16 elem/cycle;\n        latency: 1 cycle;\n        topology: tree;\n        \
               fanout: 2;\n        reduction: in_network;\n        multicast: unicast;\n        \
               wireless_bandwidth: 8 elem/cycle;\n        mac: tdma;\n    }\n}\n";
    let mut sources = dfc::source::SourceMap::new();
    let root = sources.add("h.df".to_string(), src.to_string());
    let (program, diags) = dfc::ir::lower::lower_program(root, &mut sources, &dfc::ir::NoFiles);
    assert!(diags.is_empty(), "{diags:?}");
    let program = program.expect("lowers");
    let noc = program.hardware[0].noc;
    assert_eq!(noc.topology, Some(Topology::Tree));
    assert_eq!(noc.fanout, Some(2));
    assert_eq!(noc.in_network_reduction, Some(true));
    assert_eq!(noc.multicast_replication, Some(false));
    assert_eq!(noc.mac, Some(dfc::ir::noc::WirelessMac::Tdma));
    let emitted = dfc::ir::emit::emit(&program);
    for field in [
        "topology: tree;",
        "fanout: 2;",
        "reduction: in_network;",
        "multicast: unicast;",
        "mac: tdma;",
    ] {
        assert!(emitted.contains(field), "{field} missing from\n{emitted}");
    }
}

#[test]
fn noc_cost_prints_every_format_and_rejects_an_unknown_topology() {
    for format in ["table", "json", "csv"] {
        let out = dfc(&[
            "noc",
            "cost",
            STUDY,
            "--mapping",
            "shim_bw16",
            "--topology",
            "wireless",
            "--format",
            format,
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("shim_bw16"), "{text}");
    }
    let csv = dfc(&[
        "noc",
        "cost",
        STUDY,
        "--mapping",
        "shim_bw16",
        "--format",
        "csv",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&csv.stdout).lines().count(),
        4,
        "header and 3 classes"
    );
    // A two-level mapping: 3 rows per level, the level and its networks in the last columns;
    // the table adds the levels' totals.
    let csv = dfc(&[
        "noc",
        "cost",
        STUDY,
        "--mapping",
        "nvdla_bw64",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8_lossy(&csv.stdout);
    let tails: Vec<String> = text
        .lines()
        .map(|l| l.rsplitn(4, ',').collect::<Vec<_>>()[..3].join(","))
        .collect();
    assert_eq!(
        tails,
        [
            "parallel,instances,level",
            "1,1,0",
            "1,1,0",
            "1,1,0",
            "4,4,1",
            "4,4,1",
            "4,4,1"
        ]
    );
    let table = dfc(&["noc", "cost", STUDY, "--mapping", "nvdla_bw64"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("all levels: runtime 1354757 cycles, NoC energy 8344980787.2 pJ"),
        "{text}"
    );
    let out = dfc(&["noc", "cost", STUDY, "--topology", "torus"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E0708"), "{err}");
}

#[test]
fn noc_sim_rejects_bad_configurations_with_codes() {
    let base = ["noc", "sim", "--cycles", "200"];
    let cases: [(&[&str], &str); 10] = [
        (&["--rate", "0"], "E0701"),
        (&["--rate", "1.5"], "E0701"),
        (&["--rate", "-0.1"], "E0701"),
        (&["--mesh", "0x0"], "E0702"),
        (&["--mesh", "8x4"], "E0702"),
        (&["--traffic", "hotspot"], "E0703"),
        (&["--routing", "dor"], "E0704"),
        (&["--routing", "o1turn", "--vcs", "1"], "E0705"),
        (&["--sweep", "0.5:0.1:0.1"], "E0706"),
        (&["--vcs", "0"], "E0707"),
    ];
    for (args, code) in cases {
        let mut all: Vec<&str> = base.to_vec();
        all.extend_from_slice(args);
        let out = dfc(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(code), "{args:?}: expected {code} in {err}");
        assert!(out.stdout.is_empty());
    }
    let out = dfc(&["noc", "sim", "--sweep", "0.1:0.2", "--cycles", "200"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("E0706"));
}

#[test]
fn noc_sim_reports_the_json_fields_and_stops_past_saturation() {
    let out = dfc(&[
        "noc", "sim", "--mesh", "4x4", "--rate", "0.95", "--cycles", "2000", "--format", "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for field in [
        "avg_latency",
        "p99_latency",
        "avg_hops",
        "accepted_rate",
        "saturated",
    ] {
        assert!(v.get(field).is_some(), "{field} missing: {v}");
    }
    assert_eq!(v["saturated"], serde_json::Value::Bool(true));
    let dir = std::env::temp_dir().join(format!("dfc-noc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let svg = dir.join("curve.svg");
    let svg_arg = svg.to_string_lossy().into_owned();
    let out = dfc(&[
        "noc",
        "sim",
        "--mesh",
        "4x4",
        "--sweep",
        "0.1:0.3:0.1",
        "--cycles",
        "500",
        "--format",
        "csv",
        "--svg",
        &svg_arg,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        4,
        "header and 3 rates"
    );
    let text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(
        text.starts_with("<svg") && text.contains("latency"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn noc_sim_traces_a_mapping_layer_exactly_and_repeatably() {
    let args = [
        "noc",
        "sim",
        "--traffic",
        "mapping",
        "--df",
        STUDY,
        "--mapping",
        "shim_bw64",
        "--layer",
        "conv",
        "--mesh",
        "4x4",
        "--steps",
        "2",
        "--format",
        "json",
    ];
    let out = dfc(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // 2 of the layer's top-level steps of 9 cycles: input windows multicast, filters broadcast
    // to the 56 busy PEs (folded onto 15 nodes), outputs collected, one packet per delivery.
    let classes: Vec<(String, u64)> = v["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind").to_string(),
                c["packets"].as_u64().expect("n"),
            )
        })
        .collect();
    let expected = [("multicast", 347), ("broadcast", 18), ("collection", 112)];
    assert_eq!(classes, expected.map(|(k, n)| (k.to_string(), n)).to_vec());
    assert_eq!(
        (v["steps"].as_u64(), v["interval"].as_u64()),
        (Some(2), Some(9))
    );
    assert_eq!(v["stats"]["packets"].as_u64(), Some(477));
    assert_eq!(v["stats"]["saturated"], serde_json::Value::Bool(false));
    assert_eq!(v["stats"]["rate"].as_f64(), Some(477.0 / (16.0 * 18.0)));
    // Same seed, same bytes.
    assert_eq!(dfc(&args).stdout, out.stdout);
}

#[test]
fn noc_sim_mapping_traffic_errors_have_codes() {
    let base = ["noc", "sim", "--traffic", "mapping", "--mesh", "4x4"];
    let cases: [(&[&str], Option<&str>, i32); 8] = [
        (&["--df", "tests/cases/noc/no_mapping.df"], Some("E0311"), 1),
        (&["--df", STUDY, "--layer", "conb"], Some("E0713"), 2),
        (&["--df", STUDY, "--steps", "1000000"], Some("E0714"), 2),
        (&["--df", STUDY, "--steps", "0"], Some("E0707"), 2),
        (&["--df", STUDY, "--sweep", "0.1:0.2:0.1"], None, 2),
        (&["--df", STUDY, "--rate", "0"], Some("E0701"), 2),
        (&["--df", STUDY, "--rate", "1.5"], Some("E0701"), 2),
        (&[], None, 2),
    ];
    for (args, code, status) in cases {
        let mut all: Vec<&str> = base.to_vec();
        all.extend_from_slice(args);
        let out = dfc(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{args:?}: {err}");
        if let Some(code) = code {
            assert!(err.contains(code), "{args:?}: expected {code} in {err}");
        }
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let out = dfc(&["noc", "sim", "--df", STUDY, "--cycles", "200"]);
    assert_eq!(out.status.code(), Some(2));
}

const TWO_LAYERS: &str = "tests/cases/noc/two_layers.df";

/// `dfc noc sim --traffic mapping` on `TWO_LAYERS` with `extra` flags, as JSON.
fn trace_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "noc",
        "sim",
        "--traffic",
        "mapping",
        "--df",
        TWO_LAYERS,
        "--mesh",
        "4x4",
        "--steps",
        "4",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let out = dfc(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Per class of a trace's JSON: kind and packets.
fn packets(trace: &serde_json::Value) -> Vec<(String, u64)> {
    trace["classes"]
        .as_array()
        .expect("classes")
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().expect("kind").to_string(),
                c["packets"].as_u64().expect("n"),
            )
        })
        .collect()
}

fn owned(classes: [(&str, u64); 3]) -> Vec<(String, u64)> {
    classes.map(|(k, n)| (k.to_string(), n)).to_vec()
}

#[test]
fn noc_sim_traces_every_layer_of_a_mapping_in_sequence() {
    let v = trace_json(&[]);
    let layers = v["layers"].as_array().expect("layers");
    let names: Vec<&str> = layers
        .iter()
        .map(|l| l["layer"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["conv1", "conv2"]);
    // NVDLA with clusters of 4: K over 4 clusters, so inputs are broadcast to the 4, filters
    // unicast, outputs collected; 4 of each layer's 128 top-level steps.
    // conv1: 471 x 4 input deliveries, 288 filter and 512 output elements, x 4/128 each.
    assert_eq!(
        packets(&layers[0]),
        owned([("broadcast", 235), ("unicast", 9), ("collection", 16)])
    );
    // conv2 (1x1, C = 8 in two tiles): 512 x 4, 32, 512 over 128 steps.
    assert_eq!(
        packets(&layers[1]),
        owned([("broadcast", 64), ("unicast", 1), ("collection", 16)])
    );
    assert_eq!(
        (layers[0]["span"].as_f64(), layers[1]["span"].as_f64()),
        (Some(27.0), Some(3.0))
    );
    let total = &v["total"];
    assert_eq!(total["packets"].as_u64(), Some(260 + 81));
    let cycles: u64 = layers
        .iter()
        .map(|l| l["stats"]["cycles_simulated"].as_u64().expect("cycles"))
        .sum();
    assert_eq!(total["cycles_simulated"].as_u64(), Some(cycles));
    assert_eq!(
        total["rate"].as_f64(),
        Some(341.0 / (16.0 * (4.0 * 27.0 + 4.0 * 3.0)))
    );
    // One layer alone is that layer's run in the sequence.
    let one = trace_json(&["--layer", "conv2"]);
    assert_eq!(one["stats"], layers[1]["stats"]);
    assert_eq!(packets(&one), packets(&layers[1]));
}

#[test]
fn noc_sim_mapping_rate_times_the_steps() {
    // Shidiannao on the same layers, each timed to offer 0.05 flits per node and cycle.
    let v = trace_json(&["--mapping", "flat", "--rate", "0.05"]);
    assert_eq!(v["rate"].as_f64(), Some(0.05));
    let layers = v["layers"].as_array().expect("layers");
    assert_eq!(
        packets(&layers[0]),
        owned([("multicast", 227), ("broadcast", 18), ("collection", 64)])
    );
    assert_eq!(
        packets(&layers[1]),
        owned([("unicast", 62), ("broadcast", 2), ("collection", 64)])
    );
    // 309 flits over 4 steps on 16 nodes at 0.05: 96.5625 cycles a step; 128 flits: 40.
    let spans: Vec<f64> = layers
        .iter()
        .map(|l| l["span"].as_f64().expect("span"))
        .collect();
    assert_eq!(
        spans,
        [309.0 / (16.0 * 4.0 * 0.05), 128.0 / (16.0 * 4.0 * 0.05)]
    );
    assert_eq!(spans, [96.5625, 40.0]);
    for layer in layers {
        assert_eq!(layer["stats"]["rate"].as_f64(), Some(0.05));
    }
    assert_eq!(v["total"]["rate"].as_f64(), Some(0.05));
    // Table and CSV: a row per layer, then the total.
    let out = dfc(&[
        "noc",
        "sim",
        "--traffic",
        "mapping",
        "--df",
        TWO_LAYERS,
        "--mesh",
        "4x4",
        "--steps",
        "4",
        "--mapping",
        "flat",
        "--rate",
        "0.05",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first: Vec<&str> = text
        .lines()
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    assert_eq!(first, ["layer", "conv1", "conv2", "total"]);
}

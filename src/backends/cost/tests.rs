//! Tests of the cost model against MAESTRO's reference output, against an executable model of
//! MAESTRO (through the expected values committed in `tests/data/maestro/oracle_cases.jsonl`),
//! and properties of the Default model. Data: `tests/data/maestro/` (see `gen_oracle_cases.py`
//! there).

use super::*;
use serde_json::Value;

const REF_PROBLEMS: &str = include_str!("../../../tests/data/maestro/reference_problems.jsonl");
const REF_EXPECTED: &str = include_str!("../../../tests/data/maestro/reference_expected.csv");
const ORACLE_CASES: &str = include_str!("../../../tests/data/maestro/oracle_cases.jsonl");

/// A problem as stored in the JSON lines files.
struct Case {
    id: String,
    problem: Problem,
    hw: Hardware,
    json: Value,
}

fn layer_type(s: &str) -> LayerType {
    match s {
        "CONV" => LayerType::Conv,
        "DSCONV" => LayerType::Dsconv,
        "NGCONV" => LayerType::Ngconv,
        "TRCONV" => LayerType::Trconv,
        other => panic!("unknown layer type {other}"),
    }
}

fn dim(v: &Value) -> Dim {
    let s = v.as_str().expect("dimension name");
    Dim::parse(s).unwrap_or_else(|| panic!("unknown dimension {s}"))
}

fn int(v: &Value) -> i64 {
    v.as_i64().expect("integer")
}

fn pairs(v: &Value) -> Vec<(Dim, i64)> {
    v.as_array()
        .expect("pairs")
        .iter()
        .map(|p| (dim(&p[0]), int(&p[1])))
        .collect()
}

fn parse_case(line: &str) -> Case {
    let json: Value = serde_json::from_str(line).expect("json line");
    let directives = json["df"]
        .as_array()
        .expect("df")
        .iter()
        .map(|d| match d[0].as_str() {
            Some("C") => Directive::Cluster { size: int(&d[1]) },
            Some(k) => Directive::Map {
                kind: if k == "S" {
                    MapKind::Spatial
                } else {
                    MapKind::Temporal
                },
                size: int(&d[1]),
                offset: int(&d[2]),
                dim: dim(&d[3]),
            },
            None => panic!("bad directive"),
        })
        .collect();
    let problem = Problem {
        layer_type: layer_type(json["type"].as_str().expect("type")),
        dims: pairs(&json["dims"]),
        strides: pairs(&json["strides"]),
        batch_in_tensors: json["batch"].as_bool().expect("batch"),
        directives,
        useful_macs: None,
        sparsity: Default::default(),
    };
    let h = &json["hw"];
    let hw = Hardware {
        num_pes: int(&h[0]),
        l1_size: int(&h[1]),
        l2_size: int(&h[2]),
        noc_bw: int(&h[3]),
        noc_hops: int(&h[4]),
        simd_lanes: int(&json["lanes"]),
        precision_bits: None,
        operand_bits: None,
        energy: None,
        sparse: crate::ir::SparseSupport::DENSE,
    };
    Case {
        id: json["case_id"].as_str().unwrap_or("?").to_string(),
        problem,
        hw,
        json,
    }
}

fn cases(text: &str) -> Vec<Case> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(parse_case)
        .collect()
}

fn parse_float(s: &str) -> f64 {
    match s.trim() {
        "nan" | "-nan" | "NaN" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        t => t.parse().unwrap_or_else(|_| panic!("bad float {t}")),
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a == b {
        return true;
    }
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// Compare one metric value with its expected text: integers exactly, floats to 1e-5.
fn same(ours: &str, expected: &str) -> bool {
    match (ours.parse::<i64>(), expected.parse::<i64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => close(parse_float(ours), parse_float(expected), 1e-5),
    }
}

struct Expected {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn expected_table() -> Expected {
    let mut lines = REF_EXPECTED.lines();
    let split = |l: &str| l.split(',').map(str::to_string).collect::<Vec<_>>();
    let header = split(lines.next().expect("header"));
    let rows = lines.filter(|l| !l.is_empty()).map(split).collect();
    Expected { header, rows }
}

fn maestro(c: &Case) -> Result<LayerMetrics, CostError> {
    evaluate(&c.problem, &c.hw, Model::Maestro)
}

#[test]
fn csv_columns_match_reference_header() {
    let exp = expected_table();
    let metric_cols: Vec<&str> = exp.header[3..].iter().map(String::as_str).collect();
    assert_eq!(CSV_COLUMNS, metric_cols.as_slice());
}

#[test]
fn maestro_matches_every_reference_row() {
    let exp = expected_table();
    let problems = cases(REF_PROBLEMS);
    assert_eq!(problems.len(), exp.rows.len());
    let mut ok_rows = 0;
    let mut err_rows = 0;
    let mut failures = Vec::new();
    for (c, row) in problems.iter().zip(&exp.rows) {
        assert_eq!(c.id, row[0]);
        let status = row[1].as_str();
        match (status, maestro(c)) {
            ("ok", Ok(m)) => {
                for ((col, ours), want) in CSV_COLUMNS.iter().zip(m.csv_values()).zip(&row[3..]) {
                    if !same(&ours, want) {
                        failures.push(format!("{}: {col} = {ours}, MAESTRO {want}", c.id));
                    }
                }
                ok_rows += 1;
            }
            ("ok", Err(e)) => failures.push(format!("{}: unexpected error {e}", c.id)),
            (err, got) => {
                let required: i64 = err
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .expect("error status is `L1 <size>` or `L2 <size>`");
                let capacity = if err.starts_with("L1") {
                    c.hw.l1_size
                } else {
                    c.hw.l2_size
                };
                let want = if err.starts_with("L1") {
                    CostError::NotEnoughL1 { required, capacity }
                } else {
                    CostError::NotEnoughL2 { required, capacity }
                };
                match got {
                    Err(e) if e == want => err_rows += 1,
                    other => failures.push(format!("{}: expected {want:?}, got {other:?}", c.id)),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!((ok_rows, err_rows), (387, 2));
}

/// The fields `gen_oracle_cases.py` records, with our value for each.
fn oracle_fields(m: &LayerMetrics) -> Vec<(&'static str, String)> {
    let names = [
        "runtime_cycles",
        "num_macs",
        "input_l2_size_req",
        "input_l1_size_req",
        "input_l2_write",
        "input_l2_read",
        "input_l1_write",
        "input_l1_read",
        "filter_l2_size_req",
        "filter_l1_size_req",
        "filter_l2_write",
        "filter_l2_read",
        "filter_l1_write",
        "filter_l1_read",
        "output_l2_size_req",
        "output_l1_size_req",
        "output_l2_write",
        "output_l2_read",
        "output_l1_write",
        "output_l1_read",
        "peak_bw_req",
        "avg_bw_req",
        "avg_utilized_pes",
        "arithmetic_intensity",
        "ingress_delay_min",
        "ingress_delay_max",
        "ingress_delay_avg",
        "egress_delay_min",
        "egress_delay_max",
        "egress_delay_avg",
        "compute_delay_min",
        "compute_delay_max",
        "compute_delay_avg",
        "csv_l1_sram_size",
    ];
    let values = m.csv_values();
    names
        .iter()
        .map(|n| {
            let i = CSV_COLUMNS
                .iter()
                .position(|c| c == n)
                .expect("known column");
            (*n, values[i].clone())
        })
        .collect()
}

fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn maestro_matches_the_oracle_on_random_cases() {
    let all = cases(ORACLE_CASES);
    assert_eq!(all.len(), 600, "oracle cases");
    let mut failures = Vec::new();
    let (mut ok, mut errors) = (0, 0);
    for c in &all {
        let got = maestro(c);
        if let Some(err) = c.json.get("error").and_then(Value::as_str) {
            errors += 1;
            let matches = match (&got, err.split_once(' ')) {
                (Err(CostError::NotEnoughL1 { required, .. }), Some(("L1", n)))
                | (Err(CostError::NotEnoughL2 { required, .. }), Some(("L2", n))) => {
                    n.parse::<i64>().ok() == Some(*required)
                }
                (Err(CostError::ZeroUniqueSize { .. }), _) => err == "zero-unique",
                // The oracle rejects the input with an exception; any CostError will do.
                (Err(_), _) => err.starts_with("other:"),
                (Ok(_), _) => false,
            };
            if !matches {
                failures.push(format!("{}: oracle {err}, ours {got:?}", c.id));
            }
            continue;
        }
        match got {
            Ok(m) => {
                ok += 1;
                for (name, ours) in oracle_fields(&m) {
                    let want = json_text(&c.json["expect"][name]);
                    if !same(&ours, &want) {
                        failures.push(format!("{}: {name} = {ours}, oracle {want}", c.id));
                    }
                }
            }
            Err(e) => failures.push(format!("{}: unexpected error {e:?}", c.id)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        (ok, errors),
        (502, 98),
        "oracle cases evaluated, refused as MAESTRO refuses"
    );
}

/// Reference rows with a layer shape (not the hand-written feature files), with the true MACs.
fn shaped_reference_cases() -> Vec<(Case, i64)> {
    let exp = expected_table();
    cases(REF_PROBLEMS)
        .into_iter()
        .zip(&exp.rows)
        .filter_map(|(c, row)| row[2].parse::<i64>().ok().map(|macs| (c, macs)))
        .collect()
}

#[test]
fn default_macs_equal_true_macs_on_reference_shapes() {
    let shaped = shaped_reference_cases();
    assert_eq!(shaped.len(), 376);
    let mut failures = Vec::new();
    for (c, macs_true) in &shaped {
        match evaluate(&c.problem, &c.hw, Model::Default) {
            Ok(m) if m.num_macs == *macs_true => {}
            Ok(m) => failures.push(format!("{}: {} MACs, true {macs_true}", c.id, m.num_macs)),
            Err(e) => failures.push(format!("{}: error {e}", c.id)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The crate's generator with the draws the robustness tests use.
struct Rng(crate::util::Rng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(crate::util::Rng::new(seed))
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n as usize) as u64
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.0.below(xs.len())]
    }

    /// Mostly small positive values, sometimes zero, negative or huge.
    fn value(&mut self) -> i64 {
        match self.below(20) {
            0 => 0,
            1 => -(self.below(5) as i64),
            2 => self.pick(&[MAX_INPUT, MAX_INPUT + 1, i64::MAX, i64::MIN, 1 << 20]),
            3 => 1 << self.below(24),
            _ => 1 + self.below(12) as i64,
        }
    }
}

fn random_problem(rng: &mut Rng) -> (Problem, Hardware) {
    let layer_type = rng.pick(&[
        LayerType::Conv,
        LayerType::Dsconv,
        LayerType::Ngconv,
        LayerType::Trconv,
    ]);
    let plausible = rng.below(4) != 0;
    let mut dims: Vec<(Dim, i64)> = Vec::new();
    if plausible {
        for d in [
            Dim::N,
            Dim::G,
            Dim::K,
            Dim::C,
            Dim::R,
            Dim::S,
            Dim::Y,
            Dim::X,
        ] {
            if rng.below(30) != 0 || (d == Dim::N || d == Dim::G) && rng.below(2) == 0 {
                let v = if rng.below(20) == 0 {
                    rng.value()
                } else {
                    1 + rng.below(9) as i64
                };
                dims.push((d, v));
            }
        }
    }
    for _ in 0..rng.below(if plausible { 2 } else { 10 }) {
        dims.push((rng.pick(&Dim::ALL), rng.value()));
    }
    let strides = (0..rng.below(3))
        .map(|_| {
            let s = if plausible && rng.below(10) != 0 {
                1 + rng.below(3) as i64
            } else {
                rng.value()
            };
            (rng.pick(&[Dim::X, Dim::Y, Dim::R]), s)
        })
        .collect();
    let declared: Vec<Dim> = dims.iter().map(|d| d.0).collect();
    let mut directives = Vec::new();
    if plausible && !declared.is_empty() {
        let small = |rng: &mut Rng| {
            if rng.below(12) == 0 {
                rng.value()
            } else {
                1 + rng.below(10) as i64
            }
        };
        for level in 0..1 + rng.below(3) {
            if level > 0 {
                directives.push(Directive::Cluster { size: small(rng) });
            }
            for i in 0..1 + rng.below(6) {
                let spatial = i == 0 || rng.below(8) == 0;
                directives.push(Directive::Map {
                    kind: if spatial {
                        MapKind::Spatial
                    } else {
                        MapKind::Temporal
                    },
                    size: small(rng),
                    offset: small(rng),
                    dim: if rng.below(15) == 0 {
                        rng.pick(&Dim::ALL)
                    } else {
                        rng.pick(&declared)
                    },
                });
            }
        }
        let hw = Hardware {
            num_pes: 1 + rng.below(300) as i64,
            l1_size: 1 << rng.below(20),
            l2_size: 1 << rng.below(30),
            noc_bw: 1 + rng.below(64) as i64,
            noc_hops: rng.below(3) as i64,
            simd_lanes: 1 + rng.below(4) as i64,
            precision_bits: rng.pick(&[None, Some(8), Some(16)]),
            operand_bits: None,
            energy: None,
            sparse: crate::ir::SparseSupport::DENSE,
        };
        let problem = Problem {
            layer_type,
            dims,
            strides,
            batch_in_tensors: rng.below(3) == 0,
            directives,
            useful_macs: None,
            sparsity: Default::default(),
        };
        return (problem, hw);
    }
    let directives = (0..rng.below(14))
        .map(|_| {
            if rng.below(6) == 0 {
                Directive::Cluster { size: rng.value() }
            } else {
                Directive::Map {
                    kind: rng.pick(&[MapKind::Temporal, MapKind::Spatial]),
                    size: rng.value(),
                    offset: rng.value(),
                    dim: rng.pick(&Dim::ALL),
                }
            }
        })
        .collect();
    let problem = Problem {
        layer_type,
        dims,
        strides,
        batch_in_tensors: rng.below(3) == 0,
        directives,
        useful_macs: None,
        sparsity: Default::default(),
    };
    let hw = Hardware {
        num_pes: rng.value(),
        l1_size: rng.value(),
        l2_size: rng.value(),
        noc_bw: rng.value(),
        noc_hops: rng.value(),
        simd_lanes: rng.value(),
        precision_bits: rng.pick(&[None, Some(0), Some(8), Some(16), Some(99)]),
        operand_bits: None,
        energy: None,
        sparse: crate::ir::SparseSupport::DENSE,
    };
    (problem, hw)
}

#[test]
fn never_panics_on_arbitrary_input() {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    let mut outcomes = [0usize; 2];
    for _ in 0..20_000 {
        let (p, hw) = random_problem(&mut rng);
        for model in [Model::Maestro, Model::Default] {
            outcomes[usize::from(evaluate(&p, &hw, model).is_ok())] += 1;
        }
    }
    // Also mutate valid problems slightly, which reaches deeper into the engine.
    for c in cases(ORACLE_CASES).iter().take(300) {
        for _ in 0..20 {
            let mut p = c.problem.clone();
            let mut hw = c.hw;
            let i = rng.below(p.directives.len() as u64) as usize;
            match p.directives.get_mut(i) {
                Some(Directive::Map { size, offset, .. }) => {
                    if rng.below(2) == 0 {
                        *size = rng.value();
                    } else {
                        *offset = rng.value();
                    }
                }
                Some(Directive::Cluster { size }) => *size = rng.value(),
                None => {}
            }
            if rng.below(4) == 0 {
                hw.num_pes = rng.value();
            }
            for model in [Model::Maestro, Model::Default] {
                outcomes[usize::from(evaluate(&p, &hw, model).is_ok())] += 1;
            }
        }
    }
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}

/// The hardware with buffers large enough for any tile: for the properties of the counts,
/// which MAESTRO's small reference buffers would otherwise hide behind capacity refusals.
fn roomy(hw: &Hardware) -> Hardware {
    Hardware {
        l1_size: 1 << 40,
        l2_size: 1 << 40,
        ..*hw
    }
}

/// Every successful Default evaluation of the reference and oracle problems (on roomy buffers).
fn default_results() -> Vec<(Case, LayerMetrics)> {
    cases(REF_PROBLEMS)
        .into_iter()
        .chain(cases(ORACLE_CASES))
        .filter_map(|c| {
            let m = evaluate(&c.problem, &roomy(&c.hw), Model::Default).ok()?;
            Some((c, m))
        })
        .collect()
}

#[test]
fn default_has_no_nan_and_no_negative_values() {
    let results = default_results();
    // Most `_random` oracle dataflows (overlapping tiles, two unrelated spatial maps) are
    // `UnsupportedMapping` in the Default model.
    assert_eq!(results.len(), 843, "results");
    let mut failures = Vec::new();
    for (c, m) in &results {
        for (col, v) in CSV_COLUMNS.iter().zip(m.csv_values()) {
            let x = parse_float(&v);
            if !x.is_finite() || x < 0.0 {
                failures.push(format!("{}: {col} = {v}", c.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Holds for sane dataflows (the reference set and the pattern-based oracle cases); the
/// `random` oracle dataflows have overlapping reduction tiles and inconsistent levels.
#[test]
fn default_runtime_is_at_least_the_compute_bound() {
    let results = default_results();
    let sane: Vec<_> = results
        .iter()
        .filter(|(c, _)| !c.id.ends_with("_random"))
        .collect();
    assert_eq!(sane.len(), 821, "sane results");
    for (c, m) in sane {
        let peak = c.hw.num_pes * c.hw.simd_lanes;
        assert!(
            m.runtime_cycles * peak >= m.num_macs,
            "{}: {} cycles for {} MACs on {peak} MAC units",
            c.id,
            m.runtime_cycles,
            m.num_macs
        );
        assert!(m.avg_utilized_pes <= c.hw.num_pes as f64 + 1e-9, "{}", c.id);
    }
}

#[test]
fn default_more_noc_bandwidth_never_slows_down() {
    for (i, (c, m)) in default_results().into_iter().enumerate() {
        if i % 3 != 0 {
            continue;
        }
        let mut last = m.runtime_cycles;
        for factor in [2, 4, 16] {
            let hw = Hardware {
                noc_bw: c.hw.noc_bw * factor,
                ..roomy(&c.hw)
            };
            let faster = evaluate(&c.problem, &hw, Model::Default).expect("same problem");
            assert!(
                faster.runtime_cycles <= last,
                "{}: NoC_BW ×{factor} gives {} cycles, before {last}",
                c.id,
                faster.runtime_cycles
            );
            last = faster.runtime_cycles;
        }
    }
}

fn reference_case(id: &str) -> Case {
    cases(REF_PROBLEMS)
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no reference case {id}"))
}

/// The quirk-affected reference rows: MAESTRO's value in the Maestro model, the corrected
/// one in the Default model.
#[test]
fn quirk_rows_differ_as_documented() {
    // Quirk 1: shi tiles hold several windows; MAESTRO ignores the stride of 2 in their output
    // size.
    let c = reference_case("resnet50__conv1__shi__hw256");
    let m = maestro(&c).expect("maestro");
    let d = evaluate(&c.problem, &c.hw, Model::Default).expect("default");
    assert_eq!(m.num_macs, 206_524_416);
    assert_eq!(d.num_macs, 118_013_952); // 64·3·7·7·112·112
    assert!(d.throughput <= d.avg_utilized_pes * c.hw.simd_lanes as f64);

    // Quirk 1: the output size (output L2 read) ignores the stride in MAESTRO.
    let c = reference_case("resnet50__conv1__dla__hw256");
    let m = maestro(&c).expect("maestro");
    let d = evaluate(&c.problem, &c.hw, Model::Default).expect("default");
    assert_eq!(m.output_l2_read, 3_182_656); // (229−7+1)²·64
    assert_eq!(d.output_l2_read, 802_816); // 112²·64
    assert_eq!(m.num_macs, d.num_macs);

    // Quirk 5: T(10,8) X on X = 9 gives MAESTRO an output tile of −1, so every case is skipped.
    let c = reference_case("resnet50__c5_3x3__shi__hw256");
    let m = maestro(&c).expect("maestro");
    let d = evaluate(&c.problem, &c.hw, Model::Default).expect("default");
    assert_eq!((m.runtime_cycles, m.num_macs), (0, 0));
    assert!(m.throughput.is_nan());
    assert_eq!(m.ingress_delay_min, i64::MIN);
    assert_eq!(m.output_l2_write, -1_835_008);
    assert_eq!(d.num_macs, 115_605_504); // 512·512·3·3·7·7
    assert!(d.runtime_cycles > 0 && d.output_l2_write > 0);

    // Quirk 9: MAESTRO's CSV energy omits MAC energy, output L2 reads and (first layer of a
    // multi-level dataflow) the L1 counts; the Default CSV energy is the total energy.
    let c = reference_case("resnet50__conv1__dla__hw256");
    let m = maestro(&c).expect("maestro");
    let d = evaluate(&c.problem, &c.hw, Model::Default).expect("default");
    assert!(m.info.csv_l1_from_previous_layer);
    assert!((m.csv_energy_nj - 0.904 * 18.61 * 9_594_478.0).abs() < 1.0);
    assert!((d.csv_energy_nj - 0.904 * d.total_energy).abs() <= 1e-6 * d.total_energy);

    // Quirk 6 (edge sizes without an edge tile): MAESTRO gives the last of 32 PEs no unique
    // channel and loses one channel of outputs; the Default model writes every output once.
    let c = reference_case("mobilenetv2__b1_dw__dla__hw256");
    let m = maestro(&c).expect("maestro");
    let d = evaluate(&c.problem, &c.hw, Model::Default).expect("default");
    assert_eq!(m.output_l2_write, 388_864);
    assert_eq!(d.output_l2_write, 401_408); // 32·112·112
}

#[test]
fn maestro_chains_the_previous_layers_l1_counts_into_the_csv_energy() {
    let first = maestro(&reference_case("resnet50__conv1__ws__hw256")).expect("single level");
    assert!(!first.info.csv_l1_from_previous_layer);
    let mut second = maestro(&reference_case("resnet50__c2_3x3__dla__hw256")).expect("two levels");
    let before = second.csv_energy_nj;
    second.maestro_chain_previous_layer(&first);
    let added = 0.904 * 1.68 * first.l1_accesses_total as f64;
    assert!(close(second.csv_energy_nj, before + added, 1e-12));
    assert!(close(
        second.csv_ops_per_joule,
        second.num_macs as f64 / second.csv_energy_nj * 1e9,
        1e-12
    ));
}

#[test]
fn default_precision_and_energy_table() {
    let c = reference_case("resnet50__c2_3x3__dla__hw256");
    let elems = evaluate(&c.problem, &c.hw, Model::Default).expect("default");
    assert_eq!(elems.info.size_unit, SizeUnit::Elements);
    let energy = EnergyTable {
        mac: 0.5,
        l1: 2.0,
        l2: 20.0,
        nj_per_unit: 1e-3,
    };
    let hw = Hardware {
        precision_bits: Some(16),
        energy: Some(energy),
        l1_size: c.hw.l1_size * 2,
        l2_size: c.hw.l2_size * 2,
        ..c.hw
    };
    let bytes = evaluate(&c.problem, &hw, Model::Default).expect("default, 16 bit");
    assert_eq!(bytes.info.size_unit, SizeUnit::Bytes);
    assert_eq!(bytes.input_l2_size_req, 2 * elems.input_l2_size_req);
    assert_eq!(bytes.output_l1_size_req, 2 * elems.output_l1_size_req);
    assert_eq!(bytes.csv_l1_sram_size, 2 * elems.csv_l1_sram_size);
    // Counts stay in elements.
    assert_eq!(bytes.input_l2_read, elems.input_l2_read);
    assert_eq!(bytes.runtime_cycles, elems.runtime_cycles);
    let want = 0.5 * bytes.num_macs as f64
        + 2.0 * bytes.l1_accesses_total as f64
        + 20.0 * bytes.l2_accesses_total as f64;
    assert!(close(bytes.total_energy, want, 1e-12));
    assert!(close(bytes.csv_energy_nj, want * 1e-3, 1e-12));
    // Capacities are bytes now: the element-sized L1 no longer fits a 16-bit output tile.
    let tight = Hardware {
        l1_size: elems.output_l1_size_req,
        ..hw
    };
    let err = evaluate(&c.problem, &tight, Model::Default).expect_err("L1 too small");
    assert!(
        matches!(
            err,
            CostError::ExceedsCapacity(CapacityExcess {
                level: BufferLevel::L1,
                unit: SizeUnit::Bytes,
                ..
            })
        ),
        "{err:?}"
    );
    // The Maestro model ignores both settings.
    let m1 = maestro(&c).expect("maestro");
    let m2 = evaluate(&c.problem, &hw, Model::Maestro).expect("maestro");
    assert_eq!(m1.input_l2_size_req, m2.input_l2_size_req);
    assert!(close(m1.total_energy, m2.total_energy, 0.0));
}

pub(super) fn conv(directives: Vec<Directive>) -> Problem {
    Problem {
        layer_type: LayerType::Conv,
        dims: vec![
            (Dim::K, 16),
            (Dim::C, 8),
            (Dim::R, 3),
            (Dim::S, 3),
            (Dim::Y, 10),
            (Dim::X, 10),
        ],
        strides: vec![],
        batch_in_tensors: false,
        directives,
        useful_macs: None,
        sparsity: Default::default(),
    }
}

pub(super) fn t(size: i64, offset: i64, dim: Dim) -> Directive {
    Directive::Map {
        kind: MapKind::Temporal,
        size,
        offset,
        dim,
    }
}

pub(super) fn sp(size: i64, offset: i64, dim: Dim) -> Directive {
    Directive::Map {
        kind: MapKind::Spatial,
        size,
        offset,
        dim,
    }
}

const HW: Hardware = Hardware {
    num_pes: 64,
    l1_size: 1 << 20,
    l2_size: 1 << 30,
    noc_bw: 16,
    noc_hops: 1,
    simd_lanes: 1,
    precision_bits: None,
    operand_bits: None,
    energy: None,
    sparse: crate::ir::SparseSupport::DENSE,
};

/// Row 18: the Default model refuses tiles whose three tensors together exceed a buffer,
/// even where MAESTRO's output-only check passes; the Maestro model evaluates them and records
/// the excess (for W0504).
#[test]
fn capacity_counts_every_tensor() {
    // One PE per K, whole 10×10 input planes of all 8 channels: per PE the input tile is
    // 8·10·10 = 800, the filter 8·3·3 = 72, the output 1·10·10 = 100 elements, double-buffered.
    let p = conv(vec![
        sp(1, 1, Dim::K),
        t(8, 8, Dim::C),
        t(10, 10, Dim::Y),
        t(10, 10, Dim::X),
    ]);
    let hw = Hardware {
        l1_size: 1000,
        ..HW
    };
    let err = evaluate(&p, &hw, Model::Default).expect_err("does not fit");
    let CostError::ExceedsCapacity(e) = err else {
        panic!("{err:?}");
    };
    assert_eq!(e.level, BufferLevel::L1);
    assert_eq!(e.required, [1600, 144, 200]);
    assert_eq!(e.capacity, 1000);
    assert_eq!(
        e.to_string(),
        "the L1 buffer of each PE needs 1944 elements (input 1600 elements + filter 144 \
         elements + output 200 elements, double-buffered) but holds 1000 elements"
    );
    let m = evaluate(&p, &hw, Model::Maestro).expect("MAESTRO checks the output only");
    assert_eq!(m.info.exceeds_capacity, Some(e));
    // At exactly the requirement it fits, and the report shows the per-PE requirement.
    let fits = Hardware {
        l1_size: 1944,
        ..HW
    };
    let m = evaluate(&p, &fits, Model::Default).expect("fits");
    assert_eq!(m.l1_size_req(), 1944);
    assert_eq!(m.info.exceeds_capacity, None);
    // In bytes at 16 bits the same tiles need twice as much.
    let bytes = Hardware {
        precision_bits: Some(16),
        ..fits
    };
    let err = evaluate(&p, &bytes, Model::Default).expect_err("bytes");
    assert!(
        err.to_string().contains("needs 3888 B (input 3200 B"),
        "{err}"
    );
}

#[test]
fn errors_point_at_the_offending_directive() {
    let err = |p: &Problem, hw: &Hardware| evaluate(p, hw, Model::Maestro).expect_err("error");
    let cl = |size| Directive::Cluster { size };
    assert!(evaluate(&conv(vec![sp(1, 1, Dim::K)]), &HW, Model::Maestro).is_ok());
    assert_eq!(
        err(&conv(vec![t(1, 1, Dim::K)]), &HW),
        CostError::NoSpatialMap {
            level: 0,
            cluster: None
        }
    );
    assert_eq!(
        err(&conv(vec![sp(1, 1, Dim::K), cl(4), t(1, 1, Dim::C)]), &HW),
        CostError::NoSpatialMap {
            level: 1,
            cluster: Some(1)
        }
    );
    assert_eq!(
        err(
            &conv(vec![sp(1, 1, Dim::K), sp(1, 1, Dim::C), sp(1, 1, Dim::X)]),
            &HW
        ),
        CostError::TooManySpatialMaps { directive: 2 }
    );
    assert_eq!(
        err(
            &conv(vec![
                sp(1, 1, Dim::K),
                cl(2),
                sp(1, 1, Dim::C),
                cl(2),
                sp(1, 1, Dim::Y),
                cl(2),
                sp(1, 1, Dim::X),
                cl(2)
            ]),
            &HW
        ),
        CostError::TooManyClusters { directive: 7 }
    );
    assert_eq!(
        err(
            &conv(vec![sp(1, 1, Dim::K), cl(128), sp(1, 1, Dim::C)]),
            &HW
        ),
        CostError::NotEnoughPes {
            required: 128,
            available: 64
        }
    );
    assert_eq!(
        err(&conv(vec![sp(0, 1, Dim::K)]), &HW),
        CostError::InvalidMapSize {
            directive: 0,
            size: 0
        }
    );
    assert_eq!(
        err(&conv(vec![sp(1, -2, Dim::K)]), &HW),
        CostError::InvalidMapOffset {
            directive: 0,
            offset: -2
        }
    );
    assert_eq!(
        err(&conv(vec![sp(1, 1, Dim::N)]), &HW),
        CostError::DimensionNotFound {
            directive: 0,
            dim: Dim::N,
            level: 0
        }
    );
    // MAESTRO quirk 15: a K map in a multi-level DSCONV dataflow is inherited by the
    // lower level, which has no K.
    let mut ds = conv(vec![
        t(1, 1, Dim::K),
        sp(1, 1, Dim::C),
        cl(4),
        sp(1, 1, Dim::Y),
    ]);
    ds.layer_type = LayerType::Dsconv;
    assert_eq!(
        err(&ds, &HW),
        CostError::DimensionNotFound {
            directive: 0,
            dim: Dim::K,
            level: 1
        }
    );
    let mut batch = conv(vec![sp(1, 1, Dim::K)]);
    batch.batch_in_tensors = true;
    assert_eq!(
        err(&batch, &HW),
        CostError::MissingDimension { dim: Dim::N }
    );
    assert_eq!(
        err(&conv(vec![sp(1, 1, Dim::K)]), &Hardware { noc_bw: 0, ..HW }),
        CostError::InvalidHardware {
            field: HwField::NocBw
        }
    );
    assert_eq!(
        err(
            &conv(vec![sp(1, 1, Dim::K)]),
            &Hardware { l1_size: 10, ..HW }
        ),
        CostError::NotEnoughL1 {
            required: 200, // double-buffered output tile K·Y·X = 1·10·10 (input coordinates)
            capacity: 10
        }
    );
    let mut yo = conv(vec![sp(1, 1, Dim::K), t(3, 3, Dim::YOut)]);
    yo.directives.push(t(3, 3, Dim::S));
    assert_eq!(
        err(&yo, &HW),
        CostError::OutputMapWithoutFilterMap {
            directive: 1,
            dim: Dim::YOut
        }
    );
    assert!(
        evaluate(&yo, &HW, Model::Default).is_ok(),
        "Default falls back to the R dim"
    );
}

#[test]
fn csv_formatting() {
    let m = maestro(&reference_case("resnet50__c5_3x3__shi__hw256")).expect("maestro");
    let row: Vec<(&str, String)> = CSV_COLUMNS.iter().copied().zip(m.csv_values()).collect();
    let get = |name: &str| row.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    assert_eq!(get("throughput").as_deref(), Some("nan"));
    assert_eq!(
        get("ingress_delay_min").as_deref(),
        Some("-9223372036854775808")
    );
    assert_eq!(get("runtime_cycles").as_deref(), Some("0"));
    assert_eq!(get("output_reuse_factor").as_deref(), Some("1.0"));
    assert_eq!(format_float(1e-9), "1e-9");
    assert_eq!(format_float(f64::INFINITY), "inf");
}

#[test]
fn default_macs_equal_true_macs_on_pattern_dataflows() {
    let (mut checked, mut refused) = (0, 0);
    let mut failures = Vec::new();
    for c in cases(ORACLE_CASES) {
        if c.id.ends_with("_random") {
            continue;
        }
        let roomy = Hardware {
            l1_size: i64::MAX,
            l2_size: i64::MAX,
            ..c.hw
        };
        match evaluate(&c.problem, &roomy, Model::Default) {
            Ok(m) => {
                checked += 1;
                let want = c.problem.dense_macs();
                if m.num_macs != want {
                    failures.push(format!("{}: {} MACs, true {want}", c.id, m.num_macs));
                }
            }
            // The last guard must never fire: a mismatch is a counting bug, not a refusal.
            Err(e @ CostError::MacMismatch { .. }) => failures.push(format!("{}: {e}", c.id)),
            Err(_) => refused += 1,
        }
    }
    assert_eq!(
        (checked, refused),
        (432, 13),
        "pattern cases counted, refused"
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A random small layer (CONV, DSCONV or NGCONV; strides 1–2; input- or output-declared
/// rows/columns) with a random 1–2-level dataflow: random dimensions, spatial or temporal,
/// sizes up to the dimension, offsets up to the size, 1–2 spatial maps per level, partial
/// filter tiles allowed.
fn random_small_case(rng: &mut Rng) -> (Problem, Hardware) {
    let layer_type = rng.pick(&[LayerType::Conv, LayerType::Dsconv, LayerType::Ngconv]);
    let batch = rng.below(4) == 0;
    let mut dims: Vec<(Dim, i64)> = Vec::new();
    let small = |rng: &mut Rng, hi: u64| 1 + rng.below(hi) as i64;
    if batch {
        dims.push((Dim::N, small(rng, 2)));
    }
    if layer_type == LayerType::Ngconv {
        dims.push((Dim::G, small(rng, 3)));
    }
    if layer_type == LayerType::Dsconv {
        if rng.below(2) == 0 {
            dims.push((Dim::K, 1));
        }
    } else {
        dims.push((Dim::K, small(rng, 5)));
    }
    dims.push((Dim::C, small(rng, 5)));
    let r = small(rng, 3);
    let s = small(rng, 3);
    dims.push((Dim::R, r));
    dims.push((Dim::S, s));
    let strides = vec![(Dim::Y, small(rng, 2)), (Dim::X, small(rng, 2))];
    for (inp, out, w) in [(Dim::Y, Dim::YOut, r), (Dim::X, Dim::XOut, s)] {
        if rng.below(2) == 0 {
            dims.push((out, small(rng, 5)));
        } else {
            dims.push((inp, w - 1 + small(rng, 6)));
        }
    }
    let size_of = |d: Dim| dims.iter().find(|x| x.0 == d).map(|x| x.1);
    // Dimensions a map may name, with their sizes.
    let mut mappable: Vec<(Dim, i64)> = Vec::new();
    for &(d, v) in &dims {
        mappable.push((d, v));
    }
    if let (Some(y), None) = (size_of(Dim::Y), size_of(Dim::YOut)) {
        let sy = strides[0].1;
        mappable.push((Dim::YOut, (y - r) / sy + 1));
    }
    if let (Some(x), None) = (size_of(Dim::X), size_of(Dim::XOut)) {
        let sx = strides[1].1;
        mappable.push((Dim::XOut, (x - s) / sx + 1));
    }
    let mut directives = Vec::new();
    let levels = 1 + rng.below(2);
    let mut units = 1;
    for level in 0..levels {
        if level > 0 {
            let c = small(rng, 4);
            units *= c;
            directives.push(Directive::Cluster { size: c });
        }
        let nmaps = 1 + rng.below(4) as usize;
        let nsp = (1 + rng.below(2) as usize).min(nmaps);
        let mut used: Vec<Dim> = Vec::new();
        for i in 0..nmaps {
            let (d, v) = rng.pick(&mappable);
            if used.contains(&d) {
                continue;
            }
            used.push(d);
            let size = small(rng, v as u64);
            let offset = if rng.below(2) == 0 {
                size
            } else {
                small(rng, size as u64)
            };
            directives.push(Directive::Map {
                kind: if i < nsp {
                    MapKind::Spatial
                } else {
                    MapKind::Temporal
                },
                size,
                offset,
                dim: d,
            });
        }
    }
    let hw = Hardware {
        num_pes: units * small(rng, 6),
        l1_size: 1 << 40,
        l2_size: 1 << 40,
        noc_bw: small(rng, 8),
        noc_hops: rng.below(3) as i64,
        simd_lanes: small(rng, 2),
        precision_bits: None,
        operand_bits: None,
        energy: None,
        sparse: crate::ir::SparseSupport::DENSE,
    };
    let problem = Problem {
        layer_type,
        dims,
        strides,
        batch_in_tensors: batch,
        directives,
        useful_macs: None,
        sparsity: Default::default(),
    };
    (problem, hw)
}

/// Checks one Default evaluation: an error, or true MACs, `runtime × PEs × lanes ≥ MACs` and no
/// negative value. Returns a description of the violation.
fn default_violation(p: &Problem, hw: &Hardware) -> Option<String> {
    let m = match evaluate(p, hw, Model::Default) {
        Err(_) => return None,
        Ok(m) => m,
    };
    let want = p.dense_macs();
    if m.num_macs != want {
        return Some(format!("{} MACs, true {want}", m.num_macs));
    }
    if m.runtime_cycles.saturating_mul(hw.num_pes * hw.simd_lanes) < m.num_macs {
        return Some(format!(
            "{} cycles for {} MACs on {}×{} MAC units",
            m.runtime_cycles, m.num_macs, hw.num_pes, hw.simd_lanes
        ));
    }
    for (col, v) in CSV_COLUMNS.iter().zip(m.csv_values()) {
        let x = parse_float(&v);
        if !x.is_finite() || x < 0.0 {
            return Some(format!("{col} = {v}"));
        }
    }
    None
}

/// Partial filter tiles (MODEL.md row 16): the outputs of a row tile are
/// those whose whole window it holds; a partial `R`/`S` map selects the filter rows they use.
#[test]
fn default_counts_partial_filter_tiles_exactly() {
    let layer = |strides: Vec<(Dim, i64)>| Problem {
        layer_type: LayerType::Conv,
        dims: vec![
            (Dim::K, 4),
            (Dim::C, 4),
            (Dim::R, 2),
            (Dim::S, 3),
            (Dim::YOut, 4),
            (Dim::XOut, 1),
        ],
        strides,
        batch_in_tensors: false,
        directives: vec![
            sp(1, 1, Dim::R),
            t(1, 1, Dim::S),
            t(4, 4, Dim::K),
            t(1, 1, Dim::C),
            t(1, 1, Dim::YOut),
        ],
        useful_macs: None,
        sparsity: Default::default(),
    };
    for strides in [vec![(Dim::Y, 2)], vec![(Dim::Y, 2), (Dim::X, 2)], vec![]] {
        let p = layer(strides);
        assert_eq!(p.dense_macs(), 384);
        let m = evaluate(&p, &HW, Model::Default).expect("default");
        assert_eq!(m.num_macs, 384, "{:?}", p.strides);
        assert!(m.runtime_cycles * HW.num_pes >= 384);
    }
    // MAESTRO counts every (row, filter row) pair of the tiles as an output (and the Default
    // model did too, with stride-aware tiles: 2,304).
    let m = evaluate(&layer(vec![(Dim::Y, 2)]), &HW, Model::Maestro).expect("maestro");
    assert_eq!(m.num_macs, 1440);
}

/// Two spatial maps of one level run in lock-step in the engine (unit i gets the i-th tile of
/// both); outside the row-stationary pair the Default model reports it instead of a number.
#[test]
fn default_rejects_two_unrelated_spatial_maps() {
    let fc = Problem {
        layer_type: LayerType::Conv,
        dims: vec![
            (Dim::K, 1000),
            (Dim::C, 512),
            (Dim::R, 1),
            (Dim::S, 1),
            (Dim::Y, 1),
            (Dim::X, 1),
        ],
        strides: vec![],
        batch_in_tensors: false,
        directives: vec![sp(1, 1, Dim::C), sp(2, 2, Dim::K)],
        useful_macs: None,
        sparsity: Default::default(),
    };
    let hw = Hardware { num_pes: 256, ..HW };
    let err = evaluate(&fc, &hw, Model::Default).expect_err("unsupported");
    assert!(
        matches!(
            err,
            CostError::UnsupportedMapping {
                directive: Some(1),
                ..
            }
        ),
        "{err:?}"
    );
    let m = evaluate(&fc, &hw, Model::Maestro).expect("maestro");
    assert_ne!(m.num_macs, 512_000);
    // One spatial map per level is exact.
    let one = Problem {
        directives: vec![t(1, 1, Dim::C), sp(2, 2, Dim::K)],
        ..fc
    };
    assert_eq!(
        evaluate(&one, &hw, Model::Default)
            .expect("default")
            .num_macs,
        512_000
    );
}

/// Seeded property: on random small layers × random 1–2-level dataflows, the Default model
/// returns an error or the true MAC count, with `runtime × PEs × lanes ≥ MACs` and no negative
/// or non-finite value.
#[test]
fn default_is_exact_or_an_error_on_random_small_mappings() {
    let mut rng = Rng::new(0x5eed_0fd0_c5ca_5e01);
    let (mut ok, mut errors, mut partial_filter) = (0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..5000 {
        let (p, hw) = random_small_case(&mut rng);
        match evaluate(&p, &hw, Model::Default) {
            Err(e @ CostError::MacMismatch { .. }) => {
                failures.push(format!("#{i}: {e}\n  {:?}", p.directives));
                continue;
            }
            Err(_) => {
                errors += 1;
                continue;
            }
            Ok(_) => {}
        }
        ok += 1;
        let size = |d: Dim| p.dims.iter().find(|x| x.0 == d).map_or(1, |x| x.1);
        let partial = p.directives.iter().any(|d| match *d {
            Directive::Map { size: m, dim, .. } => matches!(dim, Dim::R | Dim::S) && m < size(dim),
            Directive::Cluster { .. } => false,
        });
        if partial {
            partial_filter += 1;
        }
        if let Some(v) = default_violation(&p, &hw) {
            failures.push(format!(
                "#{i}: {v}\n  {:?} {:?} {:?}\n  {:?}",
                p.layer_type, p.dims, p.strides, p.directives
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ok} evaluations wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        (ok, errors, partial_filter),
        (2146, 2854, 517),
        "evaluations accepted, refused, accepted with partial filter tiles"
    );
}

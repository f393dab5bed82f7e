//! `dfc quantize` end to end on the fixtures in `tests/quantize/`: the emitted `.df` re-checks
//! and evaluates with its `precision` block, the report has its fields, the same seed gives
//! the same files at any thread count, bad `--pairs` files and failing, hanging or babbling
//! `--evaluate` commands get coded errors and write nothing, an unreachable target is
//! reported. Also: `int2`..`int8` are formats of the language and capacities count bits.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;
use crate::common::text;

fn dfc(args: &[&str], threads: &str) -> Output {
    common::dfc_threads(args, threads)
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("quantize", name)
}

const MAPPING: &str = "tests/quantize/digits_edge.df";

/// Quick generator settings so a debug build runs in about a second.
fn quantize(pairs: &str, target: &str, out: &Path, extra: &[&str], threads: &str) -> Output {
    let (o, r) = (out.join("out.df"), out.join("report.json"));
    let mut args = vec![
        "quantize",
        MAPPING,
        "--pairs",
        pairs,
        "--target-accuracy",
        target,
        "--gan-steps",
        "200",
        "--candidates",
        "8",
        "-o",
        o.to_str().unwrap(),
        "--report",
        r.to_str().unwrap(),
    ];
    args.extend(extra);
    dfc(&args, threads)
}

#[test]
fn quantize_emits_a_mapping_that_evaluates_and_a_deterministic_report() {
    let (a, b) = (scratch("det-a"), scratch("det-b"));
    let run_a = quantize(
        "tests/quantize/pairs.csv",
        "0.9",
        &a,
        &["--objective", "size"],
        "1",
    );
    assert_eq!(run_a.status.code(), Some(0), "{}", text(&run_a.stderr));
    let run_b = quantize(
        "tests/quantize/pairs.csv",
        "0.9",
        &b,
        &["--objective", "size"],
        "2",
    );
    assert_eq!(run_b.status.code(), Some(0), "{}", text(&run_b.stderr));
    let read = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).expect("written");
    assert_eq!(read(&a, "out.df"), read(&b, "out.df"));
    assert_eq!(read(&a, "report.json"), read(&b, "report.json"));

    let df = read(&a, "out.df");
    assert!(df.contains("precision {"), "{df}");
    let eval = dfc(&["eval", a.join("out.df").to_str().unwrap()], "1");
    assert_eq!(eval.status.code(), Some(0), "{}", text(&eval.stderr));

    let report: serde_json::Value = serde_json::from_str(&read(&a, "report.json")).unwrap();
    assert_eq!(report["target_accuracy"], 0.9);
    assert_eq!(report["training_pairs"], 120);
    let candidates = report["candidates"].as_array().unwrap();
    assert_eq!(candidates.len(), 8);
    for c in candidates {
        assert_eq!(c["bits"].as_array().unwrap().len(), 4);
        assert_eq!(c["measured"], false);
        let feasible = c["accuracy"].as_f64().unwrap() >= 0.9;
        assert_eq!(c["feasible"], feasible);
        for key in ["runtime_cycles", "energy_pj", "size_bits"] {
            assert!(c[key].as_f64().unwrap() > 0.0, "{key}");
        }
    }
    assert_eq!(report["reachable"], true);
    let chosen = &report["chosen"];
    assert_eq!(chosen["feasible"], true);
    // The chosen candidate is the smallest feasible one, and the emitted file carries its widths.
    let smallest = candidates
        .iter()
        .filter(|c| c["feasible"] == true)
        .map(|c| c["size_bits"].as_u64().unwrap())
        .min()
        .unwrap();
    assert_eq!(chosen["size_bits"].as_u64().unwrap(), smallest);
    for b in chosen["bits"].as_array().unwrap() {
        let (w, a) = (b["w"].as_u64().unwrap(), b["a"].as_u64().unwrap());
        let line = if w == a {
            format!("{}: int{w};", b["layer"].as_str().unwrap())
        } else {
            format!("{}: int{w} w / int{a} a;", b["layer"].as_str().unwrap())
        };
        assert!(df.contains(&line), "{line} in {df}");
    }
    let methods: Vec<&str> = report["baselines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["uniform", "random", "reinforce"]);
    assert_eq!(report["baselines"][1]["evaluations"], 8);
    assert_eq!(report["baselines"][0]["evaluations"], 7);
}

#[test]
fn an_unreachable_target_is_reported_as_such() {
    let dir = scratch("unreachable");
    let out = quantize("tests/quantize/pairs.csv", "0.995", &dir, &[], "1");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("W1001"), "{}", text(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["reachable"], false);
    assert_eq!(report["chosen"]["feasible"], false);
}

#[test]
fn bad_pairs_files_get_coded_errors_with_their_line_and_write_nothing() {
    let cases = [
        ("pairs_unknown_layer.csv", "E1001", ":1:7"),
        ("pairs_missing_layer.csv", "E1002", ":1:1"),
        ("pairs_not_a_number.csv", "E1003", ":3:3"),
        ("pairs_bad_value.csv", "E1004", ":2:3"),
    ];
    for (file, code, at) in cases {
        let dir = scratch(code);
        let path = format!("tests/quantize/{file}");
        let out = quantize(&path, "0.9", &dir, &["--diagnostic-format", "short"], "1");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {err}");
        assert!(
            err.contains(&format!("{file}{at}: error[{code}]")),
            "{file}: {err}"
        );
        assert!(!dir.join("out.df").exists() && !dir.join("report.json").exists());
    }
}

#[test]
fn failing_hanging_or_babbling_evaluate_commands_name_the_candidate_and_write_nothing() {
    let cases = [
        ("exit 3", "E1006"),
        ("sleep 5", "E1007"),
        ("echo accuracy: high", "E1008"),
    ];
    for (cmd, code) in cases {
        let dir = scratch(code);
        let extra = ["--evaluate", cmd, "--evaluate-timeout", "0.3"];
        let out = quantize("tests/quantize/pairs.csv", "0.9", &dir, &extra, "1");
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.contains(code) && err.contains("candidate 0 (conv1: "),
            "{cmd}: {err}"
        );
        assert!(!dir.join("out.df").exists() && !dir.join("report.json").exists());
    }
    // A command that reads the configuration and answers is measured.
    let dir = scratch("evaluate-ok");
    let extra = ["--evaluate", "cat > /dev/null; echo 0.95"];
    let out = quantize("tests/quantize/pairs.csv", "0.9", &dir, &extra, "1");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert!(report["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["measured"] == true && c["accuracy"] == 0.95));
}

#[test]
fn quantize_usage_errors_exit_2() {
    let out = dfc(&["quantize", MAPPING, "--target-accuracy", "0.9"], "1");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let out = dfc(
        &[
            "quantize",
            MAPPING,
            "--target-accuracy",
            "1.5",
            "--bench",
            "digits",
        ],
        "1",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

#[test]
fn narrow_integer_formats_lower_and_capacities_count_bits() {
    let src = "hardware h { pes: 4; l1: 64 B; l2: 1 KiB; noc { bandwidth: 4 B/cycle; } precision: int2; }\n";
    let (_, program, diags) = dfc::ir::lower::lower_text("t.df", src);
    assert!(diags.is_empty(), "{diags:?}");
    let hw = &program.expect("lowers").hardware[0];
    let p = hw.precision.expect("precision");
    assert_eq!((p.name, p.bits), ("int2", 2));
    // 64 bytes hold 256 two-bit elements; 4 B/cycle move 16 of them.
    assert_eq!(hw.l1.elements(hw.precision), 256);
    assert_eq!(hw.noc_bandwidth.elements_per_cycle(hw.precision), 16);
    for bits in 2..=8 {
        let p = dfc::ir::Precision::parse(&format!("int{bits}")).expect("known format");
        assert_eq!(p.bits, bits);
    }
}

/// `dfc eval --format json` metrics of layer `layer` of `digits_edge` with `precision` as its
/// precision block (none when empty).
fn digits_metrics(dir: &Path, precision: &str) -> Vec<serde_json::Value> {
    let file = dir.join(format!("p{}.df", precision.len()));
    let block = if precision.is_empty() {
        String::new()
    } else {
        format!("    precision {{ {precision} }}\n")
    };
    let src = format!(
        "use std::dataflows::nvdla;\nuse std::hardware::edge256;\nuse std::networks::digits_cnn;\n\
         mapping digits_edge {{\n    network: digits_cnn;\n    hardware: edge256;\n    dataflow: nvdla;\n{block}}}\n"
    );
    std::fs::write(&file, src).expect("written");
    let out = dfc(&["eval", "--format", "json", file.to_str().unwrap()], "1");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    report[0]["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["metrics"].clone())
        .collect()
}

/// The default model costs MACs by operand widths and traffic by tensor widths
/// (`src/backends/cost/MODEL.md`, row 23): int8 is unchanged, int4 weights halve a layer's MAC
/// and filter-access energy, int4 activations its MAC and input/output-access energy and
/// shorten its NoC transfers; so `--objective energy` tells the widths apart.
#[test]
fn energy_and_runtime_follow_the_operand_widths() {
    let dir = scratch("widths");
    let plain = digits_metrics(&dir, "");
    assert_eq!(digits_metrics(&dir, "*: int8;"), plain);
    let mixed = digits_metrics(
        &dir,
        "*: int8; conv2: int4 w / int8 a; fc1: int8 w / int4 a;",
    );
    let f = |m: &serde_json::Value, key: &str| m[key].as_f64().unwrap();
    let (conv2, fc1) = ((&plain[1], &mixed[1]), (&plain[2], &mixed[2]));
    assert_eq!(f(conv2.0, "total_mac_energy"), 18_432.0);
    assert_eq!(f(conv2.1, "total_mac_energy"), 9_216.0);
    assert_eq!(f(fc1.0, "total_mac_energy"), 8_192.0);
    assert_eq!(f(fc1.1, "total_mac_energy"), 4_096.0);
    for key in ["filter_l2_read_energy", "filter_l1_read_energy"] {
        assert_eq!(f(conv2.1, key), f(conv2.0, key) / 2.0, "{key}");
        assert_eq!(f(fc1.1, key), f(fc1.0, key), "{key}");
    }
    for key in ["input_l1_read_energy", "output_l1_write_energy"] {
        assert_eq!(f(conv2.1, key), f(conv2.0, key), "{key}");
        assert_eq!(f(fc1.1, key), f(fc1.0, key) / 2.0, "{key}");
    }
    // Unquantized layers keep their numbers.
    assert_eq!(mixed[0], plain[0]);
    assert_eq!(mixed[3], plain[3]);
    // conv2's filter crosses the NoC in half the cycles; fc1 is bound by its MACs either way.
    let runtime = |m: &serde_json::Value| m["runtime_cycles"].as_i64().unwrap();
    assert_eq!(
        [
            runtime(conv2.0),
            runtime(conv2.1),
            runtime(fc1.0),
            runtime(fc1.1)
        ],
        [774, 708, 156, 156]
    );

    // Every candidate of `--objective energy` with different widths has a different energy.
    let out = scratch("energy");
    let run = quantize(
        "tests/quantize/pairs.csv",
        "0.9",
        &out,
        &["--objective", "energy"],
        "1",
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    let candidates = report["candidates"].as_array().unwrap();
    let configs: std::collections::BTreeSet<String> =
        candidates.iter().map(|c| c["bits"].to_string()).collect();
    let energies: std::collections::BTreeSet<u64> = candidates
        .iter()
        .map(|c| c["energy_pj"].as_f64().unwrap().to_bits())
        .collect();
    assert_eq!(energies.len(), configs.len(), "{candidates:#?}");
    assert!(configs.len() > 1);
    let cheapest = candidates
        .iter()
        .filter(|c| c["feasible"] == true)
        .map(|c| c["energy_pj"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert_eq!(report["chosen"]["energy_pj"].as_f64().unwrap(), cheapest);
}

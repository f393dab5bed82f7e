//! `dfc coexplore` end to end at a tiny budget (one training epoch, a few episodes): the
//! written `.df` checks and `dfc schedule` runs it, the report has its fields, the same seed
//! gives the same bytes at any thread count, and bad arguments get coded errors and write
//! nothing.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;

fn dfc(args: &[&str], threads: &str) -> Output {
    common::dfc_threads(args, threads)
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("coexplore", name)
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

const TINY: [&str; 9] = [
    "coexplore",
    "--tasks",
    "digits,breast_cancer",
    "--episodes",
    "16",
    "--epochs",
    "1",
    "--seed",
    "1",
];

fn tiny_run(dir: &Path, threads: &str) -> (String, String) {
    let (df, report) = (dir.join("out.df"), dir.join("report.json"));
    let cache = dir.join("cache.csv");
    let mut args = TINY.to_vec();
    args.extend([
        "-o",
        path(&df),
        "--report",
        path(&report),
        "--cache",
        path(&cache),
    ]);
    let out = dfc(&args, threads);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        std::fs::read_to_string(df).expect("the .df"),
        std::fs::read_to_string(report).expect("the report"),
    )
}

#[test]
fn the_design_checks_schedules_and_repeats_at_any_thread_count() {
    let dir = scratch("run");
    let (df, report) = tiny_run(&dir, "1");
    let df_path = dir.join("out.df");
    assert_eq!(dfc(&["check", path(&df_path)], "1").status.code(), Some(0));
    let scheduled = dfc(&["schedule", path(&df_path)], "1");
    assert_eq!(
        scheduled.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&scheduled.stderr)
    );
    assert!(df.contains("network digits {") && df.contains("network breast_cancer {"));
    assert!(df.contains("accelerator coexplored {") && df.contains("workload tasks {"));
    let json: serde_json::Value = serde_json::from_str(&report).expect("JSON");
    assert_eq!(
        json["tasks"],
        serde_json::json!(["digits", "breast_cancer"])
    );
    assert_eq!(json["episodes"], 16);
    assert_eq!(json["default_specs"], true);
    let chosen = &json["nasaic"];
    assert_eq!(chosen["violations"], serde_json::json!([]));
    assert_eq!(chosen["networks"].as_array().map(Vec::len), Some(2));
    for key in ["metric", "params", "macs", "architecture"] {
        assert!(!chosen["networks"][0][key].is_null(), "{key}");
    }
    for key in ["dataflow", "pes", "noc_bandwidth_bytes_per_cycle", "tasks"] {
        assert!(!chosen["accelerator"][0][key].is_null(), "{key}");
    }
    for key in ["latency_cycles", "energy_pj", "area_mm2"] {
        assert!(chosen["evaluation"][key].as_f64().is_some(), "{key}");
    }
    assert!(json["successive"]["trained"].as_u64().is_some());
    assert_eq!(json["comparison"]["paper"]["energy_ratio"], 2.49);
    // The same seed on two threads: the same bytes, trained afresh and from the cache (which
    // the second run in the same directory does not grow).
    let cache = std::fs::read_to_string(dir.join("cache.csv")).expect("the cache");
    assert!(cache.starts_with("version,task,space,"));
    let again = scratch("again");
    let expected = (df, report);
    assert_eq!(tiny_run(&again, "2"), expected);
    assert_eq!(tiny_run(&dir, "2"), expected);
    assert_eq!(
        std::fs::read_to_string(dir.join("cache.csv")).unwrap(),
        cache
    );
}

fn fails_with(extra: &[&str], code: &str, dir: &Path) {
    let df = dir.join("out.df");
    let mut args = vec![
        "--episodes",
        "2",
        "--epochs",
        "1",
        "--no-cache",
        "-o",
        path(&df),
    ];
    args.extend(extra);
    let mut full = vec!["coexplore"];
    full.extend(args);
    let out = dfc(&full, "1");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{extra:?}: {stderr}");
    assert!(stderr.contains(code), "{extra:?}: {stderr}");
    assert!(!df.exists(), "{extra:?} wrote its output");
}

#[test]
fn bad_arguments_get_coded_errors_and_write_nothing() {
    let dir = scratch("errors");
    let pair = "digits,breast_cancer";
    fails_with(&["--tasks", "digits,mnist"], "E1501", &dir);
    fails_with(&["--tasks", "digits"], "E1520", &dir);
    fails_with(&["--tasks", "digits,digits"], "E1520", &dir);
    fails_with(&["--tasks", "digits,breast_cancer,diabetes"], "E1520", &dir);
    fails_with(&["--tasks", pair, "--max-energy", "-5"], "E1505", &dir);
    fails_with(&["--tasks", pair, "--max-area", "0.01"], "E1521", &dir);
    fails_with(&["--tasks", pair, "--max-latency", "10"], "E1521", &dir);
    // Each spec alone is reachable, but two samples meet none together.
    fails_with(
        &["--tasks", pair, "--max-latency", "20", "--max-area", "0.2"],
        "E1522",
        &dir,
    );
}

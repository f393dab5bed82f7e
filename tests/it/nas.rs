//! `dfc nas` end to end with tiny settings: the written networks check and evaluate to the
//! report's costs, every budget holds on them, a re-run with the same seed writes the same
//! files at any thread count and trains nothing new (the cache), and bad arguments get their
//! codes and write nothing.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common;
use crate::common::text;

fn dfc(args: &[&str], threads: &str) -> Output {
    common::dfc_threads(args, threads)
}

fn scratch(name: &str) -> PathBuf {
    common::scratch("nas", name)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Breast cancer with a tiny training set and two epochs: seconds in a debug build.
fn nas(dir: &Path, extra: &[&str], threads: &str) -> Output {
    let (out, report, cache) = (
        dir.join("out"),
        dir.join("report.json"),
        dir.join("cache.csv"),
    );
    let mut args = vec![
        "nas",
        "--task",
        "breast_cancer",
        "--samples",
        "12",
        "--count",
        "2",
        "--epochs",
        "2",
        "--gan-steps",
        "100",
        "--max-params",
        "2000",
        "--max-runtime",
        "100",
        "-o",
        s(&out),
        "--report",
        s(&report),
        "--cache",
        s(&cache),
    ];
    args.extend(extra);
    dfc(&args, threads)
}

#[test]
fn nas_writes_networks_that_evaluate_to_the_reported_costs_within_the_budgets() {
    let dir = scratch("run");
    let out = nas(&dir, &[], "2");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["metric"], "accuracy");
    assert_eq!(report["hardware"], "edge256");
    assert_eq!(report["space_size"], 781);
    let networks = report["networks"].as_array().unwrap();
    assert_eq!(networks.len(), 2);
    for n in networks {
        assert!(n["params"].as_u64().unwrap() <= 2000);
        assert!(n["runtime_cycles"].as_u64().unwrap() <= 100);
        assert_eq!(n["meets_budgets"], true);
        let accuracy = n["accuracy"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&accuracy));
        let file = n["file"].as_str().unwrap();
        let eval = dfc(&["eval", file, "--format", "json"], "1");
        assert!(eval.status.success(), "{}", text(&eval.stderr));
        let e: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
        let totals = &e[0]["totals"];
        assert_eq!(totals["runtime_cycles"], n["runtime_cycles"]);
        assert_eq!(totals["num_macs"], n["macs"]);
        assert_eq!(totals["total_energy"], n["energy_pj"]);
    }
    // One row per distinct network trained: 12 for the training set, 2 generated and 2 by
    // random search, one of which (for this seed) the training set already had.
    let cache = std::fs::read_to_string(dir.join("cache.csv")).unwrap();
    assert_eq!(cache.lines().count(), 1 + 12 + 2 + 2 - 1);
    // The same seed on one thread: the same files, and the cache does not grow.
    let first: Vec<String> = networks
        .iter()
        .map(|n| std::fs::read_to_string(n["file"].as_str().unwrap()).unwrap())
        .collect();
    let again = nas(&dir, &[], "1");
    assert!(again.status.success(), "{}", text(&again.stderr));
    for (i, f) in first.iter().enumerate() {
        let path = dir.join("out").join(format!("breast_cancer_{}.df", i + 1));
        assert_eq!(&std::fs::read_to_string(path).unwrap(), f);
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("cache.csv")).unwrap(),
        cache
    );
}

#[test]
fn nas_refuses_bad_arguments_with_codes_and_writes_nothing() {
    let dir = scratch("bad");
    let cases: [(&[&str], &str, i32); 4] = [
        (&["--task", "cifar10"], "E1501", 2),
        (&["--task", "diabetes", "--space", "cnn"], "E1502", 2),
        (&["--task", "digits", "--max-energy", "-5"], "E1505", 2),
        (&["--task", "digits", "--max-params", "100"], "E1504", 1),
    ];
    for (args, code, exit) in cases {
        let out_dir = dir.join("out");
        let mut all = vec!["nas", "-o", s(&out_dir), "--no-cache"];
        all.extend(args);
        let out = dfc(&all, "1");
        assert_eq!(
            out.status.code(),
            Some(exit),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains(code), "{}", text(&out.stderr));
        assert!(!out_dir.exists(), "{args:?} wrote output");
    }
    // The unmet budget says how small the space goes.
    let out = dfc(
        &[
            "nas",
            "--task",
            "digits",
            "--max-params",
            "100",
            "-o",
            s(&dir.join("o")),
            "--no-cache",
        ],
        "1",
    );
    assert!(text(&out.stderr).contains("the smallest parameter count in the space is 610"));
    // A cache dfc did not write.
    let foreign = scratch("foreign");
    std::fs::write(foreign.join("cache.csv"), "hello\n").unwrap();
    let out = nas(&foreign, &[], "1");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("E1506"), "{}", text(&out.stderr));
    assert!(!foreign.join("out").exists());
    assert_eq!(
        std::fs::read_to_string(foreign.join("cache.csv")).unwrap(),
        "hello\n"
    );
}

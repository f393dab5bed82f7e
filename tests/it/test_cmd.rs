//! `dfc test`: expectations, snapshots (written, matched, changed, accepted, missing under
//! `--check`), determinism across thread counts, JUnit output, and broken test blocks.

use std::path::Path;
use std::process::{Command, Output};

use crate::common;

const PROGRAM: &str = r#"
network net {
    a = conv(K: 16, C: 8, R: 3, S: 3, Y: 16, X: 16, pad: 1);
    b = fc(K: 10, C: 16);
}

hardware hw {
    pes: 16;
    l1: 256 elem;
    l2: 64 KiB;
    noc {
        bandwidth: 16 elem/cycle;
    }
    precision: int8;
}

dataflow k_first {
    spatial(1, 1) K;
    temporal(4, 4) C;
    temporal(Sz(R), Sz(R)) R;
    temporal(Sz(S), Sz(S)) S;
    temporal(Sz(R), 1) Y;
    temporal(Sz(S), 1) X;
    cluster(4);
    spatial(1, 1) C;
}

mapping m {
    network: net;
    hardware: hw;
    dataflow: k_first;
}
"#;

fn dfc_in(dir: &Path, args: &[&str], threads: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dfc"));
    cmd.args(["--color", "never"]).args(args).current_dir(dir);
    if let Some(t) = threads {
        cmd.env("RAYON_NUM_THREADS", t);
    }
    cmd.output().expect("dfc runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn project(name: &str, tests: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dfc-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("p.df"), format!("{PROGRAM}\n{tests}")).expect("write program");
    dir
}

#[test]
fn expectations_pass_and_fail_with_the_actual_value() {
    let dir = project(
        "expect",
        "test m {\n    expect macs == 295072;\n    expect runtime < 10 cycles;\n    expect a.utilization within 100 % of 0.5;\n}\n",
    );
    let out = dfc_in(&dir, &["test", "p.df"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("test p.df::m ... FAILED"), "{text}");
    assert!(
        text.contains("expectation failed: runtime < 10 cycles\n    actual: "),
        "{text}"
    );
    assert!(!text.contains("expectation failed: macs"), "{text}");
    assert!(text.ends_with("0 passed, 1 failed\n"), "{text}");
}

/// A failed size expectation prints the measured value in the expectation's unit (it printed
/// a bare number before).
#[test]
fn failed_size_expectations_print_their_unit() {
    let dir = project(
        "units",
        "test m {\n    expect a.l1 <= 1 B;\n    expect a.l2 <= 1 elem;\n}\n",
    );
    let out = dfc_in(&dir, &["test", "p.df"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("expectation failed: a.l1 <= 1 B\n    actual: 54 B\n"),
        "{text}"
    );
    assert!(
        text.contains("expectation failed: a.l2 <= 1 elem\n    actual: 368 elem\n"),
        "{text}"
    );
}

/// Both utilizations are expectation metrics: a layer's equal the report's columns (`dfc eval`
/// prints pe_utilization 1.0 and mac_utilization 0.64258820248222 for `a`); the network's are
/// weighted by runtime: (294,912 + 160) MACs / (28,710 cycles × 16 PEs) and
/// (1.0 × 28,684 + 5/6 × 26) / 28,710 busy PEs per PE.
#[test]
fn utilization_expectations_measure_pes_and_macs() {
    let dir = project(
        "utilization",
        "test m {\n    expect a.pe_utilization > 1;\n    expect a.mac_utilization > 1;\n    expect mac_utilization > 1;\n    expect pe_utilization > 1;\n}\n",
    );
    let out = dfc_in(&dir, &["test", "p.df"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for (expectation, actual) in [
        ("a.pe_utilization > 1", "1"),
        ("a.mac_utilization > 1", "0.642588"),
        ("mac_utilization > 1", "0.642355"),
        ("pe_utilization > 1", "0.999849"),
    ] {
        assert!(
            text.contains(&format!(
                "expectation failed: {expectation}\n    actual: {actual}\n"
            )),
            "{text}"
        );
    }
}

#[test]
fn snapshot_lifecycle() {
    let dir = project(
        "snap",
        "test m {\n    expect macs == 295072;\n    snapshot mapping;\n    snapshot report;\n}\n",
    );
    let snap = dir.join("snapshots/p.m.snap");
    // --check with no snapshot: fails, writes nothing.
    let out = dfc_in(&dir, &["test", "--check", "."], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("snapshot missing"),
        "{}",
        stdout(&out)
    );
    assert!(!snap.exists());
    // First run writes it.
    let out = dfc_in(&dir, &["test", "."], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("(snapshot written)"));
    let written = std::fs::read_to_string(&snap).expect("snapshot written");
    assert!(written.starts_with("# dfc "), "{written}");
    assert!(written.contains("spatial(1, 1) K;"));
    // Same input, 1 or 2 threads: matches byte for byte.
    for threads in ["1", "2"] {
        let out = dfc_in(&dir, &["test", "--check", "."], Some(threads));
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert_eq!(
            std::fs::read_to_string(&snap).expect("still there"),
            written
        );
    }
    // A change in the program: the snapshot no longer matches; a diff is shown.
    let changed = std::fs::read_to_string(dir.join("p.df"))
        .expect("read")
        .replace("temporal(4, 4) C;", "temporal(8, 8) C;");
    std::fs::write(dir.join("p.df"), changed).expect("write");
    let out = dfc_in(&dir, &["test", "."], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("snapshot changed"), "{text}");
    assert!(
        text.contains("-    temporal(4, 4) C;") && text.contains("+    temporal(8, 8) C;"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&snap).expect("unchanged"),
        written,
        "a failing run writes nothing"
    );
    // --accept takes the change; then it matches.
    assert_eq!(
        dfc_in(&dir, &["test", "--accept", "."], None).status.code(),
        Some(0)
    );
    assert_ne!(std::fs::read_to_string(&snap).expect("accepted"), written);
    assert_eq!(
        dfc_in(&dir, &["test", "--check", "."], None).status.code(),
        Some(0)
    );
    // Deleting it and accepting recreates the same bytes.
    let accepted = std::fs::read_to_string(&snap).expect("accepted");
    std::fs::remove_file(&snap).expect("delete");
    assert_eq!(
        dfc_in(&dir, &["test", "--accept", "."], None).status.code(),
        Some(0)
    );
    assert_eq!(std::fs::read_to_string(&snap).expect("recreated"), accepted);
}

#[test]
fn junit_and_json_formats() {
    let dir = project("junit", "test m {\n    expect runtime < 10 cycles;\n}\n");
    let out = dfc_in(&dir, &["test", "--format", "junit", "."], None);
    let text = stdout(&out);
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(
        text.contains("<testcase classname=\"p.df\" name=\"m\">"),
        "{text}"
    );
    assert!(
        text.contains("<failure message=\"expectation failed: runtime &lt; 10 cycles"),
        "{text}"
    );
    let out = dfc_in(&dir, &["test", "--format", "json", "."], None);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json[0]["passed"], false);
    assert_eq!(json[0]["checks"][0]["passed"], false);
}

#[test]
fn a_broken_test_block_is_a_coded_diagnostic() {
    let dir = project(
        "broken",
        "test m {\n    expect latency < 5 cycles;\n    run: sideways;\n}\n",
    );
    let out = dfc_in(&dir, &["test", "--diagnostic-format", "short", "."], None);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("error[E0309]") && text.contains("did you mean `runtime`?"),
        "{text}"
    );
    assert!(text.contains("error[E0206]"), "{text}");
}

#[test]
fn the_examples_pass_their_tests() {
    let out = dfc_in(&common::root(), &["test", "--check", "examples"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

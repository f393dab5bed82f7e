//! The `dfc` binary: exit codes, output streams, stdin, atomic output, formats.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common;

fn dfc(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dfc"));
    cmd.args(["--color", "never"])
        .args(args)
        .current_dir(common::root());
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("dfc runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("dfc finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn tmp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dfc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn check_exit_codes() {
    let ok = dfc(&["check", "examples/custom_dataflow.df"], None);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(ok.stdout.is_empty());
    let bad = dfc(&["check", "-"], Some("network n { l = conv(K: 1); }"));
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stderr).contains("E0204"));
    let missing = dfc(&["check", "no/such/file.df"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("E0901"));
    let usage = dfc(&["check"], None);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn short_and_json_formats() {
    let input = "network n {\n  l = conv(K: 1, C: 1, R: 3, S: 3, Y: 8, X: 8, strid: 2);\n}\n";
    let out = dfc(
        &[
            "check",
            "--diagnostic-format",
            "short",
            "--stdin-filepath",
            "x.df",
            "-",
        ],
        Some(input),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("x.df:2:48: error[E0203]: "), "{stderr}");
    assert!(stderr.contains("did you mean `stride`?"), "{stderr}");
    let out = dfc(&["check", "--diagnostic-format", "json", "-"], Some(input));
    let json: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON on stderr");
    assert_eq!(json[0]["code"], "E0203");
    assert_eq!(json[0]["name"], "unknown-field");
    assert_eq!(json[0]["start"]["line"], 2);
    assert_eq!(json[0]["version"], 1);
    // A clean input in JSON mode prints an empty array.
    let clean = dfc(
        &[
            "check",
            "--diagnostic-format",
            "json",
            "examples/custom_dataflow.df",
        ],
        None,
    );
    assert_eq!(text(&clean.stderr).trim(), "[]");
}

#[test]
fn fmt_check_and_stdin() {
    let messy = "network n { l = fc(K: 1, C: 2); }\n";
    let out = dfc(&["fmt", "-"], Some(messy));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "network n {\n    l = fc(K: 1, C: 2);\n}\n"
    );
    let dir = tmp_dir("fmt");
    let file = dir.join("m.df");
    std::fs::write(&file, messy).expect("write");
    let path = file.to_string_lossy().into_owned();
    assert_eq!(dfc(&["fmt", "--check", &path], None).status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        messy,
        "--check must not write"
    );
    assert_eq!(dfc(&["fmt", &path], None).status.code(), Some(0));
    assert_eq!(dfc(&["fmt", "--check", &path], None).status.code(), Some(0));
    // A file with syntax errors is not formatted.
    let broken = dfc(&["fmt", "-"], Some("network {"));
    assert_eq!(broken.status.code(), Some(1));
    assert!(broken.stdout.is_empty());
}

#[test]
fn import_writes_atomically_and_leaves_nothing_on_error() {
    let dir = tmp_dir("import");
    let out = dir.join("out.df");
    let out_s = out.to_string_lossy().into_owned();
    let good = dfc(
        &[
            "import",
            "maestro",
            "tests/data/maestro/inputs/mapping/resnet50__conv1__dla.m",
            "--hw",
            "tests/data/maestro/inputs/hw/hw256.m",
            "--lanes",
            "1",
            "-o",
            &out_s,
        ],
        None,
    );
    assert_eq!(good.status.code(), Some(0), "{}", text(&good.stderr));
    let written = std::fs::read_to_string(&out).expect("output written");
    assert!(written.contains("conv1 = conv(K: 64, C: 3, R: 7, S: 7, Y: 229, X: 229, stride: 2);"));
    assert_eq!(dfc(&["check", &out_s], None).status.code(), Some(0));

    let bad_m = dir.join("bad.m");
    std::fs::write(&bad_m, "Network n {\n Layer l {\n  Type: LSTM\n }\n}\n").expect("write");
    let out2 = dir.join("never.df");
    let bad = dfc(
        &[
            "import",
            "maestro",
            &bad_m.to_string_lossy(),
            "-o",
            &out2.to_string_lossy(),
        ],
        None,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(!out2.exists(), "no output file on error");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");
}

#[test]
fn explain_codes() {
    let out = dfc(&["explain", "E0301"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("unknown-dimension"));
    let out = dfc(&["explain", "no-spatial-map"], None);
    assert!(text(&out.stdout).starts_with("# E0302: no-spatial-map"));
    assert_eq!(dfc(&["explain", "E9999"], None).status.code(), Some(2));
    let list = dfc(&["explain", "--list"], None);
    assert!(text(&list.stdout).lines().count() >= 30);
}

#[test]
fn debug_dumps() {
    let out = dfc(&["debug", "tokens", "examples/custom_dataflow.df"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("Dataflow"));
    let out = dfc(&["debug", "ir", "examples/custom_dataflow.df"], None);
    assert!(text(&out.stdout).contains("out_y"));
}

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
    // `check` prints nothing else, so machine-readable diagnostics go to standard output.
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("x.df:2:48: error[E0203]: "), "{stdout}");
    assert!(stdout.contains("did you mean `stride`?"), "{stdout}");
    let out = dfc(&["check", "--diagnostic-format", "json", "-"], Some(input));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
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
    assert_eq!(text(&clean.stdout).trim(), "[]");
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

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.to_string_lossy().into_owned()
}

/// A small systolic program: two layers on `systolic32`, simulated in well under a second.
const SMALL_SYSTOLIC: &str = "use std::dataflows::systolic;\nuse std::hardware::systolic32;\n\
network small {\n    c1 = conv(K: 16, C: 8, R: 3, S: 3, Y: 16, X: 16);\n    f1 = fc(K: 32, C: 64);\n}\n\
mapping m {\n    network: small;\n    hardware: systolic32;\n    dataflow: systolic(rows: 32);\n}\n";

#[test]
fn outputs_that_are_inputs_are_refused_and_nothing_is_written() {
    let dir = tmp_dir("clobber");
    let program = std::fs::read_to_string(common::root().join("examples/custom_dataflow.df"))
        .expect("example");
    let df = write(&dir, "same.df", &program);
    let m = write(
        &dir,
        "m.m",
        &std::fs::read_to_string(
            common::root().join("tests/data/maestro/inputs/mapping/resnet50__conv1__dla.m"),
        )
        .expect("maestro file"),
    );
    let original_m = std::fs::read_to_string(&m).expect("read");
    let link = dir.join("link.df");
    std::os::unix::fs::symlink(&df, &link).expect("symlink");
    let link = link.to_string_lossy().into_owned();
    let lib = write(&dir, "lib.df", "network imported { l = fc(K: 2, C: 2); }\n");
    let user = write(
        &dir,
        "user.df",
        &format!("use \"lib.df\"::{{imported}};\n{program}"),
    );
    let sys = write(&dir, "sys.df", SMALL_SYSTOLIC);
    let runs: Vec<Vec<&str>> = vec![
        vec!["simulate", &sys, "--report-dir", "out", "-o", &sys],
        vec!["eval", &df, "-o", &df],
        vec!["eval", &df, "-o", &link],
        vec!["map", &df, "--budget", "5", "-o", &df],
        vec!["import", "maestro", &m, "-o", &m],
        vec!["eval", &user, "-o", &lib],
    ];
    for args in runs {
        let out = dfc(&args, None);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains("error[E0904]"),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(std::fs::read_to_string(&df).expect("read"), program);
    assert_eq!(std::fs::read_to_string(&m).expect("read"), original_m);
    assert!(std::fs::read_to_string(&lib)
        .expect("read")
        .starts_with("network imported"));
    let schedule = dfc(
        &[
            "schedule",
            "examples/ar_vr_hda.df",
            "--svg",
            "examples/ar_vr_hda.df",
        ],
        None,
    );
    assert_eq!(schedule.status.code(), Some(2));
    assert!(text(&schedule.stderr).contains("error[E0904]"));
    let entries = std::fs::read_dir(&dir).expect("dir").count();
    assert_eq!(entries, 6, "no temporary files left");
    assert_eq!(std::fs::read_to_string(&sys).expect("read"), SMALL_SYSTOLIC);
    assert!(!common::root().join("out").exists(), "no report written");
}

#[test]
fn a_failed_output_leaves_no_other_output() {
    let dir = tmp_dir("together");
    let trace = dir.join("t.json");
    let out = dfc(
        &[
            "schedule",
            "examples/ar_vr_hda.df",
            "--trace",
            &trace.to_string_lossy(),
            "--svg",
            "/nonexistent/x.svg",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("/nonexistent/x.svg"));
    assert!(out.stdout.is_empty(), "no report when an output failed");
    assert_eq!(
        std::fs::read_dir(&dir).expect("dir").count(),
        0,
        "no t.json, no temporaries"
    );
    let svg = dir.join("x.svg");
    let ok = dfc(
        &[
            "schedule",
            "examples/ar_vr_hda.df",
            "--trace",
            &trace.to_string_lossy(),
            "--svg",
            &svg.to_string_lossy(),
        ],
        None,
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(trace.is_file() && svg.is_file());
}

#[test]
fn a_file_with_nothing_to_do_is_e0311_at_1_1() {
    let dir = tmp_dir("nothing");
    let empty = write(&dir, "empty.df", "");
    let no_workload = write(&dir, "nets.df", "network n {\n    l = fc(K: 2, C: 2);\n}\n");
    for args in [
        vec!["eval", &empty],
        vec!["map", &empty],
        vec!["simulate", &empty],
        vec!["schedule", &no_workload],
    ] {
        let mut all = vec!["--diagnostic-format", "short"];
        all.extend(&args);
        let out = dfc(&all, None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        let file = args[1];
        assert!(
            stderr.starts_with(&format!("{file}:1:1: error[E0311]: ")),
            "{args:?}: {stderr}"
        );
    }
    let stdin = dfc(&["eval", "-"], Some(""));
    assert_eq!(stdin.status.code(), Some(1));
    assert!(text(&stdin.stderr).contains("E0311"));
}

#[test]
fn a_search_that_fits_nothing_fails_eval_like_map() {
    let dir = tmp_dir("nofit");
    let file = write(
        &dir,
        "f.df",
        "hardware tiny {\n    pes: 4;\n    l1: 1 B;\n    l2: 1 B;\n    precision: int8;\n    \
         noc { bandwidth: 1 elem/cycle; }\n}\nnetwork n {\n    \
         c1 = conv(K: 16, C: 8, R: 3, S: 3, Y: 16, X: 16);\n}\n\
         mapping m {\n    network: n;\n    hardware: tiny;\n    dataflow: search;\n}\n",
    );
    for command in ["eval", "map"] {
        let out = dfc(
            &[
                "--diagnostic-format",
                "short",
                command,
                &file,
                "--budget",
                "20",
            ],
            None,
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        let line =
            format!("{file}:14:15: error[E0504]: no dataflow for layer `c1` fits hardware `tiny`");
        assert_eq!(
            stderr.lines().filter(|l| l.starts_with(&line)).count(),
            1,
            "{command}: {stderr}"
        );
    }
}

#[test]
fn flags_that_do_not_fit_the_input_are_usage_errors_naming_the_flag() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["eval", "examples/custom_dataflow.df", "--hw", "x.m"],
            "`--hw`",
        ),
        (
            &["eval", "examples/custom_dataflow.df", "--lanes", "4"],
            "`--lanes`",
        ),
        (
            &[
                "simulate",
                "examples/systolic_resnet18.df",
                "--config",
                "a.cfg",
            ],
            "`--config`",
        ),
        (
            &[
                "simulate",
                "examples/systolic_resnet18.df",
                "--topology",
                "t.csv",
            ],
            "`--topology`",
        ),
        (&["simulate", "--config", "a.cfg"], "`--config`"),
        (
            &["eval", "examples/custom_dataflow.df", "--mapping", "nope"],
            "`--mapping nope`",
        ),
    ];
    for (args, flag) in cases {
        let out = dfc(args, None);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(flag),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("E0901"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn json_diagnostics_of_several_files_are_one_array() {
    let dir = tmp_dir("json");
    let bad = write(&dir, "bad.df", "network n { l = conv(K: 1); }\n");
    let out = dfc(
        &[
            "--diagnostic-format",
            "json",
            "check",
            &bad,
            "examples/custom_dataflow.df",
            "no/such.df",
            &bad,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON value");
    let codes: Vec<&str> = json
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert_eq!(codes, ["E0204", "E0901", "E0204"]);
}

#[test]
fn only_regular_files_within_the_size_limit_are_read() {
    let dir = tmp_dir("limits");
    let out = dfc(&["check", "/dev/zero"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("error[E0903]: `/dev/zero` is not a regular file"));
    let d = dir.to_string_lossy().into_owned();
    let out = dfc(&["check", &d], None);
    assert!(
        text(&out.stderr).contains("error[E0903]"),
        "{}",
        text(&out.stderr)
    );
    let file = write(&dir, "a.df", "network n { l = fc(K: 2, C: 2); }\n");
    let out = dfc(&["--max-input-size", "10", "check", &file], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("larger than the input size limit"));
    assert_eq!(
        dfc(&["--max-input-size", "100", "check", &file], None)
            .status
            .code(),
        Some(0)
    );
    let start = std::time::Instant::now();
    let importer = write(&dir, "z.df", "use \"/dev/zero\"::{a};\n");
    let out = dfc(&["check", &importer], None);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("z.df:1:5") && stderr.contains("E0103"),
        "{stderr}"
    );
    assert!(stderr.contains("not a regular file (E0903)"), "{stderr}");
    assert!(start.elapsed().as_secs() < 10, "refused before reading");
    let big = write(&dir, "big.df", &"// padding\n".repeat(20));
    let importer = write(&dir, "y.df", "use \"big.df\"::{a};\n");
    let out = dfc(&["--max-input-size", "100", "check", &importer], None);
    assert!(text(&out.stderr).contains("larger than the input size limit"));
    let _ = big;
    let out = dfc(
        &["--max-input-size", "5", "check", "-"],
        Some("network n {}\n"),
    );
    assert!(text(&out.stderr).contains("error[E0903]: standard input is larger"));
}

#[test]
fn traces_state_their_size_first_and_refuse_over_the_cap() {
    let dir = tmp_dir("traces");
    let file = write(&dir, "s.df", SMALL_SYSTOLIC);
    let traces = dir.join("tr");
    let tr = traces.to_string_lossy().into_owned();
    let out = dfc(
        &[
            "simulate",
            &file,
            "--traces",
            &tr,
            "--max-trace-size",
            "1000",
        ],
        None,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("traces: about "), "{stderr}");
    assert!(stderr.contains("in 12 files"), "{stderr}");
    assert!(stderr.contains("error[E0905]"), "{stderr}");
    assert!(!traces.exists(), "nothing written over the cap");
    let out = dfc(&["simulate", &file, "--traces", &tr], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut written = 0u64;
    for layer in ["layer0", "layer1"] {
        for e in std::fs::read_dir(traces.join(layer))
            .expect("layer dir")
            .flatten()
        {
            assert!(
                !e.file_name().to_string_lossy().starts_with('.'),
                "no temporaries"
            );
            written += e.metadata().expect("meta").len();
        }
    }
    // The estimate is within a small factor of the real size.
    let stderr = text(&out.stderr);
    let mb: f64 = stderr
        .trim_start_matches("traces: about ")
        .split(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a number");
    let ratio = mb * 1e6 / written as f64;
    assert!(
        (1.0..3.0).contains(&ratio),
        "estimate {mb} MB, written {written} B"
    );
    assert!(stderr.contains(" MB in 12 files"), "{stderr}");
}

#[test]
fn progress_never_reaches_a_pipe() {
    let out = dfc(
        &["map", "examples/custom_dataflow.df", "--budget", "10"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains('\r') && !stderr.contains("\x1b["),
        "{stderr}"
    );
}

/// `dfc map --model maestro` ranks by MAESTRO's runtime: the chosen layer's objective is what
/// `dfc eval --model maestro` reports for the emitted file, and the default model accepts
/// that file (its tiles fit edge256's buffers).
#[test]
fn map_ranked_by_maestro_reports_maestro_cycles() {
    let dir = tmp_dir("map-maestro");
    let df = dir.join("l.df");
    std::fs::write(
        &df,
        "use std::hardware::edge256;\nnetwork n { l = conv(K: 64, C: 64, R: 3, S: 3, Y: 30, X: 30); }\n\
         mapping m { network: n; hardware: edge256; dataflow: search; }\n",
    )
    .expect("write program");
    let df = df.to_string_lossy().into_owned();
    let out_df = dir.join("mapped.df").to_string_lossy().into_owned();
    let search = ["--model", "maestro", "--budget", "300"];
    let json = dfc(
        &[&["map", &df, "--emit", "json"][..], &search[..]].concat(),
        None,
    );
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let objective = value[0][1][0]["choice"]["objective_value"]
        .as_f64()
        .expect("an objective");
    let mapped = dfc(
        &[&["map", &df, "-o", &out_df][..], &search[..]].concat(),
        None,
    );
    assert_eq!(mapped.status.code(), Some(0), "{}", text(&mapped.stderr));
    let runtime = |model: &str| -> f64 {
        let out = dfc(
            &["eval", "--model", model, "--format", "csv", &out_df],
            None,
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let csv = text(&out.stdout);
        let header: Vec<&str> = csv.lines().next().expect("header").split(',').collect();
        let row: Vec<&str> = csv.lines().nth(1).expect("row").split(',').collect();
        let at = header
            .iter()
            .position(|h| *h == "runtime_cycles")
            .expect("runtime column");
        row[at].parse().expect("a number")
    };
    assert_eq!(runtime("maestro"), objective);
    assert!(runtime("default") > 0.0);
}

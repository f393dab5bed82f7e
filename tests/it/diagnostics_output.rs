//! The machine-readable output contract (docs/diagnostics-format.md): where `short` and
//! `json` diagnostics go, byte columns for Vim, `fmt --check` as E1101, CRLF kept by `fmt`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common;

fn dfc(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(["--color", "never"])
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dfc runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("dfc finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const MESSY: &str = "network n { l = fc(K: 1, C: 2); }\n";
const TIDY: &str = "network n {\n    l = fc(K: 1, C: 2);\n}\n";

#[test]
fn fmt_check_reports_e1101_on_stdout_in_machine_formats_and_on_stderr_for_people() {
    let args = ["fmt", "--check", "--stdin-filepath", "m.df", "-"];
    let short = dfc(
        &[&["--diagnostic-format", "short"], &args[..]].concat(),
        MESSY,
    );
    assert_eq!(short.status.code(), Some(1));
    assert_eq!(
        text(&short.stdout),
        "m.df:1:1: error[E1101]: `m.df` is not formatted (help: run `dfc fmt -`)\n"
    );
    assert!(short.stderr.is_empty(), "{}", text(&short.stderr));

    let json = dfc(
        &[&["--diagnostic-format", "json"], &args[..]].concat(),
        MESSY,
    );
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one document");
    let items = value.as_array().expect("an array");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["code"], "E1101");
    assert_eq!(items[0]["end"]["offset"], MESSY.len() - 1);

    let human = dfc(&args, MESSY);
    assert_eq!(human.status.code(), Some(1));
    assert!(human.stdout.is_empty());
    assert!(
        text(&human.stderr).contains("[E1101]"),
        "{}",
        text(&human.stderr)
    );

    let clean = dfc(
        &[&["--diagnostic-format", "json"], &args[..]].concat(),
        TIDY,
    );
    assert_eq!(clean.status.code(), Some(0));
    assert_eq!(text(&clean.stdout), "[]\n");
}

/// The first differing line is reported, not the first line.
#[test]
fn fmt_check_points_at_the_first_differing_line() {
    let input = "network n {\n    l = fc(K: 1, C: 2);\n    m = fc(K:1, C: 2);\n}\n";
    let out = dfc(
        &["--diagnostic-format", "short", "fmt", "--check", "-"],
        input,
    );
    assert!(
        text(&out.stdout).starts_with("<stdin>:3:1: error[E1101]"),
        "{}",
        text(&out.stdout)
    );
}

/// `fmt` kept nothing of CRLF before: every line came back with `\n`.
#[test]
fn fmt_keeps_crlf_line_endings() {
    let crlf = TIDY.replace('\n', "\r\n");
    let out = dfc(&["fmt", "-"], &MESSY.replace('\n', "\r\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), crlf);
    let check = dfc(&["fmt", "--check", "-"], &crlf);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    let lf = dfc(&["fmt", "-"], TIDY);
    assert_eq!(text(&lf.stdout), TIDY);
}

/// After `é` (two bytes in UTF-8) the byte column runs one ahead of the character column.
#[test]
fn short_columns_count_characters_or_bytes() {
    let input = "// é\nnetwork é é;\n";
    let columns = |unit: &str| {
        let args = [
            "--diagnostic-format",
            "short",
            "--diagnostic-columns",
            unit,
            "check",
            "-",
        ];
        let out = dfc(&args, input);
        assert_eq!(out.status.code(), Some(1));
        text(&out.stdout)
            .lines()
            .map(|l| l.split(':').take(3).collect::<Vec<_>>().join(":"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        columns("chars"),
        ["<stdin>:2:9", "<stdin>:2:11", "<stdin>:2:12"]
    );
    assert_eq!(
        columns("bytes"),
        ["<stdin>:2:9", "<stdin>:2:12", "<stdin>:2:14"]
    );
}

/// Commands whose standard output is a report keep diagnostics on standard error.
#[test]
fn reports_keep_diagnostics_on_stderr() {
    let out = dfc(&["--diagnostic-format", "json", "eval", "-"], "");
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stderr).expect("JSON on stderr");
    assert_eq!(value[0]["code"], "E0311");
    assert!(out.stdout.is_empty());
}

//! Diagnostic fixtures: every `tests/ui/**/*.df` starts with `// expect = ["E0301", …]`; the
//! test checks those codes appear and snapshots the human, short and JSON renderings.

use std::collections::BTreeSet;

use std::path::Path;

use dfc::diagnostics::{Code, Diagnostic};
use dfc::source::SourceMap;

use crate::common;

/// A fixture's text (lossy, for its header) and its diagnostics. A fixture that is not UTF-8
/// goes through `syntax::decode` as the CLI's files do.
fn compile_fixture(path: &Path) -> (String, SourceMap, Vec<Diagnostic>) {
    let bytes = std::fs::read(path).expect("fixture readable");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if std::str::from_utf8(&bytes).is_ok() {
        let (sources, _, diags) = common::compile(path);
        return (text, sources, diags);
    }
    let mut sources = SourceMap::new();
    match dfc::syntax::decode::add_source(&mut sources, common::relative(path), bytes) {
        Ok(_) => panic!("{}: invalid UTF-8 was accepted", path.display()),
        Err((_, d)) => (text, sources, vec![d]),
    }
}

/// The codes listed in a fixture's `// expect = [...]` header line.
fn expected_codes(text: &str) -> Vec<String> {
    let Some(line) = text
        .lines()
        .find(|l| l.trim_start().starts_with("// expect"))
    else {
        return Vec::new();
    };
    line.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn ui_fixtures() {
    insta::glob!("../ui", "**/*.df", |path| {
        let (text, sources, diags) = compile_fixture(path);
        let expected = expected_codes(&text);
        assert!(
            !expected.is_empty(),
            "{} has no `// expect = [...]` header",
            path.display()
        );
        let found: BTreeSet<&str> = diags.iter().map(|d| d.code.as_str()).collect();
        for code in &expected {
            assert!(
                found.contains(code.as_str()),
                "{}: expected {code}, found {found:?}",
                path.display()
            );
        }
        let description = text
            .lines()
            .nth(1)
            .unwrap_or("")
            .trim_start_matches("//")
            .trim();
        insta::with_settings!({ omit_expression => true, description => description }, {
            insta::assert_snapshot!(common::render_all(&diags, &sources));
        });
    });
}

/// Every code a `.df` file can produce has a fixture that expects it.
#[test]
fn every_front_end_code_has_a_fixture() {
    let mut covered = BTreeSet::new();
    for path in common::files("tests/ui", "df") {
        let bytes = std::fs::read(&path).expect("fixture readable");
        let text = String::from_utf8_lossy(&bytes);
        covered.extend(expected_codes(&text));
    }
    let front_end: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| {
            c.starts_with("E00")
                || c.starts_with("E01")
                || c.starts_with("E02")
                || c.starts_with("E03")
                || c.starts_with("E04")
        })
        // Produced by a command on a clean file, not by checking it: `it/cli.rs` tests it.
        .filter(|c| *c != Code::NothingToDo.as_str())
        .collect();
    let missing: Vec<&&str> = front_end
        .iter()
        .filter(|c| !covered.contains(**c))
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a ui fixture: {missing:?}"
    );
}

/// The CLI reports a file that is not UTF-8 as an input error (exit 1, `E0006` at the bad
/// byte), not as an I/O error (exit 2, `E0901`).
#[test]
fn a_non_utf8_file_is_an_input_error_in_the_cli() {
    let path = common::root().join("tests/ui/syntax/invalid_utf8.df");
    for command in ["check", "fmt"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
            .args(["--diagnostic-format", "short", command])
            .arg(&path)
            .output()
            .expect("dfc runs");
        // `check` prints short diagnostics on standard output, `fmt` on standard error.
        let (stdout, stderr) = (&out.stdout, &out.stderr);
        let on = if command == "check" { stdout } else { stderr };
        let stderr = String::from_utf8_lossy(on);
        assert_eq!(out.status.code(), Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains("invalid_utf8.df:4:34: error[E0006]"),
            "{command}: {stderr}"
        );
        assert!(!stderr.contains("E0901"), "{command}: {stderr}");
    }
}

//! `dfc test`: find `.df` files with `test` blocks, run them, compare and write snapshots
//! (`<dir>/snapshots/<file stem>.<test>.snap`), and report in human, JSON or JUnit form.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{compile_text, exit, fail, read_input, Reporter, TestFormat};
use crate::source::SourceMap;
use crate::syntax::lexer::{self, Token};
use crate::testing::{self, report, report::Outcome};

#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Files or directories (default: the current directory).
    pub paths: Vec<String>,
    /// Write new and changed snapshots.
    #[arg(long, conflicts_with = "check")]
    pub accept: bool,
    /// Never write; a missing snapshot fails (for CI).
    #[arg(long)]
    pub check: bool,
    /// Run only tests whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
}

pub fn run(reporter: &Reporter, args: &TestArgs) -> ExitCode {
    let mut files = Vec::new();
    let paths = if args.paths.is_empty() {
        vec![".".to_string()]
    } else {
        args.paths.clone()
    };
    for p in &paths {
        let path = Path::new(p);
        if path.is_dir() {
            collect(path, &mut files);
        } else if path.is_file() {
            files.push(path.to_path_buf());
        } else {
            return fail(reporter, format!("no file or directory `{p}`"));
        }
    }
    let mut outcomes = Vec::new();
    for file in files {
        let file = super::files::normalize(&file);
        let name = file.to_string_lossy().into_owned();
        let text = match read_input(reporter, &name, None) {
            Ok((_, text)) => text,
            Err(f) => return fail(reporter, f),
        };
        if !has_test_block(&text) {
            continue;
        }
        let mut sources = SourceMap::new();
        let (root, program, diags) = compile_text(reporter, &mut sources, name.clone(), text);
        let Some(program) = program else {
            outcomes.push(Outcome {
                file: name.clone(),
                test: "(compile)".to_string(),
                passed: false,
                checks: Vec::new(),
                snapshot: None,
                snapshot_file: None,
                diff: None,
                errors: vec![reporter.render(&diags, &sources)],
            });
            continue;
        };
        for test in program.tests.iter().filter(|t| t.span.file == root) {
            if args
                .filter
                .as_ref()
                .is_some_and(|f| !test.name.contains(f.as_str()))
            {
                continue;
            }
            let result = testing::run(&program, test);
            let mut outcome = Outcome {
                file: name.clone(),
                test: test.name.clone(),
                passed: result.expectations_pass(),
                checks: result.checks,
                snapshot: None,
                snapshot_file: None,
                diff: None,
                errors: Vec::new(),
            };
            if crate::diagnostics::has_errors(&result.diagnostics) {
                outcome
                    .errors
                    .push(reporter.render(&result.diagnostics, &sources));
            }
            if let Some(body) = result.snapshot {
                compare_snapshot(&file, &test.name, &name, &body, args, &mut outcome);
            }
            outcomes.push(outcome);
        }
    }
    let failed = outcomes.iter().filter(|o| !o.passed).count();
    let passed = outcomes.len() - failed;
    let mut out = std::io::stdout().lock();
    let text = match args.format {
        TestFormat::Human => report::human(&outcomes, passed, failed),
        TestFormat::Json => report::json(&outcomes),
        TestFormat::Junit => report::junit(&outcomes),
    };
    let _ = out.write_all(text.as_bytes());
    exit(u8::from(failed > 0))
}

/// `.df` files under `dir`, sorted, skipping `snapshots/` folders and hidden ones.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if p.is_dir() {
            collect(&p, files);
        } else if p.extension().and_then(|e| e.to_str()) == Some("df") {
            files.push(p);
        }
    }
}

fn has_test_block(text: &str) -> bool {
    lexer::lex(crate::source::FileId(0), text)
        .tokens
        .iter()
        .any(|(_, t, _)| *t == Token::Test)
}

fn snapshot_path(file: &Path, test: &str) -> PathBuf {
    let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("file");
    file.parent()
        .unwrap_or(Path::new("."))
        .join("snapshots")
        .join(format!("{stem}.{test}.snap"))
}

fn compare_snapshot(
    file: &Path,
    test: &str,
    name: &str,
    body: &str,
    args: &TestArgs,
    outcome: &mut Outcome,
) {
    let path = snapshot_path(file, test);
    outcome.snapshot_file = Some(path.to_string_lossy().into_owned());
    let content = format!("{}{body}", testing::snapshot_header(test, name));
    let write = |outcome: &mut Outcome, state: &'static str| {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        match super::write_atomically(&path.to_string_lossy(), &content) {
            Ok(()) => outcome.snapshot = Some(state),
            Err(e) => {
                outcome.errors.push(e);
                outcome.passed = false;
            }
        }
    };
    match std::fs::read_to_string(&path) {
        Ok(stored) => {
            let stored = testing::snapshot_without_header(&stored);
            if stored == body {
                outcome.snapshot = Some("matched");
            } else if args.accept {
                write(outcome, "accepted");
            } else {
                outcome.snapshot = Some("changed");
                outcome.diff = Some(testing::diff(&stored, body));
                outcome.passed = false;
            }
        }
        Err(_) if args.check => {
            outcome.snapshot = Some("missing");
            outcome.passed = false;
        }
        Err(_) => write(outcome, "written"),
    }
}

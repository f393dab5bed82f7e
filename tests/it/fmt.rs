//! The formatter: idempotent, comment-preserving, and the formatted text parses to the same
//! AST. Snapshots show the canonical form of `tests/cases/fmt/*.df`.

use dfc::source::FileId;
use dfc::syntax::{self, printer};

use crate::common;

fn format(text: &str) -> String {
    let parsed = syntax::parse(FileId(0), text);
    assert!(parsed.diagnostics.is_empty(), "input must parse");
    printer::print(&parsed.file, text)
}

fn ast_without_spans(text: &str) -> String {
    common::without_spans(&format!("{:?}", syntax::parse(FileId(0), text).file.items))
}

fn comments(text: &str) -> Vec<String> {
    syntax::parse(FileId(0), text)
        .file
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect()
}

/// Every file that parses: format is idempotent, keeps the AST and keeps every comment.
#[test]
fn formatting_is_idempotent_and_keeps_meaning() {
    let mut files = common::files("examples", "df");
    files.extend(common::files("stdlib", "df"));
    files.extend(common::files("tests/cases/fmt", "df"));
    files.extend(common::files("tests/ui", "df"));
    let mut skipped = Vec::new();
    for path in files {
        // A fixture that is not UTF-8 (E0006) has nothing to format.
        let Ok(text) = String::from_utf8(std::fs::read(&path).expect("readable")) else {
            continue;
        };
        if !syntax::parse(FileId(0), &text).diagnostics.is_empty() {
            // Only fixtures that exist to show a syntax error may fail to parse.
            let expects_syntax_error = text
                .lines()
                .next()
                .is_some_and(|l| l.starts_with("// expect") && l.contains("\"E00"));
            if !expects_syntax_error {
                skipped.push(common::relative(&path));
            }
            continue;
        }
        let once = format(&text);
        let twice = format(&once);
        assert_eq!(
            once,
            twice,
            "{}: formatting is not idempotent",
            path.display()
        );
        assert_eq!(
            ast_without_spans(&text),
            ast_without_spans(&once),
            "{}: formatting changed the AST",
            path.display()
        );
        assert_eq!(
            comments(&text),
            comments(&once),
            "{}: comments",
            path.display()
        );
    }
    assert_eq!(skipped, Vec::<String>::new(), "files that do not parse");
}

/// Library and example files are committed formatted.
#[test]
fn committed_programs_are_formatted() {
    let mut files = common::files("examples", "df");
    files.extend(common::files("stdlib", "df"));
    for path in files {
        let text = std::fs::read_to_string(&path).expect("readable");
        assert_eq!(format(&text), text, "{} is not formatted", path.display());
    }
}

#[test]
fn formatted_cases() {
    insta::glob!("../cases/fmt", "*.df", |path| {
        let text = std::fs::read_to_string(path).expect("readable");
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(format(&text));
        });
    });
}

/// Run `f` on a thread with a 2 MiB stack, as a spawned thread gets by default.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread starts")
        .join()
        .expect("no stack overflow or panic");
}

/// `dfc fmt` used to overflow the stack at 100,000 terms.
#[test]
fn a_million_terms_format_without_deep_recursion() {
    on_small_stack(|| {
        let terms = 1_000_000;
        let text = format!(
            "dataflow d {{ spatial(1, 1) K; temporal({}, 1) C; }}\n",
            vec!["1"; terms].join("+")
        );
        let once = format(&text);
        assert_eq!(once.matches(" + ").count(), terms - 1);
        assert_eq!(format(&once), once);
    });
}

/// A million nested parentheses are one `E0007`, not a stack overflow in the parser.
#[test]
fn a_million_nested_parentheses_are_refused_without_deep_recursion() {
    on_small_stack(|| {
        let depth = 1_000_000;
        let text = format!(
            "dataflow d {{ spatial(1, 1) K; temporal({}1{}, 1) C; }}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let parsed = syntax::parse(FileId(0), &text);
        let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["E0007"]);
        assert!(parsed.file.items.is_empty());
    });
}

/// The deepest nesting accepted still formats and re-parses to the same AST.
#[test]
fn nesting_at_the_limit_formats() {
    // The dataflow's `{` and `temporal(` are two levels.
    let depth = syntax::parser::MAX_NESTING - 2;
    let text = format!(
        "dataflow d {{\n    spatial(1, 1) K;\n    temporal({}1{}, 1) C;\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let once = format(&text);
    assert_eq!(once, text);
    assert_eq!(ast_without_spans(&text), ast_without_spans(&once));
}

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
    let mut checked = 0;
    for path in files {
        // A fixture that is not UTF-8 (E0006) has nothing to format.
        let Ok(text) = String::from_utf8(std::fs::read(&path).expect("readable")) else {
            continue;
        };
        if !syntax::parse(FileId(0), &text).diagnostics.is_empty() {
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
        checked += 1;
    }
    assert!(checked > 20);
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

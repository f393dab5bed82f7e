//! `dfc fmt`: files rewritten in place, `-` from standard input to standard output, or
//! `--check`, which changes nothing and reports each unformatted file as E1101 at its first
//! differing line. A file that does not parse is left alone and its errors are reported. A
//! file whose first line ends in CRLF keeps CRLF line endings.

use std::io::Write;
use std::process::ExitCode;

use super::{exit, fail, read_bytes, write_atomically, Reporter};
use crate::diagnostics::{self, Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;

pub(super) fn fmt(
    reporter: &Reporter,
    files: &[String],
    check: bool,
    stdin_name: Option<&str>,
) -> ExitCode {
    let mut status = 0;
    for path in files {
        let (name, bytes) = match read_bytes(reporter, path, stdin_name) {
            Ok(x) => x,
            Err(e) => {
                fail(reporter, e);
                status = 2;
                continue;
            }
        };
        let mut sources = SourceMap::new();
        let file = match syntax::decode::add_source(&mut sources, name.clone(), bytes) {
            Ok(file) => file,
            Err((_, d)) => {
                reporter.emit(&[d], &sources);
                status = status.max(1);
                continue;
            }
        };
        let text = sources.file(file).text.clone();
        let parsed = syntax::parse(file, &text);
        if diagnostics::has_errors(&parsed.diagnostics) {
            reporter.emit(&parsed.diagnostics, &sources);
            status = status.max(1);
            continue;
        }
        let formatted = with_line_endings_of(&text, syntax::printer::print(&parsed.file, &text));
        if check {
            if formatted != text {
                let command = if path == "-" { "-" } else { &name };
                let d = not_formatted(file, &text, &formatted, &name, command);
                reporter.emit(&[d], &sources);
                status = status.max(1);
            }
        } else if path == "-" {
            let _ = std::io::stdout().lock().write_all(formatted.as_bytes());
        } else if formatted != text {
            if let Err(e) = write_atomically(path, &formatted) {
                fail(reporter, e);
                status = 2;
            }
        }
    }
    exit(status)
}

/// The printer writes `\n`; a file whose first line ends in `\r\n` gets `\r\n` throughout.
pub(crate) fn with_line_endings_of(original: &str, formatted: String) -> String {
    let crlf = original
        .find('\n')
        .is_some_and(|i| original[..i].ends_with('\r'));
    if crlf {
        formatted.replace('\n', "\r\n")
    } else {
        formatted
    }
}

/// E1101 on the first line of `text` that differs from `formatted` (or at the end of the
/// file, if one is a prefix of the other).
fn not_formatted(
    file: FileId,
    text: &str,
    formatted: &str,
    name: &str,
    command: &str,
) -> Diagnostic {
    let mut start = 0;
    let mut span = text.len()..text.len();
    for (old, new) in text
        .split_inclusive('\n')
        .zip(formatted.split_inclusive('\n'))
    {
        if old != new {
            span = start..start + old.trim_end_matches(['\r', '\n']).len();
            break;
        }
        start += old.len();
    }
    if span.start == text.len() && start < text.len() {
        span = start..start;
    }
    Diagnostic::at(
        Code::NotFormatted,
        Span::new(file, span),
        format!("`{name}` is not formatted"),
        "the canonical layout differs from here",
    )
    .with_help(format!("run `dfc fmt {command}`"))
}

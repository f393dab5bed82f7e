//! Tidy checks on the source tree: every module says what it owns, stages only point down,
//! only `cli` does I/O, and files and functions stay a size a reader can hold.
//!
//! The checks are plain functions over `(path, text)` pairs so that their own tests can feed
//! them a back-edge and watch them fail.

use crate::common;

/// Each top-level module of `src/` and the top-level modules it may use. A module not listed
/// here fails the check: a new subsystem states its place in the stack when it is added
/// (`ARCHITECTURE.md` draws the same table).
const LAYERS: &[(&str, &[&str])] = &[
    ("util", &[]),
    ("source", &[]),
    ("diagnostics", &["source"]),
    ("syntax", &["source", "diagnostics"]),
    ("ir", &["source", "diagnostics", "syntax", "util"]),
    (
        "interop",
        &["source", "diagnostics", "syntax", "ir", "util", "backends"],
    ),
    (
        "rewrite",
        &["source", "diagnostics", "ir", "util", "backends"],
    ),
    ("backends", &["source", "diagnostics", "ir", "util"]),
    (
        "search",
        &["source", "diagnostics", "ir", "util", "rewrite", "backends"],
    ),
    (
        "testing",
        &["source", "diagnostics", "ir", "util", "search", "backends"],
    ),
    (
        "tooling",
        &["source", "diagnostics", "syntax", "ir", "util"],
    ),
    // Subsystems beside the compiler: plain-data interfaces to the IR and the cost model.
    ("environments", &["source", "diagnostics", "util"]),
    (
        "noc",
        &[
            "source",
            "diagnostics",
            "ir",
            "util",
            "backends",
            "environments",
        ],
    ),
    (
        "neat",
        &[
            "source",
            "diagnostics",
            "ir",
            "util",
            "backends",
            "environments",
        ],
    ),
    ("rl", &["diagnostics", "util", "environments", "noc"]),
    (
        "sweep",
        &["source", "diagnostics", "ir", "util", "search", "backends"],
    ),
    ("nn", &["util"]),
    (
        "generators",
        &[
            "source",
            "diagnostics",
            "ir",
            "util",
            "backends",
            "search",
            "nn",
        ],
    ),
    (
        "plots",
        &[
            "source",
            "diagnostics",
            "ir",
            "util",
            "backends",
            "search",
            "noc",
        ],
    ),
    (
        "cli",
        &[
            "source",
            "diagnostics",
            "syntax",
            "ir",
            "util",
            "interop",
            "rewrite",
            "search",
            "backends",
            "testing",
            "tooling",
            "environments",
            "noc",
            "neat",
            "plots",
            "rl",
            "nn",
            "generators",
            "sweep",
        ],
    ),
];

/// Modules below `syntax` in the stack whose files may name the AST: lowering reads it, the
/// emitter writes it, module loading follows its `use` items. Everything else sees the IR.
const AST_READERS: &[&str] = &[
    "src/syntax/",
    "src/ir/lower/",
    "src/ir/emit/",
    "src/ir/modules.rs",
];

/// What counts as I/O: the file system, the standard streams, the process and its
/// environment. Only `cli` and `main.rs` do it.
const IO_PATTERNS: &[&str] = &[
    "std::fs",
    "fs::",
    "File::",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "stdin()",
    "stdout()",
    "stderr()",
    "println!",
    "print!",
    "eprintln!",
    "eprint!",
    "std::process",
    "std::env",
];

const MAX_FILE_LINES: usize = 800;
const MAX_FUNCTION_LINES: usize = 150;

/// The top-level module a source file belongs to (`src/ir/lower/mod.rs` → `ir`).
fn top_module(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("src/")?;
    let first = rest.split('/').next()?;
    Some(first.strip_suffix(".rs").unwrap_or(first))
}

/// The part of a file that is not test code: everything before its first `#[cfg(test)]`
/// (test modules sit at the end of a file), or nothing for files that are tests.
fn production_part<'a>(path: &str, text: &'a str) -> &'a str {
    if path.ends_with("/tests.rs") || path.contains("/tests/") {
        return "";
    }
    match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    }
}

/// Lines without their `//` comments (doc comments cite paths and macros freely).
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, line)| {
        let code = line.split("//").next().unwrap_or("");
        (!code.trim().is_empty()).then_some((i + 1, code))
    })
}

/// Whether `code` contains `path` starting at a word boundary (`File::` is not in
/// `TraceFile::`, `ast::` is not in `last::`).
fn contains_path(code: &str, path: &str) -> bool {
    code.match_indices(path).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// The top-level modules `code` names through `crate::` (plain paths and `crate::{a, b::c}`).
fn crate_references(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                if !name.is_empty() {
                    out.push(name.to_string());
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

/// Every use of a module above a file's own stage, of the AST outside its readers, and of
/// I/O outside `cli`, as `path:line: what`.
fn layering_violations(files: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in files {
        let Some(module) = top_module(path) else {
            continue;
        };
        if module == "main" || module == "lib" {
            continue;
        }
        let Some((_, allowed)) = LAYERS.iter().find(|(m, _)| *m == module) else {
            out.push(format!(
                "{path}: module `{module}` has no place in the layer table"
            ));
            continue;
        };
        let reads_ast = AST_READERS.iter().any(|p| path.starts_with(p));
        for (line, code) in code_lines(production_part(path, text)) {
            for used in crate_references(code) {
                if used != module && !allowed.contains(&used.as_str()) {
                    out.push(format!("{path}:{line}: `{module}` uses `{used}`"));
                }
            }
            if !reads_ast && contains_path(code, "ast::") {
                out.push(format!("{path}:{line}: `{module}` names the AST"));
            }
            if module != "cli" {
                if let Some(io) = IO_PATTERNS.iter().find(|p| contains_path(code, p)) {
                    out.push(format!("{path}:{line}: `{module}` does I/O (`{io}`)"));
                }
            }
        }
    }
    out
}

/// Functions of production code with their length in lines, longest first. A function runs
/// from its `fn` line to the first line that closes at the same indentation (rustfmt's layout).
fn function_lengths(files: &[(String, String)]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (path, text) in files {
        let lines: Vec<&str> = production_part(path, text).lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let signature = [
                "fn ",
                "pub fn ",
                "pub(crate) fn ",
                "pub(super) fn ",
                "const fn ",
            ]
            .iter()
            .any(|p| trimmed.starts_with(p));
            if !signature || trimmed.ends_with(';') {
                continue;
            }
            let indent = &line[..line.len() - trimmed.len()];
            let close = format!("{indent}}}");
            let end = lines[i..]
                .iter()
                .position(|l| *l == close)
                .map_or(lines.len(), |k| i + k);
            let name: String = trimmed
                .split("fn ")
                .nth(1)
                .unwrap_or("")
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push((end - i + 1, format!("{path}:{} {name}", i + 1)));
        }
    }
    out.sort_by(|a, b| b.cmp(a));
    out
}

/// Production files with the length of their non-test part in lines, longest first
/// (generated code is not in `src/`: the parser is generated into `OUT_DIR`).
fn file_lengths(files: &[(String, String)]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = files
        .iter()
        .map(|(path, text)| (production_part(path, text).lines().count(), path.clone()))
        .filter(|(lines, _)| *lines > 0)
        .collect();
    out.sort_by(|a, b| b.cmp(a));
    out
}

fn sources() -> Vec<(String, String)> {
    common::files("src", "rs")
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("source files are readable");
            (common::relative(p), text)
        })
        .collect()
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| !text.starts_with("//!"))
        .map(|(path, _)| path)
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` module doc: {missing:?}"
    );
}

#[test]
fn stages_only_point_down() {
    let violations = layering_violations(&sources());
    assert!(
        violations.is_empty(),
        "layering violations (see ARCHITECTURE.md):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_layering_check_catches_back_edges() {
    let file = |path: &str, text: &str| (path.to_string(), text.to_string());
    let violations = layering_violations(&[
        // Clean: lowering reads the AST, a back end uses the IR, cli prints.
        file("src/ir/lower/mod.rs", "use crate::syntax::ast;\n"),
        file("src/backends/cost/mod.rs", "use crate::ir::{self, Dim};\n"),
        file("src/cli/mod.rs", "fn f() { println!(\"x\"); }\n"),
        // Test code may do anything.
        file(
            "src/backends/hda/tests.rs",
            "use crate::cli; fn f() { println!(); }\n",
        ),
        file(
            "src/ir/mod.rs",
            "#[cfg(test)]\nmod tests { use crate::search; }\n",
        ),
        // Back-edges.
        file("src/syntax/highlight.rs", "use crate::ir::Program;\n"),
        file(
            "src/backends/evaluate.rs",
            "use crate::{ir, search::map};\n",
        ),
        file(
            "src/backends/cost/engine.rs",
            "fn f(x: crate::syntax::ast::MapKind) {}\n",
        ),
        file(
            "src/search/mod.rs",
            "fn f() { std::fs::write(\"a\", \"b\").ok(); }\n",
        ),
        file("src/newthing/mod.rs", "fn f() {}\n"),
        // A comment is not a use, and a longer name is not the path.
        file("src/syntax/lexer.rs", "// see crate::ir::Program\n"),
        file(
            "src/backends/systolic/trace.rs",
            "TraceFile::Ifmap; last::x;\n",
        ),
    ]);
    assert_eq!(
        violations,
        [
            "src/syntax/highlight.rs:1: `syntax` uses `ir`",
            "src/backends/evaluate.rs:1: `backends` uses `search`",
            "src/backends/cost/engine.rs:1: `backends` uses `syntax`",
            "src/backends/cost/engine.rs:1: `backends` names the AST",
            "src/search/mod.rs:1: `search` does I/O (`std::fs`)",
            "src/newthing/mod.rs: module `newthing` has no place in the layer table",
        ]
    );
}

#[test]
fn files_and_functions_stay_a_size_a_reader_can_hold() {
    let files = sources();
    let longest_files = file_lengths(&files);
    let longest_functions = function_lengths(&files);
    eprintln!("longest files: {:?}", &longest_files[..5]);
    eprintln!("longest functions: {:?}", &longest_functions[..5]);
    let big_files: Vec<_> = longest_files
        .iter()
        .filter(|(n, _)| *n > MAX_FILE_LINES)
        .collect();
    let big_functions: Vec<_> = longest_functions
        .iter()
        .filter(|(n, _)| *n > MAX_FUNCTION_LINES)
        .collect();
    assert!(
        big_files.is_empty() && big_functions.is_empty(),
        "split these (files ≤ {MAX_FILE_LINES} lines, functions ≤ {MAX_FUNCTION_LINES}):\n\
         files: {big_files:?}\nfunctions: {big_functions:?}"
    );
}

#[test]
fn the_size_check_measures_functions_and_skips_tests() {
    let body = "    x += 1;\n".repeat(160);
    let files = [
        (
            "src/a.rs".to_string(),
            format!(
                "fn long() {{\n{body}}}\n\nfn short() {{\n}}\n#[cfg(test)]\nfn t() {{\n{body}}}\n"
            ),
        ),
        (
            "src/b/tests.rs".to_string(),
            format!("fn t() {{\n{body}}}\n"),
        ),
    ];
    let lengths = function_lengths(&files);
    assert_eq!(
        lengths,
        [
            (162, "src/a.rs:1 long".to_string()),
            (2, "src/a.rs:164 short".to_string())
        ]
    );
    assert_eq!(file_lengths(&files), [(165, "src/a.rs".to_string())]);
}

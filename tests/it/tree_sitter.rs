//! The tree-sitter grammar (`grammar/editors/tree-sitter-df`) through the `tree-sitter` and
//! `tree-sitter-highlight` crates, so CI needs no tree-sitter CLI: every bundled `.df` parses
//! without an ERROR or MISSING node, its corpus (`test/corpus/*.txt`, for `tree-sitter
//! test`) is fresh, and `highlights.scm` gives every lexer token a capture its kind allows.

use tree_sitter::{Node, Parser, Tree};
use tree_sitter_highlight::{HighlightConfiguration, HighlightEvent, Highlighter};

use crate::common;
use crate::editors::bundled_sources;
use dfc::tooling::highlight;

const GRAMMAR: &str = "grammar/editors/tree-sitter-df";

fn parse(text: &str) -> Tree {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_df::LANGUAGE.into())
        .expect("the grammar's ABI fits the tree-sitter crate");
    parser.parse(text, None).expect("a tree")
}

/// The first ERROR or MISSING node, as `line:column kind`.
fn first_error(node: Node) -> Option<String> {
    if node.is_error() || node.is_missing() {
        let p = node.start_position();
        return Some(format!("{}:{} {}", p.row + 1, p.column + 1, node.kind()));
    }
    let mut cursor = node.walk();
    let children: Vec<Node> = node.children(&mut cursor).collect();
    children.into_iter().find_map(first_error)
}

#[test]
fn tree_sitter_parses_every_bundled_file_without_an_error_node() {
    let sources = bundled_sources(false);
    assert_eq!(sources.len(), 33, "examples and stdlib files");
    for (path, text) in &sources {
        let tree = parse(text);
        assert_eq!(first_error(tree.root_node()), None, "{path}");
    }
    // The error branch: a broken file has an error node where it breaks.
    let broken = parse("network n {\n    l = conv(K: 1;\n}\n");
    assert_eq!(
        first_error(broken.root_node()).as_deref(),
        Some("2:5 ERROR")
    );
}

/// One corpus file per folder, each entry a bundled file and its tree.
fn corpus(prefix: &str, sources: &[(String, String)]) -> String {
    let rule = "=".repeat(80);
    let mut out = String::new();
    for (path, text) in sources.iter().filter(|(p, _)| p.starts_with(prefix)) {
        let tree = parse(text).root_node().to_sexp();
        out.push_str(&format!(
            "{rule}\n{path}\n{rule}\n\n{}\n\n{}\n\n{tree}\n\n",
            text.trim_end(),
            "-".repeat(80)
        ));
    }
    out
}

#[test]
fn tree_sitter_corpus_is_fresh() {
    let sources = bundled_sources(false);
    let bless = std::env::var_os("DFC_BLESS").is_some();
    for name in ["examples", "stdlib"] {
        let path = common::root().join(format!("{GRAMMAR}/test/corpus/{name}.txt"));
        let fresh = corpus(name, &sources);
        if bless {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("corpus dir");
            std::fs::write(&path, &fresh).expect("write corpus");
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == fresh,
            "{} is stale: run `DFC_BLESS=1 cargo test --test it tree_sitter` and commit it",
            path.display()
        );
    }
}

/// The innermost capture name over each byte of `text`, if any.
fn captures_by_byte(text: &str) -> Vec<Option<String>> {
    let mut config = HighlightConfiguration::new(
        tree_sitter_df::LANGUAGE.into(),
        "df",
        tree_sitter_df::HIGHLIGHTS_QUERY,
        "",
        tree_sitter_df::LOCALS_QUERY,
    )
    .expect("the queries compile");
    let names: Vec<String> = config.names().iter().map(|s| s.to_string()).collect();
    config.configure(&names);
    let mut highlighter = Highlighter::new();
    let events = highlighter
        .highlight(&config, text.as_bytes(), None, None, |_| None)
        .expect("highlighting runs");
    let mut by_byte = vec![None; text.len()];
    let mut stack: Vec<usize> = Vec::new();
    for event in events {
        match event.expect("an event") {
            HighlightEvent::HighlightStart(h) => stack.push(h.0),
            HighlightEvent::HighlightEnd => {
                stack.pop();
            }
            HighlightEvent::Source { start, end } => {
                if let Some(&h) = stack.last() {
                    for slot in &mut by_byte[start..end] {
                        *slot = Some(names[h].clone());
                    }
                }
            }
        }
    }
    by_byte
}

/// Each lexer token's bytes get one capture its kind allows; prints the coverage.
#[test]
fn tree_sitter_highlights_give_every_token_its_capture() {
    let mut failures = Vec::new();
    let (mut covered, mut total) = (0usize, 0usize);
    let mut kinds = std::collections::BTreeMap::new();
    for (path, text) in bundled_sources(false) {
        let captures = captures_by_byte(&text);
        for (range, kind) in highlight::token_kinds(&text) {
            *kinds.entry(kind).or_insert(0) += 1;
            let allowed = highlight::expected_captures(kind);
            total += range.len();
            let ok = |c: &Option<String>| {
                c.as_deref()
                    .is_some_and(|c| allowed.iter().any(|a| c.starts_with(a)))
            };
            let good = captures[range.clone()].iter().filter(|c| ok(c)).count();
            covered += good;
            if good != range.len() {
                failures.push(format!(
                    "{path}: {kind} `{}` at byte {} has {:?}, wants one of {allowed:?}",
                    &text[range.clone()],
                    range.start,
                    captures[range.start]
                ));
            }
        }
    }
    println!("tree-sitter highlight coverage: {covered}/{total} token bytes; tokens {kinds:?}");
    assert!(
        failures.is_empty(),
        "{}",
        failures[..failures.len().min(30)].join("\n")
    );
    assert_eq!(covered, total);
}

/// `highlights.scm` names each keyword, directive and loop dimension of the language tables.
#[test]
fn tree_sitter_highlights_name_the_language_words() {
    let words = highlight::words();
    let query = tree_sitter_df::HIGHLIGHTS_QUERY;
    let quoted = |w: &String| query.contains(&format!("\"{w}\""));
    let aliased = ["int", "search"];
    for w in words.keywords.iter().chain(&words.directives) {
        assert!(
            quoted(w) || aliased.contains(&w.as_str()),
            "{w} missing from highlights.scm"
        );
    }
    for d in words.dimensions.iter().filter(|d| !d.ends_with('\'')) {
        assert!(quoted(d), "dimension {d} missing from highlights.scm");
    }
}

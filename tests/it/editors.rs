//! The committed editor files must equal what the lexer tables generate (run with
//! `DFC_BLESS=1` to rewrite them after changing the language); the token fixture the VS Code
//! test reads is generated here too. The tree-sitter grammar is checked in `tree_sitter.rs`.

use crate::common;
use dfc::tooling::highlight;

/// Every bundled `.df` (examples and the standard library) and the every-token file, as
/// `(path relative to the root, text)`.
pub fn bundled_sources(with_every_token: bool) -> Vec<(String, String)> {
    let mut paths = common::files("examples", "df");
    paths.extend(common::files("stdlib", "df"));
    if with_every_token {
        paths.push(common::root().join(EVERY_TOKEN));
    }
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("bundled .df is readable");
            (common::relative(p), text)
        })
        .collect()
}

const EVERY_TOKEN: &str = "grammar/editors/vscode/test/every_token.df";

#[test]
fn editor_syntax_files_are_fresh() {
    let files = [
        (
            "grammar/editors/vscode/syntaxes/df.tmLanguage.json",
            highlight::textmate(),
        ),
        ("grammar/editors/vim/syntax/df.vim", highlight::vim()),
        (
            "grammar/editors/vscode/test/tokens.json",
            highlight::token_fixture(&bundled_sources(true)),
        ),
    ];
    let bless = std::env::var_os("DFC_BLESS").is_some();
    for (path, fresh) in files {
        let full = common::root().join(path);
        if bless {
            std::fs::write(&full, &fresh).expect("write editor file");
            continue;
        }
        let committed = std::fs::read_to_string(&full).unwrap_or_default();
        assert!(
            committed == fresh,
            "{path} is stale: run `DFC_BLESS=1 cargo test editor_syntax` and commit it"
        );
    }
}

#[test]
fn textmate_grammar_names_every_keyword() {
    let grammar: serde_json::Value =
        serde_json::from_str(&highlight::textmate()).expect("valid JSON");
    let text = grammar.to_string();
    for kw in dfc::syntax::lexer::KEYWORDS {
        assert!(text.contains(kw), "{kw} missing from the TextMate grammar");
    }
}

/// The every-token file holds every kind the editors are checked for, so the VS Code test
/// sees each one; the bundled files alone lack the faults.
#[test]
fn every_token_file_has_every_kind() {
    let text = std::fs::read_to_string(common::root().join(EVERY_TOKEN)).expect("readable");
    let mut seen: Vec<&str> = highlight::token_kinds(&text)
        .into_iter()
        .map(|t| t.1)
        .collect();
    seen.sort();
    seen.dedup();
    let mut all = highlight::TOKEN_KINDS.to_vec();
    all.sort();
    assert_eq!(seen, all);
}

/// Units are tried longest first, so `B/cycle` is not cut at `B`, and the Vim file colours
/// `MAC/cycle` whole; layer operators only after `=`.
#[test]
fn generated_patterns_put_long_units_first() {
    let vim = highlight::vim();
    let unit_line = vim
        .lines()
        .find(|l| l.starts_with("syn match dfUnit"))
        .expect("a unit match");
    let per_cycle = unit_line.find("MAC\\/cycle").expect("MAC/cycle is a unit");
    let mac = unit_line.find("\\|MACs\\|").expect("MACs is a unit");
    assert!(per_cycle < mac, "{unit_line}");
    assert!(
        !vim.contains("syn keyword dfUnit"),
        "units are not keywords"
    );
    assert!(
        !vim.contains("syn keyword dfOperator"),
        "operators only after `=`"
    );
    let tm = highlight::textmate();
    assert!(
        tm.contains("B\\\\/cycle|"),
        "B/cycle in the TextMate grammar"
    );
}

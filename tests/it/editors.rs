//! The committed editor syntax files must equal what the lexer tables generate. Run with
//! `DFC_BLESS=1` to rewrite them after changing the language.

use crate::common;

#[test]
fn editor_syntax_files_are_fresh() {
    let files = [
        (
            "grammar/editors/dfc.tmLanguage.json",
            dfc::tooling::highlight::textmate(),
        ),
        ("grammar/editors/df.vim", dfc::tooling::highlight::vim()),
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
        serde_json::from_str(&dfc::tooling::highlight::textmate()).expect("valid JSON");
    let text = grammar.to_string();
    for kw in dfc::syntax::lexer::KEYWORDS {
        assert!(text.contains(kw), "{kw} missing from the TextMate grammar");
    }
}

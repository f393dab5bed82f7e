//! What the editor syntax files are built from: the lexer's keyword tables, the IR's names
//! (layer operators, dimensions, units, precisions, metrics), and the lexer's token kinds with
//! the scope each editor must give them. `textmate` and `vim` turn these into files; the
//! tests tokenise every bundled `.df` with the editors' engines and compare against
//! [`token_kinds`].

use logos::Logos;

use crate::ir::{units, Dim, LayerOp, Metric, Precision};
use crate::syntax::lexer::{Token, DIRECTIVES, KEYWORDS};

pub use super::textmate::textmate;
pub use super::vim::vim;

/// Keywords that start an item and are followed by its name.
pub const ITEM_KEYWORDS: &[&str] = &[
    "network",
    "hardware",
    "dataflow",
    "mapping",
    "test",
    "accelerator",
    "workload",
];

/// The language's words, one list per highlight class, sorted longest first so an
/// alternation tries `B/cycle` before `B` and `Y'` before `Y`.
pub struct Words {
    pub keywords: Vec<String>,
    pub items: Vec<String>,
    pub directives: Vec<String>,
    pub operators: Vec<String>,
    pub precisions: Vec<String>,
    pub dimensions: Vec<String>,
    pub units: Vec<String>,
    pub metrics: Vec<String>,
}

fn longest_first(mut words: Vec<String>) -> Vec<String> {
    words.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    words.dedup();
    words
}

fn owned(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| (*s).to_string()).collect()
}

pub fn words() -> Words {
    Words {
        keywords: longest_first(owned(KEYWORDS)),
        items: longest_first(owned(ITEM_KEYWORDS)),
        directives: longest_first(owned(DIRECTIVES)),
        operators: longest_first(LayerOp::ALL.iter().map(|o| o.name().into()).collect()),
        precisions: longest_first(Precision::ALL.iter().map(|p| p.name.into()).collect()),
        dimensions: longest_first(Dim::ALL.iter().map(|d| d.name().into()).collect()),
        units: longest_first(units::names()),
        metrics: longest_first(Metric::ALL.iter().map(|m| m.name().into()).collect()),
    }
}

/// `words` as a regex alternation (`a|b|c`), with `escape` applied to each word.
pub fn alternation(words: &[String], escape: fn(&str) -> String) -> String {
    words
        .iter()
        .map(|w| escape(w))
        .collect::<Vec<_>>()
        .join("|")
}

/// The kind of every token the lexer finds in `text`, comments and faults included, with
/// its byte range: what the editors' tokenisers are checked against.
pub fn token_kinds(text: &str) -> Vec<(std::ops::Range<usize>, &'static str)> {
    let mut lexer = Token::lexer(text);
    let mut out = Vec::new();
    while let Some(result) = lexer.next() {
        let kind = match result {
            Ok(token) => kind(&token),
            Err(()) => "Invalid",
        };
        out.push((lexer.span(), kind));
    }
    out
}

/// A token's kind as a stable name. The match is exhaustive, so a new token kind fails to
/// compile until it is given a name here and a scope in [`expected_scopes`].
pub fn kind(token: &Token) -> &'static str {
    use Token::*;
    match token {
        Use | Std | Network | Hardware | Dataflow | Mapping | Test | Expect | Snapshot
        | Accelerator | Workload | Sweep | After | With | Within | Of | Search | Int => "Keyword",
        Spatial | Temporal | Cluster | Sz => "Directive",
        LBrace | RBrace | LParen | RParen | Comma | Semi | PathSep | Colon | Dot => "Punctuation",
        Eq | Star | Slash | Plus | Percent | Minus | Lt | Le | Gt | Ge | EqEq => "Operator",
        Ident(_) => "Ident",
        Primed(_) => "Primed",
        Integer(_) => "Integer",
        Float(_) => "Float",
        Str(_) => "Str",
        UnterminatedStr(_) => "UnterminatedStr",
        Comment(_) => "Comment",
        HashComment(_) => "HashComment",
    }
}

/// Every token kind [`kind`] names, plus `Invalid` for characters the lexer rejects.
pub const TOKEN_KINDS: &[&str] = &[
    "Keyword",
    "Directive",
    "Punctuation",
    "Operator",
    "Ident",
    "Primed",
    "Integer",
    "Float",
    "Str",
    "UnterminatedStr",
    "Comment",
    "HashComment",
    "Invalid",
];

/// The TextMate scope prefixes a token of each kind may get (any one of them). An identifier
/// is the only kind whose class depends on context: an item's name, a field, a unit, …
pub fn expected_scopes(kind: &str) -> &'static [&'static str] {
    match kind {
        "Keyword" => &["keyword.control.df"],
        "Directive" => &["keyword.other.directive.df"],
        "Punctuation" => &["punctuation."],
        // `/` inside `B/cycle` belongs to the unit.
        "Operator" => &["keyword.operator.", "keyword.other.unit.df"],
        "Ident" => &[
            "entity.name.",
            "variable.",
            "support.",
            "storage.type.precision.df",
            "keyword.other.unit.df",
        ],
        "Primed" => &["variable.language.dimension.df"],
        "Integer" | "Float" => &["constant.numeric.df"],
        "Str" => &["string.quoted.double.df"],
        "UnterminatedStr" => &["invalid.illegal.unterminated-string.df"],
        "Comment" => &["comment.line.double-slash.df"],
        "HashComment" => &["invalid.illegal.comment.df"],
        _ => &["invalid.illegal."],
    }
}

/// The same for tree-sitter highlight captures (`highlights.scm`).
pub fn expected_captures(kind: &str) -> &'static [&'static str] {
    match kind {
        "Keyword" => &["keyword"],
        "Directive" => &["keyword.directive", "function.builtin"],
        "Punctuation" => &["punctuation."],
        "Operator" => &["operator", "type.unit"],
        "Ident" => &[
            "type", "variable", "function", "property", "constant", "module", "label",
        ],
        "Primed" => &["variable.builtin"],
        "Integer" | "Float" => &["number"],
        "Str" => &["string"],
        "Comment" => &["comment"],
        _ => &["error"],
    }
}

/// The lexer's tokens of each `(path, text)` as JSON, for the editors' own tokenisers to be
/// checked against: per file, `[line, start, end, kind]` with a 0-based line and UTF-16
/// columns (what JavaScript strings index), and the scopes each kind may get.
pub fn token_fixture(files: &[(String, String)]) -> String {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(path, text)| {
            let source = crate::source::SourceFile::new(path.clone(), text.clone());
            let utf16 = |offset: usize| {
                let line = source.line_index(offset);
                let start = source.line_starts()[line];
                (line, text[start..offset].encode_utf16().count())
            };
            let tokens: Vec<serde_json::Value> = token_kinds(text)
                .into_iter()
                .map(|(range, kind)| {
                    let (line, start) = utf16(range.start);
                    let end = start + text[range].encode_utf16().count();
                    serde_json::json!([line, start, end, kind])
                })
                .collect();
            serde_json::json!({ "path": path, "tokens": tokens })
        })
        .collect();
    let scopes: serde_json::Map<String, serde_json::Value> = TOKEN_KINDS
        .iter()
        .map(|k| ((*k).to_string(), serde_json::json!(expected_scopes(k))))
        .collect();
    let fixture = serde_json::json!({
        "comment": "Generated by tests/it/editors.rs from the lexer; do not edit (DFC_BLESS=1 rewrites it).",
        "kinds": TOKEN_KINDS,
        "scopes": scopes,
        "files": files,
    });
    let mut s = serde_json::to_string(&fixture).unwrap_or_default();
    s.push('\n');
    s
}

//! The `.df` language for the [tree-sitter] parsing library, with its queries.
//!
//! [tree-sitter]: https://tree-sitter.github.io/

use tree_sitter_language::LanguageFn;

extern "C" {
    fn tree_sitter_df() -> *const ();
}

/// The tree-sitter [`LanguageFn`] for `.df`.
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_df) };

/// The content of the [`node-types.json`] file for this grammar.
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

/// Syntax highlighting: `queries/highlights.scm`.
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");
/// Definitions and references: `queries/locals.scm`.
pub const LOCALS_QUERY: &str = include_str!("../../queries/locals.scm");
/// Indentation (nvim-treesitter, Helix): `queries/indents.scm`.
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");
/// Folding: `queries/folds.scm`.
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");

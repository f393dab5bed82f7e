//! Importers of other tools' input files into the IR: MAESTRO (`maestro`), SCALE-Sim
//! (`scalesim`) and ONNX (`onnx`), plus what they share — turning a foreign name into a
//! `.df` identifier, keeping layer names unique, naming items after a file, and the span
//! that stands for a whole file.
//!
//! Importers read what the caller has already loaded (text in a
//! [`SourceMap`](crate::source::SourceMap); an ONNX model's bytes) and return the IR with
//! diagnostics; they never touch the file system.

pub mod maestro;
pub mod onnx;
pub mod scalesim;

use std::collections::HashMap;

use crate::source::{FileId, SourceFile, Span};
use crate::syntax::lexer::{lex, Token};

/// A `.df` identifier for a foreign name: invalid characters become `_`; keywords and names
/// starting with a digit get `prefix`.
pub(crate) fn identifier(name: &str, prefix: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("{prefix}{s}");
    }
    let lexed = lex(FileId(0), &s);
    if !matches!(lexed.tokens.as_slice(), [(_, Token::Ident(_), _)]) {
        s = format!("{prefix}{s}");
    }
    s
}

/// Layer identifiers of one network: the second layer called `conv` becomes `conv_2`, the
/// third `conv_3`, and so on.
#[derive(Default)]
pub(crate) struct LayerNames {
    seen: HashMap<String, usize>,
}

impl LayerNames {
    /// The identifier for the next layer called `name` (prefix `layer_` where needed).
    pub(crate) fn next(&mut self, name: &str) -> String {
        let ident = identifier(name, "layer_");
        let count = self.seen.entry(ident.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            format!("{ident}_{count}")
        } else {
            ident
        }
    }
}

/// The file name without directory and extension (`fallback` when there is none), which
/// names the item imported from the file.
pub(crate) fn file_stem<'a>(file: &'a SourceFile, fallback: &'a str) -> &'a str {
    std::path::Path::new(&file.name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or(fallback)
}

/// The span that stands for a whole file in diagnostics: its first byte (empty when the
/// file is empty).
pub(crate) fn whole_file_span(file: FileId, text: &str) -> Span {
    Span::new(file, 0..text.len().min(1))
}

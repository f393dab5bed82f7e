//! MAESTRO's lexical rules: each line splits on MAESTRO's separator characters, a word that
//! starts with `//` ends the line, and numbers read as C's `atoi` reads them.

use crate::source::{FileId, Span};

/// A word of the input and where it is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'a> {
    pub(super) text: &'a str,
    pub(super) span: Span,
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | ',' | '-' | '>' | '(' | ')' | ':' | '\t' | ';' | '\r'
    )
}

/// MAESTRO's lexer: split each line on its separators; a token starting with `//` ends the line.
pub(super) fn tokenize(file: FileId, text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        let mut i = 0;
        let bytes: Vec<(usize, char)> = line.char_indices().collect();
        while i < bytes.len() {
            if is_separator(bytes[i].1) {
                i += 1;
                continue;
            }
            let start = bytes[i].0;
            while i < bytes.len() && !is_separator(bytes[i].1) {
                i += 1;
            }
            let end = bytes.get(i).map_or(line.len(), |b| b.0);
            let word = &line[start..end];
            if word.starts_with("//") {
                break;
            }
            out.push(Tok {
                text: word,
                span: Span::new(file, line_start + start..line_start + end),
            });
        }
        line_start += line.len() + 1;
    }
    out
}

/// C's `atoi`: the leading digits, 0 when there are none.
pub(super) fn atoi(text: &str) -> (i64, bool) {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let value = digits
        .parse::<i64>()
        .unwrap_or(if digits.is_empty() { 0 } else { i64::MAX });
    (value, digits.len() == text.len() && !digits.is_empty())
}

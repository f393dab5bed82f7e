//! MAESTRO's lexical rules: each line splits on MAESTRO's separator characters, a word that
//! starts with `//` ends the line, and numbers read as C's `atoi` reads them.

use crate::source::{FileId, Span};

/// A word of the input and where it is.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok<'a> {
    pub(super) text: &'a str,
    pub(super) span: Span,
}

/// MAESTRO's separators; all ASCII, so a byte scan finds them without splitting characters.
fn is_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b',' | b'-' | b'>' | b'(' | b')' | b':' | b'\t' | b';' | b'\r'
    )
}

/// MAESTRO's lexer: split each line on its separators; a token starting with `//` ends the line.
/// One pass over the bytes: large files (thousands of layers) spend most of their import here.
pub(super) fn tokenize(file: FileId, text: &str) -> Vec<Tok<'_>> {
    let bytes = text.as_bytes();
    // About one token per four bytes in MAESTRO files; reserving avoids repeated regrowth.
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' || is_separator(b) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'\n' && !is_separator(bytes[i]) {
            i += 1;
        }
        // Separators and newlines are ASCII, so `start..i` lies on character boundaries.
        let word = &text[start..i];
        if word.starts_with("//") {
            i += bytes[i..]
                .iter()
                .position(|&c| c == b'\n')
                .unwrap_or(bytes.len() - i);
            continue;
        }
        out.push(Tok {
            text: word,
            span: Span::new(file, start..i),
        });
    }
    out
}

/// C's `atoi`: the leading digits, 0 when there are none.
pub(super) fn atoi(text: &str) -> (i64, bool) {
    // The digits are ASCII, so the leading ones are a byte prefix of `text`; reading them in
    // place (no string per number) matters for files of thousands of layers.
    let len = text.bytes().take_while(u8::is_ascii_digit).count();
    let digits = &text[..len];
    let value = digits
        .parse::<i64>()
        .unwrap_or(if digits.is_empty() { 0 } else { i64::MAX });
    (value, len == text.len() && len > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenize_splits_on_separators_and_stops_lines_at_comments() {
        let text = "Layer µa {\n\tTemporalMap(3,1) Y; // 9 X\r\nK: 4->5\n//x\nZ";
        let tokens = tokenize(FileId(0), text);
        let words: Vec<&str> = tokens.iter().map(|t| t.text).collect();
        assert_eq!(
            words,
            [
                "Layer",
                "µa",
                "{",
                "TemporalMap",
                "3",
                "1",
                "Y",
                "K",
                "4",
                "5",
                "Z"
            ]
        );
        for t in &tokens {
            assert_eq!(&text[t.span.range()], t.text);
        }
    }
}

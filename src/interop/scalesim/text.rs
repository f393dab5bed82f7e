//! The Python text rules SCALE-Sim's input files are read with, and the error both parsers
//! return. Line splitting follows Python's text mode (`\n`, `\r\n` and a lone `\r` end a
//! line); `strip` is Python's `str.strip()` (Unicode whitespace plus the ASCII separators
//! `\x1c`–`\x1f`); `py_int` is Python's `int()`.

use std::fmt;
use std::ops::Range;

/// A problem in an input file: 1-based line, byte range within the whole text, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub line: usize,
    pub span: Range<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for FileError {}

/// One line of the text: number, byte range of its content (without the terminator).
pub(super) struct Line<'a> {
    pub(super) no: usize,
    pub(super) start: usize,
    pub(super) text: &'a str,
}

/// Python's universal-newline line splitting.
pub(super) fn lines(text: &str) -> Vec<Line<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut start, mut i, mut no) = (0usize, 0usize, 1usize);
    while i < bytes.len() {
        match bytes[i] {
            b'\n' | b'\r' => {
                out.push(Line {
                    no,
                    start,
                    text: &text[start..i],
                });
                no += 1;
                if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if start < bytes.len() {
        out.push(Line {
            no,
            start,
            text: &text[start..],
        });
    }
    out
}

/// Python's `str.isspace()` as used by `str.strip()`.
pub(super) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.strip()` and the byte offset of the stripped text within `s`.
pub(super) fn strip(s: &str) -> (usize, &str) {
    let t = s.trim_start_matches(py_space);
    let off = s.len() - t.len();
    (off, t.trim_end_matches(py_space))
}

/// Python's `int(s)` for ASCII input: optional sign, digits, single underscores between digits.
pub(super) fn py_int(s: &str) -> Option<i128> {
    let (_, s) = strip(s);
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut v: i128 = 0;
    for b in digits.bytes() {
        match b {
            b'0'..=b'9' => v = v.checked_mul(10)?.checked_add((b - b'0') as i128)?,
            b'_' => {}
            _ => return None,
        }
    }
    Some(if neg { -v } else { v })
}

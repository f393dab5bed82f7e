//! Source bytes to text: a `.df` file must be UTF-8, and one that is not gets `E0006` at its
//! first bad byte rather than an I/O error.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};

/// Add a file read as bytes to `sources`. Text that is not UTF-8 is added decoded lossily, so
/// the diagnostic can show its line (the text before the first bad byte is unchanged), and the
/// `E0006` diagnostic at that byte is returned with the file's id.
pub fn add_source(
    sources: &mut SourceMap,
    name: String,
    bytes: Vec<u8>,
) -> Result<FileId, (FileId, Diagnostic)> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(sources.add(name, text)),
        Err(e) => {
            let utf8 = e.utf8_error();
            let at = utf8.valid_up_to();
            let byte = e.as_bytes()[at];
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let file = sources.add(name.clone(), text);
            let d = Diagnostic::at(
                Code::InvalidUtf8,
                // One replacement character stands for the bad bytes in the lossy text.
                Span::new(file, at..at + '\u{FFFD}'.len_utf8()),
                format!("`{name}` is not UTF-8 text"),
                format!("byte 0x{byte:02X} is not valid UTF-8"),
            )
            .with_help("save the file as UTF-8; `.df` files are text");
            Err((file, d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_text_is_added_unchanged() {
        let mut sources = SourceMap::new();
        let file = add_source(&mut sources, "a.df".into(), b"network n {}".to_vec());
        let Ok(file) = file else {
            panic!("valid UTF-8 was rejected")
        };
        assert_eq!(sources.file(file).text, "network n {}");
    }

    #[test]
    fn the_first_bad_byte_is_located() {
        let mut sources = SourceMap::new();
        let bytes = b"// ok\n  x\xff\xfe y\n\xff".to_vec();
        let Err((file, d)) = add_source(&mut sources, "b.df".into(), bytes) else {
            panic!("invalid UTF-8 was accepted")
        };
        assert_eq!(d.code, Code::InvalidUtf8);
        let span = d.labels[0].span;
        assert_eq!(span.start, 9);
        let lc = sources.file(file).line_col(span.start as usize);
        assert_eq!((lc.line, lc.column), (2, 4));
    }
}

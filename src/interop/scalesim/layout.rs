//! SCALE-Sim's layout CSV (`-l`, mandatory in SCALE-Sim): one row per layer of custom
//! IFMAP/FILTER on-chip layout factors after a header line. dfc simulates no custom layout,
//! so only a file without layout rows is accepted (see `docs/semantics/scalesim.md`,
//! "Layout files").

use super::text::{lines, strip, FileError};

/// Accepts a layout file that is its header line alone (blank lines allowed, as SCALE-Sim
/// skips them); the first layout row is an error.
pub fn check_layout(text: &str) -> Result<(), FileError> {
    for (idx, line) in lines(text).into_iter().enumerate() {
        let (off, row) = strip(line.text);
        if idx == 0 || row.is_empty() {
            continue;
        }
        return Err(FileError {
            line: line.no,
            span: line.start + off..line.start + off + row.len(),
            message: "custom layout rows are not simulated: give a layout file with its \
                      header line only"
                .to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_layout;

    #[test]
    fn header_only_is_accepted_and_a_row_is_refused() {
        assert!(check_layout("").is_ok());
        assert!(check_layout("Layer name, IFMAP Height Intraline Factor,\n\n  \n").is_ok());
        let e = check_layout("h,\r\n\r\nconv1, 1, 2,\n").unwrap_err();
        assert_eq!((e.line, e.span), (3, 6..18));
    }
}

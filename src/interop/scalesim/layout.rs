//! SCALE-Sim's layout CSV (`-l`, mandatory in SCALE-Sim): after a header line, one row per
//! layer of custom IFMAP/FILTER layout factors and loop orders, read with SCALE-Sim's rules
//! (see `docs/semantics/scalesim.md`, "Layout files").

use super::text::{lines, py_int, strip, FileError};
use crate::backends::systolic::LayoutRow;

/// Fields SCALE-Sim reads from a layout row: the name and 20 numbers.
const FIELDS: usize = 21;

/// Parses a layout file as SCALE-Sim does and returns the layout it uses for every layer:
/// the first row (SCALE-Sim asks for layer 0's layout whatever the layer), or `None` for a
/// file without rows. Every row must read: SCALE-Sim converts them all. The last
/// comma-separated field of a row is dropped; a row whose name contains `DP` stands for as
/// many rows as its channel factor says, each with channel factor 1.
pub fn parse_layout(text: &str) -> Result<Option<LayoutRow>, FileError> {
    let mut first = None;
    for (idx, line) in lines(text).into_iter().enumerate() {
        let (off, row) = strip(line.text);
        if idx == 0 || row.is_empty() {
            continue;
        }
        let start = line.start + off;
        let err = |span: std::ops::Range<usize>, message: String| FileError {
            line: line.no,
            span,
            message,
        };
        let mut fields: Vec<(std::ops::Range<usize>, &str)> = Vec::new();
        let mut pos = 0usize;
        for part in row.split(',') {
            fields.push((start + pos..start + pos + part.len(), part));
            pos += part.len() + 1;
        }
        fields.pop();
        if fields.len() < FIELDS {
            return Err(err(
                start..start + row.len(),
                format!(
                    "a layout row needs a name and 20 numbers before its trailing comma, found \
                     {} fields",
                    fields.len()
                ),
            ));
        }
        let mut numbers = Vec::with_capacity(fields.len() - 1);
        for (span, text) in &fields[1..] {
            match py_int(text) {
                Some(v) if i64::try_from(v).is_ok() => numbers.push(v as i64),
                _ => {
                    return Err(err(
                        span.clone(),
                        format!("`{}` is not an integer", strip(text).1),
                    ))
                }
            }
        }
        // `DP` rows: as many copies as the channel factor, each with channel factor 1.
        if strip(fields[0].1).1.contains("DP") {
            if numbers[4] <= 0 {
                continue;
            }
            numbers[4] = 1;
        }
        let n = |i: usize| numbers[i - 1];
        first.get_or_insert(LayoutRow {
            ifmap_factors: [n(1), n(2), n(5)],
            ifmap_intra: [n(7), n(8), n(9)],
            ifmap_inter: [n(10), n(11), n(12)],
            filter_factors: [n(6), n(5), n(3), n(4)],
            filter_intra: [n(13), n(14), n(15), n(16)],
            filter_inter: [n(17), n(18), n(19), n(20)],
        });
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::parse_layout;

    #[test]
    fn first_row_header_only_and_errors() {
        assert_eq!(parse_layout("header,\n\n").unwrap(), None);
        let row = "L0,1,2,1,1,3,4,0,1,2,3,4,5,4,5,6,7,0,1,2,3,";
        let l = parse_layout(&format!("h,\n{row}\nL1,x,\n")).unwrap_err();
        assert_eq!(l.line, 3);
        let l = parse_layout(&format!("h,\n{row}\n")).unwrap().unwrap();
        assert_eq!(l.ifmap_factors, [1, 2, 3]);
        assert_eq!(l.filter_factors, [4, 3, 1, 1]);
        assert_eq!(l.filter_inter, [0, 1, 2, 3]);
        let dp = "L0_DP,1,2,1,1,3,4,0,1,2,3,4,5,4,5,6,7,0,1,2,3,";
        let l = parse_layout(&format!("h,\n{dp}\n")).unwrap().unwrap();
        assert_eq!(l.ifmap_factors, [1, 2, 1]);
        let e = parse_layout("h,\nL0,1,2,\n").unwrap_err();
        assert_eq!((e.line, e.span), (2, 3..10));
    }
}

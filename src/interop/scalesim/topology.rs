//! SCALE-Sim's topology CSV files, conv form and GEMM form, read with SCALE-Sim's rules
//! (see `docs/semantics/scalesim.md`, "Input files").

use std::ops::Range;

use super::text::{lines, py_int, strip, FileError};
use crate::backends::systolic::Layer;

/// Parses a SCALE-Sim topology file (conv form, or GEMM form `name, M, N, K,` when `gemm`).
///
/// SCALE-Sim's rules: the first line is a header; blank lines are skipped; each line's last
/// comma-separated field is dropped (so the line must end with a comma, or it loses its
/// stride); one stride serves both axes; an optional `N:M` sparsity field follows; a conv layer
/// whose name contains `DP` becomes one layer per channel, named `<name>Channel_<i>`, each with
/// one channel; a GEMM layer becomes `IFMAP M×K, filter 1×K, 1 channel, N filters, stride 1`.
pub fn parse_topology(text: &str, gemm: bool) -> Result<Vec<Layer>, FileError> {
    let mut out = Vec::new();
    for (idx, line) in lines(text).into_iter().enumerate() {
        if idx == 0 {
            continue; // header
        }
        let (off, row) = strip(line.text);
        if row.is_empty() {
            continue;
        }
        let row_start = line.start + off;
        // Fields with their byte ranges; the last one is dropped, as SCALE-Sim does.
        let mut fields: Vec<(Range<usize>, &str)> = Vec::new();
        let mut pos = 0usize;
        for part in row.split(',') {
            fields.push((row_start + pos..row_start + pos + part.len(), part));
            pos += part.len() + 1;
        }
        let dropped = fields.pop();
        let err = |span: Range<usize>, message: String| FileError {
            line: line.no,
            span,
            message,
        };
        let row_span = row_start..row_start + row.len();
        let need = if gemm { 4 } else { 8 };
        if fields.len() < need {
            let hint = match dropped {
                Some((_, last)) if !strip(last).1.is_empty() => {
                    " (SCALE-Sim drops the last comma-separated field, so a line must end with \
                     a comma)"
                }
                _ => "",
            };
            let what = if gemm {
                "name, M, N, K"
            } else {
                "name, IFMAP height, IFMAP width, filter height, filter width, channels, \
                 number of filters, stride"
            };
            return Err(err(
                row_span,
                format!(
                    "expected {need} fields ({what}) before the trailing comma, found {}{hint}",
                    fields.len()
                ),
            ));
        }
        if !gemm && fields.len() > 9 {
            return Err(err(
                fields[9].0.clone(),
                "too many fields: after the stride only an `N:M` sparsity ratio may follow"
                    .to_string(),
            ));
        }
        let num = |i: usize| -> Result<u64, FileError> {
            let (span, s) = &fields[i];
            match py_int(s) {
                Some(v) if v >= 1 && v <= u64::MAX as i128 => Ok(v as u64),
                Some(_) => Err(err(
                    span.clone(),
                    format!("`{}` must be a positive integer", strip(s).1),
                )),
                None => Err(err(
                    span.clone(),
                    format!("`{}` is not an integer", strip(s).1),
                )),
            }
        };
        let sparsity_idx = if gemm { 4 } else { 8 };
        let sparsity = match fields.get(sparsity_idx) {
            None => None,
            Some((span, s)) => {
                let parts: Vec<&str> = strip(s).1.split(':').collect();
                let parse = |p: &str| py_int(p).filter(|&v| v >= 1 && v <= u64::MAX as i128);
                match (
                    parts.first().and_then(|p| parse(p)),
                    parts.get(1).and_then(|p| parse(p)),
                ) {
                    (Some(n), Some(m)) => Some((n as u64, m as u64)),
                    _ => {
                        return Err(err(
                            span.clone(),
                            format!("`{}` is not an `N:M` sparsity ratio", strip(s).1),
                        ))
                    }
                }
            }
        };
        let name = strip(fields[0].1).1.to_string();
        if gemm {
            let (m, n, k) = (num(1)?, num(2)?, num(3)?);
            let mut layer = Layer::gemm(&name, m, n, k);
            layer.sparsity = sparsity;
            out.push(layer);
            continue;
        }
        let (h, w, fh, fw) = (num(1)?, num(2)?, num(3)?, num(4)?);
        let (ch, nf, s) = (num(5)?, num(6)?, num(7)?);
        if fh > h {
            return Err(err(
                fields[3].0.start..fields[1].0.end.max(fields[3].0.end),
                format!("filter height {fh} is larger than the IFMAP height {h}"),
            ));
        }
        if fw > w {
            return Err(err(
                fields[2].0.start..fields[4].0.end,
                format!("filter width {fw} is larger than the IFMAP width {w}"),
            ));
        }
        let mut layer = Layer::conv(&name, [h, w], [fh, fw], ch, nf, s);
        layer.sparsity = sparsity;
        if name.contains("DP") {
            // SCALE-Sim's depthwise convention: one single-channel layer per channel.
            if ch > 1 << 20 {
                return Err(err(
                    fields[5].0.clone(),
                    "too many channels for a `DP` layer".to_string(),
                ));
            }
            for i in 0..ch {
                let mut l = layer.clone();
                l.name = format!("{name}Channel_{i}");
                l.channels = 1;
                out.push(l);
            }
        } else {
            out.push(layer);
        }
    }
    Ok(out)
}

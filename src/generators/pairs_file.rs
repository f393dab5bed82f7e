//! A user's measured pairs as CSV: a header with `accuracy` and, per layer, `LAYER` (one
//! width for weights and activations) or `LAYER.w` and `LAYER.a`; then one row per measured
//! configuration. Errors point at the offending field (so they carry its line).

use super::space::Pair;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::nn::quant::{Bits, MAX_BITS, MIN_BITS};
use crate::source::{FileId, Span};

/// Which width a column gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Both(usize),
    Weights(usize),
    Activations(usize),
    Accuracy,
}

/// Fields of a line with their byte ranges in the file.
fn fields(line: &str, offset: usize) -> Vec<(&str, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for part in line.split(',') {
        let lead = part.len() - part.trim_start().len();
        let text = part.trim();
        let s = offset + start + lead;
        out.push((text, s..s + text.len()));
        start += part.len() + 1;
    }
    out
}

/// Parses the pairs for the layers `layers` (in that order).
pub fn parse(file: FileId, text: &str, layers: &[String]) -> Result<Vec<Pair>, Vec<Diagnostic>> {
    let mut lines = text.split_inclusive('\n').scan(0, |offset, line| {
        let start = *offset;
        *offset += line.len();
        Some((start, line.trim_end_matches(['\n', '\r'])))
    });
    let Some((hstart, header)) = lines.find(|(_, l)| !l.trim().is_empty()) else {
        return Err(vec![Diagnostic::new(
            Code::PairsEmpty,
            "the pairs file is empty",
        )]);
    };
    let mut errors = Vec::new();
    let mut roles = Vec::new();
    let names = layers.iter().map(String::as_str);
    for (name, range) in fields(header, hstart) {
        let (base, role) = match name.rsplit_once('.') {
            Some((b, "w")) => (b, Some(Role::Weights as fn(usize) -> Role)),
            Some((b, "a")) => (b, Some(Role::Activations as fn(usize) -> Role)),
            _ => (name, None),
        };
        if name == "accuracy" {
            roles.push(Role::Accuracy);
            continue;
        }
        match layers.iter().position(|l| l == base) {
            Some(i) => roles.push(role.map_or(Role::Both(i), |r| r(i))),
            None => errors.push(
                Diagnostic::at(
                    Code::PairsUnknownLayer,
                    Span::new(file, range),
                    format!("the network has no layer `{base}`"),
                    "not a layer",
                )
                .with_note(format!("layers: {}", layers.join(", ")))
                .with_help_opt(suggest(base, names.clone())),
            ),
        }
    }
    let header_span = Span::new(file, hstart..hstart + header.len());
    for (i, layer) in layers.iter().enumerate() {
        let has = |f: &dyn Fn(&Role) -> bool| roles.iter().any(f);
        let both = has(&|r| *r == Role::Both(i));
        let w = has(&|r| *r == Role::Weights(i));
        let a = has(&|r| *r == Role::Activations(i));
        if !(both || (w && a)) {
            errors.push(
                Diagnostic::at(
                    Code::PairsMissingLayer,
                    header_span,
                    format!(
                        "no column gives layer `{layer}` its width{}",
                        if w || a {
                            "s (it needs both `.w` and `.a`)"
                        } else {
                            ""
                        }
                    ),
                    "in this header",
                )
                .with_help(format!(
                    "add a column `{layer}` (or `{layer}.w` and `{layer}.a`)"
                )),
            );
        }
    }
    if !roles.contains(&Role::Accuracy) {
        errors.push(Diagnostic::at(
            Code::PairsMissingLayer,
            header_span,
            "the header has no `accuracy` column",
            "in this header",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut pairs = Vec::new();
    for (start, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let values = fields(line, start);
        if values.len() != roles.len() {
            errors.push(Diagnostic::at(
                Code::PairsBadValue,
                Span::new(file, start..start + line.len()),
                format!(
                    "{} fields where the header has {}",
                    values.len(),
                    roles.len()
                ),
                "this row",
            ));
            continue;
        }
        let mut bits = vec![Bits { w: 0, a: 0 }; layers.len()];
        let mut accuracy = 0.0;
        for ((text, range), role) in values.into_iter().zip(&roles) {
            let span = Span::new(file, range);
            let Ok(v) = text.parse::<f64>() else {
                errors.push(Diagnostic::at(
                    Code::PairsNotANumber,
                    span,
                    format!("`{text}` is not a number"),
                    "expected a number",
                ));
                continue;
            };
            let width = || -> Option<u32> {
                (v.fract() == 0.0 && (f64::from(MIN_BITS)..=f64::from(MAX_BITS)).contains(&v))
                    .then_some(v as u32)
            };
            let bad =
                |what: String| Diagnostic::at(Code::PairsBadValue, span, what, "out of range");
            match *role {
                Role::Accuracy if (0.0..=1.0).contains(&v) => accuracy = v,
                Role::Accuracy => errors.push(bad(format!("accuracy {text} is outside 0..1"))),
                _ if width().is_none() => errors.push(bad(format!(
                    "width {text} is not a whole number of bits in {MIN_BITS}..{MAX_BITS}"
                ))),
                Role::Both(i) => {
                    bits[i] = Bits {
                        w: v as u32,
                        a: v as u32,
                    }
                }
                Role::Weights(i) => bits[i].w = v as u32,
                Role::Activations(i) => bits[i].a = v as u32,
            }
        }
        pairs.push(Pair { bits, accuracy });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if pairs.is_empty() {
        return Err(vec![Diagnostic::at(
            Code::PairsEmpty,
            header_span,
            "the pairs file has a header but no rows",
            "only a header",
        )]);
    }
    Ok(pairs)
}

//! Lowering sparsity: a mapping's `sparsity { … }` block into per-layer operand densities,
//! and a hardware's `sparse { … }` fields into its formats and treatment of ineffectual MACs
//! (`docs/sparsity.md`).

use super::*;
use crate::ir::sparsity::PER_BILLION;
use crate::ir::{Density, Distribution, Format, Ineffectual, SparseSupport};

/// The operand a part of an entry is about.
#[derive(Clone, Copy, PartialEq)]
enum Operand {
    Weights,
    Activations,
}

impl Lowering {
    /// Each layer's sparsity: the mapping-wide entry, then the layer's own.
    pub(super) fn layer_sparsities(
        &mut self,
        entries: &[&ast::BlockEntry],
        net_id: NetworkId,
        layer_names: &[String],
    ) -> Vec<LayerSparsity> {
        let mut per_layer = vec![LayerSparsity::default(); layer_names.len()];
        for e in entries.iter().filter(|e| e.layer.is_none()) {
            if let Some(s) = self.sparsity_entry(e) {
                per_layer.iter_mut().for_each(|x| *x = s);
            }
        }
        for e in entries.iter() {
            let Some(layer) = &e.layer else { continue };
            match layer_names.iter().position(|n| *n == layer.name) {
                Some(i) => {
                    if let Some(s) = self.sparsity_entry(e) {
                        per_layer[i] = s;
                    }
                }
                None => self.unknown_layer(layer, net_id),
            }
        }
        per_layer
    }

    /// `dense`, or `weights 2:4 / activations 0.4 banded`: an operand unnamed stays dense.
    fn sparsity_entry(&mut self, e: &ast::BlockEntry) -> Option<LayerSparsity> {
        let mut out = LayerSparsity::default();
        let mut ok = true;
        for part in &e.parts {
            if let [ast::Word::Name(n)] = part.words.as_slice() {
                if n.name == "dense" {
                    continue;
                }
            }
            match self.sparsity_part(part) {
                Some((Operand::Weights, d)) => out.weights = d,
                Some((Operand::Activations, d)) => out.activations = d,
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn sparsity_part(&mut self, part: &ast::BlockPart) -> Option<(Operand, Density)> {
        let shape_error = |this: &mut Self, span: Span| {
            this.error(
                Diagnostic::at(
                    Code::InvalidDensity,
                    span,
                    "expected an operand and its density",
                    "not a density",
                )
                .with_help(
                    "write `weights 2:4`, `activations 0.5`, `weights 0.3 banded` or `dense`",
                ),
            );
            None
        };
        let (operand, rest) = match part.words.as_slice() {
            [ast::Word::Name(op), rest @ ..] if !rest.is_empty() => (op, rest),
            _ => return shape_error(self, part.span),
        };
        let operand = match operand.name.as_str() {
            "weights" | "w" => Operand::Weights,
            "activations" | "a" => Operand::Activations,
            other => {
                self.error(
                    Diagnostic::at(
                        Code::InvalidDensity,
                        operand.span,
                        format!("unknown operand `{other}`"),
                        "expected `weights` or `activations`",
                    )
                    .with_note("outputs are dense: only the two operands of a MAC can be sparse"),
                );
                return None;
            }
        };
        let density = match rest {
            [ast::Word::Ratio { n, m, span }] => self.structured(n, m, *span)?,
            [ast::Word::Number(d)] => self.random(d, Distribution::Uniform)?,
            [ast::Word::Number(d), ast::Word::Name(dist)] => {
                let distribution = match dist.name.as_str() {
                    "uniform" => Distribution::Uniform,
                    "banded" => Distribution::Banded,
                    other => {
                        self.error(
                            Diagnostic::at(
                                Code::InvalidDensity,
                                dist.span,
                                format!("unknown distribution `{other}`"),
                                "expected `uniform` or `banded`",
                            )
                            .with_help_opt(suggest(other, ["uniform", "banded"])),
                        );
                        return None;
                    }
                };
                self.random(d, distribution)?
            }
            _ => return shape_error(self, part.span),
        };
        Some((operand, density))
    }

    /// `N:M` with `0 < N ≤ M`.
    fn structured(&mut self, n: &ast::Number, m: &ast::Number, span: Span) -> Option<Density> {
        let (n_value, m_value) = (self.integer(n)?, self.integer(m)?);
        if n_value < 1 || m_value < 1 || n_value > m_value || m_value > i64::from(u16::MAX) {
            self.error(
                Diagnostic::at(
                    Code::InvalidDensity,
                    span,
                    format!("`{n_value}:{m_value}` is not an N:M ratio"),
                    "needs 0 < N ≤ M",
                )
                .with_help("N nonzeros in every M elements: `2:4`, `1:8`"),
            );
            return None;
        }
        Some(Density::Structured {
            n: n_value as u32,
            m: m_value as u32,
        })
    }

    /// A density in (0, 1], held in parts per billion.
    fn random(&mut self, d: &ast::Number, distribution: Distribution) -> Option<Density> {
        let value: f64 = d.text.parse().unwrap_or(f64::NAN);
        let per_billion = (value * PER_BILLION as f64).round();
        if !(per_billion >= 1.0 && per_billion <= PER_BILLION as f64) {
            self.error(
                Diagnostic::at(
                    Code::InvalidDensity,
                    d.span,
                    format!("a density of `{}` is outside (0, 1]", d.text),
                    "not a fraction of nonzeros",
                )
                .with_help("a density is the fraction of elements that are nonzero: `0.5`"),
            );
            return None;
        }
        Some(Density::Random {
            per_billion: per_billion as u32,
            distribution,
        })
    }

    /// One `sparse.…` hardware field.
    pub(super) fn sparse_field(&mut self, sparse: &mut SparseSupport, path: &str, v: &ast::Value) {
        match path {
            "sparse.ineffectual" => {
                if let Some(i) = self.sparse_name(
                    v,
                    path,
                    &[
                        ("compute", Ineffectual::Compute),
                        ("gate", Ineffectual::Gate),
                        ("skip", Ineffectual::Skip),
                    ],
                ) {
                    sparse.ineffectual = i;
                }
            }
            "sparse.run_bits" => {
                if let Some(bits) = self.count(v, path) {
                    if bits > 32 {
                        self.error(
                            Diagnostic::at(
                                Code::SparseHardware,
                                value_span(v),
                                format!("a run-length field of {bits} bits is wider than 32"),
                                "too wide",
                            )
                            .with_help("runs are counted in at most 32 bits"),
                        );
                    } else {
                        sparse.run_bits = bits as u32;
                    }
                }
            }
            _ => {
                let Some(format) = self.sparse_name(v, path, &Format::ALL) else {
                    return;
                };
                // `sparse.weights` sets both levels; `sparse.l1.weights` one.
                let levels: &mut [&mut crate::ir::OperandFormats] = match path {
                    p if p.starts_with("sparse.l1.") => &mut [&mut sparse.l1],
                    p if p.starts_with("sparse.l2.") => &mut [&mut sparse.l2],
                    _ => &mut [&mut sparse.l1, &mut sparse.l2],
                };
                for level in levels.iter_mut() {
                    if path.ends_with(".weights") {
                        level.weights = format;
                    } else {
                        level.activations = format;
                    }
                }
            }
        }
    }

    fn sparse_name<T: Copy>(
        &mut self,
        v: &ast::Value,
        path: &str,
        choices: &[(&'static str, T)],
    ) -> Option<T> {
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        if let ast::Value::Name(n) = v {
            if let Some((_, t)) = choices.iter().find(|(name, _)| *name == n.name) {
                return Some(*t);
            }
        }
        let (span, found) = match v {
            ast::Value::Name(n) => (n.span, format!("`{}`", n.name)),
            ast::Value::Quantity(q) => (q.span, format!("the number `{}`", q.number.text)),
        };
        let d = Diagnostic::at(
            Code::SparseHardware,
            span,
            format!("`{path}` is one of {}, found {found}", names.join(", ")),
            "not a choice here",
        );
        let d = match v {
            ast::Value::Name(n) => d.with_help_opt(suggest(&n.name, names.iter().copied())),
            ast::Value::Quantity(_) => d,
        };
        self.error(d);
        None
    }

    /// Skipping needs to know where an operand's nonzeros are: the PEs' buffers must hold at
    /// least one operand compressed.
    pub(super) fn check_sparse_support(&mut self, hw: &Hardware) {
        let s = &hw.sparse;
        // A field already refused would make this a second error about the same line.
        let refused = self.diags.iter().any(|d| {
            d.code == Code::SparseHardware
                && d.labels.first().is_some_and(|l| {
                    l.span.file == hw.span.file
                        && hw.span.start <= l.span.start
                        && l.span.end <= hw.span.end
                })
        });
        if refused {
            return;
        }
        let compressed = |f: Format| f != Format::Uncompressed;
        if s.ineffectual == Ineffectual::Skip
            && !compressed(s.l1.weights)
            && !compressed(s.l1.activations)
        {
            self.error(
                Diagnostic::at(
                    Code::SparseHardware,
                    hw.field_span("sparse.ineffectual"),
                    format!(
                        "hardware `{}` skips ineffectual MACs but its PEs hold both operands \
                         uncompressed",
                        hw.name
                    ),
                    "skipping needs to know where the nonzeros are",
                )
                .with_help(
                    "give `sparse { weights: bitmask; }` (or rle, coo), or `ineffectual: gate`",
                ),
            );
        }
    }
}

fn value_span(v: &ast::Value) -> Span {
    match v {
        ast::Value::Name(n) => n.span,
        ast::Value::Quantity(q) => q.span,
    }
}

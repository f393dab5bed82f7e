//! Numbers as the text writes them: constant expressions, whole numbers, plain counts, and
//! quantities with units converted to base units. Every lowering step reads its values here.

use super::dataflow::binary_operator;
use super::*;
use crate::ir::instantiate::apply;

impl Lowering {
    /// Evaluate an expression that may hold only numbers and arithmetic.
    pub(super) fn const_eval(&mut self, e: &ast::Expr, what: &str) -> Option<i64> {
        match e {
            ast::Expr::Number(n) => self.integer(n),
            ast::Expr::Name(i) => {
                self.error(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        i.span,
                        format!("{what} must be a number, found the name `{}`", i.name),
                        "a name is not allowed here",
                    )
                    .with_help("write the value as a number"),
                );
                None
            }
            ast::Expr::Size { span, .. } => {
                self.error(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        *span,
                        format!("{what} cannot use `Sz`"),
                        "`Sz` only has a value inside a dataflow",
                    )
                    .with_help("write the value as a number"),
                );
                None
            }
            ast::Expr::Paren { inner, .. } => self.const_eval(inner, what),
            ast::Expr::Chain { first, rest, span } => {
                let mut value = self.const_eval(first, what)?;
                for (op, operand) in rest {
                    let b = self.const_eval(operand, what)?;
                    match apply(binary_operator(*op), value, b) {
                        Ok(v) => value = v,
                        Err(msg) => {
                            self.error(Diagnostic::at(
                                Code::ArithmeticError,
                                Span {
                                    end: operand.span().end,
                                    ..*span
                                },
                                msg,
                                "in this expression",
                            ));
                            return None;
                        }
                    }
                }
                Some(value)
            }
        }
    }

    pub(super) fn integer(&mut self, n: &ast::Number) -> Option<i64> {
        if !n.is_integer() {
            self.error(
                Diagnostic::at(
                    Code::TypeMismatch,
                    n.span,
                    format!("expected a whole number, found `{}`", n.text),
                    "not an integer",
                )
                .with_help("loop bounds, tile sizes and counts are integers"),
            );
            return None;
        }
        match n.as_u64().and_then(|v| i64::try_from(v).ok()) {
            Some(v) => Some(v),
            None => {
                self.error(Diagnostic::at(
                    Code::InvalidNumber,
                    n.span,
                    format!("`{}` is too large", n.text),
                    "does not fit in 63 bits",
                ));
                None
            }
        }
    }

    /// A plain positive count (no unit).
    pub(super) fn count(&mut self, v: &ast::Value, field: &str) -> Option<u64> {
        let ast::Value::Quantity(q) = v else {
            return self.expected_number(v, field);
        };
        if let Some(u) = &q.unit {
            self.error(Diagnostic::at(
                Code::WrongUnit,
                u.span,
                format!("`{field}` is a count and takes no unit"),
                "remove this unit",
            ));
            return None;
        }
        let n = self.integer(&q.number)?;
        self.positive(n, q.span, field)
    }

    pub(super) fn positive(&mut self, n: i64, span: Span, field: &str) -> Option<u64> {
        self.require_positive(Code::InvalidValue, n, span, field)
            .map(|v| v as u64)
    }

    /// `v` if it is at least 1; otherwise a `code` diagnostic naming `what`.
    pub(super) fn require_positive(
        &mut self,
        code: Code,
        v: i64,
        span: Span,
        what: &str,
    ) -> Option<i64> {
        if v <= 0 {
            self.error(Diagnostic::at(
                code,
                span,
                format!("`{what}` must be positive, found {v}"),
                "must be at least 1",
            ));
            return None;
        }
        Some(v)
    }

    pub(super) fn expected_number(&mut self, v: &ast::Value, field: &str) -> Option<u64> {
        if let ast::Value::Name(n) = v {
            self.error(Diagnostic::at(
                Code::TypeMismatch,
                n.span,
                format!("`{field}` must be a number, found the name `{}`", n.name),
                "expected a number",
            ));
        }
        None
    }

    pub(super) fn unit_of(
        &mut self,
        q: &ast::Quantity,
        dim: Dimension,
        field: &str,
    ) -> Option<units::UnitInfo> {
        let Some(u) = &q.unit else {
            let example = match dim {
                Dimension::Size => format!("`{} elem` or `{} B`", q.number.text, q.number.text),
                Dimension::Bandwidth => format!(
                    "`{} elem/cycle` or `{} B/cycle`",
                    q.number.text, q.number.text
                ),
                Dimension::Time => format!("`{} cycles`", q.number.text),
                Dimension::Energy => format!("`{} pJ`", q.number.text),
                Dimension::Frequency => {
                    format!("`{0} fps` (a frame rate) or `{0} MHz`", q.number.text)
                }
                Dimension::Count | Dimension::Rate => q.number.text.clone(),
            };
            let mut d = Diagnostic::at(
                Code::MissingUnit,
                q.span,
                format!("`{field}` needs a unit"),
                format!("expected {}", dim.describe()),
            );
            if matches!(dim, Dimension::Size | Dimension::Bandwidth) {
                d = d.with_note(
                    "MAESTRO counts buffer sizes in elements; `.df` makes the unit explicit",
                );
            }
            self.error(d.with_help(format!("write {example}")));
            return None;
        };
        let info = units::lookup(&u.name.name, u.per.as_ref().map(|p| p.name.as_str()));
        match info {
            Some(info) if info.dimension == dim => Some(info),
            _ => {
                let help = unit_hint(u, dim)
                    .unwrap_or_else(|| format!("`{field}` takes {}", dim.describe()));
                self.error(
                    Diagnostic::at(
                        Code::WrongUnit,
                        u.span,
                        format!("`{}` is not {}", u.text(), dim.describe()),
                        "wrong unit",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    /// An integer quantity converted to its base unit; also says whether it counts elements.
    pub(super) fn quantity_u64(
        &mut self,
        v: &ast::Value,
        dim: Dimension,
        field: &str,
    ) -> Option<(u64, bool)> {
        let ast::Value::Quantity(q) = v else {
            return self.expected_number(v, field).map(|n| (n, false));
        };
        let info = self.unit_of(q, dim, field)?;
        let n = self.integer(&q.number)?;
        let n = self.positive(n, q.span, field)?;
        let scaled = n as f64 * info.factor;
        if scaled > 1e18 {
            self.error(Diagnostic::at(
                Code::InvalidNumber,
                q.span,
                format!("`{field}` is too large"),
                "too large",
            ));
            return None;
        }
        Some((scaled as u64, info.elements))
    }

    pub(super) fn quantity_f64(
        &mut self,
        v: &ast::Value,
        dim: Dimension,
        field: &str,
    ) -> Option<f64> {
        let ast::Value::Quantity(q) = v else {
            return self.expected_number(v, field).map(|n| n as f64);
        };
        let info = self.unit_of(q, dim, field)?;
        let Some(x) = q.number.as_f64().filter(|x| x.is_finite() && *x >= 0.0) else {
            self.error(Diagnostic::at(
                Code::InvalidNumber,
                q.number.span,
                format!("`{}` is not a valid value for `{field}`", q.number.text),
                "invalid number",
            ));
            return None;
        };
        Some(x * info.factor)
    }
}

pub(super) fn value_span(v: &ast::Value) -> Span {
    match v {
        ast::Value::Quantity(q) => q.span,
        ast::Value::Name(n) => n.span,
    }
}

/// "did you mean …?" for a unit of the wrong kind: the same unit per cycle (or without the
/// `/cycle`) when that fits, else the nearest name among the units that measure `dim`.
fn unit_hint(u: &ast::Unit, dim: Dimension) -> Option<String> {
    let name = u.name.name.as_str();
    let fits = |per: Option<&str>| units::lookup(name, per).map(|i| i.dimension) == Some(dim);
    let same_unit = if u.per.is_none() && fits(Some("cycle")) {
        Some(format!("{name}/cycle"))
    } else if u.per.is_some() && fits(None) {
        Some(name.to_string())
    } else {
        None
    };
    match same_unit {
        Some(unit) => Some(format!("did you mean `{unit}`?")),
        None => suggest(&u.text(), units::names_of(dim).iter().map(String::as_str)),
    }
}

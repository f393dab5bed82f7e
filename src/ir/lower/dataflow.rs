//! Lowering dataflows: parameters with their defaults, directives with their sizes and
//! offsets as resolved expressions, and the cluster-level structure checked.

use super::*;
use crate::ir::instantiate::check_levels;
use crate::ir::shape::MAX_LOOP_BOUND;

impl Lowering {
    pub(super) fn dataflow(&mut self, d: &ast::Dataflow) -> Dataflow {
        let mut params: Vec<Param> = Vec::new();
        for p in &d.params {
            if let Some(first) = params.iter().find(|q| q.name == p.name.name) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateDefinition,
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.name),
                        "declared again here",
                    )
                    .with_label(first.span, "first declared here"),
                );
                continue;
            }
            if Dim::parse(&p.name.name).is_some() {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateDefinition,
                        p.name.span,
                        format!("parameter `{}` has the name of a dimension", p.name.name),
                        "this name is a loop dimension",
                    )
                    .with_help("use a lower-case name such as `k_tile`"),
                );
                continue;
            }
            let default = match &p.default {
                Some(e) => self
                    .const_eval(e, &format!("the default of `{}`", p.name.name))
                    .and_then(|v| self.positive_i64(v, e.span(), &p.name.name)),
                None => None,
            };
            params.push(Param {
                name: p.name.name.clone(),
                default,
                span: p.name.span,
            });
        }
        let mut directives = Vec::new();
        for dir in &d.directives {
            match dir {
                ast::Directive::Map {
                    kind,
                    size,
                    offset,
                    dim,
                    span,
                } => {
                    let dim_ok = self.dim(dim);
                    let size = self.dataflow_expr(size, &params);
                    let offset = self.dataflow_expr(offset, &params);
                    if let (Some(dim), Some(size), Some(offset)) = (dim_ok, size, offset) {
                        directives.push(Directive::Map {
                            kind: map_kind(*kind),
                            size,
                            offset,
                            dim,
                            span: *span,
                        });
                    }
                }
                ast::Directive::Cluster { size, kind, span } => {
                    if let Some(k) = kind {
                        if k.name != "P" && k.name != "L" {
                            self.error(
                                Diagnostic::at(
                                    Code::InvalidValue,
                                    k.span,
                                    format!("unknown cluster type `{}`", k.name),
                                    "expected `P` or `L`",
                                )
                                .with_help(
                                    "MAESTRO's cluster types `P` and `L` mean the same; omit it",
                                ),
                            );
                        }
                    }
                    if let Some(size) = self.dataflow_expr(size, &params) {
                        directives.push(Directive::Cluster { size, span: *span });
                    }
                }
            }
        }
        // A dropped directive (already diagnosed) would make its level look empty.
        if directives.len() == d.directives.len() {
            self.diags
                .extend(check_levels(&d.name.name, d.name.span, &directives));
        }
        Dataflow {
            name: d.name.name.clone(),
            params,
            directives,
            span: d.span,
        }
    }

    pub(super) fn positive_i64(&mut self, v: i64, span: Span, what: &str) -> Option<i64> {
        self.require_positive(Code::InvalidTile, v, span, what)
    }

    pub(super) fn dim(&mut self, name: &ast::Ident) -> Option<Dim> {
        let d = Dim::parse(&name.name);
        if d.is_none() {
            let names = Dim::ALL.map(Dim::name);
            let upper = name.name.to_uppercase();
            let help = if Dim::parse(&upper).is_some() {
                Some(format!("dimensions are upper-case: `{upper}`"))
            } else {
                suggest(&name.name, names)
            };
            self.error(
                Diagnostic::at(
                    Code::UnknownDimension,
                    name.span,
                    format!("`{}` is not a loop dimension", name.name),
                    "unknown dimension",
                )
                .with_note(format!("dimensions: {}", names.join(", ")))
                .with_help_opt(help),
            );
        }
        d
    }

    pub(super) fn dataflow_expr(&mut self, e: &ast::Expr, params: &[Param]) -> Option<Expr> {
        match e {
            ast::Expr::Number(n) => {
                let v = self.integer(n)?;
                if v <= 0 {
                    self.error(Diagnostic::at(
                        Code::InvalidTile,
                        n.span,
                        format!("a map size or offset must be positive, found {v}"),
                        "must be at least 1",
                    ));
                    return None;
                }
                if v > MAX_LOOP_BOUND {
                    self.error(Diagnostic::at(
                        Code::InvalidValue,
                        n.span,
                        format!("{v} is larger than the largest supported size, {MAX_LOOP_BOUND}"),
                        "too large",
                    ));
                    return None;
                }
                Some(Expr::Const(v))
            }
            ast::Expr::Name(i) => match params.iter().position(|p| p.name == i.name) {
                Some(idx) => Some(Expr::Param(idx)),
                None => {
                    let mut d = Diagnostic::at(
                        Code::UnresolvedName,
                        i.span,
                        format!("no parameter `{}` in this dataflow", i.name),
                        "not a parameter",
                    );
                    d = if Dim::parse(&i.name).is_some() {
                        d.with_help(format!(
                            "the size of a dimension is written `Sz({})`",
                            i.name
                        ))
                    } else {
                        d.with_help_opt(suggest(&i.name, params.iter().map(|p| p.name.as_str())))
                    };
                    self.error(d);
                    None
                }
            },
            ast::Expr::Size { dim, .. } => self.dim(dim).map(Expr::Size),
            ast::Expr::Paren { inner, .. } => self.dataflow_expr(inner, params),
            ast::Expr::Binary { op, lhs, rhs, .. } => {
                let a = self.dataflow_expr(lhs, params);
                let b = self.dataflow_expr(rhs, params);
                Some(Expr::Binary(
                    binary_operator(*op),
                    Box::new(a?),
                    Box::new(b?),
                ))
            }
        }
    }
}

/// The IR's own copy of a map kind: the back ends never see syntax.
fn map_kind(kind: ast::MapKind) -> MapKind {
    match kind {
        ast::MapKind::Spatial => MapKind::Spatial,
        ast::MapKind::Temporal => MapKind::Temporal,
    }
}

/// The IR's own copy of an arithmetic operator.
pub(super) fn binary_operator(op: ast::BinOp) -> BinOp {
    match op {
        ast::BinOp::Add => BinOp::Add,
        ast::BinOp::Sub => BinOp::Sub,
        ast::BinOp::Mul => BinOp::Mul,
        ast::BinOp::Div => BinOp::Div,
    }
}

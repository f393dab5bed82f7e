//! Lowering dataflows: parameters with their defaults, directives with their sizes and
//! offsets as resolved expressions, and the cluster-level structure checked.

use super::*;
use crate::ir::instantiate::{apply, check_levels};
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
                    let size = self.directive_expr(size, &params);
                    let offset = self.directive_expr(offset, &params);
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
                    if let Some(size) = self.directive_expr(size, &params) {
                        directives.push(Directive::Cluster { size, span: *span });
                    }
                }
            }
        }
        // A dropped directive (already diagnosed) would make its level look empty.
        if directives.len() == d.directives.len() {
            self.diags
                .extend(check_levels(&d.name.name, d.name.span, &directives));
            self.unused_params(&d.name.name, &params, &directives);
        }
        Dataflow {
            name: d.name.name.clone(),
            params,
            directives,
            span: d.span,
        }
    }

    /// `W0302` for each parameter that no directive reads: its argument would be ignored.
    fn unused_params(&mut self, dataflow: &str, params: &[Param], directives: &[Directive]) {
        for (i, p) in params.iter().enumerate() {
            let used = directives.iter().any(|d| match d {
                Directive::Map { size, offset, .. } => {
                    reads_param(size, i) || reads_param(offset, i)
                }
                Directive::Cluster { size, .. } => reads_param(size, i),
            });
            if !used {
                self.error(
                    Diagnostic::at(
                        Code::UnusedParameter,
                        p.span,
                        format!(
                            "parameter `{}` of dataflow `{dataflow}` is never used",
                            p.name
                        ),
                        "no directive reads it",
                    )
                    .with_help("use it in a size, offset or cluster, or remove it"),
                );
            }
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
            ast::Expr::Chain { first, rest, span } => {
                let first_ir = self.dataflow_expr(first, params);
                let mut lowered = Vec::with_capacity(rest.len());
                let mut ok = true;
                for (op, operand) in rest {
                    match self.dataflow_expr(operand, params) {
                        Some(x) => lowered.push((binary_operator(*op), x, operand.span())),
                        None => ok = false,
                    }
                }
                let first_ir = first_ir.filter(|_| ok)?;
                self.fold_chain(first_ir, lowered, *span)
            }
        }
    }

    /// A chain of lowered operands: constants folded (so `1/0` is an arithmetic error here,
    /// not a zero tile later), and a leading chain of the same precedence spliced in, so the
    /// IR of `(a + b) + c` is that of `a + b + c`.
    fn fold_chain(
        &mut self,
        first: Expr,
        rest: Vec<(BinOp, Expr, Span)>,
        span: Span,
    ) -> Option<Expr> {
        let all_const = matches!(first, Expr::Const(_))
            && rest.iter().all(|(_, x, _)| matches!(x, Expr::Const(_)));
        if all_const {
            let Expr::Const(mut value) = first else {
                return None;
            };
            for (op, x, operand_span) in &rest {
                let Expr::Const(b) = x else { return None };
                match apply(*op, value, *b) {
                    Ok(v) => value = v,
                    Err(msg) => {
                        self.error(Diagnostic::at(
                            Code::ArithmeticError,
                            Span {
                                end: operand_span.end,
                                ..span
                            },
                            msg,
                            "in this expression",
                        ));
                        return None;
                    }
                }
            }
            return Some(Expr::Const(value));
        }
        let precedence = rest.first().map_or(0, |(op, ..)| op.precedence());
        let (first, mut chain) = match first {
            Expr::Chain(inner_first, inner_rest)
                if inner_rest.first().map(|(op, _)| op.precedence()) == Some(precedence) =>
            {
                (inner_first, inner_rest)
            }
            other => (Box::new(other), Vec::with_capacity(rest.len())),
        };
        chain.extend(rest.into_iter().map(|(op, x, _)| (op, x)));
        Some(Expr::Chain(first, chain))
    }

    /// A directive's size or offset: a constant must be a positive tile no larger than the
    /// largest supported loop bound.
    fn directive_expr(&mut self, e: &ast::Expr, params: &[Param]) -> Option<Expr> {
        let x = self.dataflow_expr(e, params)?;
        if let Expr::Const(v) = x {
            if v <= 0 {
                self.error(Diagnostic::at(
                    Code::InvalidTile,
                    e.span(),
                    format!("a map size or offset must be positive, found {v}"),
                    "must be at least 1",
                ));
                return None;
            }
            if v > MAX_LOOP_BOUND {
                self.error(Diagnostic::at(
                    Code::InvalidValue,
                    e.span(),
                    format!("{v} is larger than the largest supported size, {MAX_LOOP_BOUND}"),
                    "too large",
                ));
                return None;
            }
        }
        Some(x)
    }
}

/// Whether `e` reads parameter `index` (expressions nest only as deep as the parser allows).
fn reads_param(e: &Expr, index: usize) -> bool {
    match e {
        Expr::Param(i) => *i == index,
        Expr::Const(_) | Expr::Size(_) => false,
        Expr::Chain(first, rest) => {
            reads_param(first, index) || rest.iter().any(|(_, x)| reads_param(x, index))
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

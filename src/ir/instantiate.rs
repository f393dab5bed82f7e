//! What a dataflow means for one layer: its cluster levels checked for structure, and its
//! directives evaluated to concrete sizes and offsets. Lowering, the importers, the search
//! and the back ends all use these.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

use super::{BinOp, ConcreteDirective, Dataflow, Directive, Expr, Layer, MapKind};

/// Why a dataflow could not be instantiated for a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstantiateError {
    pub code: Code,
    pub span: Span,
    pub message: String,
}

/// Evaluate a dataflow's directives for one layer, with `args` one value per parameter.
pub fn instantiate(
    df: &Dataflow,
    args: &[i64],
    layer: &Layer,
) -> Result<Vec<ConcreteDirective>, InstantiateError> {
    let eval_at = |e: &Expr, span: Span| -> Result<i64, InstantiateError> {
        let v = eval(e, args, layer).map_err(|message| InstantiateError {
            code: Code::ArithmeticError,
            span,
            message: format!(
                "{message} in dataflow `{}` for layer `{}`",
                df.name, layer.name
            ),
        })?;
        if v <= 0 {
            return Err(InstantiateError {
                code: Code::InvalidTile,
                span,
                message: format!(
                    "this size evaluates to {v} for layer `{}`; sizes must be positive",
                    layer.name
                ),
            });
        }
        Ok(v)
    };
    df.directives
        .iter()
        .map(|d| match d {
            Directive::Map {
                kind,
                size,
                offset,
                dim,
                span,
            } => Ok(ConcreteDirective::Map {
                kind: *kind,
                size: eval_at(size, *span)?,
                offset: eval_at(offset, *span)?,
                dim: *dim,
            }),
            Directive::Cluster { size, span } => Ok(ConcreteDirective::Cluster {
                size: eval_at(size, *span)?,
            }),
        })
        .collect()
}

/// The value of a dataflow expression for one layer: parameters from `args`, `Sz(D)` from
/// the layer's loop bounds.
fn eval(e: &Expr, args: &[i64], layer: &Layer) -> Result<i64, String> {
    match e {
        Expr::Const(v) => Ok(*v),
        Expr::Param(i) => args
            .get(*i)
            .copied()
            .ok_or_else(|| "missing argument".to_string()),
        Expr::Size(d) => {
            i64::try_from(layer.loop_bound(*d)).map_err(|_| "size too large".to_string())
        }
        Expr::Chain(first, rest) => rest
            .iter()
            .try_fold(eval(first, args, layer)?, |a, (op, b)| {
                apply(*op, a, eval(b, args, layer)?)
            }),
    }
}

/// One arithmetic step, checked: division by zero and overflow are errors, not panics.
/// Lowering's constant evaluation uses it too.
pub(crate) fn apply(op: BinOp, a: i64, b: i64) -> Result<i64, String> {
    let r = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div => {
            if b == 0 {
                return Err("division by zero".to_string());
            }
            a.checked_div(b)
        }
    };
    r.ok_or_else(|| "arithmetic overflow".to_string())
}

/// Each cluster level needs one or two spatial maps; at most three `cluster`s. `name` and
/// `name_span` are the dataflow's name and where it is written: the outermost level starts there.
pub(crate) fn check_levels(
    name: &str,
    name_span: Span,
    directives: &[Directive],
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let clusters: Vec<Span> = directives
        .iter()
        .filter(|x| matches!(x, Directive::Cluster { .. }))
        .map(Directive::span)
        .collect();
    if clusters.len() > 3 {
        diags.push(
            Diagnostic::at(
                Code::TooManyClusters,
                clusters[3],
                format!(
                    "dataflow `{}` has {} cluster levels; at most 3 are supported",
                    name,
                    clusters.len()
                ),
                "one cluster too many",
            )
            .with_note("the NoC model has four levels: three clusters and the PEs"),
        );
    }
    let mut level_start = name_span;
    let mut spatial: Vec<Span> = Vec::new();
    let mut levels: Vec<(Span, Vec<Span>)> = Vec::new();
    for x in directives {
        match x {
            Directive::Map {
                kind: MapKind::Spatial,
                span,
                ..
            } => spatial.push(*span),
            Directive::Map { .. } => {}
            Directive::Cluster { span, .. } => {
                levels.push((level_start, std::mem::take(&mut spatial)));
                level_start = *span;
            }
        }
    }
    levels.push((level_start, spatial));
    for (i, (start, spatial)) in levels.iter().enumerate() {
        if spatial.is_empty() {
            let where_ = if i == 0 {
                "the outermost level".to_string()
            } else {
                format!("cluster level {i}")
            };
            diags.push(
                Diagnostic::at(
                    Code::NoSpatialMap,
                    *start,
                    format!("{where_} of dataflow `{}` has no spatial map", name),
                    if i == 0 { "this dataflow" } else { "the level opened here" },
                )
                .with_help("every level maps some dimension across its sub-units with `spatial(size, offset) D;`"),
            );
        }
        if spatial.len() > 2 {
            diags.push(
                Diagnostic::at(
                    Code::TooManySpatialMaps,
                    spatial[2],
                    format!(
                        "a cluster level of `{}` has {} spatial maps; at most 2 are supported",
                        name,
                        spatial.len()
                    ),
                    "a third spatial map",
                )
                .with_help("add a `cluster(n);` level between them"),
            );
        }
    }
    diags
}

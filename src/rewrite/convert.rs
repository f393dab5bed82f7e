//! Directive lists ⇄ mapping terms.
//!
//! [`to_recexpr`] is total; [`from_recexpr`] checks the term's shape, because terms also come
//! from parsed text and from sampling an e-graph.

use std::fmt;

use egg::{Id, RecExpr};

use super::lang::{DimName, MapLang};
use crate::ir::ConcreteDirective;

/// Why a term is not a directive list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError(pub String);

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConvertError {}

/// The term of a directive list (outermost directive at the root).
pub fn to_recexpr(directives: &[ConcreteDirective]) -> RecExpr<MapLang> {
    let mut expr = RecExpr::default();
    let mut body = expr.add(MapLang::Mac);
    // Built inside-out: each directive wraps the nest below it.
    for d in directives.iter().rev() {
        body = match *d {
            ConcreteDirective::Map {
                kind,
                size,
                offset,
                dim,
            } => {
                let dim = expr.add(MapLang::Dim(DimName(dim)));
                let size = expr.add(MapLang::Num(size));
                let offset = expr.add(MapLang::Num(offset));
                expr.add(MapLang::map(kind, [dim, size, offset, body]))
            }
            ConcreteDirective::Cluster { size } => {
                let n = expr.add(MapLang::Num(size));
                expr.add(MapLang::Cluster([n, body]))
            }
        };
    }
    expr
}

/// The directive list of a term rooted at its last node.
pub fn from_recexpr(expr: &RecExpr<MapLang>) -> Result<Vec<ConcreteDirective>, ConvertError> {
    let nodes = expr.as_ref();
    if nodes.is_empty() {
        return Err(ConvertError("empty term".to_string()));
    }
    let node = |id: Id| -> Result<&MapLang, ConvertError> {
        nodes
            .get(usize::from(id))
            .ok_or_else(|| ConvertError(format!("dangling child {id}")))
    };
    let num = |id: Id| -> Result<i64, ConvertError> {
        match node(id)? {
            MapLang::Num(n) => Ok(*n),
            other => Err(ConvertError(format!("expected a number, found `{other}`"))),
        }
    };
    let mut out = Vec::new();
    let mut at = Id::from(nodes.len() - 1);
    // A well-formed term is a chain, so this walks each node once; the bound stops a
    // malformed (cyclic) input.
    for _ in 0..nodes.len() {
        match node(at)? {
            MapLang::Mac => return Ok(out),
            MapLang::Cluster([n, body]) => {
                out.push(ConcreteDirective::Cluster { size: num(*n)? });
                at = *body;
            }
            m @ (MapLang::Temporal(_) | MapLang::Spatial(_)) => {
                let Some((kind, [d, size, offset, body])) = m.as_map() else {
                    return Err(ConvertError("expected a map".to_string()));
                };
                let MapLang::Dim(DimName(dim)) = node(d)? else {
                    return Err(ConvertError("expected a dimension".to_string()));
                };
                out.push(ConcreteDirective::Map {
                    kind,
                    size: num(size)?,
                    offset: num(offset)?,
                    dim: *dim,
                });
                at = body;
            }
            other => {
                return Err(ConvertError(format!(
                    "expected a map, cluster or `mac`, found `{other}`"
                )))
            }
        }
    }
    Err(ConvertError("the nest does not end in `mac`".to_string()))
}

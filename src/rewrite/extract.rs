//! Drawing terms out of a saturated e-graph.
//!
//! The search scores mappings with the full cost model, which is not compositional, so it
//! does not extract one "best" term with a `CostFunction`; it samples many terms of a root
//! class (each class picks one of its nodes) and evaluates them exactly.

use egg::{Id, Language, RecExpr};

use super::lang::MapLang;
use super::rules::MapEGraph;

/// One term of class `root`. `pick(class, nodes)` chooses the node of each class visited (an
/// index into `nodes`; larger values are clamped). `None` if the class nests deeper than
/// `max_depth` (the rules keep term depth, so this only guards against a malformed graph).
pub fn sample_term(
    egraph: &MapEGraph,
    root: Id,
    max_depth: usize,
    pick: &mut dyn FnMut(Id, &[MapLang]) -> usize,
) -> Option<RecExpr<MapLang>> {
    let mut expr = RecExpr::default();
    build(egraph, root, max_depth, pick, &mut expr)?;
    Some(expr)
}

fn build(
    egraph: &MapEGraph,
    class: Id,
    depth: usize,
    pick: &mut dyn FnMut(Id, &[MapLang]) -> usize,
    expr: &mut RecExpr<MapLang>,
) -> Option<Id> {
    let nodes = &egraph[class].nodes;
    if nodes.is_empty() || depth == 0 {
        return None;
    }
    let i = pick(class, nodes).min(nodes.len() - 1);
    let node = nodes.get(i)?.clone();
    let mut failed = false;
    let node = node.map_children(|child| {
        if failed {
            return child;
        }
        match build(egraph, child, depth - 1, pick, expr) {
            Some(id) => id,
            None => {
                failed = true;
                child
            }
        }
    });
    if failed {
        return None;
    }
    Some(expr.add(node))
}

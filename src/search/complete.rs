//! Complete a chosen dataflow before it is emitted: every cluster level gets whole-filter
//! `R` and `S` temporal maps where it has none. The default model unrolls an unmapped
//! dimension whole, so these maps change none of its numbers; MAESTRO (and `--model maestro`)
//! needs a filter map beside every output-centric `Y'`/`X'` map, so without them the emitted
//! mapping would be refused there and miscounted by MAESTRO itself. A depthwise layer's `K`
//! (always 1) loses its maps in a multi-level dataflow: MAESTRO does not carry `K` to lower
//! levels and fails on an inherited `K` map (`docs/semantics/maestro.md`, quirk 15), while the
//! default model unrolls a size-1 dimension to the same loop.

use crate::backends::cost::{self, LayerMetrics, Model};
use crate::ir::{ConcreteDirective, Dim, MapKind};

/// `directives` with `temporal(Sz(R), Sz(R)) R;` and `temporal(Sz(S), Sz(S)) S;` (sizes from
/// `problem`) appended to every cluster level that maps neither; without `K` maps for a
/// depthwise layer with several levels.
pub fn with_filter_maps(
    directives: &[ConcreteDirective],
    problem: &cost::Problem,
) -> Vec<ConcreteDirective> {
    let size = |d: Dim| {
        problem
            .dims
            .iter()
            .find(|x| x.0 == d)
            .map_or(1, |x| x.1.max(1))
    };
    let mut out = Vec::with_capacity(directives.len() + 4);
    let mut level: Vec<ConcreteDirective> = Vec::new();
    let close = |level: &mut Vec<ConcreteDirective>, out: &mut Vec<ConcreteDirective>| {
        for dim in [Dim::R, Dim::S] {
            let mapped = level
                .iter()
                .any(|d| matches!(d, ConcreteDirective::Map { dim: m, .. } if *m == dim));
            if !mapped {
                let n = size(dim);
                level.push(ConcreteDirective::Map {
                    kind: MapKind::Temporal,
                    size: n,
                    offset: n,
                    dim,
                });
            }
        }
        out.append(level);
    };
    let multi_level = directives
        .iter()
        .any(|d| matches!(d, ConcreteDirective::Cluster { .. }));
    let drop_k = multi_level && problem.layer_type == cost::LayerType::Dsconv;
    for d in directives {
        if drop_k && matches!(d, ConcreteDirective::Map { dim: Dim::K, .. }) {
            continue;
        }
        if let ConcreteDirective::Cluster { .. } = d {
            close(&mut level, &mut out);
            out.push(*d);
        } else {
            level.push(*d);
        }
    }
    close(&mut level, &mut out);
    out
}

/// The completed directives when the default model gives them exactly the numbers it gives
/// the directives as found; otherwise the directives as found.
pub fn complete(
    directives: &[ConcreteDirective],
    problem: &cost::Problem,
    hw: &cost::Hardware,
) -> Vec<ConcreteDirective> {
    let completed = with_filter_maps(directives, problem);
    if completed == directives {
        return completed;
    }
    let metrics = |dirs: &[ConcreteDirective]| -> Option<LayerMetrics> {
        let mut p = problem.clone();
        p.directives = dirs.to_vec();
        cost::evaluate(&p, hw, Model::Default).ok()
    };
    match (metrics(directives), metrics(&completed)) {
        (Some(found), Some(done)) if found == done => completed,
        _ => directives.to_vec(),
    }
}

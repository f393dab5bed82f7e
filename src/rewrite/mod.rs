//! The mapping space as e-graph rewrites (egg).
//!
//! A dataflow's directive list is a nested term ([`lang`]); [`convert`] goes between the two.
//! [`rules`] holds every rewrite rule in one table (rulebook: `RULES.md`), each keeping the
//! layer's MAC count and output; [`analysis`] carries the facts the rules' conditions read and
//! checks their invariants on every merge; [`extract`] samples terms from an e-graph for the
//! search to score; [`interp`] is the reference loop-nest interpreter the rule tests use as
//! their oracle. The search that uses all this lives in `crate::search`.

pub mod analysis;
pub mod convert;
pub mod extract;
pub mod interp;
pub mod lang;
pub mod rules;

#[cfg(test)]
mod tests;

pub use analysis::{MapAnalysis, MapData, NestData, NDIMS};
pub use convert::{from_recexpr, to_recexpr, ConvertError};
pub use lang::{DimName, MapLang};
pub use rules::{rules, MapEGraph, MapRewrite, RuleConfig};

/// Runner limits for one saturation (from `--egg-iters`, `--egg-nodes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub iterations: usize,
    pub nodes: usize,
}

/// What one saturation did, for `--emit stats`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunnerReport {
    /// egg's stop reason (`Saturated`, `IterationLimit(n)`, `NodeLimit(n)`, …).
    pub stop_reason: String,
    pub iterations: usize,
    pub egraph_nodes: usize,
    pub egraph_classes: usize,
}

/// Saturate an e-graph holding `terms` under `rules` within `limits`. Returns the graph, the
/// root class of each term, and the runner's report. The time limit is only a safety valve:
/// with it far above what the node limit allows, results never depend on machine speed.
pub fn saturate(
    terms: &[egg::RecExpr<MapLang>],
    analysis: MapAnalysis,
    rules: &[MapRewrite],
    limits: Limits,
) -> (MapEGraph, Vec<egg::Id>, RunnerReport) {
    let mut runner = egg::Runner::<MapLang, MapAnalysis, ()>::new(analysis)
        .with_iter_limit(limits.iterations)
        .with_node_limit(limits.nodes)
        .with_time_limit(std::time::Duration::from_secs(60));
    for t in terms {
        runner = runner.with_expr(t);
    }
    let runner = runner.run(rules);
    let report = RunnerReport {
        stop_reason: runner
            .stop_reason
            .as_ref()
            .map_or_else(|| "none".to_string(), |r| format!("{r:?}")),
        iterations: runner.iterations.len(),
        egraph_nodes: runner.egraph.total_size(),
        egraph_classes: runner.egraph.number_of_classes(),
    };
    let roots = runner
        .roots
        .iter()
        .map(|r| runner.egraph.find(*r))
        .collect();
    (runner.egraph, roots, report)
}

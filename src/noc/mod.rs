//! On-chip networks: the traffic classes of a mapping (`traffic`), analytic models of what
//! that traffic costs on a bus, tree, crossbar, mesh, wireless channel or hybrid (`analytic`),
//! packet traces of that traffic for the mesh simulator (`trace`), and reports of both
//! (`render`). The models and their coefficients are described in `docs/noc.md`.

pub mod analytic;
pub mod render;
pub mod sim;
pub mod trace;
pub mod traffic;

use crate::backends::cost::{self, Model};
use crate::backends::evaluate::{self, LayerProblem, LayerStatus};
use crate::diagnostics::Diagnostic;
use crate::ir::noc::Topology;
use crate::ir::{MappingId, Program};

pub use analytic::{layer_cost, LayerNocCost, NocParams};
pub use traffic::{layer_traffic, ClassKind, LayerTraffic, Tensor, TrafficClass};

/// A mapping's traffic on one topology.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct NocReport {
    pub mapping: String,
    pub hardware: String,
    pub model: Model,
    pub params: NocParams,
    pub layers: Vec<LayerNocCost>,
    /// Sums over the layers, at the top level.
    pub runtime_cycles: i64,
    /// The cost model's own runtime (its NoC: one bandwidth and a fixed latency).
    pub cost_model_runtime_cycles: i64,
    pub energy_pj: f64,
    /// Sums over the layers of every cluster level together (`LayerNocCost::all_levels_*`).
    pub all_levels_runtime_cycles: i64,
    pub all_levels_energy_pj: f64,
}

/// The traffic of every layer the cost model evaluates; diagnostics say why a layer has none.
pub fn mapping_traffic(
    program: &Program,
    id: MappingId,
    model: Model,
) -> (Vec<LayerTraffic>, Vec<Diagnostic>) {
    let (report, diags) = evaluate::evaluate_mapping(program, id, model);
    let mapping = program.mapping(id);
    let hw = program.hardware(mapping.hardware);
    let problems = evaluate::layer_problems(program, id, model);
    let mut out = Vec::new();
    for ((layer, problem), lm) in report.layers.iter().zip(problems).zip(&mapping.layers) {
        if let (LayerStatus::Ok { metrics }, LayerProblem::Ready(p)) = (&layer.status, problem) {
            let cost_hw = evaluate::hardware(hw, lm.precision, model);
            let mut top = layer_traffic(&layer.layer, &p, metrics, cost_hw.num_pes);
            // The same analysis as the evaluation that just succeeded, so it cannot fail here.
            let levels = cost::inner_level_traffic(&p, &cost_hw, model).unwrap_or_default();
            top.inner_levels = traffic::inner_traffic(&top, &p, &levels);
            out.push(top);
        }
    }
    (out, diags)
}

/// A mapping's traffic costed on `topology` (default: the hardware's `noc { topology }`, else
/// a mesh).
pub fn mapping_cost(
    program: &Program,
    id: MappingId,
    model: Model,
    topology: Option<Topology>,
) -> (NocReport, Vec<Diagnostic>) {
    let (traffic, diags) = mapping_traffic(program, id, model);
    let mapping = program.mapping(id);
    let hw = program.hardware(mapping.hardware);
    let params = NocParams::from_hardware(hw, topology);
    let layers: Vec<LayerNocCost> = traffic.iter().map(|t| layer_cost(&params, t)).collect();
    let report = NocReport {
        mapping: mapping.name.clone(),
        hardware: hw.name.clone(),
        model,
        params,
        runtime_cycles: layers.iter().map(|l| l.runtime_cycles).sum(),
        cost_model_runtime_cycles: traffic.iter().map(|t| t.runtime_cycles).sum(),
        energy_pj: layers.iter().map(|l| l.energy_pj).sum(),
        all_levels_runtime_cycles: layers.iter().map(|l| l.all_levels_runtime_cycles).sum(),
        all_levels_energy_pj: layers.iter().map(|l| l.all_levels_energy_pj).sum(),
        layers,
    };
    (report, diags)
}

#[cfg(test)]
mod tests;

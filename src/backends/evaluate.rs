//! Evaluation of a mapping with the cost model: each layer's dataflow is instantiated and
//! turned into a `cost::Problem`; identical problems (the repeated blocks of a ResNet, say)
//! are evaluated once; distinct ones run in parallel (rayon) and results come back in layer
//! order, so reports do not depend on thread count. Model errors become diagnostics that
//! point at the directive or hardware line responsible.

pub mod render;

use std::collections::HashMap;
use std::hash::Hash;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::cost::{self, CostError, LayerMetrics, Model, Rules};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::instantiate::instantiate;
use crate::ir::{self, ConcreteDirective, DataflowChoice, LayerOp, MappingId, Program};
use crate::source::Span;

/// One layer's outcome.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerReport {
    pub layer: String,
    #[serde(flatten)]
    pub status: LayerStatus,
}

#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum LayerStatus {
    Ok {
        metrics: Box<LayerMetrics>,
    },
    /// The layer is mapped with `search`; `dfc map` chooses its dataflow.
    NotMapped,
    Error {
        message: String,
    },
}

/// Sums over the layers that were evaluated.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct NetworkTotals {
    pub layers_evaluated: usize,
    /// `--model maestro`: evaluated layers whose MAESTRO output is not physical (W0503: NaN,
    /// a sentinel, a negative value or zero MACs). Their values are in the sums as MAESTRO
    /// prints them, so their MACs are missing.
    pub layers_not_physical: usize,
    pub runtime_cycles: i64,
    pub num_macs: i64,
    pub total_energy: f64,
    /// The unit of `total_energy` (and of every layer's energies): `pJ` with the hardware's
    /// energy table, `MAC units` with MAESTRO's relative constants.
    pub energy_unit: &'static str,
    pub l2_accesses_total: i64,
    pub l1_accesses_total: i64,
    /// MACs per cycle over the whole network.
    pub throughput: f64,
    pub peak_bw_req: i64,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MappingReport {
    pub mapping: String,
    pub network: String,
    pub hardware: String,
    pub model: Model,
    pub layers: Vec<LayerReport>,
    pub totals: NetworkTotals,
}

/// Evaluate every layer of a mapping. Diagnostics say why a layer has no metrics.
pub fn evaluate_mapping(
    program: &Program,
    id: MappingId,
    model: Model,
) -> (MappingReport, Vec<Diagnostic>) {
    let mapping = program.mapping(id);
    let network = program.network(mapping.network);
    let hw = program.hardware(mapping.hardware);
    let mut diags = Vec::new();

    // Each layer's cost problem keyed by what decides its metrics, or `None` with a
    // diagnostic saying why it has none.
    let problems = layer_problems(program, id, model)
        .into_iter()
        .zip(&mapping.layers)
        .map(|(p, lm)| match p {
            LayerProblem::Ready(problem) => {
                let hardware = hardware(hw, lm.precision, model);
                let key = (
                    problem.clone(),
                    hardware.precision_bits,
                    hardware.operand_bits,
                );
                Some((key, (problem, hardware)))
            }
            LayerProblem::Search(d) | LayerProblem::Invalid(d) => {
                diags.push(d);
                None
            }
        })
        .collect::<Vec<_>>();
    let Distinct { results, slots } =
        evaluate_distinct(problems, |(p, h)| cost::evaluate(p, h, model));

    let mut layers = Vec::with_capacity(network.layers.len());
    let mut totals = NetworkTotals::default();
    let mut reported = vec![false; results.len()];
    let mut previous: Option<&LayerMetrics> = None;
    for ((layer, lm), slot) in network.layers.iter().zip(&mapping.layers).zip(slots) {
        let status = match slot {
            None => LayerStatus::NotMapped,
            Some(s) => match &results[s] {
                Ok(m) => {
                    if let Some(d) = maestro_warning(layer, m) {
                        if !reported[s] {
                            diags.push(d);
                        }
                        totals.layers_not_physical += 1;
                    }
                    if let (Some(e), false) = (&m.info.exceeds_capacity, reported[s]) {
                        diags.push(capacity_warning(hw, layer, lm, e));
                    }
                    reported[s] = true;
                    // MAESTRO's CSV energy of a multi-level dataflow takes the previous
                    // layer's L1 counts (`src/backends/cost/MODEL.md`, difference 7); a
                    // no-op in the default model.
                    let mut m = m.clone();
                    if let Some(prev) = previous {
                        m.maestro_chain_previous_layer(prev);
                    }
                    if let Ok(current) = &results[s] {
                        previous = Some(current);
                    }
                    totals.layers_evaluated += 1;
                    totals.runtime_cycles += m.runtime_cycles;
                    totals.num_macs += m.num_macs;
                    totals.total_energy += m.total_energy_exact;
                    totals.energy_unit = render::energy_unit(&m.info.energy);
                    totals.l2_accesses_total += m.l2_accesses_total;
                    totals.l1_accesses_total += m.l1_accesses_total;
                    totals.peak_bw_req = totals.peak_bw_req.max(m.peak_bw_req);
                    LayerStatus::Ok {
                        metrics: Box::new(m.clone()),
                    }
                }
                Err(e) => {
                    if !reported[s] {
                        reported[s] = true;
                        diags.push(error_diagnostic(program, mapping, layer, lm, e));
                    }
                    LayerStatus::Error {
                        message: e.to_string(),
                    }
                }
            },
        };
        layers.push(LayerReport {
            layer: layer.name.clone(),
            status,
        });
    }
    if totals.runtime_cycles > 0 {
        totals.throughput = totals.num_macs as f64 / totals.runtime_cycles as f64;
    }
    crate::diagnostics::sort(&mut diags);
    let report = MappingReport {
        mapping: mapping.name.clone(),
        network: network.name.clone(),
        hardware: hw.name.clone(),
        model,
        layers,
        totals,
    };
    (report, diags)
}

/// One layer's cost problem, or why it has none.
pub enum LayerProblem {
    Ready(cost::Problem),
    /// The layer is mapped with `search` (the diagnostic says so).
    Search(Diagnostic),
    /// Its dataflow does not instantiate for it (the diagnostic says why).
    Invalid(Diagnostic),
}

/// Each layer's cost problem under `model`, as `evaluate_mapping` evaluates it (batch
/// coupling included), in layer order. `dfc export maestro` prints these.
pub fn layer_problems(program: &Program, id: MappingId, model: Model) -> Vec<LayerProblem> {
    let mapping = program.mapping(id);
    let network = program.network(mapping.network);
    let coupling = batch_coupling(network, &Rules::for_model(model));
    let mut out = Vec::with_capacity(network.layers.len());
    for (i, (layer, lm)) in network.layers.iter().zip(&mapping.layers).enumerate() {
        let DataflowChoice::Fixed {
            dataflow,
            args,
            span,
        } = &lm.dataflow
        else {
            out.push(LayerProblem::Search(
                Diagnostic::at(
                    Code::LayerNotEvaluated,
                    lm.dataflow.span(),
                    format!(
                        "layer `{}` is mapped with `search` and is not evaluated",
                        layer.name
                    ),
                    "no dataflow chosen yet",
                )
                .with_help("run `dfc map` to choose a dataflow, or name one for this layer"),
            ));
            continue;
        };
        let df = program.dataflow(*dataflow);
        out.push(match instantiate(df, args, layer) {
            Ok(directives) => {
                let mut p = problem(layer, &directives, coupling[i], model);
                p.sparsity = lm.sparsity;
                LayerProblem::Ready(p)
            }
            Err(e) => LayerProblem::Invalid(
                Diagnostic::at(e.code, e.span, e.message, "evaluated here")
                    .with_label(*span, format!("used for layer `{}`", layer.name)),
            ),
        });
    }
    out
}

/// Distinct problems evaluated once each, and where every input item's result is.
pub struct Distinct<R> {
    /// One result per distinct problem, in order of first appearance.
    pub results: Vec<R>,
    /// For each input item, the index of its result (`None` for an item with no problem).
    pub slots: Vec<Option<usize>>,
}

/// Evaluate a list of optional problems, each identified by a key: items with equal keys share
/// one evaluation, and the distinct problems run in parallel (rayon). Results are collected in
/// order of first appearance, so the outcome does not depend on the thread count.
pub fn evaluate_distinct<K, P, R>(
    items: impl IntoIterator<Item = Option<(K, P)>>,
    evaluate: impl Fn(&P) -> R + Sync + Send,
) -> Distinct<R>
where
    K: Hash + Eq,
    P: Sync,
    R: Send,
{
    let mut unique: Vec<P> = Vec::new();
    // Keys are whole cost problems (dozens of fields): SipHash on them cost a fifth of their
    // evaluation on bulk MAESTRO files; Fx hashing a small fraction of that.
    let mut index: FxHashMap<K, usize> = FxHashMap::default();
    let slots = items
        .into_iter()
        .map(|item| {
            item.map(|(key, problem)| {
                let next = unique.len();
                let slot = *index.entry(key).or_insert(next);
                if slot == next {
                    unique.push(problem);
                }
                slot
            })
        })
        .collect();
    let results = unique.par_iter().map(evaluate).collect();
    Distinct { results, slots }
}

/// MAESTRO couples `N` to a layer type's tensors when the first layer of that type in the
/// file declares `N`; the default model couples it whenever the batch is used.
/// The default model's rule for one layer: `N` is coupled to the tensors when it was
/// written or is larger than 1.
pub fn batch_used(layer: &ir::Layer) -> bool {
    layer.shape.batch_declared || layer.shape.n > 1
}

fn batch_coupling(network: &ir::Network, rules: &Rules) -> Vec<bool> {
    let mut first: HashMap<cost::LayerType, bool> = HashMap::new();
    network
        .layers
        .iter()
        .map(|l| {
            if rules.batch_per_layer {
                batch_used(l)
            } else {
                *first
                    .entry(layer_type(l, rules))
                    .or_insert(l.shape.batch_declared)
            }
        })
        .collect()
}

fn layer_type(layer: &ir::Layer, rules: &Rules) -> cost::LayerType {
    match layer.op {
        LayerOp::DwConv => cost::LayerType::Dsconv,
        LayerOp::TConv if !rules.lowered_layer_shapes => cost::LayerType::Trconv,
        _ if layer.shape.g > 1 => cost::LayerType::Ngconv,
        _ => cost::LayerType::Conv,
    }
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The cost model's view of one layer under one dataflow. `batch` says whether `N` is
/// coupled to the tensors (see `batch_coupling`; for a lone layer: `shape.batch_declared`).
pub fn problem(
    layer: &ir::Layer,
    directives: &[ConcreteDirective],
    batch: bool,
    model: Model,
) -> cost::Problem {
    use cost::Dim as D;
    let s = &layer.shape;
    let rules = Rules::for_model(model);
    let ty = layer_type(layer, &rules);
    // MAESTRO analyses TRCONV exactly as CONV over the input as written (see "Unchanged on
    // purpose" in `src/backends/cost/MODEL.md`); the default model costs the zero-inserted
    // stride-1 convolution the layer lowers to.
    let raw = !rules.lowered_layer_shapes && layer.op == LayerOp::TConv;
    let (y, x, r, sz) = if raw {
        (s.y, s.x, s.r, s.s)
    } else {
        (
            layer.loop_bound(ir::Dim::Y),
            layer.loop_bound(ir::Dim::X),
            layer.loop_bound(ir::Dim::R),
            layer.loop_bound(ir::Dim::S),
        )
    };
    let mut dims = Vec::with_capacity(8);
    if batch || s.batch_declared {
        dims.push((D::N, i(s.n)));
    }
    match ty {
        cost::LayerType::Dsconv => {
            dims.push((D::K, 1));
            dims.push((D::C, i(s.g)));
        }
        cost::LayerType::Ngconv => {
            dims.push((D::G, i(s.g)));
            dims.push((D::K, i(s.k)));
            dims.push((D::C, i(s.c)));
        }
        _ => {
            dims.push((D::K, i(s.k)));
            dims.push((D::C, i(s.c)));
        }
    }
    dims.extend([(D::R, i(r)), (D::S, i(sz))]);
    // MAESTRO derives the input from a declared output size itself, and reports the
    // declaration as written; the default model is given the input.
    let as_declared = !rules.lowered_layer_shapes;
    dims.push(if as_declared && s.output_declared_y {
        (D::YOut, i(s.out_y))
    } else {
        (D::Y, i(y))
    });
    dims.push(if as_declared && s.output_declared_x {
        (D::XOut, i(s.out_x))
    } else {
        (D::X, i(x))
    });
    let (sy, sx) = if raw {
        (s.stride_y, s.stride_x)
    } else {
        (layer.loop_stride_y(), layer.loop_stride_x())
    };
    let strides = vec![(D::Y, i(sy)), (D::X, i(sx))];
    let directives = directives.to_vec();
    // The default model reports the useful work (`MODEL.md`, row 19): the filter's taps, not
    // its dilated extent; a transposed convolution's input pixels times its weights.
    let useful_macs = rules.useful_macs.then(|| i(layer.macs()));
    cost::Problem {
        layer_type: ty,
        dims,
        strides,
        batch_in_tensors: batch,
        directives,
        useful_macs,
        sparsity: ir::LayerSparsity::default(),
    }
}

/// The cost model's view of the hardware; a layer precision overrides the hardware's.
pub fn hardware(
    hw: &ir::Hardware,
    layer: Option<ir::LayerPrecision>,
    model: Model,
) -> cost::Hardware {
    // The cost model has one element size per layer: the activations' when the mapping
    // quantises the layer (inputs and outputs are most of the traffic), else the hardware's.
    let precision = layer.map(|p| p.activations).or(hw.precision);
    // MAESTRO counts capacities in elements; the default model with a precision in bytes.
    let capacity = |size: ir::Size| match precision {
        Some(p) if Rules::for_model(model).sizes_in_bytes => size.bytes(hw.precision.or(Some(p))),
        _ => size.elements(hw.precision),
    };
    cost::Hardware {
        num_pes: i(hw.pes),
        l1_size: i(capacity(hw.l1)),
        l2_size: i(capacity(hw.l2)),
        noc_bw: i(hw.noc_bandwidth.elements_per_cycle(hw.precision)),
        noc_hops: i(hw.noc_latency_cycles),
        simd_lanes: i(hw.macs_per_pe),
        precision_bits: precision.map(|p| p.bits),
        // A layer precision scales energies and NoC volumes against the hardware's width.
        operand_bits: layer.map(|p| cost::OperandBits {
            weights: p.weights.bits,
            activations: p.activations.bits,
            reference: hw.precision.map_or(8, |h| h.bits),
        }),
        energy: hw.energy.map(|e| cost::EnergyTable {
            mac: e.mac_pj,
            l1: e.l1_pj,
            l2: e.l2_pj,
            nj_per_unit: 1e-3,
        }),
        sparse: hw.sparse,
    }
}

/// `--model maestro`: W0503 when MAESTRO's output for a layer is not physical.
fn maestro_warning(layer: &ir::Layer, m: &LayerMetrics) -> Option<Diagnostic> {
    let problems = m.not_physical();
    if problems.is_empty() {
        return None;
    }
    Some(
        Diagnostic::at(
            Code::MaestroNotPhysical,
            layer.span,
            format!(
                "MAESTRO's output for layer `{}` is not physical: {}",
                layer.name,
                problems.join("; ")
            ),
            "this layer",
        )
        .with_note(
            "the values are MAESTRO's, as it prints them; the totals include them as printed",
        )
        .with_help("`--model default` evaluates this mapping with MAESTRO's quirks fixed"),
    )
}

/// `--model maestro`: W0504 when MAESTRO's output-only checks pass tiles that do not fit.
fn capacity_warning(
    hw: &ir::Hardware,
    layer: &ir::Layer,
    lm: &ir::LayerMapping,
    e: &cost::CapacityExcess,
) -> Diagnostic {
    Diagnostic::at(
        Code::MaestroExceedsCapacity,
        hw.field_span(e.level.field()),
        format!(
            "the tiles of layer `{}` do not fit although MAESTRO's checks pass them: {e}",
            layer.name
        ),
        format!("holds {} {}", e.capacity, e.unit.symbol()),
    )
    .with_label(
        lm.dataflow.span(),
        format!("the dataflow of layer `{}`", layer.name),
    )
    .with_help(
        "`--model default` refuses this mapping (E0501); use smaller tiles or larger buffers",
    )
}

/// A model error as a diagnostic on the directive or hardware line that caused it.
fn error_diagnostic(
    program: &Program,
    mapping: &ir::Mapping,
    layer: &ir::Layer,
    lm: &ir::LayerMapping,
    e: &CostError,
) -> Diagnostic {
    let hw = program.hardware(mapping.hardware);
    let use_span = lm.dataflow.span();
    let dataflow = match &lm.dataflow {
        DataflowChoice::Fixed { dataflow, .. } => Some(program.dataflow(*dataflow)),
        DataflowChoice::Search { .. } => None,
    };
    let directive_span = |i: usize| -> Span {
        dataflow
            .and_then(|d| d.directives.get(i).map(ir::Directive::span))
            .or(dataflow.map(|d| d.span))
            .unwrap_or(use_span)
    };
    let for_layer = format!("for layer `{}`", layer.name);
    let (code, span, label, hint): (Code, Span, String, Option<String>) = match e {
        CostError::NotEnoughL1 { required, capacity } => (
            Code::BufferOverflow,
            hw.field_span("l1"),
            format!("holds {capacity} elements; the output tile needs {required} elements"),
            Some("use a smaller output tile at the innermost level, or a larger `l1`".to_string()),
        ),
        CostError::NotEnoughL2 { required, capacity } => (
            Code::BufferOverflow,
            hw.field_span("l2"),
            format!("holds {capacity} elements; the output egress needs {required} elements"),
            Some("tile the outer levels more finely, or use a larger `l2`".to_string()),
        ),
        CostError::ExceedsCapacity(x) => (
            Code::BufferOverflow,
            hw.field_span(x.level.field()),
            format!(
                "holds {} {u}; the tiles need {} {u}",
                x.capacity,
                x.total(),
                u = x.unit.symbol()
            ),
            Some(match x.level {
                cost::BufferLevel::L1 => {
                    "use smaller tiles at the innermost level, or a larger `l1`".to_string()
                }
                cost::BufferLevel::L2 => {
                    "tile the outer levels more finely, or use a larger `l2`".to_string()
                }
            }),
        ),
        CostError::InvalidMapSize { directive, .. }
        | CostError::InvalidMapOffset { directive, .. }
        | CostError::InvalidClusterSize { directive, .. }
        | CostError::TooManyClusters { directive }
        | CostError::DimensionNotFound { directive, .. }
        | CostError::OutputMapWithoutFilterMap { directive, .. }
        | CostError::TooManySpatialMaps { directive }
        | CostError::ZeroUniqueSize {
            directive: Some(directive),
            ..
        } => (
            Code::ModelError,
            directive_span(*directive),
            "this directive".to_string(),
            None,
        ),
        CostError::UnsupportedMapping {
            directive: Some(d), ..
        } => (
            Code::ModelError,
            directive_span(*d),
            "this directive".to_string(),
            Some("the default model cannot count this mapping exactly; `dfc explain E0502` lists the mappings it rejects".to_string()),
        ),
        CostError::NoSpatialMap {
            cluster: Some(c), ..
        } => (
            Code::ModelError,
            directive_span(*c),
            "the level opened here".to_string(),
            None,
        ),
        CostError::NotEnoughPes { available, .. } => (
            Code::ClusterTooLarge,
            hw.field_span("pes"),
            format!("{available} PEs"),
            None,
        ),
        CostError::InvalidHardware { field } => (
            Code::ModelError,
            hw.span,
            format!("`{}` is not usable", field.name()),
            None,
        ),
        _ => (Code::ModelError, layer.span, "this layer".to_string(), None),
    };
    let mut d = Diagnostic::at(code, span, format!("{e} {for_layer}"), label);
    if span != use_span {
        d = d.with_label(use_span, format!("the dataflow of layer `{}`", layer.name));
    }
    d.with_help_opt(hint)
}

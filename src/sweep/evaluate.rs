//! One point's evaluation without re-lowering: the mapping's layer problems depend only on
//! the dataflow arguments, so they are built once per combination of those (and cached), with
//! identical problems merged; a point then overrides the hardware's fields in a copy of the
//! IR hardware and evaluates each distinct problem once with the default cost model. A
//! mapping with `search` layers is searched at each point first, on the point's hardware.

use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

use super::Point;
use crate::backends::cost::{self, CostError, Model};
use crate::backends::evaluate::{self, render, LayerProblem};
use crate::ir::sweep::{Field, Sweep, Value};
use crate::ir::{DataflowChoice, Hardware, LayerPrecision, Program};
use crate::search::{self, SearchOptions};

/// Dataflow-argument combinations cached at most; past this each point builds its own.
const MAX_CACHED_COMBINATIONS: usize = 1 << 16;

/// What one layer of one point came to.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerOutcome {
    Ok(Summary),
    /// Its tiles overflow a buffer, or its clusters need more PEs than the point has.
    DoesNotFit(String),
    /// The dataflow does not instantiate for the layer, or the model rejects it otherwise.
    Invalid(String),
}

/// Why a layer has no cost problem at a point.
#[derive(Debug, Clone, Copy)]
enum Failure {
    /// Searched, and no dataflow fits the point's hardware.
    NothingFits,
    /// Its dataflow does not instantiate for it (the diagnostic's code).
    Invalid(&'static str),
}

/// The metrics a sweep reports for a layer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub runtime_cycles: i64,
    pub energy: f64,
    pub energy_unit: &'static str,
    pub num_macs: i64,
    pub pe_utilization: f64,
    pub l1_size_req: i64,
    pub l2_size_req: i64,
}

/// The layer problems of one mapping under one combination of dataflow arguments.
struct Combination {
    /// Per layer: the distinct problem it uses, or why it has none.
    layers: Vec<Result<usize, Failure>>,
    distinct: Vec<(cost::Problem, Option<LayerPrecision>)>,
}

pub struct Evaluator<'p> {
    program: &'p Program,
    sweep: &'p Sweep,
    /// How the `search` layers of a swept mapping are searched at each point.
    search: &'p SearchOptions,
    /// The axes that are dataflow arguments, by index into `sweep.axes`.
    argument_axes: Vec<usize>,
    cache: Vec<OnceLock<Arc<Combination>>>,
}

impl<'p> Evaluator<'p> {
    pub fn new(program: &'p Program, sweep: &'p Sweep, search: &'p SearchOptions) -> Evaluator<'p> {
        let argument_axes: Vec<usize> = (0..sweep.axes.len())
            .filter(|&a| matches!(sweep.axes[a].field, Field::DataflowArgument(_)))
            .collect();
        let combinations = argument_axes.iter().fold(sweep.mappings.len(), |n, &a| {
            n.saturating_mul(sweep.axes[a].values.len())
        });
        let cached = if combinations <= MAX_CACHED_COMBINATIONS {
            combinations
        } else {
            0
        };
        Evaluator {
            program,
            sweep,
            search,
            argument_axes,
            cache: (0..cached).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Every layer's outcome at `point`, in layer order.
    pub fn point(&self, point: &Point) -> Vec<LayerOutcome> {
        let searched = self
            .program
            .mapping(point.mapping)
            .layers
            .iter()
            .any(|l| matches!(l.dataflow, DataflowChoice::Search { .. }));
        if searched {
            return self.searched_point(point);
        }
        self.fixed_point(point)
    }

    /// A point whose layers all have a dataflow (or, searched, none that fits).
    fn fixed_point(&self, point: &Point) -> Vec<LayerOutcome> {
        let combination = self.combination(point);
        let hardware = self.hardware(point);
        let results: Vec<Result<cost::LayerMetrics, CostError>> = combination
            .distinct
            .iter()
            .map(|(problem, precision)| {
                let hw = evaluate::hardware(&hardware, *precision, Model::Default);
                cost::evaluate(problem, &hw, Model::Default)
            })
            .collect();
        let network = self
            .program
            .network(self.program.mapping(point.mapping).network);
        network
            .layers
            .iter()
            .zip(&combination.layers)
            .map(|(layer, slot)| match slot {
                Err(Failure::NothingFits) => {
                    LayerOutcome::DoesNotFit(format!("{}: nothing fits", layer.name))
                }
                Err(Failure::Invalid(code)) => {
                    LayerOutcome::Invalid(format!("{}: {code}", layer.name))
                }
                Ok(s) => match &results[*s] {
                    Ok(m) => LayerOutcome::Ok(Summary {
                        runtime_cycles: m.runtime_cycles,
                        energy: m.total_energy_exact,
                        energy_unit: render::energy_unit(&m.info.energy),
                        num_macs: m.num_macs,
                        pe_utilization: m.pe_utilization,
                        l1_size_req: m.l1_size_req(),
                        l2_size_req: m.l2_size_req(),
                    }),
                    Err(e) => outcome(&layer.name, e),
                },
            })
            .collect()
    }

    /// A point of a mapping with `search` layers: they are searched on the point's hardware
    /// (its dataflow arguments written first), then the point is evaluated as any other.
    fn searched_point(&self, point: &Point) -> Vec<LayerOutcome> {
        let mut program = self.program.clone();
        let hardware = program.mapping(point.mapping).hardware;
        program.hardware[hardware.index()] = self.hardware(point);
        self.write_arguments(&mut program, point);
        let mapped = search::map_mapping(&program, point.mapping, self.search, true);
        // Layers the search left `search` have nothing that fits: `fixed_point` says so.
        Evaluator::new(&mapped.program, self.sweep, self.search).fixed_point(point)
    }

    fn combination(&self, point: &Point) -> Arc<Combination> {
        let mapping = self
            .sweep
            .mappings
            .iter()
            .position(|m| *m == point.mapping)
            .unwrap_or(0);
        let index = self.argument_axes.iter().fold(mapping, |i, &a| {
            i * self.sweep.axes[a].values.len() + point.values[a]
        });
        match self.cache.get(index) {
            Some(cell) => cell.get_or_init(|| Arc::new(self.build(point))).clone(),
            None => Arc::new(self.build(point)),
        }
    }

    /// The mapping with the point's dataflow arguments, as `backends::evaluate` sees it.
    fn build(&self, point: &Point) -> Combination {
        let mut program = self.program.clone();
        self.write_arguments(&mut program, point);
        let precisions: Vec<Option<LayerPrecision>> = program
            .mapping(point.mapping)
            .layers
            .iter()
            .map(|l| l.precision)
            .collect();
        let mut distinct = Vec::new();
        // Precisions by name: `LayerPrecision` is not `Hash`.
        type Key = (cost::Problem, Option<(&'static str, &'static str)>);
        let mut index: FxHashMap<Key, usize> = FxHashMap::default();
        let layers = evaluate::layer_problems(&program, point.mapping, Model::Default)
            .into_iter()
            .zip(precisions)
            .map(|(p, precision)| match p {
                LayerProblem::Ready(problem) => {
                    let names = precision.map(|p| (p.weights.name, p.activations.name));
                    let next = distinct.len();
                    let slot = *index.entry((problem.clone(), names)).or_insert(next);
                    if slot == next {
                        distinct.push((problem, precision));
                    }
                    Ok(slot)
                }
                // Left `search` after the point's search: no dataflow fits its hardware.
                LayerProblem::Search(_) => Err(Failure::NothingFits),
                LayerProblem::Invalid(d) => Err(Failure::Invalid(d.code.as_str())),
            })
            .collect();
        Combination { layers, distinct }
    }

    /// The point's dataflow arguments, written over the mapping's in `program`.
    fn write_arguments(&self, program: &mut Program, point: &Point) {
        let mapping = &mut program.mappings[point.mapping.index()];
        for lm in &mut mapping.layers {
            let DataflowChoice::Fixed { dataflow, args, .. } = &mut lm.dataflow else {
                continue;
            };
            let params = &self.program.dataflows[dataflow.index()].params;
            for &a in &self.argument_axes {
                let axis = &self.sweep.axes[a];
                let Field::DataflowArgument(name) = &axis.field else {
                    continue;
                };
                if let (Some(p), Value::Count(v)) = (
                    params.iter().position(|p| &p.name == name),
                    axis.values[point.values[a]],
                ) {
                    args[p] = i64::try_from(v).unwrap_or(i64::MAX);
                }
            }
        }
    }

    /// The mapping's hardware with the point's values written over its fields.
    fn hardware(&self, point: &Point) -> Hardware {
        let base = self.program.mapping(point.mapping).hardware;
        let mut hw = self.program.hardware(base).clone();
        for (axis, &v) in self.sweep.axes.iter().zip(&point.values) {
            match (&axis.field, axis.values[v]) {
                (Field::Pes, Value::Count(n)) => hw.pes = n,
                (Field::MacsPerPe, Value::Count(n)) => hw.macs_per_pe = n,
                (Field::L1, Value::Size(s)) => hw.l1 = s,
                (Field::L2, Value::Size(s)) => hw.l2 = s,
                (Field::NocBandwidth, Value::Bandwidth(b)) => hw.noc_bandwidth = b,
                (Field::NocLatency, Value::Cycles(n)) => hw.noc_latency_cycles = n,
                (Field::Precision, Value::Precision(p)) => hw.precision = Some(p),
                _ => {}
            }
        }
        hw
    }
}

/// A cost-model refusal as a sweep status: a buffer or the PE count too small is a point
/// that does not fit; anything else an invalid one. Reasons carry no commas (CSV cells).
fn outcome(layer: &str, e: &CostError) -> LayerOutcome {
    match e {
        CostError::NotEnoughL1 { .. } => LayerOutcome::DoesNotFit(format!("{layer}: l1")),
        CostError::NotEnoughL2 { .. } => LayerOutcome::DoesNotFit(format!("{layer}: l2")),
        CostError::ExceedsCapacity(x) => {
            LayerOutcome::DoesNotFit(format!("{layer}: {}", x.level.field()))
        }
        CostError::NotEnoughPes { .. } => LayerOutcome::DoesNotFit(format!("{layer}: pes")),
        _ => LayerOutcome::Invalid(format!("{layer}: E0502")),
    }
}

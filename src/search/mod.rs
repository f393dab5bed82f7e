//! Mapping search: choose a dataflow for every layer of a mapping.
//!
//! Per layer, a [`Strategy`] spends an evaluation budget of the cost model
//! (`backends::cost::evaluate`, Default model) on candidate directive lists and keeps the best
//! under an [`Objective`]. Candidates the model rejects (buffer overflow, too many PEs, …) are
//! discarded. The stdlib dataflows, with their defaults and a few parameter values, are always
//! candidates too (unless disabled), so a search is never worse than the best of them.
//!
//! * [`Strategy::Decoupled`] is Marvel's decoupled search with an e-graph refinement
//!   ([`decoupled`]); [`Strategy::Random`] and [`Strategy::Genetic`] (GAMMA) are the baselines
//!   ([`baselines`]), over the same space ([`space`]).
//! * [`map_mapping`] searches every (or every `search`) layer of a mapping: identical layers
//!   once, distinct ones in parallel with rayon, each with its own generator seeded from the
//!   options' seed and the layer's shape, so results do not depend on the thread count; it
//!   returns a program whose layers use new dataflows with constant sizes.
//! * [`exhaustive`] enumerates the joint space of small layers, to measure the gap.
//! * [`evaluate_with_search`] searches the layers that need it and then evaluates the mapping;
//!   `dfc eval` and `test` blocks both go through it; [`search_then_evaluate`] adds the
//!   `E0504` of layers that fit nowhere, for `dfc eval` and the Python package.

mod baselines;
mod complete;
mod decoupled;
mod eval;
mod evaluated;
pub mod exhaustive;
mod offchip;
mod polish;
mod seeds;
pub(crate) mod space;

#[cfg(test)]
mod emitted_tests;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use rayon::prelude::*;

use crate::backends::cost::{self, LayerMetrics, Model};
use crate::backends::evaluate;
use crate::ir::{
    self, instantiate::instantiate, ConcreteDirective, DataflowChoice, MappingId, Program,
};
use crate::rewrite::RunnerReport;

use crate::util::Rng;
use eval::Evaluator;
pub use evaluated::{has_search_layers, search_failures, search_then_evaluate};
use space::LayerSpace;

/// What a search minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Objective {
    /// Runtime in cycles (ties: energy).
    Runtime,
    /// Total energy (ties: runtime).
    Energy,
    /// Runtime × energy (ties: runtime).
    Edp,
}

impl Objective {
    pub const ALL: [Objective; 3] = [Objective::Runtime, Objective::Energy, Objective::Edp];

    pub fn name(self) -> &'static str {
        match self {
            Objective::Runtime => "runtime",
            Objective::Energy => "energy",
            Objective::Edp => "edp",
        }
    }

    /// The objective's value for `metrics` (cycles, energy units, or their product).
    pub fn value(self, metrics: &LayerMetrics) -> f64 {
        eval::Score::of(metrics, self).primary
    }
}

/// How a layer is searched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Marvel's off-chip/on-chip decoupling plus e-graph refinement.
    Decoupled,
    /// Uniform random points of the space (baseline).
    Random,
    /// GAMMA's genetic algorithm (baseline).
    Genetic,
}

impl Strategy {
    pub const ALL: [Strategy; 3] = [Strategy::Decoupled, Strategy::Random, Strategy::Genetic];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Decoupled => "decoupled",
            Strategy::Random => "random",
            Strategy::Genetic => "genetic",
        }
    }
}

/// Search settings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchOptions {
    pub objective: Objective,
    pub strategy: Strategy,
    /// Cost-model evaluations per distinct layer (repeated candidates are free).
    pub budget: usize,
    pub seed: u64,
    /// egg runner iteration limit per refinement round (`--egg-iters`).
    pub egg_iters: usize,
    /// egg runner e-node limit per refinement round (`--egg-nodes`).
    pub egg_nodes: usize,
    /// Off-chip points kept for the on-chip phase (Marvel's top-k).
    pub offchip_keep: usize,
    /// Evaluate the stdlib dataflows as candidates.
    pub include_stdlib: bool,
    /// Stdlib parameter variants tried besides the defaults (at most an eighth of the budget).
    pub stdlib_variants: usize,
    /// Also reject candidates whose reported L1 or L2 requirement (all three tensors)
    /// exceeds the capacity; the cost model itself checks only the output tiles.
    pub strict_buffers: bool,
    /// Most cluster levels of random and genetic points (1–4; the cost model allows 3 clusters).
    pub max_levels: usize,
    /// The model whose numbers rank the candidates: `Default`, or `Maestro` (MAESTRO's own
    /// runtime and energy, to compare with mappers built on MAESTRO). Either way a candidate
    /// must be one the Default model accepts: exact counts, and tiles that fit.
    pub score_model: Model,
}

impl Default for SearchOptions {
    fn default() -> SearchOptions {
        SearchOptions {
            objective: Objective::Runtime,
            strategy: Strategy::Decoupled,
            budget: 4000,
            seed: 0,
            egg_iters: 3,
            egg_nodes: 3000,
            offchip_keep: 6,
            include_stdlib: true,
            stdlib_variants: 48,
            strict_buffers: false,
            max_levels: 3,
            score_model: Model::Default,
        }
    }
}

/// Where a chosen mapping came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// Found by the search.
    Searched,
    /// A stdlib dataflow with these arguments.
    Stdlib { dataflow: String, args: Vec<i64> },
    /// The dataflow the layer already had.
    Existing { dataflow: String },
}

/// The best stdlib dataflow (default parameters) on a layer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StdlibBest {
    pub dataflow: String,
    pub objective_value: f64,
}

/// The result of searching one layer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerChoice {
    pub directives: Vec<ConcreteDirective>,
    pub metrics: LayerMetrics,
    /// [`Objective::value`] of `metrics`.
    pub objective_value: f64,
    /// Cost-model evaluations spent.
    pub evaluations: usize,
    /// Of which the model accepted.
    pub valid_evaluations: usize,
    pub origin: Origin,
    pub best_stdlib: Option<StdlibBest>,
    /// Off-chip points kept (decoupled search).
    pub offchip_points: usize,
    /// One report per e-graph refinement round (decoupled search).
    pub egg_rounds: Vec<RunnerReport>,
}

/// Why a layer has no mapping.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SearchError {
    /// The layer has no mapping space (e.g. its input is smaller than its filter).
    InvalidLayer { message: String },
    /// No candidate within the budget was valid.
    NoValidMapping { evaluations: usize },
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::InvalidLayer { message } => write!(f, "the layer cannot be mapped: {message}"),
            SearchError::NoValidMapping { evaluations } => write!(
                f,
                "none of the {evaluations} candidates evaluated fits the hardware; raise the budget or enlarge the buffers"
            ),
        }
    }
}

impl std::error::Error for SearchError {}

/// Search one layer (batch coupled as in `dfc eval`, the hardware's precision).
pub fn search_layer(
    layer: &ir::Layer,
    hw: &ir::Hardware,
    opts: &SearchOptions,
) -> Result<LayerChoice, SearchError> {
    let job = Job::new(layer, hw, None, ir::LayerSparsity::default(), Vec::new());
    job.run(hw, opts)
}

/// Progress of [`map_mapping_with_progress`]: distinct layer searches finished / total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
}

/// One layer of a [`MappedProgram`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct MappedLayer {
    pub layer: String,
    /// Whether this layer was (re)mapped.
    pub searched: bool,
    /// The dataflow the layer now uses (`None` if it still has none).
    pub dataflow: Option<String>,
    /// A previous layer with the same search (shape, hardware, existing dataflow).
    pub same_as: Option<String>,
    pub choice: Option<LayerChoice>,
    pub error: Option<SearchError>,
}

/// A mapping with searched dataflows.
#[derive(Debug, Clone)]
pub struct MappedProgram {
    /// The input program plus one dataflow per distinct chosen directive list, and the
    /// mapping's searched layers pointing at them.
    pub program: Program,
    pub layers: Vec<MappedLayer>,
    /// Distinct searches run.
    pub searches: usize,
    /// Cost-model evaluations over all searches.
    pub evaluations: usize,
}

/// Search the layers of mapping `id` (only those mapped with `search` if
/// `only_search_layers`) and return the program with the chosen dataflows.
pub fn map_mapping(
    program: &Program,
    id: MappingId,
    opts: &SearchOptions,
    only_search_layers: bool,
) -> MappedProgram {
    map_mapping_with_progress(program, id, opts, only_search_layers, &|_| {})
}

/// [`map_mapping`], calling `progress` after each distinct search (from worker threads).
pub fn map_mapping_with_progress(
    program: &Program,
    id: MappingId,
    opts: &SearchOptions,
    only_search_layers: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> MappedProgram {
    let mapping = program.mapping(id);
    let network = program.network(mapping.network);
    let hw = program.hardware(mapping.hardware);

    // Distinct searches, in layer order.
    let mut jobs: Vec<Job> = Vec::new();
    let mut first_layer: Vec<usize> = Vec::new();
    let mut slot_of: Vec<Option<usize>> = Vec::with_capacity(network.layers.len());
    let mut index: HashMap<JobKey, usize> = HashMap::new();
    for (i, (layer, lm)) in network.layers.iter().zip(&mapping.layers).enumerate() {
        let search = match &lm.dataflow {
            DataflowChoice::Search { .. } => true,
            DataflowChoice::Fixed { .. } => !only_search_layers,
        };
        if !search {
            slot_of.push(None);
            continue;
        }
        let existing = match &lm.dataflow {
            DataflowChoice::Fixed { dataflow, args, .. } => {
                let df = program.dataflow(*dataflow);
                instantiate(df, args, layer)
                    .ok()
                    .map(|d| (df.name.clone(), d))
                    .into_iter()
                    .collect()
            }
            DataflowChoice::Search { .. } => Vec::new(),
        };
        let job = Job::new(layer, hw, lm.precision, lm.sparsity, existing);
        let key = job.key();
        let next = jobs.len();
        let slot = *index.entry(key).or_insert(next);
        if slot == next {
            jobs.push(job);
            first_layer.push(i);
        }
        slot_of.push(Some(slot));
    }

    let total = jobs.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Result<LayerChoice, SearchError>> = jobs
        .par_iter()
        .map(|job| {
            let r = job.run(hw, opts);
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress(Progress { done: d, total });
            r
        })
        .collect();

    let mut out = program.clone();
    let mut dataflow_of: HashMap<Vec<ConcreteDirective>, ir::DataflowId> = HashMap::new();
    let mut layers = Vec::with_capacity(network.layers.len());
    for (i, (layer, slot)) in network.layers.iter().zip(&slot_of).enumerate() {
        let lm = &mapping.layers[i];
        let current = match &lm.dataflow {
            DataflowChoice::Fixed { dataflow, .. } => {
                Some(program.dataflow(*dataflow).name.clone())
            }
            DataflowChoice::Search { .. } => None,
        };
        let Some(slot) = *slot else {
            layers.push(MappedLayer {
                layer: layer.name.clone(),
                searched: false,
                dataflow: current,
                same_as: None,
                choice: None,
                error: None,
            });
            continue;
        };
        let same_as =
            (first_layer[slot] != i).then(|| network.layers[first_layer[slot]].name.clone());
        match &results[slot] {
            Ok(choice) => {
                let df = *dataflow_of
                    .entry(choice.directives.clone())
                    .or_insert_with(|| {
                        add_dataflow(
                            &mut out,
                            &layer.name,
                            &choice.directives,
                            lm.dataflow.span(),
                        )
                    });
                if let Some(m) = out.mappings.get_mut(id.index()) {
                    if let Some(l) = m.layers.get_mut(i) {
                        l.dataflow = DataflowChoice::Fixed {
                            dataflow: df,
                            args: Vec::new(),
                            span: lm.dataflow.span(),
                        };
                    }
                }
                layers.push(MappedLayer {
                    layer: layer.name.clone(),
                    searched: true,
                    dataflow: Some(out.dataflow(df).name.clone()),
                    same_as,
                    choice: Some(choice.clone()),
                    error: None,
                });
            }
            Err(e) => layers.push(MappedLayer {
                layer: layer.name.clone(),
                searched: true,
                dataflow: current,
                same_as,
                choice: None,
                error: Some(e.clone()),
            }),
        }
    }
    let evaluations = results
        .iter()
        .map(|r| match r {
            Ok(c) => c.evaluations,
            Err(SearchError::NoValidMapping { evaluations }) => *evaluations,
            Err(_) => 0,
        })
        .sum();
    MappedProgram {
        program: out,
        layers,
        searches: total,
        evaluations,
    }
}

/// A mapping evaluated after its layers were searched: the program the report refers to
/// (the input itself when nothing was searched), the report and its diagnostics.
pub struct SearchedEvaluation<'a> {
    pub program: Cow<'a, Program>,
    pub report: evaluate::MappingReport,
    pub diagnostics: Vec<crate::diagnostics::Diagnostic>,
}

/// Search, then evaluate: the layers of mapping `id` written `search` (every layer unless
/// `only_search_layers`) get the mapper's choice first, then the mapping is evaluated with
/// `model`. `dfc eval` and `test` blocks both evaluate this way.
pub fn evaluate_with_search<'a>(
    program: &'a Program,
    id: MappingId,
    model: Model,
    opts: &SearchOptions,
    only_search_layers: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> SearchedEvaluation<'a> {
    let searches = !only_search_layers
        || program
            .mapping(id)
            .layers
            .iter()
            .any(|l| matches!(l.dataflow, DataflowChoice::Search { .. }));
    let program = if searches {
        let mapped = map_mapping_with_progress(program, id, opts, only_search_layers, progress);
        Cow::Owned(mapped.program)
    } else {
        Cow::Borrowed(program)
    };
    let (report, diagnostics) = evaluate::evaluate_mapping(&program, id, model);
    SearchedEvaluation {
        program,
        report,
        diagnostics,
    }
}

/// A new dataflow `<layer>_searched` (made unique) with constant sizes.
fn add_dataflow(
    program: &mut Program,
    layer: &str,
    directives: &[ConcreteDirective],
    span: crate::source::Span,
) -> ir::DataflowId {
    let base = format!("{layer}_searched");
    let taken = |name: &str| program.dataflows.iter().any(|d| d.name == name);
    let mut name = base.clone();
    let mut n = 2;
    while taken(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    let directives = directives
        .iter()
        .map(|d| match *d {
            ConcreteDirective::Map {
                kind,
                size,
                offset,
                dim,
            } => ir::Directive::Map {
                kind,
                size: ir::Expr::Const(size),
                offset: ir::Expr::Const(offset),
                dim,
                span,
            },
            ConcreteDirective::Cluster { size } => ir::Directive::Cluster {
                size: ir::Expr::Const(size),
                span,
            },
        })
        .collect();
    let id = ir::DataflowId(u32::try_from(program.dataflows.len()).unwrap_or(u32::MAX));
    program.dataflows.push(ir::Dataflow {
        name,
        params: Vec::new(),
        directives,
        span,
    });
    id
}

/// What makes two layer searches identical.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct JobKey {
    problem: cost::Problem,
    precision_bits: Option<u32>,
    operand_bits: Option<cost::OperandBits>,
    existing: Vec<(String, Vec<ConcreteDirective>)>,
}

/// One layer search, ready to run.
struct Job {
    layer: ir::Layer,
    problem: cost::Problem,
    hw: cost::Hardware,
    precision: Option<ir::LayerPrecision>,
    existing: Vec<(String, Vec<ConcreteDirective>)>,
}

impl Job {
    fn new(
        layer: &ir::Layer,
        hw: &ir::Hardware,
        precision: Option<ir::LayerPrecision>,
        sparsity: ir::LayerSparsity,
        existing: Vec<(String, Vec<ConcreteDirective>)>,
    ) -> Job {
        // Batch coupling as `dfc eval` does it in the Default model.
        let batch = evaluate::batch_used(layer);
        let mut problem = evaluate::problem(layer, &[], batch, Model::Default);
        problem.sparsity = sparsity;
        Job {
            layer: layer.clone(),
            problem,
            hw: evaluate::hardware(hw, precision, Model::Default),
            precision,
            existing,
        }
    }

    fn key(&self) -> JobKey {
        JobKey {
            problem: self.problem.clone(),
            precision_bits: self.hw.precision_bits,
            operand_bits: self.hw.operand_bits,
            existing: self.existing.clone(),
        }
    }

    fn run(&self, ir_hw: &ir::Hardware, opts: &SearchOptions) -> Result<LayerChoice, SearchError> {
        let space = LayerSpace::new(&self.problem, self.hw.num_pes)
            .map_err(|e| SearchError::InvalidLayer { message: e.0 })?;
        // Capacities in elements (the cost model has them in bytes when a precision is set).
        let elements = |size: i64| match self.hw.precision_bits {
            Some(b) => size.saturating_mul(8) / i64::from(b.max(1)),
            None => size,
        };
        let line_elements = ir_hw
            .dram_bandwidth
            .map_or(16, |b| {
                i64::try_from(b.elements_per_cycle(ir_hw.precision)).unwrap_or(16)
            })
            .max(1);
        let key = format!(
            "{:?}|{:?}|{:?}|{}|{:?}",
            self.problem.layer_type,
            self.problem.dims,
            self.problem.strides,
            self.problem.batch_in_tensors,
            self.hw.precision_bits
        );
        let seed = opts.seed ^ crate::util::stable_hash(key.bytes());
        let mut eval = Evaluator::new(
            self.problem.clone(),
            self.hw,
            &space,
            opts.objective,
            opts.strict_buffers,
            opts.budget,
        );
        if opts.score_model == Model::Maestro {
            let batch = evaluate::batch_used(&self.layer);
            eval.score_with(
                evaluate::problem(&self.layer, &[], batch, Model::Maestro),
                evaluate::hardware(ir_hw, self.precision, Model::Maestro),
            );
        }
        let mut ctx = Ctx {
            eval,
            l1_elements: elements(self.hw.l1_size),
            l2_elements: elements(self.hw.l2_size),
            line_elements,
            max_levels: opts.max_levels.clamp(1, 4),
            rng: Rng::new(seed),
            space,
            opts,
            stats: Stats::default(),
        };
        let mut best_stdlib: Option<StdlibBest> = None;
        for (name, dirs) in &self.existing {
            ctx.eval.eval(
                dirs.clone(),
                Origin::Existing {
                    dataflow: name.clone(),
                },
            );
        }
        if opts.include_stdlib {
            let variants = opts.stdlib_variants.min(opts.budget / 8);
            for s in seeds::seeds(&self.layer, variants) {
                let origin = Origin::Stdlib {
                    dataflow: s.dataflow.clone(),
                    args: s.args.clone(),
                };
                let score = ctx.eval.eval(s.directives, origin);
                if let (true, Some(score)) = (s.default_args, score) {
                    let better = best_stdlib
                        .as_ref()
                        .is_none_or(|b| score.primary < b.objective_value);
                    if better {
                        best_stdlib = Some(StdlibBest {
                            dataflow: s.dataflow,
                            objective_value: score.primary,
                        });
                    }
                }
            }
        }
        match opts.strategy {
            Strategy::Decoupled => decoupled::run(&mut ctx),
            Strategy::Random => baselines::random(&mut ctx),
            Strategy::Genetic => baselines::genetic(&mut ctx),
        }
        let evaluations = ctx.eval.used();
        let Some((best, metrics)) = ctx.eval.best() else {
            return Err(SearchError::NoValidMapping { evaluations });
        };
        // Emitted dataflows are complete (`complete`): MAESTRO needs the filter maps.
        let directives = complete::complete(&best.directives, &self.problem, &self.hw);
        Ok(LayerChoice {
            directives,
            objective_value: opts.objective.value(metrics),
            metrics: metrics.clone(),
            evaluations,
            valid_evaluations: ctx.eval.valid(),
            origin: best.origin.clone(),
            best_stdlib,
            offchip_points: ctx.stats.offchip_points,
            egg_rounds: ctx.stats.egg_rounds,
        })
    }
}

/// Per-search statistics the strategies fill in.
#[derive(Debug, Default)]
struct Stats {
    offchip_points: usize,
    egg_rounds: Vec<RunnerReport>,
}

/// Everything a strategy works with for one layer.
struct Ctx<'a> {
    space: LayerSpace,
    eval: Evaluator,
    rng: Rng,
    opts: &'a SearchOptions,
    /// Capacities in elements.
    l1_elements: i64,
    l2_elements: i64,
    /// DRAM line (burst) in elements.
    line_elements: i64,
    max_levels: usize,
    stats: Stats,
}

/// A seeded generator, for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn rng_for_tests(seed: u64) -> Rng {
    Rng::new(seed)
}

/// The stdlib dataflows (defaults) instantiated for `layer`, for tests elsewhere in the crate.
#[cfg(test)]
pub(crate) fn stdlib_seeds_for_tests(layer: &ir::Layer) -> Vec<Vec<ConcreteDirective>> {
    seeds::seeds(layer, 0)
        .into_iter()
        .map(|s| s.directives)
        .collect()
}

//! Search convergence: for each strategy (decoupled, decoupled without its e-graph
//! refinement, genetic, random) and each evaluation budget, the mapping's objective after
//! searching every layer with that budget — what `dfc eval --strategy S --budget B` reports for
//! a mapping whose layers are all `search`. Stdlib dataflows are not seeded, so the curves show
//! the strategies themselves; `benches/egraph_ablation.sh` tabulates them over a suite.

use plotters::prelude::*;

use super::{
    axes, drawing, framed, legend, line_with_markers, log_range, PlotError, PALETTE, SIZE,
};
use crate::backends::cost::Model;
use crate::backends::evaluate::{self, LayerStatus};
use crate::ir::{MappingId, Program};
use crate::search::{self, Objective, SearchOptions, Strategy};

/// One strategy's objective per budget (`None` where some layer found no valid mapping).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Series {
    pub strategy: Strategy,
    /// Whether the search refines with the e-graph: the decoupled search twice, with it and
    /// without (`--egg-iters 0`, the e-graph ablation); the baselines never use it.
    pub egraph: bool,
    pub values: Vec<Option<f64>>,
}

impl Series {
    /// The legend's name: the strategy, and `without e-graph` for the ablated search.
    pub fn label(&self) -> String {
        match (self.strategy, self.egraph) {
            (Strategy::Decoupled, false) => "decoupled without e-graph".to_string(),
            (strategy, _) => strategy.name().to_string(),
        }
    }
}

/// The searches a convergence compares: each strategy, and the decoupled one also without its
/// e-graph refinement.
pub const SEARCHES: [(Strategy, bool); 4] = [
    (Strategy::Decoupled, true),
    (Strategy::Decoupled, false),
    (Strategy::Random, false),
    (Strategy::Genetic, false),
];

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Convergence {
    pub mapping: String,
    pub objective: Objective,
    /// The objective's unit: `cycles`, the report's energy unit, or their product.
    pub unit: String,
    /// Cost-model evaluations per distinct layer.
    pub budgets: Vec<usize>,
    pub series: Vec<Series>,
}

/// `points` budgets doubling up to `max` (at least 1 each, distinct, increasing).
pub fn budgets(max: usize, points: usize) -> Vec<usize> {
    let mut out: Vec<usize> = (0..points.max(1))
        .rev()
        .map(|k| (max >> k.min(63)).max(1))
        .collect();
    out.dedup();
    out
}

/// The objective of mapping `id`, every layer searched with each strategy and budget.
pub fn convergence(
    program: &Program,
    id: MappingId,
    base: &SearchOptions,
    budgets: &[usize],
) -> Convergence {
    let mut unit = String::new();
    let series = SEARCHES
        .iter()
        .map(|&(strategy, egraph)| Series {
            strategy,
            egraph,
            values: budgets
                .iter()
                .map(|&budget| {
                    let opts = SearchOptions {
                        strategy,
                        budget,
                        include_stdlib: false,
                        egg_iters: if egraph { base.egg_iters } else { 0 },
                        ..base.clone()
                    };
                    let mapped = search::map_mapping(program, id, &opts, false);
                    let (report, _) =
                        evaluate::evaluate_mapping(&mapped.program, id, Model::Default);
                    unit = match base.objective {
                        Objective::Runtime => "cycles".to_string(),
                        Objective::Energy => report.totals.energy_unit.to_string(),
                        Objective::Edp => format!("cycles × {}", report.totals.energy_unit),
                    };
                    report
                        .layers
                        .iter()
                        .map(|l| match &l.status {
                            LayerStatus::Ok { metrics } => Some(base.objective.value(metrics)),
                            _ => None,
                        })
                        .sum::<Option<f64>>()
                })
                .collect(),
        })
        .collect();
    Convergence {
        mapping: program.mapping(id).name.clone(),
        objective: base.objective,
        unit,
        budgets: budgets.to_vec(),
        series,
    }
}

/// The convergence as SVG: objective against budget (log scale, one tick per budget), one
/// line with markers per strategy.
pub fn convergence_svg(data: &Convergence) -> Result<String, PlotError> {
    let xs = log_range(data.budgets.iter().map(|b| *b as f64));
    let values: Vec<f64> = data
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten().copied())
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(0.0, f64::max);
    let ys = if lo.is_finite() && hi > 0.0 {
        lo * 0.9..hi * 1.1
    } else {
        0.0..1.0
    };
    let keys: Vec<f64> = data.budgets.iter().map(|b| *b as f64).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = framed(&root, &format!("Search convergence: `{}`", data.mapping))
            .build_cartesian_2d(xs.log_scale().with_key_points(keys), ys)
            .map_err(drawing)?;
        let y_desc = format!("{} ({}), lower is better", data.objective.name(), data.unit);
        axes(
            &mut chart,
            "budget (cost-model evaluations per distinct layer)",
            &y_desc,
        )?;
        for (i, s) in data.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let points: Vec<(f64, f64)> = data
                .budgets
                .iter()
                .zip(&s.values)
                .filter_map(|(b, v)| Some((*b as f64, (*v)?)))
                .collect();
            line_with_markers(&mut chart, points, color, &s.label())?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

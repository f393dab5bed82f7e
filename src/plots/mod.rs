//! Plots of the back ends' reports as SVG, drawn with `plotters`: a roofline (each layer's
//! attained MACs per cycle against its arithmetic intensity, under the hardware's compute,
//! NoC and DRAM roofs), an energy breakdown (stacked per layer), and search convergence
//! (the best objective each strategy reaches per evaluation budget), and runtime against NoC
//! bandwidth per mapping, runtime and NoC energy per network topology (wired against
//! wireless against hybrid), the NoC simulator's latency against load, and a learning curve.
//!
//! Each plot is plain data first (`Roofline`, `EnergyBreakdown`, `Convergence`, all
//! serialisable, so `dfc plot --data` writes exactly the numbers drawn) and then an SVG
//! string. Nothing here touches files.

mod bandwidth;
mod density;
mod energy;
mod latency;
mod learning;
mod roofline;
mod search;
mod topologies;

pub use bandwidth::{bandwidth_svg, bandwidth_sweep, BandwidthCurve, BandwidthSweep};
pub use density::{density_svg, density_sweep, DensityCurve, DensitySweep, Operand};
pub use energy::{energy_breakdown, energy_svg, EnergyBreakdown, LayerEnergy};
pub use latency::latency_svg;
pub use learning::learning_svg;
pub use roofline::{roofline, roofline_svg, Roof, Roofline, RooflinePoint};
pub use search::{budgets, convergence, convergence_svg, Convergence, Series, SEARCHES};
pub use topologies::{topology_comparison, topology_svg, TopologyComparison, TopologyTotals};

use plotters::style::RGBColor;

/// Why a plot could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotError(pub String);

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlotError {}

fn drawing<E: std::fmt::Debug>(e: E) -> PlotError {
    PlotError(format!("drawing failed: {e:?}"))
}

/// A chart on `root` in every plot's frame: the caption's font, the margin and the label areas.
fn framed<'a, 'b, DB: plotters::prelude::DrawingBackend>(
    root: &'a plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
) -> plotters::prelude::ChartBuilder<'a, 'b, DB> {
    let mut builder = plotters::prelude::ChartBuilder::on(root);
    builder
        .caption(caption, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(90);
    builder
}

/// The mesh and axes of an x–y plot: axis descriptions and tick labels in every plot's one
/// style, no minor grid lines.
fn axes<'a, DB, X, Y>(
    chart: &mut plotters::chart::ChartContext<
        'a,
        DB,
        plotters::coord::cartesian::Cartesian2d<X, Y>,
    >,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), PlotError>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    X: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
    Y: plotters::coord::ranged1d::Ranged<ValueType = f64>
        + plotters::coord::ranged1d::ValueFormatter<f64>,
{
    use plotters::style::{Color, WHITE};
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .axis_desc_style(("sans-serif", 18))
        .label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(drawing)
}

/// One labelled line through `points`, with a marker on each.
fn line_with_markers<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    points: Vec<(f64, f64)>,
    color: RGBColor,
    label: &str,
) -> Result<(), PlotError>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate<From = (f64, f64)>,
{
    use plotters::prelude::{Circle, LineSeries, PathElement};
    use plotters::style::Color;
    chart
        .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
        .map_err(drawing)?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    chart
        .draw_series(points.iter().map(|p| Circle::new(*p, 4, color.filled())))
        .map_err(drawing)?;
    Ok(())
}

/// Draw the chart's legend at `position`, in every plot's one style.
fn legend<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    position: plotters::chart::SeriesLabelPosition,
) -> Result<(), PlotError>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    use plotters::style::{Color, BLACK, WHITE};
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 15))
        .draw()
        .map_err(drawing)
}

/// Figure size in pixels.
const SIZE: (u32, u32) = (960, 600);

/// A palette that stays distinguishable in grey (Okabe–Ito).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
];

/// `1.2e6`-style tick labels for wide ranges, plain numbers for small ones.
fn tick(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".to_string()
    } else if !(0.01..100_000.0).contains(&a) {
        format!("{v:.1e}").replace(".0e", "e")
    } else if a >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// A log-axis range around `values` (positive ones), padded by a factor on each side.
fn log_range(values: impl IntoIterator<Item = f64>) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for v in values.into_iter().filter(|v| v.is_finite() && *v > 0.0) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi <= 0.0 {
        return 0.1..10.0;
    }
    lo / 1.5..hi * 1.5
}

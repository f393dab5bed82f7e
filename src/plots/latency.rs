//! The latency-vs-load curve of a NoC simulator sweep (`dfc noc sim --sweep --svg`): average
//! and p99 packet latency against offered load over the runs that did not saturate; saturated
//! runs are crosses at the top of the axis.

use plotters::prelude::*;

use super::{axes, drawing, framed, legend, line_with_markers, PlotError, PALETTE, SIZE};
use crate::noc::sim::{SimConfig, SimStats};

/// The sweep `stats` of configuration `cfg` as SVG.
pub fn latency_svg(cfg: &SimConfig, stats: &[SimStats]) -> Result<String, PlotError> {
    let x_max = stats.iter().map(|s| s.rate).fold(0.0, f64::max).max(0.01) * 1.05;
    let y_max = stats
        .iter()
        .filter(|s| !s.saturated)
        .map(|s| s.p99_latency)
        .fold(10.0, f64::max)
        * 1.2;
    let caption = format!(
        "{k}x{k} mesh, {} traffic, {} routing",
        cfg.traffic.name(),
        cfg.routing.name(),
        k = cfg.k
    );
    let clip = |v: f64| v.min(y_max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = framed(&root, &caption)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)
            .map_err(drawing)?;
        axes(
            &mut chart,
            "offered load (flits per node per cycle)",
            "packet latency (cycles)",
        )?;
        // A saturated run's latencies are not steady-state values: only its cross is drawn.
        let stable = || stats.iter().filter(|s| !s.saturated);
        let avg = stable().map(|s| (s.rate, clip(s.avg_latency)));
        line_with_markers(&mut chart, avg.collect(), PALETTE[0], "average")?;
        let p99 = stable().map(|s| (s.rate, clip(s.p99_latency)));
        line_with_markers(&mut chart, p99.collect(), PALETTE[5], "p99")?;
        let saturated = stats.iter().filter(|s| s.saturated);
        chart
            .draw_series(saturated.map(|s| Cross::new((s.rate, y_max), 6, BLACK)))
            .map_err(drawing)?
            .label("saturated")
            .legend(|(x, y)| Cross::new((x + 10, y), 6, BLACK));
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

//! A learning curve (`dfc noc learn --svg`): the return of each training episode, as plain
//! numbers, so this module knows nothing of the agents.

use plotters::prelude::*;

use super::{axes, drawing, framed, line_with_markers, PlotError, PALETTE, SIZE};

/// Episode returns (episode 1 first) as SVG under `caption`.
pub fn learning_svg(caption: &str, returns: &[f64]) -> Result<String, PlotError> {
    let lo = returns.iter().copied().fold(0.0, f64::min);
    let hi = returns.iter().copied().fold(lo, f64::max);
    let pad = ((hi - lo) * 0.1).max(1.0);
    let x_max = returns.len().max(1) as f64 + 0.5;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = framed(&root, caption)
            .build_cartesian_2d(0.5..x_max, (lo - pad)..(hi + pad).min(0.0))
            .map_err(drawing)?;
        axes(
            &mut chart,
            "episode",
            "episode return (minus latency, cycles)",
        )?;
        let points = returns
            .iter()
            .enumerate()
            .map(|(i, r)| (i as f64 + 1.0, *r))
            .collect();
        line_with_markers(&mut chart, points, PALETTE[0], "return")?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

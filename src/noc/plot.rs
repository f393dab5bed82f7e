//! The latency-vs-load curve of a sweep as SVG (plotters, SVG back end).

use super::sim::{SimConfig, SimStats};

/// Average and p99 latency against offered load; saturated points are drawn at the top of
/// the axis and marked.
pub fn latency_curve(cfg: &SimConfig, stats: &[SimStats]) -> String {
    use plotters::prelude::*;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 420)).into_drawing_area();
        let _ = root.fill(&WHITE);
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
        let chart = ChartBuilder::on(&root)
            .caption(caption, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max);
        let Ok(mut chart) = chart else {
            return svg_fallback();
        };
        let _ = chart
            .configure_mesh()
            .x_desc("offered load (flits/node/cycle)")
            .y_desc("latency (cycles)")
            .draw();
        let clip = |v: f64| v.min(y_max);
        let avg: Vec<(f64, f64)> = stats
            .iter()
            .map(|s| (s.rate, clip(s.avg_latency)))
            .collect();
        let p99: Vec<(f64, f64)> = stats
            .iter()
            .map(|s| (s.rate, clip(s.p99_latency)))
            .collect();
        if let Ok(a) = chart.draw_series(LineSeries::new(avg.clone(), &BLUE)) {
            a.label("average")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
        }
        let _ = chart.draw_series(avg.iter().map(|&p| Circle::new(p, 3, BLUE.filled())));
        if let Ok(a) = chart.draw_series(LineSeries::new(p99, &RED)) {
            a.label("p99")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
        }
        let saturated = stats
            .iter()
            .filter(|s| s.saturated)
            .map(|s| (s.rate, y_max));
        let _ = chart.draw_series(saturated.map(|p| Cross::new(p, 5, BLACK)));
        let _ = chart
            .configure_series_labels()
            .background_style(WHITE)
            .border_style(BLACK)
            .draw();
        let _ = root.present();
    }
    svg
}

fn svg_fallback() -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"420\"></svg>\n".to_string()
}

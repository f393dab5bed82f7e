//! Wired against wireless against hybrid: each mapping's traffic costed by the analytic NoC
//! models (`crate::noc`, `docs/noc.md`) on each topology in turn, drawn as grouped bars —
//! runtime in one panel, NoC energy in the other, one group per mapping, one bar per
//! topology. The numbers are the totals `dfc noc cost` prints for the same mapping and
//! topology.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{drawing, legend, tick, PlotError, PALETTE};
use crate::backends::cost::Model;
use crate::diagnostics::Diagnostic;
use crate::ir::noc::Topology;
use crate::ir::{MappingId, Program};

/// One mapping's totals per topology, in the order of `TopologyComparison::topologies`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopologyTotals {
    pub mapping: String,
    pub runtime_cycles: Vec<i64>,
    pub energy_pj: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TopologyComparison {
    pub model: Model,
    pub topologies: Vec<Topology>,
    pub mappings: Vec<TopologyTotals>,
}

/// Every mapping in `ids` on every topology, with the traffic of the default cost model; the
/// diagnostics say which layers have no traffic (they are left out of the totals, as in
/// `dfc noc cost`), once per layer.
pub fn topology_comparison(
    program: &Program,
    ids: &[MappingId],
    topologies: &[Topology],
) -> (TopologyComparison, Vec<Diagnostic>) {
    let model = Model::Default;
    let mut diagnostics = Vec::new();
    let mappings = ids
        .iter()
        .map(|&id| {
            let mut totals = TopologyTotals {
                mapping: program.mapping(id).name.clone(),
                runtime_cycles: Vec::with_capacity(topologies.len()),
                energy_pj: Vec::with_capacity(topologies.len()),
            };
            for (i, &topology) in topologies.iter().enumerate() {
                let (report, found) = crate::noc::mapping_cost(program, id, model, Some(topology));
                // The traffic, and so what is refused, does not depend on the topology.
                if i == 0 {
                    diagnostics.extend(found);
                }
                totals.runtime_cycles.push(report.runtime_cycles);
                totals.energy_pj.push(report.energy_pj);
            }
            totals
        })
        .collect();
    let comparison = TopologyComparison {
        model,
        topologies: topologies.to_vec(),
        mappings,
    };
    (comparison, diagnostics)
}

/// Figure size in pixels: two panels, one above the other.
const SIZE: (u32, u32) = (960, 1000);

/// The comparison as SVG: runtime above, NoC energy below, grouped bars per mapping with one
/// colour per topology.
pub fn topology_svg(data: &TopologyComparison) -> Result<String, PlotError> {
    let runtime: Vec<Vec<f64>> = data
        .mappings
        .iter()
        .map(|m| m.runtime_cycles.iter().map(|r| *r as f64).collect())
        .collect();
    let energy: Vec<Vec<f64>> = data.mappings.iter().map(|m| m.energy_pj.clone()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let panels = root.split_evenly((2, 1));
        panel(
            &panels[0],
            data,
            &runtime,
            "Runtime per topology",
            "runtime (cycles)",
        )?;
        panel(
            &panels[1],
            data,
            &energy,
            "NoC energy per topology",
            "NoC energy (pJ)",
        )?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// One panel: `values[mapping][topology]` as grouped bars from zero, mapping names below.
fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    data: &TopologyComparison,
    values: &[Vec<f64>],
    caption: &str,
    y_desc: &str,
) -> Result<(), PlotError> {
    let n = values.len().max(1);
    // Headroom above the tallest bar for the legend.
    let top = values
        .iter()
        .flatten()
        .fold(0.0f64, |a, b| a.max(*b))
        .max(1.0)
        * 1.35;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..n as f64, 0.0..top)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_label_formatter(&|v| tick(*v))
        .x_desc("mapping")
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 18))
        .y_label_style(("sans-serif", 15))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(drawing)?;
    let width = 0.8 / data.topologies.len().max(1) as f64;
    for (t, topology) in data.topologies.iter().enumerate() {
        let color = PALETTE[t % PALETTE.len()];
        let bars = values.iter().enumerate().map(|(m, row)| {
            let x = m as f64 + 0.1 + t as f64 * width;
            Rectangle::new([(x, 0.0), (x + width, row[t])], color.filled())
        });
        chart
            .draw_series(bars)
            .map_err(drawing)?
            .label(topology.name())
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    let style = ("sans-serif", 14)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Top));
    // Backend coordinates are the whole figure's; the panel's own start at its corner.
    let (left, upper) = area.get_base_pixel();
    for (m, totals) in data.mappings.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(m as f64 + 0.5, 0.0));
        let at = (x - left, y - upper + 6);
        area.draw(&Text::new(totals.mapping.clone(), at, style.clone()))
            .map_err(drawing)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight)
}

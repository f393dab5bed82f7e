//! The roofline of a mapping: every evaluated layer at its arithmetic intensity (MACs per
//! element moved) and attained throughput (MACs per cycle), under the hardware's compute
//! roof and its NoC and DRAM bandwidth roofs. A layer appears twice: at its NoC intensity
//! (the report's `arithmetic_intensity`: MACs per input or filter element read from L2) and
//! at its DRAM intensity (MACs per element filled into L2 or written back from it).

use plotters::prelude::*;

use super::{axes, drawing, legend, log_range, tick, PlotError, PALETTE, SIZE};
use crate::backends::evaluate::{LayerStatus, MappingReport};
use crate::ir;

/// A bandwidth roof: MACs per cycle ≤ bandwidth × intensity.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Roof {
    pub name: &'static str,
    pub elements_per_cycle: f64,
}

/// One layer's place on the roofline; numbers are the report's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RooflinePoint {
    pub layer: String,
    /// MACs per cycle (`throughput`).
    pub throughput: f64,
    /// The report's `arithmetic_intensity`.
    pub noc_intensity: f64,
    /// `num_macs / (input_l2_write + filter_l2_write + output_l2_read)`.
    pub dram_intensity: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Roofline {
    pub mapping: String,
    pub hardware: String,
    /// PEs × MACs per PE.
    pub peak_macs_per_cycle: f64,
    pub roofs: Vec<Roof>,
    pub layers: Vec<RooflinePoint>,
}

/// The roofline data of an evaluated mapping on `hw`.
pub fn roofline(report: &MappingReport, hw: &ir::Hardware) -> Roofline {
    let mut roofs = vec![Roof {
        name: "NoC",
        elements_per_cycle: hw.noc_bandwidth.elements_per_cycle(hw.precision) as f64,
    }];
    if let Some(d) = hw.dram_bandwidth {
        roofs.push(Roof {
            name: "DRAM",
            elements_per_cycle: d.elements_per_cycle(hw.precision) as f64,
        });
    }
    let layers = report
        .layers
        .iter()
        .filter_map(|l| match &l.status {
            LayerStatus::Ok { metrics } => {
                let m = metrics;
                let dram = m.input_l2_write + m.filter_l2_write + m.output_l2_read;
                Some(RooflinePoint {
                    layer: l.layer.clone(),
                    throughput: m.throughput,
                    noc_intensity: m.arithmetic_intensity,
                    dram_intensity: if dram > 0 {
                        m.num_macs as f64 / dram as f64
                    } else {
                        0.0
                    },
                })
            }
            _ => None,
        })
        .collect();
    Roofline {
        mapping: report.mapping.clone(),
        hardware: report.hardware.clone(),
        peak_macs_per_cycle: (hw.pes * hw.macs_per_pe) as f64,
        roofs,
        layers,
    }
}

/// The roofline as SVG: log–log axes with units, one line per roof, one marker per layer.
pub fn roofline_svg(data: &Roofline) -> Result<String, PlotError> {
    let peak = data.peak_macs_per_cycle;
    let ridges: Vec<f64> = data
        .roofs
        .iter()
        .filter(|r| r.elements_per_cycle > 0.0)
        .map(|r| peak / r.elements_per_cycle)
        .collect();
    let xs = log_range(
        data.layers
            .iter()
            .flat_map(|p| [p.noc_intensity, p.dram_intensity])
            .chain(ridges.iter().copied()),
    );
    let ys = log_range(data.layers.iter().map(|p| p.throughput).chain([peak]));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Roofline: `{}` on `{}`", data.mapping, data.hardware),
                ("sans-serif", 24),
            )
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(80)
            .build_cartesian_2d(xs.clone().log_scale(), ys.clone().log_scale())
            .map_err(drawing)?;
        axes(
            &mut chart,
            "arithmetic intensity (MACs per element moved)",
            "attained throughput (MACs per cycle)",
        )?;
        chart
            .draw_series(LineSeries::new(
                [(xs.start, peak), (xs.end, peak)],
                BLACK.stroke_width(2),
            ))
            .map_err(drawing)?
            .label(format!("compute roof: {} MACs/cycle", tick(peak)))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        for (i, roof) in data.roofs.iter().enumerate() {
            let color = PALETTE[(i + 4) % PALETTE.len()];
            let bw = roof.elements_per_cycle;
            let ridge = if bw > 0.0 { peak / bw } else { xs.end };
            let line = [
                (xs.start, bw * xs.start),
                (ridge.min(xs.end), bw * ridge.min(xs.end)),
            ];
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))
                .map_err(drawing)?
                .label(format!("{} roof: {} elements/cycle", roof.name, tick(bw)))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        let noc = PALETTE[0];
        chart
            .draw_series(
                data.layers
                    .iter()
                    .map(|p| Circle::new((p.noc_intensity, p.throughput), 5, noc.filled())),
            )
            .map_err(drawing)?
            .label("layer at its NoC intensity")
            .legend(move |(x, y)| Circle::new((x + 10, y), 5, noc.filled()));
        if data.roofs.iter().any(|r| r.name == "DRAM") {
            let dram = PALETTE[1];
            chart
                .draw_series(data.layers.iter().map(|p| {
                    TriangleMarker::new((p.dram_intensity, p.throughput), 6, dram.filled())
                }))
                .map_err(drawing)?
                .label("layer at its DRAM intensity")
                .legend(move |(x, y)| TriangleMarker::new((x + 10, y), 6, dram.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

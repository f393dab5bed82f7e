//! Runtime against NoC bandwidth: each mapping evaluated with its hardware's NoC bandwidth
//! set to each value in turn (everything else as written), one curve per mapping — the
//! study that shows which dataflows are bandwidth-bound and where each one saturates.

use plotters::prelude::*;

use super::{
    axes, drawing, framed, legend, line_with_markers, log_range, PlotError, PALETTE, SIZE,
};
use crate::backends::cost::Model;
use crate::backends::evaluate::{self, LayerStatus};
use crate::ir::{Bandwidth, MappingId, Program};

/// One mapping's runtime per bandwidth (`None` where a layer is refused or not mapped).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BandwidthCurve {
    pub mapping: String,
    pub runtime_cycles: Vec<Option<i64>>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BandwidthSweep {
    pub model: Model,
    /// NoC bandwidths in elements per cycle.
    pub bandwidths: Vec<u64>,
    pub curves: Vec<BandwidthCurve>,
}

/// The runtime of every mapping in `ids` at every NoC bandwidth (elements per cycle).
pub fn bandwidth_sweep(
    program: &Program,
    ids: &[MappingId],
    bandwidths: &[u64],
    model: Model,
) -> BandwidthSweep {
    let curves = ids
        .iter()
        .map(|&id| {
            let hw = program.mapping(id).hardware.0 as usize;
            let runtime_cycles = bandwidths
                .iter()
                .map(|&bw| {
                    let mut p = program.clone();
                    p.hardware[hw].noc_bandwidth = Bandwidth::ElementsPerCycle(bw);
                    let (report, _) = evaluate::evaluate_mapping(&p, id, model);
                    report
                        .layers
                        .iter()
                        .map(|l| match &l.status {
                            LayerStatus::Ok { metrics } => Some(metrics.runtime_cycles),
                            _ => None,
                        })
                        .sum::<Option<i64>>()
                })
                .collect();
            BandwidthCurve {
                mapping: program.mapping(id).name.clone(),
                runtime_cycles,
            }
        })
        .collect();
    BandwidthSweep {
        model,
        bandwidths: bandwidths.to_vec(),
        curves,
    }
}

/// The sweep as SVG: runtime against bandwidth, both on log scales, a line with markers per
/// mapping.
pub fn bandwidth_svg(data: &BandwidthSweep) -> Result<String, PlotError> {
    let keys: Vec<f64> = data.bandwidths.iter().map(|b| *b as f64).collect();
    let xs = log_range(keys.iter().copied());
    let ys = log_range(
        data.curves
            .iter()
            .flat_map(|c| c.runtime_cycles.iter().flatten().map(|r| *r as f64)),
    );
    let model = match data.model {
        Model::Default => "default model",
        Model::Maestro => "MAESTRO's model",
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = framed(&root, &format!("Runtime against NoC bandwidth ({model})"))
            .build_cartesian_2d(xs.log_scale().with_key_points(keys), ys.log_scale())
            .map_err(drawing)?;
        axes(
            &mut chart,
            "NoC bandwidth (elements per cycle)",
            "runtime (cycles), lower is better",
        )?;
        for (i, c) in data.curves.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let points: Vec<(f64, f64)> = data
                .bandwidths
                .iter()
                .zip(&c.runtime_cycles)
                .filter_map(|(b, r)| Some((*b as f64, (*r)? as f64)))
                .collect();
            line_with_markers(&mut chart, points, color, &c.mapping)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

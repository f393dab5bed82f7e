//! Runtime and energy against operand density: each mapping evaluated with one operand of
//! every layer at each density in turn (uniform, on the mapping's own hardware and its
//! formats), relative to the same mapping dense — the study that shows where a sparse
//! accelerator's skipping and compression pay (`docs/sparsity.md`).

use plotters::prelude::*;

use super::{axes, drawing, framed, legend, line_with_markers, PlotError, PALETTE, SIZE};
use crate::backends::evaluate::{self, LayerStatus};
use crate::ir::sparsity::PER_BILLION;
use crate::ir::{Density, Distribution, MappingId, Program};

/// Which operand the sweep makes sparse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    Weights,
    Activations,
}

/// One mapping's network totals per density (`None` where a layer is refused or not mapped).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DensityCurve {
    pub mapping: String,
    pub runtime_cycles: Vec<Option<i64>>,
    pub energy: Vec<Option<f64>>,
    /// The same mapping with dense operands.
    pub dense_runtime_cycles: Option<i64>,
    pub dense_energy: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DensitySweep {
    pub operand: Operand,
    pub densities: Vec<f64>,
    pub curves: Vec<DensityCurve>,
}

/// Network runtime and energy of `id` in `program`, or `None` if a layer has no numbers.
fn totals(program: &Program, id: MappingId) -> (Option<i64>, Option<f64>) {
    let (report, _) =
        evaluate::evaluate_mapping(program, id, crate::backends::cost::Model::Default);
    let ok: Option<Vec<_>> = report
        .layers
        .iter()
        .map(|l| match &l.status {
            LayerStatus::Ok { metrics } => Some((metrics.runtime_cycles, metrics.total_energy)),
            _ => None,
        })
        .collect();
    match ok {
        Some(v) => (
            Some(v.iter().map(|x| x.0).sum()),
            Some(v.iter().map(|x| x.1).sum()),
        ),
        None => (None, None),
    }
}

/// Every mapping in `ids` at every density (each in (0, 1]) of `operand`, uniform.
pub fn density_sweep(
    program: &Program,
    ids: &[MappingId],
    densities: &[f64],
    operand: Operand,
) -> DensitySweep {
    let with_density = |id: MappingId, d: Density| {
        let mut p = program.clone();
        for lm in &mut p.mappings[id.0 as usize].layers {
            match operand {
                Operand::Weights => lm.sparsity.weights = d,
                Operand::Activations => lm.sparsity.activations = d,
            }
        }
        totals(&p, id)
    };
    let curves = ids
        .iter()
        .map(|&id| {
            let (runtime_cycles, energy) = densities
                .iter()
                .map(|&d| {
                    let per_billion = (d * PER_BILLION as f64).round() as u32;
                    let density = Density::Random {
                        per_billion,
                        distribution: Distribution::Uniform,
                    };
                    with_density(id, density)
                })
                .unzip();
            let (dense_runtime_cycles, dense_energy) = with_density(id, Density::Dense);
            DensityCurve {
                mapping: program.mapping(id).name.clone(),
                runtime_cycles,
                energy,
                dense_runtime_cycles,
                dense_energy,
            }
        })
        .collect();
    DensitySweep {
        operand,
        densities: densities.to_vec(),
        curves,
    }
}

/// The sweep as SVG: runtime and energy relative to dense against density, a line each per
/// mapping.
pub fn density_svg(data: &DensitySweep) -> Result<String, PlotError> {
    let relative = |v: &[Option<f64>], dense: Option<f64>| -> Vec<Option<f64>> {
        v.iter()
            .map(|x| Some(x.as_ref()? / dense.filter(|d| *d > 0.0)?))
            .collect()
    };
    // Per mapping: its name, then runtime and energy relative to dense.
    type Relative = Vec<Option<f64>>;
    let series: Vec<(String, Relative, Relative)> = data
        .curves
        .iter()
        .map(|c| {
            let runtime: Vec<Option<f64>> = c
                .runtime_cycles
                .iter()
                .map(|r| r.map(|r| r as f64))
                .collect();
            (
                c.mapping.clone(),
                relative(&runtime, c.dense_runtime_cycles.map(|r| r as f64)),
                relative(&c.energy, c.dense_energy),
            )
        })
        .collect();
    let top = series
        .iter()
        .flat_map(|(_, r, e)| r.iter().chain(e).flatten().copied())
        .fold(1.0f64, f64::max)
        * 1.1;
    let operand = match data.operand {
        Operand::Weights => "weight",
        Operand::Activations => "activation",
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let title = format!("Runtime and energy against {operand} density");
        let mut chart = framed(&root, &title)
            .build_cartesian_2d(0.0f64..1.0, 0.0f64..top)
            .map_err(drawing)?;
        axes(
            &mut chart,
            &format!("{operand} density (fraction of nonzeros)"),
            "relative to dense, lower is better",
        )?;
        for (i, (mapping, runtime, energy)) in series.iter().enumerate() {
            let color = PALETTE[(2 * i) % PALETTE.len()];
            let points = |v: &[Option<f64>]| -> Vec<(f64, f64)> {
                data.densities
                    .iter()
                    .zip(v)
                    .filter_map(|(d, y)| Some((*d, (*y)?)))
                    .collect()
            };
            line_with_markers(
                &mut chart,
                points(runtime),
                color,
                &format!("{mapping}: runtime"),
            )?;
            let color = PALETTE[(2 * i + 1) % PALETTE.len()];
            line_with_markers(
                &mut chart,
                points(energy),
                color,
                &format!("{mapping}: energy"),
            )?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

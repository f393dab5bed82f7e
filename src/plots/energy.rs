//! Where a mapping's energy goes: one stacked bar per layer with the report's MAC, L1 and
//! L2 energies, and DRAM energy when the hardware prices DRAM accesses (the elements filled
//! into L2 or written back from it, times the hardware's `dram` energy; the report's total
//! leaves DRAM out), and NoC energy from the analytic model of the hardware's `noc` topology
//! (`noc::mapping_cost`, a mesh unless the hardware names another) when energies are in pJ.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{drawing, legend, tick, PlotError, PALETTE, SIZE};
use crate::backends::evaluate::{LayerStatus, MappingReport};
use crate::ir;
use crate::noc::NocReport;

/// One layer's energy by component, in the report's energy unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerEnergy {
    pub layer: String,
    /// `total_mac_energy`.
    pub mac: f64,
    /// `total_l1_read_energy + total_l1_write_energy`.
    pub l1: f64,
    /// `total_l2_read_energy + total_l2_write_energy`.
    pub l2: f64,
    /// DRAM accesses × the hardware's DRAM energy, if it has one.
    pub dram: Option<f64>,
    /// The NoC model's energy of the layer's traffic (pJ), when energies are in pJ.
    pub noc: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EnergyBreakdown {
    pub mapping: String,
    pub hardware: String,
    /// `pJ`, or `MAC units` without an energy table.
    pub unit: String,
    pub layers: Vec<LayerEnergy>,
}

/// The energy breakdown of an evaluated mapping on `hw`; `noc` is the NoC model's report of
/// the same mapping (its layers matched by name).
pub fn energy_breakdown(
    report: &MappingReport,
    hw: &ir::Hardware,
    noc: Option<&NocReport>,
) -> EnergyBreakdown {
    let dram_pj = hw.energy.and_then(|e| e.dram_pj);
    // NoC energies are pJ: only beside the report's other energies when those are pJ too.
    let noc = noc.filter(|_| hw.energy.is_some());
    let noc_of = |layer: &str| {
        noc.and_then(|r| r.layers.iter().find(|l| l.layer == layer))
            .map(|l| l.energy_pj)
    };
    let layers = report
        .layers
        .iter()
        .filter_map(|l| match &l.status {
            LayerStatus::Ok { metrics: m } => Some(LayerEnergy {
                layer: l.layer.clone(),
                mac: m.total_mac_energy,
                l1: m.total_l1_read_energy + m.total_l1_write_energy,
                l2: m.total_l2_read_energy + m.total_l2_write_energy,
                dram: dram_pj.map(|pj| {
                    pj * (m.input_l2_write + m.filter_l2_write + m.output_l2_read) as f64
                }),
                noc: noc_of(&l.layer),
            }),
            _ => None,
        })
        .collect();
    EnergyBreakdown {
        mapping: report.mapping.clone(),
        hardware: report.hardware.clone(),
        unit: report.totals.energy_unit.to_string(),
        layers,
    }
}

/// One stacked component: its legend and its value per layer.
type Part = (&'static str, Box<dyn Fn(&LayerEnergy) -> f64>);

/// The breakdown as SVG: a stacked bar per layer, layers in network order.
pub fn energy_svg(data: &EnergyBreakdown) -> Result<String, PlotError> {
    let parts: Vec<Part> = {
        let mut v: Vec<Part> = vec![
            ("MAC", Box::new(|l: &LayerEnergy| l.mac)),
            ("L1", Box::new(|l: &LayerEnergy| l.l1)),
            ("L2", Box::new(|l: &LayerEnergy| l.l2)),
        ];
        if data.layers.iter().any(|l| l.dram.is_some()) {
            v.push((
                "DRAM (L2 fills and write-backs × DRAM energy)",
                Box::new(|l: &LayerEnergy| l.dram.unwrap_or(0.0)),
            ));
        }
        if data.layers.iter().any(|l| l.noc.is_some()) {
            v.push((
                "NoC (analytic model of the hardware's topology)",
                Box::new(|l: &LayerEnergy| l.noc.unwrap_or(0.0)),
            ));
        }
        v
    };
    let total = |l: &LayerEnergy| parts.iter().map(|(_, f)| f(l)).sum::<f64>();
    // Headroom above the tallest bar for the legend.
    let top = data.layers.iter().map(total).fold(0.0, f64::max).max(1.0) * 1.45;
    let n = data.layers.len().max(1);
    let names: Vec<String> = data.layers.iter().map(|l| l.layer.clone()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "Energy per layer: `{}` on `{}`",
                    data.mapping, data.hardware
                ),
                ("sans-serif", 24),
            )
            .margin(16)
            .x_label_area_size(170)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..n as f64, 0.0..top)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_label_formatter(&|v| tick(*v))
            .x_desc("layer")
            .y_desc(format!("energy ({})", data.unit))
            .axis_desc_style(("sans-serif", 18))
            .y_label_style(("sans-serif", 15))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(drawing)?;
        for (k, (name, value)) in parts.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let bars = data.layers.iter().enumerate().map(|(i, l)| {
                let below: f64 = parts[..k].iter().map(|(_, f)| f(l)).sum();
                let x = i as f64;
                Rectangle::new(
                    [(x + 0.1, below), (x + 0.9, below + value(l))],
                    color.filled(),
                )
            });
            chart
                .draw_series(bars)
                .map_err(drawing)?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled())
                });
        }
        // Layer names below their bars, rotated to read top to bottom; every k-th when
        // there are too many to fit.
        let every = n.div_ceil(60).max(1);
        let style = ("sans-serif", 14)
            .into_font()
            .transform(FontTransform::Rotate90)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        for (i, name) in names.iter().enumerate().step_by(every) {
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(name.clone(), (x, y + 8), style.clone()))
                .map_err(drawing)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

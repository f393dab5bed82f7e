//! A modelled estimate of what a run would cost on GENESYS-style hardware: EvE, the
//! evolution engine that streams genes through parallel PEs, and ADAM, the inference engine.
//! These are model estimates from counted operations, not measurements: EvE's cycles are the
//! genes it processes divided over its PEs plus the pipeline fill per generation; its energy
//! is the counted gene-level operations times a per-operation energy. ADAM's cost per
//! inference comes from the `.df` cost model on the winner's layers (dense), scaled by the
//! winner's connection density. `docs/neat.md` gives the sources of the defaults.

use super::genome::OpCounts;
use super::GenerationStats;
use crate::ir::Hardware;

/// EvE's parameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Eve {
    pub pes: u64,
    /// Pipeline stages a gene passes (crossover, perturbation, add/delete node, add/delete
    /// connection): the fill paid once per generation.
    pub pipeline_depth: u64,
    pub clock_hz: f64,
    /// Energy of one gene-memory access (a 64-bit gene: 8 bytes), pJ.
    pub gene_access_pj: f64,
    /// Energy of one 8-bit arithmetic or compare operation, pJ.
    pub op_pj: f64,
    /// Energy of one random draw (a xorwow step), pJ.
    pub random_pj: f64,
}

impl Eve {
    /// The hardware's PEs, a 5-stage pipeline at 1 GHz, a gene access as eight of the
    /// hardware's L2 accesses, an operation as one MAC, a random draw as four; without
    /// hardware, `std::hardware::edge256`'s numbers. EvE and ADAM thus share one technology
    /// assumption (`docs/neat.md`).
    pub fn default_for(hardware: Option<&Hardware>) -> Eve {
        let (pes, l2, mac) = match hardware {
            Some(h) => {
                let energy = h.energy.as_ref();
                (
                    h.pes.max(1),
                    energy.map_or(18.61, |e| e.l2_pj),
                    energy.map_or(1.0, |e| e.mac_pj),
                )
            }
            None => (256, 18.61, 1.0),
        };
        Eve {
            pes,
            pipeline_depth: 5,
            clock_hz: 1e9,
            gene_access_pj: 8.0 * l2,
            op_pj: mac,
            random_pj: 4.0 * mac,
        }
    }
}

/// EvE's modelled cost of one generation's reproduction.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EveCost {
    pub genes: u64,
    pub cycles: u64,
    pub energy_pj: f64,
}

/// Genes EvE streams for these operations: every gene of the fitter parent passes a PE
/// (crossed or copied); a split writes three more genes, an added connection one.
pub fn genes_processed(ops: &OpCounts) -> u64 {
    ops.crossovers + ops.copies + 3 * ops.add_node + ops.add_connection
}

pub fn eve_cost(eve: &Eve, ops: &OpCounts) -> EveCost {
    let genes = genes_processed(ops);
    let cycles = if genes == 0 {
        0
    } else {
        genes.div_ceil(eve.pes.max(1)) + eve.pipeline_depth
    };
    // Crossover: two gene reads, one write, one draw per attribute pair (≈ 2 draws).
    // Copy: one read, one write. Perturbation: a draw, a normal sample (≈ 2 draws) and an
    // add. Structural: a draw to choose, then the genes written.
    let energy_pj = ops.crossovers as f64 * (3.0 * eve.gene_access_pj + 2.0 * eve.random_pj)
        + ops.copies as f64 * 2.0 * eve.gene_access_pj
        + ops.perturbations as f64 * (3.0 * eve.random_pj + eve.op_pj)
        + ops.add_node as f64 * (eve.random_pj + 3.0 * eve.gene_access_pj)
        + ops.add_connection as f64 * (2.0 * eve.random_pj + eve.gene_access_pj)
        + (ops.delete_node + ops.delete_connection) as f64 * (eve.random_pj + eve.gene_access_pj);
    EveCost {
        genes,
        cycles,
        energy_pj,
    }
}

/// The dense cost of one inference of the winner's layers, from the `.df` cost model.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct DenseCost {
    pub runtime_cycles: i64,
    pub macs: i64,
    pub energy_pj: f64,
}

/// The whole estimate of a run, next to its measured CPU time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Estimate {
    pub label: &'static str,
    pub eve: Eve,
    pub generations: usize,
    pub eve_cycles: u64,
    pub eve_seconds: f64,
    pub eve_energy_pj: f64,
    pub ops: OpCounts,
    /// ADAM per inference of the winner: MACs are its evaluated connections; cycles and
    /// energy are the dense layers' scaled by the connection density.
    pub adam_macs_per_inference: u64,
    pub adam_density: f64,
    pub adam_cycles_per_inference: Option<f64>,
    pub adam_energy_pj_per_inference: Option<f64>,
}

/// Sum EvE over the run's generations and scale ADAM's dense cost by the winner's density.
pub fn estimate(
    eve: &Eve,
    stats: &[GenerationStats],
    winner_macs: u64,
    density: f64,
    dense: Option<DenseCost>,
) -> Estimate {
    let mut ops = OpCounts::default();
    let (mut cycles, mut energy) = (0, 0.0);
    for s in stats {
        let c = eve_cost(eve, &s.ops);
        cycles += c.cycles;
        energy += c.energy_pj;
        ops.add(&s.ops);
    }
    Estimate {
        label: "modelled estimate (EvE/ADAM analytic model), not a measurement",
        eve: eve.clone(),
        generations: stats.len(),
        eve_cycles: cycles,
        eve_seconds: cycles as f64 / eve.clock_hz,
        eve_energy_pj: energy,
        ops,
        adam_macs_per_inference: winner_macs,
        adam_density: density,
        adam_cycles_per_inference: dense.map(|d| d.runtime_cycles as f64 * density),
        adam_energy_pj_per_inference: dense.map(|d| d.energy_pj * density),
    }
}

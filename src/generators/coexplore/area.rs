//! The area model: PEs × (one 8-bit MAC + its L1 SRAM) + each sub-accelerator's L2 SRAM, at
//! 45 nm. The coefficients and what the model leaves out are in `docs/coexplore.md`.

use super::design::{Accelerator, Budget, L1_BYTES, L2_BYTES_PER_PE};

/// An 8-bit multiplier (282 µm²) and a 32-bit accumulating adder (137 µm²) at 45 nm, from
/// Horowitz's ISSCC 2014 table of operation areas.
pub const MAC_UM2: f64 = 282.0 + 137.0;
/// A 6T SRAM bit cell at 45 nm (Intel's 45 nm process, Mistry et al., IEDM 2007).
pub const SRAM_BIT_UM2: f64 = 0.346;

const UM2_PER_MM2: f64 = 1e6;

/// The accelerator's area in mm².
pub fn area_mm2(accelerator: &Accelerator, budget: &Budget) -> f64 {
    let pes: u64 = accelerator.subs.iter().map(|s| s.pes(budget)).sum();
    let per_pe = MAC_UM2 + (L1_BYTES * 8) as f64 * SRAM_BIT_UM2;
    let l2 = (pes * L2_BYTES_PER_PE * 8) as f64 * SRAM_BIT_UM2;
    (pes as f64 * per_pe + l2) / UM2_PER_MM2
}

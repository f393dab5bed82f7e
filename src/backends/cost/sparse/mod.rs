//! Sparse operands in the analytic model (`docs/sparsity.md`): how much of each operand a
//! buffer stores and moves in its format (nonzeros plus metadata, in element equivalents), how
//! many cycles a PE needs when it skips ineffectual MACs, and how many MACs draw energy. A
//! dense layer, or hardware without a `sparse` block, takes none of these paths.

use super::engine::{Outcome, FILTER, INPUT};
use crate::ir::{Density, Distribution, Format, Ineffectual, LayerSparsity, SparseSupport};

/// The columns of a sparse layer.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SparseMetrics {
    /// MACs whose operands are both nonzero.
    pub effectual_macs: i64,
    /// Fractions of nonzero weights and activations.
    pub weight_density: f64,
    pub activation_density: f64,
    /// L1 and L2 accesses (element equivalents) that are format metadata, not data.
    pub metadata_accesses: i64,
}

impl SparseMetrics {
    /// A dense layer's columns, for a report that has sparse layers too: every MAC effectual.
    pub fn dense(num_macs: i64) -> SparseMetrics {
        SparseMetrics {
            effectual_macs: num_macs,
            weight_density: 1.0,
            activation_density: 1.0,
            metadata_accesses: 0,
        }
    }

    /// The CSV columns, after dfc's own.
    pub const CSV_COLUMNS: [&'static str; 4] = [
        "effectual_macs",
        "weight_density",
        "activation_density",
        "metadata_accesses",
    ];
}

/// Element width assumed for metadata when the hardware declares no precision.
const DEFAULT_ELEMENT_BITS: u32 = 8;

/// A layer's operands on one hardware, ready for the engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SparsePlan {
    densities: [Density; 2],
    support: SparseSupport,
    element_bits: u32,
}

/// Which buffer level a volume is stored in.
#[derive(Clone, Copy)]
pub(crate) enum Level {
    L1,
    L2,
}

impl SparsePlan {
    /// `None` when nothing is sparse: the engine then runs exactly as for a dense layer.
    pub(crate) fn new(
        operands: LayerSparsity,
        support: SparseSupport,
        precision_bits: Option<u32>,
    ) -> Option<SparsePlan> {
        (!operands.is_dense()).then_some(SparsePlan {
            densities: [operands.activations, operands.weights],
            support,
            element_bits: precision_bits.unwrap_or(DEFAULT_ELEMENT_BITS).max(1),
        })
    }

    fn format(&self, tensor: usize, level: Level) -> Format {
        let formats = match level {
            Level::L1 => self.support.l1,
            Level::L2 => self.support.l2,
        };
        if tensor == FILTER {
            formats.weights
        } else {
            formats.activations
        }
    }

    /// Element equivalents one dense element of `tensor` occupies in `level`'s format: the
    /// nonzero fraction (all of it uncompressed) plus metadata bits over the element width.
    /// `tile` is the dense tile the metadata indexes (coordinates need `⌈log₂ tile⌉` bits).
    pub(crate) fn stored_fraction(&self, tensor: usize, level: Level, tile: i64) -> f64 {
        let (data, metadata) = self.footprint(tensor, level, tile);
        data + metadata
    }

    /// The data and the metadata parts of [`Self::stored_fraction`].
    fn footprint(&self, tensor: usize, level: Level, tile: i64) -> (f64, f64) {
        let d = self.densities[tensor].fraction();
        let bits = f64::from(self.element_bits);
        match self.format(tensor, level) {
            Format::Uncompressed => (1.0, 0.0),
            Format::Bitmask => (d, 1.0 / bits),
            Format::RunLength => (d, d * f64::from(self.support.run_bits) / bits),
            Format::Coordinates => {
                let coordinate_bits = (tile.max(2) as f64).log2().ceil();
                (d, d * coordinate_bits / bits)
            }
        }
    }

    /// `count` dense elements of `tensor` as stored in `level`, rounded up.
    pub(crate) fn stored(&self, tensor: usize, level: Level, count: i64, tile: i64) -> i64 {
        if tensor != INPUT && tensor != FILTER {
            return count;
        }
        scale(count, self.stored_fraction(tensor, level, tile))
    }

    /// The operands a skipping PE knows the zeros of: those its buffer holds compressed.
    fn skipped_densities(&self) -> Vec<Density> {
        if self.support.ineffectual != Ineffectual::Skip {
            return Vec::new();
        }
        [INPUT, FILTER]
            .into_iter()
            .filter(|&t| self.format(t, Level::L1) != Format::Uncompressed)
            .map(|t| self.densities[t])
            .collect()
    }

    /// MACs the slowest of `units` PEs schedules when its dense share is `work`: all of them
    /// unless the hardware skips. Structured operands are balanced exactly; uniform ones add
    /// the expected excess of the largest of `units` binomial shares (mean plus
    /// `√(2 ln units)` standard deviations, at most `work`); banded ones give some PE a dense
    /// band, so the slowest PE saves nothing.
    pub(crate) fn scheduled_work(&self, work: i64, units: i64) -> i64 {
        let skipped = self.skipped_densities();
        if skipped.is_empty() || work <= 0 {
            return work;
        }
        let banded = skipped.iter().any(|d| {
            matches!(
                d,
                Density::Random {
                    distribution: Distribution::Banded,
                    ..
                }
            )
        });
        if banded {
            return work;
        }
        let fraction: f64 = skipped.iter().map(|d| d.fraction()).product();
        let random = skipped.iter().any(|d| matches!(d, Density::Random { .. }));
        let w = work as f64;
        let expected = w * fraction;
        let slowest = if random && units > 1 {
            let spread = (2.0 * (units as f64).ln()).sqrt();
            expected + spread * (w * fraction * (1.0 - fraction)).sqrt()
        } else {
            expected
        };
        (slowest.min(w).ceil() as i64).max(1)
    }

    /// MACs that draw energy: the effectual ones when the hardware gates or skips on both
    /// operands' zeros; under skipping, those of operands it does not know stay computed.
    pub(crate) fn energy_macs(&self, macs: i64) -> i64 {
        match self.support.ineffectual {
            Ineffectual::Compute => macs,
            Ineffectual::Gate => self.effectual_macs(macs),
            Ineffectual::Skip => {
                let fraction: f64 = self
                    .skipped_densities()
                    .iter()
                    .map(|d| d.fraction())
                    .product();
                scale(macs, fraction)
            }
        }
    }

    /// MACs whose operands are both nonzero (the densities are independent).
    fn effectual_macs(&self, macs: i64) -> i64 {
        scale(
            macs,
            self.densities[INPUT].fraction() * self.densities[FILTER].fraction(),
        )
    }

    /// The layer's sparse columns, given its useful MACs and the metadata [`Self::compress`]
    /// counted.
    pub(crate) fn metrics(&self, num_macs: i64, metadata_accesses: i64) -> SparseMetrics {
        SparseMetrics {
            effectual_macs: self.effectual_macs(num_macs),
            weight_density: self.densities[FILTER].fraction(),
            activation_density: self.densities[INPUT].fraction(),
            metadata_accesses,
        }
    }

    /// The buffer counts of an evaluation in the operands' formats: L2 requirements, writes
    /// and reads in the L2 format; L1 requirements and writes in the L1 format; L1 reads are
    /// the nonzeros a PE fetches (all of them uncompressed, or only the scheduled ones when it
    /// skips). Outputs are dense.
    pub(crate) fn compress(&self, out: &mut Outcome) {
        let mut metadata = 0i64;
        let r = &mut out.top;
        let scheduled: f64 = self
            .skipped_densities()
            .iter()
            .map(|d| d.fraction())
            .product();
        for t in [INPUT, FILTER] {
            let l2_tile = r.l2_requirement[t] / 2;
            let l1_tile = out.l1_per_unit[t] / 2;
            for (level, tile, count) in [
                (Level::L2, l2_tile, r.l2_write[t]),
                (Level::L2, l2_tile, r.l2_read[t]),
                (Level::L1, l1_tile, r.l1_write[t]),
            ] {
                let (_, meta) = self.footprint(t, level, tile);
                metadata = metadata.saturating_add(scale(count, meta));
            }
            r.l2_requirement[t] = self.stored(t, Level::L2, r.l2_requirement[t], l2_tile);
            r.l2_write[t] = self.stored(t, Level::L2, r.l2_write[t], l2_tile);
            r.l2_read[t] = self.stored(t, Level::L2, r.l2_read[t], l2_tile);
            r.l1_write[t] = self.stored(t, Level::L1, r.l1_write[t], l1_tile);
            r.l1_requirement[t] = self.stored(t, Level::L1, r.l1_requirement[t], l1_tile);
            out.l1_per_unit[t] = self.stored(t, Level::L1, out.l1_per_unit[t], l1_tile);
            let fetched = if self.format(t, Level::L1) == Format::Uncompressed {
                scheduled
            } else {
                scheduled.min(self.stored_fraction(t, Level::L1, l1_tile))
            };
            r.l1_read[t] = scale(r.l1_read[t], fetched);
        }
        out.metadata_accesses = metadata;
    }
}

/// `count × fraction`, rounded up (a stored or moved element is whole).
fn scale(count: i64, fraction: f64) -> i64 {
    if fraction == 1.0 {
        return count;
    }
    (count as f64 * fraction).ceil() as i64
}

#[cfg(test)]
mod tests;

//! Row 23 of `MODEL.md`: a quantized layer's operand widths and what they scale — MAC and
//! access energies and NoC volumes — against the width the hardware's numbers are given for.

use super::engine::FILTER;

/// The operand widths of a layer the mapping quantizes, and the width the hardware's energies
/// and NoC bandwidth are given for (its precision, 8 bits without one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct OperandBits {
    pub weights: u32,
    pub activations: u32,
    pub reference: u32,
}

impl OperandBits {
    /// Energy of one MAC relative to one at the reference width: a multiplier's energy grows
    /// with the product of its operand widths.
    pub fn mac_factor(&self) -> f64 {
        f64::from(self.weights) * f64::from(self.activations)
            / (f64::from(self.reference) * f64::from(self.reference))
    }

    /// Energy of one access to tensor `t` (input, filter, output) relative to one at the
    /// reference width: memories and wires move bits. Inputs and outputs are activations.
    pub fn access_factor(&self, t: usize) -> f64 {
        f64::from(self.tensor_bits(t)) / f64::from(self.reference)
    }

    /// The width of tensor `t`: the filter has the weights', input and output the
    /// activations'.
    pub fn tensor_bits(&self, t: usize) -> u32 {
        if t == FILTER {
            self.weights
        } else {
            self.activations
        }
    }
}

/// Row 23: counts in units of one access or MAC at the reference width. With operand
/// widths, an access counts as its tensor's width over the reference width, a MAC as the
/// product of the operand widths over the reference's square; without, a count is itself.
pub(super) struct Units(pub(super) Option<OperandBits>);

impl Units {
    pub(super) fn tensor(&self, t: usize, n: i64) -> f64 {
        match self.0 {
            None => n as f64,
            Some(w) => n as f64 * w.access_factor(t),
        }
    }

    /// The total of several per-tensor counts (in the `None` case summed as integers, as
    /// MAESTRO does).
    pub(super) fn total(&self, counts: &[&[i64; 3]]) -> f64 {
        match self.0 {
            None => counts.iter().fold(0i64, |a, c| {
                a.saturating_add(c.iter().fold(0i64, |b, &n| b.saturating_add(n)))
            }) as f64,
            Some(_) => counts
                .iter()
                .flat_map(|c| c.iter().enumerate())
                .map(|(t, &n)| self.tensor(t, n))
                .sum(),
        }
    }

    pub(super) fn macs(&self, n: i64) -> f64 {
        match self.0 {
            None => n as f64,
            Some(w) => n as f64 * w.mac_factor(),
        }
    }
}

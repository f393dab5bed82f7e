//! Per-layer quantized inference, integer-emulated.
//!
//! Weights: symmetric per-tensor uniform, `q = clamp(round(w / s), -(2^(b-1) - 1), 2^(b-1) - 1)`
//! with `s = max|w| / (2^(b-1) - 1)`. Activations entering a weighted layer: calibrated on
//! the training data (their maximum), unsigned `q = clamp(round(x / s), 0, 2^b - 1)` when
//! they are never negative, else symmetric like the weights. The layer then multiplies the
//! integer codes; every product sum stays below 2^24 for the models here, so the `f32`
//! matrix product computes it exactly, and one multiply by both scales returns to real
//! values before the bias (kept in float, as integer pipelines keep it at 32 bits).

use super::{argmax_rows, Layer, Network};
use ndarray::{Array2, Axis};

pub const MIN_BITS: u32 = 2;
pub const MAX_BITS: u32 = 8;
/// The bit widths one layer can take (`MIN_BITS..=MAX_BITS`).
pub const LEVELS: usize = (MAX_BITS - MIN_BITS + 1) as usize;

/// Bit widths of one weighted layer: weights and input activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Bits {
    pub w: u32,
    pub a: u32,
}

/// Integer codes and scale of a tensor quantized symmetrically to `bits`.
pub fn quantize_symmetric(values: &[f32], bits: u32) -> (Vec<f32>, f32) {
    let top = ((1u32 << (bits - 1)) - 1) as f32;
    let max = values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if max == 0.0 {
        return (vec![0.0; values.len()], 1.0);
    }
    let s = max / top;
    let q = values
        .iter()
        .map(|v| (v / s).round().clamp(-top, top))
        .collect();
    (q, s)
}

/// One weighted layer's quantized weights at every width, and its calibrated input range.
#[derive(Debug, Clone)]
pub(super) struct Weighted {
    /// Index into `Network::layers`.
    pub(super) layer: usize,
    /// `(codes, scale)` for `MIN_BITS + i` bits.
    weights: Vec<(Array2<f32>, f32)>,
    input_max: f32,
    input_signed: bool,
}

/// How a layer's input is quantized at one width: `q = clamp(round(x / step), lo, top)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ActivationCodes {
    pub(super) step: f32,
    pub(super) lo: f32,
    pub(super) top: f32,
}

impl ActivationCodes {
    pub(super) fn code(&self, v: f32) -> f32 {
        (v / self.step).round().clamp(self.lo, self.top)
    }

    /// `code(v)` for finite `v`, in operations the compiler vectorizes (the baseline x86-64
    /// target calls the C library's `roundf` for `round`). Clamping to one step beyond the
    /// range first changes no code (`round` is monotonic and keeps integers) and keeps the
    /// value within the range of [`round_half_away`].
    #[inline]
    pub(super) fn code_inline(&self, v: f32) -> f32 {
        let y = (v / self.step).clamp(self.lo - 1.0, self.top + 1.0);
        round_half_away(y).clamp(self.lo, self.top)
    }

    /// `code_inline` of every value, one simple loop the compiler vectorizes.
    pub(super) fn codes_into(&self, values: &[f32], codes: &mut [f32]) {
        for (c, &v) in codes.iter_mut().zip(values) {
            *c = self.code_inline(v);
        }
    }
}

/// `x.round()` (halves away from zero, the sign of `x` kept on zero) for `|x| < 2^22`, in
/// float operations only. Adding and subtracting 1.5·2^23 rounds to the nearest integer, ties
/// to even (the sum lies where floats are the integers; both steps are exact otherwise); a
/// tie that went toward zero (`x - r` is ±0.5 with the sign of `x`) then moves one away.
#[inline]
pub(super) fn round_half_away(x: f32) -> f32 {
    const SHIFT: f32 = 12_582_912.0;
    let nearest_even = (x + SHIFT) - SHIFT;
    let rest = x - nearest_even;
    let up = f32::from(u8::from(rest == 0.5 && x > 0.0));
    let down = f32::from(u8::from(rest == -0.5 && x < 0.0));
    (nearest_even + up - down).copysign(x)
}

impl Weighted {
    /// The weight codes and their scale at `bits` (clamped into `MIN_BITS..=MAX_BITS`).
    pub(super) fn weight_codes(&self, bits: u32) -> &(Array2<f32>, f32) {
        &self.weights[level(bits)]
    }

    /// The weight codes at every width with their rows taken in `order` (row `r` of the
    /// result is row `order[r]`).
    pub(super) fn reordered_codes(&self, order: &[usize]) -> Vec<Array2<f32>> {
        self.weights
            .iter()
            .map(|(codes, _)| {
                Array2::from_shape_fn((order.len(), codes.ncols()), |(r, j)| codes[[order[r], j]])
            })
            .collect()
    }

    /// The input quantizer at `bits` (clamped into `MIN_BITS..=MAX_BITS`).
    pub(super) fn activation_codes(&self, bits: u32) -> ActivationCodes {
        let a_bits = bits.clamp(MIN_BITS, MAX_BITS);
        let (lo, top) = if self.input_signed {
            let t = ((1u32 << (a_bits - 1)) - 1) as f32;
            (-t, t)
        } else {
            (0.0, ((1u32 << a_bits) - 1) as f32)
        };
        let step = if self.input_max > 0.0 {
            self.input_max / top
        } else {
            1.0
        };
        ActivationCodes { step, lo, top }
    }
}

/// The index of a width among `MIN_BITS..=MAX_BITS` (clamped into it).
pub fn level(bits: u32) -> usize {
    (bits.clamp(MIN_BITS, MAX_BITS) - MIN_BITS) as usize
}

/// A trained network prepared for quantized evaluation at any per-layer bit widths.
#[derive(Debug, Clone)]
pub struct Quantized {
    pub(super) net: Network,
    pub(super) weighted: Vec<Weighted>,
}

impl Quantized {
    /// Quantizes every weighted layer at every width and calibrates input ranges on `calib`.
    pub fn new(net: &Network, calib: &Array2<f32>) -> Quantized {
        let (_, inputs) = net.forward(calib);
        let mut weighted = Vec::new();
        for (i, layer) in net.layers.iter().enumerate() {
            let w = match layer {
                Layer::Dense(d) => &d.w,
                Layer::Conv2d(c) => &c.w,
                _ => continue,
            };
            let flat: Vec<f32> = w.iter().copied().collect();
            let weights = (MIN_BITS..=MAX_BITS)
                .map(|b| {
                    let (q, s) = quantize_symmetric(&flat, b);
                    let codes = Array2::from_shape_vec(w.raw_dim(), q).unwrap_or_default();
                    (codes, s)
                })
                .collect();
            let x = &inputs[i];
            weighted.push(Weighted {
                layer: i,
                weights,
                input_max: x.iter().fold(0.0f32, |m, v| m.max(v.abs())),
                input_signed: x.iter().any(|&v| v < 0.0),
            });
        }
        Quantized {
            net: net.clone(),
            weighted,
        }
    }

    /// The number of weighted layers (the length of a bit configuration).
    pub fn depth(&self) -> usize {
        self.weighted.len()
    }

    /// Weight counts of the weighted layers, in order.
    pub fn weight_counts(&self) -> Vec<usize> {
        self.weighted.iter().map(|w| w.weights[0].0.len()).collect()
    }

    /// The outputs for `x` with `bits[k]` for the k-th weighted layer. Widths outside
    /// `MIN_BITS..=MAX_BITS` are clamped into it; a short `bits` leaves later layers float.
    pub fn predict(&self, x: &Array2<f32>, bits: &[Bits]) -> Array2<f32> {
        let mut a = x.clone();
        let mut k = 0;
        for (i, layer) in self.net.layers.iter().enumerate() {
            let spec = self.weighted.get(k).filter(|w| w.layer == i);
            a = match (spec, bits.get(k)) {
                (Some(spec), Some(&b)) => {
                    k += 1;
                    self.quantized_layer(layer, spec, &a, b)
                }
                (Some(_), None) => {
                    k += 1;
                    layer.forward(&a)
                }
                _ => layer.forward(&a),
            };
        }
        a
    }

    /// Test accuracy of the configuration `bits`.
    pub fn accuracy(&self, x: &Array2<f32>, y: &[usize], bits: &[Bits]) -> f64 {
        super::accuracy(&argmax_rows(&self.predict(x, bits)), y)
    }

    fn quantized_layer(
        &self,
        layer: &Layer,
        spec: &Weighted,
        x: &Array2<f32>,
        b: Bits,
    ) -> Array2<f32> {
        let (codes, ws) = spec.weight_codes(b.w);
        let activation = spec.activation_codes(b.a);
        let q = x.mapv(|v| activation.code(v));
        let scale = activation.step * ws;
        match layer {
            Layer::Dense(d) => {
                let mut out = q.dot(codes);
                for mut row in out.axis_iter_mut(Axis(0)) {
                    for (o, bias) in row.iter_mut().zip(&d.b) {
                        *o = *o * scale + bias;
                    }
                }
                out
            }
            Layer::Conv2d(c) => {
                let mut products = c.im2col(&q).dot(codes);
                for mut row in products.axis_iter_mut(Axis(0)) {
                    for (o, bias) in row.iter_mut().zip(&c.b) {
                        *o = *o * scale + bias;
                    }
                }
                c.to_images(&products, x.nrows())
            }
            other => other.forward(x),
        }
    }
}

//! Many quantized accuracy evaluations on one fixed image set: the arithmetic of
//! `Quantized::predict`, reorganised for speed.
//!
//! A weighted layer multiplies integer codes whose product sums stay below 2^24 (checked by
//! `Evaluator::new`), so the `f32` matrix product is exact in any summation order; everything
//! else — the activation quantizer, the rescale `o * scale + bias`, ReLU — is the same
//! expression on the same value as in the reference. The outputs are therefore identical, bit
//! for bit (tested against `Quantized::predict` on random configurations). The speed comes
//! from: the first weighted layer's output (its input is the fixed set) computed once per
//! (weight, activation) width pair and kept; the images processed in chunks, so the buffers
//! stay in cache and are allocated once per evaluation; convolution patches copied in runs
//! from integer codes quantized once; a convolution feeding the next weighted layer through
//! element-wise layers leaves its output position-major, as the products come out, and the
//! next layer reads it with its weight rows reordered (a sum of integers does not depend on
//! its order); the ReLU after a weighted layer applied in its rescale.

use std::sync::OnceLock;

use super::quant::{level, Bits, Quantized, Weighted, LEVELS, MAX_BITS};
use super::{accuracy, argmax_rows, Layer};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, Slice};

/// Images per chunk: a chunk's patch matrix for the digits CNN's second convolution
/// (40 × 16 positions × 72 values) is 184 KB, within a core's L2.
const CHUNK: usize = 40;

/// Largest integer below which every `f32` sum of integers is exact.
const EXACT_F32: f64 = (1u64 << 24) as f64;

/// One weighted layer and the layers that follow it up to the next weighted one.
#[derive(Debug, Clone)]
struct Block {
    /// Index into `Quantized::weighted`.
    weighted: usize,
    /// The layers after the weighted one (indices into `Network::layers`).
    after: std::ops::Range<usize>,
    /// For a convolution: where each image's patch columns come from.
    patches: Option<Patches>,
    /// The weight codes per width level with their rows in the order this block reads its
    /// input, when that is not the layer's own order (a position-major input).
    reordered: Option<Vec<Array2<f32>>>,
    /// Whether the output is left position-major, `(n, p·C + c)`, as the products come out
    /// (a convolution whose next weighted layer follows through element-wise layers only).
    position_major_out: bool,
}

/// A convolution's patches: per image, runs of `run` consecutive input features starting at
/// each of `starts`, one output position's patch after another.
#[derive(Debug, Clone)]
struct Patches {
    starts: Vec<usize>,
    run: usize,
}

/// A quantized network bound to the images it is evaluated on.
#[derive(Debug, Clone)]
pub struct Evaluator {
    quantized: Quantized,
    input: Array2<f32>,
    labels: Vec<usize>,
    /// `input` after the layers before the first weighted one.
    prefix_output: Array2<f32>,
    blocks: Vec<Block>,
    /// The first block's output per (weight, activation) level pair, filled on first use.
    first: Vec<OnceLock<Array2<f32>>>,
    /// Whether every product sum is exact in `f32` (else every call takes the reference).
    exact: bool,
}

impl Evaluator {
    /// Binds `quantized` to the images `input` with their `labels`.
    pub fn new(quantized: &Quantized, input: &Array2<f32>, labels: &[usize]) -> Evaluator {
        let layers = &quantized.net.layers;
        let mut blocks = Vec::with_capacity(quantized.weighted.len());
        // `(channels, positions)` of the current block's input when it is position-major.
        let mut position_major_in: Option<(usize, usize)> = None;
        for (k, spec) in quantized.weighted.iter().enumerate() {
            let next = quantized.weighted.get(k + 1);
            let after = spec.layer + 1..next.map_or(layers.len(), |n| n.layer);
            let elementwise_after = layers[after.clone()]
                .iter()
                .all(|l| matches!(l, Layer::Relu | Layer::LeakyRelu(_) | Layer::Flatten));
            let (patches, order, out) = match &layers[spec.layer] {
                Layer::Conv2d(c) => {
                    let (patches, order) = conv_patches(c, position_major_in.is_some());
                    let out = c.output();
                    (
                        Some(patches),
                        order,
                        Some((out.channels, out.height * out.width)),
                    )
                }
                _ => (None, position_major_in.map(dense_order), None),
            };
            let position_major_out = next.is_some() && elementwise_after && out.is_some();
            blocks.push(Block {
                weighted: k,
                after,
                patches,
                reordered: order.map(|order| spec.reordered_codes(&order)),
                position_major_out,
            });
            position_major_in = out.filter(|_| position_major_out);
        }
        let mut prefix_output = input.clone();
        let start = quantized.weighted.first().map_or(0, |w| w.layer);
        for layer in &layers[..start] {
            prefix_output = layer.forward(&prefix_output);
        }
        let exact = quantized
            .weighted
            .iter()
            .all(|w| products_exact(w, &layers[w.layer]));
        Evaluator {
            quantized: quantized.clone(),
            input: input.clone(),
            labels: labels.to_vec(),
            prefix_output,
            blocks,
            first: (0..LEVELS * LEVELS).map(|_| OnceLock::new()).collect(),
            exact,
        }
    }

    /// The network's outputs on the bound images at `bits`, equal to
    /// `Quantized::predict(input, bits)`.
    pub fn outputs(&self, bits: &[Bits]) -> Array2<f32> {
        if !self.exact || self.blocks.is_empty() || bits.len() < self.blocks.len() {
            return self.quantized.predict(&self.input, bits);
        }
        let first = self.first_output(bits[0]);
        let mut scratch = Scratch::default();
        by_chunks(first.view(), |chunk| {
            let mut a = chunk.to_owned();
            for (block, &b) in self.blocks.iter().zip(bits).skip(1) {
                a = self.run_block(block, a.view(), b, &mut scratch);
            }
            a
        })
    }

    /// Whether the fast path applies: every layer's product sums are exact in `f32` (else
    /// `outputs` is `Quantized::predict`).
    pub fn exact(&self) -> bool {
        self.exact
    }

    /// Accuracy on the bound images at `bits`, equal to `Quantized::accuracy`.
    pub fn accuracy(&self, bits: &[Bits]) -> f64 {
        accuracy(&argmax_rows(&self.outputs(bits)), &self.labels)
    }

    fn first_output(&self, b: Bits) -> &Array2<f32> {
        let key = level(b.w) * LEVELS + level(b.a);
        self.first[key].get_or_init(|| {
            let mut scratch = Scratch::default();
            by_chunks(self.prefix_output.view(), |chunk| {
                self.run_block(&self.blocks[0], chunk, b, &mut scratch)
            })
        })
    }

    /// One block on a chunk of rows: quantize, multiply the codes, rescale, then the layers
    /// after it.
    fn run_block(
        &self,
        block: &Block,
        x: ArrayView2<f32>,
        b: Bits,
        scratch: &mut Scratch,
    ) -> Array2<f32> {
        let spec = &self.quantized.weighted[block.weighted];
        let layers = &self.quantized.net.layers;
        let (own_codes, ws) = spec.weight_codes(b.w);
        let codes = block
            .reordered
            .as_ref()
            .map_or(own_codes, |levels| &levels[level(b.w)]);
        let activation = spec.activation_codes(b.a);
        let scale = activation.step * ws;
        let (rows, features) = x.dim();
        let x = x.as_standard_layout();
        let input = x.as_slice().expect("a standard-layout array is one slice");
        let quantized = grow(&mut scratch.codes, rows * features);
        activation.codes_into(input, quantized);
        // ReLU right after the layer is applied in the rescale (the same `max(0)`).
        let relu = matches!(layers.get(block.after.start), Some(Layer::Relu));
        let rectify = |v: f32| if relu { v.max(0.0) } else { v };
        let channels = codes.ncols();
        let (products, bias, positions) = match (&layers[spec.layer], &block.patches) {
            (Layer::Conv2d(c), Some(patches)) => {
                let patch = codes.nrows();
                let per_image = patches.starts.len() * patches.run;
                let positions = per_image / patch.max(1);
                let cols = grow(&mut scratch.patches, rows * per_image);
                for (image, image_codes) in cols
                    .chunks_exact_mut(per_image)
                    .zip(quantized.chunks_exact(features))
                {
                    for (dest, &start) in image.chunks_exact_mut(patches.run).zip(&patches.starts) {
                        dest.copy_from_slice(&image_codes[start..start + patches.run]);
                    }
                }
                let cols = ArrayView2::from_shape((rows * positions, patch), &*cols)
                    .expect("the patch buffer holds rows × positions patches");
                let products = grow(&mut scratch.products, rows * positions * channels);
                let mut view = ArrayViewMut2::from_shape((rows * positions, channels), products)
                    .expect("the product buffer holds rows × positions × channels");
                general_mat_mul(1.0, &cols, codes, 0.0, &mut view);
                (&scratch.products, &c.b, positions)
            }
            (Layer::Dense(d), _) => {
                let codes_in = ArrayView2::from_shape((rows, features), &*quantized)
                    .expect("the code buffer holds rows × features");
                let products = grow(&mut scratch.products, rows * channels);
                let mut view = ArrayViewMut2::from_shape((rows, channels), products)
                    .expect("the product buffer holds rows × channels");
                general_mat_mul(1.0, &codes_in, codes, 0.0, &mut view);
                (&scratch.products, &d.b, 1)
            }
            (other, _) => return other.forward(&x.to_owned()),
        };
        // Rescaled, back to channel-major images (`Conv2d::to_images`; a dense layer has
        // one position).
        let mut out = Array2::zeros((rows, channels * positions));
        let out_values = out.as_slice_mut().expect("a new array is one slice");
        let bias = bias.as_slice().expect("a bias is one slice");
        for (image, image_products) in out_values
            .chunks_exact_mut(channels * positions)
            .zip(products.chunks_exact(channels * positions))
        {
            if positions == 1 || block.position_major_out {
                for (values, products) in image
                    .chunks_exact_mut(channels)
                    .zip(image_products.chunks_exact(channels))
                {
                    for ((o, &product), &b) in values.iter_mut().zip(products).zip(bias) {
                        *o = rectify(product * scale + b);
                    }
                }
                continue;
            }
            for (p, src) in image_products.chunks_exact(channels).enumerate() {
                for ((&product, &b), plane) in
                    src.iter().zip(bias).zip(image.chunks_exact_mut(positions))
                {
                    plane[p] = rectify(product * scale + b);
                }
            }
        }
        let skip = usize::from(relu);
        for layer in &layers[block.after.start + skip..block.after.end] {
            if !matches!(layer, Layer::Flatten) {
                out = layer.forward(&out);
            }
        }
        out
    }
}

/// `run` on the rows of `x` in chunks of `CHUNK`, the results stacked in row order.
fn by_chunks(
    x: ArrayView2<f32>,
    mut run: impl FnMut(ArrayView2<f32>) -> Array2<f32>,
) -> Array2<f32> {
    let rows = x.nrows();
    let mut out: Option<Array2<f32>> = None;
    for start in (0..rows).step_by(CHUNK) {
        let range = Slice::from(start..(start + CHUNK).min(rows));
        let a = run(x.slice_axis(Axis(0), range));
        out.get_or_insert_with(|| Array2::zeros((rows, a.ncols())))
            .slice_axis_mut(Axis(0), range)
            .assign(&a);
    }
    out.unwrap_or_else(|| Array2::zeros((0, 0)))
}

/// Reusable buffers of one evaluation, grown to the largest chunk seen.
#[derive(Debug, Default)]
struct Scratch {
    codes: Vec<f32>,
    patches: Vec<f32>,
    products: Vec<f32>,
}

/// The first `len` values of `buffer`, grown if needed (contents unspecified: every caller
/// overwrites them).
fn grow(buffer: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
    &mut buffer[..len]
}

/// A convolution's patch runs and, for a position-major input, the order of its weight rows.
/// Channel-major input (`c·H·W + y·W + x`): runs of `k` along `x` per (position, channel,
/// kernel row), columns `c·k·k + ky·k + kx` as `Conv2d::im2col`. Position-major input
/// (`(y·W + x)·C + c`): runs of `k·C` per (position, kernel row), columns `(ky·k + kx)·C + c`,
/// so the weight rows are reordered to match.
fn conv_patches(c: &super::Conv2d, position_major: bool) -> (Patches, Option<Vec<usize>>) {
    let (i, o, k) = (c.input, c.output(), c.kernel);
    let mut starts = Vec::new();
    for oy in 0..o.height {
        for ox in 0..o.width {
            if position_major {
                starts.extend((0..k).map(|ky| ((oy + ky) * i.width + ox) * i.channels));
            } else {
                for ch in 0..i.channels {
                    starts.extend(
                        (0..k).map(|ky| ch * i.height * i.width + (oy + ky) * i.width + ox),
                    );
                }
            }
        }
    }
    if !position_major {
        return (Patches { starts, run: k }, None);
    }
    let mut order = Vec::with_capacity(i.channels * k * k);
    for ky in 0..k {
        for kx in 0..k {
            order.extend((0..i.channels).map(|ch| ch * k * k + ky * k + kx));
        }
    }
    let run = k * i.channels;
    (Patches { starts, run }, Some(order))
}

/// The weight rows of a dense layer read position-major (`p·C + c`) from a convolution whose
/// flattened output is channel-major (`c·P + p`).
fn dense_order((channels, positions): (usize, usize)) -> Vec<usize> {
    let mut order = Vec::with_capacity(channels * positions);
    for p in 0..positions {
        order.extend((0..channels).map(|ch| ch * positions + p));
    }
    order
}

/// Whether every sum of products of `spec`'s codes is an integer below 2^24 at the widest
/// codes: (inputs per output) × max |weight code| × max |activation code|.
fn products_exact(spec: &Weighted, layer: &Layer) -> bool {
    let inputs = match layer {
        Layer::Dense(d) => d.w.nrows(),
        Layer::Conv2d(c) => c.w.nrows(),
        _ => return true,
    };
    let weight_top = f64::from((1u32 << (MAX_BITS - 1)) - 1);
    let activation_top = f64::from(spec.activation_codes(MAX_BITS).top);
    inputs as f64 * weight_top * activation_top < EXACT_F32
}

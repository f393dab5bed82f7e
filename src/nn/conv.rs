//! 2-D convolution (stride 1, no padding) by im2col: every output position's receptive
//! field becomes one row, so the layer is one matrix product per batch.

use crate::util::Rng;
use ndarray::{Array1, Array2, Axis};

/// The shape of a channel-major image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl Geometry {
    pub fn size(&self) -> usize {
        self.channels * self.height * self.width
    }
}

/// A `kernel`×`kernel` convolution; `w` has shape (C·k·k, output channels).
#[derive(Debug, Clone, PartialEq)]
pub struct Conv2d {
    pub input: Geometry,
    pub kernel: usize,
    pub w: Array2<f32>,
    pub b: Array1<f32>,
}

impl Conv2d {
    pub fn new(input: Geometry, outputs: usize, kernel: usize, rng: &mut Rng) -> Conv2d {
        let fan_in = input.channels * kernel * kernel;
        Conv2d {
            input,
            kernel,
            w: super::init_weights(fan_in, outputs, fan_in, rng),
            b: Array1::zeros(outputs),
        }
    }

    pub fn output(&self) -> Geometry {
        Geometry {
            channels: self.w.ncols(),
            height: self.input.height + 1 - self.kernel,
            width: self.input.width + 1 - self.kernel,
        }
    }

    /// Rows `n·P + p` (sample n, output position p), columns `c·k·k + ky·k + kx`.
    pub fn im2col(&self, x: &Array2<f32>) -> Array2<f32> {
        let (i, o, k) = (self.input, self.output(), self.kernel);
        let positions = o.height * o.width;
        let mut cols = Array2::zeros((x.nrows() * positions, i.channels * k * k));
        for (n, row) in x.axis_iter(Axis(0)).enumerate() {
            for oy in 0..o.height {
                for ox in 0..o.width {
                    let mut out = cols.row_mut(n * positions + oy * o.width + ox);
                    let mut j = 0;
                    for c in 0..i.channels {
                        for ky in 0..k {
                            let base = c * i.height * i.width + (oy + ky) * i.width + ox;
                            for kx in 0..k {
                                out[j] = row[base + kx];
                                j += 1;
                            }
                        }
                    }
                }
            }
        }
        cols
    }

    /// The im2col product laid out as channel-major output images.
    pub fn to_images(&self, products: &Array2<f32>, batch: usize) -> Array2<f32> {
        let o = self.output();
        let positions = o.height * o.width;
        let mut out = Array2::zeros((batch, o.size()));
        for n in 0..batch {
            let mut row = out.row_mut(n);
            for p in 0..positions {
                let src = products.row(n * positions + p);
                for (ch, &v) in src.iter().enumerate() {
                    row[ch * positions + p] = v;
                }
            }
        }
        out
    }

    pub fn forward(&self, x: &Array2<f32>) -> Array2<f32> {
        let products = self.im2col(x).dot(&self.w) + &self.b;
        self.to_images(&products, x.nrows())
    }

    /// Weight, bias and input gradients.
    pub fn backward(
        &self,
        x: &Array2<f32>,
        g: &Array2<f32>,
    ) -> (Array2<f32>, Array1<f32>, Array2<f32>) {
        let (i, o, k) = (self.input, self.output(), self.kernel);
        let positions = o.height * o.width;
        // The output gradient back in im2col row order.
        let mut gm = Array2::zeros((x.nrows() * positions, o.channels));
        for (n, row) in g.axis_iter(Axis(0)).enumerate() {
            for p in 0..positions {
                for ch in 0..o.channels {
                    gm[[n * positions + p, ch]] = row[ch * positions + p];
                }
            }
        }
        let cols = self.im2col(x);
        let gw = cols.t().dot(&gm);
        let gb = gm.sum_axis(Axis(0));
        let gcols = gm.dot(&self.w.t());
        let mut gx = Array2::zeros(x.raw_dim());
        for n in 0..x.nrows() {
            for oy in 0..o.height {
                for ox in 0..o.width {
                    let src = gcols.row(n * positions + oy * o.width + ox);
                    let mut j = 0;
                    for c in 0..i.channels {
                        for ky in 0..k {
                            let base = c * i.height * i.width + (oy + ky) * i.width + ox;
                            for kx in 0..k {
                                gx[[n, base + kx]] += src[j];
                                j += 1;
                            }
                        }
                    }
                }
            }
        }
        (gw, gb, gx)
    }
}

//! A small neural-network substrate on `ndarray`: dense and 3×3-style convolution layers
//! (im2col), ReLU/LeakyReLU, 2×2 max-pool, flatten, softmax cross-entropy and BCE losses,
//! Adam and SGD, seeded initialisation, and per-layer quantized inference. It knows nothing
//! of accelerators; `generators` builds on it.
//!
//! Activations are `Array2<f32>` of shape (batch, features); a convolution reads its
//! features as channel-major `C·H·W` images, so every layer shares one representation.
//! `Network::backward` returns the gradient with respect to the input too, which a GAN's
//! generator needs from its discriminator.

pub mod conv;
pub mod data;
pub mod evaluator;
pub mod loss;
pub mod optim;
pub mod quant;
pub mod train;

use crate::util::Rng;
use ndarray::{Array1, Array2, Axis};

pub use conv::{Conv2d, Geometry};

/// A fully connected layer: `y = x·w + b`, `w` of shape (inputs, outputs).
#[derive(Debug, Clone, PartialEq)]
pub struct Dense {
    pub w: Array2<f32>,
    pub b: Array1<f32>,
}

impl Dense {
    /// He-uniform weights (fan-in), zero bias, from `rng`.
    pub fn new(inputs: usize, outputs: usize, rng: &mut Rng) -> Dense {
        Dense {
            w: init_weights(inputs, outputs, inputs, rng),
            b: Array1::zeros(outputs),
        }
    }
}

/// Weights uniform in ±sqrt(6 / fan_in) (He), drawn row-major from `rng`.
pub fn init_weights(rows: usize, cols: usize, fan_in: usize, rng: &mut Rng) -> Array2<f32> {
    let bound = (6.0 / fan_in.max(1) as f64).sqrt();
    Array2::from_shape_fn((rows, cols), |_| rng.range(-bound, bound) as f32)
}

/// 2×2 max-pool with stride 2 over channel-major images of `input` geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaxPool2 {
    pub input: Geometry,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    Dense(Dense),
    Conv2d(Conv2d),
    Relu,
    LeakyRelu(f32),
    MaxPool2(MaxPool2),
    /// Images are already flat (channel-major); kept so a model reads as its architecture.
    Flatten,
}

/// Gradients of one layer's parameters (weights, bias), when it has any.
pub type ParamGrads = Option<(Array2<f32>, Array1<f32>)>;

/// A feed-forward stack of layers.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub layers: Vec<Layer>,
}

impl Network {
    /// The output for a batch.
    pub fn predict(&self, x: &Array2<f32>) -> Array2<f32> {
        let mut a = x.clone();
        for layer in &self.layers {
            a = layer.forward(&a);
        }
        a
    }

    /// The output and every layer's input (kept for `backward`).
    pub fn forward(&self, x: &Array2<f32>) -> (Array2<f32>, Vec<Array2<f32>>) {
        let mut inputs = Vec::with_capacity(self.layers.len());
        let mut a = x.clone();
        for layer in &self.layers {
            let next = layer.forward(&a);
            inputs.push(a);
            a = next;
        }
        (a, inputs)
    }

    /// Parameter gradients (one entry per layer) and the gradient with respect to the input,
    /// given the layer inputs from `forward` and the loss gradient at the output.
    pub fn backward(
        &self,
        inputs: &[Array2<f32>],
        grad_out: &Array2<f32>,
    ) -> (Vec<ParamGrads>, Array2<f32>) {
        let mut grads = vec![None; self.layers.len()];
        let mut g = grad_out.clone();
        for (i, layer) in self.layers.iter().enumerate().rev() {
            let (p, gi) = layer.backward(&inputs[i], &g);
            grads[i] = p;
            g = gi;
        }
        (grads, g)
    }

    /// Mutable views of every parameter tensor, weights then bias per layer, in layer order.
    pub fn params_mut(&mut self) -> Vec<&mut [f32]> {
        let mut out = Vec::new();
        for layer in &mut self.layers {
            let (w, b) = match layer {
                Layer::Dense(d) => (&mut d.w, &mut d.b),
                Layer::Conv2d(c) => (&mut c.w, &mut c.b),
                _ => continue,
            };
            out.extend(w.as_slice_mut());
            out.extend(b.as_slice_mut());
        }
        out
    }

    /// The gradients of `backward` flattened in `params_mut` order.
    pub fn flatten_grads(grads: &[ParamGrads]) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        for (w, b) in grads.iter().flatten() {
            out.push(w.iter().copied().collect());
            out.push(b.to_vec());
        }
        out
    }

    /// Index of the largest output per row.
    pub fn classify(&self, x: &Array2<f32>) -> Vec<usize> {
        argmax_rows(&self.predict(x))
    }
}

/// Index of the largest value in each row (the first on ties).
pub fn argmax_rows(a: &Array2<f32>) -> Vec<usize> {
    a.axis_iter(Axis(0))
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

/// Fraction of `predicted` equal to `labels`.
pub fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    if labels.is_empty() {
        return 0.0;
    }
    let hits = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    hits as f64 / labels.len() as f64
}

impl Layer {
    pub fn forward(&self, x: &Array2<f32>) -> Array2<f32> {
        match self {
            Layer::Dense(d) => x.dot(&d.w) + &d.b,
            Layer::Conv2d(c) => c.forward(x),
            Layer::Relu => x.mapv(|v| v.max(0.0)),
            Layer::LeakyRelu(alpha) => x.mapv(|v| if v > 0.0 { v } else { alpha * v }),
            Layer::MaxPool2(p) => p.forward(x).0,
            Layer::Flatten => x.clone(),
        }
    }

    /// Parameter gradients and input gradient, given this layer's input and output gradient.
    pub fn backward(&self, x: &Array2<f32>, g: &Array2<f32>) -> (ParamGrads, Array2<f32>) {
        match self {
            Layer::Dense(d) => {
                let gw = x.t().dot(g);
                let gb = g.sum_axis(Axis(0));
                (Some((gw, gb)), g.dot(&d.w.t()))
            }
            Layer::Conv2d(c) => {
                let (gw, gb, gx) = c.backward(x, g);
                (Some((gw, gb)), gx)
            }
            Layer::Relu => (None, relu_grad(x, g, 0.0)),
            Layer::LeakyRelu(alpha) => (None, relu_grad(x, g, *alpha)),
            Layer::MaxPool2(p) => (None, p.backward(x, g)),
            Layer::Flatten => (None, g.clone()),
        }
    }
}

fn relu_grad(x: &Array2<f32>, g: &Array2<f32>, alpha: f32) -> Array2<f32> {
    let mut out = g.clone();
    ndarray::Zip::from(&mut out)
        .and(x)
        .for_each(|o, &v| *o = if v > 0.0 { *o } else { alpha * *o });
    out
}

impl MaxPool2 {
    pub fn output(&self) -> Geometry {
        Geometry {
            channels: self.input.channels,
            height: self.input.height / 2,
            width: self.input.width / 2,
        }
    }

    /// Pooled output and, per output value, the input feature index it came from.
    fn forward(&self, x: &Array2<f32>) -> (Array2<f32>, Vec<usize>) {
        let (i, o) = (self.input, self.output());
        let mut out = Array2::zeros((x.nrows(), o.size()));
        let mut from = Vec::with_capacity(x.nrows() * o.size());
        for (n, row) in x.axis_iter(Axis(0)).enumerate() {
            for c in 0..o.channels {
                for y in 0..o.height {
                    for xx in 0..o.width {
                        let mut best = c * i.height * i.width + 2 * y * i.width + 2 * xx;
                        for (dy, dx) in [(0, 1), (1, 0), (1, 1)] {
                            let k = c * i.height * i.width + (2 * y + dy) * i.width + 2 * xx + dx;
                            if row[k] > row[best] {
                                best = k;
                            }
                        }
                        out[[n, c * o.height * o.width + y * o.width + xx]] = row[best];
                        from.push(best);
                    }
                }
            }
        }
        (out, from)
    }

    fn backward(&self, x: &Array2<f32>, g: &Array2<f32>) -> Array2<f32> {
        let (_, from) = self.forward(x);
        let per_row = self.output().size();
        let mut gx = Array2::zeros(x.raw_dim());
        for (k, &src) in from.iter().enumerate() {
            let (n, j) = (k / per_row, k % per_row);
            gx[[n, src]] += g[[n, j]];
        }
        gx
    }
}

#[cfg(test)]
mod tests;

//! Losses with their gradients at the logits, both averaged over the batch.

use ndarray::{Array2, Axis};

/// Softmax cross-entropy of `logits` against class `labels`: (mean loss, gradient).
pub fn softmax_cross_entropy(logits: &Array2<f32>, labels: &[usize]) -> (f32, Array2<f32>) {
    let n = logits.nrows().max(1) as f32;
    let mut grad = logits.clone();
    let mut loss = 0.0;
    for (mut row, &label) in grad.axis_iter_mut(Axis(0)).zip(labels) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        // log-sum-exp shifted by the maximum: no overflow, and no log of an underflowed 0.
        let shifted = row[label] - max;
        row.mapv_inplace(|v| (v - max).exp());
        let sum: f32 = row.sum();
        row.mapv_inplace(|v| v / sum);
        loss += sum.ln() - shifted;
        row[label] -= 1.0;
    }
    grad.mapv_inplace(|v| v / n);
    (loss / n, grad)
}

/// Binary cross-entropy on logits (sigmoid inside, numerically stable) against `targets`
/// in [0, 1], one column: (mean loss, gradient).
pub fn bce_with_logits(logits: &Array2<f32>, targets: &[f32]) -> (f32, Array2<f32>) {
    let n = logits.nrows().max(1) as f32;
    let mut grad = logits.clone();
    let mut loss = 0.0;
    for (mut row, &t) in grad.axis_iter_mut(Axis(0)).zip(targets) {
        let z = row[0];
        // log(1 + e^-|z|) + max(z, 0) - z·t
        loss += z.max(0.0) - z * t + (-z.abs()).exp().ln_1p();
        row[0] = (sigmoid(z) - t) / n;
    }
    (loss / n, grad)
}

/// Squared error of a one-column `predictions` against `targets`: (mean of `(p − t)²`,
/// gradient `2·(p − t)/n`).
pub fn mean_squared_error(predictions: &Array2<f32>, targets: &[f32]) -> (f32, Array2<f32>) {
    let n = predictions.nrows().max(1) as f32;
    let mut grad = predictions.clone();
    let mut loss = 0.0;
    for (mut row, &t) in grad.axis_iter_mut(Axis(0)).zip(targets) {
        let d = row[0] - t;
        loss += d * d;
        row[0] = 2.0 * d / n;
    }
    (loss / n, grad)
}

pub fn sigmoid(z: f32) -> f32 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

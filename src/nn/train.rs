//! Mini-batch training with Adam: classifiers with softmax cross-entropy, regressors with
//! mean squared error.

use super::{data, loss, optim::Adam, Network};
use crate::util::Rng;
use ndarray::Array2;

/// How to train: epochs over the data, batch size, Adam's step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f32,
}

/// Trains `net` in place; returns the mean loss of each epoch. Batches are drawn in an order
/// shuffled by `rng`, so a seed fixes the result.
pub fn fit_classifier(
    net: &mut Network,
    x: &Array2<f32>,
    y: &[usize],
    schedule: Schedule,
    rng: &mut Rng,
) -> Vec<f32> {
    fit(net, x, schedule, rng, |out, rows| {
        let labels: Vec<usize> = rows.iter().map(|&r| y[r]).collect();
        loss::softmax_cross_entropy(out, &labels)
    })
}

/// Trains a one-output `net` in place on real targets `y` with mean squared error; returns
/// the mean loss of each epoch.
pub fn fit_regressor(
    net: &mut Network,
    x: &Array2<f32>,
    y: &[f32],
    schedule: Schedule,
    rng: &mut Rng,
) -> Vec<f32> {
    fit(net, x, schedule, rng, |out, rows| {
        let targets: Vec<f32> = rows.iter().map(|&r| y[r]).collect();
        loss::mean_squared_error(out, &targets)
    })
}

/// The training loop; `loss` gives a batch's (loss, gradient at the output) from the output
/// and the batch's row numbers.
fn fit(
    net: &mut Network,
    x: &Array2<f32>,
    schedule: Schedule,
    rng: &mut Rng,
    loss: impl Fn(&Array2<f32>, &[usize]) -> (f32, Array2<f32>),
) -> Vec<f32> {
    let mut adam = Adam::new(schedule.lr, 0.9, 0.999);
    let mut order: Vec<usize> = (0..x.nrows()).collect();
    let mut losses = Vec::with_capacity(schedule.epochs);
    for _ in 0..schedule.epochs {
        rng.shuffle(&mut order);
        let mut total = 0.0;
        let mut batches = 0;
        for rows in order.chunks(schedule.batch.max(1)) {
            let bx = data::rows(x, rows);
            let (out, inputs) = net.forward(&bx);
            let (l, g) = loss(&out, rows);
            let (grads, _) = net.backward(&inputs, &g);
            let flat = Network::flatten_grads(&grads);
            adam.step(net.params_mut(), &flat);
            total += l;
            batches += 1;
        }
        losses.push(total / batches.max(1) as f32);
    }
    losses
}

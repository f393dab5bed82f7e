//! The digits bench: a small CNN trained by dfc on the digits data (two 3×3 convolutions,
//! two dense layers), the same shapes as `std::networks::digits_cnn`, and its quantized
//! accuracy at any per-layer bit widths measured on the held-out images.

use crate::nn::data::{self, Split};
use crate::nn::evaluator::Evaluator;
use crate::nn::quant::{Bits, Quantized};
use crate::nn::train::{fit_classifier, Schedule};
use crate::nn::{accuracy, Conv2d, Dense, Geometry, Layer, Network};
use crate::util::Rng;

/// The weighted layers, named as in `stdlib/networks/digits_cnn.df`.
pub const DIGITS_LAYERS: [&str; 4] = ["conv1", "conv2", "fc1", "fc2"];

/// The schedule the bench trains with (about a second in a release build).
pub const DIGITS_SCHEDULE: Schedule = Schedule {
    epochs: 30,
    batch: 32,
    lr: 3e-3,
};

/// conv 3×3 (1→8) + ReLU → conv 3×3 (8→16) + ReLU → flatten → dense 256→32 + ReLU →
/// dense 32→10, initialised from `rng`.
pub fn digits_cnn(rng: &mut Rng) -> Network {
    let image = Geometry {
        channels: 1,
        height: 8,
        width: 8,
    };
    let conv1 = Conv2d::new(image, 8, 3, rng);
    let conv2 = Conv2d::new(conv1.output(), 16, 3, rng);
    let flat = conv2.output().size();
    Network {
        layers: vec![
            Layer::Conv2d(conv1),
            Layer::Relu,
            Layer::Conv2d(conv2),
            Layer::Relu,
            Layer::Flatten,
            Layer::Dense(Dense::new(flat, 32, rng)),
            Layer::Relu,
            Layer::Dense(Dense::new(32, 10, rng)),
        ],
    }
}

/// A trained model ready for quantized evaluation, with the data it was trained on.
#[derive(Debug, Clone)]
pub struct Bench {
    pub layer_names: Vec<String>,
    pub split: Split,
    pub float_accuracy: f64,
    pub quantized: Quantized,
    /// `quantized` bound to the test images.
    pub evaluator: Evaluator,
}

impl Bench {
    /// Trains `net` on the digits split of `seed` with `schedule` and calibrates on the
    /// training images.
    pub fn train(mut net: Network, names: &[&str], seed: u64, schedule: Schedule) -> Bench {
        let split = data::digits(seed);
        let mut rng = Rng::new(seed ^ 0x5eed);
        fit_classifier(&mut net, &split.train_x, &split.train_y, schedule, &mut rng);
        let float_accuracy = accuracy(&net.classify(&split.test_x), &split.test_y);
        let quantized = Quantized::new(&net, &split.train_x);
        let evaluator = Evaluator::new(&quantized, &split.test_x, &split.test_y);
        Bench {
            layer_names: names.iter().map(|n| n.to_string()).collect(),
            split,
            float_accuracy,
            quantized,
            evaluator,
        }
    }

    /// The digits CNN trained with `schedule`.
    pub fn digits(seed: u64, schedule: Schedule) -> Bench {
        let net = digits_cnn(&mut Rng::new(seed));
        Bench::train(net, &DIGITS_LAYERS, seed, schedule)
    }

    /// Measured test accuracy of per-layer bit widths.
    pub fn accuracy(&self, bits: &[Bits]) -> f64 {
        self.evaluator.accuracy(bits)
    }
}

//! `cargo bench --bench quantize`: the digits bench's float accuracy and the speed of
//! quantized accuracy evaluations (360 test images each) on one core, for the digits CNN
//! and a digits MLP (64-32-16-10), at random per-layer bit widths.

use std::time::Instant;

use dfc::generators::bench::{Bench, DIGITS_SCHEDULE};
use dfc::nn::quant::Bits;
use dfc::nn::train::Schedule;
use dfc::nn::{Dense, Layer, Network};
use dfc::util::Rng;

fn random_bits(depth: usize, rng: &mut Rng) -> Vec<Bits> {
    (0..depth)
        .map(|_| Bits {
            w: 2 + rng.below(7) as u32,
            a: 2 + rng.below(7) as u32,
        })
        .collect()
}

fn time(name: &str, bench: &Bench, evaluations: usize) {
    let mut rng = Rng::new(1);
    let configs: Vec<Vec<Bits>> = (0..evaluations)
        .map(|_| random_bits(bench.quantized.depth(), &mut rng))
        .collect();
    let start = Instant::now();
    let mut sum = 0.0;
    for c in &configs {
        sum += bench.accuracy(c);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{name}: float accuracy {:.4}, all-8-bit {:.4}, {evaluations} quantized evaluations in {secs:.2} s = {:.0}/s (mean accuracy {:.3})",
        bench.float_accuracy,
        bench.accuracy(&vec![Bits { w: 8, a: 8 }; bench.quantized.depth()]),
        evaluations as f64 / secs,
        sum / evaluations as f64,
    );
}

fn main() {
    let start = Instant::now();
    let cnn = Bench::digits(0, DIGITS_SCHEDULE);
    println!(
        "digits CNN trained in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    time("digits CNN", &cnn, 2000);
    let mut rng = Rng::new(0);
    let mlp = Network {
        layers: vec![
            Layer::Dense(Dense::new(64, 32, &mut rng)),
            Layer::Relu,
            Layer::Dense(Dense::new(32, 16, &mut rng)),
            Layer::Relu,
            Layer::Dense(Dense::new(16, 10, &mut rng)),
        ],
    };
    let schedule = Schedule {
        epochs: 60,
        batch: 32,
        lr: 1e-2,
    };
    let mlp = Bench::train(mlp, &["fc1", "fc2", "fc3"], 0, schedule);
    time("digits MLP", &mlp, 20000);
}

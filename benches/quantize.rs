//! `cargo bench --bench quantize`: the digits bench's float accuracy and the speed of
//! quantized accuracy evaluations (360 test images each) on one core, for the digits CNN
//! and a digits MLP (64-32-16-10), at random per-layer bit widths: the reference
//! (`Quantized::accuracy`) and the evaluator the bench uses (`nn::evaluator`), checked
//! equal on every configuration. Then the AQGAN study on
//! the CNN's exhaustive weight-only space (`generators::study`): the generated candidates'
//! distance to their target accuracy, the chosen configuration's regret against the exact
//! Pareto front (model size), and accuracy evaluations to get within 1 % of the optimum for
//! the GAN (training amortised over the targets), REINFORCE and random search.

use std::time::Instant;

use dfc::generators::bench::{Bench, DIGITS_SCHEDULE};
use dfc::generators::gan::GanOptions;
use dfc::generators::study::{self, percentile, StudyOptions};
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

/// Times `evaluations` random configurations through the reference (`Quantized::accuracy`)
/// and through the bench's evaluator, and checks that every accuracy is the same.
fn time(name: &str, bench: &Bench, evaluations: usize) {
    let mut rng = Rng::new(1);
    let configs: Vec<Vec<Bits>> = (0..evaluations)
        .map(|_| random_bits(bench.quantized.depth(), &mut rng))
        .collect();
    let (x, y) = (&bench.split.test_x, &bench.split.test_y);
    let start = Instant::now();
    let reference: Vec<f64> = configs
        .iter()
        .map(|c| bench.quantized.accuracy(x, y, c))
        .collect();
    let reference_secs = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let fast: Vec<f64> = configs.iter().map(|c| bench.accuracy(c)).collect();
    let secs = start.elapsed().as_secs_f64();
    let same = reference.iter().zip(&fast).filter(|(r, f)| r == f).count();
    println!(
        "{name}: float accuracy {:.4}, all-8-bit {:.4}, {evaluations} quantized evaluations: reference {:.0}/s, evaluator {:.0}/s (fast path {}; {same}/{evaluations} accuracies equal; mean accuracy {:.3})",
        bench.float_accuracy,
        bench.accuracy(&vec![Bits { w: 8, a: 8 }; bench.quantized.depth()]),
        evaluations as f64 / reference_secs,
        evaluations as f64 / secs,
        if bench.evaluator.exact() { "exact" } else { "off" },
        fast.iter().sum::<f64>() / evaluations as f64,
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
    run_study(&cnn);
}

fn run_study(cnn: &Bench) {
    let targets: Vec<f64> = (80..=97).map(|t| f64::from(t) / 100.0).collect();
    let opts = StudyOptions {
        pairs: 2000,
        gan: GanOptions::default(),
        targets,
        candidates: 32,
        budget: 400,
        seed: 0,
    };
    let start = Instant::now();
    let s = study::run(&cnn.quantized.weight_counts(), &|b| cnn.accuracy(b), &opts);
    println!(
        "study: {} weight-only configurations, front of {} points, {} training pairs, {:.1} s",
        s.space_size,
        s.front.len(),
        s.training_pairs,
        start.elapsed().as_secs_f64()
    );
    println!("target  optimum  gan|err| mean/p90  regret gan/uniform/random/reinforce  evals-to-1% gan/random/reinforce");
    let show = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.3}"));
    let evals = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.0}"));
    for t in &s.targets {
        let m = |i: usize| &t.methods[i];
        println!(
            "{:.2}  {:>8}  {:.3}/{:.3}  {}/{}/{}/{}  {}/{}/{}",
            t.target,
            show(t.optimum),
            t.gan_error_mean,
            t.gan_error_p90,
            show(m(0).regret),
            show(m(1).regret),
            show(m(2).regret),
            show(m(3).regret),
            evals(m(0).evaluations_to_1pct),
            evals(m(2).evaluations_to_1pct),
            evals(m(3).evaluations_to_1pct),
        );
    }
    let mut errors: Vec<f64> = s.targets.iter().map(|t| t.gan_error_mean).collect();
    let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
    errors.sort_by(f64::total_cmp);
    println!(
        "GAN |accuracy - target|: mean over targets {:.4}, p90 of per-target means {:.4}, mean p90 {:.4}",
        mean_error,
        percentile(&errors, 0.9),
        s.targets.iter().map(|t| t.gan_error_p90).sum::<f64>() / s.targets.len() as f64
    );
    for (i, name) in ["gan", "uniform", "random", "reinforce"].iter().enumerate() {
        let reached: Vec<f64> = s
            .targets
            .iter()
            .filter_map(|t| t.methods[i].evaluations_to_1pct)
            .collect();
        let regrets: Vec<f64> = s
            .targets
            .iter()
            .filter_map(|t| t.methods[i].regret)
            .collect();
        // An empty sum is -0.0: say "none" where no target was reached.
        let mean_reached = if reached.is_empty() {
            "none".to_string()
        } else {
            format!("{:.1}", reached.iter().sum::<f64>() / reached.len() as f64)
        };
        println!(
            "{name}: within 1 % of optimum at {}/{} targets, mean evaluations there {mean_reached}; mean regret {:.4} over {} feasible targets",
            reached.len(),
            s.targets.len(),
            regrets.iter().sum::<f64>() / regrets.len().max(1) as f64,
            regrets.len(),
        );
    }
}

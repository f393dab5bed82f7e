//! The conditional GAN of AQGAN: a generator `G(z, c)` that turns noise and a target
//! accuracy into per-layer widths, and a discriminator `D(bits, c)` that tells measured
//! pairs from generated ones (and from measured bits paired with the wrong accuracy, so the
//! condition matters). Widths leave the generator as one softmax per width over the levels
//! (Gumbel-softmax, temperature `τ`): differentiable, so `D`'s input gradient trains `G`.

use super::space::{Config, Pair, Space};
use crate::nn::loss::bce_with_logits;
use crate::nn::optim::Adam;
use crate::nn::quant::LEVELS;
use crate::nn::{Dense, Layer, Network};
use crate::util::Rng;
use ndarray::Array2;

/// Sizes and training schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GanOptions {
    pub noise: usize,
    pub hidden: usize,
    pub steps: usize,
    pub batch: usize,
    pub lr: f32,
    pub temperature: f32,
}

impl Default for GanOptions {
    fn default() -> GanOptions {
        GanOptions {
            noise: 16,
            hidden: 64,
            steps: 3000,
            batch: 64,
            lr: 1e-3,
            temperature: 0.5,
        }
    }
}

/// A trained generator with the condition's normalisation.
#[derive(Debug, Clone)]
pub struct Gan {
    pub space: Space,
    generator: Network,
    options: GanOptions,
    mean: f64,
    spread: f64,
    /// The `BINS - 1` inner quantiles of the training accuracies.
    bounds: Vec<f64>,
}

fn mlp(inputs: usize, hidden: usize, outputs: usize, rng: &mut Rng) -> Network {
    Network {
        layers: vec![
            Layer::Dense(Dense::new(inputs, hidden, rng)),
            Layer::LeakyRelu(0.2),
            Layer::Dense(Dense::new(hidden, hidden, rng)),
            Layer::LeakyRelu(0.2),
            Layer::Dense(Dense::new(hidden, outputs, rng)),
        ],
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Rng) -> f32 {
    let u = rng.unit().max(1e-12);
    let v = rng.unit();
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

fn gumbel(rng: &mut Rng) -> f32 {
    let u = rng.unit().clamp(1e-12, 1.0 - 1e-12);
    -(-u.ln()).ln() as f32
}

/// `[a ‖ b]` column-wise.
fn concat(a: &Array2<f32>, b: &Array2<f32>) -> Array2<f32> {
    let split = a.ncols();
    Array2::from_shape_fn((a.nrows(), split + b.ncols()), |(i, j)| {
        if j < split {
            a[[i, j]]
        } else {
            b[[i, j - split]]
        }
    })
}

/// Softmax over each group of `LEVELS` columns of `(logits + noise) / τ`.
fn group_softmax(logits: &Array2<f32>, noise: &Array2<f32>, tau: f32) -> Array2<f32> {
    let mut out = (logits + noise) / tau;
    for mut row in out.rows_mut() {
        for group in row
            .as_slice_mut()
            .into_iter()
            .flat_map(|r| r.chunks_mut(LEVELS))
        {
            let max = group.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let mut sum = 0.0;
            for v in group.iter_mut() {
                *v = (*v - max).exp();
                sum += *v;
            }
            group.iter_mut().for_each(|v| *v /= sum);
        }
    }
    out
}

/// The gradient at the logits of `group_softmax`, given its output `y` and gradient `g`.
fn group_softmax_backward(y: &Array2<f32>, g: &Array2<f32>, tau: f32) -> Array2<f32> {
    let mut out = Array2::zeros(y.raw_dim());
    for ((yr, gr), mut or) in y.rows().into_iter().zip(g.rows()).zip(out.rows_mut()) {
        for k in (0..yr.len()).step_by(LEVELS) {
            let dot: f32 = (k..k + LEVELS).map(|i| yr[i] * gr[i]).sum();
            for i in k..k + LEVELS {
                or[i] = yr[i] * (gr[i] - dot) / tau;
            }
        }
    }
    out
}

/// Accuracy bins of the condition (quantiles of the training accuracies).
const BINS: usize = 8;
/// Condition width: the normalised accuracy and a one-hot of its bin.
const CONDITION: usize = 1 + BINS;

impl Gan {
    fn bin(&self, accuracy: f64) -> usize {
        self.bounds.iter().filter(|&&b| accuracy >= b).count()
    }

    /// The condition for `accuracy`: a scalar alone is a weak signal among the noise
    /// inputs, so the bin is also given one-hot.
    fn condition(&self, accuracy: f64) -> [f32; CONDITION] {
        let mut c = [0.0; CONDITION];
        c[0] = ((accuracy - self.mean) / self.spread) as f32;
        c[1 + self.bin(accuracy)] = 1.0;
        c
    }

    fn conditions(&self, accuracies: &[f64]) -> Array2<f32> {
        let rows: Vec<[f32; CONDITION]> = accuracies.iter().map(|&a| self.condition(a)).collect();
        Array2::from_shape_fn((rows.len(), CONDITION), |(i, j)| rows[i][j])
    }

    /// Trains on measured `pairs` (at least one); a seed fixes the result.
    pub fn train(space: Space, pairs: &[Pair], options: GanOptions, seed: u64) -> Gan {
        let mut rng = Rng::new(seed);
        let n = pairs.len().max(1) as f64;
        let mean = pairs.iter().map(|p| p.accuracy).sum::<f64>() / n;
        let var = pairs
            .iter()
            .map(|p| (p.accuracy - mean).powi(2))
            .sum::<f64>()
            / n;
        let width = space.encoded_len();
        let mut sorted: Vec<f64> = pairs.iter().map(|p| p.accuracy).collect();
        sorted.sort_by(f64::total_cmp);
        let bounds = (1..BINS)
            .filter_map(|q| sorted.get(q * sorted.len() / BINS).copied())
            .collect();
        let mut gan = Gan {
            space,
            generator: mlp(options.noise + CONDITION, options.hidden, width, &mut rng),
            options,
            mean,
            spread: var.sqrt().max(1e-3),
            bounds,
        };
        let mut disc = mlp(width + CONDITION, options.hidden, 1, &mut rng);
        // Batches draw a bin first, then a pair of it, so rare accuracies train as often as
        // common ones.
        let mut by_bin: Vec<Vec<usize>> = vec![Vec::new(); BINS];
        for (i, p) in pairs.iter().enumerate() {
            by_bin[gan.bin(p.accuracy)].push(i);
        }
        by_bin.retain(|b| !b.is_empty());
        let draw = |rng: &mut Rng| {
            let bin = &by_bin[rng.below(by_bin.len())];
            bin[rng.below(bin.len())]
        };
        let mut g_opt = Adam::new(options.lr, 0.5, 0.999);
        let mut d_opt = Adam::new(options.lr, 0.5, 0.999);
        let encoded: Vec<Vec<f32>> = pairs.iter().map(|p| space.encode(&p.bits)).collect();
        let b = options.batch;
        for _ in 0..options.steps {
            if pairs.is_empty() {
                break;
            }
            let rows: Vec<usize> = (0..b).map(|_| draw(&mut rng)).collect();
            let others: Vec<usize> = (0..b).map(|_| draw(&mut rng)).collect();
            let real = Array2::from_shape_fn((b, width), |(i, j)| encoded[rows[i]][j]);
            let accuracy =
                |ids: &[usize]| ids.iter().map(|&i| pairs[i].accuracy).collect::<Vec<_>>();
            let cond = gan.conditions(&accuracy(&rows));
            let wrong = gan.conditions(&accuracy(&others));
            let (fake, _) = gan.generate(&cond, &mut rng);
            // Discriminator: measured pairs are real (smoothed to 0.9); generated bits and
            // measured bits under another pair's accuracy are fake.
            let mut x = concat(&real, &cond);
            x.append(ndarray::Axis(0), concat(&fake, &cond).view()).ok();
            x.append(ndarray::Axis(0), concat(&real, &wrong).view())
                .ok();
            let mut targets = vec![0.9f32; b];
            targets.extend(vec![0.0; 2 * b]);
            let (out, inputs) = disc.forward(&x);
            let (_, g) = bce_with_logits(&out, &targets);
            let (grads, _) = disc.backward(&inputs, &g);
            d_opt.step(disc.params_mut(), &Network::flatten_grads(&grads));
            // Generator: make D call its bits real for their condition.
            let (fake, g_inputs) = gan.generate(&cond, &mut rng);
            let (out, inputs) = disc.forward(&concat(&fake, &cond));
            let (_, g) = bce_with_logits(&out, &vec![1.0; b]);
            let (_, gx) = disc.backward(&inputs, &g);
            let g_soft = Array2::from_shape_fn((b, width), |(i, j)| gx[[i, j]]);
            let g_logits = group_softmax_backward(&fake, &g_soft, options.temperature);
            let (grads, _) = gan.generator.backward(&g_inputs, &g_logits);
            g_opt.step(gan.generator.params_mut(), &Network::flatten_grads(&grads));
        }
        gan
    }

    /// Relaxed one-hot widths for conditions `cond`, and the generator's layer inputs.
    fn generate(&self, cond: &Array2<f32>, rng: &mut Rng) -> (Array2<f32>, Vec<Array2<f32>>) {
        let rows = cond.nrows();
        let z = Array2::from_shape_fn((rows, self.options.noise), |_| normal(rng));
        let (logits, inputs) = self.generator.forward(&concat(&z, cond));
        let noise = Array2::from_shape_fn(logits.raw_dim(), |_| gumbel(rng));
        let soft = group_softmax(&logits, &noise, self.options.temperature);
        (soft, inputs)
    }

    /// `k` configurations for `target` accuracy: each width drawn from the generator's
    /// categorical distribution (Gumbel-max).
    pub fn sample(&self, target: f64, k: usize, rng: &mut Rng) -> Vec<Config> {
        let cond = self.conditions(&vec![target; k]);
        let (soft, _) = self.generate(&cond, rng);
        soft.rows()
            .into_iter()
            .map(|row| {
                let levels: Vec<usize> = row
                    .as_slice()
                    .unwrap_or_default()
                    .chunks(LEVELS)
                    .map(|g| (0..LEVELS).fold(0, |best, i| if g[i] > g[best] { i } else { best }))
                    .collect();
                self.space.config(&levels)
            })
            .collect()
    }
}

//! Conditional GANs over categorical tokens. The core — a generator `G(z, c)` that turns
//! noise and a condition vector into one categorical choice per token, trained against a
//! discriminator `D(tokens, c)` that tells real (tokens, condition) pairs from generated ones
//! and from real tokens under a mismatched condition — is shared by AQGAN (tokens: per-layer
//! bit widths; condition: a target accuracy) and the conditional architecture search
//! (`nas`; tokens: layer sizes; condition: resource budgets). Tokens leave the generator as
//! one softmax per token over its levels (Gumbel-softmax, temperature `τ`): differentiable,
//! so `D`'s input gradient trains `G`.

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

/// A trained token generator: `groups[i]` levels for token `i`.
#[derive(Debug, Clone)]
pub struct TokenGenerator {
    network: Network,
    groups: Vec<usize>,
    options: GanOptions,
}

/// One training step's data: one-hot real tokens, their conditions, and conditions that do
/// not hold for them (the discriminator learns to call those pairs fake too, so the
/// condition matters).
pub struct Batch {
    pub real: Array2<f32>,
    pub condition: Array2<f32>,
    pub wrong: Array2<f32>,
}

/// A trained AQGAN generator with the condition's normalisation.
#[derive(Debug, Clone)]
pub struct Gan {
    pub space: Space,
    generator: TokenGenerator,
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

/// The one-hot encoding of `levels` over `groups`.
pub fn one_hot(groups: &[usize], levels: &[usize]) -> Vec<f32> {
    let mut out = vec![0.0; groups.iter().sum()];
    let mut start = 0;
    for (&g, &l) in groups.iter().zip(levels) {
        out[start + l.min(g - 1)] = 1.0;
        start += g;
    }
    out
}

/// The column ranges of `groups`.
fn ranges(groups: &[usize]) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    groups.iter().scan(0, |start, &g| {
        let r = *start..*start + g;
        *start += g;
        Some(r)
    })
}

/// Softmax over each group of columns of `(logits + noise) / τ`.
fn group_softmax(
    logits: &Array2<f32>,
    noise: &Array2<f32>,
    tau: f32,
    groups: &[usize],
) -> Array2<f32> {
    let mut out = (logits + noise) / tau;
    for mut row in out.rows_mut() {
        let Some(row) = row.as_slice_mut() else {
            continue;
        };
        for range in ranges(groups) {
            let group = &mut row[range];
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
fn group_softmax_backward(
    y: &Array2<f32>,
    g: &Array2<f32>,
    tau: f32,
    groups: &[usize],
) -> Array2<f32> {
    let mut out = Array2::zeros(y.raw_dim());
    for ((yr, gr), mut or) in y.rows().into_iter().zip(g.rows()).zip(out.rows_mut()) {
        for range in ranges(groups) {
            let dot: f32 = range.clone().map(|i| yr[i] * gr[i]).sum();
            for i in range {
                or[i] = yr[i] * (gr[i] - dot) / tau;
            }
        }
    }
    out
}

impl TokenGenerator {
    /// Trains a generator for tokens of `groups` under conditions `condition_width` wide;
    /// `draw` gives each step's batch (`None` ends training early). A seed fixes the result.
    pub fn train(
        groups: &[usize],
        condition_width: usize,
        options: GanOptions,
        rng: &mut Rng,
        mut draw: impl FnMut(&mut Rng) -> Option<Batch>,
    ) -> TokenGenerator {
        let width: usize = groups.iter().sum();
        let mut gen = TokenGenerator {
            network: mlp(options.noise + condition_width, options.hidden, width, rng),
            groups: groups.to_vec(),
            options,
        };
        let mut disc = mlp(width + condition_width, options.hidden, 1, rng);
        let mut g_opt = Adam::new(options.lr, 0.5, 0.999);
        let mut d_opt = Adam::new(options.lr, 0.5, 0.999);
        for _ in 0..options.steps {
            let Some(batch) = draw(rng) else {
                break;
            };
            let b = batch.real.nrows();
            let cond = &batch.condition;
            let (fake, _) = gen.generate(cond, rng);
            // Discriminator: real pairs are real (smoothed to 0.9); generated tokens and real
            // tokens under a condition that does not hold for them are fake.
            let mut x = concat(&batch.real, cond);
            x.append(ndarray::Axis(0), concat(&fake, cond).view()).ok();
            x.append(ndarray::Axis(0), concat(&batch.real, &batch.wrong).view())
                .ok();
            let mut targets = vec![0.9f32; b];
            targets.extend(vec![0.0; 2 * b]);
            let (out, inputs) = disc.forward(&x);
            let (_, g) = bce_with_logits(&out, &targets);
            let (grads, _) = disc.backward(&inputs, &g);
            d_opt.step(disc.params_mut(), &Network::flatten_grads(&grads));
            // Generator: make D call its tokens real for their condition.
            let (fake, g_inputs) = gen.generate(cond, rng);
            let (out, inputs) = disc.forward(&concat(&fake, cond));
            let (_, g) = bce_with_logits(&out, &vec![1.0; b]);
            let (_, gx) = disc.backward(&inputs, &g);
            let g_soft = Array2::from_shape_fn((b, width), |(i, j)| gx[[i, j]]);
            let g_logits = group_softmax_backward(&fake, &g_soft, options.temperature, &gen.groups);
            let (grads, _) = gen.network.backward(&g_inputs, &g_logits);
            g_opt.step(gen.network.params_mut(), &Network::flatten_grads(&grads));
        }
        gen
    }

    /// Relaxed one-hot tokens for conditions `cond`, and the generator's layer inputs.
    fn generate(&self, cond: &Array2<f32>, rng: &mut Rng) -> (Array2<f32>, Vec<Array2<f32>>) {
        let rows = cond.nrows();
        let z = Array2::from_shape_fn((rows, self.options.noise), |_| normal(rng));
        let (logits, inputs) = self.network.forward(&concat(&z, cond));
        let noise = Array2::from_shape_fn(logits.raw_dim(), |_| gumbel(rng));
        let soft = group_softmax(&logits, &noise, self.options.temperature, &self.groups);
        (soft, inputs)
    }

    /// One level per token for each row of `cond`: drawn from the generator's categorical
    /// distributions (Gumbel-max) when `gumbel`, else each token's most likely level given
    /// the row's noise `z` (so the samples vary through `z` alone).
    pub fn sample(&self, cond: &Array2<f32>, gumbel: bool, rng: &mut Rng) -> Vec<Vec<usize>> {
        let soft = if gumbel {
            self.generate(cond, rng).0
        } else {
            let z = Array2::from_shape_fn((cond.nrows(), self.options.noise), |_| normal(rng));
            self.network.predict(&concat(&z, cond))
        };
        soft.rows()
            .into_iter()
            .map(|row| {
                ranges(&self.groups)
                    .map(|r| {
                        let start = r.start;
                        r.fold(start, |best, i| if row[i] > row[best] { i } else { best }) - start
                    })
                    .collect()
            })
            .collect()
    }
}

/// Accuracy bins of the condition (quantiles of the training accuracies).
const BINS: usize = 8;
/// Condition width: the normalised accuracy and a one-hot of its bin.
const CONDITION: usize = 1 + BINS;

impl Gan {
    fn conditions(&self, accuracies: &[f64]) -> Array2<f32> {
        conditions(self.mean, self.spread, &self.bounds, accuracies)
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
        let spread = var.sqrt().max(1e-3);
        let mut sorted: Vec<f64> = pairs.iter().map(|p| p.accuracy).collect();
        sorted.sort_by(f64::total_cmp);
        let bounds: Vec<f64> = (1..BINS)
            .filter_map(|q| sorted.get(q * sorted.len() / BINS).copied())
            .collect();
        let bin = |accuracy: f64| bounds.iter().filter(|&&b| accuracy >= b).count();
        // Batches draw a bin first, then a pair of it, so rare accuracies train as often as
        // common ones.
        let mut by_bin: Vec<Vec<usize>> = vec![Vec::new(); BINS];
        for (i, p) in pairs.iter().enumerate() {
            by_bin[bin(p.accuracy)].push(i);
        }
        by_bin.retain(|b| !b.is_empty());
        let draw = |rng: &mut Rng| {
            let bin = &by_bin[rng.below(by_bin.len())];
            bin[rng.below(bin.len())]
        };
        let groups = vec![LEVELS; space.depth * space.per_layer()];
        let encoded: Vec<Vec<f32>> = pairs.iter().map(|p| space.encode(&p.bits)).collect();
        let width = space.encoded_len();
        let b = options.batch;
        let batches = |rng: &mut Rng| {
            if pairs.is_empty() {
                return None;
            }
            let rows: Vec<usize> = (0..b).map(|_| draw(rng)).collect();
            let others: Vec<usize> = (0..b).map(|_| draw(rng)).collect();
            let accuracy =
                |ids: &[usize]| ids.iter().map(|&i| pairs[i].accuracy).collect::<Vec<_>>();
            Some(Batch {
                real: Array2::from_shape_fn((b, width), |(i, j)| encoded[rows[i]][j]),
                condition: conditions(mean, spread, &bounds, &accuracy(&rows)),
                wrong: conditions(mean, spread, &bounds, &accuracy(&others)),
            })
        };
        let generator = TokenGenerator::train(&groups, CONDITION, options, &mut rng, batches);
        Gan {
            space,
            generator,
            mean,
            spread,
            bounds,
        }
    }

    /// `k` configurations for `target` accuracy: each width drawn from the generator's
    /// categorical distribution (Gumbel-max).
    pub fn sample(&self, target: f64, k: usize, rng: &mut Rng) -> Vec<Config> {
        let cond = self.conditions(&vec![target; k]);
        self.generator
            .sample(&cond, true, rng)
            .iter()
            .map(|levels| self.space.config(levels))
            .collect()
    }
}

fn condition(mean: f64, spread: f64, bin: usize, accuracy: f64) -> [f32; CONDITION] {
    let mut c = [0.0; CONDITION];
    c[0] = ((accuracy - mean) / spread) as f32;
    c[1 + bin] = 1.0;
    c
}

fn conditions(mean: f64, spread: f64, bounds: &[f64], accuracies: &[f64]) -> Array2<f32> {
    let rows: Vec<[f32; CONDITION]> = accuracies
        .iter()
        .map(|&a| condition(mean, spread, bounds.iter().filter(|&&b| a >= b).count(), a))
        .collect();
    Array2::from_shape_fn((rows.len(), CONDITION), |(i, j)| rows[i][j])
}

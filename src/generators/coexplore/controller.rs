//! The REINFORCE controller: a factorised categorical policy, one independent softmax per
//! token, trained with a moving-average baseline. NASAIC's controller is a recurrent network
//! whose tokens condition on earlier ones; independent tokens are the simplification
//! (`docs/coexplore.md`).

use crate::util::Rng;

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    logits: Vec<Vec<f64>>,
    learning_rate: f64,
    /// The moving average of rewards; `None` before the first update.
    baseline: Option<f64>,
    /// Weight of the old average when a batch's mean reward is folded in.
    decay: f64,
}

fn softmax(logits: &[f64]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

impl Policy {
    /// Uniform over every token's levels.
    pub fn new(groups: &[usize], learning_rate: f64, decay: f64) -> Policy {
        Policy {
            logits: groups.iter().map(|&g| vec![0.0; g]).collect(),
            learning_rate,
            baseline: None,
            decay,
        }
    }

    /// One level per token.
    pub fn sample(&self, rng: &mut Rng) -> Vec<usize> {
        self.logits
            .iter()
            .map(|logits| {
                let p = softmax(logits);
                let u = rng.unit();
                let mut acc = 0.0;
                p.iter()
                    .position(|&q| {
                        acc += q;
                        u < acc
                    })
                    .unwrap_or(p.len() - 1)
            })
            .collect()
    }

    /// The probabilities of every token's levels.
    pub fn probabilities(&self) -> Vec<Vec<f64>> {
        self.logits.iter().map(|l| softmax(l)).collect()
    }

    pub fn baseline(&self) -> Option<f64> {
        self.baseline
    }

    /// One REINFORCE step on a batch of (levels, reward): each logit moves by the mean of
    /// `(reward − baseline) · ∂ log π(levels) / ∂ logit`, then the baseline takes in the
    /// batch's mean reward.
    pub fn update(&mut self, batch: &[(Vec<usize>, f64)]) {
        if batch.is_empty() {
            return;
        }
        let mean = batch.iter().map(|(_, r)| r).sum::<f64>() / batch.len() as f64;
        let baseline = self.baseline.unwrap_or(mean);
        let step = self.learning_rate / batch.len() as f64;
        let probabilities = self.probabilities();
        for (levels, reward) in batch {
            let advantage = reward - baseline;
            for ((logits, p), &chosen) in self.logits.iter_mut().zip(&probabilities).zip(levels) {
                for (k, (logit, q)) in logits.iter_mut().zip(p).enumerate() {
                    let indicator = if k == chosen { 1.0 } else { 0.0 };
                    *logit += step * advantage * (indicator - q);
                }
            }
        }
        self.baseline = Some(self.decay * baseline + (1.0 - self.decay) * mean);
    }
}

//! The tasks a search serves, on real data that ships in `smartcore`: digits and breast
//! cancer (classification, measured by test accuracy) and diabetes (regression, measured by
//! test mean squared error). Training is a fixed recipe with a fixed seed per architecture,
//! so a measurement depends only on the task, the architecture and the recipe.

use super::space::{Architecture, Space};
use crate::nn::data::{self, RegressionSplit, Split};
use crate::nn::train::{fit_classifier, fit_regressor, Schedule};
use crate::nn::{accuracy, Geometry};
use crate::util::hash::stable_hash;
use crate::util::Rng;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Task {
    Digits,
    BreastCancer,
    Diabetes,
}

/// What a task's measurement is, and which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Test accuracy, a fraction; higher is better.
    Accuracy,
    /// Test mean squared error in the target's units squared; lower is better.
    Mse,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Mse => "mse",
        }
    }

    /// Whether `a` is better than `b`.
    pub fn better(self, a: f64, b: f64) -> bool {
        match self {
            Metric::Accuracy => a > b,
            Metric::Mse => a < b,
        }
    }

    /// `value` oriented so that larger is better.
    pub fn score(self, value: f64) -> f64 {
        match self {
            Metric::Accuracy => value,
            Metric::Mse => -value,
        }
    }
}

impl Task {
    pub const ALL: [Task; 3] = [Task::Digits, Task::BreastCancer, Task::Diabetes];

    pub fn name(self) -> &'static str {
        match self {
            Task::Digits => "digits",
            Task::BreastCancer => "breast_cancer",
            Task::Diabetes => "diabetes",
        }
    }

    pub fn parse(name: &str) -> Option<Task> {
        Task::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Input features.
    pub fn inputs(self) -> usize {
        match self {
            Task::Digits => 64,
            Task::BreastCancer => 30,
            Task::Diabetes => 10,
        }
    }

    /// Outputs of the last layer: one logit per class, or the regressed value.
    pub fn outputs(self) -> usize {
        match self {
            Task::Digits => 10,
            Task::BreastCancer => 2,
            Task::Diabetes => 1,
        }
    }

    /// The image geometry of the inputs, for tasks whose inputs are images.
    pub fn image(self) -> Option<Geometry> {
        (self == Task::Digits).then_some(Geometry {
            channels: 1,
            height: 8,
            width: 8,
        })
    }

    pub fn metric(self) -> Metric {
        match self {
            Task::Diabetes => Metric::Mse,
            Task::Digits | Task::BreastCancer => Metric::Accuracy,
        }
    }
}

/// How every architecture is trained: the same schedule, a seed per architecture derived
/// from `seed` and the architecture (so results do not depend on order or threads), and the
/// data split of `split_seed`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recipe {
    pub schedule: Schedule,
    pub seed: u64,
    pub split_seed: u64,
}

impl Default for Recipe {
    fn default() -> Recipe {
        Recipe {
            schedule: Schedule {
                epochs: 15,
                batch: 32,
                lr: 3e-3,
            },
            seed: 0,
            split_seed: 0,
        }
    }
}

/// A task's data, split.
#[derive(Debug, Clone)]
pub enum TaskData {
    Classes(Split),
    Values(RegressionSplit),
}

impl TaskData {
    pub fn load(task: Task, split_seed: u64) -> TaskData {
        match task {
            Task::Digits => TaskData::Classes(data::digits(split_seed)),
            Task::BreastCancer => TaskData::Classes(data::breast_cancer(split_seed)),
            Task::Diabetes => TaskData::Values(data::diabetes(split_seed)),
        }
    }
}

/// Measures every architecture of `archs` in parallel (results in order, the same at any
/// thread count); `done` is called once per finished architecture.
pub fn measure_all(
    space: &Space,
    archs: &[Architecture],
    data: &TaskData,
    recipe: &Recipe,
    done: &(dyn Fn() + Sync),
) -> Vec<f64> {
    use rayon::prelude::*;
    archs
        .par_iter()
        .map(|a| {
            let m = measure(space, a, data, recipe);
            done();
            m
        })
        .collect()
}

/// Trains `arch` with `recipe` on `data` and returns its test metric (accuracy or MSE).
pub fn measure(space: &Space, arch: &Architecture, data: &TaskData, recipe: &Recipe) -> f64 {
    let seed = recipe.seed ^ stable_hash(arch.to_string().bytes());
    let mut rng = Rng::new(seed);
    let mut net = space.network(arch, &mut rng);
    match data {
        TaskData::Classes(split) => {
            fit_classifier(
                &mut net,
                &split.train_x,
                &split.train_y,
                recipe.schedule,
                &mut rng,
            );
            accuracy(&net.classify(&split.test_x), &split.test_y)
        }
        TaskData::Values(split) => {
            // Targets are centred and scaled for training (the network starts near zero);
            // the error is reported in the target's own units.
            let n = split.train_y.len().max(1) as f64;
            let mean = split.train_y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let sd = (split
                .train_y
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n)
                .sqrt()
                .max(1e-12);
            let scaled: Vec<f32> = split
                .train_y
                .iter()
                .map(|&v| ((f64::from(v) - mean) / sd) as f32)
                .collect();
            fit_regressor(&mut net, &split.train_x, &scaled, recipe.schedule, &mut rng);
            let predicted = net.predict(&split.test_x);
            let squared: f64 = predicted
                .column(0)
                .iter()
                .zip(&split.test_y)
                .map(|(&p, &t)| (f64::from(p) * sd + mean - f64::from(t)).powi(2))
                .sum();
            squared / split.test_y.len().max(1) as f64
        }
    }
}

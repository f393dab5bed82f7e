//! The `dfc nas` flow on plain data: cost the whole space on the platform, measure a random
//! training set, train the budget-conditioned generator, draw architectures for the user's
//! budgets, keep distinct ones whose costs meet every budget, measure them, and measure random
//! search at the same number of trained networks.

use std::collections::HashSet;

use super::gan::{ArchitectureGan, Measured, Scale};
use super::platform::{Budgets, CostBook, Costs, Platform};
use super::space::{Architecture, Space};
use super::task::{Metric, Recipe};
use crate::diagnostics::{Code, Diagnostic};
use crate::generators::gan::GanOptions;
use crate::util::Rng;

/// Generator samples the satisfaction rate is measured on (per round of drawing).
pub const ROUND: usize = 256;
/// Rounds drawn at most while looking for `count` distinct architectures.
const ROUNDS: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    pub space: Space,
    pub budgets: Budgets,
    /// Networks to generate.
    pub count: usize,
    /// Random architectures measured to train the generator.
    pub samples: usize,
    pub seed: u64,
    pub recipe: Recipe,
    pub gan: GanOptions,
}

/// Trains and measures architectures (the caller chooses threads, cache and progress):
/// `(what, architectures)` → one test metric per architecture, in order.
pub type Measure<'a> = dyn FnMut(&str, &[Architecture]) -> Vec<f64> + 'a;

/// The generator's raw output for the budgets, before any filtering.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GeneratorStats {
    pub samples: usize,
    pub meeting_budgets: usize,
    /// `meeting_budgets / samples`: budgets checked on exact costs, nothing trained.
    pub satisfaction_rate: f64,
    /// Distinct architectures among the samples.
    pub distinct: usize,
    pub distinct_meeting_budgets: usize,
}

/// A search's best network and what it cost to find.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Best {
    pub trained: usize,
    pub best: Option<Measured>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    pub metric: &'static str,
    /// Architectures in the space, and those the cost model can run on the platform.
    pub space_size: usize,
    pub space_runnable: usize,
    /// ... and those that meet the budgets.
    pub space_meeting_budgets: usize,
    pub networks: Vec<Measured>,
    pub generator: GeneratorStats,
    /// The generated networks' best (`networks`), against random search over the
    /// architectures that meet the budgets at the same number of trained networks, and the
    /// best network of the generator's own training set within the budgets.
    pub generated: Best,
    pub random: Best,
    pub training_set: Best,
}

fn best(measured: &[Measured], metric: Metric) -> Option<Measured> {
    measured
        .iter()
        .fold(None, |acc: Option<&Measured>, m| match acc {
            Some(b) if !metric.better(m.metric, b.metric) => Some(b),
            _ => Some(m),
        })
        .cloned()
}

/// Why no architecture meets the budgets: the smallest value of each bounded resource.
fn unmet(space: &Space, runnable: &[(Architecture, Costs)], budgets: &Budgets) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::NasBudgetUnmet,
        format!(
            "no architecture of the `{}` space for `{}` meets the budgets",
            space.family.name(),
            space.task.name()
        ),
    );
    let min = |f: &dyn Fn(&Costs) -> f64| {
        runnable
            .iter()
            .map(|(_, c)| f(c))
            .fold(f64::INFINITY, f64::min)
    };
    let notes: [(&str, bool, f64); 4] = [
        (
            "parameter count",
            budgets.params.is_some(),
            min(&|c| c.params as f64),
        ),
        ("MAC count", budgets.macs.is_some(), min(&|c| c.macs as f64)),
        (
            "runtime (cycles)",
            budgets.runtime_cycles.is_some(),
            min(&|c| c.runtime_cycles as f64),
        ),
        (
            "energy (pJ)",
            budgets.energy_pj.is_some(),
            min(&|c| c.energy_pj),
        ),
    ];
    for (what, bounded, value) in notes {
        if bounded && value.is_finite() {
            d = d.with_note(format!("the smallest {what} in the space is {value}"));
        }
    }
    if runnable.is_empty() {
        d = d.with_note("no architecture of the space runs on the hardware");
    }
    d
}

/// Measures `archs` and pairs them with their costs.
fn measured(what: &str, archs: &[(Architecture, Costs)], measure: &mut Measure) -> Vec<Measured> {
    let list: Vec<Architecture> = archs.iter().map(|(a, _)| a.clone()).collect();
    let metrics = measure(what, &list);
    archs
        .iter()
        .zip(metrics)
        .map(|((a, c), m)| Measured {
            architecture: a.clone(),
            costs: *c,
            metric: m,
        })
        .collect()
}

/// Up to `n` distinct architectures drawn by `draw`, each with costs meeting `keep`.
fn distinct(
    n: usize,
    tries: usize,
    book: &CostBook,
    space: &Space,
    keep: impl Fn(&Costs) -> bool,
    mut draw: impl FnMut() -> Architecture,
) -> Vec<(Architecture, Costs)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for _ in 0..tries {
        if out.len() == n {
            break;
        }
        let a = draw();
        if let Ok(c) = book.costs(space, &a) {
            if keep(&c) && seen.insert(a.clone()) {
                out.push((a, c));
            }
        }
    }
    out
}

/// What a search learns once and answers every budget with: the costed space, the
/// measured training set and the trained generator.
pub struct Trained {
    pub space: Space,
    costed: CostedSpace,
    pub training: Vec<Measured>,
    gan: ArchitectureGan,
}

/// A space's architectures costed on a platform: the book, the space's size and the
/// architectures the cost model can run there, with their costs.
struct CostedSpace {
    book: CostBook,
    all: usize,
    runnable: Vec<(Architecture, Costs)>,
}

fn costed_space(space: &Space, platform: &Platform) -> CostedSpace {
    let all = space.all();
    let book = CostBook::new(platform, space, &all);
    let runnable = all
        .iter()
        .filter_map(|a| book.costs(space, a).ok().map(|c| (a.clone(), c)))
        .collect();
    CostedSpace {
        book,
        all: all.len(),
        runnable,
    }
}

/// Costs the whole space on `platform`, measures `request.samples` random architectures and
/// trains the generator on them.
pub fn train(request: &Request, platform: &Platform, measure: &mut Measure) -> Trained {
    train_costed(request, costed_space(&request.space, platform), measure)
}

/// `train` on a space already costed by `costed_space`.
fn train_costed(request: &Request, costed: CostedSpace, measure: &mut Measure) -> Trained {
    let space = request.space;
    // The training set: uniform draws of the space, whatever their costs.
    let mut rng = Rng::new(request.seed);
    let training = distinct(
        request.samples,
        request.samples * 50,
        &costed.book,
        &space,
        |_| true,
        || space.sample(&mut rng),
    );
    let training = measured("training set", &training, measure);
    let costs: Vec<Costs> = costed.runnable.iter().map(|(_, c)| *c).collect();
    let gan = ArchitectureGan::train(
        space,
        Scale::of(&costs),
        &training,
        space.task.metric(),
        request.gan,
        request.seed ^ 0x6761_6e00,
    );
    Trained {
        space,
        costed,
        training,
        gan,
    }
}

impl Trained {
    /// The costs of every architecture of the space the platform runs.
    pub fn space_costs(&self) -> Vec<Costs> {
        self.costed.runnable.iter().map(|(_, c)| *c).collect()
    }

    /// `count` networks for `budgets` (seeded by `seed`), measured, with the generator's raw
    /// statistics and random search at the same number of trained networks; E1504 when no
    /// architecture of the space meets the budgets.
    pub fn generate(
        &self,
        budgets: &Budgets,
        count: usize,
        seed: u64,
        measure: &mut Measure,
    ) -> Result<Outcome, Diagnostic> {
        let meeting = self
            .costed
            .runnable
            .iter()
            .filter(|(_, c)| budgets.met_by(c))
            .count();
        if meeting == 0 {
            return Err(unmet(&self.space, &self.costed.runnable, budgets));
        }
        let (space, book, gan) = (&self.space, &self.costed.book, &self.gan);
        let metric = space.task.metric();
        let mut rng = Rng::new(seed ^ 0x6472_6177);
        let first = gan.sample(budgets, ROUND, &mut rng);
        let costed: Vec<Option<Costs>> = first.iter().map(|a| book.costs(space, a).ok()).collect();
        let meets = |c: &Option<Costs>| c.as_ref().is_some_and(|c| budgets.met_by(c));
        let unique: HashSet<&Architecture> = first.iter().collect();
        let unique_meeting: HashSet<&Architecture> = first
            .iter()
            .zip(&costed)
            .filter(|(_, c)| meets(c))
            .map(|(a, _)| a)
            .collect();
        let meeting_budgets = costed.iter().filter(|c| meets(c)).count();
        let generator = GeneratorStats {
            samples: ROUND,
            meeting_budgets,
            satisfaction_rate: meeting_budgets as f64 / ROUND as f64,
            distinct: unique.len(),
            distinct_meeting_budgets: unique_meeting.len(),
        };
        let mut pending = first.into_iter();
        let chosen = distinct(
            count,
            ROUND * ROUNDS,
            book,
            space,
            |c| budgets.met_by(c),
            || {
                pending.next().unwrap_or_else(|| {
                    pending = gan.sample(budgets, ROUND, &mut rng).into_iter();
                    pending.next().unwrap_or_default()
                })
            },
        );
        let networks = measured("generated", &chosen, measure);
        let mut rng = Rng::new(seed ^ 0x7261_6e64);
        let random = distinct(
            count,
            ROUND * ROUNDS,
            book,
            space,
            |c| budgets.met_by(c),
            || space.sample(&mut rng),
        );
        let random = measured("random search", &random, measure);
        let within: Vec<Measured> = self
            .training
            .iter()
            .filter(|m| budgets.met_by(&m.costs))
            .cloned()
            .collect();
        Ok(Outcome {
            metric: metric.name(),
            space_size: self.costed.all,
            space_runnable: self.costed.runnable.len(),
            space_meeting_budgets: meeting,
            generated: Best {
                trained: networks.len(),
                best: best(&networks, metric),
            },
            random: Best {
                trained: random.len(),
                best: best(&random, metric),
            },
            training_set: Best {
                trained: self.training.len(),
                best: best(&within, metric),
            },
            networks,
            generator,
        })
    }
}

/// The whole flow for one request; budgets nothing meets are refused before anything is
/// trained.
pub fn run(
    request: &Request,
    platform: &Platform,
    measure: &mut Measure,
) -> Result<Outcome, Diagnostic> {
    // The space is costed once: for this check and for training.
    let costed = costed_space(&request.space, platform);
    let runnable = &costed.runnable;
    if !runnable.iter().any(|(_, c)| request.budgets.met_by(c)) {
        return Err(unmet(&request.space, runnable, &request.budgets));
    }
    let trained = train_costed(request, costed, measure);
    trained.generate(&request.budgets, request.count, request.seed, measure)
}

//! Scoring candidates with the cost model under an evaluation budget.
//!
//! Every strategy goes through one [`Evaluator`]: it counts cost-model evaluations against the
//! budget (a repeated candidate is answered from a cache and costs nothing), rejects what the
//! model rejects (and, with strict buffers, what overflows L1/L2), and keeps the best
//! candidates in a stable order: objective, then a secondary metric, then the directive list.

use std::cmp::Ordering;
use std::collections::HashMap;

use crate::backends::cost::{self, LayerMetrics, Model};
use crate::ir::ConcreteDirective;

use super::space::{directive_key, normalize, LayerSpace};
use super::{Objective, Origin};
use crate::rewrite::NDIMS;

/// A candidate's value: smaller is better. Compared with `total_cmp`, then by key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub primary: f64,
    pub secondary: f64,
}

impl Score {
    pub fn of(m: &LayerMetrics, objective: Objective) -> Score {
        let runtime = m.runtime_cycles as f64;
        let energy = m.total_energy;
        match objective {
            Objective::Runtime => Score {
                primary: runtime,
                secondary: energy,
            },
            Objective::Energy => Score {
                primary: energy,
                secondary: runtime,
            },
            Objective::Edp => Score {
                primary: runtime * energy,
                secondary: runtime,
            },
        }
    }

    pub fn cmp(&self, other: &Score) -> Ordering {
        self.primary
            .total_cmp(&other.primary)
            .then(self.secondary.total_cmp(&other.secondary))
    }
}

/// A scored candidate.
#[derive(Debug, Clone)]
pub struct Scored {
    pub score: Score,
    pub directives: Vec<ConcreteDirective>,
    pub origin: Origin,
}

impl Scored {
    /// Total order: score, then directive list (so ties never depend on arrival order).
    pub fn cmp(&self, other: &Scored) -> Ordering {
        self.score
            .cmp(&other.score)
            .then_with(|| directive_key(&self.directives).cmp(&directive_key(&other.directives)))
    }
}

/// The cost model with a budget, a cache and a leaderboard.
pub struct Evaluator {
    problem: cost::Problem,
    hw: cost::Hardware,
    macs: u64,
    extents: [i64; NDIMS],
    objective: Objective,
    strict: bool,
    budget: usize,
    used: usize,
    cache: HashMap<Vec<ConcreteDirective>, Option<Score>>,
    /// The best `keep` distinct valid candidates, best first.
    top: Vec<Scored>,
    /// The best candidate per number of cluster levels (0–3).
    family: [Option<Scored>; 4],
    keep: usize,
    best_metrics: Option<LayerMetrics>,
    valid: usize,
    /// MAESTRO's view of the layer and hardware, when its numbers rank the candidates.
    maestro: Option<(cost::Problem, cost::Hardware)>,
}

impl Evaluator {
    /// `problem`'s directives are replaced by each candidate's; every accepted candidate must
    /// reproduce the MAC count of `space`.
    pub fn new(
        problem: cost::Problem,
        hw: cost::Hardware,
        space: &LayerSpace,
        objective: Objective,
        strict: bool,
        budget: usize,
    ) -> Evaluator {
        Evaluator {
            macs: u64::try_from(problem.dense_macs()).unwrap_or(0),
            problem,
            hw,
            extents: space.extents,
            objective,
            strict,
            budget,
            used: 0,
            cache: HashMap::new(),
            top: Vec::new(),
            family: [None, None, None, None],
            keep: 16,
            best_metrics: None,
            valid: 0,
            maestro: None,
        }
    }

    /// Rank candidates by MAESTRO's numbers for `problem` on `hw` (the Default model still
    /// decides which candidates are valid).
    pub fn score_with(&mut self, problem: cost::Problem, hw: cost::Hardware) {
        self.maestro = Some((problem, hw));
    }

    pub fn used(&self) -> usize {
        self.used
    }

    pub fn remaining(&self) -> usize {
        self.budget.saturating_sub(self.used)
    }

    pub fn exhausted(&self) -> bool {
        self.used >= self.budget
    }

    /// Valid candidates evaluated so far.
    pub fn valid(&self) -> usize {
        self.valid
    }

    /// The best candidates so far, best first.
    pub fn top(&self) -> &[Scored] {
        &self.top
    }

    /// The best candidate of every cluster-level count that has one, best first.
    pub fn family_bests(&self) -> Vec<&Scored> {
        let mut v: Vec<&Scored> = self.family.iter().flatten().collect();
        v.sort_by(|a, b| a.cmp(b));
        v
    }

    pub fn best(&self) -> Option<(&Scored, &LayerMetrics)> {
        Some((self.top.first()?, self.best_metrics.as_ref()?))
    }

    /// Whether searched candidate `dirs` was already evaluated.
    pub fn seen(&self, dirs: &[ConcreteDirective]) -> bool {
        let mut d = dirs.to_vec();
        normalize(&mut d, &self.extents);
        self.cache.contains_key(&d)
    }

    /// Score `dirs`: `None` if invalid, or if new, searched and the budget is spent. Searched
    /// candidates are normalized first (`space::normalize`); seeds are scored as written.
    pub fn eval(&mut self, mut dirs: Vec<ConcreteDirective>, origin: Origin) -> Option<Score> {
        if origin == Origin::Searched {
            normalize(&mut dirs, &self.extents);
        }
        if let Some(s) = self.cache.get(&dirs) {
            return *s;
        }
        // Seeds (stdlib, existing dataflow) are scored even past the budget: they are what
        // makes the result never worse than them. Variants are limited by the caller.
        if self.exhausted() && origin == Origin::Searched {
            return None;
        }
        self.used += 1;
        let scored = score_directives(
            &mut self.problem,
            &self.hw,
            self.macs,
            self.objective,
            self.strict,
            &dirs,
        );
        let scored = match (&mut self.maestro, scored) {
            (Some((problem, hw)), Some(_)) => {
                // As emitted: MAESTRO needs a filter map beside every `Y'`/`X'` map.
                problem.directives = super::complete::with_filter_maps(&dirs, problem);
                cost::evaluate(problem, hw, Model::Maestro)
                    .ok()
                    .filter(|m| m.runtime_cycles > 0 && m.total_energy.is_finite())
                    .map(|m| (Score::of(&m, self.objective), m))
            }
            (_, scored) => scored,
        };
        let score = match scored {
            Some((score, m)) => {
                self.valid += 1;
                let entry = Scored {
                    score,
                    directives: dirs.clone(),
                    origin,
                };
                let is_best = self
                    .top
                    .first()
                    .is_none_or(|b| entry.cmp(b) == Ordering::Less);
                if is_best {
                    self.best_metrics = Some(m);
                }
                self.insert_top(entry);
                Some(score)
            }
            None => None,
        };
        self.cache.insert(dirs, score);
        score
    }

    fn insert_top(&mut self, entry: Scored) {
        let clusters = entry
            .directives
            .iter()
            .filter(|d| matches!(d, ConcreteDirective::Cluster { .. }))
            .count()
            .min(3);
        let slot = &mut self.family[clusters];
        if slot.as_ref().is_none_or(|b| entry.cmp(b) == Ordering::Less) {
            *slot = Some(entry.clone());
        }
        let at = self
            .top
            .iter()
            .position(|t| entry.cmp(t) == Ordering::Less)
            .unwrap_or(self.top.len());
        if at < self.keep {
            self.top.insert(at, entry);
            self.top.truncate(self.keep);
        }
    }
}

/// Evaluate `dirs` on `problem` (its directives are overwritten): the score and metrics, or
/// `None` if the model rejects it, its numbers are implausible for a layer of `macs` MACs, or,
/// with `strict`, its buffers overflow.
pub fn score_directives(
    problem: &mut cost::Problem,
    hw: &cost::Hardware,
    macs: u64,
    objective: Objective,
    strict: bool,
    dirs: &[ConcreteDirective],
) -> Option<(Score, LayerMetrics)> {
    problem.directives.clear();
    problem.directives.extend_from_slice(dirs);
    let m = cost::evaluate(problem, hw, Model::Default).ok()?;
    // The model's executed MAC count must be the loop nest's, and no mapping beats one MAC per PE lane
    // per cycle. Either failing means the model mis-analysed the nest (two spatial maps in one
    // level can make it drop work), so the candidate's numbers cannot be trusted.
    let capacity =
        i128::from(m.runtime_cycles) * i128::from(hw.num_pes) * i128::from(hw.simd_lanes);
    if u64::try_from(m.dense_macs).ok() != Some(macs) || capacity < i128::from(m.dense_macs) {
        return None;
    }
    if strict {
        let l1 = m.l1_size_req();
        let l2 = m.l2_size_req();
        if l1 > hw.l1_size || l2 > hw.l2_size {
            return None;
        }
    }
    Some((Score::of(&m, objective), m))
}

//! Tabular agents: Q-learning, SARSA and Expected SARSA with ε-greedy behaviour,
//! ε = 1/(episode + 1) as in the seed paper. The discount γ is its own parameter: the
//! paper's published Q-learning script passes the decaying ε where γ belongs, a bug not
//! copied here. Values start at 0 and greedy ties break at random (seeded).

use crate::environments::Environment;
use crate::util::Rng;

/// An environment with finitely many states; `state_index() == state_count()` once done.
pub trait TabularEnvironment: Environment {
    fn state_count(&self) -> usize;
    fn state_index(&self) -> usize;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentKind {
    Q,
    Sarsa,
    ExpectedSarsa,
}

impl AgentKind {
    pub const ALL: [AgentKind; 3] = [AgentKind::Q, AgentKind::Sarsa, AgentKind::ExpectedSarsa];

    pub fn name(self) -> &'static str {
        match self {
            AgentKind::Q => "q",
            AgentKind::Sarsa => "sarsa",
            AgentKind::ExpectedSarsa => "expected-sarsa",
        }
    }
}

/// How far a value moves towards its target.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepSize {
    /// 1/n on the n-th visit of the state-action pair: the value is the mean of its targets.
    SampleAverage,
    /// A fixed learning rate (the paper's 0.01).
    Constant(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct AgentConfig {
    pub kind: AgentKind,
    pub episodes: usize,
    pub step_size: StepSize,
    pub gamma: f64,
    pub seed: u64,
}

/// Action values and visit counts, state-major.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QTable {
    pub states: usize,
    pub actions: usize,
    pub values: Vec<f64>,
    pub visits: Vec<u32>,
}

impl QTable {
    pub fn new(states: usize, actions: usize) -> QTable {
        QTable {
            states,
            actions,
            values: vec![0.0; states * actions],
            visits: vec![0; states * actions],
        }
    }

    pub fn value(&self, s: usize, a: usize) -> f64 {
        self.values[s * self.actions + a]
    }

    fn row(&self, s: usize) -> &[f64] {
        &self.values[s * self.actions..(s + 1) * self.actions]
    }

    /// The actions of highest value in state `s`.
    pub fn best_actions(&self, s: usize) -> Vec<usize> {
        let row = self.row(s);
        let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (0..self.actions).filter(|&a| row[a] == max).collect()
    }

    /// A greedy action, ties broken at random.
    pub fn greedy(&self, s: usize, rng: &mut Rng) -> usize {
        let best = self.best_actions(s);
        best[rng.below(best.len())]
    }

    pub fn epsilon_greedy(&self, s: usize, epsilon: f64, rng: &mut Rng) -> usize {
        if rng.chance(epsilon) {
            rng.below(self.actions)
        } else {
            self.greedy(s, rng)
        }
    }

    /// The value of the next state the target bootstraps from: Q-learning its maximum,
    /// SARSA the action taken next, Expected SARSA the mean under the ε-greedy policy
    /// (greedy ties share the greedy mass). A terminal next state is worth 0.
    pub fn bootstrap(&self, kind: AgentKind, next: Option<(usize, usize)>, epsilon: f64) -> f64 {
        let Some((s, a_next)) = next else {
            return 0.0;
        };
        match kind {
            AgentKind::Q => self
                .row(s)
                .iter()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max),
            AgentKind::Sarsa => self.value(s, a_next),
            AgentKind::ExpectedSarsa => {
                let best = self.best_actions(s);
                let explore = epsilon / self.actions as f64;
                let exploit = (1.0 - epsilon) / best.len() as f64;
                (0..self.actions)
                    .map(|a| {
                        let p = explore + if best.contains(&a) { exploit } else { 0.0 };
                        p * self.value(s, a)
                    })
                    .sum()
            }
        }
    }

    /// Move `Q(s, a)` towards `target`; returns the step size used.
    pub fn update(&mut self, s: usize, a: usize, target: f64, step: StepSize) -> f64 {
        let i = s * self.actions + a;
        self.visits[i] += 1;
        let alpha = match step {
            StepSize::SampleAverage => 1.0 / f64::from(self.visits[i]),
            StepSize::Constant(alpha) => alpha,
        };
        self.values[i] += alpha * (target - self.values[i]);
        alpha
    }
}

/// One episode of the learning curve.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EpisodeRecord {
    pub episode: usize,
    pub epsilon: f64,
    /// The sum of the episode's rewards.
    pub episode_return: f64,
    pub actions: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Training {
    pub table: QTable,
    pub curve: Vec<EpisodeRecord>,
    /// The greedy action per state at the end (ties broken towards the lowest index).
    pub policy: Vec<usize>,
}

/// ε of an episode (counted from 0), the paper's schedule.
pub fn epsilon(episode: usize) -> f64 {
    1.0 / (episode as f64 + 1.0)
}

/// Train an agent for `cfg.episodes` episodes; deterministic per `cfg.seed`.
pub fn train(env: &mut dyn TabularEnvironment, cfg: &AgentConfig) -> Training {
    let mut rng = Rng::new(cfg.seed);
    let mut table = QTable::new(env.state_count(), env.action_count());
    let mut curve = Vec::with_capacity(cfg.episodes);
    for episode in 0..cfg.episodes {
        let eps = epsilon(episode);
        env.reset(&mut rng);
        let mut s = env.state_index();
        let mut a = table.epsilon_greedy(s, eps, &mut rng);
        let (mut total, mut actions) = (0.0, Vec::new());
        loop {
            let step = env.step(a);
            total += step.reward;
            actions.push(a);
            let next_state = env.state_index();
            let next = (!step.done() && next_state < table.states)
                .then(|| (next_state, table.epsilon_greedy(next_state, eps, &mut rng)));
            let target = step.reward + cfg.gamma * table.bootstrap(cfg.kind, next, eps);
            table.update(s, a, target, cfg.step_size);
            let Some((s2, a2)) = next else { break };
            (s, a) = (s2, a2);
        }
        curve.push(EpisodeRecord {
            episode,
            epsilon: eps,
            episode_return: total,
            actions,
        });
    }
    let policy = (0..table.states)
        .map(|s| table.best_actions(s)[0])
        .collect();
    Training {
        table,
        curve,
        policy,
    }
}

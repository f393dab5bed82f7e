//! The routing environment of the seed paper (arXiv 1908.04484), over our mesh simulator: the
//! state is the injection rate (one episode sweeps the rate grid upwards, one step per rate),
//! the action one of four routing algorithms, the reward minus the average packet latency of
//! one simulation at that rate with that routing. A saturated run has no meaningful average
//! (its measured packets never all arrive), so its latency counts as the whole measurement
//! window, `cycles`: worse than any run that delivers.

use crate::environments::{Environment, Step};
use crate::noc::sim::{self, config, patterns, Pipeline, Routing, SimConfig, SimStats, Traffic};
use crate::util::Rng;

use super::agents::TabularEnvironment;
use super::RlError;

/// The paper's four actions: XY, random oblivious (O1TURN: XY or YX per packet), the
/// west-first turn model oblivious and adaptive.
pub const ACTIONS: [Routing; 4] = [
    Routing::Xy,
    Routing::O1turn,
    Routing::WestFirst,
    Routing::WestFirstAdaptive,
];

/// Everything that fixes the environment's dynamics.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RoutingSetup {
    pub k: usize,
    pub traffic: Traffic,
    /// The states, increasing.
    pub rates: Vec<f64>,
    pub vcs: usize,
    pub pipeline: Pipeline,
    /// Measured cycles per step (a quarter more for warm-up).
    pub cycles: u64,
    pub seed: u64,
}

impl RoutingSetup {
    /// The paper's grid, 0.1 … 0.6 (all but the first state saturated on shuffle traffic).
    pub const PAPER_RATES: &'static str = "0.1:0.6:0.1";

    /// The simulator configuration of one step.
    pub fn sim_config(&self, state: usize, action: usize, seed: u64) -> SimConfig {
        let routing = ACTIONS[action.min(ACTIONS.len() - 1)];
        let rate = self.rates[state.min(self.rates.len() - 1)];
        SimConfig {
            vcs: self.vcs,
            pipeline: self.pipeline,
            cycles: self.cycles,
            seed,
            ..SimConfig::new(self.k, self.traffic, routing, rate)
        }
    }

    /// Every step this setup can run is a valid simulation.
    pub fn check(&self) -> Result<(), RlError> {
        for state in 0..self.rates.len() {
            for action in 0..ACTIONS.len() {
                config::check(&self.sim_config(state, action, 0))?;
            }
        }
        Ok(())
    }

    /// The latency a step's reward is minus: the average, or `cycles` when saturated.
    pub fn latency(&self, stats: &SimStats) -> f64 {
        if stats.saturated {
            self.cycles as f64
        } else {
            stats.avg_latency
        }
    }
}

/// A grid that straddles the traffic's saturation under XY: five steps from a fifth of the
/// channel-load bound `1 / max load` up to the bound (`0.05:0.25:0.04` for shuffle on 8×8).
pub fn default_rates(traffic: Traffic, k: usize) -> String {
    let bound = (1.0 / patterns::max_channel_load_xy(traffic, k)).min(1.0);
    let round = |x: f64| (x * 100.0).round() / 100.0;
    let start = round(bound / 5.0).max(0.01);
    let step = round(bound * 0.16).max(0.01);
    format!("{start}:{}:{step}", round(bound).max(start))
}

/// `START:STOP:STEP`, STOP included, every rate in (0, 1], at most 100 states (E0710).
pub fn parse_rates(text: &str) -> Result<Vec<f64>, RlError> {
    config::parse_sweep(text).map_err(|e| RlError {
        code: crate::diagnostics::Code::RlBadRates,
        message: e.message.replacen("`--sweep", "`--rates", 1),
        help: Some("for example `--rates 0.05:0.25:0.04` (STOP included)".into()),
    })
}

/// The environment: a position in the rate sweep and the seed of the episode.
pub struct RoutingEnv {
    setup: RoutingSetup,
    state: usize,
    episode_seed: u64,
    last: Option<SimStats>,
}

impl RoutingEnv {
    pub fn new(setup: RoutingSetup) -> Result<RoutingEnv, RlError> {
        setup.check()?;
        Ok(RoutingEnv {
            episode_seed: setup.seed,
            setup,
            state: 0,
            last: None,
        })
    }

    pub fn setup(&self) -> &RoutingSetup {
        &self.setup
    }

    /// The simulator's statistics of the last step (the step's `info`).
    pub fn last_stats(&self) -> Option<&SimStats> {
        self.last.as_ref()
    }

    /// The seed of the simulation the next step runs.
    pub fn step_seed(&self) -> u64 {
        self.episode_seed.wrapping_add(self.state as u64)
    }
}

impl Environment for RoutingEnv {
    fn observation_len(&self) -> usize {
        1
    }

    fn action_count(&self) -> usize {
        ACTIONS.len()
    }

    /// Back to the lowest rate; the episode's simulations get seeds drawn from `rng`.
    fn reset(&mut self, rng: &mut Rng) {
        self.state = 0;
        self.episode_seed = rng.next_u64();
        self.last = None;
    }

    /// The injection rate (after the last step, the last rate).
    fn observation(&self) -> Vec<f64> {
        vec![self.setup.rates[self.state.min(self.setup.rates.len() - 1)]]
    }

    fn state(&self) -> Vec<f64> {
        vec![self.state as f64]
    }

    fn step(&mut self, action: usize) -> Step {
        let cfg = self.setup.sim_config(self.state, action, self.step_seed());
        // `check` ran on every state and action in `new`, so the run cannot fail; a failure
        // would still end the episode with the worst reward rather than panic.
        let reward = match sim::run(&cfg) {
            Ok(stats) => {
                let r = -self.setup.latency(&stats);
                self.last = Some(stats);
                r
            }
            Err(_) => -(self.setup.cycles as f64),
        };
        self.state = (self.state + 1).min(self.setup.rates.len());
        Step {
            reward,
            terminated: self.state == self.setup.rates.len(),
            truncated: false,
        }
    }
}

impl TabularEnvironment for RoutingEnv {
    fn state_count(&self) -> usize {
        self.setup.rates.len()
    }

    fn state_index(&self) -> usize {
        self.state
    }
}

/// One step of a rollout: what the environment returned, and its info.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StepRecord {
    pub state: usize,
    pub rate: f64,
    pub action: &'static str,
    pub reward: f64,
    pub done: bool,
    pub info: Option<SimStats>,
}

/// Reset with a generator seeded by `setup.seed` and step `actions` (indices into `ACTIONS`)
/// in order, stopping at the end of the episode.
pub fn rollout(setup: &RoutingSetup, actions: &[usize]) -> Result<Vec<StepRecord>, RlError> {
    let mut env = RoutingEnv::new(setup.clone())?;
    env.reset(&mut Rng::new(setup.seed));
    let mut out = Vec::with_capacity(actions.len());
    for &action in actions.iter().take(setup.rates.len()) {
        let state = env.state_index();
        let step = env.step(action);
        out.push(StepRecord {
            state,
            rate: setup.rates[state],
            action: ACTIONS[action.min(ACTIONS.len() - 1)].name(),
            reward: step.reward,
            done: step.done(),
            info: env.last_stats().cloned(),
        });
    }
    Ok(out)
}

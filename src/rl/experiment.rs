//! One experiment: train an agent on the routing environment, run the oracle on the same
//! setup, and compare the greedy policy with it state by state.

use std::collections::BTreeMap;

use super::agents::{train, AgentConfig, EpisodeRecord, Training};
use super::env::{RoutingEnv, RoutingSetup, ACTIONS};
use super::oracle::{oracle, OracleState};
use super::RlError;

/// One state of the comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StateReport {
    pub rate: f64,
    pub learned: &'static str,
    pub oracle: &'static str,
    pub oracle_tie: bool,
    /// The oracle's mean latency of the learned routing and of its own choice.
    pub learned_latency: f64,
    pub oracle_latency: f64,
    /// The oracle's mean latency (saturated seeds count `cycles`) per routing.
    pub latency: BTreeMap<&'static str, f64>,
    pub half_width: BTreeMap<&'static str, f64>,
    pub saturated: BTreeMap<&'static str, bool>,
    /// How often training took each routing in this state.
    pub visits: BTreeMap<&'static str, u32>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LearnReport {
    pub setup: RoutingSetup,
    pub agent: AgentConfig,
    pub oracle_seeds: usize,
    pub states: Vec<StateReport>,
    /// States where the oracle has a best routing, and where the policy chose it.
    pub non_tied: usize,
    pub agreement: usize,
    /// Σ oracle latency / Σ latency of the greedy policy, and of XY everywhere (1 is the
    /// oracle's; a reward fraction, as rewards are minus latencies).
    pub reward_fraction: f64,
    pub xy_reward_fraction: f64,
    pub curve: Vec<EpisodeRecord>,
}

/// Train, run the oracle, compare.
pub fn learn(
    setup: &RoutingSetup,
    agent: &AgentConfig,
    oracle_seeds: usize,
) -> Result<LearnReport, RlError> {
    let mut env = RoutingEnv::new(setup.clone())?;
    let training = train(&mut env, agent);
    let judged = oracle(setup, oracle_seeds);
    Ok(compare(setup, agent, oracle_seeds, training, &judged))
}

fn compare(
    setup: &RoutingSetup,
    agent: &AgentConfig,
    oracle_seeds: usize,
    training: Training,
    judged: &[OracleState],
) -> LearnReport {
    let table = &training.table;
    let name = |a: usize| ACTIONS[a].name();
    let states: Vec<StateReport> = judged
        .iter()
        .zip(&training.policy)
        .enumerate()
        .map(|(s, (o, &learned))| StateReport {
            rate: o.rate,
            learned: name(learned),
            oracle: name(o.best),
            oracle_tie: o.tie,
            learned_latency: o.actions[learned].mean,
            oracle_latency: o.actions[o.best].mean,
            latency: (0..ACTIONS.len())
                .map(|a| (name(a), o.actions[a].mean))
                .collect(),
            half_width: (0..ACTIONS.len())
                .map(|a| (name(a), o.actions[a].half_width))
                .collect(),
            saturated: (0..ACTIONS.len())
                .map(|a| (name(a), o.actions[a].saturated))
                .collect(),
            visits: (0..ACTIONS.len())
                .map(|a| (name(a), table.visits[s * ACTIONS.len() + a]))
                .collect(),
        })
        .collect();
    let non_tied = states.iter().filter(|s| !s.oracle_tie).count();
    let agreement = states
        .iter()
        .filter(|s| !s.oracle_tie && s.learned == s.oracle)
        .count();
    let total = |f: &dyn Fn(&StateReport) -> f64| states.iter().map(f).sum::<f64>();
    let best = total(&|s| s.oracle_latency);
    let ratio = |x: f64| if x > 0.0 { best / x } else { 1.0 };
    LearnReport {
        setup: setup.clone(),
        agent: *agent,
        oracle_seeds,
        reward_fraction: ratio(total(&|s| s.learned_latency)),
        xy_reward_fraction: ratio(total(&|s| s.latency[name(0)])),
        non_tied,
        agreement,
        states,
        curve: training.curve,
    }
}

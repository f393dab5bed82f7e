//! The agents' updates against hand-computed values on a two-state toy environment, the
//! routing environment's determinism and reward, the oracle's tie rule, and bad rate grids.

use super::agents::{epsilon, QTable};
use super::env::{default_rates, parse_rates};
use super::oracle::{judge, mean_interval, ActionStats};
use super::*;
use crate::diagnostics::Code;
use crate::environments::{Environment, Step};
use crate::noc::sim::{self, Pipeline, Traffic};
use crate::util::Rng;

/// Two states, two actions, deterministic rewards `REWARDS[state][action]`; state 0 then 1.
struct Toy {
    state: usize,
}

const REWARDS: [[f64; 2]; 2] = [[-1.0, -3.0], [-5.0, -2.0]];

impl Environment for Toy {
    fn observation_len(&self) -> usize {
        1
    }
    fn action_count(&self) -> usize {
        2
    }
    fn reset(&mut self, _rng: &mut Rng) {
        self.state = 0;
    }
    fn observation(&self) -> Vec<f64> {
        vec![self.state as f64]
    }
    fn state(&self) -> Vec<f64> {
        self.observation()
    }
    fn step(&mut self, action: usize) -> Step {
        let reward = REWARDS[self.state][action.min(1)];
        self.state += 1;
        Step {
            reward,
            terminated: self.state == 2,
            truncated: false,
        }
    }
}

impl TabularEnvironment for Toy {
    fn state_count(&self) -> usize {
        2
    }
    fn state_index(&self) -> usize {
        self.state
    }
}

#[test]
fn bootstraps_match_hand_computed_values() {
    let mut t = QTable::new(2, 2);
    t.values = vec![0.0, 0.0, -4.0, -2.0];
    let next = Some((1, 0));
    assert_eq!(t.bootstrap(AgentKind::Q, next, 0.5), -2.0);
    assert_eq!(t.bootstrap(AgentKind::Sarsa, next, 0.5), -4.0);
    // ε-greedy with ε = 0.5 over two actions: 0.25 on action 0, 0.75 on the greedy action 1.
    assert_eq!(
        t.bootstrap(AgentKind::ExpectedSarsa, next, 0.5),
        0.25 * -4.0 + 0.75 * -2.0
    );
    // Greedy ties share the greedy mass: with ε = 0 and two equal maxima, the mean of both.
    t.values[2] = -2.0;
    assert_eq!(t.bootstrap(AgentKind::ExpectedSarsa, next, 0.0), -2.0);
    for kind in AgentKind::ALL {
        assert_eq!(t.bootstrap(kind, None, 0.5), 0.0, "a terminal next state");
    }
}

#[test]
fn updates_match_hand_computed_values() {
    let mut t = QTable::new(2, 2);
    // Constant step 0.5: 0 → −2 → −3.
    assert_eq!(t.update(0, 1, -4.0, StepSize::Constant(0.5)), 0.5);
    assert_eq!(t.value(0, 1), -2.0);
    t.update(0, 1, -4.0, StepSize::Constant(0.5));
    assert_eq!(t.value(0, 1), -3.0);
    // Sample average: the mean of the targets, −6 then (−6 − 3)/2.
    assert_eq!(t.update(1, 0, -6.0, StepSize::SampleAverage), 1.0);
    assert_eq!(t.update(1, 0, -3.0, StepSize::SampleAverage), 0.5);
    assert_eq!(t.value(1, 0), -4.5);
    assert_eq!(t.visits, vec![0, 2, 2, 0]);
    assert_eq!(epsilon(0), 1.0);
    assert_eq!(epsilon(3), 0.25);
}

/// Replays `train`'s own recorded actions through the update rules by hand.
fn replay_by_hand(cfg: &AgentConfig, training: &Training) -> QTable {
    let mut t = QTable::new(2, 2);
    for e in &training.curve {
        let (a0, a1) = (e.actions[0], e.actions[1]);
        let eps = e.epsilon;
        // The bootstrap of state 1 uses the table before the update of (0, a0).
        let boot = match cfg.kind {
            AgentKind::Q => t.value(1, 0).max(t.value(1, 1)),
            AgentKind::Sarsa => t.value(1, a1),
            AgentKind::ExpectedSarsa => t.bootstrap(AgentKind::ExpectedSarsa, Some((1, a1)), eps),
        };
        t.update(0, a0, REWARDS[0][a0] + cfg.gamma * boot, cfg.step_size);
        t.update(1, a1, REWARDS[1][a1], cfg.step_size);
    }
    t
}

#[test]
fn training_on_the_toy_follows_the_update_rules_and_learns_the_best_actions() {
    for kind in AgentKind::ALL {
        for (step_size, gamma) in [
            (StepSize::Constant(0.3), 0.9),
            (StepSize::SampleAverage, 0.0),
        ] {
            let cfg = AgentConfig {
                kind,
                episodes: 40,
                step_size,
                gamma,
                seed: 7,
            };
            let training = train(&mut Toy { state: 0 }, &cfg);
            assert_eq!(training.curve.len(), 40);
            let by_hand = replay_by_hand(&cfg, &training);
            assert_eq!(training.table, by_hand, "{kind:?} {step_size:?}");
            assert_eq!(training.policy, vec![0, 1], "{kind:?} {step_size:?}");
            assert_eq!(
                training,
                train(&mut Toy { state: 0 }, &cfg),
                "deterministic"
            );
        }
    }
}

fn small_setup() -> RoutingSetup {
    RoutingSetup {
        k: 4,
        traffic: Traffic::Shuffle,
        rates: vec![0.1, 0.3, 0.9],
        vcs: 2,
        pipeline: Pipeline::DEFAULT,
        cycles: 400,
        seed: 3,
    }
}

#[test]
fn the_reward_is_minus_the_simulated_latency_of_the_step() {
    let setup = small_setup();
    let mut env = RoutingEnv::new(setup.clone()).expect("valid");
    env.reset(&mut Rng::new(5));
    let mut saw_saturated = false;
    for (state, action) in [(0, 0), (1, 3), (2, 1)] {
        assert_eq!(env.observation(), vec![setup.rates[state]]);
        let seed = env.step_seed();
        let step = env.step(action);
        let stats = sim::run(&setup.sim_config(state, action, seed)).expect("valid");
        assert_eq!(env.last_stats(), Some(&stats));
        if stats.saturated {
            saw_saturated = true;
            assert_eq!(step.reward, -400.0, "a saturated step counts the window");
        } else {
            assert_eq!(step.reward, -stats.avg_latency);
        }
        assert_eq!(step.terminated, state == 2);
    }
    assert!(saw_saturated, "0.9 saturates a 4x4 shuffle");
}

#[test]
fn the_environment_is_deterministic_per_seed() {
    let rollout = |seed: u64| {
        let mut env = RoutingEnv::new(small_setup()).expect("valid");
        env.reset(&mut Rng::new(seed));
        (0..3).map(|a| env.step(a).reward).collect::<Vec<f64>>()
    };
    assert_eq!(rollout(1), rollout(1));
    assert_ne!(rollout(1), rollout(2));
}

#[test]
fn the_oracle_ties_overlapping_intervals_and_all_saturated_states() {
    let a = |mean: f64, half_width: f64, saturated: bool| ActionStats {
        mean,
        half_width,
        saturated,
    };
    assert_eq!(
        judge(&[a(10.0, 0.1, false), a(10.5, 0.1, false)]),
        (0, false)
    );
    assert_eq!(
        judge(&[a(10.4, 0.2, false), a(10.1, 0.2, false)]),
        (1, true)
    );
    assert_eq!(
        judge(&[a(400.0, 0.0, true), a(400.0, 0.0, true)]),
        (0, true)
    );
    assert_eq!(
        judge(&[a(400.0, 0.0, true), a(12.0, 0.5, false)]),
        (1, false)
    );
    // Saturated in some seeds: a wide interval, still worse than the unsaturated best.
    assert_eq!(
        judge(&[a(200.0, 300.0, true), a(12.0, 0.5, false)]),
        (1, false)
    );
    assert_eq!(
        judge(&[a(200.0, 300.0, true), a(300.0, 300.0, true)]),
        (0, true)
    );
    let (mean, half) = mean_interval(&[1.0, 2.0, 3.0]);
    assert_eq!(mean, 2.0);
    // t(2 dof) = 4.303, standard error 1/√3.
    assert!((half - 4.303 / 3f64.sqrt()).abs() < 1e-12);
}

#[test]
fn bad_rate_grids_are_coded_errors() {
    for bad in [
        "",
        "0.3:0.1:0.1",
        "0:0.5:0.1",
        "0.1:1.5:0.1",
        "0.1:0.5:0",
        "a:b:c",
        "0.1:0.5",
    ] {
        let e = parse_rates(bad).expect_err(bad);
        assert_eq!(e.code, Code::RlBadRates, "{bad}");
        assert!(e.message.starts_with("`--rates"), "{}", e.message);
    }
    assert_eq!(parse_rates("0.05:0.25:0.04").expect("valid").len(), 6);
    assert_eq!(default_rates(Traffic::Shuffle, 8), "0.05:0.25:0.04");
}

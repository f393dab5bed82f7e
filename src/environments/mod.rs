//! Environments an agent acts in, step by step: the interface shared by the NEAT trainer and
//! later learning agents, XOR as a one-shot task, and three classic-control tasks with
//! Gymnasium's published dynamics (CartPole-v1, MountainCar-v0, Acrobot-v1) in f64 and in the
//! same operation order, so a replayed action sequence reproduces Gymnasium's states bit for
//! bit. `replay` runs an action sequence from a given internal state (`dfc env replay`).

mod acrobot;
mod cartpole;
mod mountain_car;
pub mod replay;

pub use acrobot::Acrobot;
pub use cartpole::CartPole;
pub use mountain_car::MountainCar;

use crate::util::Rng;

/// What one step returned: the reward and whether the episode ended by the task's own rule
/// (`terminated`) or by the step cap (`truncated`). Both can be true on the last step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub reward: f64,
    pub terminated: bool,
    pub truncated: bool,
}

impl Step {
    pub fn done(self) -> bool {
        self.terminated || self.truncated
    }
}

/// An episodic task with discrete actions. `reset` draws an initial state from `rng`;
/// `observation` is what an agent sees, `state` the internal f64 state the dynamics use.
pub trait Environment: Send {
    /// Length of `observation()`.
    fn observation_len(&self) -> usize;
    /// Actions are `0..action_count()`.
    fn action_count(&self) -> usize;
    fn reset(&mut self, rng: &mut Rng);
    fn observation(&self) -> Vec<f64>;
    /// The internal state the dynamics step (for replays and recordings).
    fn state(&self) -> Vec<f64>;
    /// Apply `action` (callers keep it below `action_count()`; larger ones act as the last).
    fn step(&mut self, action: usize) -> Step;
}

/// The classic-control tasks, by the names the command line uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    CartPole,
    MountainCar,
    Acrobot,
}

impl Control {
    pub const ALL: [Control; 3] = [Control::CartPole, Control::MountainCar, Control::Acrobot];

    pub fn name(self) -> &'static str {
        match self {
            Control::CartPole => "cartpole",
            Control::MountainCar => "mountaincar",
            Control::Acrobot => "acrobot",
        }
    }

    /// Gymnasium's id of the task.
    pub fn gym_id(self) -> &'static str {
        match self {
            Control::CartPole => "CartPole-v1",
            Control::MountainCar => "MountainCar-v0",
            Control::Acrobot => "Acrobot-v1",
        }
    }

    /// Names of the internal state's values, in order.
    pub fn state_names(self) -> &'static [&'static str] {
        match self {
            Control::CartPole => &["x", "x_dot", "theta", "theta_dot"],
            Control::MountainCar => &["position", "velocity"],
            Control::Acrobot => &["theta1", "theta2", "dtheta1", "dtheta2"],
        }
    }

    pub fn action_count(self) -> usize {
        match self {
            Control::CartPole => 2,
            Control::MountainCar | Control::Acrobot => 3,
        }
    }

    /// The step cap of Gymnasium's registration (its `TimeLimit`).
    pub fn max_steps(self) -> u32 {
        match self {
            Control::CartPole | Control::Acrobot => 500,
            Control::MountainCar => 200,
        }
    }

    /// A fresh environment in its reset state drawn from `rng`.
    pub fn make(self, rng: &mut Rng) -> Box<dyn Environment> {
        let mut env = self.with_state(&[]);
        env.reset(rng);
        env
    }

    /// The environment with its internal state set to `state` (missing values are 0) and its
    /// step counter at 0.
    pub fn with_state(self, state: &[f64]) -> Box<dyn Environment> {
        let at = |i: usize| state.get(i).copied().unwrap_or(0.0);
        match self {
            Control::CartPole => Box::new(CartPole::new([at(0), at(1), at(2), at(3)])),
            Control::MountainCar => Box::new(MountainCar::new([at(0), at(1)])),
            Control::Acrobot => Box::new(Acrobot::new([at(0), at(1), at(2), at(3)])),
        }
    }
}

/// Counts steps against a cap the way Gymnasium's `TimeLimit` does: truncated once the
/// step count reaches the cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimeLimit {
    pub steps: u32,
    pub cap: u32,
}

impl TimeLimit {
    pub fn tick(&mut self) -> bool {
        self.steps += 1;
        self.steps >= self.cap
    }
}

/// XOR as a task: the four input pairs, the expected outputs, and neat-python's fitness
/// (4 minus the summed squared error), with the solved threshold of its example (3.9).
pub mod xor {
    pub const INPUTS: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    pub const OUTPUTS: [f64; 4] = [0.0, 1.0, 1.0, 0.0];
    pub const SOLVED: f64 = 3.9;

    /// `4 - Σ (output - expected)²`, summed in input order as neat-python's example does.
    pub fn fitness(mut network: impl FnMut(&[f64]) -> f64) -> f64 {
        let mut fitness = 4.0;
        for (input, expected) in INPUTS.iter().zip(OUTPUTS) {
            let output = network(input);
            fitness -= (output - expected).powf(2.0);
        }
        fitness
    }
}

#[cfg(test)]
mod tests;

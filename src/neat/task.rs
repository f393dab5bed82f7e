//! What a network is evolved for: XOR or a classic-control environment. Fitness is XOR's
//! `4 − Σ err²`, or an environment's mean episode return over a few episodes whose initial
//! states depend only on the run's seed and the generation, so every genome of a generation
//! meets the same episodes and the result does not depend on threads.

use super::network::Network;
use crate::environments::{xor, Control};
use crate::util::{stable_hash, Rng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Xor,
    Control(Control),
}

impl Task {
    pub const ALL: [Task; 4] = [
        Task::Xor,
        Task::Control(Control::CartPole),
        Task::Control(Control::MountainCar),
        Task::Control(Control::Acrobot),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Task::Xor => "xor",
            Task::Control(c) => c.name(),
        }
    }

    /// Network inputs: XOR's two bits or the environment's observation.
    pub fn inputs(self) -> usize {
        match self {
            Task::Xor => 2,
            Task::Control(c) => c.with_state(&[]).observation_len(),
        }
    }

    /// Output counts the task accepts: one output, or one per action (argmax); a two-action
    /// task also takes one output thresholded at 0.5.
    pub fn accepts_outputs(self, outputs: usize) -> bool {
        match self {
            Task::Xor => outputs == 1,
            Task::Control(c) => {
                outputs == c.action_count() || (c.action_count() == 2 && outputs == 1)
            }
        }
    }

    pub fn default_outputs(self) -> usize {
        match self {
            Task::Xor => 1,
            Task::Control(c) => c.action_count(),
        }
    }

    /// The solved threshold: XOR's 3.9 from neat-python's example, Gymnasium's reward
    /// thresholds for the environments (CartPole-v1 475, MountainCar-v0 −110, Acrobot-v1 −100).
    pub fn threshold(self) -> f64 {
        match self {
            Task::Xor => xor::SOLVED,
            Task::Control(Control::CartPole) => 475.0,
            Task::Control(Control::MountainCar) => -110.0,
            Task::Control(Control::Acrobot) => -100.0,
        }
    }
}

/// Choose an action from the network's outputs.
fn action(outputs: &[f64], actions: usize) -> usize {
    if outputs.len() == 1 && actions == 2 {
        return usize::from(outputs[0] > 0.5);
    }
    let mut best = 0;
    for (i, v) in outputs.iter().enumerate() {
        if *v > outputs[best] {
            best = i;
        }
    }
    best
}

/// One episode's return.
pub fn episode_return(net: &Network, control: Control, rng: &mut Rng) -> f64 {
    let mut env = control.make(rng);
    let mut total = 0.0;
    loop {
        let outputs = net.activate(&env.observation());
        let step = env.step(action(&outputs, control.action_count()));
        total += step.reward;
        if step.done() {
            return total;
        }
    }
}

/// The generator for episode `episode` of generation `generation` of a run seeded `seed`.
pub fn episode_rng(seed: u64, generation: u32, episode: u32) -> Rng {
    let mut bytes = seed.to_le_bytes().to_vec();
    bytes.extend(generation.to_le_bytes());
    bytes.extend(episode.to_le_bytes());
    Rng::new(stable_hash(bytes))
}

/// The fitness of `net` on `task` in a generation.
pub fn fitness(net: &Network, task: Task, seed: u64, generation: u32, episodes: u32) -> f64 {
    match task {
        Task::Xor => xor::fitness(|input| net.activate(input)[0]),
        Task::Control(control) => {
            let total: f64 = (0..episodes)
                .map(|e| episode_return(net, control, &mut episode_rng(seed, generation, e)))
                .sum();
            total / f64::from(episodes.max(1))
        }
    }
}

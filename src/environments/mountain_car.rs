//! MountainCar-v0: Gymnasium's under-powered car in a valley, terminated at the flag
//! (position ≥ 0.5 moving right), truncated at 200 steps; reward −1 on every step.

use super::{Environment, Step, TimeLimit};
use crate::util::Rng;

const MIN_POSITION: f64 = -1.2;
const MAX_POSITION: f64 = 0.6;
const MAX_SPEED: f64 = 0.07;
const GOAL_POSITION: f64 = 0.5;
const GOAL_VELOCITY: f64 = 0.0;
const FORCE: f64 = 0.001;
const GRAVITY: f64 = 0.0025;

#[derive(Debug, Clone)]
pub struct MountainCar {
    /// `position, velocity`.
    pub state: [f64; 2],
    limit: TimeLimit,
}

impl MountainCar {
    pub fn new(state: [f64; 2]) -> MountainCar {
        MountainCar {
            state,
            limit: TimeLimit { steps: 0, cap: 200 },
        }
    }
}

/// numpy's `clip` for finite values: `min(max(v, lo), hi)`.
fn clip(v: f64, lo: f64, hi: f64) -> f64 {
    let v = if v < lo { lo } else { v };
    if v > hi {
        hi
    } else {
        v
    }
}

impl Environment for MountainCar {
    fn observation_len(&self) -> usize {
        2
    }

    fn action_count(&self) -> usize {
        3
    }

    fn reset(&mut self, rng: &mut Rng) {
        self.state = [rng.range(-0.6, -0.4), 0.0];
        self.limit.steps = 0;
    }

    fn observation(&self) -> Vec<f64> {
        self.state.to_vec()
    }

    fn state(&self) -> Vec<f64> {
        self.state.to_vec()
    }

    fn step(&mut self, action: usize) -> Step {
        let [mut position, mut velocity] = self.state;
        let push = (action.min(2) as f64 - 1.0) * FORCE;
        velocity += push + (3.0 * position).cos() * (-GRAVITY);
        velocity = clip(velocity, -MAX_SPEED, MAX_SPEED);
        position += velocity;
        position = clip(position, MIN_POSITION, MAX_POSITION);
        if position == MIN_POSITION && velocity < 0.0 {
            velocity = 0.0;
        }
        self.state = [position, velocity];
        Step {
            reward: -1.0,
            terminated: position >= GOAL_POSITION && velocity >= GOAL_VELOCITY,
            truncated: self.limit.tick(),
        }
    }
}

//! CartPole-v1: Gymnasium's cart-pole with Euler integration, terminated when the pole
//! passes 12° or the cart leaves ±2.4, truncated at 500 steps; reward 1 on every step.

use super::{Environment, Step, TimeLimit};
use crate::util::Rng;

const GRAVITY: f64 = 9.8;
const MASS_CART: f64 = 1.0;
const MASS_POLE: f64 = 0.1;
const TOTAL_MASS: f64 = MASS_POLE + MASS_CART;
/// Half the pole's length.
const LENGTH: f64 = 0.5;
const POLE_MASS_LENGTH: f64 = MASS_POLE * LENGTH;
const FORCE_MAG: f64 = 10.0;
const TAU: f64 = 0.02;
const X_THRESHOLD: f64 = 2.4;

fn theta_threshold() -> f64 {
    // Gymnasium writes `12 * 2 * math.pi / 360`; the same order gives the same bits.
    12.0 * 2.0 * std::f64::consts::PI / 360.0
}

#[derive(Debug, Clone)]
pub struct CartPole {
    /// `x, x_dot, theta, theta_dot`.
    pub state: [f64; 4],
    limit: TimeLimit,
}

impl CartPole {
    pub fn new(state: [f64; 4]) -> CartPole {
        CartPole {
            state,
            limit: TimeLimit { steps: 0, cap: 500 },
        }
    }
}

impl Environment for CartPole {
    fn observation_len(&self) -> usize {
        4
    }

    fn action_count(&self) -> usize {
        2
    }

    fn reset(&mut self, rng: &mut Rng) {
        for v in &mut self.state {
            *v = rng.range(-0.05, 0.05);
        }
        self.limit.steps = 0;
    }

    fn observation(&self) -> Vec<f64> {
        self.state.to_vec()
    }

    fn state(&self) -> Vec<f64> {
        self.state.to_vec()
    }

    fn step(&mut self, action: usize) -> Step {
        let [mut x, mut x_dot, mut theta, mut theta_dot] = self.state;
        let force = if action == 1 { FORCE_MAG } else { -FORCE_MAG };
        let costheta = theta.cos();
        let sintheta = theta.sin();
        let temp = (force + POLE_MASS_LENGTH * (theta_dot * theta_dot) * sintheta) / TOTAL_MASS;
        let thetaacc = (GRAVITY * sintheta - costheta * temp)
            / (LENGTH * (4.0 / 3.0 - MASS_POLE * (costheta * costheta) / TOTAL_MASS));
        let xacc = temp - POLE_MASS_LENGTH * thetaacc * costheta / TOTAL_MASS;
        x += TAU * x_dot;
        x_dot += TAU * xacc;
        theta += TAU * theta_dot;
        theta_dot += TAU * thetaacc;
        self.state = [x, x_dot, theta, theta_dot];
        let limit = theta_threshold();
        // Gymnasium's comparisons as written (a NaN state does not terminate).
        #[allow(clippy::manual_range_contains)]
        let terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -limit || theta > limit;
        Step {
            reward: 1.0,
            terminated,
            truncated: self.limit.tick(),
        }
    }
}

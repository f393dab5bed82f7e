//! Acrobot-v1: Gymnasium's two-link pendulum ("book" dynamics, RK4 over one 0.2 s step,
//! torques −1, 0, 1), terminated when the tip rises one link length above the pivot,
//! truncated at 500 steps; reward −1 per step, 0 on the terminating one. The agent sees
//! `cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2`; the internal state is `θ1, θ2, θ̇1, θ̇2`.

use std::f64::consts::PI;

use super::{Environment, Step, TimeLimit};
use crate::util::Rng;

const DT: f64 = 0.2;
const LINK_LENGTH_1: f64 = 1.0;
const LINK_MASS_1: f64 = 1.0;
const LINK_MASS_2: f64 = 1.0;
const LINK_COM_POS_1: f64 = 0.5;
const LINK_COM_POS_2: f64 = 0.5;
const LINK_MOI: f64 = 1.0;
const TORQUES: [f64; 3] = [-1.0, 0.0, 1.0];

#[derive(Debug, Clone)]
pub struct Acrobot {
    /// `theta1, theta2, dtheta1, dtheta2`.
    pub state: [f64; 4],
    limit: TimeLimit,
}

impl Acrobot {
    pub fn new(state: [f64; 4]) -> Acrobot {
        Acrobot {
            state,
            limit: TimeLimit { steps: 0, cap: 500 },
        }
    }
}

/// The state derivative; the fifth value (the torque) is constant over the step. Squares are
/// `powf(2.0)` because Gymnasium's `x**2` is the C library's `pow`, which can round differently
/// from `x * x`.
fn derivatives(s: [f64; 5]) -> [f64; 5] {
    let (m1, m2, l1) = (LINK_MASS_1, LINK_MASS_2, LINK_LENGTH_1);
    let (lc1, lc2) = (LINK_COM_POS_1, LINK_COM_POS_2);
    let (i1, i2) = (LINK_MOI, LINK_MOI);
    let g = 9.8;
    let a = s[4];
    let [theta1, theta2, dtheta1, dtheta2] = [s[0], s[1], s[2], s[3]];
    let d1 = m1 * lc1.powf(2.0)
        + m2 * (l1.powf(2.0) + lc2.powf(2.0) + 2.0 * l1 * lc2 * theta2.cos())
        + i1
        + i2;
    let d2 = m2 * (lc2.powf(2.0) + l1 * lc2 * theta2.cos()) + i2;
    let phi2 = m2 * lc2 * g * (theta1 + theta2 - PI / 2.0).cos();
    let phi1 = -m2 * l1 * lc2 * dtheta2.powf(2.0) * theta2.sin()
        - 2.0 * m2 * l1 * lc2 * dtheta2 * dtheta1 * theta2.sin()
        + (m1 * lc1 + m2 * l1) * g * (theta1 - PI / 2.0).cos()
        + phi2;
    let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1.powf(2.0) * theta2.sin() - phi2)
        / (m2 * lc2.powf(2.0) + i2 - d2.powf(2.0) / d1);
    let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0]
}

/// `y + h * k`, elementwise.
fn offset(y: [f64; 5], h: f64, k: [f64; 5]) -> [f64; 5] {
    std::array::from_fn(|i| y[i] + h * k[i])
}

/// One classical Runge–Kutta step of length `DT`, with Gymnasium's grouping of the sums.
fn rk4(y0: [f64; 5]) -> [f64; 4] {
    let dt = DT - 0.0;
    let dt2 = dt / 2.0;
    let k1 = derivatives(y0);
    let k2 = derivatives(offset(y0, dt2, k1));
    let k3 = derivatives(offset(y0, dt2, k2));
    let k4 = derivatives(offset(y0, dt, k3));
    std::array::from_fn(|i| y0[i] + dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]))
}

/// Wrap into `[lo, hi]` by whole turns, as Gymnasium's `wrap` does.
fn wrap(mut x: f64, lo: f64, hi: f64) -> f64 {
    let diff = hi - lo;
    // Far outside (only from a replayed initial state) the loops would run for ages: reduce
    // first. Gymnasium never gets here from its own resets.
    if (x - hi) / diff > 1e6 || (lo - x) / diff > 1e6 {
        x = lo + (x - lo).rem_euclid(diff);
    }
    while x > hi {
        x -= diff;
    }
    while x < lo {
        x += diff;
    }
    x
}

/// Python's `min(max(x, lo), hi)`.
fn bound(x: f64, lo: f64, hi: f64) -> f64 {
    let x = if lo > x { lo } else { x };
    if hi < x {
        hi
    } else {
        x
    }
}

impl Environment for Acrobot {
    fn observation_len(&self) -> usize {
        6
    }

    fn action_count(&self) -> usize {
        3
    }

    fn reset(&mut self, rng: &mut Rng) {
        for v in &mut self.state {
            *v = rng.range(-0.1, 0.1);
        }
        self.limit.steps = 0;
    }

    fn observation(&self) -> Vec<f64> {
        let [t1, t2, d1, d2] = self.state;
        vec![t1.cos(), t1.sin(), t2.cos(), t2.sin(), d1, d2]
    }

    fn state(&self) -> Vec<f64> {
        self.state.to_vec()
    }

    fn step(&mut self, action: usize) -> Step {
        let torque = TORQUES[action.min(2)];
        let [t1, t2, d1, d2] = self.state;
        // Non-finite values would never leave `wrap`'s loops.
        let ns = rk4([t1, t2, d1, d2, torque]).map(|v| if v.is_finite() { v } else { 0.0 });
        self.state = [
            wrap(ns[0], -PI, PI),
            wrap(ns[1], -PI, PI),
            bound(ns[2], -4.0 * PI, 4.0 * PI),
            bound(ns[3], -9.0 * PI, 9.0 * PI),
        ];
        let [t1, t2, _, _] = self.state;
        let terminated = -t1.cos() - (t2 + t1).cos() > 1.0;
        Step {
            reward: if terminated { 0.0 } else { -1.0 },
            terminated,
            truncated: self.limit.tick(),
        }
    }
}

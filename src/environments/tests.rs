//! Exact replays of recorded Gymnasium episodes (`tests/neat/*.csv`, made by
//! `tests/neat/record_gymnasium.py`) and each task's termination and truncation rules.

use super::replay::{parse_actions, parse_state, render_csv, replay, Row};
use super::*;
use crate::diagnostics::Code;
use crate::source::FileId;

const RECORDINGS: &[(Control, &str, usize)] = &[
    (
        Control::CartPole,
        include_str!("../../tests/neat/cartpole_random_seed1.csv"),
        72,
    ),
    (
        Control::CartPole,
        include_str!("../../tests/neat/cartpole_random_seed2.csv"),
        13,
    ),
    (
        Control::CartPole,
        include_str!("../../tests/neat/cartpole_balance_seed3.csv"),
        500,
    ),
    (
        Control::MountainCar,
        include_str!("../../tests/neat/mountaincar_random_seed1.csv"),
        200,
    ),
    (
        Control::MountainCar,
        include_str!("../../tests/neat/mountaincar_pump_seed2.csv"),
        116,
    ),
    (
        Control::Acrobot,
        include_str!("../../tests/neat/acrobot_random_seed1.csv"),
        500,
    ),
    (
        Control::Acrobot,
        include_str!("../../tests/neat/acrobot_pump_seed2.csv"),
        65,
    ),
];

/// Parse a replay CSV back into rows (floats by value, so the two printers may differ).
fn parse_rows(text: &str) -> Vec<Row> {
    text.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let n = f.len();
            Row {
                step: f[0].parse().unwrap(),
                action: f[1].parse().ok(),
                state: f[2..n - 3].iter().map(|v| v.parse().unwrap()).collect(),
                reward: f[n - 3].parse().unwrap(),
                terminated: f[n - 2] == "1",
                truncated: f[n - 1] == "1",
            }
        })
        .collect()
}

/// A row with its floats as bits.
type RowBits = (u32, Option<usize>, Vec<u64>, u64, bool, bool);

fn bits(rows: &[Row]) -> Vec<RowBits> {
    rows.iter()
        .map(|r| {
            let state = r.state.iter().map(|v| v.to_bits()).collect();
            (
                r.step,
                r.action,
                state,
                r.reward.to_bits(),
                r.terminated,
                r.truncated,
            )
        })
        .collect()
}

#[test]
fn replays_equal_gymnasium_bit_for_bit() {
    for (control, csv, steps) in RECORDINGS {
        let recorded = parse_rows(csv);
        assert_eq!(recorded.len(), steps + 1);
        let actions: Vec<usize> = recorded.iter().filter_map(|r| r.action).collect();
        let ours = replay(*control, &recorded[0].state, &actions);
        let (ours_bits, recorded_bits) = (bits(&ours), bits(&recorded));
        let first_difference = ours_bits
            .iter()
            .zip(&recorded_bits)
            .position(|(a, b)| a != b);
        assert_eq!(first_difference, None, "{}", control.gym_id());
        assert_eq!(ours_bits.len(), recorded_bits.len(), "{}", control.gym_id());
        // Our own CSV parses back to the same bits.
        assert_eq!(
            bits(&parse_rows(&render_csv(*control, &ours))),
            bits(&recorded)
        );
    }
}

#[test]
fn the_recordings_cover_termination_and_truncation() {
    let ends: Vec<(bool, bool)> = RECORDINGS
        .iter()
        .map(|(_, csv, _)| {
            let last = parse_rows(csv).pop().unwrap();
            (last.terminated, last.truncated)
        })
        .collect();
    let expected = [
        (true, false),
        (true, false),
        (false, true),
        (false, true),
        (true, false),
        (false, true),
        (true, false),
    ];
    assert_eq!(ends, expected);
}

#[test]
fn cartpole_terminates_past_the_angle_and_position_limits() {
    let mut env = CartPole::new([0.0, 0.0, 0.2094, 10.0]);
    let step = env.step(1);
    assert!(step.terminated && !step.truncated);
    assert_eq!(step.reward, 1.0);
    let mut env = CartPole::new([2.39, 1.0, 0.0, 0.0]);
    assert!(env.step(1).terminated);
    let mut env = CartPole::new([0.0; 4]);
    assert!(!env.step(1).terminated);
}

#[test]
fn each_task_truncates_at_its_cap_and_not_before() {
    for control in Control::ALL {
        // Episodes that stay alive: the cart balanced by a simple controller, the car at rest
        // doing nothing, the acrobot hanging still.
        let mut env = control.with_state(&[]);
        let cap = control.max_steps();
        for k in 1..=cap {
            let action = match control {
                Control::CartPole => {
                    let [x, x_dot, theta, theta_dot] = env.state()[..] else {
                        unreachable!()
                    };
                    usize::from(theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0.0)
                }
                _ => 1,
            };
            let step = env.step(action);
            assert!(!step.terminated, "{} step {k}", control.gym_id());
            assert_eq!(step.truncated, k == cap, "{} step {k}", control.gym_id());
        }
    }
}

#[test]
fn mountain_car_stops_at_the_left_wall_and_terminates_at_the_flag() {
    let mut env = MountainCar::new([-1.2, -0.05]);
    let step = env.step(0);
    assert_eq!(env.state, [-1.2, 0.0]);
    assert_eq!(step.reward, -1.0);
    let mut env = MountainCar::new([0.49, 0.02]);
    assert!(env.step(2).terminated);
    let mut env = MountainCar::new([0.55, -0.01]);
    assert!(
        !env.step(0).terminated,
        "moving left at the flag is not a finish"
    );
}

#[test]
fn acrobot_terminates_with_the_tip_high_and_rewards_zero_then() {
    let mut env = Acrobot::new([std::f64::consts::PI - 0.01, 0.0, 0.0, 0.0]);
    let step = env.step(1);
    assert!(step.terminated);
    assert_eq!(step.reward, 0.0);
    let mut env = Acrobot::new([0.0; 4]);
    assert_eq!(env.step(1).reward, -1.0);
    // A huge replayed angle neither hangs nor leaves [-π, π].
    let mut env = Acrobot::new([1e300, -1e300, 1e300, -1e300]);
    env.step(0);
    assert!(env.state[..2]
        .iter()
        .all(|t| t.abs() <= std::f64::consts::PI));
}

#[test]
fn replay_stops_at_the_end_of_the_episode() {
    let rows = replay(Control::CartPole, &[0.0, 0.0, 0.2, 2.0], &[1, 1, 1, 1, 1]);
    assert_eq!(rows.len(), 2);
    assert!(rows[1].terminated);
}

#[test]
fn bad_states_and_actions_get_coded_errors_on_their_text() {
    let file = FileId(0);
    let e = parse_state(Control::CartPole, file, "0.1,0.2,0.3").unwrap_err();
    assert_eq!(e.code, Code::ReplayState);
    assert_eq!(e.primary_span().unwrap().range(), 0..11);
    let e = parse_state(Control::MountainCar, file, "0.1,abc").unwrap_err();
    assert_eq!(e.code, Code::ReplayState);
    assert_eq!(e.primary_span().unwrap().range(), 4..7);
    assert!(parse_state(Control::MountainCar, file, "0.1,inf").is_err());
    assert_eq!(
        parse_state(Control::MountainCar, file, "-0.5, 0").unwrap(),
        vec![-0.5, 0.0]
    );

    let e = parse_actions(Control::CartPole, file, "0\n1\n2\n").unwrap_err();
    assert_eq!(e.code, Code::ActionOutOfRange);
    assert_eq!(e.primary_span().unwrap().range(), 4..5);
    let e = parse_actions(Control::Acrobot, file, "0\n\n 1x\n").unwrap_err();
    assert_eq!(e.code, Code::MalformedActions);
    assert_eq!(e.primary_span().unwrap().range(), 4..6);
    let e = parse_actions(Control::Acrobot, file, "-1\n").unwrap_err();
    assert_eq!(e.code, Code::ActionOutOfRange);
    assert_eq!(
        parse_actions(Control::Acrobot, file, "0\r\n2\n\n1").unwrap(),
        vec![0, 2, 1]
    );
}

#[test]
fn xor_fitness_is_four_minus_squared_error() {
    assert_eq!(xor::fitness(|i| if i[0] != i[1] { 1.0 } else { 0.0 }), 4.0);
    assert_eq!(xor::fitness(|_| 0.5), 3.0);
}

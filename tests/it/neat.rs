//! `dfc env replay` against recorded Gymnasium episodes (`tests/neat/*.csv`) and its coded
//! errors; `dfc evolve` end to end.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common;

fn dfc(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dfc"));
    cmd.args(["--color", "never"])
        .args(args)
        .current_dir(common::root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("dfc runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("dfc finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every cell of a CSV, floats by their bits (the two printers may spell a float differently).
fn cells(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|line| {
            line.split(',')
                .map(|cell| match cell.parse::<f64>() {
                    Ok(v) if cell.contains('.') || cell.contains('e') => {
                        format!("{:x}", v.to_bits())
                    }
                    _ => cell.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn env_replay_prints_gymnasium_s_trajectories() {
    let recordings = [
        ("cartpole", "cartpole_random_seed1.csv"),
        ("cartpole", "cartpole_balance_seed3.csv"),
        ("mountaincar", "mountaincar_pump_seed2.csv"),
        ("acrobot", "acrobot_random_seed1.csv"),
        ("acrobot", "acrobot_pump_seed2.csv"),
    ];
    for (env, file) in recordings {
        let recorded = std::fs::read_to_string(common::root().join("tests/neat").join(file))
            .expect("recording");
        let rows: Vec<Vec<&str>> = recorded
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let n = rows[0].len();
        let state = rows[0][2..n - 3].join(",");
        let actions: String = rows[1..].iter().map(|r| format!("{}\n", r[1])).collect();
        let out = dfc(
            &[
                "env",
                "replay",
                "--env",
                env,
                "--initial-state",
                &state,
                "--actions",
                "-",
            ],
            Some(&actions),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(cells(&text(&out.stdout)), cells(&recorded), "{file}");
    }
}

#[test]
fn env_replay_errors_are_coded_with_their_line() {
    let cases: [(&str, &str, &str, &str); 4] = [
        ("cartpole", "0,0,0", "0\n", "E0802"),
        ("cartpole", "0,0,0,0", "0\n1\n2\n", "E0803"),
        ("acrobot", "0,0,0,0", "0\nleft\n", "E0804"),
        ("mountaincar", "0,x", "0\n", "E0802"),
    ];
    for (env, state, actions, code) in cases {
        let args = [
            "--diagnostic-format",
            "short",
            "env",
            "replay",
            "--env",
            env,
            "--initial-state",
            state,
            "--actions",
            "-",
        ];
        let out = dfc(&args, Some(actions));
        assert_eq!(out.status.code(), Some(1), "{code}");
        let err = text(&out.stderr);
        assert!(err.contains(&format!("error[{code}]")), "{err}");
        assert!(out.stdout.is_empty());
    }
    let out = dfc(
        &[
            "--diagnostic-format",
            "short",
            "env",
            "replay",
            "--env",
            "cartpole",
            "--initial-state",
            "0,0,0,0",
            "--actions",
            "-",
        ],
        Some("1\n1\n7\n"),
    );
    assert!(
        text(&out.stderr).starts_with("<stdin>:3:1: error[E0803]"),
        "{}",
        text(&out.stderr)
    );
    let missing = dfc(
        &[
            "env",
            "replay",
            "--env",
            "cartpole",
            "--initial-state",
            "0,0,0,0",
            "--actions",
            "no/such/file",
        ],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    let unknown = dfc(
        &[
            "env",
            "replay",
            "--env",
            "pong",
            "--initial-state",
            "0",
            "--actions",
            "-",
        ],
        None,
    );
    assert_eq!(unknown.status.code(), Some(2));
}

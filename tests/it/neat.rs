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
        // A command that stops at an earlier error (a bad `--initial-state`) may exit before
        // reading its input: the pipe is then closed, which is not the test's failure.
        if let Err(e) = pipe.write_all(input.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
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

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn evolve_solves_xor_and_reports_json() {
    let out = dfc(
        &["evolve", "--env", "xor", "--seed", "1", "--format", "json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(v["solved"], true);
    assert_eq!(v["generations"], 41);
    assert_eq!(v["generations_run"], 42);
    assert!(v["best_fitness"].as_f64().unwrap() >= 3.9);
    assert_eq!(v["nodes"], 2);
    assert_eq!(v["connections"], 5);
    assert!(v["wall_seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(v["per_generation"].as_array().unwrap().len(), 42);
    assert_eq!(v["estimate"]["adam_macs_per_inference"], 5);
    // The same seed from neat-python's own XOR file gives the same run.
    let from_file = dfc(
        &[
            "evolve",
            "--env",
            "xor",
            "--seed",
            "1",
            "--format",
            "json",
            "--config",
            "tests/neat/xor.ini",
        ],
        None,
    );
    let w = json(&from_file);
    assert_eq!(w["per_generation"], v["per_generation"]);
}

#[test]
fn evolve_writes_a_winner_that_evaluates() {
    let dir = std::env::temp_dir().join(format!("dfc-neat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let winner = dir.join("winner.df");
    let out = dfc(
        &[
            "evolve",
            "--env",
            "xor",
            "--seed",
            "1",
            "-o",
            winner.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("solved in generation 41"), "{table}");
    assert!(table.contains("modelled estimate"), "{table}");
    let eval = dfc(&["eval", winner.to_str().unwrap()], None);
    assert_eq!(eval.status.code(), Some(0), "{}", text(&eval.stderr));
    assert!(
        text(&eval.stdout).contains("total"),
        "{}",
        text(&eval.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evolve_rejects_bad_configs_with_their_line() {
    let dir = std::env::temp_dir().join(format!("dfc-neat-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xor = std::fs::read_to_string(common::root().join("tests/neat/xor.ini")).unwrap();
    let bad = dir.join("bad.ini");
    std::fs::write(
        &bad,
        xor.replace("conn_add_prob           = 0.5", "conn_add_prob = often"),
    )
    .unwrap();
    let out = dfc(
        &[
            "--diagnostic-format",
            "short",
            "evolve",
            "--env",
            "xor",
            "--config",
            bad.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    let line = xor
        .lines()
        .position(|l| l.starts_with("conn_add_prob"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("bad.ini:{line}:1: error[E0801]")),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = dfc(
        &[
            "--diagnostic-format",
            "short",
            "evolve",
            "--env",
            "cartpole",
            "--config",
            "tests/neat/xor.ini",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("error[E0805]"),
        "{}",
        text(&out.stderr)
    );

    let missing = dfc(&["evolve", "--env", "xor", "--config", "no/such.ini"], None);
    assert_eq!(missing.status.code(), Some(2));
    let zero = dfc(&["evolve", "--env", "xor", "--population", "0"], None);
    assert_eq!(zero.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evolve_runs_an_environment() {
    let out = dfc(
        &[
            "evolve",
            "--env",
            "cartpole",
            "--seed",
            "2",
            "--generations",
            "2",
            "--population",
            "30",
            "--episodes",
            "2",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    let run = v["generations_run"].as_u64().unwrap();
    assert!(run == 1 || run == 2);
    assert_eq!(
        v["solved"],
        run == 1 && v["best_fitness"].as_f64().unwrap() >= 475.0
    );
}

#[test]
fn evolve_costs_adam_on_the_given_hardware() {
    let dir = std::env::temp_dir().join(format!("dfc-neat-hw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let winner = dir.join("winner.df");
    let args = [
        "evolve",
        "--env",
        "xor",
        "--generations",
        "3",
        "--format",
        "json",
        "--hardware",
        "stdlib/hardware/tpu128.df",
        "-o",
        winner.to_str().unwrap(),
    ];
    let out = dfc(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v = json(&out);
    assert_eq!(
        v["estimate"]["eve"]["pes"], 16384,
        "EvE takes the hardware's PEs"
    );
    assert!(v["estimate"]["adam_cycles_per_inference"].is_number());
    let written = std::fs::read_to_string(&winner).unwrap();
    assert!(written.contains("tpu128.df\"::{tpu128};"), "{written}");
    let eval = dfc(&["eval", winner.to_str().unwrap()], None);
    assert_eq!(eval.status.code(), Some(0), "{}", text(&eval.stderr));

    let no_hardware = dfc(
        &[
            "--diagnostic-format",
            "short",
            "evolve",
            "--env",
            "xor",
            "--generations",
            "1",
            "--hardware",
            "stdlib/networks/alexnet.df",
        ],
        None,
    );
    assert_eq!(no_hardware.status.code(), Some(1));
    assert!(
        text(&no_hardware.stderr).contains("error[E0311]"),
        "{}",
        text(&no_hardware.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

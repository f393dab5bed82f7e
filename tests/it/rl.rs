//! Learning to route: `dfc noc learn` on a small mesh (the JSON fields, determinism, the
//! agreement counted on non-tied states only, the SVG curve), its coded errors, and `dfc noc
//! sim --routing q-routing`.

use crate::common::dfc;

const SMALL: [&str; 10] = [
    "noc",
    "learn",
    "--mesh",
    "4x4",
    "--cycles",
    "300",
    "--episodes",
    "6",
    "--format",
    "json",
];

#[test]
fn noc_learn_reports_policy_oracle_and_agreement_deterministically() {
    let out = dfc(&SMALL);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let states = v["states"].as_array().expect("states");
    // 4x4 shuffle: the default grid 0.1:0.5:0.08.
    let rates: Vec<f64> = states
        .iter()
        .map(|s| s["rate"].as_f64().expect("rate"))
        .collect();
    assert_eq!(rates, vec![0.1, 0.18, 0.26, 0.34, 0.42, 0.5]);
    let names = ["xy", "o1turn", "west-first", "west-first-adaptive"];
    let mut agree = 0;
    let mut non_tied = 0;
    for s in states {
        let learned = s["learned"].as_str().expect("learned");
        let oracle = s["oracle"].as_str().expect("oracle");
        assert!(names.contains(&learned) && names.contains(&oracle));
        let latency = &s["latency"];
        for n in names {
            assert!(latency[n].as_f64().expect("latency per routing") > 0.0);
        }
        assert_eq!(s["learned_latency"], latency[learned]);
        assert_eq!(s["oracle_latency"], latency[oracle]);
        let best = names
            .iter()
            .map(|n| latency[*n].as_f64().expect("number"))
            .fold(f64::INFINITY, f64::min);
        assert_eq!(s["oracle_latency"].as_f64(), Some(best));
        // Each episode steps through every state once.
        let visits: u64 = names
            .iter()
            .map(|n| s["visits"][*n].as_u64().expect("visits"))
            .sum();
        assert_eq!(visits, 6);
        if s["oracle_tie"] == false {
            non_tied += 1;
            agree += usize::from(learned == oracle);
        }
    }
    assert_eq!(v["non_tied"].as_u64(), Some(non_tied));
    assert_eq!(v["agreement"].as_u64(), Some(agree as u64));
    assert_eq!(v["curve"].as_array().expect("curve").len(), 6);
    assert_eq!(dfc(&SMALL).stdout, out.stdout, "deterministic per seed");
}

#[test]
fn noc_learn_table_and_svg() {
    let dir = std::env::temp_dir().join(format!("dfc-rl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let svg = dir.join("curve.svg");
    let svg_arg = svg.to_str().expect("utf-8");
    let mut args = SMALL[..8].to_vec();
    args.extend(["--agent", "expected-sarsa", "--svg", svg_arg]);
    let out = dfc(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("agent expected-sarsa, 6 episodes"),
        "{text}"
    );
    assert!(text.contains("non-tied states (6 states)"), "{text}");
    let drawn = std::fs::read_to_string(&svg).expect("svg written");
    // One marker per episode.
    assert_eq!(drawn.matches("<circle").count(), 6, "{drawn}");
}

#[test]
fn noc_learn_rejects_bad_flags_with_codes() {
    let base = ["noc", "learn", "--mesh", "4x4", "--cycles", "200"];
    let cases: [(&[&str], &str); 12] = [
        (&["--rates", ""], "E0710"),
        (&["--rates", "0.5:0.1:0.1"], "E0710"),
        (&["--rates", "0:0.5:0.1"], "E0710"),
        (&["--rates", "0.5:1.5:0.1"], "E0710"),
        (&["--rates", "-0.1:0.5:0.1"], "E0710"),
        (&["--agent", "dqn"], "E0711"),
        (&["--agent", "sarsaa"], "E0711"),
        (&["--episodes", "0"], "E0712"),
        (&["--learning-rate", "0"], "E0712"),
        (&["--gamma", "1.5"], "E0712"),
        (&["--oracle-seeds", "1"], "E0712"),
        (&["--traffic", "hotspot"], "E0703"),
    ];
    for (args, code) in cases {
        let mut all: Vec<&str> = base.to_vec();
        all.extend_from_slice(args);
        let out = dfc(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(code), "{args:?}: expected {code} in {err}");
        assert!(out.stdout.is_empty());
    }
    let out = dfc(&["noc", "learn", "--agent", "sarsaa"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sarsa"), "a suggestion: {err}");
}

#[test]
fn noc_sim_runs_q_routing_and_bounds_its_mesh() {
    let out = dfc(&[
        "noc",
        "sim",
        "--mesh",
        "4x4",
        "--routing",
        "q-routing",
        "--rate",
        "0.3",
        "--cycles",
        "1000",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["saturated"], false);
    for (args, code) in [
        (["--mesh", "32x32", "--vcs", "2"], "E0707"),
        (["--mesh", "4x4", "--vcs", "1"], "E0705"),
    ] {
        let mut all = vec!["noc", "sim", "--routing", "q-routing", "--cycles", "200"];
        all.extend(args);
        let out = dfc(&all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(code), "{err}");
    }
}

#[test]
fn noc_learn_actions_steps_the_environment_from_the_command_line() {
    let base = [
        "noc",
        "learn",
        "--mesh",
        "4x4",
        "--cycles",
        "300",
        "--actions",
    ];
    let mut args = base.to_vec();
    args.push("xy,o1turn,west-first-adaptive");
    let out = dfc(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row[0], i.to_string());
        let reward: f64 = row[3].parse().expect("reward");
        let latency: f64 = row[5].parse().expect("latency");
        assert_eq!(row[6], "false", "{text}");
        assert_eq!(reward, -latency, "{text}");
        assert_eq!(row[4], "false", "the episode has 6 states");
    }
    assert_eq!(dfc(&args).stdout, out.stdout, "deterministic per seed");
    for (actions, code) in [("dor", "E0704"), ("xy,xy,xy,xy,xy,xy,xy", "E0712")] {
        let mut args = base.to_vec();
        args.push(actions);
        let out = dfc(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(code), "{err}");
    }
}

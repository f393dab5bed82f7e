//! `dfc sweep`: exact rows of a small sweep, the point the mapping itself is equals `dfc eval`,
//! shards merged equal the unsharded output byte for byte (CSV and JSON, per point and per
//! layer, with a Pareto front, N up to past the number of points), the output does not depend
//! on the thread count, and every error code with its exit status.

use std::path::PathBuf;

use crate::common::{dfc, root};

const TINY: &str = "tests/cases/sweep/tiny.df";
const EXAMPLE: &str = "examples/resnet18_sweep.df";

fn stdout(args: &[&str]) -> String {
    let out = dfc(args);
    assert!(
        out.status.success(),
        "dfc {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Runs `dfc` and returns its exit code and standard error.
fn failing(args: &[&str]) -> (i32, String) {
    let out = dfc(args);
    let code = out.status.code().expect("an exit code");
    (code, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("sweep")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

#[test]
fn a_small_sweep_has_exactly_these_rows() {
    let csv = stdout(&["sweep", TINY, "--sweep", "grid"]);
    let expected = "\
point,mapping,pes,l1,dataflow.c_tile,status,reason,runtime_cycles,energy,energy_unit,edp,num_macs,pe_utilization,l1_size_req,l2_size_req
0,m,16,8 elem,2,does_not_fit,conv1: l1,,,,,,,,
1,m,16,8 elem,4,does_not_fit,conv1: l1,,,,,,,,
2,m,16,64 elem,2,ok,,6155,801712.54,MAC units,4934540683.7,73728,1,54,340
3,m,16,64 elem,4,ok,,7180,839686.76,MAC units,6028950936.8,73728,1,54,368
4,m,64,8 elem,2,does_not_fit,conv1: l1,,,,,,,,
5,m,64,8 elem,4,does_not_fit,conv1: l1,,,,,,,,
6,m,64,64 elem,2,ok,,3116,763120.96,MAC units,2377884911.3599997,73728,0.5,54,644
7,m,64,64 elem,4,ok,,1856,725007.6799999999,MAC units,1345614254.08,73728,1,54,1256
";
    assert_eq!(csv, expected);
    let front = stdout(&["sweep", TINY, "--sweep", "grid", "--pareto", "runtime,l2"]);
    let points: Vec<&str> = front.lines().skip(1).map(|l| &l[..1]).collect();
    assert_eq!(points, ["2", "6", "7"]);
}

/// The point whose values are the mapping's own is what `dfc eval` reports for the mapping.
#[test]
fn the_mappings_own_point_equals_dfc_eval() {
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&["eval", EXAMPLE, "--format", "json"])).expect("JSON");
    let totals = &report[0]["totals"];
    let sweep: serde_json::Value =
        serde_json::from_str(&stdout(&["sweep", EXAMPLE, "--format", "json"])).expect("JSON");
    let columns: Vec<&str> = sweep["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().expect("a name"))
        .collect();
    let at = |name: &str| columns.iter().position(|c| *c == name).expect(name);
    // pes 256, l1 512 B, 64 elem/cycle, c_tile 32: the last point.
    let row = &sweep["rows"][15];
    assert_eq!(row[at("pes")], 256);
    assert_eq!(row[at("l1")], "512 B");
    assert_eq!(row[at("dataflow.c_tile")], 32);
    assert_eq!(row[at("runtime_cycles")], totals["runtime_cycles"]);
    assert_eq!(row[at("energy")], totals["total_energy"]);
    assert_eq!(row[at("num_macs")], totals["num_macs"]);
    assert_eq!(sweep["identity"]["points"], 16);
    let statuses: Vec<&str> = (0..16)
        .map(|i| sweep["rows"][i][at("status")].as_str().expect("status"))
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "does_not_fit").count(), 8);
}

/// Every way of sharding merges back into the unsharded text, byte for byte.
#[test]
fn shards_merge_into_the_unsharded_output() {
    let dir = scratch("merge");
    let cases: [&[&str]; 4] = [
        &["--format", "csv"],
        &["--format", "json"],
        &["--format", "csv", "--per-layer"],
        &["--format", "json", "--pareto", "runtime,energy"],
    ];
    for (c, flags) in cases.iter().enumerate() {
        let mut args = vec!["sweep", EXAMPLE];
        args.extend_from_slice(flags);
        let whole = stdout(&args);
        for n in [1usize, 2, 3, 7, 16, 40] {
            let mut parts = Vec::new();
            for i in 0..n {
                let part = dir.join(format!("case{c}_{i}of{n}"));
                let shard = format!("{i}/{n}");
                let mut shard_args = args.clone();
                let path = part.to_string_lossy().into_owned();
                shard_args.extend_from_slice(&["--shard", &shard, "-o", &path]);
                stdout(&shard_args);
                parts.push(path);
            }
            // Merge in reverse order: the order of the inputs does not matter.
            let mut merge = vec!["sweep", "merge"];
            merge.extend(parts.iter().rev().map(String::as_str));
            assert_eq!(stdout(&merge), whole, "{flags:?} in {n} shards");
        }
    }
}

#[test]
fn the_output_does_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
            .args(["sweep", EXAMPLE, "--per-layer"])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(root())
            .output()
            .expect("dfc runs");
        assert!(out.status.success());
        out.stdout
    };
    assert_eq!(run("1"), run("3"));
}

#[test]
fn sweep_errors_are_coded_with_their_exit_status() {
    let (code, err) = failing(&["sweep", TINY]);
    assert_eq!(code, 1);
    assert!(
        err.contains("E1211") && err.contains("sweeps: grid, bandwidths"),
        "{err}"
    );
    let (code, err) = failing(&["sweep", TINY, "--sweep", "nope"]);
    assert_eq!(code, 1);
    assert!(err.contains("E1211"), "{err}");
    let (code, err) = failing(&["sweep", "examples/resnet50_edge.df"]);
    assert_eq!(code, 1);
    assert!(err.contains("E1211") && err.contains("no sweep"), "{err}");
    for bad in ["4/4", "2", "a/3", "1/0"] {
        let (code, err) = failing(&["sweep", EXAMPLE, "--shard", bad]);
        assert_eq!(code, 2, "--shard {bad}");
        assert!(err.contains("E1206"), "--shard {bad}: {err}");
    }
    let (code, err) = failing(&["sweep", EXAMPLE, "--pareto", "runtime"]);
    assert_eq!(code, 2);
    assert!(err.contains("--pareto"), "{err}");
    let (code, err) = failing(&[
        "sweep",
        EXAMPLE,
        "--pareto",
        "runtime,energy",
        "--per-layer",
    ]);
    assert_eq!(code, 2, "{err}");
    // 10^12 points: refused unsharded, and still refused in 1000 shards (10^9 each).
    let (code, err) = failing(&["sweep", "tests/cases/sweep/huge.df"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("E1205") && err.contains("1000000000000 points"),
        "{err}"
    );
    assert!(err.contains("--shard I/1000000"), "{err}");
    let (code, err) = failing(&["sweep", "tests/cases/sweep/huge.df", "--shard", "0/1000"]);
    assert_eq!(code, 1);
    assert!(err.contains("E1205"), "{err}");
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_sweep() {
    let dir = scratch("refuse");
    let shard = |name: &str, extra: &[&str]| {
        let path = dir.join(name).to_string_lossy().into_owned();
        let mut args = vec!["sweep", TINY, "--sweep", "grid", "-o", &path];
        args.extend_from_slice(extra);
        stdout(&args);
        path
    };
    let a = shard("a", &["--shard", "0/2"]);
    let b = shard("b", &["--shard", "1/2"]);
    let whole = shard("whole", &[]);
    let other = shard("other", &["--shard", "1/2", "--per-layer"]);
    let three = shard("three", &["--shard", "1/3"]);
    let cases: [(&[&str], &str); 6] = [
        (&[&a], "E1210"),
        (&[&a, &a, &b], "E1209"),
        (&[&a, &other], "E1208"),
        (&[&a, &three], "E1208"),
        (&[&a, &whole], "E1207"),
        (&[&a, TINY], "E1207"),
    ];
    for (parts, code) in cases {
        let mut args = vec!["sweep", "merge"];
        args.extend_from_slice(parts);
        let (status, err) = failing(&args);
        assert_eq!(status, 1, "{parts:?}");
        assert!(err.contains(code), "{parts:?}: {err}");
    }
    // An edited shard: a row removed.
    let text = std::fs::read_to_string(&b).expect("shard");
    let cut: Vec<&str> = text.lines().filter(|l| !l.starts_with("3,")).collect();
    let edited = dir.join("edited").to_string_lossy().into_owned();
    std::fs::write(&edited, cut.join("\n") + "\n").expect("write");
    let (status, err) = failing(&["sweep", "merge", &a, &edited]);
    assert_eq!(status, 1);
    assert!(err.contains("E1207"), "{err}");
    // The output may not be one of the shards.
    let (status, err) = failing(&["sweep", "merge", &a, &b, "-o", &a]);
    assert_eq!(status, 2);
    assert!(err.contains("E0904"), "{err}");
}

/// `search` layers are searched at each point on its hardware: the mapping's own point is
/// what `dfc eval` (which searches too) reports, a point where nothing fits says so, and the
/// search's objective is the one `--objective` gives.
#[test]
fn search_layers_are_searched_at_every_point() {
    let file = "tests/cases/sweep/searched.df";
    let csv = stdout(&["sweep", file]);
    let expected = "\
point,mapping,l1,status,reason,runtime_cycles,energy,energy_unit,edp,num_macs,pe_utilization,l1_size_req,l2_size_req
0,searched,4 elem,does_not_fit,conv1: nothing fits,,,,,,,,
1,searched,64 elem,ok,,4625,839347.52,MAC units,3881982280,73728,1,54,338
2,searched,512 elem,ok,,4618,1111471.06,MAC units,5132773355.08,73728,1,228,1196
";
    assert_eq!(csv, expected);
    let report: serde_json::Value =
        serde_json::from_str(&stdout(&["eval", file, "--format", "json"])).expect("JSON");
    assert_eq!(report[0]["totals"]["runtime_cycles"], 4625);
    let energy = stdout(&["sweep", file, "--objective", "energy"]);
    let energies: Vec<&str> = energy
        .lines()
        .skip(2)
        .map(|l| l.split(',').nth(6).expect("energy"))
        .collect();
    assert_eq!(energies, ["683226.24", "683226.24"]);
    let dir = scratch("searched");
    let part = |i: u32| {
        let path = dir.join(format!("part{i}")).to_string_lossy().into_owned();
        let shard = format!("{i}/2");
        stdout(&["sweep", file, "--shard", &shard, "-o", &path]);
        path
    };
    let (a, b) = (part(0), part(1));
    assert_eq!(stdout(&["sweep", "merge", &a, &b]), csv);
}

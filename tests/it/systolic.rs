//! SCALE-Sim parity through the `.df` front end: every public reference case is imported with
//! `dfc import scalesim` semantics, printed as `.df`, compiled again, and simulated with
//! `--model scalesim`; the three report files must equal SCALE-Sim's byte for byte. (The
//! engine's own parity tests, traces included, are in `src/backends/systolic/tests/`.)

use dfc::backends::{simulate, systolic};
use dfc::interop::scalesim::{import, Inputs};
use dfc::source::SourceMap;

use crate::common;

#[test]
fn every_reference_case_round_trips_through_df() {
    let root = common::root().join("tests/data/scalesim");
    let runs = std::fs::read_to_string(root.join("runs.csv")).expect("runs.csv");
    let mut header: Vec<&str> = Vec::new();
    let mut checked = 0;
    for line in runs.lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == "suite" {
            header = f;
            continue;
        }
        let col = |name: &str| f[header.iter().position(|h| *h == name).expect("column")];
        // Debug builds skip the largest cases (whole ResNet-18); `cargo test --release` runs all.
        let lines: u64 = col("demand_lines").parse().unwrap_or(0);
        if cfg!(debug_assertions) && lines > 3_000_000 {
            continue;
        }
        let dir = root.join("runs").join(col("suite")).join(col("case_id"));
        let topology = root
            .join("topologies")
            .join(format!("{}.csv", col("topology")));
        let mut sources = SourceMap::new();
        let config = sources.add(
            "scalesim.cfg",
            std::fs::read_to_string(dir.join("scalesim.cfg")).expect("cfg"),
        );
        let topo = sources.add(
            topology.to_string_lossy(),
            std::fs::read_to_string(&topology).expect("topology"),
        );
        let gemm = col("input_type") == "gemm";
        let (program, diags) = import(
            &sources,
            &Inputs {
                config,
                topology: topo,
                gemm,
                layout: None,
            },
        );
        let program = program.unwrap_or_else(|| panic!("{}: {diags:?}", col("case_id")));
        let text = dfc::ir::emit::emit(&program);
        let (_, again, diags) = dfc::ir::lower::lower_text("imported.df", &text);
        let again = again.unwrap_or_else(|| panic!("{}: {diags:?}\n{text}", col("case_id")));
        let config = simulate::array_config(&again.hardware[0]).expect("systolic hardware");
        let layers: Vec<systolic::Layer> = again.networks[0]
            .layers
            .iter()
            .flat_map(simulate::layers)
            .collect();
        let reports =
            systolic::simulate_all(&layers, &config, systolic::Model::Scalesim).expect("simulates");
        for (file, ours) in [
            ("COMPUTE_REPORT.csv", systolic::compute_report_csv(&reports)),
            (
                "BANDWIDTH_REPORT.csv",
                systolic::bandwidth_report_csv(&reports),
            ),
            (
                "DETAILED_ACCESS_REPORT.csv",
                systolic::detailed_access_report_csv(&reports),
            ),
        ] {
            let theirs = std::fs::read_to_string(dir.join(file)).expect("reference report");
            assert_eq!(ours, theirs, "{} {file}", col("case_id"));
        }
        checked += 1;
    }
    assert_eq!(checked, 70, "cases checked");
}

#[test]
fn simulate_command_writes_scalesim_reports() {
    let dir = std::env::temp_dir().join(format!("dfc-simulate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
        .current_dir(common::root())
        .args(["simulate", "examples/systolic_resnet18.df", "--report-dir"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let compute = std::fs::read_to_string(dir.join("COMPUTE_REPORT.csv")).expect("written");
    assert!(compute.starts_with(systolic::COMPUTE_REPORT_HEADER));
    assert_eq!(
        compute.lines().count(),
        1 + 21,
        "one row per layer of ResNet-18"
    );
    assert!(
        dir.join("BANDWIDTH_REPORT.csv").exists()
            && dir.join("DETAILED_ACCESS_REPORT.csv").exists()
    );
}

/// How many layers of `program`'s first mapping the analytic cost model evaluates as `dfc eval`
/// does (`search` layers searched first, with a small budget), and how many it has.
fn evaluated_layers(program: &dfc::ir::Program) -> (usize, usize) {
    let options = dfc::search::SearchOptions {
        budget: 16,
        ..Default::default()
    };
    let evaluated = dfc::search::evaluate_with_search(
        program,
        dfc::ir::MappingId(0),
        dfc::backends::cost::Model::Default,
        &options,
        true,
        &|_| {},
    );
    let report = evaluated.report;
    (report.totals.layers_evaluated, report.layers.len())
}

#[test]
fn systolic_example_evaluates_every_layer_in_the_cost_model() {
    let (_, program, diags) =
        common::compile(&common::root().join("examples/systolic_resnet18.df"));
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    // The array's derived L1 used to be one element: 0 of 21 layers fitted.
    assert_eq!(evaluated_layers(&program), (21, 21));
}

#[test]
fn imported_scalesim_configs_evaluate_every_layer_in_the_cost_model() {
    let root = common::root().join("tests/data/scalesim");
    let runs = std::fs::read_to_string(root.join("runs.csv")).expect("runs.csv");
    let mut header: Vec<&str> = Vec::new();
    let mut failed = Vec::new();
    // One configuration per topology (the search is the slow part).
    let mut topologies = std::collections::BTreeSet::new();
    for line in runs.lines() {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] == "suite" {
            header = f;
            continue;
        }
        let col = |name: &str| f[header.iter().position(|h| *h == name).expect("column")];
        if !topologies.insert(col("topology").to_string()) {
            continue;
        }
        let dir = root.join("runs").join(col("suite")).join(col("case_id"));
        let topology = root
            .join("topologies")
            .join(format!("{}.csv", col("topology")));
        let mut sources = SourceMap::new();
        let config = sources.add(
            "scalesim.cfg",
            std::fs::read_to_string(dir.join("scalesim.cfg")).expect("cfg"),
        );
        let topo = sources.add(
            topology.to_string_lossy(),
            std::fs::read_to_string(&topology).expect("topology"),
        );
        let inputs = Inputs {
            config,
            topology: topo,
            gemm: col("input_type") == "gemm",
            layout: None,
        };
        let (program, diags) = import(&sources, &inputs);
        let program = program.unwrap_or_else(|| panic!("{}: {diags:?}", col("case_id")));
        let (evaluated, layers) = evaluated_layers(&program);
        if evaluated != layers {
            failed.push(format!("{}: {evaluated} of {layers}", col("case_id")));
        }
    }
    // The derived L1 used to be one element: no imported layer fitted.
    assert_eq!(failed, Vec::<String>::new());
    assert_eq!(topologies.len(), 11, "{topologies:?}");
}

/// The stationary operand read off each stdlib dataflow's directives (row stationary is none
/// of the array's three).
#[test]
fn stdlib_dataflows_have_the_stationary_operand_their_names_say() {
    use dfc::ir::SystolicDataflow::{Is, Os, Ws};
    let (_, program, diags) = dfc::ir::lower::lower_text(
        "all.df",
        "use std::dataflows::{input_stationary, nvdla, row_stationary, shidiannao, systolic};\n",
    );
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let found: Vec<(&str, Option<dfc::ir::SystolicDataflow>)> = program
        .dataflows
        .iter()
        .map(|d| (d.name.as_str(), simulate::stationary_operand(d)))
        .collect();
    let mut found = found;
    found.sort_by_key(|f| f.0);
    assert_eq!(
        found,
        [
            ("input_stationary", Some(Is)),
            ("nvdla", Some(Ws)),
            ("row_stationary", None),
            ("shidiannao", Some(Os)),
            ("systolic", Some(Ws)),
        ]
    );
}

/// `dfc simulate` says when the mapping's dataflow keeps another operand in place than the
/// array (it used to run the array's without a word); the example's own dataflow matches.
#[test]
fn simulate_warns_when_the_mappings_dataflow_differs_from_the_arrays() {
    let example = std::fs::read_to_string(common::root().join("examples/systolic_resnet18.df"))
        .expect("example");
    let mismatched = example
        .replace(
            "use std::dataflows::{row_stationary, systolic};",
            "use std::dataflows::{row_stationary, shidiannao};",
        )
        .replace("dataflow: systolic(rows: 32);", "dataflow: shidiannao;");
    let dir = std::env::temp_dir().join(format!("dfc-w0502-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("mismatched.df");
    std::fs::write(&path, mismatched).expect("written");
    let run = |file: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
            .current_dir(common::root())
            .args(["--diagnostic-format", "short", "simulate"])
            .arg(file)
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&path);
    assert_eq!(code, Some(0), "{stderr}");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning[")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains(":16:15: warning[W0502]: mapping `resnet18_on_systolic32` uses `shidiannao`, which is output stationary (`os`), but the array of `systolic32` is weight stationary (`ws`)"),
        "{stderr}"
    );
    let (code, stderr) = run(&common::root().join("examples/systolic_resnet18.df"));
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
}

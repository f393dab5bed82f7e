//! `dfc schedule` on the bundled multi-network example: a valid schedule (dependences, no
//! overlap, every layer once), a Perfetto trace with one event per layer, an SVG, a report that
//! compares with the monolithic designs, and the same bytes on every run.

use dfc::backends::{hda, schedule};
use dfc::ir::{AcceleratorId, WorkloadId};

use crate::common;

#[test]
fn the_example_schedules_validly_and_deterministically() {
    let (_, program, diags) = common::compile(&common::root().join("examples/ar_vr_hda.df"));
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let inputs = schedule::inputs(&program, AcceleratorId(0), WorkloadId(0));
    let (w, p, t) = (&inputs.workload, &inputs.platform, &inputs.table);
    let layers = w.num_layers();
    assert_eq!(layers, 21 + 53 + 8);
    for objective in [
        hda::Objective::Latency,
        hda::Objective::Energy,
        hda::Objective::Edp,
    ] {
        let s = hda::herald(w, p, t, objective).expect("schedules");
        hda::validate(&s, w, p, t).expect("valid schedule");
        assert_eq!(s.entries.len(), layers);
        // No schedule beats the work divided over the sub-accelerators.
        let min_work: f64 = t
            .costs
            .iter()
            .flatten()
            .map(|row| {
                row.iter()
                    .flatten()
                    .map(|c| c.runtime_cycles)
                    .fold(f64::INFINITY, f64::min)
            })
            .sum();
        assert!(s.makespan >= min_work / p.sub_accels.len() as f64 - 1e-6);
        // Energy is the sum of the layers' energies.
        let sum: f64 = s.entries.iter().map(|e| e.energy).sum();
        assert!((sum - s.energy).abs() <= 1e-9 * s.energy.max(1.0));
        let again = hda::herald(w, p, t, objective).expect("schedules");
        assert_eq!(hda::trace_json(&s, w, p), hda::trace_json(&again, w, p));
    }
    let s = hda::herald(w, p, t, hda::Objective::Edp).expect("schedules");
    let trace: serde_json::Value = serde_json::from_str(&hda::trace_json(&s, w, p)).expect("JSON");
    let events = trace["traceEvents"].as_array().expect("events");
    let slices = events.iter().filter(|e| e["ph"] == "X").count();
    assert_eq!(slices, layers, "one complete event per layer");
    assert!(hda::gantt_svg(&s, w, p).starts_with("<svg"));
    // The HDA is compared with each style alone on the whole budget.
    assert_eq!(inputs.monolithic.len(), 2);
}

#[test]
fn schedule_command_writes_trace_and_svg() {
    let dir = std::env::temp_dir().join(format!("dfc-schedule-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (trace, svg) = (dir.join("t.json"), dir.join("t.svg"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
        .current_dir(common::root())
        .args(["schedule", "examples/ar_vr_hda.df", "--trace"])
        .arg(&trace)
        .arg("--svg")
        .arg(&svg)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("EDP gain of the HDA:"), "{stdout}");
    assert!(stdout.contains("nvdla (whole budget)"), "{stdout}");
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).expect("trace")).expect("JSON");
    assert!(t["traceEvents"].as_array().is_some_and(|e| !e.is_empty()));
    assert!(std::fs::read_to_string(&svg)
        .expect("svg")
        .contains("</svg>"));
}

/// The example's HERALD schedule, snapshotted: a change in the cost model or the scheduler
/// shows up here as a reviewable diff.
#[test]
fn example_schedule_snapshot() {
    let (_, program, _) = common::compile(&common::root().join("examples/ar_vr_hda.df"));
    let program = program.expect("compiles");
    let inputs = schedule::inputs(&program, AcceleratorId(0), WorkloadId(0));
    let s = hda::herald(
        &inputs.workload,
        &inputs.platform,
        &inputs.table,
        hda::Objective::Edp,
    )
    .expect("schedules");
    insta::assert_snapshot!(hda::csv(&s));
}

/// Run `dfc` in the repository root; exit code, stdout, stderr.
fn dfc(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
        .current_dir(common::root())
        .args(args)
        .output()
        .expect("runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

/// Write `text` as a `.df` file in a fresh temporary directory; its path.
fn temp_program(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("dfc-schedule-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.df"));
    std::fs::write(&path, text).expect("written");
    path.to_string_lossy().into_owned()
}

const GEMM_ONLY: &str = "tests/cases/schedule/gemm_only_sub.df";

/// Three sub-accelerators, one GEMM-only: the other two run every layer, so the workload
/// schedules (it used to fail whole with E0901, exit 2); the GEMM-only monolithic row says
/// which layers it cannot run and why.
#[test]
fn a_gemm_only_sub_accelerator_takes_part_and_its_monolithic_row_says_why_not() {
    let (_, program, diags) = common::compile(&common::root().join(GEMM_ONLY));
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let (acc, wl) = (AcceleratorId(0), WorkloadId(0));
    let inputs = schedule::inputs(&program, acc, wl);
    assert!(schedule::check(&program, acc, wl, &inputs).is_empty());
    let report =
        schedule::report(&program, acc, wl, &inputs, hda::Objective::Edp, false).expect("report");
    hda::validate(
        &report.schedule,
        &inputs.workload,
        &inputs.platform,
        &inputs.table,
    )
    .expect("valid schedule");
    assert_eq!(report.schedule.entries.len(), 21 + 8);
    let designs: Vec<&str> = report
        .comparison
        .iter()
        .map(|r| r.design.as_str())
        .collect();
    assert_eq!(
        designs,
        [
            "trio",
            "trio",
            "nvdla (whole budget)",
            "row_stationary (whole budget)",
            "gemm_only (whole budget)"
        ]
    );
    let gemm = &report.comparison[4];
    assert_eq!(gemm.makespan_cycles, None);
    // conv1 and the sixteen 3×3 convolutions of ResNet-18; its 1×1 layers and BERT run.
    assert_eq!(gemm.cannot_run.len(), 17);
    assert_eq!(
        (
            gemm.cannot_run[0].network.as_str(),
            gemm.cannot_run[0].layer.as_str()
        ),
        ("resnet18", "conv1")
    );
    assert!(
        gemm.cannot_run[0].reason.contains("filter window"),
        "{}",
        gemm.cannot_run[0].reason
    );
    assert!(report.comparison[2].cannot_run.is_empty());
    assert!(report.edp_gain_vs_best_monolithic.is_some());

    let (code, stdout, stderr) = dfc(&["schedule", GEMM_ONLY]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("cannot run resnet18/conv1 (and 16 more layers): "),
        "{stdout}"
    );
    let (code, stdout, stderr) = dfc(&["schedule", GEMM_ONLY, "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let row = &json["comparison"][4];
    assert_eq!(row["edp"], serde_json::Value::Null);
    assert_eq!(row["cannot_run"].as_array().map(Vec::len), Some(17));
    assert_eq!(row["cannot_run"][0]["layer"], "conv1");
    assert!(json["comparison"][2].get("cannot_run").is_none());
}

/// A layer that no sub-accelerator runs fails the command: exit 1, E0505 at the layer, once
/// per such layer, each sub-accelerator's reason in a note.
#[test]
fn a_layer_that_runs_nowhere_is_e0505_at_the_layer() {
    let text = std::fs::read_to_string(common::root().join(GEMM_ONLY)).expect("case");
    let text = text
        .replace("    wide: cloud1024 with nvdla(c_tile: 32);\n", "")
        .replace("    rows: edge256 with row_stationary;\n", "");
    let path = temp_program("nowhere", &text);
    let (code, stdout, stderr) = dfc(&["schedule", &path, "--diagnostic-format", "short"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout, "");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error[")).collect();
    assert_eq!(errors.len(), 17, "{stderr}");
    assert!(
        errors.iter().all(|l| l.contains("error[E0505]")),
        "{stderr}"
    );
    assert!(
        errors[0].starts_with("std/networks/resnet18.df:11:5: error[E0505]: layer `conv1` of network `resnet18` runs on no sub-accelerator of `trio`"),
        "{stderr}"
    );
    assert!(!stderr.contains("E0901"), "{stderr}");
}

/// Frame rates are deadlines only with a clock: the accelerator without one is refused with
/// E0403 (exit 1); the one with a clock schedules the same workload.
#[test]
fn frame_rates_on_an_accelerator_without_a_clock_are_e0403() {
    let path = temp_program(
        "noclock",
        "use std::dataflows::nvdla;\nuse std::hardware::edge256;\nuse std::networks::resnet18;\n\
         accelerator timed {\n    a: edge256 with nvdla;\n    clock: 1 GHz;\n}\n\
         accelerator untimed {\n    a: edge256 with nvdla;\n}\n\
         workload w {\n    resnet18: 30 fps;\n}\n",
    );
    let short = ["--diagnostic-format", "short"];
    let (code, _, stderr) =
        dfc(&[&["schedule", &path, "--accelerator", "untimed"], &short[..]].concat());
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(":11:1: error[E0403]: workload `w` gives frame rates, but accelerator `untimed` has no clock"),
        "{stderr}"
    );
    let (code, stdout, stderr) = dfc(&["schedule", &path, "--accelerator", "timed"]);
    assert_eq!(code, Some(0), "{stderr}");
    // 1 GHz / 30 fps: the deadline in cycles.
    assert!(stdout.contains("33333333.33"), "{stdout}");
}

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

//! Parity with MAESTRO, end to end: every case of the public reference set is imported from
//! its `.m` and HW files and evaluated with `--model maestro`; every metric column must equal
//! MAESTRO's (integers exactly, floats within 1e-5 relative, NaN where MAESTRO prints `nan`),
//! and MAESTRO's two error cases must be diagnosed on the hardware line that overflows.
//!
//! Rows touched by MAESTRO's quirks (`src/backends/cost/MODEL.md`) match in maestro mode by
//! construction; `default_model_fixes_the_quirk_rows` asserts the corrected values there.

use std::collections::HashMap;

use dfc::backends::cost::{Model, CSV_COLUMNS};
use dfc::backends::evaluate::{evaluate_mapping, LayerStatus, MappingReport};
use dfc::interop::maestro::{import, Inputs};
use dfc::source::SourceMap;

use crate::common;

struct Case {
    id: String,
    mapping: String,
    hw: String,
    dataflow: String,
    stride: String,
    macs_true: String,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(common::root().join("tests/data/maestro/inputs/cases.csv"))
        .expect("cases.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let (id, m, hw, df, st, mt) = (
        col("case_id"),
        col("mapping_file"),
        col("hw_file"),
        col("dataflow"),
        col("stride"),
        col("macs_true"),
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Case {
                id: f[id].to_string(),
                mapping: f[m].to_string(),
                hw: f[hw].to_string(),
                dataflow: f[df].to_string(),
                stride: f[st].to_string(),
                macs_true: f[mt].to_string(),
            }
        })
        .collect()
}

/// `case_id` → (status, column → value) from MAESTRO's output.
fn expected() -> HashMap<String, (String, HashMap<String, String>)> {
    let text =
        std::fs::read_to_string(common::root().join("tests/data/maestro/reference_expected.csv"))
            .expect("expected csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .expect("header")
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let values = header
                .iter()
                .cloned()
                .zip(f.iter().map(|s| s.to_string()))
                .collect();
            (f[0].to_string(), (f[1].to_string(), values))
        })
        .collect()
}

fn evaluate(
    case: &Case,
    model: Model,
) -> (SourceMap, MappingReport, Vec<dfc::diagnostics::Diagnostic>) {
    let dir = common::root().join("tests/data/maestro/inputs");
    let mut sources = SourceMap::new();
    let m = sources.add(
        case.mapping.clone(),
        std::fs::read_to_string(dir.join(&case.mapping)).expect("mapping"),
    );
    let h = sources.add(
        case.hw.clone(),
        std::fs::read_to_string(dir.join(&case.hw)).expect("hw"),
    );
    let (program, diags) = import(
        &sources,
        &Inputs {
            mapping: m,
            hardware: Some(h),
            lanes: Some(1),
        },
    );
    let program = program.unwrap_or_else(|| panic!("{}: import failed: {diags:?}", case.id));
    let (report, diags) = evaluate_mapping(&program, dfc::ir::MappingId(0), model);
    (sources, report, diags)
}

fn same(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    let (Ok(e), Ok(a)) = (expected.parse::<f64>(), actual.parse::<f64>()) else {
        return false;
    };
    if e.is_nan() || a.is_nan() {
        return e.is_nan() && a.is_nan();
    }
    if !expected.contains(['.', 'e']) && !actual.contains(['.', 'e']) {
        return e == a; // integers: exact
    }
    (e - a).abs() <= 1e-5 * e.abs().max(a.abs()) || (e - a).abs() < 1e-9
}

#[test]
fn maestro_mode_reproduces_every_reference_row() {
    let expected = expected();
    let cases = cases();
    assert_eq!(cases.len(), 389);
    let mut compared = 0;
    for case in &cases {
        let (status, values) = &expected[&case.id];
        let (sources, report, diags) = evaluate(case, Model::Maestro);
        let layer = &report.layers[0];
        if status == "ok" {
            let LayerStatus::Ok { metrics } = &layer.status else {
                panic!("{}: expected a result, got {:?}", case.id, layer.status);
            };
            for (column, actual) in CSV_COLUMNS.iter().zip(metrics.csv_values()) {
                let Some(exp) = values.get(*column) else {
                    continue;
                };
                if exp.is_empty() {
                    continue;
                }
                assert!(
                    same(exp, &actual),
                    "{} {column}: MAESTRO {exp}, dfc {actual}",
                    case.id
                );
                compared += 1;
            }
        } else {
            // "L1 576": MAESTRO stops on a buffer overflow; dfc diagnoses it on the HW line.
            let (buffer, required) = status.split_once(' ').expect("error status");
            let d = diags
                .iter()
                .find(|d| d.code.as_str() == "E0501")
                .unwrap_or_else(|| panic!("{}: {diags:?}", case.id));
            assert!(d.message.contains(required), "{}: {}", case.id, d.message);
            let span = d.primary_span().expect("located");
            let line = &sources.file(span.file).text[span.range()];
            assert!(
                line.starts_with(&format!("{buffer}Size")),
                "{}: points at `{line}`",
                case.id
            );
        }
    }
    assert!(compared > 387 * 70, "compared {compared} values");
}

/// Where MAESTRO is wrong the default model is right: true MACs on the stride-2 `shi` rows
/// (quirk 1 of `docs/semantics/maestro.md`) and on the rows where every case was skipped
/// (quirk 5), with no NaN anywhere.
#[test]
fn default_model_fixes_the_quirk_rows() {
    let expected = expected();
    let mut quirk_rows = 0;
    for case in cases().iter().filter(|c| !c.macs_true.is_empty()) {
        let maestro_macs = &expected[&case.id].1["num_macs"];
        let quirk = (case.dataflow == "shi" && case.stride == "2") || maestro_macs == "0";
        let (_, report, _) = evaluate(case, Model::Default);
        let LayerStatus::Ok { metrics } = &report.layers[0].status else {
            panic!("{}: no result in the default model", case.id);
        };
        assert_eq!(
            metrics.num_macs.to_string(),
            case.macs_true,
            "{}: true MACs",
            case.id
        );
        assert!(
            metrics.csv_values().iter().all(|v| v != "nan"),
            "{}: NaN",
            case.id
        );
        if quirk {
            assert_ne!(
                maestro_macs, &case.macs_true,
                "{}: MAESTRO was wrong here",
                case.id
            );
            quirk_rows += 1;
        }
    }
    assert_eq!(
        quirk_rows, 28,
        "24 stride-2 shi rows and 4 all-skipped rows"
    );
}

//! Report snapshots: every `tests/cases/report/*.df` is evaluated in both models; the table,
//! the CSV and the diagnostics are snapshotted together.

use dfc::backends::cost::Model;
use dfc::backends::evaluate::{self, render as report};

use crate::common;

#[test]
fn report_cases() {
    insta::glob!("../cases/report", "*.df", |path| {
        let (sources, program, diags) = common::compile(path);
        assert!(diags.is_empty(), "{}: {diags:?}", path.display());
        let program = program.expect("compiles");
        let mut out = String::new();
        for model in [Model::Default, Model::Maestro] {
            let mut reports = Vec::new();
            let mut all = Vec::new();
            for i in 0..program.mappings.len() {
                let (r, d) =
                    evaluate::evaluate_mapping(&program, dfc::ir::MappingId(i as u32), model);
                reports.push(r);
                all.extend(d);
            }
            // Every layer has a row, whatever happened to the others.
            let rows: usize = reports.iter().map(|r| r.layers.len()).sum();
            let layers: usize = program.networks.iter().map(|n| n.layers.len()).sum();
            assert_eq!(rows, layers);
            out.push_str(&format!("=== {model:?} ===\n"));
            out.push_str(&report::table(&reports));
            out.push_str("--- csv ---\n");
            out.push_str(&report::csv(&reports));
            out.push_str("--- diagnostics ---\n");
            out.push_str(&dfc::diagnostics::render::short(&all, &sources));
        }
        insta::with_settings!({ omit_expression => true }, {
            insta::assert_snapshot!(out);
        });
    });
}

#[test]
fn json_report_uses_the_csv_column_names() {
    let path = common::root().join("tests/cases/report/tiny_cnn.df");
    let (_, program, _) = common::compile(&path);
    let program = program.expect("compiles");
    let (r, _) = evaluate::evaluate_mapping(&program, dfc::ir::MappingId(0), Model::Maestro);
    let json: serde_json::Value = serde_json::from_str(&report::json(&[r])).expect("valid JSON");
    let metrics = &json[0]["layers"][0]["metrics"];
    for column in dfc::backends::cost::CSV_COLUMNS {
        assert!(metrics.get(*column).is_some(), "JSON lacks `{column}`");
    }
    assert_eq!(json[0]["layers"][0]["status"], "ok");
}

//! `dfc import maestro`: every MAESTRO input of the reference set imports, the emitted `.df`
//! checks clean, is already formatted, and lowers back to the same program.

use dfc::diagnostics::Code;
use dfc::interop::maestro::{import, Inputs};
use dfc::source::SourceMap;

use crate::common;

fn import_file(
    mapping: &std::path::Path,
    hw: &str,
) -> (
    SourceMap,
    Option<dfc::ir::Program>,
    Vec<dfc::diagnostics::Diagnostic>,
) {
    let mut sources = SourceMap::new();
    let m = sources.add(
        common::relative(mapping),
        std::fs::read_to_string(mapping).expect("readable"),
    );
    let hw_path = common::root().join(hw);
    let h = sources.add(hw, std::fs::read_to_string(hw_path).expect("readable"));
    let (program, diags) = import(
        &sources,
        &Inputs {
            mapping: m,
            hardware: Some(h),
            lanes: Some(1),
        },
    );
    (sources, program, diags)
}

#[test]
fn every_reference_input_imports_and_round_trips() {
    let files = common::files("tests/data/maestro/inputs/mapping", "m");
    assert_eq!(files.len(), 195);
    let mut clamped = 0;
    for path in files {
        let (sources, program, diags) = import_file(&path, "tests/data/maestro/inputs/hw/hw256.m");
        let program = program.unwrap_or_else(|| {
            panic!(
                "{} does not import:\n{}",
                path.display(),
                dfc::diagnostics::render::short(&diags, &sources)
            )
        });
        let text = dfc::ir::emit::emit(&program);
        let (src2, again, diags2) = dfc::ir::lower::lower_text("imported.df", &text);
        // MAESTRO files may take a tile larger than its dimension; the .df says so (W0301).
        let only_clamps = diags2.iter().all(|d| d.code == Code::TileClamped);
        clamped += usize::from(!diags2.is_empty() && only_clamps);
        assert!(
            only_clamps,
            "{}: emitted .df has diagnostics:\n{}\n{text}",
            path.display(),
            dfc::diagnostics::render::short(&diags2, &src2)
        );
        let again = again.expect("lowers");
        assert_eq!(
            dfc::ir::emit::emit(&again),
            text,
            "{}: emit ∘ lower is not the identity",
            path.display()
        );
        let parsed = dfc::syntax::parse(dfc::source::FileId(0), &text);
        assert_eq!(
            dfc::syntax::printer::print(&parsed.file, &text),
            text,
            "{}: not formatted",
            path.display()
        );
        // Same shapes: the true MACs of every layer survive the round trip.
        let macs = |p: &dfc::ir::Program| -> Vec<u64> {
            p.networks
                .iter()
                .flat_map(|n| n.layers.iter().map(|l| l.macs()))
                .collect()
        };
        assert_eq!(macs(&program), macs(&again));
    }
    assert_eq!(clamped, 13, "reference mappings with a clamped tile");
}

#[test]
fn imported_program_keeps_spans_into_the_maestro_file() {
    let path = common::root()
        .join("tests/data/maestro/inputs/mapping/feature__constants_comments_logical.m");
    let (sources, program, _) = import_file(&path, "tests/data/maestro/inputs/hw/hw256.m");
    let program = program.expect("imports");
    let df = &program.dataflows[0];
    let first = df.directives[0].span();
    let text = &sources.file(first.file).text[first.range()];
    assert!(text.starts_with("TemporalMap"), "span points at `{text}`");
    // `Constant TK 32` became the literal 32.
    assert!(dfc::ir::emit::emit(&program).contains("temporal(32, 32) K;"));
}

#[test]
fn maestro_errors_and_habits_are_diagnosed() {
    let cases: &[(&str, &str)] = &[
        ("Network n {\n Layer l {\n  Type: GEMM\n  Dimensions { M: 64, N: 32, K: 16 }\n  Dataflow { SpatialMap(1,1) M; TemporalMap(16,16) K; }\n }\n}\n", ""),
        ("Network n {\n Layer l {\n  Type: LSTM\n }\n}\n", "E0602"),
        ("Network n {\n Layer l {\n  Type: CONV\n  Dimensions{ K: 4 }\n }\n}\n", "E0601"),
        ("Network n {\n Layer l {\n  Type: CONV\n  Dimensions { K: 4, C: 4, R: 1, S: 1, Y: 4, X: 4 }\n  Dataflow { SpatialMap(1,1) Q; }\n }\n}\n", "E0601"),
        ("Accelerator { PE { NumPEs 4 } }\n", "E0602"),
        // Found by fuzzing: a map size beyond what `.df` accepts is refused at import.
        ("Network n {\n Layer l {\n  Type: CONV\n  Dimensions { K: 4, C: 4, R: 1, S: 1, Y: 4, X: 4 }\n  Dataflow { SpatialMap(99999999999999999999,1) K; }\n }\n}\n", "E0206"),
    ];
    for (text, code) in cases {
        let mut sources = SourceMap::new();
        let m = sources.add("case.m", *text);
        let (program, diags) = import(
            &sources,
            &Inputs {
                mapping: m,
                hardware: None,
                lanes: Some(1),
            },
        );
        if code.is_empty() {
            assert!(program.is_some(), "{text}: {diags:?}");
            let out = dfc::ir::emit::emit(&program.expect("imported"));
            assert!(out.contains("gemm(M: 64, N: 32, K: 16)"), "{out}");
            assert!(out.contains("spatial(1, 1) Y;"), "M maps to Y: {out}");
        } else {
            assert!(program.is_none(), "{text}");
            assert!(
                diags
                    .iter()
                    .any(|d| d.code.as_str() == *code && d.primary_span().is_some()),
                "{text}: {diags:?}"
            );
        }
    }
}

/// Found by fuzzing: MAESTRO accepts two networks of one name (and a HW file named like a
/// network); the emitted `.df`, with one namespace of items, renames them and re-parses.
#[test]
fn clashing_maestro_names_are_made_unique() {
    let net = "Network n {\n Layer a {\n  Type: CONV\n  Dimensions { K: 4, C: 4, R: 1, S: 1, Y: 4, X: 4 }\n  Dataflow { SpatialMap(1,1) K; }\n }\n}\n";
    let mut sources = SourceMap::new();
    let m = sources.add("twice.m", format!("{net}{net}"));
    let h = sources.add("n.m", "NumPEs: 4\nL1Size: 64\nL2Size: 640\nNoC_BW: 4\n");
    let (program, diags) = import(
        &sources,
        &Inputs {
            mapping: m,
            hardware: Some(h),
            lanes: Some(1),
        },
    );
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let text = dfc::ir::emit::emit(&program);
    assert!(
        text.contains("network n {")
            && text.contains("network n_2 {")
            && text.contains("hardware n_3 {"),
        "{text}"
    );
    let (_, again, diags) = dfc::ir::lower::lower_text("again.df", &text);
    assert!(again.is_some(), "{diags:?}");
}

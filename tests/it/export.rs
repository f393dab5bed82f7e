//! `dfc export maestro`: exported files import back (`dfc eval FILE.m --hw HW.m --model
//! maestro`) to the numbers `dfc eval --model maestro` gives the `.df`, metric for metric, on
//! the examples and stdlib networks × dataflows; what MAESTRO cannot express is E0506.

use dfc::backends::cost::Model;
use dfc::backends::evaluate::{evaluate_mapping, LayerStatus, MappingReport};
use dfc::diagnostics::{has_errors, Code};
use dfc::interop::maestro;
use dfc::ir::{MappingId, Program};
use dfc::search::{map_mapping, SearchOptions};
use dfc::source::SourceMap;

use crate::common::{self, dfc};

/// Each layer's outcome without names: metrics, `search`, or the error message.
fn outcomes(report: &MappingReport) -> Vec<String> {
    report
        .layers
        .iter()
        .map(|l| match &l.status {
            LayerStatus::Ok { metrics } => format!("{metrics:?}"),
            LayerStatus::NotMapped => "search".to_string(),
            LayerStatus::Error { message } => message.clone(),
        })
        .collect()
}

/// Export mapping `id`, import it back and assert the `--model maestro` reports equal: the
/// number of layers with metrics, or the codes of a refused export.
fn round_trip(program: &Program, id: MappingId) -> Result<usize, Vec<Code>> {
    let exported =
        maestro::export(program, id).map_err(|d| d.iter().map(|d| d.code).collect::<Vec<_>>())?;
    let mut sources = SourceMap::new();
    let inputs = maestro::Inputs {
        mapping: sources.add("exported.m", exported.mapping.clone()),
        hardware: Some(sources.add("exported_hw.m", exported.hardware.clone())),
        lanes: Some(exported.lanes),
    };
    let (imported, diags) = maestro::import(&sources, &inputs);
    let imported = imported.unwrap_or_else(|| {
        panic!("{}\n{diags:#?}", exported.mapping);
    });
    assert!(!has_errors(&diags), "{diags:#?}");
    let (want, _) = evaluate_mapping(program, id, Model::Maestro);
    let (got, _) = evaluate_mapping(&imported, MappingId(0), Model::Maestro);
    assert_eq!(
        outcomes(&got),
        outcomes(&want),
        "mapping `{}`\n{}",
        want.mapping,
        exported.mapping
    );
    Ok(want
        .layers
        .iter()
        .filter(|l| matches!(l.status, LayerStatus::Ok { .. }))
        .count())
}

fn stdlib_program(network: &str, dataflow: &str, hardware: &str) -> Program {
    let text = format!(
        "use std::networks::{network};\nuse std::hardware::{hardware};\n\
         use std::dataflows::{dataflow};\n\
         mapping m {{ network: {network}; hardware: {hardware}; dataflow: {dataflow}; }}\n"
    );
    let (_, program, diags) = dfc::ir::lower::lower_text("stdlib.df", &text);
    program.unwrap_or_else(|| panic!("{text}\n{diags:#?}"))
}

/// Every example mapping with PEs (those with `search` layers are refused with E0506 until
/// `dfc map` chose their dataflows, then round-trip too), and stdlib networks × dataflows on
/// two presets.
#[test]
fn export_round_trips_through_maestro_import() {
    let (mut exported, mut refused, mut layers) = (0, Vec::new(), 0);
    let opts = SearchOptions {
        budget: 60,
        egg_iters: 1,
        egg_nodes: 500,
        stdlib_variants: 0,
        ..SearchOptions::default()
    };
    for path in common::files("examples", "df") {
        let (_, program, diags) = common::compile(&path);
        let program = program.unwrap_or_else(|| panic!("{}: {diags:#?}", path.display()));
        for (i, m) in program.mappings.iter().enumerate() {
            if program.hardware(m.hardware).pes == 0 {
                continue;
            }
            let id = MappingId(i as u32);
            if m.layers.iter().any(|l| !l.sparsity.is_dense()) {
                // MAESTRO has no sparsity: every sparse layer is E0506, searched or not.
                let codes = round_trip(&program, id).expect_err("a sparse mapping exported");
                refused.push((m.name.clone(), codes));
                continue;
            }
            match round_trip(&program, id) {
                Ok(n) => (exported, layers) = (exported + 1, layers + n),
                Err(codes) => {
                    refused.push((m.name.clone(), codes));
                    let mapped = map_mapping(&program, id, &opts, true);
                    let n = round_trip(&mapped.program, id);
                    assert!(n.is_ok(), "{}: {n:?}", m.name);
                    layers += n.unwrap_or(0);
                }
            }
        }
    }
    for network in ["resnet18", "mobilenet_v2", "alexnet"] {
        for dataflow in ["nvdla", "row_stationary", "shidiannao", "input_stationary"] {
            for hardware in ["edge256", "cloud1024"] {
                let program = stdlib_program(network, dataflow, hardware);
                match round_trip(&program, MappingId(0)) {
                    Ok(n) => (exported, layers) = (exported + 1, layers + n),
                    Err(codes) => refused.push((format!("{network}/{dataflow}"), codes)),
                }
            }
        }
    }
    let e0506 = Code::MaestroInexpressible;
    assert_eq!(
        refused,
        [
            ("bert_cloud".to_string(), vec![e0506, e0506]),
            ("resnet50_edge".to_string(), vec![e0506]),
            // All layers but the dense stem.
            ("resnet50_2to4".to_string(), vec![e0506; 53]),
        ]
    );
    // Layers with metrics compared (the others' errors are compared too).
    assert_eq!((exported, layers), (31, 779));
}

/// CSV rows without the last column (the mapping's name, which the import derives).
fn csv_without_names(out: &std::process::Output) -> Vec<String> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.rsplit_once(',').map_or(l, |(head, _)| head).to_string())
        .collect()
}

/// The command: files written, `dfc eval` of them equals `dfc eval --model maestro` of the
/// `.df` (CSV, all but the name column); `search` layers are E0506 naming them, nothing written;
/// an unknown `--mapping` is a usage error.
#[test]
fn export_command_writes_files_that_evaluate_alike() {
    let dir = std::env::temp_dir().join(format!("dfc-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.to_string_lossy().into_owned();
    let run = dfc(&[
        "export",
        "maestro",
        "examples/custom_dataflow.df",
        "-o",
        &out,
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (m, hw) = (dir.join("tiny_on_small.m"), dir.join("tiny_on_small_hw.m"));
    let (m, hw) = (m.to_string_lossy(), hw.to_string_lossy());
    let from_m = dfc(&[
        "eval", &m, "--hw", &hw, "--lanes", "1", "--model", "maestro", "--format", "csv", "-q",
    ]);
    let from_df = dfc(&[
        "eval",
        "examples/custom_dataflow.df",
        "--model",
        "maestro",
        "--format",
        "csv",
        "-q",
    ]);
    let rows = csv_without_names(&from_m);
    assert_eq!(rows, csv_without_names(&from_df));
    assert_eq!(rows.len(), 5, "a header and four layers");

    let refused = dir.join("refused");
    let refused_out = refused.to_string_lossy().into_owned();
    let run = dfc(&[
        "export",
        "maestro",
        "examples/resnet50_edge.df",
        "-o",
        &refused_out,
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("E0506") && stderr.contains("layer `fc`"),
        "{stderr}"
    );
    assert!(
        !refused.exists(),
        "nothing is written when a layer is refused"
    );

    let run = dfc(&[
        "export",
        "maestro",
        "examples/custom_dataflow.df",
        "--mapping",
        "nope",
        "-o",
        &out,
    ]);
    assert_eq!(run.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

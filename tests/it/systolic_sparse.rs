//! SCALE-Sim 3.0.0's N:M sparsity and custom layouts through `dfc simulate --model scalesim
//! --config … --topology … --layout …`: every generated case of
//! `tests/data/scalesim/sparse_cases.txt` and `layout_cases.txt` (see that folder's README)
//! gives SCALE-Sim's report files byte for byte, and the cases SCALE-Sim fails on, or that
//! dfc does not simulate, give their coded error.

use std::path::Path;

use crate::common::{dfc, root};

/// One packed case: id, GEMM topology, SCALE-Sim's status, files, and tagged report lines.
struct Case {
    id: String,
    gemm: bool,
    kind: String,
    status: String,
    cfg: String,
    topology: String,
    layout: Option<String>,
    reports: Vec<(String, String)>,
}

fn cases(file: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(root().join("tests/data/scalesim").join(file))
        .expect("generated cases are readable");
    let mut out: Vec<Case> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(head) = line.strip_prefix("=== ") {
            let f: Vec<&str> = head.split(' ').collect();
            out.push(Case {
                id: f[0].to_string(),
                gemm: f[1] == "1",
                kind: f[2].to_string(),
                status: f[3].to_string(),
                cfg: String::new(),
                topology: String::new(),
                layout: None,
                reports: Vec::new(),
            });
            continue;
        }
        let case = out.last_mut().expect("a case header comes first");
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        match tag {
            "cfg" => case.cfg += &format!("{rest}\n"),
            "topo" => case.topology += &format!("{rest}\n"),
            "layout" => *case.layout.get_or_insert_with(String::new) += &format!("{rest}\n"),
            "error" => {}
            _ => case.reports.push((tag.to_string(), format!("{rest}\n"))),
        }
    }
    out
}

fn report_text(case: &Case, tag: &str) -> String {
    case.reports
        .iter()
        .filter(|(t, _)| t == tag)
        .map(|(_, l)| l.as_str())
        .collect()
}

/// Every report file SCALE-Sim wrote equals dfc's, and dfc wrote no other.
fn assert_reports(case: &Case, dir: &Path) {
    for (tag, file) in [
        ("compute", "COMPUTE_REPORT.csv"),
        ("bandwidth", "BANDWIDTH_REPORT.csv"),
        ("detailed", "DETAILED_ACCESS_REPORT.csv"),
        ("sparse", "SPARSE_REPORT.csv"),
    ] {
        let ours = std::fs::read_to_string(dir.join("reports").join(file)).ok();
        let theirs = Some(report_text(case, tag)).filter(|t| !t.is_empty());
        assert_eq!(ours, theirs, "{} {file}", case.id);
    }
}

fn run(case: &Case, dir: &Path) -> std::process::Output {
    std::fs::create_dir_all(dir).unwrap();
    let (cfg, topo) = (dir.join("scalesim.cfg"), dir.join("topology.csv"));
    std::fs::write(&cfg, &case.cfg).unwrap();
    std::fs::write(&topo, &case.topology).unwrap();
    let reports = dir.join("reports");
    let layout = match &case.layout {
        Some(text) => {
            std::fs::write(dir.join("layout.csv"), text).unwrap();
            dir.join("layout.csv").to_str().unwrap().to_string()
        }
        None => "tests/data/scalesim/layout_header_only.csv".to_string(),
    };
    let mut args = vec![
        "simulate",
        "--model",
        "scalesim",
        "--config",
        cfg.to_str().unwrap(),
        "--topology",
        topo.to_str().unwrap(),
        "--layout",
        &layout,
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    if case.gemm {
        args.push("--gemm");
    }
    dfc(&args)
}

#[test]
fn sparse_cases_match_scalesim_byte_for_byte() {
    let base = std::env::temp_dir().join(format!("dfc-sparse-{}", std::process::id()));
    let all = cases("sparse_cases.txt");
    assert_eq!(all.len(), 120);
    let (mut exact, mut refused) = (0, 0);
    for case in &all {
        let dir = base.join(&case.id);
        let out = run(case, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match (case.kind.as_str(), case.status.as_str()) {
            ("ok", "ok") => {
                assert!(out.status.success(), "{}: {stderr}", case.id);
                assert_reports(case, &dir);
                exact += 1;
            }
            // SCALE-Sim fails on N > M; dfc says so with E1402.
            ("n_over_m", "crash") => {
                assert_eq!(out.status.code(), Some(1), "{}", case.id);
                assert!(stderr.contains("E1402"), "{}: {stderr}", case.id);
                refused += 1;
            }
            // The optimized mapping (see `optimized_mapping_cases_…` for more): exact where
            // SCALE-Sim runs; its failures on IS (a dimension mismatch, refused as E1401) and
            // on a BlockSize over the array's rows (E0603) are coded errors.
            ("optimized", "ok") => {
                assert!(out.status.success(), "{}: {stderr}", case.id);
                assert_reports(case, &dir);
                exact += 1;
            }
            ("optimized", _) => {
                assert_eq!(out.status.code(), Some(1), "{}", case.id);
                let block_too_large = stderr.contains("E0603") && stderr.contains("BlockSize");
                assert!(
                    stderr.contains("E1401") || block_too_large,
                    "{}: {stderr}",
                    case.id
                );
                refused += 1;
            }
            other => panic!("{}: unexpected case kind/status {other:?}", case.id),
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!((exact, refused), (109, 11));
}

#[test]
fn layout_cases_match_scalesim_byte_for_byte() {
    let base = std::env::temp_dir().join(format!("dfc-layout-{}", std::process::id()));
    let all = cases("layout_cases.txt");
    assert_eq!(all.len(), 100);
    let (mut exact, mut failing) = (0, 0);
    for case in &all {
        let dir = base.join(&case.id);
        let out = run(case, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if case.status == "ok" {
            assert!(out.status.success(), "{}: {stderr}", case.id);
            assert_reports(case, &dir);
            exact += 1;
        } else {
            // SCALE-Sim fails (an IFMAP tile over its bank bandwidth, no layout row, an
            // IfmapOffset its layout ignores): dfc says so with E0503.
            assert_eq!(out.status.code(), Some(1), "{}", case.id);
            assert!(stderr.contains("E0503"), "{}: {stderr}", case.id);
            failing += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!((exact, failing), (85, 15));
}

#[test]
fn optimized_mapping_cases_match_scalesim_byte_for_byte() {
    let base = std::env::temp_dir().join(format!("dfc-optimized-{}", std::process::id()));
    let all = cases("optimized_cases.txt");
    assert_eq!(all.len(), 60);
    let (mut exact, mut failing) = (0, 0);
    for case in &all {
        let dir = base.join(&case.id);
        let out = run(case, &dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if case.status == "ok" {
            assert!(out.status.success(), "{}: {stderr}", case.id);
            assert_reports(case, &dir);
            exact += 1;
        } else {
            // SCALE-Sim fails on BlockSize 1 (an empty random range), a BlockSize over the
            // array's rows (its configuration check: E0603 here) or not dividing twice the
            // rows (ragged IFMAP lines): coded errors.
            assert_eq!(out.status.code(), Some(1), "{}", case.id);
            assert!(
                stderr.contains("E0503") || stderr.contains("E0603"),
                "{}: {stderr}",
                case.id
            );
            failing += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!((exact, failing), (32, 28));
}

/// `dfc import scalesim` of a case, then `dfc simulate --model scalesim` of the `.df` it
/// prints: the imported file carries the sparsity and the layouts.
fn run_imported(case: &Case, dir: &Path) -> std::process::Output {
    std::fs::create_dir_all(dir).unwrap();
    let (cfg, topo) = (dir.join("scalesim.cfg"), dir.join("topology.csv"));
    std::fs::write(&cfg, &case.cfg).unwrap();
    std::fs::write(&topo, &case.topology).unwrap();
    let df = dir.join("imported.df");
    let mut args = vec![
        "import",
        "scalesim",
        "--config",
        cfg.to_str().unwrap(),
        "--topology",
        topo.to_str().unwrap(),
        "-o",
        df.to_str().unwrap(),
    ];
    let layout = dir.join("layout.csv");
    if let Some(text) = &case.layout {
        std::fs::write(&layout, text).unwrap();
        args.extend(["--layout", layout.to_str().unwrap()]);
    }
    if case.gemm {
        args.push("--gemm");
    }
    let imported = dfc(&args);
    if !imported.status.success() {
        return imported;
    }
    let reports = dir.join("reports");
    dfc(&[
        "simulate",
        "--model",
        "scalesim",
        df.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ])
}

#[test]
fn imported_sparse_and_layout_cases_simulate_as_scalesim_does() {
    let base = std::env::temp_dir().join(format!("dfc-imported-{}", std::process::id()));
    let mut checked = Vec::new();
    for file in [
        "sparse_cases.txt",
        "optimized_cases.txt",
        "layout_cases.txt",
    ] {
        let all = cases(file);
        let ok = all.iter().filter(|c| c.status == "ok");
        let mut count = 0;
        for case in ok {
            let dir = base.join(&case.id);
            let out = run_imported(case, &dir);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{}: {stderr}", case.id);
            assert_reports(case, &dir);
            count += 1;
        }
        checked.push(count);
    }
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!(checked, [109, 32, 85]);
}

/// A network of one 1×1 convolution (window `K` = 8 channels, 4 filters) on a 4×4 WS array,
/// with `SETTINGS` in the array's block and `SPARSITY` as the mapping's sparsity entries.
const PROGRAM: &str = "network net {\n    a = conv(K: 4, C: 8, R: 1, S: 1, Y: 4, X: 4);\n}\n\n\
    hardware arr {\n    systolic {\n        rows: 4;\n        cols: 4;\n        dataflow: ws;\n        \
    ifmap_sram: 4 KiB;\n        filter_sram: 4 KiB;\n        ofmap_sram: 4 KiB;\n        SETTINGS\n    }\n}\n\n\
    mapping m {\n    network: net;\n    hardware: arr;\n    dataflow: search;\n    sparsity { SPARSITY }\n}\n";

fn program(settings: &str, sparsity: &str) -> String {
    PROGRAM
        .replace("SETTINGS", settings)
        .replace("SPARSITY", sparsity)
}

#[test]
fn systolic_settings_lower_to_the_simulators_config_and_round_trip() {
    use dfc::backends::{simulate, systolic};
    let settings = "sparsity { representation: ellpack_block; optimized { block_size: 2; seed: 7; } }\n\
        layout {\n\
            ifmap { tile { height: 1; width: 2; channels: 2; } intraline { height: 3; width: 4; channels: 5; }\n\
                    interline { height: 0; width: 1; channels: 2; } banks: 2; ports: 1; bandwidth: 4 elem/cycle; }\n\
            filter { tile { filters: 2; channels: 2; height: 1; width: 1; } intraline { filters: 4; channels: 5; height: 6; width: 7; }\n\
                     interline { filters: 3; channels: 2; height: 1; width: 0; } bandwidth: 4 elem/cycle; }\n\
        }";
    let text = program(settings, "a: weights 2:4;");
    let (_, lowered, diags) = dfc::ir::lower::lower_text("settings.df", &text);
    let lowered = lowered.unwrap_or_else(|| panic!("{diags:?}"));
    let config = simulate::array_config(&lowered.hardware[0]).expect("an array");
    assert_eq!(
        config.sparsity,
        Some(systolic::Sparsity {
            representation: systolic::SparseRep::EllpackBlock,
            optimized_mapping: true,
            block_size: 2,
            seed: 7,
        })
    );
    assert_eq!(
        config.layout,
        systolic::CustomLayout {
            ifmap: true,
            filter: true,
            row: Some(systolic::LayoutRow {
                ifmap_factors: [1, 2, 2],
                ifmap_intra: [3, 4, 5],
                ifmap_inter: [0, 1, 2],
                filter_factors: [2, 2, 1, 1],
                filter_intra: [4, 5, 6, 7],
                filter_inter: [3, 2, 1, 0],
            }),
        }
    );
    // The IFMAP banks as written; the FILTER's SCALE-Sim's 10 banks of 2 ports.
    assert_eq!(
        (config.ifmap_banks, config.filter_banks),
        (
            systolic::SramBanks {
                bandwidth: 4,
                num: 2,
                ports: 1
            },
            systolic::SramBanks {
                bandwidth: 4,
                num: 10,
                ports: 2
            }
        )
    );
    let emitted = dfc::ir::emit::emit(&lowered);
    let (_, again, diags) = dfc::ir::lower::lower_text("emitted.df", &emitted);
    let again = again.unwrap_or_else(|| panic!("{diags:?}\n{emitted}"));
    assert_eq!(again.hardware[0].systolic, lowered.hardware[0].systolic);
    assert_eq!(dfc::ir::emit::emit(&again), emitted);
}

/// Writes `text` as a `.df` file in a fresh folder and runs `dfc simulate` on it.
fn simulate_df(name: &str, text: &str) -> (Option<i32>, String, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("dfc-sim-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("p.df");
    std::fs::write(&file, text).unwrap();
    let reports = dir.join("reports");
    let out = dfc(&[
        "--diagnostic-format",
        "short",
        "simulate",
        "--model",
        "scalesim",
        file.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stderr, reports)
}

#[test]
fn simulate_takes_n_m_weights_and_refuses_what_the_array_cannot_run() {
    let sparse = "sparsity { representation: csr; }";
    // 2:4 of K = 8 window elements keeps 4 per filter: Z = 16 stored weights, csr metadata
    // Z + K + 1 = 25, new storage 2Z + K + 1 = 41, original K·F = 32.
    let (code, stderr, reports) = simulate_df("nm", &program(sparse, "a: weights 2:4;"));
    assert_eq!((code, stderr.as_str()), (Some(0), ""));
    let report = std::fs::read_to_string(reports.join("SPARSE_REPORT.csv")).unwrap();
    let row: Vec<&str> = report.lines().nth(1).unwrap().split(", ").collect();
    assert_eq!(row[..5], ["0", "csr", "32", "41", "25"], "{report}");
    for (entry, what) in [
        ("a: weights 0.3;", "a random weight density"),
        ("a: weights 2:4 / activations 0.5;", "sparse activations"),
    ] {
        let (code, stderr, _) = simulate_df("refused", &program(sparse, entry));
        assert_eq!(code, Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "error[E1404]: layer `a` of mapping `m` has {what}, which the systolic array \
                 cannot simulate"
            )),
            "{stderr}"
        );
    }
    // Without sparsity support the layer runs dense, and dfc says so.
    let (code, stderr, reports) = simulate_df("dense", &program("", "a: weights 2:4;"));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "warning[W1407]: mapping `m` makes 1 layer(s) sparse (`a` first), but the array of \
             `arr` has no sparsity support: they are simulated dense"
        ),
        "{stderr}"
    );
    assert!(!reports.join("SPARSE_REPORT.csv").exists());
}

#[test]
fn import_refuses_ratios_and_layouts_df_cannot_hold() {
    let case = &cases("layout_cases.txt")[0];
    let dir = std::env::temp_dir().join(format!("dfc-import-refused-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cfg, topo) = (dir.join("scalesim.cfg"), dir.join("topology.csv"));
    std::fs::write(&cfg, &case.cfg).unwrap();
    let import = |topology: &str| {
        std::fs::write(&topo, topology).unwrap();
        let out = dfc(&[
            "--diagnostic-format",
            "short",
            "import",
            "scalesim",
            "--config",
            cfg.to_str().unwrap(),
            "--topology",
            topo.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code(), stderr)
    };
    let header = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, \
                  Num Filter, Strides, Sparsity,\n";
    // The case turns a custom layout on, but no layout file is given.
    let (code, stderr) = import(&format!("{header}L0,4,4,1,1,2,2,1,\n"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error[E1405]: `.df` cannot hold this custom layout: a custom layout is on, but no layout file with a row is given"),
        "{stderr}"
    );
    std::fs::write(
        &cfg,
        case.cfg
            .replace("CustomLayout: True", "CustomLayout: False"),
    )
    .unwrap();
    let (code, stderr) = import(&format!("{header}L0,4,4,1,1,2,2,1,4:2,\n"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error[E1402]: layer `L0` has the sparsity ratio 4:2: N is larger than M"),
        "{stderr}"
    );
    let (code, stderr) = import(&format!("{header}L0,4,4,1,1,2,2,1,1:70000,\n"));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("error[E1406]"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// SCALE-Sim counts a pruned layer's dense MACs (512 here: 16 pixels × 8 window elements × 4
/// filters), so its utilisation can pass 100 %; the default model counts the 256 the array
/// performs on the kept half.
#[test]
fn the_default_model_counts_the_macs_a_pruned_layer_performs() {
    use dfc::backends::{simulate, systolic};
    let text = program("sparsity { representation: csr; }", "a: weights 2:4;");
    let (sources, lowered, diags) = dfc::ir::lower::lower_text("pruned.df", &text);
    let lowered = lowered.unwrap_or_else(|| panic!("{diags:?}"));
    let root = sources.files().next().expect("a file").0;
    let jobs = simulate::mapping_jobs(&lowered, root).expect("a job");
    for (model, macs) in [
        (systolic::Model::Scalesim, 512),
        (systolic::Model::Default, 256),
    ] {
        let runs = simulate::simulate_jobs(&jobs, model).expect("simulates");
        let report = &runs[0].1[0];
        assert_eq!(report.macs, macs, "{model:?}");
        let physical = report.overall_util_pct <= 100.0;
        assert_eq!(
            physical,
            model == systolic::Model::Default,
            "{model:?}: {report:?}"
        );
    }
}

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

//! Parity with SCALE-Sim 3.0.0: every report file of every reference case, byte for byte.

use super::super::*;
use super::{csv_rows, data_dir, read};
use crate::interop::scalesim::{parse_config, parse_topology};

/// One case of `runs.csv`.
pub(crate) struct Case {
    pub suite: String,
    pub id: String,
    pub topology: String,
    pub gemm: bool,
}

pub(crate) fn cases(index: &str) -> Vec<Case> {
    csv_rows(&read(index))
        .into_iter()
        .map(|r| Case {
            suite: r["suite"].clone(),
            id: r["case_id"].clone(),
            topology: r["topology"].clone(),
            gemm: r["input_type"] == "gemm",
        })
        .collect()
}

pub(crate) fn load(dir: &str, case: &Case) -> (ArrayConfig, Vec<Layer>) {
    let cfg = parse_config(&read(&format!(
        "{dir}/{}/{}/scalesim.cfg",
        case.suite, case.id
    )))
    .unwrap_or_else(|e| panic!("{}: {e}", case.id));
    let topo = parse_topology(
        &read(&format!("topologies/{}.csv", case.topology)),
        case.gemm,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", case.topology));
    (cfg, topo)
}

/// Compares one report file; returns a description of every differing field.
pub(crate) fn diff_report(name: &str, got: &str, want: &str) -> Vec<String> {
    if got == want {
        return Vec::new();
    }
    let mut out = Vec::new();
    let header: Vec<&str> = want.lines().next().unwrap_or("").split(", ").collect();
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            for (j, (a, b)) in g.split(", ").zip(w.split(", ")).enumerate() {
                if a != b {
                    out.push(format!(
                        "{name} row {i} `{}`: got {a} want {b}",
                        header.get(j).unwrap_or(&"?")
                    ));
                }
            }
        }
    }
    if got.lines().count() != want.lines().count() {
        out.push(format!(
            "{name}: {} lines, want {}",
            got.lines().count(),
            want.lines().count()
        ));
    }
    if out.is_empty() {
        out.push(format!("{name}: whitespace or line ends differ"));
    }
    out
}

/// Runs every case of an index and compares the three report files, line by line. In debug
/// builds the full-size ResNet-18 layers of the `anchor` suite are left out (their rows are
/// still compared in release builds: `cargo test --release`).
pub(crate) fn check_suite(index: &str, dir: &str) -> (usize, usize, Vec<String>) {
    let mut rows = 0;
    let mut cases_ok = 0;
    let mut problems = Vec::new();
    for case in &cases(index) {
        let (cfg, layers) = load(dir, case);
        let base = format!("{dir}/{}/{}", case.suite, case.id);
        let files = [
            read(&format!("{base}/COMPUTE_REPORT.csv")),
            read(&format!("{base}/BANDWIDTH_REPORT.csv")),
            read(&format!("{base}/DETAILED_ACCESS_REPORT.csv")),
        ];
        let mut p = Vec::new();
        for (f, h) in files.iter().zip([
            COMPUTE_REPORT_HEADER,
            BANDWIDTH_REPORT_HEADER,
            DETAILED_ACCESS_REPORT_HEADER,
        ]) {
            if !f.starts_with(h) {
                p.push("header differs".to_string());
            }
            if f.lines().count() != layers.len() + 1 {
                p.push(format!(
                    "{} layers, file has {} rows",
                    layers.len(),
                    f.lines().count() - 1
                ));
            }
        }
        for (i, layer) in layers.iter().enumerate() {
            if cfg!(debug_assertions) && case.suite == "anchor" && layer.ifmap_h > 14 {
                continue;
            }
            let r = match simulate(layer, &cfg, Model::Scalesim) {
                Ok(r) => r,
                Err(e) => {
                    p.push(format!("layer {i}: {e}"));
                    continue;
                }
            };
            rows += 1;
            let one = std::slice::from_ref(&r);
            for (name, got, want) in [
                ("COMPUTE", compute_report_csv(one), &files[0]),
                ("BANDWIDTH", bandwidth_report_csv(one), &files[1]),
                ("DETAILED", detailed_access_report_csv(one), &files[2]),
            ] {
                let got_line =
                    got.lines()
                        .nth(1)
                        .unwrap_or("")
                        .replacen("0, ", &format!("{i}, "), 1);
                let want_line = want.lines().nth(i + 1).unwrap_or("");
                if got_line != want_line {
                    let g = format!("h\n{got_line}\n");
                    let w = format!("{}\n{want_line}\n", want.lines().next().unwrap_or(""));
                    p.extend(
                        diff_report(name, &g, &w)
                            .into_iter()
                            .map(|m| format!("layer {i}: {m}")),
                    );
                }
            }
        }
        if p.is_empty() {
            cases_ok += 1;
        }
        problems.extend(p.into_iter().map(|m| format!("{}: {m}", case.id)));
    }
    (rows, cases_ok, problems)
}

#[test]
fn reference_reports_byte_identical() {
    let (rows, ok, problems) = check_suite("runs.csv", "runs");
    for p in problems.iter().take(60) {
        eprintln!("{p}");
    }
    assert!(
        problems.is_empty(),
        "{} problems; {ok} cases identical, {rows} rows",
        problems.len()
    );
    eprintln!("{ok} cases, {rows} layer rows byte-identical");
}

/// The layer as SCALE-Sim parsed it (`DP` expansion, GEMM conversion, ceil'd output size).
#[test]
fn reference_layer_columns() {
    let want = csv_rows(&read("layers.csv"));
    let mut by_case: std::collections::HashMap<
        String,
        Vec<&std::collections::HashMap<String, String>>,
    > = Default::default();
    for r in &want {
        by_case.entry(r["case_id"].clone()).or_default().push(r);
    }
    let mut checked = 0;
    for case in cases("runs.csv") {
        let (cfg, layers) = load("runs", &case);
        let rows = &by_case[&case.id];
        assert_eq!(rows.len(), layers.len(), "{}", case.id);
        for (l, w) in layers.iter().zip(rows.iter()) {
            // The layer columns depend on the layer and the model only.
            let g = super::super::geometry::Geometry::new(l, &cfg, Model::Scalesim).unwrap();
            let got = [
                l.name.clone(),
                g.h.to_string(),
                g.w.to_string(),
                g.fh.to_string(),
                g.fw.to_string(),
                g.ch.to_string(),
                g.n.to_string(),
                g.sh.to_string(),
                g.sw.to_string(),
                g.eh.to_string(),
                g.ew.to_string(),
                g.p.to_string(),
                g.k.to_string(),
                g.macs.to_string(),
            ];
            let cols = [
                "layer_name",
                "ifmap_h",
                "ifmap_w",
                "filter_h",
                "filter_w",
                "channels",
                "num_filter",
                "stride_h",
                "stride_w",
                "ofmap_h",
                "ofmap_w",
                "ofmap_px",
                "window",
                "macs",
            ];
            for (g, c) in got.iter().zip(cols) {
                assert_eq!(g, &w[c], "{} layer {} {c}", case.id, w["layer_id"]);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 988, "layer rows checked");
    let _ = data_dir();
}

/// FNV-1a 64 (the digest of `trace_digests.csv`).
pub(crate) fn fnv64(data: &[u8]) -> u64 {
    crate::util::stable_hash(data.iter().copied())
}

/// Writes the traces of every layer of `case` and compares them with the digests of
/// SCALE-Sim's files; returns the mismatches.
pub(crate) fn check_traces(
    dir: &str,
    case: &Case,
    digests: &std::collections::HashMap<(String, String, String), (usize, usize, String)>,
) -> (usize, Vec<String>) {
    let (cfg, layers) = load(dir, case);
    let mut checked = 0;
    let mut bad = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let mut sink = MemorySink::default();
        let rep = write_traces(layer, &cfg, Model::Scalesim, &mut sink).expect("traces");
        assert_eq!(
            rep,
            simulate(layer, &cfg, Model::Scalesim).unwrap(),
            "{} layer {i}",
            case.id
        );
        for f in TraceFile::ALL {
            let stem = f.file_name().trim_end_matches(".csv").to_string();
            let Some(want) = digests.get(&(case.id.clone(), i.to_string(), stem.clone())) else {
                continue;
            };
            let data = sink.contents(f);
            let got = (
                data.len(),
                data.iter().filter(|&&b| b == b'\n').count(),
                format!("{:016x}", fnv64(&data)),
            );
            checked += 1;
            if &got != want {
                bad.push(format!(
                    "{} layer {i} {stem}: got {got:?} want {want:?}",
                    case.id
                ));
            }
        }
    }
    (checked, bad)
}

pub(crate) fn digests(
    rel: &str,
) -> std::collections::HashMap<(String, String, String), (usize, usize, String)> {
    csv_rows(&read(rel))
        .into_iter()
        .map(|r| {
            (
                (r["case_id"].clone(), r["layer"].clone(), r["file"].clone()),
                (
                    r["bytes"].parse().unwrap(),
                    r["lines"].parse().unwrap(),
                    r["fnv64"].clone(),
                ),
            )
        })
        .collect()
}

/// All SRAM and DRAM trace files of the `trace` suite (84 layers), byte for byte.
#[test]
fn reference_traces_byte_identical() {
    let d = digests("trace_digests.csv");
    let mut checked = 0;
    let mut bad = Vec::new();
    for case in cases("runs.csv").into_iter().filter(|c| c.suite == "trace") {
        let (n, b) = check_traces("runs", &case, &d);
        checked += n;
        bad.extend(b);
    }
    for b in bad.iter().take(40) {
        eprintln!("{b}");
    }
    assert!(
        bad.is_empty(),
        "{} of {checked} trace files differ",
        bad.len()
    );
    assert_eq!(checked, 504);
}

/// A generated case of `extra_cases.txt`.
pub(crate) struct Extra {
    pub id: String,
    pub gemm: bool,
    pub traces: bool,
    pub cfg_text: String,
    pub topo_text: String,
    pub reports: [String; 3],
}

const CFG_TEMPLATE: &str = "[general]\nrun_name = {run_name}\n\n[architecture_presets]\n\
ArrayHeight:    {ArrayHeight}\nArrayWidth:     {ArrayWidth}\nIfmapSramSzkB:   {IfmapSramSzkB}\n\
FilterSramSzkB:  {FilterSramSzkB}\nOfmapSramSzkB:   {OfmapSramSzkB}\nIfmapOffset:    {IfmapOffset}\n\
FilterOffset:   {FilterOffset}\nOfmapOffset:    {OfmapOffset}\nBandwidth : {Bandwidth}\n\
Dataflow : {Dataflow}\nReadRequestBuffer: 32\nWriteRequestBuffer: 32\n\n[layout]\n\
IfmapCustomLayout: False\nIfmapSRAMBankBandwidth: {IfmapSRAMBankBandwidth}\n\
IfmapSRAMBankNum: {IfmapSRAMBankNum}\nIfmapSRAMBankPort: 2\nFilterCustomLayout: False\n\
FilterSRAMBankBandwidth: {FilterSRAMBankBandwidth}\nFilterSRAMBankNum: {FilterSRAMBankNum}\n\
FilterSRAMBankPort: 2\n\n[sparsity]\nSparsitySupport : false\nSparseRep : ellpack_block\n\
OptimizedMapping : false\nBlockSize : 8\nRandomNumberGeneratorSeed : 40\n\n[run_presets]\n\
InterfaceBandwidth: {InterfaceBandwidth}\nUseRamulatorTrace: False\n";

pub(crate) fn extra_cases() -> Vec<Extra> {
    let text = read("extra_cases.txt");
    let mut out: Vec<Extra> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
        match tag {
            "===" => {
                let f: Vec<&str> = rest.split(' ').collect();
                out.push(Extra {
                    id: f[0].to_string(),
                    gemm: f[1] == "1",
                    traces: f[2] == "1",
                    cfg_text: String::new(),
                    topo_text: if f[1] == "1" {
                        "Layer, M, N, K,\n"
                    } else {
                        "Layer name, H, W, Fh, Fw, C, N, S,\n"
                    }
                    .to_string(),
                    reports: [
                        COMPUTE_REPORT_HEADER,
                        BANDWIDTH_REPORT_HEADER,
                        DETAILED_ACCESS_REPORT_HEADER,
                    ]
                    .map(String::from),
                });
            }
            "cfg" => {
                let e = out.last_mut().unwrap();
                let mut cfg = CFG_TEMPLATE.replace("{run_name}", &e.id);
                for kv in rest.split(' ') {
                    let (k, v) = kv.split_once('=').unwrap();
                    cfg = cfg.replace(&format!("{{{k}}}"), v);
                }
                e.cfg_text = cfg;
            }
            "topo" => {
                let e = out.last_mut().unwrap();
                e.topo_text.push_str(rest);
                e.topo_text.push('\n');
            }
            "compute" | "bandwidth" | "detailed" => {
                let e = out.last_mut().unwrap();
                let i = ["compute", "bandwidth", "detailed"]
                    .iter()
                    .position(|t| *t == tag)
                    .unwrap();
                e.reports[i].push_str(rest);
                e.reports[i].push('\n');
            }
            _ => panic!("bad line in extra_cases.txt: {line}"),
        }
    }
    out
}

/// Cases generated at random and run through SCALE-Sim 3.0.0 (not tuned against): odd and
/// non-square arrays, 1–64 kB SRAMs (sliding prefetch windows, mid-layer drains, CALC write
/// stalls), USER mode with varied bandwidths, offsets, `DP` layers, GEMMs.
#[test]
fn generated_cases_byte_identical() {
    let cases = extra_cases();
    let mut bad = Vec::new();
    let mut rows = 0;
    for e in &cases {
        let cfg = parse_config(&e.cfg_text).unwrap_or_else(|err| panic!("{}: {err}", e.id));
        let layers = parse_topology(&e.topo_text, e.gemm).unwrap();
        let reps: Vec<LayerReport> = match layers
            .iter()
            .map(|l| simulate(l, &cfg, Model::Scalesim))
            .collect()
        {
            Ok(r) => r,
            Err(err) => {
                bad.push(format!("{}: {err}", e.id));
                continue;
            }
        };
        rows += reps.len();
        for (name, got, want) in [
            ("COMPUTE", compute_report_csv(&reps), &e.reports[0]),
            ("BANDWIDTH", bandwidth_report_csv(&reps), &e.reports[1]),
            ("DETAILED", detailed_access_report_csv(&reps), &e.reports[2]),
        ] {
            bad.extend(
                diff_report(name, &got, want)
                    .into_iter()
                    .map(|m| format!("{}: {m}", e.id)),
            );
        }
    }
    for b in bad.iter().take(60) {
        eprintln!("{b}");
    }
    assert!(
        bad.is_empty(),
        "{} differences over {} cases",
        bad.len(),
        cases.len()
    );
    eprintln!(
        "{} generated cases, {rows} layer rows byte-identical",
        cases.len()
    );
}

/// Trace files of the generated cases marked for traces, byte for byte (they exercise what
/// the reference traces do not: sliding CALC windows with `1.0` padding, USER prefetches with
/// SCALE-Sim's fixed restart row and in-place blanking, mid-layer OFMAP drains).
#[test]
fn generated_traces_byte_identical() {
    let d = digests("extra_trace_digests.csv");
    let mut checked = 0;
    let mut bad = Vec::new();
    for e in extra_cases().into_iter().filter(|e| e.traces) {
        let cfg = parse_config(&e.cfg_text).unwrap();
        let layers = parse_topology(&e.topo_text, e.gemm).unwrap();
        for (i, layer) in layers.iter().enumerate() {
            let mut sink = MemorySink::default();
            write_traces(layer, &cfg, Model::Scalesim, &mut sink).unwrap();
            for f in TraceFile::ALL {
                let stem = f.file_name().trim_end_matches(".csv").to_string();
                let want = &d[&(e.id.clone(), i.to_string(), stem.clone())];
                let data = sink.contents(f);
                let got = (
                    data.len(),
                    data.iter().filter(|&&b| b == b'\n').count(),
                    format!("{:016x}", fnv64(&data)),
                );
                checked += 1;
                if &got != want {
                    bad.push(format!(
                        "{} layer {i} {stem}: got {got:?} want {want:?}",
                        e.id
                    ));
                }
            }
        }
    }
    for b in bad.iter().take(40) {
        eprintln!("{b}");
    }
    assert!(
        bad.is_empty(),
        "{} of {checked} trace files differ",
        bad.len()
    );
    eprintln!("{checked} generated trace files byte-identical");
}

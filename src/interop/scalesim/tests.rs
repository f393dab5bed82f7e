//! SCALE-Sim input files: what is accepted, what it means, where errors point.

use super::{parse_config, parse_layout, parse_topology};
use crate::backends::systolic::tests::read;
use crate::backends::systolic::{Bandwidth, Dataflow, Gemm, SparseRep};

#[test]
fn topology_trailing_comma_rule() {
    let t = "Layer name, H, W, Fh, Fw, C, N, S,\nConv1,224,224,11,11,3,96,4,\n";
    let l = parse_topology(t, false).unwrap();
    assert_eq!(l.len(), 1);
    assert_eq!(
        (
            l[0].ifmap_h,
            l[0].filter_w,
            l[0].channels,
            l[0].num_filters,
            l[0].stride_h,
            l[0].stride_w
        ),
        (224, 11, 3, 96, 4, 4)
    );
    // Without the trailing comma SCALE-Sim drops the stride: an error that says why.
    let e = parse_topology("h\nConv1,224,224,11,11,3,96,4\n", false).unwrap_err();
    assert_eq!(e.line, 2);
    assert!(
        e.message.contains("trailing comma") || e.message.contains("must end with"),
        "{}",
        e.message
    );
    // The optional N:M sparsity field.
    let l = parse_topology("h\nC, 8, 8, 3, 3, 2, 4, 1, 2:4,\n", false).unwrap();
    assert_eq!(l[0].sparsity, Some((2, 4)));
    let e = parse_topology("h\nC, 8, 8, 3, 3, 2, 4, 1, x,\n", false).unwrap_err();
    assert_eq!(&"h\nC, 8, 8, 3, 3, 2, 4, 1, x,\n"[e.span.clone()], " x");
}

#[test]
fn topology_header_blank_lines_and_line_ends() {
    // First line is a header whatever it holds; blank lines are skipped; \r\n and \r end lines.
    let t =
        "Conv0,1,1,1,1,1,1,1,\r\n\r\n  Conv1 , 6 , 7 , 3 , 2 , 1 , 2 , 1 ,\rConv2,5,5,5,5,1,1,1,";
    let l = parse_topology(t, false).unwrap();
    assert_eq!(
        l.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["Conv1", "Conv2"]
    );
    assert_eq!(
        (l[0].ifmap_h, l[0].ifmap_w, l[0].filter_h, l[0].filter_w),
        (6, 7, 3, 2)
    );
}

#[test]
fn topology_depthwise_and_gemm() {
    let l = parse_topology(&read("topologies/tiny_conv.csv"), false).unwrap();
    assert_eq!(l.len(), 10);
    assert_eq!(l[7].name, "T7_DP_depthwiseChannel_0");
    assert_eq!(l[9].name, "T7_DP_depthwiseChannel_2");
    assert!(l[7..].iter().all(|x| x.channels == 1 && x.num_filters == 2));
    let g = parse_topology("Layer, M, N, K,\nG0,17,9,33,\nG_DP,2,3,4,\n", true).unwrap();
    assert_eq!(g.len(), 2, "no DP expansion in GEMM files");
    assert_eq!(
        (
            g[0].ifmap_h,
            g[0].ifmap_w,
            g[0].filter_h,
            g[0].filter_w,
            g[0].channels,
            g[0].num_filters
        ),
        (17, 33, 1, 33, 1, 9)
    );
    assert_eq!(g[0].gemm, Some(Gemm { m: 17, n: 9, k: 33 }));
    assert!(parse_topology("h\nG,1,2,\n", true).is_err());
}

#[test]
fn topology_errors_point_at_the_field() {
    let t = "h\nA,8,8,3,3,1,4,1,\nB,4,4,5,3,1,1,1,\nC,4,4,3,3,0,1,1,\nD,4,4,3,q,1,1,1,\n";
    let e = parse_topology(t, false).unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("larger than the IFMAP"), "{}", e.message);
    let e = parse_topology(&t.replace("B,4,4,5,3", "B,4,4,3,3"), false).unwrap_err();
    assert_eq!(
        (e.line, &t.replace("B,4,4,5,3", "B,4,4,3,3")[e.span.clone()]),
        (4, "0")
    );
    let t2 = "h\nD,4,4,3,q,1,1,1,\n";
    let e = parse_topology(t2, false).unwrap_err();
    assert_eq!(&t2[e.span.clone()], "q");
    // Python's int(): signs, surrounding blanks and digit underscores are accepted.
    let l = parse_topology("h\nE, +1_0 ,10,3,3,1,1,1,\n", false).unwrap();
    assert_eq!(l[0].ifmap_h, 10);
}

#[test]
fn config_reference_files() {
    let c = parse_config(&read(
        "runs/golden/scalecfg_user__test_mnk__os/scalesim.cfg",
    ))
    .unwrap();
    assert_eq!((c.rows, c.cols, c.dataflow), (32, 32, Dataflow::Os));
    assert_eq!(
        (c.ifmap_sram_kb, c.filter_sram_kb, c.ofmap_sram_kb),
        (64, 64, 64)
    );
    assert_eq!(
        (c.ifmap_offset, c.filter_offset, c.ofmap_offset),
        (0, 10_000_000, 20_000_000)
    );
    assert_eq!(
        c.bandwidth,
        Bandwidth::User {
            ifmap: 10,
            filter: 10,
            ofmap: 10
        }
    );
    assert_eq!(c.run_name, "scalecfg_user__test_mnk__os");
    let c = parse_config(&read(
        "runs/golden/scalecfg_calc__alexnet_part__ws/scalesim.cfg",
    ))
    .unwrap();
    assert_eq!((c.dataflow, c.bandwidth), (Dataflow::Ws, Bandwidth::Calc));
}

fn cfg_text(mode: &str, extra_arch: &str) -> String {
    format!(
        "[general]\nrun_name = r\n\n[architecture_presets]\nArrayHeight: 8\nArrayWidth = 4\n\
         IfmapSramSzkB: 2\nFilterSramSzkB: 3\nOfmapSramSzkB: 4\nIfmapOffset: 0\nFilterOffset: 100\n\
         OfmapOffset: 200\nDataflow : is\nReadRequestBuffer: 32\nWriteRequestBuffer: 32\n{extra_arch}\n\
         [layout]\nIfmapCustomLayout: False\nIfmapSRAMBankBandwidth: 6\nIfmapSRAMBankNum: 3\n\
         IfmapSRAMBankPort: 2\nFilterCustomLayout: no\nFilterSRAMBankBandwidth: 4\n\
         FilterSRAMBankNum: 2\nFilterSRAMBankPort: 2\n\n[sparsity]\nSparsitySupport : false\n\n\
         [run_presets]\nInterfaceBandwidth: {mode}\nUseRamulatorTrace: False\n"
    )
}

#[test]
fn config_user_bandwidth_quirk_and_default_import() {
    let c = parse_config(&cfg_text("USER", "Bandwidth : 7, 9")).unwrap();
    // SCALE-Sim: IFMAP/FILTER from the bank bandwidths, OFMAP from Bandwidth[0] (Q7).
    assert_eq!(
        c.bandwidth,
        Bandwidth::User {
            ifmap: 6,
            filter: 4,
            ofmap: 7
        }
    );
    assert_eq!(c.bandwidth_list, vec![7, 9]);
    let (d, warn) = c.for_default_model();
    assert_eq!(
        d.bandwidth,
        Bandwidth::User {
            ifmap: 7,
            filter: 7,
            ofmap: 7
        }
    );
    assert!(warn.is_some());
    // CALC mode does not need Bandwidth at all.
    assert_eq!(
        parse_config(&cfg_text("CALC", "")).unwrap().bandwidth,
        Bandwidth::Calc
    );
    assert!(parse_config(&cfg_text("USER", "")).is_err());
    // Bank bandwidth must split evenly over the banks (SCALE-Sim asserts).
    let bad = cfg_text("USER", "Bandwidth: 5")
        .replace("IfmapSRAMBankBandwidth: 6", "IfmapSRAMBankBandwidth: 7");
    let e = parse_config(&bad).unwrap_err();
    assert_eq!(&bad[e.span.clone()], "7");
}

#[test]
fn config_ini_rules() {
    let base = cfg_text("CALC", "");
    // Keys are case-insensitive; comments and [DEFAULT] work; continuation lines join.
    let t = base
        .replace("ArrayHeight: 8", "# a comment\n; another\narrayheight: 8")
        .replace("[general]", "[DEFAULT]\nReadRequestBuffer = 1\n\n[general]");
    assert_eq!(parse_config(&t).unwrap().rows, 8);
    // Duplicate keys and sections are errors, as in configparser's strict mode.
    let e = parse_config(&base.replace("ArrayWidth = 4", "ArrayWidth = 4\nARRAYWIDTH = 5"))
        .unwrap_err();
    assert!(e.message.contains("twice"));
    // Interpolation: %% is a percent sign; a lone % is an error.
    assert_eq!(
        parse_config(&base.replace("run_name = r", "run_name = 100%%"))
            .unwrap()
            .run_name,
        "100%"
    );
    assert!(parse_config(&base.replace("run_name = r", "run_name = 5%")).is_err());
    // Missing key: points at its section header.
    let t = base.replace("ArrayHeight: 8\n", "");
    let e = parse_config(&t).unwrap_err();
    assert_eq!(&t[e.span.clone()], "[architecture_presets]");
    // Unsupported settings are refused rather than ignored.
    assert!(
        parse_config(&base.replace("UseRamulatorTrace: False", "UseRamulatorTrace: True")).is_err()
    );
    // Sparsity and custom layouts are read (`True` in any case; `on` is a Python boolean).
    let on = base.replace("SparsitySupport : false", "SparsitySupport : True");
    assert!(parse_config(&on).unwrap_err().message.contains("SparseRep"));
    let sparse = on.replace(
        "SparsitySupport : True",
        "SparsitySupport : True\nSparseRep : csr\nOptimizedMapping : false\n\
         RandomNumberGeneratorSeed : 40",
    );
    let c = parse_config(&sparse).unwrap();
    let sp = c.sparsity.unwrap();
    assert_eq!(
        (sp.representation, sp.optimized_mapping),
        (SparseRep::Csr, false)
    );
    let bad_rep = sparse.replace("SparseRep : csr", "SparseRep : CSR");
    assert!(parse_config(&bad_rep)
        .unwrap_err()
        .message
        .contains("SparseRep"));
    let c = parse_config(&base.replace("IfmapCustomLayout: False", "IfmapCustomLayout: on"));
    assert!(c.unwrap().layout.ifmap);
    assert!(
        parse_config(&base.replace("IfmapCustomLayout: False", "IfmapCustomLayout: maybe"))
            .is_err()
    );
    assert!(parse_config(&base.replace("Dataflow : is", "Dataflow : IS")).is_err());
    assert!(parse_config(&base.replace("IfmapOffset: 0", "IfmapOffset: -5")).is_err());
    // A value-less line is an error; so is text before the first section.
    assert!(parse_config(&format!("x = 1\n{base}")).is_err());
    assert!(parse_config(&base.replace("WriteRequestBuffer: 32", "WriteRequestBuffer")).is_err());
    // A byte-order mark is accepted.
    assert!(parse_config(&format!("\u{feff}{base}")).is_ok());
}

#[test]
fn parsers_never_panic() {
    let config = read("runs/golden/scalecfg_calc__alexnet_part__ws/scalesim.cfg");
    let samples = [
        config.replace("SparsitySupport : false", "SparsitySupport : true"),
        config.replace("IfmapCustomLayout: False", "IfmapCustomLayout: True"),
        read("topologies/resnet18.csv"),
        "Layer name, factors and orders,\nL0,1,2,1,1,3,4,0,1,2,3,4,5,4,5,6,7,0,1,2,3,\n\
         L1_DP,1,1,1,1,2,1,3,4,5,0,1,2,4,5,6,7,0,1,2,3,\n"
            .to_string(),
    ];
    let mut x: u64 = 1;
    for s in &samples {
        let bytes = s.as_bytes();
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut b = bytes.to_vec();
            for _ in 0..(x % 4 + 1) {
                let i = (x as usize / 7) % b.len();
                let c = b",:=[]\n\r %#;-0129xDP\xef\xbb\xbf"[(x as usize / 13) % 21];
                match x % 3 {
                    0 => b[i] = c,
                    1 => b.insert(i, c),
                    _ => {
                        b.remove(i);
                    }
                }
                x = x.rotate_left(9).wrapping_add(0x9e37);
            }
            let t = String::from_utf8_lossy(&b);
            if let Err(e) = parse_config(&t) {
                assert!(
                    e.span.end <= t.len()
                        && t.is_char_boundary(e.span.start)
                        && t.is_char_boundary(e.span.end)
                );
            }
            for gemm in [false, true] {
                if let Err(e) = parse_topology(&t, gemm) {
                    assert!(e.span.end <= t.len() && t.is_char_boundary(e.span.start));
                }
            }
            if let Err(e) = parse_layout(&t) {
                assert!(e.span.end <= t.len() && t.is_char_boundary(e.span.start));
            }
        }
    }
}

//! ONNX import: the torchvision fixtures in `tests/onnx/` (architecture-only exports) import
//! with their known layer counts, shapes and MAC totals, and evaluate; the micro-graphs of
//! `tests/onnx/micro/` (built by `tests/onnx/make_micro.py`) cover the edge cases and the
//! faults; per-side pads and `output_padding` in `.df` itself.

use dfc::backends::cost::Model;
use dfc::diagnostics::{Code, Diagnostic};
use dfc::interop::onnx;
use dfc::ir::{self, LayerOp};
use dfc::source::{FileId, SourceMap};

use crate::common::{self, dfc};

fn bytes(path: &str) -> Vec<u8> {
    std::fs::read(common::root().join(path)).expect("fixture is readable")
}

fn import_bytes(
    bytes: &[u8],
    shapes: &[(String, Vec<u64>)],
) -> (Option<onnx::Imported>, Vec<Diagnostic>) {
    onnx::import(&onnx::Inputs {
        file: FileId(0),
        bytes,
        input_shapes: shapes,
        name: "net",
    })
}

fn import(path: &str) -> onnx::Imported {
    let (imported, diags) = import_bytes(&bytes(path), &[]);
    assert!(diags.is_empty(), "{path}: {diags:?}");
    imported.expect("imports")
}

fn network(imported: &onnx::Imported) -> &ir::Network {
    &imported.program.networks[0]
}

fn total_macs(net: &ir::Network) -> u64 {
    net.layers.iter().map(ir::Layer::macs).sum()
}

/// Each layer's name, operator, shape and predecessors.
fn layers_without_spans(n: &ir::Network) -> Vec<(String, LayerOp, ir::Shape, Vec<usize>)> {
    n.layers
        .iter()
        .map(|l| (l.name.clone(), l.op, l.shape, l.preds.clone()))
        .collect()
}

fn op_counts(net: &ir::Network) -> Vec<(LayerOp, usize)> {
    LayerOp::ALL
        .iter()
        .map(|op| (*op, net.layers.iter().filter(|l| l.op == *op).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Compile `.df` text (with `std::` imports) as `dfc check` would.
fn compile(text: &str) -> (SourceMap, Option<ir::Program>, Vec<Diagnostic>) {
    let dir = std::env::temp_dir().join(format!("dfc-onnx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = dir.join(format!("program_{n}.df"));
    std::fs::write(&path, text).expect("write");
    let (sources, program, diags) = common::compile(&path);
    (sources, program, diags)
}

#[test]
fn resnet18_matches_the_known_totals_and_the_stdlib_network() {
    let imported = import("tests/onnx/resnet18.onnx");
    let net = network(&imported);
    assert_eq!(net.layers.len(), 21);
    assert_eq!(total_macs(net), 1_814_073_344);
    assert_eq!(net.layers[0].name, "conv1");
    assert_eq!(net.layers[0].macs(), 118_013_952);
    assert_eq!(
        op_counts(net),
        [(LayerOp::Conv, 17), (LayerOp::PwConv, 3), (LayerOp::Fc, 1)]
    );
    // The stdlib network was written by hand from torchvision's modules: the same shapes
    // and the same residual `after` edges, layer by layer.
    let (_, stdlib, diags) = common::compile(&common::root().join("stdlib/networks/resnet18.df"));
    assert!(diags.is_empty(), "{diags:?}");
    let stdlib = stdlib.expect("stdlib compiles");
    let reference = &stdlib.networks[0];
    assert_eq!(reference.layers.len(), net.layers.len());
    for (a, b) in net.layers.iter().zip(&reference.layers) {
        assert_eq!((a.op, a.shape), (b.op, b.shape), "{} vs {}", a.name, b.name);
        let mut preds = b.preds.clone();
        preds.sort_unstable();
        assert_eq!(a.preds, preds, "{} vs {}", a.name, b.name);
    }
}

#[test]
fn mobilenet_v2_matches_the_stdlib_shapes() {
    let imported = import("tests/onnx/mobilenet_v2.onnx");
    let net = network(&imported);
    assert_eq!(net.layers.len(), 53);
    assert_eq!(total_macs(net), 300_774_272);
    assert_eq!(
        op_counts(net),
        [
            (LayerOp::Conv, 1),
            (LayerOp::DwConv, 17),
            (LayerOp::PwConv, 34),
            (LayerOp::Fc, 1)
        ]
    );
    let (_, stdlib, _) = common::compile(&common::root().join("stdlib/networks/mobilenet_v2.df"));
    let reference = &stdlib.expect("stdlib compiles").networks[0];
    let shapes = |n: &ir::Network| -> Vec<(LayerOp, u64)> {
        n.layers.iter().map(|l| (l.op, l.macs())).collect()
    };
    assert_eq!(shapes(net), shapes(reference));
    // Clip (ReLU6) and Add are carried, folded constants too.
    assert_eq!(imported.transformers.get("Clip"), Some(&35));
    assert_eq!(imported.transformers.get("Add"), Some(&10));
}

#[test]
fn vit_b_16_folds_its_shape_arithmetic() {
    let imported = import("tests/onnx/vit_b_16.onnx");
    let net = network(&imported);
    assert_eq!(net.layers.len(), 74);
    // Patch embedding 768·3·16·16·14·14, twelve encoder blocks of 1,453,954,560 (QKV,
    // Q·Kᵀ, A·V, output projection, MLP) and the 768 → 1000 head.
    assert_eq!(total_macs(net), 115_605_504 + 12 * 1_453_954_560 + 768_000);
    assert_eq!(
        op_counts(net),
        [
            (LayerOp::Conv, 1),
            (LayerOp::Gemm, 48),
            (LayerOp::Fc, 1),
            (LayerOp::Matmul, 24)
        ]
    );
    let scores = &net.layers[2];
    assert_eq!(scores.op, LayerOp::Matmul);
    let s = scores.shape;
    assert_eq!((s.n, s.y, s.k, s.c), (12, 197, 197, 64));
    // Q·Kᵀ reads only the QKV projection; the next block's QKV reads every residual source.
    assert_eq!(scores.preds, [1]);
    assert_eq!(net.layers[7].preds, [0, 4, 6]);
    for op in [
        "Shape", "Gather", "Slice", "Concat", "Reshape", "Where", "Expand",
    ] {
        assert!(imported.transformers.contains_key(op), "{op} carried");
    }
}

/// The emitted `.df` re-parses to the same network, and evaluates on stdlib hardware with
/// every layer searched.
#[test]
fn emitted_networks_reparse_and_evaluate() {
    for (file, name) in [
        ("tests/onnx/resnet18.onnx", "resnet18"),
        ("tests/onnx/mobilenet_v2.onnx", "mobilenet_v2"),
        ("tests/onnx/vit_b_16.onnx", "vit_b_16"),
    ] {
        let (imported, _) = onnx::import(&onnx::Inputs {
            file: FileId(0),
            bytes: &bytes(file),
            input_shapes: &[],
            name,
        });
        let imported = imported.expect("imports");
        let text = onnx::emit(&imported, name);
        let program = format!(
            "{text}\nuse std::hardware::edge256;\n\
             mapping on_edge {{ network: {name}; hardware: edge256; dataflow: search; }}\n"
        );
        let (_, lowered, diags) = compile(&program);
        assert!(diags.is_empty(), "{name}: {diags:?}");
        let lowered = lowered.expect("the emitted network checks");
        let net = &lowered.networks[0];
        let original = network(&imported);
        assert_eq!(
            layers_without_spans(net),
            layers_without_spans(original),
            "{name}"
        );
        let opts = dfc::search::SearchOptions {
            budget: 60,
            ..Default::default()
        };
        let evaluation = dfc::search::evaluate_with_search(
            &lowered,
            ir::MappingId(0),
            Model::Default,
            &opts,
            false,
            &|_| {},
        );
        let totals = &evaluation.report.totals;
        assert!(
            !dfc::diagnostics::has_errors(&evaluation.diagnostics),
            "{name}: {:?}",
            evaluation.diagnostics
        );
        assert_eq!(totals.layers_evaluated, original.layers.len(), "{name}");
        assert_eq!(totals.num_macs as u64, total_macs(original), "{name}");
    }
}

fn micro(name: &str) -> (Option<onnx::Imported>, Vec<Diagnostic>) {
    import_bytes(&bytes(&format!("tests/onnx/micro/{name}.onnx")), &[])
}

/// The network's layer lines as emitted.
fn layer_lines(imported: &onnx::Imported) -> Vec<String> {
    onnx::emit(imported, "micro")
        .lines()
        .filter(|l| l.starts_with("    "))
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn micro_graphs_import_edge_cases() {
    let expected: &[(&str, &[&str])] = &[
        ("padding", &[
            "asym = conv(K: 8, C: 3, R: 3, S: 3, Y: 56, X: 56, stride: 2, pad_top: 0, pad_bottom: 1, pad_left: 0, pad_right: 1);",
            "same_upper = conv(K: 8, C: 8, R: 3, S: 3, Y: 28, X: 28, stride: 2, pad_top: 0, pad_bottom: 1, pad_left: 0, pad_right: 1);",
            "same_lower = conv(K: 8, C: 8, R: 4, S: 4, Y: 14, X: 14, stride: 2, pad: 1);",
            "dilated = conv(K: 8, C: 8, R: 3, S: 3, Y: 7, X: 7, pad: 2, dilation: 2);",
        ]),
        ("groups", &[
            "dw = dwconv(C: 16, R: 3, S: 3, Y: 20, X: 20, N: 2, pad: 1);",
            "grouped = conv(K: 32, C: 16, R: 3, S: 3, Y: 20, X: 20, N: 2, pad: 1, groups: 4);",
            "multiplier = conv(K: 64, C: 32, R: 1, S: 1, Y: 20, X: 20, N: 2, groups: 32);",
            "pw = pwconv(K: 8, C: 64, Y: 20, X: 20, N: 2);",
            "conv1d = conv(K: 4, C: 8, R: 1, S: 5, Y: 1, X: 400, N: 2, stride_y: 1, stride_x: 2, pad_y: 0, pad_x: 1);",
        ]),
        ("transposed", &[
            "up = tconv(K: 4, C: 8, R: 3, S: 3, Y: 14, X: 14, stride: 2, pad: 1, output_padding: 1);",
            "to_shape = tconv(K: 4, C: 4, R: 2, S: 2, Y: 28, X: 28, stride: 2, output_padding_y: 1, output_padding_x: 2);",
            "same = tconv(K: 4, C: 4, R: 3, S: 3, Y: 57, X: 58, stride: 2, pad_top: 0, pad_bottom: 1, pad_left: 0, pad_right: 1);",
            "grouped = tconv(K: 6, C: 4, R: 1, S: 1, Y: 114, X: 116, groups: 2);",
        ]),
        ("attention", &[
            "q_proj = gemm(M: 10, N: 32, K: 32);",
            "k_proj = gemm(M: 10, N: 32, K: 32) after input;",
            "scores = matmul(B: 4, M: 10, N: 10, K: 8) after q_proj, k_proj;",
            "context = matmul(B: 4, M: 10, N: 8, K: 10) after q_proj, scores;",
            "out_proj = gemm(M: 10, N: 32, K: 32);",
            "ffn = gemm(M: 10, N: 16, K: 64) after k_proj, out_proj;",
        ]),
        ("shuffle", &[
            "conv_a = pwconv(K: 12, C: 4, Y: 9, X: 9);",
            "conv_b = conv(K: 12, C: 12, R: 3, S: 3, Y: 9, X: 9, pad: 1);",
            "conv_c = pwconv(K: 6, C: 12, Y: 4, X: 4);",
        ]),
    ];
    for (name, lines) in expected {
        let (imported, diags) = micro(name);
        assert!(diags.is_empty(), "{name}: {diags:?}");
        let imported = imported.expect("imports");
        assert_eq!(layer_lines(&imported), *lines, "{name}");
        let (_, lowered, diags) = compile(&onnx::emit(&imported, name));
        assert!(diags.is_empty(), "{name} re-checks: {diags:?}");
        let lowered = lowered.expect("lowers");
        assert_eq!(
            layers_without_spans(&lowered.networks[0]),
            layers_without_spans(network(&imported)),
            "{name}"
        );
    }
}

fn codes(diags: &[Diagnostic]) -> Vec<Code> {
    diags.iter().map(|d| d.code).collect()
}

#[test]
fn faulty_graphs_get_one_coded_error_naming_the_node() {
    let cases = [
        ("cycle", Code::OnnxCycle, "`add`"),
        ("unknown_op", Code::OnnxUnsupportedOperator, "`fancy`"),
        (
            "data_reshape",
            Code::OnnxUninferableShape,
            "`reshape_by_data`",
        ),
        ("symbolic", Code::OnnxMissingShape, "`in`"),
        ("bad_weights", Code::OnnxBadGraph, "`conv`"),
        ("no_macs", Code::OnnxBadGraph, "no MAC operator"),
    ];
    for (name, code, mention) in cases {
        let (imported, diags) = micro(name);
        assert!(imported.is_none(), "{name}");
        assert_eq!(codes(&diags), [code], "{name}: {diags:?}");
        assert!(
            diags[0].message.contains(mention),
            "{name}: {}",
            diags[0].message
        );
        assert_eq!(diags[0].labels.len(), 1, "{name}: located");
    }
    // An unknown operator no layer depends on is skipped with a warning.
    let (imported, diags) = micro("unknown_tail");
    assert_eq!(codes(&diags), [Code::OnnxSkippedOperator]);
    assert_eq!(network(&imported.expect("imports")).layers.len(), 1);
}

#[test]
fn files_that_are_not_onnx_models_are_refused() {
    let not_onnx: [&[u8]; 3] = [b"", b"network n { }\n", &[0xff; 64]];
    for bytes in not_onnx {
        let (imported, diags) = import_bytes(bytes, &[]);
        assert!(imported.is_none());
        assert_eq!(codes(&diags), [Code::OnnxUnreadable], "{bytes:?}");
    }
    // Cut short anywhere: refused, never a panic, never a partial network.
    let full = bytes("tests/onnx/resnet18.onnx");
    for cut in (1..full.len()).step_by(97) {
        let (imported, diags) = import_bytes(&full[..cut], &[]);
        assert!(imported.is_none(), "cut at {cut}");
        assert_eq!(codes(&diags), [Code::OnnxUnreadable], "cut at {cut}");
    }
}

#[test]
fn input_shapes_supply_and_replace_graph_input_shapes() {
    let shape = |name: &str, dims: &[u64]| vec![(name.to_string(), dims.to_vec())];
    let symbolic = bytes("tests/onnx/micro/symbolic.onnx");
    let (imported, diags) = import_bytes(&symbolic, &shape("in", &[2, 3, 8, 8]));
    assert!(diags.is_empty(), "{diags:?}");
    let imported = imported.expect("imports");
    let layer = &network(&imported).layers[0];
    assert_eq!((layer.shape.n, layer.shape.out_y), (2, 6));
    let (imported, diags) = import_bytes(&symbolic, &shape("image", &[1, 3, 8, 8]));
    assert!(imported.is_none());
    assert_eq!(
        codes(&diags),
        [Code::OnnxMissingShape, Code::OnnxMissingShape]
    );
    // ResNet-18 at 112×112: the stem does a quarter of the work, the classifier the same.
    let resnet = bytes("tests/onnx/resnet18.onnx");
    let (imported, diags) = import_bytes(&resnet, &shape("input", &[1, 3, 112, 112]));
    assert!(diags.is_empty(), "{diags:?}");
    let imported = imported.expect("imports");
    let net = network(&imported);
    assert_eq!(net.layers[0].macs(), 118_013_952 / 4);
    assert_eq!(net.layers[20].macs(), 512_000);
}

#[test]
fn per_side_pads_and_output_padding_in_df() {
    let text = "network n {\n\
        a = conv(K: 8, C: 3, R: 3, S: 3, Y: 56, X: 56, stride: 2, pad_bottom: 1, pad_right: 1);\n\
        b = tconv(K: 4, C: 8, R: 3, S: 3, Y: 28, X: 28, stride: 2, pad: 1, output_padding: 1);\n\
        c = dwconv(C: 4, R: 3, S: 3, Y: 56, X: 56, pad: 1, pad_top: 2);\n\
        d = tconv(K: 4, C: 4, R: 3, S: 3, Y: 28, X: 28, stride: 2, groups: 2, output_padding_x: 1);\n\
    }\n";
    let (_, program, diags) = compile(text);
    assert!(diags.is_empty(), "{diags:?}");
    let program = program.expect("lowers");
    let l = &program.networks[0].layers;
    let out = |i: usize| (l[i].shape.out_y, l[i].shape.out_x);
    assert_eq!(out(0), (28, 28));
    assert_eq!(out(1), (56, 56));
    assert_eq!(out(2), (57, 56));
    assert_eq!(out(3), (57, 58));
    // The loop bounds the back ends see give the same outputs: Y = padded input.
    assert_eq!(l[0].loop_bound(ir::Dim::Y), 57);
    assert_eq!(l[1].loop_bound(ir::Dim::Y), 2 * 27 + 1 + 1 + 1 + 1);
    assert_eq!(l[2].loop_bound(ir::Dim::Y), 59);
    assert_eq!(l[1].macs(), 4 * 8 * 9 * 28 * 28);
    assert_eq!(l[3].shape.g, 2);
    // Printed back, and re-lowered to the same layers.
    let emitted = ir::emit::emit(&program);
    assert!(
        emitted.contains("pad_top: 0, pad_bottom: 1, pad_left: 0, pad_right: 1"),
        "{emitted}"
    );
    assert!(emitted.contains("output_padding: 1"), "{emitted}");
    assert!(
        emitted.contains("pad_top: 2, pad_bottom: 1, pad_left: 1, pad_right: 1"),
        "{emitted}"
    );
    let (_, again, diags) = compile(&emitted);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(ir::emit::emit(&again.expect("lowers")), emitted);
    // Only transposed convolutions take an output padding; a pointwise one has no pads.
    for bad in [
        "network n { a = conv(K: 8, C: 3, R: 3, S: 3, Y: 8, X: 8, output_padding: 1); }",
        "network n { a = pwconv(K: 8, C: 3, Y: 8, X: 8, pad_top: 1); }",
    ] {
        let (_, program, diags) = compile(bad);
        assert!(program.is_none());
        assert_eq!(codes(&diags), [Code::UnknownField], "{bad}");
    }
}

#[test]
fn import_onnx_command_exit_codes() {
    let ok = dfc(&[
        "import",
        "onnx",
        "tests/onnx/resnet18.onnx",
        "--name",
        "r18",
    ]);
    assert_eq!(ok.status.code(), Some(0));
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(
        text.starts_with("// Imported from `resnet18.onnx` (ONNX opset 17)"),
        "{text}"
    );
    assert!(text.contains("21 MAC layers, 1,814,073,344 MACs"), "{text}");
    assert!(text.contains("network r18 {"), "{text}");
    let not_onnx = dfc(&["import", "onnx", "Cargo.toml"]);
    assert_eq!(not_onnx.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&not_onnx.stderr).contains("E0604"));
    let cycle = dfc(&[
        "import",
        "onnx",
        "tests/onnx/micro/cycle.onnx",
        "--diagnostic-format",
        "short",
    ]);
    assert_eq!(cycle.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&cycle.stderr);
    assert!(
        stderr.starts_with("tests/onnx/micro/cycle.onnx:1:1: error[E0605]"),
        "{stderr}"
    );
    let missing = dfc(&["import", "onnx", "no/such/model.onnx"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("E0901"));
    let usage = dfc(&[
        "import",
        "onnx",
        "tests/onnx/resnet18.onnx",
        "--input-shape",
        "input=1x3xAx2",
    ]);
    assert_eq!(usage.status.code(), Some(2));
    let symbolic = dfc(&[
        "import",
        "onnx",
        "tests/onnx/micro/symbolic.onnx",
        "--input-shape",
        "in=4x3x8x8",
    ]);
    assert_eq!(symbolic.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&symbolic.stdout)
        .contains("conv = conv(K: 4, C: 3, R: 3, S: 3, Y: 8, X: 8, N: 4);"));
}

/// Seeded byte mutations of every fixture (values in varints change: zero strides, huge
/// dimensions, negative pads, broken references): never a panic; either a clean import or
/// coded errors, all located in the file.
#[test]
fn mutated_models_never_panic() {
    let mut files: Vec<String> = common::files("tests/onnx/micro", "onnx")
        .iter()
        .map(|p| common::relative(p))
        .collect();
    files.push("tests/onnx/resnet18.onnx".to_string());
    let mut rng = dfc::util::Rng::new(18);
    for file in &files {
        let original = bytes(file);
        for _ in 0..mutants() {
            let mut mutant = original.clone();
            for _ in 0..=rng.below(3) {
                let at = rng.below(mutant.len());
                mutant[at] = rng.next_u64() as u8;
            }
            let (imported, diags) = import_bytes(&mutant, &[]);
            let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
            assert_eq!(imported.is_some(), errors.is_empty(), "{file}: {diags:?}");
            assert!(
                diags.iter().all(|d| d.labels.len() == 1),
                "{file}: {diags:?}"
            );
        }
    }
}

/// Mutants per file: 150, or `DFC_ONNX_MUTANTS` for a longer run.
fn mutants() -> usize {
    std::env::var("DFC_ONNX_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(150)
}

//! Inputs that used to exhaust the stack: a million-term expression lowers, evaluates and
//! emits in a thread with an ordinary 2 MiB stack; a million-deep nesting is one `E0007`.

use super::lower_text;
use crate::diagnostics::Code;
use crate::ir::{emit, Directive, Expr};

const TERMS: usize = 1_000_000;

/// Run `f` on a thread with a 2 MiB stack, as a spawned thread gets by default.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread starts")
        .join()
        .expect("no stack overflow or panic");
}

fn program(size: &str) -> String {
    format!(
        "network n {{ c = conv(K: 8, C: 8, R: 1, S: 1, Y: 4, X: 4); }}\n\
         hardware h {{ pes: 8; l1: 512 elem; l2: 65536 elem; noc {{ bandwidth: 8 elem/cycle; }} }}\n\
         dataflow d {{ spatial(1, 1) K; temporal({size}, {size}) C; }}\n\
         mapping m {{ network: n; hardware: h; dataflow: d; }}\n"
    )
}

#[test]
fn a_million_constant_terms_fold_to_one_constant() {
    on_small_stack(|| {
        // 1 + 1 + … + 1 − (TERMS − 8): the tile is 8.
        let size = format!("{} - {}", vec!["1"; TERMS].join(" + "), TERMS - 8);
        let (_, program, diags) = lower_text("long.df", &program(&size));
        assert_eq!(diags.len(), 0, "{diags:?}");
        let program = program.expect("lowers");
        let Directive::Map { size, .. } = &program.dataflows[0].directives[1] else {
            panic!("second directive is a map")
        };
        assert_eq!(*size, Expr::Const(8));
    });
}

#[test]
fn a_million_term_chain_lowers_evaluates_and_emits() {
    on_small_stack(|| {
        // Sz(C) + Sz(C) − Sz(C) + … − Sz(C): a million operators, alternating, so the tile
        // is Sz(C) = 8 for the layer.
        let mut size = String::from("Sz(C)");
        for _ in 0..TERMS / 2 {
            size.push_str(" + Sz(C) - Sz(C)");
        }
        let (_, program, diags) = lower_text("chain.df", &program(&size));
        assert_eq!(diags.len(), 0, "{diags:?}");
        let program = program.expect("lowers");
        let Directive::Map {
            size: Expr::Chain(_, rest),
            ..
        } = &program.dataflows[0].directives[1]
        else {
            panic!("the size is one flat chain")
        };
        assert_eq!(rest.len(), TERMS);
        let text = emit::emit(&program);
        assert_eq!(text.matches("Sz(C)").count(), 2 * (TERMS + 1));
    });
}

#[test]
fn a_million_nested_parentheses_are_one_located_error() {
    on_small_stack(|| {
        let size = format!("{}1{}", "(".repeat(TERMS), ")".repeat(TERMS));
        let text = program(&size);
        let (sources, program, diags) = lower_text("deep.df", &text);
        assert!(program.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, Code::NestingTooDeep);
        let span = diags[0].labels[0].span;
        // The dataflow's `{` is level 1 and `temporal(` level 2: level 101 is the 99th `(` of
        // the first size, on line 3.
        let temporal = text.find("((").expect("parentheses");
        assert_eq!(span.start as usize, temporal + 99);
        let lc = sources.file(span.file).line_col(span.start as usize);
        assert_eq!(lc.line, 3);
    });
}

#[test]
fn a_million_nested_blocks_are_one_located_error() {
    on_small_stack(|| {
        let text = format!(
            "hardware h {{ {}{} }}\n",
            "a { ".repeat(TERMS),
            "} ".repeat(TERMS)
        );
        let (_, program, diags) = lower_text("blocks.df", &text);
        assert!(program.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, Code::NestingTooDeep);
        // `hardware h {` is level 1; the 100th `a {` opens level 101.
        assert_eq!(diags[0].labels[0].span.start as usize, 13 + 99 * 4 + 2);
    });
}

/// The back ends read a depthwise layer's channels as `C`: a `C` tile of 3 on 576 channels is
/// not clamped (it was once reported against the single channel per group).
#[test]
fn a_depthwise_channel_tile_is_not_reported_as_clamped() {
    let text = "network n { dw = dwconv(C: 576, R: 3, S: 3, Y: 16, X: 16); }\n\
                hardware h { pes: 8; l1: 512 elem; l2: 65536 elem; noc { bandwidth: 8 elem/cycle; } }\n\
                dataflow d { spatial(1, 1) Y; temporal(3, 3) C; temporal(8, 8) X; }\n\
                mapping m { network: n; hardware: h; dataflow: d; }\n";
    let (_, program, diags) = lower_text("dw.df", text);
    assert!(program.is_some());
    // `X` has 16 columns, so the tile of 8 fits too.
    assert_eq!(diags.len(), 0, "{diags:?}");
    let clamped = text.replace("temporal(3, 3) C", "temporal(600, 600) C");
    let (_, _, diags) = lower_text("dw.df", &clamped);
    let codes: Vec<Code> = diags.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::TileClamped]);
}

//! IR to `.df` text. The IR is turned back into an AST and printed by the one printer
//! (`syntax::printer`), so emitted programs look exactly like formatted ones and re-parse to
//! the same IR. Every generator and importer emits through here.

mod sparsity;
mod sweep;
mod systolic;

use super::*;
use crate::source::{FileId, Span};
use crate::syntax::{ast, printer};
use sparsity::{layer_sparsity, sparse_support};
use sweep::sweep;

/// The whole program as `.df` text: networks, hardware, dataflows, mappings, tests.
pub fn emit(program: &Program) -> String {
    printer::print(&to_ast(program), "")
}

/// The program as an AST with empty spans.
pub fn to_ast(program: &Program) -> ast::File {
    let p = program;
    let mut items: Vec<ast::Item> = Vec::new();
    items.extend(p.networks.iter().map(|n| ast::Item::Network(network(n))));
    items.extend(p.hardware.iter().map(|h| ast::Item::Hardware(hardware(h))));
    items.extend(p.dataflows.iter().map(|d| ast::Item::Dataflow(dataflow(d))));
    items.extend(p.mappings.iter().map(|m| ast::Item::Mapping(mapping(p, m))));
    items.extend(
        p.accelerators
            .iter()
            .map(|a| ast::Item::Accelerator(accelerator(p, a))),
    );
    items.extend(
        p.workloads
            .iter()
            .map(|w| ast::Item::Workload(workload(p, w))),
    );
    items.extend(p.sweeps.iter().map(|s| ast::Item::Sweep(sweep(p, s))));
    items.extend(p.tests.iter().map(|t| ast::Item::Test(test(p, t))));
    ast::File {
        items,
        comments: Vec::new(),
    }
}

fn nospan() -> Span {
    Span::new(FileId(0), 0..0)
}

fn ident(name: &str) -> ast::Ident {
    ast::Ident {
        name: name.to_string(),
        span: nospan(),
    }
}

/// An entry part of plain words: `int4 w`.
fn part(words: &[&str]) -> ast::BlockPart {
    ast::BlockPart {
        words: words.iter().map(|w| ast::Word::Name(ident(w))).collect(),
        span: nospan(),
    }
}

fn number(text: impl ToString) -> ast::Number {
    ast::Number {
        text: text.to_string(),
        span: nospan(),
    }
}

fn arg(key: &str, value: u64) -> ast::Arg {
    ast::Arg {
        key: ident(key),
        value: ast::Expr::Number(number(value)),
        span: nospan(),
    }
}

fn network(n: &Network) -> ast::Network {
    ast::Network {
        name: ident(&n.name),
        layers: n
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| layer(n, i, l))
            .collect(),
        span: nospan(),
    }
}

fn layer(n: &Network, index: usize, l: &Layer) -> ast::Layer {
    let s = &l.shape;
    let mut args = Vec::new();
    let mut push = |k: &str, v: u64| args.push(arg(k, v));
    let pairs = |push: &mut dyn FnMut(&str, u64), name: &str, y: u64, x: u64, default: u64| {
        if y == x {
            if y != default {
                push(name, y);
            }
        } else {
            push(&format!("{name}_y"), y);
            push(&format!("{name}_x"), x);
        }
    };
    match l.op {
        LayerOp::Conv | LayerOp::TConv | LayerOp::PwConv | LayerOp::DwConv => {
            if l.op == LayerOp::DwConv {
                push("C", s.g);
            } else {
                push("K", s.k * s.g);
                push("C", s.c * s.g);
            }
            if l.op != LayerOp::PwConv {
                push("R", s.r);
                push("S", s.s);
            }
            if s.output_declared_y {
                push("Y'", s.out_y);
            } else {
                push("Y", s.y);
            }
            if s.output_declared_x {
                push("X'", s.out_x);
            } else {
                push("X", s.x);
            }
            if s.batch_declared {
                push("N", s.n);
            }
            pairs(&mut push, "stride", s.stride_y, s.stride_x, 1);
            if l.op != LayerOp::PwConv {
                if s.pad_top == s.pad_bottom && s.pad_left == s.pad_right {
                    pairs(&mut push, "pad", s.pad_top, s.pad_left, 0);
                } else {
                    push("pad_top", s.pad_top);
                    push("pad_bottom", s.pad_bottom);
                    push("pad_left", s.pad_left);
                    push("pad_right", s.pad_right);
                }
                pairs(&mut push, "dilation", s.dilation_y, s.dilation_x, 1);
            }
            pairs(
                &mut push,
                "output_padding",
                s.output_padding_y,
                s.output_padding_x,
                0,
            );
            if s.g > 1 && l.op != LayerOp::DwConv {
                push("groups", s.g);
            }
        }
        LayerOp::Gemm => {
            push("M", s.y);
            push("N", s.k);
            push("K", s.c);
        }
        LayerOp::Fc => {
            push("K", s.k);
            push("C", s.c);
            if s.batch_declared {
                push("N", s.n);
            }
        }
        LayerOp::Matmul => {
            push("B", s.n);
            push("M", s.y);
            push("N", s.k);
            push("K", s.c);
        }
    }
    // A chain (after the layer before) is the default and is not written.
    let chain: Vec<usize> = index.checked_sub(1).into_iter().collect();
    let after = if l.preds == chain {
        Vec::new()
    } else if l.preds.is_empty() {
        vec![ident("input")]
    } else {
        l.preds
            .iter()
            .filter_map(|&p| n.layers.get(p))
            .map(|p| ident(&p.name))
            .collect()
    };
    ast::Layer {
        name: ident(&l.name),
        op: ident(l.op.name()),
        args,
        after,
        span: nospan(),
    }
}

fn quantity(value: impl ToString, unit: Option<(&str, Option<&str>)>) -> ast::Value {
    ast::Value::Quantity(quantity_ast(value, unit))
}

fn quantity_ast(value: impl ToString, unit: Option<(&str, Option<&str>)>) -> ast::Quantity {
    ast::Quantity {
        number: number(value),
        unit: unit.map(|(name, per)| ast::Unit {
            name: ident(name),
            per: per.map(ident),
            span: nospan(),
        }),
        span: nospan(),
    }
}

fn field(key: &str, value: ast::Value) -> ast::Field {
    ast::Field {
        key: ident(key),
        value: ast::FieldValue::Value(value),
        span: nospan(),
    }
}

fn block(key: &str, fields: Vec<ast::Field>) -> ast::Field {
    ast::Field {
        key: ident(key),
        value: ast::FieldValue::Block(fields),
        span: nospan(),
    }
}

fn size(s: Size) -> ast::Value {
    match s {
        Size::Elements(n) => quantity(n, Some(("elem", None))),
        Size::Bytes(n) if n >= 1024 * 1024 && n % (1024 * 1024) == 0 => {
            quantity(n / (1024 * 1024), Some(("MiB", None)))
        }
        Size::Bytes(n) if n >= 1024 && n % 1024 == 0 => quantity(n / 1024, Some(("KiB", None))),
        Size::Bytes(n) => quantity(n, Some(("B", None))),
    }
}

fn bandwidth(b: Bandwidth) -> ast::Value {
    match b {
        Bandwidth::ElementsPerCycle(n) => quantity(n, Some(("elem", Some("cycle")))),
        Bandwidth::BytesPerCycle(n) => quantity(n, Some(("B", Some("cycle")))),
    }
}

/// A float as the shortest text that reads back to the same value.
fn float(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// The `noc` fields of the NoC models, only those that are set.
fn noc_model_fields(n: &super::noc::NocConfig) -> Vec<ast::Field> {
    let name = |s: &str| ast::Value::Name(ident(s));
    let mut out = Vec::new();
    if let Some(t) = n.topology {
        out.push(field("topology", name(t.name())));
    }
    if let Some(k) = n.fanout {
        out.push(field("fanout", quantity(k, None)));
    }
    if let Some(r) = n.in_network_reduction {
        out.push(field(
            "reduction",
            name(if r { "in_network" } else { "none" }),
        ));
    }
    if let Some(m) = n.multicast_replication {
        out.push(field(
            "multicast",
            name(if m { "replicate" } else { "unicast" }),
        ));
    }
    if let Some(b) = n.wireless_bandwidth {
        out.push(field("wireless_bandwidth", bandwidth(b)));
    }
    if let Some(m) = n.mac {
        out.push(field("mac", name(m.name())));
    }
    out
}

fn hardware(h: &Hardware) -> ast::Hardware {
    let mut noc = vec![
        field("bandwidth", bandwidth(h.noc_bandwidth)),
        field(
            "latency",
            quantity(
                h.noc_latency_cycles,
                Some((
                    if h.noc_latency_cycles == 1 {
                        "cycle"
                    } else {
                        "cycles"
                    },
                    None,
                )),
            ),
        ),
    ];
    noc.extend(noc_model_fields(&h.noc));
    let mut fields = vec![
        field("pes", quantity(h.pes, None)),
        field("macs_per_pe", quantity(h.macs_per_pe, None)),
        field("l1", size(h.l1)),
        field("l2", size(h.l2)),
        block("noc", noc),
    ];
    if let Some(d) = h.dram_bandwidth {
        fields.push(block("dram", vec![field("bandwidth", bandwidth(d))]));
    }
    if let Some(p) = h.precision {
        fields.push(field("precision", ast::Value::Name(ident(p.name))));
    }
    if let Some(e) = h.energy {
        let pj = |x: f64| quantity(float(x), Some(("pJ", None)));
        let mut entries = vec![
            field("mac", pj(e.mac_pj)),
            field("l1", pj(e.l1_pj)),
            field("l2", pj(e.l2_pj)),
        ];
        if let Some(d) = e.dram_pj {
            entries.push(field("dram", pj(d)));
        }
        fields.push(block("energy", entries));
    }
    if h.sparse != SparseSupport::default() {
        fields.push(sparse_support(&h.sparse));
    }
    if let Some(a) = &h.systolic {
        fields.push(systolic::array(a));
    }
    ast::Hardware {
        name: ident(&h.name),
        fields,
        span: nospan(),
    }
}

fn dataflow(d: &Dataflow) -> ast::Dataflow {
    let params = d
        .params
        .iter()
        .map(|p| ast::Param {
            name: ident(&p.name),
            ty: ident("int"),
            default: p.default.map(|v| ast::Expr::Number(number(v))),
            span: nospan(),
        })
        .collect();
    let directives = d
        .directives
        .iter()
        .map(|dir| match dir {
            Directive::Map {
                kind,
                size,
                offset,
                dim,
                ..
            } => ast::Directive::Map {
                kind: map_kind(*kind),
                size: expr(d, size),
                offset: expr(d, offset),
                dim: ident(dim.name()),
                span: nospan(),
            },
            Directive::Cluster { size, .. } => ast::Directive::Cluster {
                size: expr(d, size),
                kind: None,
                span: nospan(),
            },
        })
        .collect();
    ast::Dataflow {
        name: ident(&d.name),
        params,
        directives,
        span: nospan(),
    }
}

fn expr(d: &Dataflow, e: &Expr) -> ast::Expr {
    match e {
        Expr::Const(v) => ast::Expr::Number(number(v)),
        Expr::Param(i) => ast::Expr::Name(ident(d.params.get(*i).map_or("?", |p| p.name.as_str()))),
        Expr::Size(dim) => ast::Expr::Size {
            dim: ident(dim.name()),
            span: nospan(),
        },
        Expr::Chain(first, rest) => {
            let precedence = rest.first().map_or(0, |(op, _)| op.precedence());
            // Parenthesise where the grammar's precedence and left associativity would
            // otherwise regroup the operands: a lower-precedence operand anywhere, an equal
            // one after an operator.
            let wrap = |child: &Expr, right: bool| {
                let inner = expr(d, child);
                let needs = match child {
                    Expr::Chain(_, crest) => {
                        let cp = crest.first().map_or(0, |(op, _)| op.precedence());
                        cp < precedence || (right && cp == precedence)
                    }
                    _ => false,
                };
                if needs {
                    ast::Expr::Paren {
                        inner: Box::new(inner),
                        span: nospan(),
                    }
                } else {
                    inner
                }
            };
            ast::Expr::Chain {
                first: Box::new(wrap(first, false)),
                rest: rest
                    .iter()
                    .map(|(op, b)| (binary_operator(*op), wrap(b, true)))
                    .collect(),
                span: nospan(),
            }
        }
    }
}

fn choice(program: &Program, c: &DataflowChoice) -> ast::DataflowChoice {
    match c {
        DataflowChoice::Search { .. } => ast::DataflowChoice::Search(nospan()),
        DataflowChoice::Fixed { dataflow, args, .. } => {
            let df = program.dataflow(*dataflow);
            let args = df
                .params
                .iter()
                .zip(args)
                .filter(|(p, v)| p.default != Some(**v))
                .map(|(p, v)| ast::Arg {
                    key: ident(&p.name),
                    value: ast::Expr::Number(number(v)),
                    span: nospan(),
                })
                .collect();
            ast::DataflowChoice::Use {
                name: ident(&df.name),
                args,
                span: nospan(),
            }
        }
    }
}

/// Choices compare by what they select, not where they were written.
fn same_choice(a: &DataflowChoice, b: &DataflowChoice) -> bool {
    match (a, b) {
        (DataflowChoice::Search { .. }, DataflowChoice::Search { .. }) => true,
        (
            DataflowChoice::Fixed {
                dataflow: da,
                args: aa,
                ..
            },
            DataflowChoice::Fixed {
                dataflow: db,
                args: ab,
                ..
            },
        ) => da == db && aa == ab,
        _ => false,
    }
}

fn mapping(program: &Program, m: &Mapping) -> ast::Mapping {
    let net = program.network(m.network);
    let mut entries = vec![
        ast::MappingEntry::Network {
            name: ident(&net.name),
            span: nospan(),
        },
        ast::MappingEntry::Hardware {
            name: ident(&program.hardware(m.hardware).name),
            span: nospan(),
        },
    ];
    // The most common choice becomes the default (the first one on ties).
    let default = m.layers.iter().map(|l| &l.dataflow).max_by_key(|c| {
        let count = m
            .layers
            .iter()
            .filter(|l| same_choice(&l.dataflow, c))
            .count();
        let first = m.layers.iter().position(|l| same_choice(&l.dataflow, c));
        (count, std::cmp::Reverse(first))
    });
    if let Some(default) = default {
        entries.push(ast::MappingEntry::Dataflow {
            choice: choice(program, default),
            span: nospan(),
        });
        for (layer, lm) in net.layers.iter().zip(&m.layers) {
            if !same_choice(&lm.dataflow, default) {
                entries.push(ast::MappingEntry::Layer {
                    layer: ident(&layer.name),
                    choice: choice(program, &lm.dataflow),
                    span: nospan(),
                });
            }
        }
    }
    let precisions: Vec<ast::BlockEntry> = net
        .layers
        .iter()
        .zip(&m.layers)
        .filter_map(|(layer, lm)| {
            let p = lm.precision?;
            let parts = if p.weights == p.activations {
                vec![part(&[p.weights.name])]
            } else {
                vec![
                    part(&[p.weights.name, "w"]),
                    part(&[p.activations.name, "a"]),
                ]
            };
            Some(ast::BlockEntry {
                layer: Some(ident(&layer.name)),
                parts,
                span: nospan(),
            })
        })
        .collect();
    let sparsities: Vec<ast::BlockEntry> = net
        .layers
        .iter()
        .zip(&m.layers)
        .filter(|(_, lm)| lm.sparsity != LayerSparsity::default())
        .map(|(layer, lm)| ast::BlockEntry {
            layer: Some(ident(&layer.name)),
            parts: layer_sparsity(lm.sparsity),
            span: nospan(),
        })
        .collect();
    if !precisions.is_empty() {
        entries.push(ast::MappingEntry::Block {
            key: ident("precision"),
            entries: precisions,
            span: nospan(),
        });
    }
    if !sparsities.is_empty() {
        entries.push(ast::MappingEntry::Block {
            key: ident("sparsity"),
            entries: sparsities,
            span: nospan(),
        });
    }
    ast::Mapping {
        name: ident(&m.name),
        entries,
        span: nospan(),
    }
}

fn test(program: &Program, t: &Test) -> ast::Test {
    let m = program.mapping(t.mapping);
    let net = program.network(m.network);
    let setting = |key: &str, value: &str| ast::TestStatement::Setting {
        key: ident(key),
        value: ident(value),
        span: nospan(),
    };
    let mut statements = Vec::new();
    if t.name != m.name {
        statements.push(setting("mapping", &m.name));
    }
    if t.run == TestRun::Search {
        statements.push(setting("run", "search"));
    }
    if t.model == CostModel::Maestro {
        statements.push(setting("model", "maestro"));
    }
    for e in &t.expectations {
        let unit = match e.metric {
            Metric::Runtime => Some("cycles"),
            Metric::Energy => Some("pJ"),
            Metric::L1 | Metric::L2 => Some(if e.in_elements { "elem" } else { "B" }),
            Metric::Macs
            | Metric::Throughput
            | Metric::UtilizedPes
            | Metric::Utilization
            | Metric::PeUtilization
            | Metric::MacUtilization => None,
        };
        statements.push(ast::TestStatement::Expect(ast::Expect {
            layer: e
                .layer
                .and_then(|i| net.layers.get(i))
                .map(|l| ident(&l.name)),
            metric: ident(e.metric.name()),
            op: match e.op {
                ExpectOp::Cmp(c) => ast::ExpectOp::Cmp(comparison(c)),
                ExpectOp::Within(p) => ast::ExpectOp::Within(number(float_or_int(p))),
            },
            value: quantity_ast(float_or_int(e.value), unit.map(|u| (u, None))),
            span: nospan(),
        }));
    }
    for snap in &t.snapshots {
        let (what, metrics) = match snap {
            Snapshot::Mapping => ("mapping", Vec::new()),
            Snapshot::Report(ms) => ("report", ms.iter().map(|m| ident(m.name())).collect()),
        };
        statements.push(ast::TestStatement::Snapshot {
            what: ident(what),
            metrics,
            span: nospan(),
        });
    }
    ast::Test {
        name: ident(&t.name),
        statements,
        span: nospan(),
    }
}

fn accelerator(program: &Program, a: &Accelerator) -> ast::Accelerator {
    let mut entries: Vec<ast::AcceleratorEntry> = a
        .subs
        .iter()
        .map(|s| ast::AcceleratorEntry::Sub {
            name: ident(&s.name),
            hardware: ident(&program.hardware(s.hardware).name),
            dataflow: choice(
                program,
                &DataflowChoice::Fixed {
                    dataflow: s.dataflow,
                    args: s.args.clone(),
                    span: nospan(),
                },
            ),
            span: nospan(),
        })
        .collect();
    if let Some(b) = a.dram_bandwidth {
        entries.push(ast::AcceleratorEntry::Field(block(
            "dram",
            vec![field("bandwidth", bandwidth(b))],
        )));
    }
    if let Some(g) = a.global_buffer {
        entries.push(ast::AcceleratorEntry::Field(field(
            "global_buffer",
            size(g),
        )));
    }
    if let Some(c) = a.clock_hz {
        entries.push(ast::AcceleratorEntry::Field(field(
            "clock",
            quantity(float_or_int(c), Some(("Hz", None))),
        )));
    }
    ast::Accelerator {
        name: ident(&a.name),
        entries,
        span: nospan(),
    }
}

fn workload(program: &Program, w: &Workload) -> ast::Workload {
    ast::Workload {
        name: ident(&w.name),
        entries: w
            .networks
            .iter()
            .map(|(n, rate)| ast::WorkloadEntry {
                network: ident(&program.network(*n).name),
                rate: rate.map(|r| quantity_ast(float_or_int(r), Some(("fps", None)))),
                span: nospan(),
            })
            .collect(),
        span: nospan(),
    }
}

fn float_or_int(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        float(x)
    }
}

/// A map kind as the syntax spells it.
fn map_kind(kind: MapKind) -> ast::MapKind {
    match kind {
        MapKind::Spatial => ast::MapKind::Spatial,
        MapKind::Temporal => ast::MapKind::Temporal,
    }
}

/// An arithmetic operator as the syntax spells it.
fn binary_operator(op: BinOp) -> ast::BinOp {
    match op {
        BinOp::Add => ast::BinOp::Add,
        BinOp::Sub => ast::BinOp::Sub,
        BinOp::Mul => ast::BinOp::Mul,
        BinOp::Div => ast::BinOp::Div,
    }
}

/// A comparison operator as the syntax spells it.
fn comparison(op: CmpOp) -> ast::CmpOp {
    match op {
        CmpOp::Lt => ast::CmpOp::Lt,
        CmpOp::Le => ast::CmpOp::Le,
        CmpOp::Gt => ast::CmpOp::Gt,
        CmpOp::Ge => ast::CmpOp::Ge,
        CmpOp::Eq => ast::CmpOp::Eq,
    }
}

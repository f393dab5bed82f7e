//! The abstract syntax tree: what the text says, with a byte span on every node. Names are
//! not resolved and values not checked here; that is `ir::lower`'s job. The AST is the
//! formatter's input, so it keeps spellings (number text, parentheses, optional parts).

use crate::source::Span;
pub use crate::syntax::lexer::Comment;

#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub items: Vec<Item>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A number literal as written (`1_000`, `40e6`).
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub text: String,
    pub span: Span,
}

impl Number {
    /// The value as an integer, if the literal is one (`_` separators allowed).
    pub fn as_u64(&self) -> Option<u64> {
        self.text.replace('_', "").parse().ok()
    }

    pub fn as_f64(&self) -> Option<f64> {
        self.text.replace('_', "").parse().ok()
    }

    pub fn is_integer(&self) -> bool {
        self.text.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Use(Use),
    Network(Network),
    Hardware(Hardware),
    Dataflow(Dataflow),
    Mapping(Mapping),
    Test(Test),
    Accelerator(Accelerator),
    Workload(Workload),
    Sweep(Sweep),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Use(u) => u.span,
            Item::Network(n) => n.span,
            Item::Hardware(h) => h.span,
            Item::Dataflow(d) => d.span,
            Item::Mapping(m) => m.span,
            Item::Test(t) => t.span,
            Item::Accelerator(a) => a.span,
            Item::Workload(w) => w.span,
            Item::Sweep(s) => s.span,
        }
    }

    /// The name the item defines (a `use` defines none of its own).
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Item::Use(_) => None,
            Item::Network(n) => Some(&n.name),
            Item::Hardware(h) => Some(&h.name),
            Item::Dataflow(d) => Some(&d.name),
            Item::Mapping(m) => Some(&m.name),
            Item::Test(t) => Some(&t.name),
            Item::Accelerator(a) => Some(&a.name),
            Item::Workload(w) => Some(&w.name),
            Item::Sweep(s) => Some(&s.name),
        }
    }
}

/// `use std::dataflows::{nvdla, eyeriss};` or `use "my/layers.df"::conv_stack;`
#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    pub source: UseSource,
    pub names: Vec<Ident>,
    /// Whether the names were written in braces (kept for the formatter).
    pub braced: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UseSource {
    /// `std::a::b`: the path segments after `std`.
    Std(Vec<Ident>),
    /// A file path relative to the importing file, without quotes.
    File { path: String, span: Span },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub name: Ident,
    pub layers: Vec<Layer>,
    pub span: Span,
}

/// `conv1 = conv(K: 64, C: 3, stride: 2);` or `add = conv(…) after a, b;`
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: Ident,
    pub op: Ident,
    pub args: Vec<Arg>,
    /// Layers this one depends on; empty means "the layer before" (a chain).
    pub after: Vec<Ident>,
    pub span: Span,
}

/// `key: value` in a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub key: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hardware {
    pub name: Ident,
    pub fields: Vec<Field>,
    pub span: Span,
}

/// `pes: 256;` or `noc { bandwidth: 64 elem/cycle; }`
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub key: Ident,
    pub value: FieldValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Value(Value),
    Block(Vec<Field>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Quantity(Quantity),
    Name(Ident),
}

/// A number with an optional unit: `108 KiB`, `64 elem/cycle`, `1.68 pJ`.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub number: Number,
    pub unit: Option<Unit>,
    pub span: Span,
}

/// `KiB`, `elem/cycle`.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub name: Ident,
    pub per: Option<Ident>,
    pub span: Span,
}

impl Unit {
    pub fn text(&self) -> String {
        match &self.per {
            Some(per) => format!("{}/{}", self.name.name, per.name),
            None => self.name.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dataflow {
    pub name: Ident,
    pub params: Vec<Param>,
    pub directives: Vec<Directive>,
    pub span: Span,
}

/// `c_tile: int = 64`
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Expr>,
    pub span: Span,
}

/// Across sub-units (`spatial`) or over time (`temporal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum MapKind {
    Spatial,
    Temporal,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Directive {
    /// `spatial(size, offset) D;`
    Map {
        kind: MapKind,
        size: Expr,
        offset: Expr,
        dim: Ident,
        span: Span,
    },
    /// `cluster(size);` — MAESTRO's `Cluster(size, P)` keeps its (ignored) type letter.
    Cluster {
        size: Expr,
        kind: Option<Ident>,
        span: Span,
    },
}

impl Directive {
    pub fn span(&self) -> Span {
        match self {
            Directive::Map { span, .. } | Directive::Cluster { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(Number),
    Name(Ident),
    /// `Sz(R)`: the full size of a dimension of the layer being mapped.
    Size {
        dim: Ident,
        span: Span,
    },
    /// `a + b - c` or `a * b / c`: operators of one precedence, applied left to right. A
    /// chain is flat so that a long one does not make a deep tree; it has at least one `rest`.
    Chain {
        first: Box<Expr>,
        rest: Vec<(BinOp, Expr)>,
        span: Span,
    },
    Paren {
        inner: Box<Expr>,
        span: Span,
    },
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Number(n) => n.span,
            Expr::Name(i) => i.span,
            Expr::Size { span, .. } | Expr::Chain { span, .. } | Expr::Paren { span, .. } => *span,
        }
    }

    /// `first` alone, or the chain of `first` and `rest`.
    pub fn chain(first: Expr, rest: Vec<(BinOp, Expr)>, span: Span) -> Expr {
        if rest.is_empty() {
            first
        } else {
            Expr::Chain {
                first: Box::new(first),
                rest,
                span,
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub name: Ident,
    pub entries: Vec<MappingEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MappingEntry {
    Network {
        name: Ident,
        span: Span,
    },
    Hardware {
        name: Ident,
        span: Span,
    },
    /// `dataflow: nvdla(c_tile: 32);` — the default for every layer.
    Dataflow {
        choice: DataflowChoice,
        span: Span,
    },
    /// `conv1: row_stationary;` — a per-layer override.
    Layer {
        layer: Ident,
        choice: DataflowChoice,
        span: Span,
    },
    /// `precision { conv1: int8; *: int4 w / int8 a; }` or `sparsity { *: weights 2:4; }`:
    /// per-layer settings, read by lowering according to the key.
    Block {
        key: Ident,
        entries: Vec<BlockEntry>,
        span: Span,
    },
}

impl MappingEntry {
    pub fn span(&self) -> Span {
        match self {
            MappingEntry::Network { span, .. }
            | MappingEntry::Hardware { span, .. }
            | MappingEntry::Dataflow { span, .. }
            | MappingEntry::Layer { span, .. }
            | MappingEntry::Block { span, .. } => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum DataflowChoice {
    Search(Span),
    Use {
        name: Ident,
        args: Vec<Arg>,
        span: Span,
    },
}

/// `conv1: int8;` or `*: int4 w / int8 a;` (`layer` is `None` for `*`).
#[derive(Debug, Clone, PartialEq)]
pub struct BlockEntry {
    pub layer: Option<Ident>,
    pub parts: Vec<BlockPart>,
    pub span: Span,
}

/// One `/`-separated part of an entry: `int4 w`, `weights 2:4`, `activations 0.5 banded`.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockPart {
    pub words: Vec<Word>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Word {
    Name(Ident),
    Number(Number),
    /// `2:4`: N of every M.
    Ratio {
        n: Number,
        m: Number,
        span: Span,
    },
}

impl Word {
    pub fn span(&self) -> Span {
        match self {
            Word::Name(i) => i.span,
            Word::Number(n) => n.span,
            Word::Ratio { span, .. } => *span,
        }
    }

    /// The word as written (numbers keep their spelling).
    pub fn text(&self) -> String {
        match self {
            Word::Name(i) => i.name.clone(),
            Word::Number(n) => n.text.clone(),
            Word::Ratio { n, m, .. } => format!("{}:{}", n.text, m.text),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: Ident,
    pub statements: Vec<TestStatement>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestStatement {
    /// `mapping: m;`, `run: search;`, `model: maestro;`
    Setting {
        key: Ident,
        value: Ident,
        span: Span,
    },
    Expect(Expect),
    /// `snapshot mapping;` or `snapshot report(runtime, energy);`
    Snapshot {
        what: Ident,
        metrics: Vec<Ident>,
        span: Span,
    },
}

impl TestStatement {
    pub fn span(&self) -> Span {
        match self {
            TestStatement::Setting { span, .. } | TestStatement::Snapshot { span, .. } => *span,
            TestStatement::Expect(e) => e.span,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
        }
    }
}

/// How an expectation compares: `< 40e6` or `within 2 % of 1.3e9`.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectOp {
    Cmp(CmpOp),
    Within(Number),
}

/// `expect conv1.runtime < 40e6 cycles;` or `expect energy within 2 % of 1.3e9 pJ;`
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    pub layer: Option<Ident>,
    pub metric: Ident,
    pub op: ExpectOp,
    pub value: Quantity,
    pub span: Span,
}

/// Several sub-accelerators sharing DRAM and a global buffer.
#[derive(Debug, Clone, PartialEq)]
pub struct Accelerator {
    pub name: Ident,
    pub entries: Vec<AcceleratorEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AcceleratorEntry {
    /// `big: cloud1024 with nvdla(c_tile: 32);`
    Sub {
        name: Ident,
        hardware: Ident,
        dataflow: DataflowChoice,
        span: Span,
    },
    /// `dram { bandwidth: 32 B/cycle; }`, `global_buffer: 1 MiB;`, `clock: 1 GHz;`
    Field(Field),
}

impl AcceleratorEntry {
    pub fn span(&self) -> Span {
        match self {
            AcceleratorEntry::Sub { span, .. } => *span,
            AcceleratorEntry::Field(f) => f.span,
        }
    }
}

/// Networks that run together: `workload ar_vr { resnet50: 30 fps; unet; }`
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: Ident,
    pub entries: Vec<WorkloadEntry>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadEntry {
    pub network: Ident,
    /// A frame-rate target.
    pub rate: Option<Quantity>,
    pub span: Span,
}

/// A design-space sweep: `sweep grid { mapping: m; pes: 64, 128; noc { bandwidth: … } }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub name: Ident,
    pub entries: Vec<SweepEntry>,
    pub span: Span,
}

/// `pes: 64, 128, 256;` or `noc { bandwidth: 16 elem/cycle, 64 elem/cycle; }`
#[derive(Debug, Clone, PartialEq)]
pub struct SweepEntry {
    pub key: Ident,
    pub value: SweepValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SweepValue {
    /// One value or more, in the order written.
    List(Vec<Value>),
    Block(Vec<SweepEntry>),
}

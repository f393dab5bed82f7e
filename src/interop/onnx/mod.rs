//! Import of ONNX models: the graph's MAC operators (`Conv`, `ConvTranspose`, `Gemm`,
//! `MatMul`) become the layers of one network, with the data flow between them (residual
//! `Add`s, `Concat`s) kept as `after` edges. Every other operator is a shape transformer:
//! its output shape is inferred from attributes and input shapes (`infer`, `reshape`), and
//! shape arithmetic folds to constants, so files whose weights were stripped import too.
//!
//! The stages, one file each: `graph` (protobuf → plain nodes, ordered), `infer` and
//! `reshape` (shapes of non-MAC operators), `layers` (MAC operators → layer shapes). ONNX
//! files are binary, so diagnostics point at the file and name the node.

mod graph;
mod infer;
mod layers;
mod reshape;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diagnostics::{Code, Diagnostic};
use crate::interop::{identifier, LayerNames};
use crate::ir;
use crate::source::{FileId, Span};
use graph::{DecodeError, OrderError};
use infer::{format_dims, InferError, Value};
use layers::{LayerError, MAC_OPERATORS};

/// What `dfc import onnx` starts from.
pub struct Inputs<'a> {
    /// The model file (registered with empty text: it is binary).
    pub file: FileId,
    pub bytes: &'a [u8],
    /// `--input-shape NAME=DIMS`: replaces or supplies a graph input's shape.
    pub input_shapes: &'a [(String, Vec<u64>)],
    /// The network's name (`--name`); the file stem otherwise.
    pub name: &'a str,
}

/// An imported model: the program (one network) and what the header comment says.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub program: ir::Program,
    pub opset: i64,
    /// Each graph input with the shape used.
    pub inputs: Vec<(String, Vec<i64>)>,
    /// Non-MAC operators carried as shape transformers, with how often each occurs.
    pub transformers: BTreeMap<String, usize>,
}

/// Why a tensor has no known value: whose fault it is, for the error at the MAC layer
/// that needs it.
#[derive(Debug, Clone, PartialEq)]
enum Blame {
    Node {
        node: usize,
        error: InferError,
    },
    Input(String),
    /// Already reported.
    Reported,
}

/// Import the model; `Some` only when no error was found.
pub fn import(inputs: &Inputs) -> (Option<Imported>, Vec<Diagnostic>) {
    let span = Span::new(inputs.file, 0..0);
    let mut diags = Vec::new();
    let graph = match graph::decode(inputs.bytes) {
        Ok(g) => g,
        Err(e) => {
            let why = match e {
                DecodeError::NotProtobuf(why) => format!("it is not a protobuf message ({why})"),
                DecodeError::NoGraph => "it holds no ONNX graph with nodes".to_string(),
                DecodeError::NoOpset => {
                    "it names no version of the standard operator set (cut short?)".to_string()
                }
            };
            diags.push(
                Diagnostic::at(Code::OnnxUnreadable, span, format!("this file is not an ONNX model: {why}"), "this file")
                    .with_help("export the model with `torch.onnx.export` or check that the download is complete"),
            );
            return (None, diags);
        }
    };
    let order = match graph::order(&graph) {
        Ok(o) => o,
        Err(OrderError::Cycle { node }) => {
            let n = &graph.nodes[node];
            diags.push(
                Diagnostic::at(
                    Code::OnnxCycle,
                    span,
                    format!("the graph has a cycle through node `{}` ({})", n.name, n.op),
                    "in this model",
                )
                .with_note("ONNX graphs are acyclic: every tensor is computed before it is used"),
            );
            return (None, diags);
        }
        Err(OrderError::Undefined { node, tensor }) => {
            let n = &graph.nodes[node];
            diags.push(Diagnostic::at(
                Code::OnnxBadGraph,
                span,
                format!(
                    "node `{}` ({}) reads `{tensor}`, which no node, input or initializer defines",
                    n.name, n.op
                ),
                "in this model",
            ));
            return (None, diags);
        }
    };
    let (values, used_inputs) = initial_values(&graph, inputs, span, &mut diags);
    let mut walk = Walk {
        graph: &graph,
        span,
        values,
        sources: HashMap::new(),
        layers: Vec::new(),
        names: LayerNames::default(),
        transformers: BTreeMap::new(),
        reported: BTreeSet::new(),
        diags,
    };
    for &i in &order {
        walk.node(i);
    }
    walk.warn_skipped();
    let Walk {
        layers,
        transformers,
        mut diags,
        ..
    } = walk;
    if layers.is_empty() && !crate::diagnostics::has_errors(&diags) {
        diags.push(Diagnostic::at(
            Code::OnnxBadGraph,
            span,
            "the graph has no MAC operator (`Conv`, `ConvTranspose`, `Gemm`, `MatMul`)",
            "in this model",
        ));
    }
    crate::diagnostics::sort(&mut diags);
    if crate::diagnostics::has_errors(&diags) {
        return (None, diags);
    }
    let mut program = ir::Program::default();
    program.networks.push(ir::Network {
        name: identifier(inputs.name, "net_"),
        layers,
        span,
    });
    program.make_item_names_unique();
    let imported = Imported {
        program,
        opset: graph.opset,
        inputs: used_inputs,
        transformers,
    };
    (Some(imported), diags)
}

/// The values the walk starts from: graph inputs (with `--input-shape` applied; `Blame`
/// for one without a fixed shape) and initializers. Returns the inputs' shapes too.
#[allow(clippy::type_complexity)]
fn initial_values(
    graph: &graph::Graph,
    inputs: &Inputs,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> (
    HashMap<String, Result<Value, Blame>>,
    Vec<(String, Vec<i64>)>,
) {
    let mut values = HashMap::new();
    let mut used_inputs = Vec::new();
    for (name, _) in inputs.input_shapes {
        if !graph.inputs.iter().any(|i| &i.name == name) {
            let names: Vec<&str> = graph.inputs.iter().map(|i| i.name.as_str()).collect();
            diags.push(
                Diagnostic::at(
                    Code::OnnxMissingShape,
                    span,
                    format!("`--input-shape` names `{name}`, which is not an input of the graph"),
                    "in this model",
                )
                .with_note(format!("the graph's inputs: {}", names.join(", "))),
            );
        }
    }
    for input in &graph.inputs {
        let given = inputs.input_shapes.iter().find(|(n, _)| n == &input.name);
        let dims: Option<Vec<i64>> = match given {
            Some((_, d)) => d.iter().map(|v| i64::try_from(*v).ok()).collect(),
            None => input
                .dims
                .as_ref()
                .and_then(|d| d.iter().copied().collect()),
        };
        let value = match dims.filter(|d| infer::plausible(d)) {
            Some(d) => {
                used_inputs.push((input.name.clone(), d.clone()));
                Ok(Value::activation(d))
            }
            None => Err(Blame::Input(input.name.clone())),
        };
        values.insert(input.name.clone(), value);
    }
    for (name, t) in &graph.initializers {
        if !infer::plausible(&t.dims) {
            diags.push(Diagnostic::at(
                Code::OnnxBadGraph,
                span,
                format!("initializer `{name}` has shape {}", format_dims(&t.dims)),
                "in this model",
            ));
        }
        let value = Value {
            dims: t.dims.clone(),
            ints: t.ints.clone(),
            constant: true,
        };
        values.insert(name.clone(), Ok(value));
    }
    (values, used_inputs)
}

/// The walk over the ordered nodes: each tensor's value and the MAC layers it comes from.
struct Walk<'g> {
    graph: &'g graph::Graph,
    span: Span,
    values: HashMap<String, Result<Value, Blame>>,
    /// For each activation tensor, the nearest MAC layers it is computed from.
    sources: HashMap<String, BTreeSet<usize>>,
    layers: Vec<ir::Layer>,
    names: LayerNames,
    transformers: BTreeMap<String, usize>,
    /// Nodes (or inputs, by name) whose fault was already reported.
    reported: BTreeSet<String>,
    diags: Vec<Diagnostic>,
}

impl Walk<'_> {
    fn node(&mut self, index: usize) {
        let node = &self.graph.nodes[index];
        let mut blame = None;
        let mut inputs: Vec<Option<Value>> = Vec::new();
        let mut sources = BTreeSet::new();
        for name in &node.inputs {
            if name.is_empty() {
                inputs.push(None);
                continue;
            }
            match self.values.get(name) {
                Some(Ok(v)) => {
                    if !v.constant {
                        sources.extend(self.sources.get(name).into_iter().flatten().copied());
                    }
                    inputs.push(Some(v.clone()));
                }
                Some(Err(b)) => {
                    blame.get_or_insert_with(|| b.clone());
                    inputs.push(None);
                }
                None => inputs.push(None),
            }
        }
        let refs: Vec<Option<&Value>> = inputs.iter().map(Option::as_ref).collect();
        let mac = MAC_OPERATORS.contains(&node.op.as_str());
        if let Some(b) = blame {
            if mac {
                self.report(index, &b);
            }
            let b = if mac { Blame::Reported } else { b };
            self.fail_outputs(index, b);
            return;
        }
        if mac {
            self.mac(index, &refs, sources);
            return;
        }
        let inferred =
            infer::infer(node, &refs, self.graph.opset).and_then(|outputs| {
                match outputs.iter().find(|v| !infer::plausible(&v.dims)) {
                    Some(v) => Err(InferError::Uninferable(format!(
                        "it gives a tensor of shape {}",
                        format_dims(&v.dims)
                    ))),
                    None => Ok(outputs),
                }
            });
        match inferred {
            Ok(outputs) => {
                *self.transformers.entry(node.op.clone()).or_insert(0) += 1;
                for (name, v) in node.outputs.iter().zip(outputs) {
                    if !v.constant {
                        self.sources.insert(name.clone(), sources.clone());
                    }
                    self.values.insert(name.clone(), Ok(v));
                }
            }
            Err(error) => self.fail_outputs(index, Blame::Node { node: index, error }),
        }
    }

    fn fail_outputs(&mut self, index: usize, blame: Blame) {
        for name in &self.graph.nodes[index].outputs {
            self.values.insert(name.clone(), Err(blame.clone()));
        }
    }

    fn mac(&mut self, index: usize, inputs: &[Option<&Value>], preds: BTreeSet<usize>) {
        let node = &self.graph.nodes[index];
        let layer = layers::mac_layer(node, inputs).and_then(|l| {
            if infer::plausible(&l.output) {
                Ok(l)
            } else {
                Err(LayerError::Bad(format!(
                    "its output {} is too large",
                    format_dims(&l.output)
                )))
            }
        });
        match layer {
            Ok(layer) => {
                let id = self.layers.len();
                self.layers.push(ir::Layer {
                    name: self.names.next(&layer_name(&node.name, &node.op)),
                    op: layer.op,
                    shape: layer.shape,
                    preds: preds.into_iter().collect(),
                    span: self.span,
                });
                if let Some(out) = node.outputs.first() {
                    self.values
                        .insert(out.clone(), Ok(Value::activation(layer.output)));
                    self.sources.insert(out.clone(), BTreeSet::from([id]));
                }
            }
            Err(e) => {
                let code = match e {
                    LayerError::Unsupported(_) => Code::OnnxUnsupportedOperator,
                    LayerError::Bad(_) => Code::OnnxBadGraph,
                };
                self.diags.push(Diagnostic::at(
                    code,
                    self.span,
                    format!(
                        "node `{}` ({}) cannot become a layer: {}",
                        node.name,
                        node.op,
                        layers::describe(&e)
                    ),
                    "in this model",
                ));
                self.fail_outputs(index, Blame::Reported);
            }
        }
    }

    /// The error for MAC node `index`, whose input has no value because of `blame`.
    fn report(&mut self, index: usize, blame: &Blame) {
        let mac = &self.graph.nodes[index];
        let key = match blame {
            Blame::Node { node, .. } => format!("#{node}"),
            Blame::Input(name) => name.clone(),
            Blame::Reported => return,
        };
        if !self.reported.insert(key) {
            return;
        }
        let needed = format!("layer `{}` ({}) needs its output shape", mac.name, mac.op);
        let d = match blame {
            Blame::Node {
                node,
                error: InferError::Unknown,
            } => {
                let n = &self.graph.nodes[*node];
                Diagnostic::at(
                    Code::OnnxUnsupportedOperator,
                    self.span,
                    format!("node `{}` has operator `{}`, which dfc does not know, on the path to a MAC layer", n.name, n.op),
                    "in this model",
                ).with_note(needed)
            }
            Blame::Node {
                node,
                error: InferError::Uninferable(why),
            } => {
                let n = &self.graph.nodes[*node];
                Diagnostic::at(
                    Code::OnnxUninferableShape,
                    self.span,
                    format!(
                        "the output shape of node `{}` ({}) cannot be inferred: {why}",
                        n.name, n.op
                    ),
                    "in this model",
                )
                .with_note(needed)
            }
            Blame::Input(name) => Diagnostic::at(
                Code::OnnxMissingShape,
                self.span,
                format!("graph input `{name}` has no fixed shape"),
                "in this model",
            )
            .with_note(needed)
            .with_help(format!("give it one: `--input-shape {name}=1x3x224x224`")),
            Blame::Reported => return,
        };
        self.diags.push(d);
    }

    /// W0602 for each unknown operator whose outputs reached no MAC layer.
    fn warn_skipped(&mut self) {
        let mut seen = BTreeSet::new();
        for v in self.values.values() {
            if let Err(Blame::Node {
                node,
                error: InferError::Unknown,
            }) = v
            {
                if !self.reported.contains(&format!("#{node}")) {
                    seen.insert(*node);
                }
            }
        }
        for node in seen {
            let n = &self.graph.nodes[node];
            self.diags.push(Diagnostic::at(
                Code::OnnxSkippedOperator,
                self.span,
                format!("node `{}` has operator `{}`, which dfc does not know; no MAC layer depends on it, so it is skipped", n.name, n.op),
                "in this model",
            ));
        }
    }
}

/// A layer name from a node name: `/layer1/layer1.0/conv1/Conv` → `layer1_0_conv1`. Path
/// segments that the next one extends are dropped, and so is a last segment that only
/// repeats the operator.
fn layer_name(node: &str, op: &str) -> String {
    let segments: Vec<&str> = node.split('/').filter(|s| !s.is_empty()).collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        if last && *s == op && i > 0 {
            continue;
        }
        if segments
            .get(i + 1)
            .is_some_and(|next| next.starts_with(&format!("{s}.")))
        {
            continue;
        }
        kept.push(s);
    }
    let name = kept.join("_").replace(['.', ':', '-'], "_");
    if name.is_empty() || name.starts_with('#') {
        op.to_lowercase()
    } else {
        name
    }
}

/// The `.df` text of an imported model: a header comment (source, inputs, layer count,
/// MACs, the operators carried as shape transformers) and the network.
pub fn emit(imported: &Imported, source_name: &str) -> String {
    let net = &imported.program.networks[0];
    let macs: u64 = net.layers.iter().map(ir::Layer::macs).sum();
    let inputs: Vec<String> = imported
        .inputs
        .iter()
        .map(|(n, d)| format!("`{n}` {}", format_dims(d)))
        .collect();
    let mut counts: Vec<(&String, &usize)> = imported.transformers.iter().collect();
    counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let ops: Vec<String> = counts.iter().map(|(op, n)| format!("{op} ×{n}")).collect();
    let mut header = format!(
        "// Imported from `{source_name}` (ONNX opset {}) by `dfc import onnx`.\n\
         // Input {}; {} MAC layers, {} MACs.\n",
        imported.opset,
        inputs.join(", "),
        net.layers.len(),
        thousands(macs)
    );
    if !ops.is_empty() {
        header.push_str("// Between the layers, shape transformers without MACs here:\n");
        for line in wrap(&ops.join(", "), 90) {
            header.push_str(&format!("//   {line}\n"));
        }
    }
    format!("{header}{}", ir::emit::emit(&imported.program))
}

fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split(' ') {
        let line = lines.last_mut().map_or(0, |l| l.len());
        if line > 0 && line + 1 + word.len() > width {
            lines.push(String::new());
        }
        if let Some(l) = lines.last_mut() {
            if !l.is_empty() {
                l.push(' ');
            }
            l.push_str(word);
        }
    }
    lines
}

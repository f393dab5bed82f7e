//! The ONNX protobuf decoded into plain data: nodes with their attributes, the graph's
//! inputs with their declared shapes, and initializers (their shapes, and their integer
//! contents when small — weights are often stripped, shapes never are). Nodes come out in
//! an order where every tensor is produced before it is read, or with the cycle or the
//! undefined tensor that prevents one.

use std::collections::HashMap;

use onnx_protobuf::{attribute_proto::AttributeType, tensor_proto::DataType, ModelProto};
use protobuf::{Enum, Message};

/// Integer tensors up to this many elements keep their values (shape arithmetic); larger
/// ones keep only their shape.
pub(super) const MAX_FOLDED: usize = 4096;

/// One attribute value, as far as shape inference needs it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Attr {
    Int(i64),
    Ints(Vec<i64>),
    Float(f32),
    Text(String),
    Tensor(Tensor),
    /// Graphs, sparse tensors, types, lists of strings: nothing a shape depends on here.
    Other,
}

/// A constant tensor: its shape and, when it is a small integer (or integral float) tensor
/// whose data is present, its values in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Tensor {
    pub dims: Vec<i64>,
    pub ints: Option<Vec<i64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    /// The node's name, or `#index op` when it has none.
    pub name: String,
    pub op: String,
    /// Empty names stand for optional inputs left out.
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub attrs: HashMap<String, Attr>,
}

impl Node {
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.attrs.get(name) {
            Some(Attr::Int(v)) => Some(*v),
            _ => None,
        }
    }
    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        match self.attrs.get(name) {
            Some(Attr::Ints(v)) => Some(v),
            _ => None,
        }
    }
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.attrs.get(name) {
            Some(Attr::Text(v)) => Some(v),
            _ => None,
        }
    }
}

/// A graph input: its name and declared dimensions (`None` for a symbolic or missing one),
/// `None` altogether when the input declares no shape.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Input {
    pub name: String,
    pub dims: Option<Vec<Option<i64>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Graph {
    pub opset: i64,
    pub nodes: Vec<Node>,
    /// Inputs that are not initializers, in declaration order.
    pub inputs: Vec<Input>,
    pub initializers: HashMap<String, Tensor>,
}

/// Why the bytes are not a graph dfc can read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum DecodeError {
    /// Not a protobuf message, or one cut short.
    NotProtobuf(String),
    /// A protobuf message without an ONNX graph.
    NoGraph,
    /// A graph without the version of the standard operator set it uses.
    NoOpset,
}

/// Decode a model file's bytes.
pub(super) fn decode(bytes: &[u8]) -> Result<Graph, DecodeError> {
    let model =
        ModelProto::parse_from_bytes(bytes).map_err(|e| DecodeError::NotProtobuf(e.to_string()))?;
    let Some(graph) = model.graph.as_ref() else {
        return Err(DecodeError::NoGraph);
    };
    if model.ir_version <= 0 || graph.node.is_empty() {
        return Err(DecodeError::NoGraph);
    }
    // Every model names its operator set; a file cut short after the graph loses it.
    let opset = model
        .opset_import
        .iter()
        .find(|o| o.domain.is_empty() || o.domain == "ai.onnx")
        .map(|o| o.version)
        .ok_or(DecodeError::NoOpset)?;
    let initializers: HashMap<String, Tensor> = graph
        .initializer
        .iter()
        .map(|t| (t.name.clone(), tensor(t)))
        .collect();
    let inputs = graph
        .input
        .iter()
        .filter(|i| !initializers.contains_key(&i.name))
        .map(|i| Input {
            name: i.name.clone(),
            dims: declared_dims(i),
        })
        .collect();
    let nodes = graph
        .node
        .iter()
        .enumerate()
        .map(|(index, n)| Node {
            name: if n.name.is_empty() {
                format!("#{index} {}", n.op_type)
            } else {
                n.name.clone()
            },
            op: if n.domain.is_empty() || n.domain == "ai.onnx" {
                n.op_type.clone()
            } else {
                format!("{}.{}", n.domain, n.op_type)
            },
            inputs: n.input.clone(),
            outputs: n.output.clone(),
            attrs: n
                .attribute
                .iter()
                .map(|a| (a.name.clone(), attribute(a)))
                .collect(),
        })
        .collect();
    Ok(Graph {
        opset,
        nodes,
        inputs,
        initializers,
    })
}

fn declared_dims(input: &onnx_protobuf::ValueInfoProto) -> Option<Vec<Option<i64>>> {
    use onnx_protobuf::tensor_shape_proto::dimension::Value as DimValue;
    use onnx_protobuf::type_proto::Value as TypeValue;
    let Some(TypeValue::TensorType(t)) = input.type_.as_ref()?.value.as_ref() else {
        return None;
    };
    let shape = t.shape.as_ref()?;
    Some(
        shape
            .dim
            .iter()
            .map(|d| match d.value {
                Some(DimValue::DimValue(v)) if v > 0 => Some(v),
                _ => None,
            })
            .collect(),
    )
}

fn attribute(a: &onnx_protobuf::AttributeProto) -> Attr {
    match a.type_.enum_value() {
        Ok(AttributeType::INT) => Attr::Int(a.i),
        Ok(AttributeType::INTS) => Attr::Ints(a.ints.clone()),
        Ok(AttributeType::FLOAT) => Attr::Float(a.f),
        Ok(AttributeType::STRING) => Attr::Text(String::from_utf8_lossy(&a.s).into_owned()),
        Ok(AttributeType::TENSOR) => {
            a.t.as_ref()
                .map_or(Attr::Other, |t| Attr::Tensor(tensor(t)))
        }
        _ => Attr::Other,
    }
}

/// A tensor's shape and, for small integral tensors with data, its values.
pub(super) fn tensor(t: &onnx_protobuf::TensorProto) -> Tensor {
    let elements = t
        .dims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(usize::try_from(*d).ok()?));
    let ints = elements
        .filter(|n| *n <= MAX_FOLDED)
        .and_then(|n| tensor_ints(t, n));
    Tensor {
        dims: t.dims.clone(),
        ints,
    }
}

fn tensor_ints(t: &onnx_protobuf::TensorProto, elements: usize) -> Option<Vec<i64>> {
    let raw = &t.raw_data;
    let from_raw = |width: usize, read: &dyn Fn(&[u8]) -> i64| -> Option<Vec<i64>> {
        (raw.len() == elements * width).then(|| raw.chunks_exact(width).map(read).collect())
    };
    let bytes = |c: &[u8], n: usize| -> [u8; 8] {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&c[..n]);
        b
    };
    let float = |v: f64| (v.fract() == 0.0 && v.abs() < 9.0e18).then_some(v as i64);
    let values: Option<Vec<i64>> = match DataType::from_i32(t.data_type) {
        Some(DataType::INT64) if !raw.is_empty() => {
            from_raw(8, &|c| i64::from_le_bytes(bytes(c, 8)))
        }
        Some(DataType::INT64) => Some(t.int64_data.clone()),
        Some(DataType::INT32) if !raw.is_empty() => from_raw(4, &|c| {
            i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        }),
        Some(
            DataType::INT32 | DataType::INT16 | DataType::INT8 | DataType::UINT8 | DataType::BOOL,
        ) => {
            if raw.is_empty() {
                Some(t.int32_data.iter().map(|v| i64::from(*v)).collect())
            } else if matches!(
                DataType::from_i32(t.data_type),
                Some(DataType::BOOL | DataType::UINT8 | DataType::INT8)
            ) {
                from_raw(1, &|c| i64::from(c[0]))
            } else {
                None
            }
        }
        Some(DataType::FLOAT) if !raw.is_empty() => {
            let v: Option<Vec<Option<i64>>> = (raw.len() == elements * 4).then(|| {
                raw.chunks_exact(4)
                    .map(|c| float(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
                    .collect()
            });
            v.and_then(|v| v.into_iter().collect())
        }
        Some(DataType::FLOAT) => t.float_data.iter().map(|v| float(f64::from(*v))).collect(),
        _ => None,
    };
    values.filter(|v| v.len() == elements)
}

/// Why the nodes have no order in which every tensor is produced before it is read.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum OrderError {
    /// Node `node` reads `tensor`, which nothing defines.
    Undefined { node: usize, tensor: String },
    /// These nodes depend on each other in a cycle (one of them named).
    Cycle { node: usize },
}

/// Node indices in an order where each tensor is produced before it is read; among ready
/// nodes the file's order is kept.
pub(super) fn order(graph: &Graph) -> Result<Vec<usize>, OrderError> {
    let mut producer: HashMap<&str, usize> = HashMap::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        for o in n.outputs.iter().filter(|o| !o.is_empty()) {
            producer.insert(o, i);
        }
    }
    let defined =
        |t: &str| graph.initializers.contains_key(t) || graph.inputs.iter().any(|i| i.name == t);
    let mut waiting = vec![0usize; graph.nodes.len()];
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    for (i, n) in graph.nodes.iter().enumerate() {
        for t in n.inputs.iter().filter(|t| !t.is_empty()) {
            match producer.get(t.as_str()) {
                Some(&p) => {
                    waiting[i] += 1;
                    readers[p].push(i);
                }
                None if defined(t) => {}
                None => {
                    return Err(OrderError::Undefined {
                        node: i,
                        tensor: t.clone(),
                    })
                }
            }
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..graph.nodes.len())
        .filter(|i| waiting[*i] == 0)
        .collect();
    let mut out = Vec::with_capacity(graph.nodes.len());
    while let Some(i) = ready.pop_first() {
        out.push(i);
        for &r in &readers[i] {
            waiting[r] -= 1;
            if waiting[r] == 0 {
                ready.insert(r);
            }
        }
    }
    match (0..graph.nodes.len()).find(|i| waiting[*i] > 0) {
        Some(node) => Err(OrderError::Cycle { node }),
        None => Ok(out),
    }
}

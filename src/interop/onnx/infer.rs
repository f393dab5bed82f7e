//! Shape inference for the operators between MAC layers, from attributes and the shapes
//! (and, for small integer tensors, the values) of their inputs. Shape-computing subgraphs
//! (`Shape → Gather → Div → Slice → Concat → Reshape`) fold to constants here, which is
//! what lets architecture-only exports import.

use super::graph::{Attr, Node, MAX_FOLDED};

/// What is known about one tensor: its shape, its values when it is a small integer
/// constant, and whether it is a constant at all (weights and what is computed only from
/// them) rather than data flowing from the graph's inputs.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Value {
    pub dims: Vec<i64>,
    pub ints: Option<Vec<i64>>,
    pub constant: bool,
}

impl Value {
    pub fn activation(dims: Vec<i64>) -> Value {
        Value {
            dims,
            ints: None,
            constant: false,
        }
    }
    pub fn elements(&self) -> Option<i64> {
        numel(&self.dims)
    }
}

/// The element count of a shape, if it fits in 64 bits.
pub(super) fn numel(dims: &[i64]) -> Option<i64> {
    dims.iter().try_fold(1i64, |acc, d| acc.checked_mul(*d))
}

/// The largest dimension a tensor may have here (as large as a layer argument).
pub(super) const MAX_DIM: i64 = crate::ir::shape::MAX_LOOP_BOUND;

/// Whether every dimension is within `0..=MAX_DIM` and the rank is a tensor's.
pub(super) fn plausible(dims: &[i64]) -> bool {
    dims.len() <= 16 && dims.iter().all(|d| (0..=MAX_DIM).contains(d))
}

/// Why an operator's output shape cannot be inferred.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum InferError {
    /// An operator this importer does not know.
    Unknown,
    /// A known operator whose output shape depends on something not known here: data
    /// values, or a constant too large to fold.
    Uninferable(String),
}

fn uninferable(why: impl Into<String>) -> InferError {
    InferError::Uninferable(why.into())
}

/// Operators whose single output has the shape of their first input.
const SAME_SHAPE: &[&str] = &[
    "Relu",
    "Clip",
    "Sigmoid",
    "Tanh",
    "LeakyRelu",
    "HardSigmoid",
    "HardSwish",
    "Gelu",
    "Erf",
    "Sqrt",
    "Exp",
    "Log",
    "Neg",
    "Abs",
    "Softmax",
    "LogSoftmax",
    "Dropout",
    "Identity",
    "Cast",
    "CastLike",
    "BatchNormalization",
    "InstanceNormalization",
    "LayerNormalization",
    "LRN",
    "Elu",
    "Selu",
    "Celu",
    "PRelu",
    "Not",
    "Floor",
    "Ceil",
    "Round",
    "Reciprocal",
    "Softplus",
    "Softsign",
    "Mish",
    "Sin",
    "Cos",
    "ThresholdedRelu",
    "QuantizeLinear",
    "DequantizeLinear",
    "Sign",
    "IsNaN",
    "IsInf",
    "Hardmax",
    "GroupNormalization",
    "Trilu",
];

/// Elementwise operators with broadcasting.
const BROADCAST: &[&str] = &[
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Mod",
    "Pow",
    "Equal",
    "Less",
    "Greater",
    "LessOrEqual",
    "GreaterOrEqual",
    "And",
    "Or",
    "Xor",
    "Where",
    "Max",
    "Min",
    "Sum",
    "Mean",
    "BitShift",
];

/// The output values of a non-MAC node from its input values (`None` for inputs left out).
pub(super) fn infer(
    node: &Node,
    inputs: &[Option<&Value>],
    opset: i64,
) -> Result<Vec<Value>, InferError> {
    let op = node.op.as_str();
    let first = || super::reshape::first_input(inputs);
    let constant = !inputs.is_empty() && inputs.iter().all(|v| v.is_none_or(|v| v.constant));
    let out = |dims: Vec<i64>, ints: Option<Vec<i64>>| Value {
        dims,
        ints,
        constant,
    };
    if SAME_SHAPE.contains(&op) {
        let x = first()?;
        let ints = matches!(op, "Identity" | "Cast" | "CastLike")
            .then(|| x.ints.clone())
            .flatten();
        let mut outputs = vec![out(x.dims.clone(), ints)];
        if op == "Dropout" && node.outputs.len() > 1 {
            outputs.push(out(x.dims.clone(), None));
        }
        return Ok(outputs);
    }
    if BROADCAST.contains(&op) {
        return broadcast_op(op, inputs).map(|(dims, ints)| vec![out(dims, ints)]);
    }
    super::reshape::infer_other(node, inputs, opset, constant)
}

/// The broadcast shape of several shapes (numpy rules), or `None` if they do not broadcast.
pub(super) fn broadcast(shapes: &[&[i64]]) -> Option<Vec<i64>> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    (0..rank)
        .map(|i| {
            let mut dim = 1;
            for s in shapes {
                let Some(j) = (i + s.len()).checked_sub(rank) else {
                    continue;
                };
                match (dim, s[j]) {
                    (_, 1) => {}
                    (1, d) => dim = d,
                    (a, b) if a == b => {}
                    _ => return None,
                }
            }
            Some(dim)
        })
        .collect()
}

fn broadcast_op(
    op: &str,
    inputs: &[Option<&Value>],
) -> Result<(Vec<i64>, Option<Vec<i64>>), InferError> {
    let values: Vec<&Value> = inputs.iter().flatten().copied().collect();
    let shapes: Vec<&[i64]> = values.iter().map(|v| v.dims.as_slice()).collect();
    let dims = broadcast(&shapes).ok_or_else(|| {
        uninferable(format!(
            "its input shapes {} do not broadcast",
            shapes
                .iter()
                .map(|s| format_dims(s))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let ints = fold_elementwise(op, &values, &dims);
    Ok((dims, ints))
}

/// Integer elementwise arithmetic on small constants (shape computations).
fn fold_elementwise(op: &str, values: &[&Value], dims: &[i64]) -> Option<Vec<i64>> {
    let n = usize::try_from(numel(dims)?).ok()?;
    if n > MAX_FOLDED {
        return None;
    }
    let columns: Vec<Vec<i64>> = values
        .iter()
        .map(|v| expand_to(v.ints.as_ref()?, &v.dims, dims))
        .collect::<Option<_>>()?;
    (0..n)
        .map(|i| {
            let a = columns.first()?.get(i).copied()?;
            let b = columns.get(1).and_then(|c| c.get(i).copied());
            match (op, b) {
                ("Add", Some(b)) => a.checked_add(b),
                ("Sub", Some(b)) => a.checked_sub(b),
                ("Mul", Some(b)) => a.checked_mul(b),
                ("Div", Some(b)) => a.checked_div(b),
                ("Mod", Some(b)) => a.checked_rem_euclid(b),
                ("Equal", Some(b)) => Some(i64::from(a == b)),
                ("Less", Some(b)) => Some(i64::from(a < b)),
                ("Greater", Some(b)) => Some(i64::from(a > b)),
                ("Max", Some(b)) => Some(a.max(b)),
                ("Min", Some(b)) => Some(a.min(b)),
                ("Where", Some(b)) => {
                    let c = columns.get(2)?.get(i).copied()?;
                    Some(if a != 0 { b } else { c })
                }
                _ => None,
            }
        })
        .collect()
}

/// `ints` of shape `from` repeated to shape `to` (numpy broadcasting).
pub(super) fn expand_to(ints: &[i64], from: &[i64], to: &[i64]) -> Option<Vec<i64>> {
    let n = usize::try_from(numel(to)?).ok()?;
    if n > MAX_FOLDED {
        return None;
    }
    let offset = to.len().checked_sub(from.len())?;
    let mut out = Vec::with_capacity(n);
    for flat in 0..n {
        let mut rest = flat;
        let mut index = 0usize;
        let mut stride = 1usize;
        for axis in (0..to.len()).rev() {
            let size = usize::try_from(to[axis]).ok()?.max(1);
            let coord = rest % size;
            rest /= size;
            if axis >= offset {
                let f = usize::try_from(from[axis - offset]).ok()?;
                index += if f == 1 { 0 } else { coord * stride };
                stride *= f.max(1);
            }
        }
        out.push(*ints.get(index)?);
    }
    Some(out)
}

/// `1x3x224x224`.
pub(super) fn format_dims(dims: &[i64]) -> String {
    if dims.is_empty() {
        return "scalar".to_string();
    }
    dims.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join("x")
}

/// An attribute's tensor (for `Constant` and `ConstantOfShape`).
pub(super) fn tensor_attr<'a>(node: &'a Node, name: &str) -> Option<&'a super::graph::Tensor> {
    match node.attrs.get(name) {
        Some(Attr::Tensor(t)) => Some(t),
        _ => None,
    }
}

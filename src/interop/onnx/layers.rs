//! The MAC operators — `Conv`, `ConvTranspose`, `Gemm`, `MatMul` — as `.df` layer
//! arguments, with their output shapes; and the window arithmetic (`auto_pad`, `pads`,
//! `ceil_mode`) they share with pooling.

use std::collections::HashMap;

use super::graph::Node;
use super::infer::{broadcast, format_dims, InferError, Value, MAX_DIM};
use crate::ir::shape::build_shape;
use crate::ir::{LayerOp, Shape};

/// The operators that become layers.
pub(super) const MAC_OPERATORS: &[&str] = &["Conv", "ConvTranspose", "Gemm", "MatMul"];

/// A MAC node as a layer: its operator, canonical shape and output tensor's dimensions.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MacLayer {
    pub op: LayerOp,
    pub shape: Shape,
    pub output: Vec<i64>,
}

/// Why a MAC node gives no layer.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum LayerError {
    /// A form of the operator `.df` has no layer for (3-D convolution, …).
    Unsupported(String),
    /// Operands that do not fit together, or attributes out of range.
    Bad(String),
}

fn bad(why: impl Into<String>) -> LayerError {
    LayerError::Bad(why.into())
}

/// The layer a MAC node becomes; `inputs` are its input values (activation and weights).
pub(super) fn mac_layer(node: &Node, inputs: &[Option<&Value>]) -> Result<MacLayer, LayerError> {
    let operand = |i: usize, what: &str| {
        inputs
            .get(i)
            .copied()
            .flatten()
            .ok_or_else(|| bad(format!("it has no {what}")))
    };
    match node.op.as_str() {
        "Conv" | "ConvTranspose" => convolution(node, operand(0, "input")?, operand(1, "weights")?),
        "Gemm" => gemm(node, operand(0, "input A")?, operand(1, "input B")?),
        _ => matmul(operand(0, "input A")?, operand(1, "input B")?),
    }
}

fn positive(v: i64, what: &str) -> Result<u64, LayerError> {
    u64::try_from(v)
        .ok()
        .filter(|v| *v > 0 && *v <= crate::ir::shape::MAX_LOOP_BOUND as u64)
        .ok_or_else(|| bad(format!("its {what} is {v}")))
}

fn non_negative(v: i64, what: &str) -> Result<u64, LayerError> {
    u64::try_from(v)
        .ok()
        .filter(|v| *v <= crate::ir::shape::MAX_LOOP_BOUND as u64)
        .ok_or_else(|| bad(format!("its {what} is {v}")))
}

/// One value per spatial axis from an attribute (`default` when absent), each within
/// `min..=MAX_DIM`.
fn per_axis(
    node: &Node,
    name: &str,
    axes: usize,
    default: i64,
    min: i64,
) -> Result<Vec<i64>, LayerError> {
    match node.ints(name) {
        None => Ok(vec![default; axes]),
        Some(v) if v.len() == axes && v.iter().all(|x| (min..=MAX_DIM).contains(x)) => {
            Ok(v.to_vec())
        }
        Some(v) => Err(bad(format!(
            "its `{name}` {v:?} is not {axes} values of at least {min}"
        ))),
    }
}

/// Padding (before, after) per spatial axis of a convolution or pooling window:
/// `auto_pad` (`SAME_UPPER` puts the odd pixel after, `SAME_LOWER` before) or `pads`.
pub(super) fn window_pads(
    node: &Node,
    input: &[i64],
    extents: &[i64],
    strides: &[i64],
) -> Result<Vec<(i64, i64)>, String> {
    let axes = input.len();
    match node.text("auto_pad").unwrap_or("NOTSET") {
        "SAME_UPPER" | "SAME_LOWER" => Ok((0..axes)
            .map(|i| {
                let out = (input[i] + strides[i] - 1) / strides[i];
                let total = ((out - 1) * strides[i])
                    .saturating_add(extents[i])
                    .saturating_sub(input[i])
                    .max(0);
                if node.text("auto_pad") == Some("SAME_UPPER") {
                    (total / 2, total - total / 2)
                } else {
                    (total - total / 2, total / 2)
                }
            })
            .collect()),
        "VALID" => Ok(vec![(0, 0); axes]),
        "NOTSET" | "" => match node.ints("pads") {
            None => Ok(vec![(0, 0); axes]),
            Some(p) if p.len() == 2 * axes && p.iter().all(|v| (0..=MAX_DIM).contains(v)) => {
                Ok((0..axes).map(|i| (p[i], p[i + axes])).collect())
            }
            Some(p) => Err(format!("its `pads` {p:?} do not fit {axes} spatial axes")),
        },
        other => Err(format!("its `auto_pad` is `{other}`")),
    }
}

/// The output shape of a pooling node over `dims` (`N C spatial…`).
pub(super) fn pooled(node: &Node, dims: &[i64]) -> Result<Vec<i64>, InferError> {
    let fail = |why: String| InferError::Uninferable(why);
    if dims.len() < 3 {
        return Err(fail(format!("it pools a {} tensor", format_dims(dims))));
    }
    let axes = dims.len() - 2;
    let kernel = node
        .ints("kernel_shape")
        .filter(|k| k.len() == axes && k.iter().all(|v| (1..=MAX_DIM).contains(v)))
        .ok_or_else(|| fail("its `kernel_shape` is missing or does not fit".to_string()))?;
    let attr = |name: &str| per_axis(node, name, axes, 1, 1).map_err(|e| fail(describe(&e)));
    let strides = attr("strides")?;
    let dilations = attr("dilations")?;
    let extents: Vec<i64> = (0..axes)
        .map(|i| (kernel[i] - 1) * dilations[i] + 1)
        .collect();
    let pads = window_pads(node, &dims[2..], &extents, &strides).map_err(fail)?;
    let ceil = node.int("ceil_mode") == Some(1);
    let mut out = dims[..2].to_vec();
    for i in 0..axes {
        let padded = dims[2 + i] + pads[i].0 + pads[i].1 - extents[i];
        if padded < 0 || strides[i] <= 0 {
            return Err(fail(format!(
                "its window is larger than its padded input {}",
                format_dims(dims)
            )));
        }
        let mut o = if ceil {
            (padded + strides[i] - 1) / strides[i] + 1
        } else {
            padded / strides[i] + 1
        };
        // A last window that would start in the end padding is dropped.
        if ceil && (o - 1) * strides[i] >= dims[2 + i] + pads[i].0 {
            o -= 1;
        }
        out.push(o);
    }
    Ok(out)
}

pub(super) fn describe(e: &LayerError) -> String {
    match e {
        LayerError::Unsupported(s) | LayerError::Bad(s) => s.clone(),
    }
}

fn convolution(node: &Node, x: &Value, w: &Value) -> Result<MacLayer, LayerError> {
    let transposed = node.op == "ConvTranspose";
    let rank = x.dims.len();
    if !matches!(rank, 3 | 4) {
        return Err(LayerError::Unsupported(format!(
            "it convolves a {} tensor; `.df` layers have one or two spatial axes",
            format_dims(&x.dims)
        )));
    }
    if w.dims.len() != rank {
        return Err(bad(format!(
            "its weights {} do not match its input {}",
            format_dims(&w.dims),
            format_dims(&x.dims)
        )));
    }
    let axes = rank - 2;
    let groups = node.int("group").unwrap_or(1);
    let group_count = positive(groups, "group")?;
    let (n, c) = (x.dims[0], x.dims[1]);
    // Weights: `K × C/g × kernel` for Conv, `C × K/g × kernel` for ConvTranspose.
    let (k, c_per_group) = if transposed {
        (w.dims[1].saturating_mul(groups), w.dims[0] / groups.max(1))
    } else {
        (w.dims[0], w.dims[1])
    };
    if c_per_group.saturating_mul(groups) != c || (transposed && w.dims[0] != c) {
        return Err(bad(format!(
            "its input has {c} channels but its weights {} with {groups} groups expect {}",
            format_dims(&w.dims),
            if transposed {
                w.dims[0]
            } else {
                w.dims[1].saturating_mul(groups)
            }
        )));
    }
    if w.dims.iter().any(|d| *d < 1) {
        return Err(bad(format!(
            "its weights {} have an empty axis",
            format_dims(&w.dims)
        )));
    }
    let kernel = &w.dims[2..];
    if let Some(ks) = node.ints("kernel_shape") {
        if ks != kernel {
            return Err(bad(format!(
                "its `kernel_shape` {ks:?} differs from its weights' {kernel:?}"
            )));
        }
    }
    let strides = per_axis(node, "strides", axes, 1, 1)?;
    let dilations = per_axis(node, "dilations", axes, 1, 1)?;
    let extents: Vec<i64> = (0..axes)
        .map(|i| (kernel[i] - 1) * dilations[i] + 1)
        .collect();
    let input = &x.dims[2..];
    let (pads, output_padding) = if transposed {
        transposed_pads(node, input, &extents, &strides)?
    } else {
        (
            window_pads(node, input, &extents, &strides).map_err(bad)?,
            vec![0; axes],
        )
    };
    // One spatial axis is the `X` axis of a layer one row high.
    let pick = |v: &[i64], one: i64| if axes == 2 { (v[0], v[1]) } else { (one, v[0]) };
    let pick_pads = |v: &[(i64, i64)]| {
        if axes == 2 {
            (v[0], v[1])
        } else {
            ((0, 0), v[0])
        }
    };
    let (y, xx) = pick(input, 1);
    let (r, s) = pick(kernel, 1);
    let (stride_y, stride_x) = pick(&strides, 1);
    let (dil_y, dil_x) = pick(&dilations, 1);
    let (op_y, op_x) = pick(&output_padding, 0);
    let ((top, bottom), (left, right)) = pick_pads(&pads);
    let depthwise = !transposed && groups > 1 && groups == c && k == c;
    let pointwise =
        !transposed && groups == 1 && r == 1 && s == 1 && pads.iter().all(|p| *p == (0, 0));
    let op = match (transposed, depthwise, pointwise) {
        (true, _, _) => LayerOp::TConv,
        (_, true, _) => LayerOp::DwConv,
        (_, _, true) => LayerOp::PwConv,
        _ => LayerOp::Conv,
    };
    let mut args: HashMap<&str, u64> = HashMap::new();
    args.insert("K", positive(k, "output channel count")?);
    args.insert("C", positive(c, "input channel count")?);
    args.insert("R", positive(r, "filter height")?);
    args.insert("S", positive(s, "filter width")?);
    args.insert("Y", positive(y, "input height")?);
    args.insert("X", positive(xx, "input width")?);
    if n != 1 {
        args.insert("N", positive(n, "batch")?);
    }
    args.insert("stride_y", positive(stride_y, "stride")?);
    args.insert("stride_x", positive(stride_x, "stride")?);
    if op != LayerOp::PwConv {
        args.insert("dilation_y", positive(dil_y, "dilation")?);
        args.insert("dilation_x", positive(dil_x, "dilation")?);
    }
    args.insert("pad_top", non_negative(top, "padding")?);
    args.insert("pad_bottom", non_negative(bottom, "padding")?);
    args.insert("pad_left", non_negative(left, "padding")?);
    args.insert("pad_right", non_negative(right, "padding")?);
    args.insert("output_padding_y", non_negative(op_y, "output padding")?);
    args.insert("output_padding_x", non_negative(op_x, "output padding")?);
    if groups > 1 && op != LayerOp::DwConv {
        args.insert("groups", group_count);
    }
    let shape = build_shape(op, &args).map_err(|e| match e {
        crate::ir::shape::ShapeError::Groups { dim, total, groups } => bad(format!(
            "its {dim} = {total} is not divisible by its {groups} groups"
        )),
        crate::ir::shape::ShapeError::NoOutput(why) => bad(format!("it has no output: {why}")),
    })?;
    let spatial = if axes == 2 {
        vec![shape.out_y as i64, shape.out_x as i64]
    } else {
        vec![shape.out_x as i64]
    };
    let mut output = vec![n, k];
    output.extend(spatial);
    Ok(MacLayer { op, shape, output })
}

/// Padding and output padding of a `ConvTranspose`: from `output_shape` or `auto_pad`
/// (total padding split as ONNX specifies) or from `pads`. A negative total padding (an
/// output larger than the transposed convolution gives) becomes output padding.
#[allow(clippy::type_complexity)]
fn transposed_pads(
    node: &Node,
    input: &[i64],
    extents: &[i64],
    strides: &[i64],
) -> Result<(Vec<(i64, i64)>, Vec<i64>), LayerError> {
    let axes = input.len();
    let mut output_padding = per_axis(node, "output_padding", axes, 0, 0)?;
    let auto = node.text("auto_pad").unwrap_or("NOTSET");
    let target: Option<Vec<i64>> = match node.ints("output_shape") {
        Some(s) if s.len() >= axes && s.iter().all(|v| (1..=MAX_DIM).contains(v)) => {
            Some(s[s.len() - axes..].to_vec())
        }
        Some(_) => return Err(bad("its `output_shape` does not fit its spatial axes")),
        None if auto.starts_with("SAME") => {
            Some((0..axes).map(|i| input[i] * strides[i]).collect())
        }
        None => None,
    };
    let Some(target) = target else {
        let pads = window_pads(node, input, extents, strides).map_err(bad)?;
        return Ok((pads, output_padding));
    };
    let mut pads = Vec::with_capacity(axes);
    for i in 0..axes {
        let total = (strides[i] * (input[i] - 1))
            .saturating_add(output_padding[i])
            .saturating_add(extents[i])
            .saturating_sub(target[i]);
        if total < 0 {
            output_padding[i] -= total;
            pads.push((0, 0));
        } else if auto == "SAME_UPPER" {
            pads.push((total / 2, total - total / 2));
        } else {
            pads.push((total - total / 2, total / 2));
        }
    }
    Ok((pads, output_padding))
}

/// A product `M×K · K×N` as a layer: `fc` for a single row, `gemm` otherwise, `matmul`
/// for a batch of them.
fn product_layer(batch: i64, m: i64, n: i64, k: i64) -> Result<(LayerOp, Shape), LayerError> {
    let mut args: HashMap<&str, u64> = HashMap::new();
    let op = if batch > 1 {
        args.insert("B", positive(batch, "batch")?);
        args.insert("M", positive(m, "row count")?);
        args.insert("N", positive(n, "column count")?);
        args.insert("K", positive(k, "inner dimension")?);
        LayerOp::Matmul
    } else if m == 1 {
        args.insert("K", positive(n, "column count")?);
        args.insert("C", positive(k, "inner dimension")?);
        LayerOp::Fc
    } else {
        args.insert("M", positive(m, "row count")?);
        args.insert("N", positive(n, "column count")?);
        args.insert("K", positive(k, "inner dimension")?);
        LayerOp::Gemm
    };
    let shape = build_shape(op, &args).map_err(|_| bad("it has no valid shape"))?;
    Ok((op, shape))
}

fn gemm(node: &Node, a: &Value, b: &Value) -> Result<MacLayer, LayerError> {
    let (Some((&a0, &a1)), Some((&b0, &b1))) = (two(&a.dims), two(&b.dims)) else {
        return Err(bad(format!(
            "it multiplies {} by {}; Gemm takes matrices",
            format_dims(&a.dims),
            format_dims(&b.dims)
        )));
    };
    let (m, k) = if node.int("transA") == Some(1) {
        (a1, a0)
    } else {
        (a0, a1)
    };
    let (kb, n) = if node.int("transB") == Some(1) {
        (b1, b0)
    } else {
        (b0, b1)
    };
    if k != kb {
        return Err(bad(format!("it multiplies {m}×{k} by {kb}×{n}")));
    }
    let (op, shape) = product_layer(1, m, n, k)?;
    Ok(MacLayer {
        op,
        shape,
        output: vec![m, n],
    })
}

fn two(dims: &[i64]) -> Option<(&i64, &i64)> {
    match dims {
        [a, b] => Some((a, b)),
        _ => None,
    }
}

/// `MatMul` with numpy semantics: a weight matrix folds the activation's leading axes into
/// `M`; two activations (attention) give a batch of products.
fn matmul(a: &Value, b: &Value) -> Result<MacLayer, LayerError> {
    if a.dims.is_empty() || b.dims.is_empty() {
        return Err(bad("it multiplies a scalar"));
    }
    let a_vector = a.dims.len() == 1;
    let b_vector = b.dims.len() == 1;
    let a_dims = if a_vector {
        vec![1, a.dims[0]]
    } else {
        a.dims.clone()
    };
    let b_dims = if b_vector {
        vec![b.dims[0], 1]
    } else {
        b.dims.clone()
    };
    let (m, k) = (a_dims[a_dims.len() - 2], a_dims[a_dims.len() - 1]);
    let (kb, n) = (b_dims[b_dims.len() - 2], b_dims[b_dims.len() - 1]);
    if k != kb {
        return Err(bad(format!(
            "it multiplies {} by {}",
            format_dims(&a.dims),
            format_dims(&b.dims)
        )));
    }
    let a_batch = &a_dims[..a_dims.len() - 2];
    let b_batch = &b_dims[..b_dims.len() - 2];
    let batch_dims = broadcast(&[a_batch, b_batch]).ok_or_else(|| {
        bad(format!(
            "its batch axes {} and {} do not broadcast",
            format_dims(a_batch),
            format_dims(b_batch)
        ))
    })?;
    let mut output = batch_dims.clone();
    if !a_vector {
        output.push(m);
    }
    if !b_vector {
        output.push(n);
    }
    let batch =
        super::infer::numel(&batch_dims).ok_or_else(|| bad("its batch has too many products"))?;
    // Shared weights: every row of every batch meets the same matrix.
    let (op, shape) = if b_batch.is_empty() {
        product_layer(1, batch.saturating_mul(m), n, k)?
    } else {
        product_layer(batch, m, n, k)?
    };
    Ok(MacLayer { op, shape, output })
}

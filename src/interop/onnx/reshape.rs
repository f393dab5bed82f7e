//! Shape rules of the structural operators: constants and shape arithmetic (`Shape`,
//! `Gather`, `Slice`, `Concat`, …), reshapes, pooling, reductions, padding and resizing.
//! Integer results stay folded so later `Reshape`s see constant target shapes.

use super::graph::{Node, MAX_FOLDED};
use super::infer::{broadcast, expand_to, format_dims, numel, tensor_attr, InferError, Value};

fn uninferable(why: impl Into<String>) -> InferError {
    InferError::Uninferable(why.into())
}

/// An axis in `0..rank` from ONNX's possibly negative one.
fn axis(a: i64, rank: usize) -> Result<usize, InferError> {
    let r = rank as i64;
    let a = if a < 0 { a + r } else { a };
    usize::try_from(a)
        .ok()
        .filter(|a| *a < rank)
        .ok_or_else(|| uninferable(format!("axis {a} is out of range for rank {rank}")))
}

fn small(dims: &[i64]) -> bool {
    dims.iter()
        .try_fold(1i64, |acc, d| acc.checked_mul(*d))
        .is_some_and(|n| n >= 0 && n as usize <= MAX_FOLDED)
}

/// The values of a constant integer input, or why they are needed.
fn ints<'a>(inputs: &[Option<&'a Value>], i: usize, what: &str) -> Result<&'a [i64], InferError> {
    inputs
        .get(i)
        .copied()
        .flatten()
        .and_then(|v| v.ints.as_deref())
        .ok_or_else(|| uninferable(format!("its {what} is not a constant")))
}

fn optional_ints<'a>(inputs: &[Option<&'a Value>], i: usize) -> Option<&'a [i64]> {
    inputs
        .get(i)
        .copied()
        .flatten()
        .and_then(|v| v.ints.as_deref())
}

/// The node's first input, which must be known.
pub(super) fn first_input<'v>(inputs: &[Option<&'v Value>]) -> Result<&'v Value, InferError> {
    inputs
        .first()
        .copied()
        .flatten()
        .ok_or_else(|| uninferable("it has no input"))
}

/// A value of shape `dims`, keeping `ints` only when they are its elements.
fn make_value(dims: Vec<i64>, ints: Option<Vec<i64>>, constant: bool) -> Value {
    Value {
        ints: ints.filter(|v| Some(v.len() as i64) == numel(&dims)),
        dims,
        constant,
    }
}

/// Output values of the structural operators (see [`super::infer::infer`]).
pub(super) fn infer_other(
    node: &Node,
    inputs: &[Option<&Value>],
    opset: i64,
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let first = || first_input(inputs);
    let value = |dims: Vec<i64>, ints: Option<Vec<i64>>| make_value(dims, ints, constant);
    let one = |dims: Vec<i64>, ints: Option<Vec<i64>>| Ok(vec![value(dims, ints)]);
    match node.op.as_str() {
        "Constant" => {
            if let Some(t) = tensor_attr(node, "value") {
                return Ok(vec![Value {
                    dims: t.dims.clone(),
                    ints: t.ints.clone(),
                    constant: true,
                }]);
            }
            let (dims, ints) = match (node.int("value_int"), node.ints("value_ints")) {
                (Some(v), _) => (Vec::new(), Some(vec![v])),
                (_, Some(v)) => (vec![v.len() as i64], Some(v.to_vec())),
                _ => match node.attrs.get("value_float") {
                    Some(_) => (Vec::new(), None),
                    None => return Err(uninferable("it has no value attribute dfc reads")),
                },
            };
            Ok(vec![Value {
                dims,
                ints,
                constant: true,
            }])
        }
        "ConstantOfShape" => {
            let dims = ints(inputs, 0, "shape")?.to_vec();
            let fill = tensor_attr(node, "value").map_or(Some(0), |t| {
                t.ints.as_ref().and_then(|v| v.first().copied())
            });
            let ints = fill
                .filter(|_| small(&dims))
                .map(|f| vec![f; numel(&dims).unwrap_or(0).max(0) as usize]);
            Ok(vec![Value {
                dims,
                ints,
                constant: true,
            }])
        }
        "Shape" => {
            let x = first()?;
            let rank = x.dims.len() as i64;
            let clamp = |v: i64| (if v < 0 { v + rank } else { v }).clamp(0, rank) as usize;
            let start = clamp(node.int("start").unwrap_or(0));
            let end = clamp(node.int("end").unwrap_or(rank)).max(start);
            let dims = x.dims[start..end].to_vec();
            Ok(vec![Value {
                dims: vec![dims.len() as i64],
                ints: Some(dims),
                constant: true,
            }])
        }
        "Size" => Ok(vec![Value {
            dims: Vec::new(),
            ints: first()?.elements().map(|n| vec![n]),
            constant: true,
        }]),
        "Gather" => gather(node, inputs, constant),
        "Slice" => slice(node, inputs, opset, constant),
        "Concat" | "Unsqueeze" | "Squeeze" | "Reshape" | "Flatten" | "Transpose" | "Expand"
        | "Tile" => layout(node, inputs, opset, constant),
        "Range" => {
            let (s, l, d) = (
                ints(inputs, 0, "start")?,
                ints(inputs, 1, "limit")?,
                ints(inputs, 2, "delta")?,
            );
            let (s, l, d) = match (s, l, d) {
                ([s], [l], [d]) if *d != 0 => (*s, *l, *d),
                _ => return Err(uninferable("its start, limit and delta are not scalars")),
            };
            let n = ((l as f64 - s as f64) / d as f64).ceil().clamp(0.0, 1e15) as i64;
            let ints = (n <= MAX_FOLDED as i64)
                .then(|| (0..n).map(|i| i.checked_mul(d)?.checked_add(s)).collect())
                .flatten();
            one(vec![n], ints)
        }
        "Split" => split(node, inputs, opset, constant),
        "GlobalAveragePool" | "GlobalMaxPool" | "GlobalLpPool" => {
            let x = first()?;
            let dims = x
                .dims
                .iter()
                .enumerate()
                .map(|(i, d)| if i < 2 { *d } else { 1 })
                .collect();
            one(dims, None)
        }
        "MaxPool" | "AveragePool" | "LpPool" => {
            let x = first()?;
            let dims = super::layers::pooled(node, &x.dims)?;
            let mut outputs = vec![value(dims.clone(), None)];
            if node.outputs.len() > 1 {
                outputs.push(value(dims, None));
            }
            Ok(outputs)
        }
        "ReduceMean" | "ReduceSum" | "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceL2"
        | "ReduceL1" | "ReduceSumSquare" | "ReduceLogSumExp" | "ArgMax" | "ArgMin" => {
            reduce(node, inputs, constant)
        }
        "Pad" => pad(node, inputs, opset, constant),
        "Resize" | "Upsample" => resize(node, inputs, constant),
        "DepthToSpace" | "SpaceToDepth" => {
            let x = first()?;
            let b = node.int("blocksize").unwrap_or(1).max(1);
            match (node.op.as_str(), x.dims.as_slice()) {
                ("DepthToSpace", [n, c, h, w]) if b <= 1 << 15 && c % (b * b) == 0 => {
                    one(vec![*n, c / (b * b), h * b, w * b], None)
                }
                ("SpaceToDepth", [n, c, h, w]) if b <= 1 << 15 && h % b == 0 && w % b == 0 => {
                    one(vec![*n, c * b * b, h / b, w / b], None)
                }
                _ => Err(uninferable("its input does not divide into blocks")),
            }
        }
        _ => Err(InferError::Unknown),
    }
}

/// Operators that rearrange a tensor: joins, added or removed unit axes, reshapes,
/// transposes, broadcasts and tiles.
fn layout(
    node: &Node,
    inputs: &[Option<&Value>],
    opset: i64,
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let first = || first_input(inputs);
    let value = |dims: Vec<i64>, ints: Option<Vec<i64>>| make_value(dims, ints, constant);
    let one = |dims: Vec<i64>, ints: Option<Vec<i64>>| Ok(vec![value(dims, ints)]);
    match node.op.as_str() {
        "Concat" => {
            let parts: Vec<&Value> = inputs.iter().flatten().copied().collect();
            let x = first()?;
            let a = axis(node.int("axis").unwrap_or(0), x.dims.len())?;
            let mut dims = x.dims.clone();
            dims[a] = 0;
            for p in &parts {
                let same_rest = p.dims.len() == x.dims.len()
                    && p.dims
                        .iter()
                        .zip(&x.dims)
                        .enumerate()
                        .all(|(i, (u, v))| i == a || u == v);
                if !same_rest {
                    return Err(uninferable(format!(
                        "it joins {} and {} along axis {a}",
                        format_dims(&x.dims),
                        format_dims(&p.dims)
                    )));
                }
                dims[a] = dims[a].saturating_add(p.dims[a]);
            }
            let ints = (dims.len() == 1)
                .then(|| {
                    parts
                        .iter()
                        .map(|p| p.ints.clone())
                        .collect::<Option<Vec<_>>>()
                })
                .flatten()
                .map(|v| v.concat());
            one(dims, ints)
        }
        "Unsqueeze" => {
            let x = first()?;
            let axes = match node.ints("axes") {
                Some(a) if opset < 13 => a.to_vec(),
                _ => ints(inputs, 1, "axes input")?.to_vec(),
            };
            let rank = x.dims.len() + axes.len();
            let mut positions = axes
                .iter()
                .map(|a| axis(*a, rank))
                .collect::<Result<Vec<_>, _>>()?;
            positions.sort_unstable();
            let mut dims = x.dims.clone();
            for p in positions {
                dims.insert(p.min(dims.len()), 1);
            }
            one(dims, x.ints.clone())
        }
        "Squeeze" => {
            let x = first()?;
            let axes = match (node.ints("axes"), optional_ints(inputs, 1)) {
                (Some(a), _) if opset < 13 => Some(a.to_vec()),
                (_, Some(a)) => Some(a.to_vec()),
                _ => None,
            };
            let drop: Vec<usize> = match axes {
                Some(a) => a
                    .iter()
                    .map(|a| axis(*a, x.dims.len()))
                    .collect::<Result<_, _>>()?,
                None => (0..x.dims.len()).filter(|i| x.dims[*i] == 1).collect(),
            };
            let dims = (0..x.dims.len())
                .filter(|i| !drop.contains(i))
                .map(|i| x.dims[i])
                .collect();
            one(dims, x.ints.clone())
        }
        "Reshape" => {
            let x = first()?;
            let target = ints(inputs, 1, "target shape")?;
            let dims = reshape(&x.dims, target, node.int("allowzero") == Some(1))?;
            one(dims, x.ints.clone())
        }
        "Flatten" => {
            let x = first()?;
            let a = node.int("axis").unwrap_or(1);
            let rank = x.dims.len();
            let a = if a < 0 { a + rank as i64 } else { a }.clamp(0, rank as i64) as usize;
            let (outer, inner) = match (numel(&x.dims[..a]), numel(&x.dims[a..])) {
                (Some(o), Some(i)) => (o, i),
                _ => return Err(uninferable("its input has too many elements")),
            };
            one(vec![outer, inner], x.ints.clone())
        }
        "Transpose" => {
            let x = first()?;
            let rank = x.dims.len();
            let perm: Vec<usize> = match node.ints("perm") {
                Some(p) => p.iter().map(|a| axis(*a, rank)).collect::<Result<_, _>>()?,
                None => (0..rank).rev().collect(),
            };
            if perm.len() != rank {
                return Err(uninferable("its `perm` does not match the input's rank"));
            }
            let ints = (rank <= 1).then(|| x.ints.clone()).flatten();
            one(perm.iter().map(|p| x.dims[*p]).collect(), ints)
        }
        "Expand" => {
            let x = first()?;
            let shape = ints(inputs, 1, "shape input")?;
            let dims = broadcast(&[&x.dims, shape])
                .ok_or_else(|| uninferable("its shape input does not broadcast"))?;
            let ints = x.ints.as_ref().and_then(|v| expand_to(v, &x.dims, &dims));
            one(dims, ints)
        }
        "Tile" => {
            let x = first()?;
            let repeats = ints(inputs, 1, "repeats input")?;
            if repeats.len() != x.dims.len() {
                return Err(uninferable("its repeats do not match the input's rank"));
            }
            one(
                x.dims
                    .iter()
                    .zip(repeats)
                    .map(|(d, r)| d.saturating_mul(*r))
                    .collect(),
                None,
            )
        }
        _ => Err(InferError::Unknown),
    }
}

/// `Pad`: the pads from the attribute (before opset 11) or the input, on all or some axes.
fn pad(
    node: &Node,
    inputs: &[Option<&Value>],
    opset: i64,
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let x = first_input(inputs)?;

    let pads = match node.ints("pads") {
        Some(p) if opset < 11 => p,
        _ => ints(inputs, 1, "pads input")?,
    };
    let rank = x.dims.len();
    let axes: Vec<usize> = match optional_ints(inputs, 3) {
        Some(a) => a.iter().map(|a| axis(*a, rank)).collect::<Result<_, _>>()?,
        None => (0..rank).collect(),
    };
    if pads.len() != 2 * axes.len() {
        return Err(uninferable("its pads do not match the input's rank"));
    }
    let mut dims = x.dims.clone();
    for (i, a) in axes.iter().enumerate() {
        dims[*a] = dims[*a]
            .saturating_add(pads[i])
            .saturating_add(pads[i + axes.len()]);
    }
    Ok(vec![Value {
        dims,
        ints: None,
        constant,
    }])
}

/// The shape `Reshape` gives `dims` for `target` (`0` copies, `-1` is inferred).
pub(super) fn reshape(
    dims: &[i64],
    target: &[i64],
    allowzero: bool,
) -> Result<Vec<i64>, InferError> {
    let total = numel(dims).ok_or_else(|| uninferable("its input has too many elements"))?;
    let mut out: Vec<i64> = target
        .iter()
        .enumerate()
        .map(|(i, t)| match t {
            0 if !allowzero => dims.get(i).copied().unwrap_or(0),
            t => *t,
        })
        .collect();
    let unknown: Vec<usize> = (0..out.len()).filter(|i| out[*i] == -1).collect();
    let known = out
        .iter()
        .filter(|d| **d != -1)
        .try_fold(1i64, |acc, d| acc.checked_mul(*d))
        .unwrap_or(-1);
    match unknown.as_slice() {
        [] => {}
        [i] if known > 0 && total % known == 0 => out[*i] = total / known,
        _ => {
            return Err(uninferable(format!(
                "it cannot reshape {} to {}",
                format_dims(dims),
                format_dims(target)
            )))
        }
    }
    if out.iter().any(|d| *d < 0) || numel(&out) != Some(total) {
        return Err(uninferable(format!(
            "it reshapes {} ({total} elements) to {}",
            format_dims(dims),
            format_dims(target)
        )));
    }
    Ok(out)
}

fn gather(
    node: &Node,
    inputs: &[Option<&Value>],
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let (Some(Some(data)), Some(Some(indices))) = (inputs.first(), inputs.get(1)) else {
        return Err(uninferable("it needs data and indices"));
    };
    let a = axis(node.int("axis").unwrap_or(0), data.dims.len())?;
    let mut dims = data.dims[..a].to_vec();
    dims.extend(&indices.dims);
    dims.extend(&data.dims[a + 1..]);
    let ints = match (&data.ints, &indices.ints) {
        (Some(d), Some(idx)) if data.dims.len() == 1 => idx
            .iter()
            .map(|i| {
                let n = d.len() as i64;
                let i = if *i < 0 { i + n } else { *i };
                usize::try_from(i).ok().and_then(|i| d.get(i).copied())
            })
            .collect(),
        _ => None,
    };
    Ok(vec![Value {
        dims,
        ints,
        constant,
    }])
}

fn slice(
    node: &Node,
    inputs: &[Option<&Value>],
    opset: i64,
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let data = first_input(inputs)?;
    let rank = data.dims.len();
    let (starts, ends, axes, steps) = if opset < 10 {
        (
            node.ints("starts").unwrap_or(&[]).to_vec(),
            node.ints("ends").unwrap_or(&[]).to_vec(),
            node.ints("axes").map(<[i64]>::to_vec),
            None,
        )
    } else {
        (
            ints(inputs, 1, "starts input")?.to_vec(),
            ints(inputs, 2, "ends input")?.to_vec(),
            optional_ints(inputs, 3).map(<[i64]>::to_vec),
            optional_ints(inputs, 4).map(<[i64]>::to_vec),
        )
    };
    let axes = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
    if ends.len() != starts.len() || axes.len() != starts.len() {
        return Err(uninferable("its starts, ends and axes differ in length"));
    }
    let mut dims = data.dims.clone();
    let mut ranges: Vec<(i64, i64, i64)> = data.dims.iter().map(|d| (0, *d, 1)).collect();
    for (i, a) in axes.iter().enumerate() {
        let a = axis(*a, rank)?;
        let step = steps.as_ref().and_then(|s| s.get(i).copied()).unwrap_or(1);
        if step == 0 {
            return Err(uninferable("its step is 0"));
        }
        let d = data.dims[a];
        let norm =
            |v: i64, lo: i64, hi: i64| (if v < 0 { v.saturating_add(d) } else { v }).clamp(lo, hi);
        let (start, end) = if step > 0 {
            (norm(starts[i], 0, d), norm(ends[i], 0, d))
        } else {
            (norm(starts[i], -1, d - 1), norm(ends[i], -1, d - 1))
        };
        let n = if step > 0 {
            (i128::from(end) - i128::from(start) + i128::from(step) - 1)
                .div_euclid(i128::from(step))
        } else {
            (i128::from(start) - i128::from(end) - i128::from(step) - 1)
                .div_euclid(-i128::from(step))
        };
        let n = i64::try_from(n).unwrap_or(0);
        dims[a] = n.max(0);
        ranges[a] = (start, end, step);
    }
    let ints = match (&data.ints, ranges.as_slice()) {
        (Some(v), [(start, _, step)]) if rank == 1 => (0..dims[0])
            .map(|k| {
                let at = k.checked_mul(*step)?.checked_add(*start)?;
                v.get(usize::try_from(at).ok()?).copied()
            })
            .collect(),
        _ => None,
    };
    Ok(vec![Value {
        dims,
        ints,
        constant,
    }])
}

fn split(
    node: &Node,
    inputs: &[Option<&Value>],
    opset: i64,
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let x = first_input(inputs)?;
    let a = axis(node.int("axis").unwrap_or(0), x.dims.len())?;
    let outputs = node.outputs.len().max(1) as i64;
    let sizes: Vec<i64> = match (node.ints("split"), optional_ints(inputs, 1)) {
        (Some(s), _) if opset < 13 => s.to_vec(),
        (_, Some(s)) => s.to_vec(),
        _ => {
            let n = node.int("num_outputs").unwrap_or(outputs);
            if n != outputs {
                return Err(uninferable("its `num_outputs` differs from its outputs"));
            }
            let chunk = (x.dims[a] + n - 1) / n;
            (0..n)
                .map(|i| chunk.min(x.dims[a] - i * chunk).max(0))
                .collect()
        }
    };
    if sizes.len() != node.outputs.len()
        || sizes.iter().try_fold(0i64, |acc, s| acc.checked_add(*s)) != Some(x.dims[a])
    {
        return Err(uninferable("its split sizes do not add up to the axis"));
    }
    Ok(sizes
        .iter()
        .map(|s| {
            let mut dims = x.dims.clone();
            dims[a] = *s;
            Value {
                dims,
                ints: None,
                constant,
            }
        })
        .collect())
}

fn reduce(
    node: &Node,
    inputs: &[Option<&Value>],
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let x = first_input(inputs)?;
    let rank = x.dims.len();
    let keep = node.int("keepdims").unwrap_or(1) != 0;
    let axes: Vec<usize> = if node.op.starts_with("Arg") {
        vec![axis(node.int("axis").unwrap_or(0), rank)?]
    } else {
        match (node.ints("axes"), optional_ints(inputs, 1)) {
            (Some(a), _) | (_, Some(a)) => {
                a.iter().map(|a| axis(*a, rank)).collect::<Result<_, _>>()?
            }
            _ if node.int("noop_with_empty_axes") == Some(1) => Vec::new(),
            _ => (0..rank).collect(),
        }
    };
    let dims = (0..rank)
        .filter_map(|i| match (axes.contains(&i), keep) {
            (false, _) => Some(x.dims[i]),
            (true, true) => Some(1),
            (true, false) => None,
        })
        .collect();
    Ok(vec![Value {
        dims,
        ints: None,
        constant,
    }])
}

fn resize(
    node: &Node,
    inputs: &[Option<&Value>],
    constant: bool,
) -> Result<Vec<Value>, InferError> {
    let x = first_input(inputs)?;
    let sizes = if node.op == "Resize" {
        optional_ints(inputs, 3)
    } else {
        None
    };
    let dims = match sizes {
        Some(s) if s.len() == x.dims.len() => s.to_vec(),
        _ => {
            let scales_at = if node.op == "Resize" { 2 } else { 1 };
            let scales = optional_ints(inputs, scales_at)
                .filter(|s| s.len() == x.dims.len())
                .ok_or_else(|| {
                    uninferable("its scales or sizes are not constant integers dfc can fold")
                })?;
            x.dims
                .iter()
                .zip(scales)
                .map(|(d, s)| d.saturating_mul(*s))
                .collect()
        }
    };
    Ok(vec![Value {
        dims,
        ints: None,
        constant,
    }])
}

//! Layer shapes: a layer operator's arguments turned into the canonical loop bounds, with
//! the output size derived. Lowering and the importers build every shape here.

use std::collections::HashMap;

use super::{LayerOp, Shape};

/// Largest layer argument and dataflow constant: keeps every product of a few loop bounds
/// inside 64 bits.
pub(crate) const MAX_LOOP_BOUND: i64 = 1 << 31;

/// Why a layer's arguments give no valid shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ShapeError {
    Groups {
        dim: &'static str,
        total: u64,
        groups: u64,
    },
    NoOutput(String),
}

/// Canonical shape of a layer from its (already range-checked) arguments, in a map of any
/// hasher (bulk importers use Fx hashing: SipHash was a tenth of a MAESTRO import).
pub(crate) fn build_shape<H: std::hash::BuildHasher>(
    op: LayerOp,
    args: &HashMap<&str, u64, H>,
) -> Result<Shape, ShapeError> {
    let get = |k: &str, default: u64| args.get(k).copied().unwrap_or(default);
    let pair = |k: &str, ky: &str, kx: &str, default: u64| {
        let both = get(k, default);
        (get(ky, both), get(kx, both))
    };
    let (stride_y, stride_x) = pair("stride", "stride_y", "stride_x", 1);
    let (pad_y, pad_x) = pair("pad", "pad_y", "pad_x", 0);
    let (dilation_y, dilation_x) = pair("dilation", "dilation_y", "dilation_x", 1);
    let (output_padding_y, output_padding_x) =
        pair("output_padding", "output_padding_y", "output_padding_x", 0);
    let mut shape = Shape {
        n: get("N", 1),
        g: 1,
        k: 1,
        c: 1,
        r: 1,
        s: 1,
        y: 1,
        x: 1,
        stride_y,
        stride_x,
        pad_top: get("pad_top", pad_y),
        pad_bottom: get("pad_bottom", pad_y),
        pad_left: get("pad_left", pad_x),
        pad_right: get("pad_right", pad_x),
        output_padding_y,
        output_padding_x,
        dilation_y,
        dilation_x,
        out_y: 1,
        out_x: 1,
        batch_declared: args.contains_key("N"),
        output_declared_y: args.contains_key("Y'"),
        output_declared_x: args.contains_key("X'"),
    };
    match op {
        LayerOp::Conv | LayerOp::TConv | LayerOp::PwConv => {
            let groups = get("groups", 1);
            let (k, c) = (get("K", 1), get("C", 1));
            for (dim, total) in [("K", k), ("C", c)] {
                if total % groups != 0 {
                    return Err(ShapeError::Groups { dim, total, groups });
                }
            }
            shape.g = groups;
            shape.k = k / groups;
            shape.c = c / groups;
            shape.r = get("R", 1);
            shape.s = get("S", 1);
            shape.y = get("Y", 1);
            shape.x = get("X", 1);
        }
        LayerOp::DwConv => {
            shape.g = get("C", 1);
            shape.r = get("R", 1);
            shape.s = get("S", 1);
            shape.y = get("Y", 1);
            shape.x = get("X", 1);
        }
        LayerOp::Gemm | LayerOp::Matmul => {
            shape.n = get("B", 1);
            shape.batch_declared = op == LayerOp::Matmul;
            shape.k = get("N", 1);
            shape.c = get("K", 1);
            shape.y = get("M", 1);
        }
        LayerOp::Fc => {
            shape.k = get("K", 1);
            shape.c = get("C", 1);
        }
    }
    let extent_y = (shape.r - 1).saturating_mul(dilation_y).saturating_add(1);
    let extent_x = (shape.s - 1).saturating_mul(dilation_x).saturating_add(1);
    let rows = Axis {
        pads: (shape.pad_top, shape.pad_bottom),
        stride: stride_y,
        extent: extent_y,
        output_padding: output_padding_y,
    };
    let columns = Axis {
        pads: (shape.pad_left, shape.pad_right),
        stride: stride_x,
        extent: extent_x,
        output_padding: output_padding_x,
    };
    // An output-centric size: the input that gives exactly `Y'` outputs.
    for (key, input, axis) in [("Y'", &mut shape.y, &rows), ("X'", &mut shape.x, &columns)] {
        if let Some(&out) = args.get(key) {
            let padded = (out - 1)
                .saturating_mul(axis.stride)
                .saturating_add(axis.extent);
            *input = padded
                .checked_sub(axis.pads.0 + axis.pads.1)
                .filter(|v| *v > 0)
                .ok_or_else(|| {
                    ShapeError::NoOutput(format!(
                        "its padding is larger than the input `{key}` = {out} needs"
                    ))
                })?;
        }
    }
    match (rows.output(op, shape.y), columns.output(op, shape.x)) {
        (Some(oy), Some(ox)) if oy > 0 && ox > 0 => {
            shape.out_y = oy;
            shape.out_x = ox;
            Ok(shape)
        }
        _ if op == LayerOp::TConv => Err(ShapeError::NoOutput(
            "the padding of this transposed convolution is not smaller than its filter".to_string(),
        )),
        _ => Err(ShapeError::NoOutput(format!(
            "its filter ({extent_y}×{extent_x}) is larger than its padded input ({}×{})",
            shape.y.saturating_add(rows.pads.0 + rows.pads.1),
            shape.x.saturating_add(columns.pads.0 + columns.pads.1)
        ))),
    }
}

/// One spatial axis of a layer: its padding before and after the input, stride, dilated
/// filter extent and (transposed convolutions only) output padding.
struct Axis {
    pads: (u64, u64),
    stride: u64,
    extent: u64,
    output_padding: u64,
}

impl Axis {
    /// The output size along this axis for an input of `input`, if there is one.
    fn output(&self, op: LayerOp, input: u64) -> Option<u64> {
        let (before, after) = self.pads;
        if op == LayerOp::TConv {
            // A padding of the whole filter extent would leave no zero-inserted input.
            (before < self.extent && after < self.extent)
                .then(|| {
                    ((input - 1) * self.stride + self.extent + self.output_padding)
                        .checked_sub(before + after)
                })
                .flatten()
        } else {
            let padded = input.saturating_add(before).saturating_add(after);
            (padded >= self.extent).then(|| (padded - self.extent) / self.stride + 1)
        }
    }
}

//! SCALE-Sim's layers into the IR: one IR layer per topology row, except that the
//! per-channel layers SCALE-Sim makes of a `DP` row come back as the one depthwise
//! convolution they stand for. The layers are chained in file order and mapped onto the
//! configuration's array with the dataflow left to the search.

use std::collections::HashMap;

use crate::backends::systolic::Layer;
use crate::diagnostics::{Code, Diagnostic};
use crate::interop::LayerNames;
use crate::ir::shape::build_shape;
use crate::ir::{self, LayerOp};
use crate::source::Span;

/// One IR layer's worth of topology rows: its operator, its `build_shape` arguments, how many
/// rows it takes, and its name as the file gives it.
struct RowGroup {
    op: LayerOp,
    /// The first row's `N:M` weight ratio.
    ratio: Option<(u64, u64)>,
    args: Vec<(&'static str, u64)>,
    rows: usize,
    name: String,
}

/// The IR layers of a topology, each the successor of the one before, with their weight
/// sparsity; rows that cannot become a layer are reported on `span` (the topology file) and
/// left out.
pub(super) fn network_layers(
    layers: &[Layer],
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<ir::Layer>, Vec<ir::LayerSparsity>) {
    let mut ir_layers: Vec<ir::Layer> = Vec::new();
    let mut sparsities = Vec::new();
    let mut names = LayerNames::default();
    let mut i = 0;
    while i < layers.len() {
        let group = row_group(&layers[i..]);
        i += group.rows;
        let ident = names.next(&group.name);
        let name = group.name;
        let args: HashMap<&str, u64> = group.args.into_iter().collect();
        if args
            .values()
            .any(|v| *v > crate::ir::shape::MAX_LOOP_BOUND as u64)
        {
            diags.push(Diagnostic::at(
                Code::InvalidValue,
                span,
                format!(
                    "layer `{name}` has a size larger than dfc supports ({})",
                    crate::ir::shape::MAX_LOOP_BOUND
                ),
                "in this topology",
            ));
            continue;
        }
        let Some(weights) = weight_density(group.ratio, &name, span, diags) else {
            continue;
        };
        match build_shape(group.op, &args) {
            Ok(shape) => {
                ir_layers.push(ir::Layer {
                    name: ident,
                    op: group.op,
                    shape,
                    preds: ir_layers.len().checked_sub(1).into_iter().collect(),
                    span,
                });
                sparsities.push(ir::LayerSparsity {
                    weights,
                    activations: ir::Density::Dense,
                });
            }
            Err(_) => diags.push(Diagnostic::at(
                Code::InvalidShape,
                span,
                format!("layer `{name}` has no output"),
                "in this topology",
            )),
        }
    }
    (ir_layers, sparsities)
}

/// A topology row's `N:M` as a `.df` density; a ratio SCALE-Sim fails on (`N > M`) is E1402,
/// one wider than `.df` holds E1406.
fn weight_density(
    ratio: Option<(u64, u64)>,
    name: &str,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Density> {
    let Some((n, m)) = ratio else {
        return Some(ir::Density::Dense);
    };
    let (code, why) = if n > m {
        (Code::SparsityRatioFails, "N is larger than M")
    } else if m > u64::from(u16::MAX) {
        (
            Code::SystolicSparsityInvalid,
            "`.df` ratios are at most 65535 wide",
        )
    } else {
        return Some(ir::Density::Structured {
            n: n as u32,
            m: m as u32,
        });
    };
    diags.push(Diagnostic::at(
        code,
        span,
        format!("layer `{name}` has the sparsity ratio {n}:{m}: {why}"),
        "in this topology",
    ));
    None
}

/// The rows at the start of `rows` that make one IR layer.
fn row_group(rows: &[Layer]) -> RowGroup {
    let l = &rows[0];
    // `<name>Channel_0 … <name>Channel_{C-1}`: one SCALE-Sim `DP` row of C channels.
    let dp_base = l
        .name
        .strip_suffix("Channel_0")
        .filter(|base| base.contains("DP") && l.gemm.is_none());
    if let Some(base) = dp_base {
        return depthwise_group(rows, base);
    }
    if let Some(g) = l.gemm {
        return RowGroup {
            op: LayerOp::Gemm,
            ratio: l.sparsity,
            args: vec![("M", g.m), ("N", g.n), ("K", g.k)],
            rows: 1,
            name: l.name.clone(),
        };
    }
    let mut args = vec![("K", l.num_filters), ("C", l.channels)];
    args.extend(window_arguments(l));
    RowGroup {
        op: LayerOp::Conv,
        ratio: l.sparsity,
        args,
        rows: 1,
        name: l.name.clone(),
    }
}

/// The filter window, input size and strides of a row, in `.df` argument names.
fn window_arguments(l: &Layer) -> [(&'static str, u64); 6] {
    [
        ("R", l.filter_h),
        ("S", l.filter_w),
        ("Y", l.ifmap_h),
        ("X", l.ifmap_w),
        ("stride_y", l.stride_h),
        ("stride_x", l.stride_w),
    ]
}

/// The per-channel layers `<base>Channel_0`, `<base>Channel_1`, … of one `DP` row.
fn depthwise_group(rows: &[Layer], base: &str) -> RowGroup {
    let l = &rows[0];
    let channels = rows
        .iter()
        .enumerate()
        .take_while(|(c, x)| x.name == format!("{base}Channel_{c}"))
        .count() as u64;
    // SCALE-Sim gives each channel the row's filter count: a depthwise convolution with that
    // channel multiplier, i.e. one group per channel.
    let (op, mut args) = if l.num_filters == 1 {
        (LayerOp::DwConv, vec![("C", channels)])
    } else {
        (
            LayerOp::Conv,
            vec![
                ("K", channels * l.num_filters),
                ("C", channels),
                ("groups", channels),
            ],
        )
    };
    args.extend(window_arguments(l));
    RowGroup {
        op,
        ratio: l.sparsity,
        args,
        rows: channels as usize,
        name: base.to_string(),
    }
}

/// The program: the network, the hardware, and a mapping of every layer onto it with the
/// dataflow left to the search and the topology's weight sparsity.
pub(super) fn program(
    network_name: String,
    (layers, sparsities): (Vec<ir::Layer>, Vec<ir::LayerSparsity>),
    hardware: ir::Hardware,
    span: Span,
) -> ir::Program {
    let mut program = ir::Program::default();
    let mapping_name = format!("{network_name}_on_{}", hardware.name);
    program.networks.push(ir::Network {
        name: network_name,
        layers,
        span,
    });
    program.hardware.push(hardware);
    program.mappings.push(ir::Mapping {
        name: mapping_name,
        network: ir::NetworkId(0),
        hardware: ir::HardwareId(0),
        layers: sparsities
            .into_iter()
            .map(|sparsity| ir::LayerMapping {
                dataflow: ir::DataflowChoice::Search { span },
                precision: None,
                sparsity,
            })
            .collect(),
        span,
    });
    program.make_item_names_unique();
    program
}

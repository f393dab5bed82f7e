//! MAESTRO's records into the IR: a network per `Network`, a layer per `Layer` (its type,
//! dimensions and strides read as MAESTRO reads them), and a dataflow per distinct
//! `Dataflow` block, shared by the layers that spell the same directives.

use rustc_hash::FxHashMap;

use super::parser::{MDirective, MLayer, MNetwork, MValue, MValueKind};
use crate::diagnostics::{Code, Diagnostic};
use crate::interop::{identifier, LayerNames};
use crate::ir::instantiate::check_levels;
use crate::ir::shape::{build_shape, ShapeError};
use crate::ir::{self, Dim, LayerOp};
use crate::source::Span;

/// How a MAESTRO type's dimension names map to `.df` layer arguments.
type DimensionNames = &'static [(&'static str, &'static str)];

/// Add the network and its dataflows to `program`; returns each kept layer's dataflow.
pub(super) fn lower_network(
    net: &MNetwork,
    program: &mut ir::Program,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ir::DataflowId> {
    let mut dataflow_ids = Vec::new();
    let name = identifier(net.name, "net_");
    let mut layers = Vec::new();
    let mut previous_dataflow: Option<&(Vec<MDirective<'_>>, Span)> = None;
    let mut layer_names = LayerNames::default();
    // Dataflows by their directives (spans aside), first definition first: a hash lookup per
    // layer keeps import linear in the number of layers. The keys are expression trees, which
    // SipHash made a tenth of a bulk import; Fx hashing them is several times cheaper.
    let mut known: FxHashMap<Vec<DirectiveKey>, usize> = FxHashMap::default();
    for (i, d) in program.dataflows.iter().enumerate() {
        known.entry(directive_keys(&d.directives)).or_insert(i);
    }
    for l in &net.layers {
        let layer_name = layer_names.next(l.name);
        if l.dataflow.is_some() {
            previous_dataflow = l.dataflow.as_ref();
        }
        let Some(layer) = lower_layer(l, &layer_name, diags) else {
            continue;
        };
        let dataflow = match (&l.dataflow, previous_dataflow) {
            (Some(df), _) => df,
            (None, Some(prev)) => {
                diags.push(
                    Diagnostic::at(Code::IgnoredInput, l.name_span, format!("layer `{}` has no `Dataflow`; dfc reuses the previous layer's", l.name), "no dataflow")
                        .with_note("MAESTRO means to reuse it too, but fails with \"No spatial map in a cluster\""),
                );
                prev
            }
            (None, None) => {
                diags.push(
                    Diagnostic::at(
                        Code::MaestroSyntax,
                        l.name_span,
                        format!("layer `{}` has no `Dataflow`", l.name),
                        "no dataflow",
                    )
                    .with_help("the first layer of a file must have a `Dataflow { … }` block"),
                );
                continue;
            }
        };
        let Some(directives) = lower_dataflow(l, &dataflow.0, diags) else {
            continue;
        };
        let key = directive_keys(&directives);
        let id = match known.get(&key).copied() {
            Some(i) => i,
            None => {
                let df_name = format!("{layer_name}_dataflow");
                let level_errors = check_levels(&df_name, dataflow.1, &directives);
                if !level_errors.is_empty() {
                    diags.extend(level_errors);
                    continue;
                }
                program.dataflows.push(ir::Dataflow {
                    name: df_name,
                    params: Vec::new(),
                    directives,
                    span: dataflow.1,
                });
                known.insert(key, program.dataflows.len() - 1);
                program.dataflows.len() - 1
            }
        };
        dataflow_ids.push(ir::DataflowId(id as u32));
        // MAESTRO's layers are independent; dfc chains them, as a `.df` network does.
        let mut layer = layer;
        layer.preds = layers.len().checked_sub(1).into_iter().collect();
        layers.push(layer);
    }
    program.networks.push(ir::Network {
        name,
        layers,
        span: net.span,
    });
    dataflow_ids
}

/// What makes two directives the same dataflow step: everything but the span.
#[derive(PartialEq, Eq, Hash)]
enum DirectiveKey {
    Map(ir::MapKind, ir::Expr, ir::Expr, Dim),
    Cluster(ir::Expr),
}

fn directive_keys(directives: &[ir::Directive]) -> Vec<DirectiveKey> {
    directives
        .iter()
        .map(|d| match d {
            ir::Directive::Map {
                kind,
                size,
                offset,
                dim,
                ..
            } => DirectiveKey::Map(*kind, size.clone(), offset.clone(), *dim),
            ir::Directive::Cluster { size, .. } => DirectiveKey::Cluster(size.clone()),
        })
        .collect()
}

/// How a MAESTRO type's dimension names map to `.df` layer arguments.
fn layer_kind(ty: &str) -> Option<(LayerOp, DimensionNames)> {
    const CONV: &[(&str, &str)] = &[
        ("N", "N"),
        ("K", "K"),
        ("C", "C"),
        ("R", "R"),
        ("S", "S"),
        ("Y", "Y"),
        ("X", "X"),
    ];
    match ty {
        "CONV" | "NGCONV" => Some((LayerOp::Conv, CONV)),
        "TRCONV" => Some((LayerOp::TConv, CONV)),
        "DSCONV" | "POOL" => Some((LayerOp::DwConv, CONV)),
        "GEMM" => Some((LayerOp::Gemm, &[("M", "M"), ("N", "N"), ("K", "K")])),
        "FC" => Some((LayerOp::Fc, &[("N", "N"), ("K", "K"), ("C", "C")])),
        _ => None,
    }
}

/// The loop dimension a MAESTRO dimension name stands for in a layer of this type.
fn dim_of(ty: &str, name: &str) -> Option<Dim> {
    match (ty, name) {
        ("GEMM", "M") => Some(Dim::Y),
        ("GEMM", "N") => Some(Dim::K),
        ("GEMM", "K") => Some(Dim::C),
        _ => Dim::parse(name),
    }
}

/// A layer's arguments as `build_shape` takes them (`K`, `C`, `Y'`, `stride_y`, `groups`, …).
type LayerArguments = FxHashMap<&'static str, u64>;

/// The output-centric sizes `Y'`/`X'` a layer gave, with where.
#[derive(Default)]
struct OutputSizes {
    y: Option<(u64, Span)>,
    x: Option<(u64, Span)>,
}

/// The IR layer for a MAESTRO layer, or `None` after reporting why it cannot be imported.
/// The steps follow MAESTRO's reading of a layer: its type, its dimensions, the output-centric
/// `Y'`/`X'` forms, its strides, and then the shape.
fn lower_layer(l: &MLayer, name: &str, diags: &mut Vec<Diagnostic>) -> Option<ir::Layer> {
    let (ty, op, names) = layer_type(l, diags)?;
    let (mut args, declared, outputs) = dimension_arguments(l, ty, op, names, diags)?;
    output_centric_arguments(l, &declared, &outputs, &mut args, diags)?;
    stride_arguments(l, &outputs, &mut args, diags);
    if ty == "NGCONV" {
        let g = args.get("groups").copied().unwrap_or(1);
        for k in ["K", "C"] {
            if let Some(v) = args.get_mut(k) {
                *v = v.saturating_mul(g);
            }
        }
    }
    check_complete(l, ty, op, &args, diags)?;
    if args.values().any(|v| *v as i64 > ir::shape::MAX_LOOP_BOUND) {
        diags.push(Diagnostic::at(
            Code::InvalidValue,
            l.name_span,
            "a dimension is larger than dfc supports",
            "too large",
        ));
        return None;
    }
    layer_with_shape(l, name, op, &args, diags)
}

/// The layer's type, its IR operator and how its dimension names map to arguments; a
/// `POOL` layer is noted as imported as a depthwise reduction.
fn layer_type<'l>(
    l: &'l MLayer,
    diags: &mut Vec<Diagnostic>,
) -> Option<(&'l str, LayerOp, DimensionNames)> {
    let Some((ty, ty_span)) = l.ty else {
        diags.push(
            Diagnostic::at(
                Code::MaestroSyntax,
                l.name_span,
                format!("layer `{}` has no `Type`", l.name),
                "no type",
            )
            .with_help("add `Type: CONV` (or DSCONV, NGCONV, TRCONV, GEMM, FC, POOL)"),
        );
        return None;
    };
    let Some((op, names)) = layer_kind(ty) else {
        let (code, msg) = if ty == "LSTM" || ty == "RESIDUAL_IDENTITY" {
            (
                Code::MaestroUnsupported,
                format!("MAESTRO layer type `{ty}` has no MACs to map and is not supported"),
            )
        } else {
            (
                Code::MaestroSyntax,
                format!("unknown MAESTRO layer type `{ty}`"),
            )
        };
        diags.push(
            Diagnostic::at(code, ty_span, msg, "this type")
                .with_note("types: CONV, DSCONV, NGCONV, TRCONV, GEMM, FC, POOL"),
        );
        return None;
    };
    if ty == "POOL" {
        diags.push(
            Diagnostic::at(
                Code::IgnoredInput,
                ty_span,
                "a pooling layer is imported as a depthwise window reduction",
                "imported as `dwconv`",
            )
            .with_note(
                "MAESTRO itself rejects `POOL`; its windows cost like a depthwise convolution's",
            ),
        );
    }
    Some((ty, op, names))
}

/// The arguments the `Dimensions` block gives, where each dimension was first declared
/// (MAESTRO keeps the first of a repeated one), and the output-centric sizes.
fn dimension_arguments<'l>(
    l: &'l MLayer,
    ty: &str,
    op: LayerOp,
    names: DimensionNames,
    diags: &mut Vec<Diagnostic>,
) -> Option<(LayerArguments, FxHashMap<&'l str, Span>, OutputSizes)> {
    // Room for a convolution's arguments: growing these maps rehashed every key, per layer.
    let mut args = LayerArguments::with_capacity_and_hasher(8, Default::default());
    let mut first: FxHashMap<&str, Span> =
        FxHashMap::with_capacity_and_hasher(8, Default::default());
    let mut outputs = OutputSizes::default();
    for (dim, size, span) in &l.dims {
        let size = *size as u64;
        if let Some(prev) = first.get(dim) {
            diags.push(
                Diagnostic::at(
                    Code::IgnoredInput,
                    *span,
                    format!("dimension `{dim}` is given twice; MAESTRO keeps the first"),
                    "ignored",
                )
                .with_label(*prev, "this value is used"),
            );
            continue;
        }
        first.insert(dim, *span);
        match *dim {
            "Y'" => outputs.y = Some((size, *span)),
            "X'" => outputs.x = Some((size, *span)),
            "G" if ty == "NGCONV" => {
                args.insert("groups", size);
            }
            "G" if size == 1 => {}
            "K" if op == LayerOp::DwConv => {
                if size != 1 {
                    diags.push(
                        Diagnostic::at(
                            Code::MaestroUnsupported,
                            *span,
                            format!("a `{ty}` layer with `K: {size}`"),
                            "expected `K: 1`",
                        )
                        .with_help(
                            "MAESTRO's depthwise layers have one filter per channel; write `K: 1`",
                        ),
                    );
                    return None;
                }
            }
            d => match names.iter().find(|(m, _)| *m == d) {
                Some((_, arg)) => {
                    args.insert(arg, size);
                }
                None if ty == "FC" && ["R", "S", "Y", "X"].contains(&d) && size == 1 => {}
                None => {
                    diags.push(Diagnostic::at(
                        Code::IgnoredInput,
                        *span,
                        format!("a `{ty}` layer has no dimension `{d}`; it is ignored"),
                        "ignored",
                    ));
                }
            },
        }
    }
    Some((args, first, outputs))
}

/// `Y'`/`X'` given instead of `Y`/`X`: MAESTRO derives `Y = Y' + R - 1` and ignores that
/// axis's stride. Giving both forms of one axis is an error.
fn output_centric_arguments(
    l: &MLayer,
    declared: &FxHashMap<&str, Span>,
    outputs: &OutputSizes,
    args: &mut LayerArguments,
    diags: &mut Vec<Diagnostic>,
) -> Option<()> {
    for (out, input, output, stride_key) in
        [(outputs.y, "Y", "Y'", "Y"), (outputs.x, "X", "X'", "X")]
    {
        let Some((o, span)) = out else { continue };
        if declared.contains_key(input) {
            diags.push(
                Diagnostic::at(
                    Code::MaestroSyntax,
                    span,
                    format!("both `{input}` and `{input}'` are given"),
                    "give one of them",
                )
                .with_note(
                    "MAESTRO rejects an input- and an output-centric definition of one dimension",
                ),
            );
            return None;
        }
        args.insert(output, o);
        if l.strides
            .iter()
            .any(|(d, v, _)| *d == stride_key && *v != 1)
        {
            diags.push(Diagnostic::at(
                Code::IgnoredInput,
                span,
                format!("MAESTRO ignores the `{stride_key}` stride when only `{input}'` is given"),
                "stride ignored",
            ));
        }
    }
    Some(())
}

/// The `Y` and `X` strides of an input-centric axis; MAESTRO ignores every other stride.
fn stride_arguments(
    l: &MLayer,
    outputs: &OutputSizes,
    args: &mut LayerArguments,
    diags: &mut Vec<Diagnostic>,
) {
    for (dim, v, span) in &l.strides {
        let key = match *dim {
            "Y" if outputs.y.is_none() => "stride_y",
            "X" if outputs.x.is_none() => "stride_x",
            "Y" | "X" => continue,
            _ => {
                if *v != 1 {
                    diags.push(Diagnostic::at(
                        Code::IgnoredInput,
                        *span,
                        format!("MAESTRO ignores the stride of `{dim}`"),
                        "only `Y` and `X` strides have an effect",
                    ));
                }
                continue;
            }
        };
        args.insert(key, *v as u64);
    }
}

/// Every dimension the layer's operator needs is given (in either form for `Y`/`X`).
fn check_complete(
    l: &MLayer,
    ty: &str,
    op: LayerOp,
    args: &LayerArguments,
    diags: &mut Vec<Diagnostic>,
) -> Option<()> {
    let required: &[&str] = match op {
        LayerOp::Gemm => &["M", "N", "K"],
        LayerOp::Fc => &["K", "C"],
        LayerOp::DwConv => &["C", "R", "S", "Y", "X"],
        _ => &["K", "C", "R", "S", "Y", "X"],
    };
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|k| !args.contains_key(k) && !args.contains_key(format!("{k}'").as_str()))
        .collect();
    if missing.is_empty() {
        return Some(());
    }
    diags.push(
        Diagnostic::at(
            Code::MaestroSyntax,
            l.name_span,
            format!("layer `{}` does not give {}", l.name, missing.join(", ")),
            "incomplete dimensions",
        )
        .with_help(format!("a `{ty}` layer needs {}", required.join(", "))),
    );
    None
}

/// The IR layer, once its arguments make a shape with an output.
fn layer_with_shape(
    l: &MLayer,
    name: &str,
    op: LayerOp,
    args: &LayerArguments,
    diags: &mut Vec<Diagnostic>,
) -> Option<ir::Layer> {
    match build_shape(op, args) {
        Ok(shape) => Some(ir::Layer {
            name: name.to_string(),
            op,
            shape,
            preds: Vec::new(),
            span: l.name_span,
        }),
        Err(ShapeError::NoOutput(msg)) => {
            diags.push(Diagnostic::at(
                Code::InvalidShape,
                l.span,
                format!("layer `{}` has no output: {msg}", l.name),
                "this layer",
            ));
            None
        }
        Err(ShapeError::Groups { dim, total, groups }) => {
            diags.push(Diagnostic::at(
                Code::InvalidShape,
                l.span,
                format!("`{dim}` = {total} is not divisible by `G` = {groups}"),
                "this layer",
            ));
            None
        }
    }
}

fn lower_dataflow(
    l: &MLayer,
    directives: &[MDirective],
    diags: &mut Vec<Diagnostic>,
) -> Option<Vec<ir::Directive>> {
    let ty = l.ty.as_ref().map_or("CONV", |t| t.0);
    // MAESTRO's dimension table holds the declared dimensions plus the derived `Y`/`Y'`,
    // `X`/`X'` counterpart of whichever of the pair was declared.
    let declared = |name: &str| {
        let pair = match name {
            "Y" => "Y'",
            "Y'" => "Y",
            "X" => "X'",
            "X'" => "X",
            _ => "",
        };
        l.dims.iter().any(|d| d.0 == name || d.0 == pair)
    };
    let mut ok = true;
    let value = |v: &MValue, diags: &mut Vec<Diagnostic>| -> Option<ir::Expr> {
        match &v.kind {
            MValueKind::Int(i) => Some(ir::Expr::Const(*i)),
            MValueKind::Size(d) => match dim_of(ty, d) {
                Some(dim) => Some(ir::Expr::Size(dim)),
                None => {
                    diags.push(Diagnostic::at(
                        Code::UnknownDimension,
                        v.span,
                        format!("`Sz({d})` names no loop dimension"),
                        "unknown dimension",
                    ));
                    None
                }
            },
        }
    };
    let mut out = Vec::new();
    for d in directives {
        match d {
            MDirective::Map {
                spatial,
                size,
                offset,
                var,
                var_span,
                span,
            } => {
                let size = value(size, diags);
                let offset = value(offset, diags);
                let dim = if declared(var) || (ty == "DSCONV" && *var == "K") {
                    dim_of(ty, var)
                } else {
                    None
                };
                let Some(dim) = dim else {
                    diags.push(
                        Diagnostic::at(
                            Code::MaestroSyntax,
                            *var_span,
                            format!("dimension `{var}` not found in layer `{}`", l.name),
                            "not a dimension of this layer",
                        )
                        .with_note("MAESTRO stops with \"Dimension not found\""),
                    );
                    ok = false;
                    continue;
                };
                let (Some(size), Some(offset)) = (size, offset) else {
                    ok = false;
                    continue;
                };
                let kind = if *spatial {
                    ir::MapKind::Spatial
                } else {
                    ir::MapKind::Temporal
                };
                out.push(ir::Directive::Map {
                    kind,
                    size,
                    offset,
                    dim,
                    span: *span,
                });
            }
            MDirective::Cluster { size, span } => match value(size, diags) {
                Some(size) => out.push(ir::Directive::Cluster { size, span: *span }),
                None => ok = false,
            },
        }
    }
    ok.then_some(out)
}

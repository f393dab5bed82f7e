//! Lowering networks: each layer's operator and arguments checked, its canonical shape
//! derived (see [`crate::ir::shape`]), and the layers it comes after resolved.

use super::*;
use crate::ir::shape::{build_shape, ShapeError, MAX_LOOP_BOUND};

/// A layer's arguments as lowering accepted them.
struct LayerArguments<'a> {
    /// Each accepted argument's value and where it was written.
    values: HashMap<&'a str, (i64, Span)>,
    /// Keys written with a valid name, even if their value was rejected: not "missing".
    written: Vec<&'a str>,
    /// Whether every argument was accepted.
    ok: bool,
}

impl Lowering {
    pub(super) fn network(&mut self, n: &ast::Network) -> Network {
        let mut layers = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for l in &n.layers {
            if let Some(first) = seen.get(l.name.name.as_str()) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateDefinition,
                        l.name.span,
                        format!(
                            "layer `{}` is defined more than once in `{}`",
                            l.name.name, n.name.name
                        ),
                        "defined again here",
                    )
                    .with_label(*first, "first defined here"),
                );
                continue;
            }
            seen.insert(&l.name.name, l.name.span);
            let preds = self.layer_preds(n, l, &layers);
            if let Some(mut layer) = self.layer(l) {
                layer.preds = preds;
                layers.push(layer);
            }
        }
        Network {
            name: n.name.name.clone(),
            layers,
            span: n.span,
        }
    }

    /// The layers `l` comes after: the ones it names (all defined before it; `input` is the
    /// network's input), or the layer before it in the file.
    pub(super) fn layer_preds(
        &mut self,
        n: &ast::Network,
        l: &ast::Layer,
        earlier: &[Layer],
    ) -> Vec<usize> {
        if l.after.is_empty() {
            return earlier.len().checked_sub(1).into_iter().collect();
        }
        let mut preds = Vec::new();
        for a in &l.after {
            // `input`, unless a layer has that name, is the network's input: no layer.
            let position = earlier.iter().position(|x| x.name == a.name);
            if position.is_none() && a.name == "input" {
                continue;
            }
            match position {
                Some(i) if !preds.contains(&i) => preds.push(i),
                Some(_) => {}
                None => {
                    let later = n.layers.iter().any(|x| x.name.name == a.name);
                    let mut d = Diagnostic::at(
                        Code::BadDependency,
                        a.span,
                        if later {
                            format!(
                                "layer `{}` comes after `{}`, which is defined later",
                                l.name.name, a.name
                            )
                        } else {
                            format!("network `{}` has no layer `{}`", n.name.name, a.name)
                        },
                        if later {
                            "defined further down"
                        } else {
                            "no such layer"
                        },
                    );
                    d = if later {
                        d.with_help(
                            "list layers in an order where each comes after the layers it needs",
                        )
                    } else {
                        d.with_help_opt(suggest(&a.name, earlier.iter().map(|x| x.name.as_str())))
                    };
                    self.error(d);
                }
            }
        }
        preds
    }

    pub(super) fn layer(&mut self, l: &ast::Layer) -> Option<Layer> {
        let op = self.layer_operator(&l.op)?;
        let (listed, required) = layer_keys(op);
        let arguments = self.layer_arguments(op, l, listed);
        let sizes_ok = self.check_input_or_output_size(&arguments.values);
        let required_ok = self.check_required_arguments(op, l, required, &arguments.written);
        if !(arguments.ok && sizes_ok && required_ok) {
            return None;
        }
        let shape = self.layer_shape(op, l, &arguments.values)?;
        Some(Layer {
            name: l.name.name.clone(),
            op,
            shape,
            preds: Vec::new(),
            span: l.span,
        })
    }

    /// The operator a layer is written with (`conv`, `gemm`, …).
    fn layer_operator(&mut self, name: &ast::Ident) -> Option<LayerOp> {
        let op = LayerOp::parse(&name.name);
        if op.is_none() {
            let names = LayerOp::ALL.map(LayerOp::name);
            self.error(
                Diagnostic::at(
                    Code::UnknownLayerKind,
                    name.span,
                    format!("unknown layer operator `{}`", name.name),
                    "not a layer operator",
                )
                .with_note(format!("operators: {}", names.join(", ")))
                .with_help_opt(suggest(&name.name, names)),
            );
        }
        op
    }

    /// The arguments of a layer, each range-checked (see [`LayerArguments`]).
    fn layer_arguments<'a>(
        &mut self,
        op: LayerOp,
        l: &'a ast::Layer,
        listed: &[&str],
    ) -> LayerArguments<'a> {
        let per_side = side_keys(op);
        let mut args: HashMap<&str, (i64, Span)> = HashMap::new();
        let mut written: Vec<&str> = Vec::new();
        let mut ok = true;
        for a in &l.args {
            let key = a.key.name.as_str();
            if !listed.contains(&key) && !per_side.contains(&key) {
                let mut d = Diagnostic::at(
                    Code::UnknownField,
                    a.key.span,
                    format!("`{}` has no argument `{key}`", op.name()),
                    "unknown argument",
                )
                .with_note(format!("`{}` takes: {}", op.name(), listed.join(", ")));
                d = d.with_help_opt(argument_hint(key, listed));
                self.error(d);
                ok = false;
                continue;
            }
            written.push(key);
            if let Some((_, first)) = args.get(key) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        a.key.span,
                        format!("argument `{key}` is given twice"),
                        "given again here",
                    )
                    .with_label(*first, "first given here"),
                );
                ok = false;
                continue;
            }
            let Some(v) = self.const_eval(&a.value, &format!("argument `{key}`")) else {
                ok = false;
                continue;
            };
            let min = if key.starts_with("pad") || key.starts_with("output_padding") {
                0
            } else {
                1
            };
            if v > MAX_LOOP_BOUND {
                self.error(Diagnostic::at(
                    Code::InvalidValue,
                    a.value.span(),
                    format!(
                        "argument `{key}` is {v}; the largest supported value is {MAX_LOOP_BOUND}"
                    ),
                    "too large",
                ));
                ok = false;
                continue;
            }
            if v < min {
                self.error(Diagnostic::at(
                    Code::InvalidValue,
                    a.value.span(),
                    format!("argument `{key}` must be at least {min}, found {v}"),
                    "out of range",
                ));
                ok = false;
                continue;
            }
            args.insert(key, (v, a.span));
        }
        LayerArguments {
            values: args,
            written,
            ok,
        }
    }

    /// `Y'` (`X'`) stands for `Y` (`X`): the input follows from the output size, so a layer
    /// gives one or the other.
    fn check_input_or_output_size(&mut self, args: &HashMap<&str, (i64, Span)>) -> bool {
        let mut ok = true;
        for (input, output) in [("Y", "Y'"), ("X", "X'")] {
            if let (Some((_, a)), Some((_, b))) = (args.get(input), args.get(output)) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        *b,
                        format!("both `{input}` and `{output}` are given"),
                        "given here",
                    )
                    .with_label(*a, "and here")
                    .with_help(format!(
                        "give the input size `{input}` or the output size `{output}`, not both"
                    )),
                );
                ok = false;
            }
        }
        ok
    }

    /// Every required argument is written (an output size counts for its input size).
    fn check_required_arguments(
        &mut self,
        op: LayerOp,
        l: &ast::Layer,
        required: &[&str],
        written: &[&str],
    ) -> bool {
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|k| !written.contains(k))
            .filter(|k| {
                let output = match *k {
                    "Y" => "Y'",
                    "X" => "X'",
                    _ => return true,
                };
                !written.contains(&output)
            })
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            self.error(
                Diagnostic::at(
                    Code::MissingField,
                    l.op.span.to(l.span),
                    format!("layer `{}` is missing {}", l.name.name, list.join(", ")),
                    format!("`{}` needs {}", op.name(), list.join(", ")),
                )
                .with_help(format!(
                    "add {} to the arguments",
                    missing
                        .iter()
                        .map(|m| format!("`{m}: …`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return false;
        }
        true
    }

    /// The canonical shape from the accepted arguments (see [`build_shape`]).
    fn layer_shape(
        &mut self,
        op: LayerOp,
        l: &ast::Layer,
        args: &HashMap<&str, (i64, Span)>,
    ) -> Option<Shape> {
        let values: HashMap<&str, u64> = args.iter().map(|(k, (v, _))| (*k, *v as u64)).collect();
        match build_shape(op, &values) {
            Ok(shape) => Some(shape),
            Err(ShapeError::Groups { dim, total, groups }) => {
                self.error(
                    Diagnostic::at(
                        Code::InvalidShape,
                        args.get("groups").map_or(l.span, |a| a.1),
                        format!("`{dim}` = {total} is not divisible by `groups` = {groups}"),
                        "these groups",
                    )
                    .with_help("each group must get the same number of channels"),
                );
                None
            }
            Err(ShapeError::NoOutput(msg)) => {
                self.error(
                    Diagnostic::at(
                        Code::InvalidShape,
                        l.span,
                        format!("layer `{}` has no output: {msg}", l.name.name),
                        "this layer",
                    )
                    .with_help("check `R`/`S`, `Y`/`X`, `pad` and `dilation`"),
                );
                None
            }
        }
    }
}

/// Arguments each layer operator takes, and which of them are required.
fn layer_keys(op: LayerOp) -> (&'static [&'static str], &'static [&'static str]) {
    // Keep the shared prefix in this order: `tconv` takes all but `Y'`, `X'` and `groups`.
    #[rustfmt::skip]
    const SPATIAL: &[&str] = &[
        "K", "C", "R", "S", "Y", "X", "N", "stride", "stride_y", "stride_x", "pad", "pad_y",
        "pad_x", "dilation", "dilation_y", "dilation_x", "Y'", "X'", "groups",
    ];
    #[rustfmt::skip]
    const DEPTHWISE: &[&str] = &[
        "C", "R", "S", "Y", "X", "N", "stride", "stride_y", "stride_x", "pad", "pad_y", "pad_x",
        "dilation", "dilation_y", "dilation_x", "Y'", "X'",
    ];
    #[rustfmt::skip]
    const POINTWISE: &[&str] = &[
        "K", "C", "Y", "X", "N", "stride", "stride_y", "stride_x", "groups", "Y'", "X'",
    ];
    #[rustfmt::skip]
    const TRANSPOSED: &[&str] = &[
        "K", "C", "R", "S", "Y", "X", "N", "stride", "stride_y", "stride_x", "pad", "pad_y",
        "pad_x", "dilation", "dilation_y", "dilation_x", "groups", "output_padding",
        "output_padding_y", "output_padding_x",
    ];
    match op {
        LayerOp::Conv => (SPATIAL, &["K", "C", "R", "S", "Y", "X"]),
        LayerOp::TConv => (TRANSPOSED, &["K", "C", "R", "S", "Y", "X"]),
        LayerOp::DwConv => (DEPTHWISE, &["C", "R", "S", "Y", "X"]),
        LayerOp::PwConv => (POINTWISE, &["K", "C", "Y", "X"]),
        LayerOp::Gemm => (&["M", "N", "K"], &["M", "N", "K"]),
        LayerOp::Fc => (&["K", "C", "N"], &["K", "C"]),
        LayerOp::Matmul => (&["B", "M", "N", "K"], &["B", "M", "N", "K"]),
    }
}

/// Padding of one side at a time, which operators with a filter also take (ONNX's
/// asymmetric `pads`). Kept out of the `takes:` note, which lists the common arguments.
fn side_keys(op: LayerOp) -> &'static [&'static str] {
    match op {
        LayerOp::Conv | LayerOp::DwConv | LayerOp::TConv => {
            &["pad_top", "pad_bottom", "pad_left", "pad_right"]
        }
        _ => &[],
    }
}

/// "did you mean …?" for an unknown layer argument: the nearest name, an argument the key
/// starts with (`padding` → `pad`), or the `.df` name of a deep-learning framework's argument.
fn argument_hint(key: &str, allowed: &[&str]) -> Option<String> {
    const FRAMEWORK_NAMES: &[(&str, &str)] = &[
        ("kernel_size", "R` and `S"),
        ("in_channels", "C"),
        ("out_channels", "K"),
        ("filters", "K"),
        ("batch", "N"),
    ];
    suggest(key, allowed.iter().copied()).or_else(|| {
        let prefix = allowed
            .iter()
            .filter(|a| a.len() >= 3 && key.starts_with(**a))
            .max_by_key(|a| a.len())
            .copied();
        let framework = FRAMEWORK_NAMES
            .iter()
            .find(|(name, df)| name.eq_ignore_ascii_case(key) && allowed.contains(&&df[..1]))
            .map(|(_, df)| *df);
        prefix
            .or(framework)
            .map(|name| format!("did you mean `{name}`?"))
    })
}

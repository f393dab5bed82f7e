//! Import of MAESTRO input files: a mapping file (`Network`/`Layer`/`Dataflow`, `Constant`)
//! and optionally a HW file (`NumPEs`, `L1Size`, …) into the IR, with spans into the `.m`
//! text so later errors (say, a buffer overflow in the cost model) point at the MAESTRO line
//! that caused them. The lexical rules are MAESTRO's own (separators, `//` tokens, `atoi`);
//! everything MAESTRO accepts imports, and what it would reject or silently ignore becomes a
//! diagnostic. MAESTRO's `GEMM`, `FC` and `POOL` layers import as what they mean.

use std::collections::HashMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::instantiate::check_levels;
use crate::ir::shape::{build_shape, ShapeError};
use crate::ir::{self, Dim, LayerOp};
use crate::source::{FileId, SourceMap, Span};

/// What `dfc import maestro` and `dfc eval FILE.m` start from.
pub struct Inputs {
    pub mapping: FileId,
    pub hardware: Option<FileId>,
    /// MACs per PE (`--num_simd_lanes`); `None` means 1, with a warning.
    pub lanes: Option<u64>,
}

/// Import the files; `Some(program)` only when no error was found.
pub fn import(sources: &SourceMap, inputs: &Inputs) -> (Option<ir::Program>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let tokens = tokenize(inputs.mapping, &sources.file(inputs.mapping).text);
    let file_end = Span::new(inputs.mapping, {
        let n = sources.file(inputs.mapping).text.len();
        n..n
    });
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        consts: HashMap::new(),
        diags: &mut diags,
        end: file_end,
    };
    let networks = parser.file();
    let mut program = ir::Program::default();
    let layer_dataflows: Vec<Vec<ir::DataflowId>> = networks
        .iter()
        .map(|net| lower_network(net, &mut program, &mut diags))
        .collect();
    if networks.is_empty() && !crate::diagnostics::has_errors(&diags) {
        diags.push(
            Diagnostic::at(
                Code::MaestroSyntax,
                file_end,
                "no `Network` in this MAESTRO file",
                "the file ends here",
            )
            .with_help("a mapping file holds `Network NAME { Layer NAME { … } }`"),
        );
    }
    if let Some(hw_file) = inputs.hardware {
        let hw = hardware(sources, hw_file, inputs.lanes, &mut diags);
        program.hardware.push(hw);
        let hw_id = ir::HardwareId(0);
        for (i, (net, dataflows)) in program.networks.iter().zip(&layer_dataflows).enumerate() {
            let layers = net
                .layers
                .iter()
                .zip(dataflows)
                .map(|(layer, &dataflow)| ir::LayerMapping {
                    dataflow: ir::DataflowChoice::Fixed {
                        dataflow,
                        args: Vec::new(),
                        span: layer.span,
                    },
                    precision: None,
                })
                .collect();
            let name = format!("{}_on_{}", net.name, program.hardware[0].name);
            program.mappings.push(ir::Mapping {
                name,
                network: ir::NetworkId(i as u32),
                hardware: hw_id,
                layers,
                span: net.span,
            });
        }
        diags.extend(clusters_fit(&program));
    }
    crate::diagnostics::sort(&mut diags);
    program.make_item_names_unique();
    let ok = !crate::diagnostics::has_errors(&diags);
    (ok.then_some(program), diags)
}

/// Clusters that need more PEs than the HW file gives leave MAESTRO's top level without
/// sub-clusters; report them on the `Cluster` directive, as `.df` lowering does (E0401).
fn clusters_fit(program: &ir::Program) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(hw) = program.hardware.first() else {
        return out;
    };
    let mut reported = Vec::new();
    for m in &program.mappings {
        let net = program.network(m.network);
        for (layer, lm) in net.layers.iter().zip(&m.layers) {
            let ir::DataflowChoice::Fixed { dataflow, args, .. } = &lm.dataflow else {
                continue;
            };
            let df = program.dataflow(*dataflow);
            let Ok(dirs) = crate::ir::lower::instantiate(df, args, layer) else {
                continue;
            };
            let product = dirs
                .iter()
                .filter_map(|d| match d {
                    ir::ConcreteDirective::Cluster { size } => Some(*size),
                    ir::ConcreteDirective::Map { .. } => None,
                })
                .fold(1i64, i64::saturating_mul);
            let cluster = df
                .directives
                .iter()
                .find(|d| matches!(d, ir::Directive::Cluster { .. }));
            if let (true, Some(c)) = (product > hw.pes as i64, cluster) {
                if !reported.contains(&c.span()) {
                    reported.push(c.span());
                    out.push(
                        Diagnostic::at(
                            Code::ClusterTooLarge,
                            c.span(),
                            format!("the clusters of layer `{}` need {product} PEs but the HW file gives {}", layer.name, hw.pes),
                            "this cluster",
                        )
                        .with_label(hw.field_span("pes"), format!("{} PEs", hw.pes)),
                    );
                }
            }
        }
    }
    out
}

// ---- tokens --------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    text: &'a str,
    span: Span,
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | ',' | '-' | '>' | '(' | ')' | ':' | '\t' | ';' | '\r'
    )
}

/// MAESTRO's lexer: split each line on its separators; a token starting with `//` ends the line.
fn tokenize(file: FileId, text: &str) -> Vec<Tok<'_>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        let mut i = 0;
        let bytes: Vec<(usize, char)> = line.char_indices().collect();
        while i < bytes.len() {
            if is_separator(bytes[i].1) {
                i += 1;
                continue;
            }
            let start = bytes[i].0;
            while i < bytes.len() && !is_separator(bytes[i].1) {
                i += 1;
            }
            let end = bytes.get(i).map_or(line.len(), |b| b.0);
            let word = &line[start..end];
            if word.starts_with("//") {
                break;
            }
            out.push(Tok {
                text: word,
                span: Span::new(file, line_start + start..line_start + end),
            });
        }
        line_start += line.len() + 1;
    }
    out
}

/// C's `atoi`: the leading digits, 0 when there are none.
fn atoi(text: &str) -> (i64, bool) {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let value = digits
        .parse::<i64>()
        .unwrap_or(if digits.is_empty() { 0 } else { i64::MAX });
    (value, digits.len() == text.len() && !digits.is_empty())
}

// ---- parser --------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct MValue {
    kind: MValueKind,
    span: Span,
}

#[derive(Debug, Clone)]
enum MValueKind {
    Int(i64),
    Size(String),
}

#[derive(Debug, Clone)]
enum MDirective {
    Map {
        spatial: bool,
        size: MValue,
        offset: MValue,
        var: String,
        var_span: Span,
        span: Span,
    },
    Cluster {
        size: MValue,
        span: Span,
    },
}

#[derive(Debug, Clone)]
struct MLayer {
    name: String,
    name_span: Span,
    ty: Option<(String, Span)>,
    strides: Vec<(String, i64, Span)>,
    dims: Vec<(String, i64, Span)>,
    dataflow: Option<(Vec<MDirective>, Span)>,
    span: Span,
}

struct MNetwork {
    name: String,
    span: Span,
    layers: Vec<MLayer>,
}

struct Parser<'t, 'a> {
    tokens: &'t [Tok<'a>],
    pos: usize,
    consts: HashMap<String, i64>,
    diags: &'t mut Vec<Diagnostic>,
    end: Span,
}

/// A parse error already reported; parsing of the file stops (as MAESTRO's does).
struct Stop;

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.tokens.get(self.pos).copied()
    }

    fn next(&mut self, what: &str) -> Result<Tok<'a>, Stop> {
        match self.peek() {
            Some(t) => {
                self.pos += 1;
                Ok(t)
            }
            None => {
                self.diags.push(Diagnostic::at(
                    Code::MaestroSyntax,
                    self.end,
                    format!("the file ends where MAESTRO expects {what}"),
                    "unexpected end of file",
                ));
                Err(Stop)
            }
        }
    }

    fn expect(&mut self, text: &str) -> Result<Tok<'a>, Stop> {
        let t = self.next(&format!("`{text}`"))?;
        if t.text != text {
            let mut d = Diagnostic::at(
                Code::MaestroSyntax,
                t.span,
                format!("expected `{text}`, found `{}`", t.text),
                "MAESTRO stops here",
            );
            if t.text.ends_with('{') || t.text.ends_with('}') {
                d = d.with_help("MAESTRO needs a space before `{` and `}`");
            }
            self.diags.push(d);
            return Err(Stop);
        }
        Ok(t)
    }

    fn error(&mut self, span: Span, message: String, label: &str) -> Stop {
        self.diags
            .push(Diagnostic::at(Code::MaestroSyntax, span, message, label));
        Stop
    }

    fn file(&mut self) -> Vec<MNetwork> {
        let mut networks = Vec::new();
        while let Some(t) = self.peek() {
            let result = match t.text {
                "Constant" => self.constant(),
                "Network" => self.network().map(|n| networks.push(n)),
                "Accelerator" => {
                    self.diags.push(
                        Diagnostic::at(
                            Code::MaestroUnsupported,
                            t.span,
                            "MAESTRO's `Accelerator` block is not supported",
                            "MAESTRO cannot close this block and never uses its values",
                        )
                        .with_help("describe the hardware in a HW file (`--hw`) or a `.df` `hardware` item"),
                    );
                    Err(Stop)
                }
                _ => {
                    self.diags.push(
                        Diagnostic::at(
                            Code::IgnoredInput,
                            t.span,
                            format!("MAESTRO ignores `{}` outside a `Network`", t.text),
                            "ignored",
                        )
                        .with_help("remove it, or move it into a layer"),
                    );
                    self.pos += 1;
                    Ok(())
                }
            };
            if result.is_err() {
                break;
            }
        }
        networks
    }

    fn constant(&mut self) -> Result<(), Stop> {
        self.next("`Constant`")?;
        let name = self.next("a constant name")?;
        let value = self.next("a constant value")?;
        let v = self.int(value)?;
        self.consts.insert(name.text.to_string(), v);
        Ok(())
    }

    /// An integer, by MAESTRO's `atoi` rules, with a diagnostic where they surprise.
    fn int(&mut self, t: Tok<'_>) -> Result<i64, Stop> {
        let (v, clean) = atoi(t.text);
        if !clean {
            if v == 0 {
                return Err(self.error(
                    t.span,
                    format!("`{}` is not a number", t.text),
                    "MAESTRO reads this as 0",
                ));
            }
            self.diags.push(Diagnostic::at(
                Code::IgnoredInput,
                t.span,
                format!("MAESTRO reads `{}` as {v}", t.text),
                "trailing characters ignored",
            ));
        }
        Ok(v)
    }

    /// An integer or a constant's name.
    fn value(&mut self, t: Tok<'_>) -> Result<i64, Stop> {
        match self.consts.get(t.text) {
            Some(v) => Ok(*v),
            None => self.int(t),
        }
    }

    fn network(&mut self) -> Result<MNetwork, Stop> {
        let kw = self.next("`Network`")?;
        let mut name = None;
        loop {
            let t = self.next("`{`")?;
            if t.text == "{" {
                break;
            }
            name = Some(t.text);
        }
        let mut layers = Vec::new();
        loop {
            let t = self.peek();
            match t.map(|t| t.text) {
                Some("}") => {
                    self.pos += 1;
                    break;
                }
                Some("Layer") => layers.push(self.layer()?),
                Some(other) => {
                    let span = t.map_or(self.end, |t| t.span);
                    return Err(self.error(
                        span,
                        format!("expected `Layer` or `}}`, found `{other}`"),
                        "MAESTRO stops here",
                    ));
                }
                None => {
                    self.next("`}` closing the network")?;
                }
            }
        }
        Ok(MNetwork {
            name: name.unwrap_or("network").to_string(),
            span: kw.span,
            layers,
        })
    }

    fn layer(&mut self) -> Result<MLayer, Stop> {
        let kw = self.next("`Layer`")?;
        let mut name: Option<Tok<'_>> = None;
        loop {
            let t = self.next("`{`")?;
            if t.text == "{" {
                break;
            }
            name = Some(t);
        }
        let mut layer = MLayer {
            name: name.map_or("Layer", |t| t.text).to_string(),
            name_span: name.map_or(kw.span, |t| t.span),
            ty: None,
            strides: Vec::new(),
            dims: Vec::new(),
            dataflow: None,
            span: kw.span,
        };
        loop {
            let t = self.next("`}` closing the layer")?;
            match t.text {
                "}" => {
                    layer.span = kw.span.to(t.span);
                    return Ok(layer);
                }
                "Type" => {
                    let ty = self.next("a layer type")?;
                    if !layer.dims.is_empty() {
                        let last = layer.dims.last().map_or("", |d| d.0.as_str()).to_string();
                        self.diags.push(Diagnostic::at(
                            Code::IgnoredInput,
                            t.span,
                            format!("MAESTRO would name this layer `{last}`: `Type` comes after `Dimensions`"),
                            "write `Type` first",
                        ).with_note(format!("dfc keeps the name `{}`", layer.name)));
                    }
                    layer.ty = Some((ty.text.to_string(), ty.span));
                }
                "Stride" => {
                    if !layer.dims.is_empty() {
                        return Err(self.error(
                            t.span,
                            "`Stride` must come before `Dimensions`".to_string(),
                            "MAESTRO rejects this order",
                        ));
                    }
                    self.expect("{")?;
                    while self.peek().map(|t| t.text) != Some("}") {
                        let dim = self.next("a dimension name")?;
                        let v = self.next("a stride")?;
                        let v = self.int(v)?;
                        if v < 1 {
                            return Err(self.error(
                                dim.span.to(v_span(self, dim)),
                                "strides must be at least 1".to_string(),
                                "invalid stride",
                            ));
                        }
                        layer.strides.push((dim.text.to_string(), v, dim.span));
                    }
                    self.pos += 1;
                }
                "Dimensions" => {
                    self.expect("{")?;
                    while self.peek().map(|t| t.text) != Some("}") {
                        let dim = self.next("a dimension name")?;
                        let v = self.next("a dimension size")?;
                        let span = dim.span.to(v.span);
                        let size = self.value(v)?;
                        if size == 0 {
                            return Err(self.error(
                                span,
                                format!("dimension `{}` is 0", dim.text),
                                "MAESTRO rejects empty dimensions",
                            ));
                        }
                        layer.dims.push((dim.text.to_string(), size, span));
                    }
                    self.pos += 1;
                }
                "Dataflow" => {
                    let open = self.expect("{")?;
                    let mut directives = Vec::new();
                    loop {
                        let t = self.next("`}` closing the dataflow")?;
                        match t.text {
                            "}" => break,
                            "TemporalMap" | "SpatialMap" => {
                                let size = self.map_value(&layer)?;
                                let offset = self.map_value(&layer)?;
                                let var = self.next("a dimension")?;
                                directives.push(MDirective::Map {
                                    spatial: t.text == "SpatialMap",
                                    size,
                                    offset,
                                    var: var.text.to_string(),
                                    var_span: var.span,
                                    span: t.span.to(var.span),
                                });
                            }
                            "Cluster" => {
                                let size = self.map_value(&layer)?;
                                let kind = self.next("`P` or `L`")?;
                                directives.push(MDirective::Cluster {
                                    size,
                                    span: t.span.to(kind.span),
                                });
                            }
                            other => {
                                return Err(self.error(
                                    t.span,
                                    format!("`{other}` is not a MAESTRO directive"),
                                    "expected `TemporalMap`, `SpatialMap` or `Cluster`",
                                ))
                            }
                        }
                    }
                    layer.dataflow = Some((directives, open.span));
                }
                other => {
                    let mut d = Diagnostic::at(
                        Code::MaestroSyntax,
                        t.span,
                        format!("`{other}` is not a MAESTRO layer item"),
                        "expected `Type`, `Stride`, `Dimensions`, `Dataflow` or `}`",
                    );
                    if other.ends_with('{') || other.ends_with('}') {
                        d = d.with_help("MAESTRO needs a space before `{` and `}`");
                    }
                    self.diags.push(d);
                    return Err(Stop);
                }
            }
        }
    }

    /// A map size or offset: an integer, a constant or `Sz D`.
    fn map_value(&mut self, layer: &MLayer) -> Result<MValue, Stop> {
        let t = self.next("a size")?;
        if t.text == "Sz" {
            let d = self.next("a dimension after `Sz`")?;
            if !layer.dims.iter().any(|x| x.0 == d.text) {
                return Err(self.error(
                    d.span,
                    format!(
                        "`Sz({})` names a dimension this layer's `Dimensions` do not give",
                        d.text
                    ),
                    "not declared before the dataflow",
                ));
            }
            return Ok(MValue {
                kind: MValueKind::Size(d.text.to_string()),
                span: t.span.to(d.span),
            });
        }
        let v = self.value(t)?;
        if v <= 0 {
            return Err(self.error(
                t.span,
                "map sizes and offsets must be positive".to_string(),
                "invalid size",
            ));
        }
        if v > crate::ir::lower::MAX_LOOP_BOUND {
            self.diags.push(Diagnostic::at(
                Code::InvalidValue,
                t.span,
                format!(
                    "{v} is larger than the largest supported size, {}",
                    crate::ir::lower::MAX_LOOP_BOUND
                ),
                "too large",
            ));
            return Err(Stop);
        }
        Ok(MValue {
            kind: MValueKind::Int(v),
            span: t.span,
        })
    }
}

fn v_span(p: &Parser<'_, '_>, fallback: Tok<'_>) -> Span {
    p.tokens
        .get(p.pos.saturating_sub(1))
        .map_or(fallback.span, |t| t.span)
}

// ---- lowering ------------------------------------------------------------------------------

/// A `.df` identifier for a MAESTRO name: invalid characters become `_`, keywords and names
/// starting with a digit get a prefix.
pub(crate) fn identifier(name: &str, prefix: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("{prefix}{s}");
    }
    let lexed = crate::syntax::lexer::lex(FileId(0), &s);
    if !matches!(
        lexed.tokens.as_slice(),
        [(_, crate::syntax::lexer::Token::Ident(_), _)]
    ) {
        s = format!("{prefix}{s}");
    }
    s
}

/// Add the network and its dataflows to `program`; returns each kept layer's dataflow.
fn lower_network(
    net: &MNetwork,
    program: &mut ir::Program,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ir::DataflowId> {
    let mut dataflow_ids = Vec::new();
    let name = identifier(&net.name, "net_");
    let mut layers = Vec::new();
    let mut previous_dataflow: Option<(Vec<MDirective>, Span)> = None;
    let mut used_names: HashMap<String, usize> = HashMap::new();
    for l in &net.layers {
        let mut layer_name = identifier(&l.name, "layer_");
        let count = used_names.entry(layer_name.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            layer_name = format!("{layer_name}_{count}");
        }
        if l.dataflow.is_some() {
            previous_dataflow.clone_from(&l.dataflow);
        }
        let Some(layer) = lower_layer(l, &layer_name, diags) else {
            continue;
        };
        let dataflow = match (&l.dataflow, &previous_dataflow) {
            (Some(df), _) => df.clone(),
            (None, Some(prev)) => {
                diags.push(
                    Diagnostic::at(Code::IgnoredInput, l.name_span, format!("layer `{}` has no `Dataflow`; dfc reuses the previous layer's", l.name), "no dataflow")
                        .with_note("MAESTRO means to reuse it too, but fails with \"No spatial map in a cluster\""),
                );
                prev.clone()
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
        let key: Vec<ir::Directive> = directives.clone();
        let existing = program
            .dataflows
            .iter()
            .position(|d| same_directives(&d.directives, &key));
        let id = match existing {
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

fn same_directives(a: &[ir::Directive], b: &[ir::Directive]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (
                ir::Directive::Map {
                    kind: k1,
                    size: s1,
                    offset: o1,
                    dim: d1,
                    ..
                },
                ir::Directive::Map {
                    kind: k2,
                    size: s2,
                    offset: o2,
                    dim: d2,
                    ..
                },
            ) => k1 == k2 && s1 == s2 && o1 == o2 && d1 == d2,
            (ir::Directive::Cluster { size: s1, .. }, ir::Directive::Cluster { size: s2, .. }) => {
                s1 == s2
            }
            _ => false,
        })
}

/// How a MAESTRO type's dimension names map to `.df` layer arguments.
fn layer_kind(ty: &str) -> Option<(LayerOp, &'static [(&'static str, &'static str)])> {
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

fn lower_layer(l: &MLayer, name: &str, diags: &mut Vec<Diagnostic>) -> Option<ir::Layer> {
    let Some((ty, ty_span)) = &l.ty else {
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
            Diagnostic::at(code, *ty_span, msg, "this type")
                .with_note("types: CONV, DSCONV, NGCONV, TRCONV, GEMM, FC, POOL"),
        );
        return None;
    };
    if ty == "POOL" {
        diags.push(
            Diagnostic::at(
                Code::IgnoredInput,
                *ty_span,
                "a pooling layer is imported as a depthwise window reduction",
                "imported as `dwconv`",
            )
            .with_note(
                "MAESTRO itself rejects `POOL`; its windows cost like a depthwise convolution's",
            ),
        );
    }
    let mut args: HashMap<&str, u64> = HashMap::new();
    let mut first: HashMap<&str, Span> = HashMap::new();
    let mut out_y = None;
    let mut out_x = None;
    for (dim, size, span) in &l.dims {
        let size = *size as u64;
        if let Some(prev) = first.get(dim.as_str()) {
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
        first.insert(dim.as_str(), *span);
        match dim.as_str() {
            "Y'" => out_y = Some((size, *span)),
            "X'" => out_x = Some((size, *span)),
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
    // Only `Y'` given: MAESTRO derives `Y = Y' + R - 1` and ignores the stride.
    for (out, input, output, stride_key) in [(out_y, "Y", "Y'", "Y"), (out_x, "X", "X'", "X")] {
        let Some((o, span)) = out else { continue };
        if first.contains_key(input) {
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
        if l.strides.iter().any(|(d, v, _)| d == stride_key && *v != 1) {
            diags.push(Diagnostic::at(
                Code::IgnoredInput,
                span,
                format!("MAESTRO ignores the `{stride_key}` stride when only `{input}'` is given"),
                "stride ignored",
            ));
        }
    }
    for (dim, v, span) in &l.strides {
        let key = match dim.as_str() {
            "Y" if out_y.is_none() => "stride_y",
            "X" if out_x.is_none() => "stride_x",
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
    if ty == "NGCONV" {
        let g = args.get("groups").copied().unwrap_or(1);
        for k in ["K", "C"] {
            if let Some(v) = args.get_mut(k) {
                *v = v.saturating_mul(g);
            }
        }
    }
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
    if !missing.is_empty() {
        diags.push(
            Diagnostic::at(
                Code::MaestroSyntax,
                l.name_span,
                format!("layer `{}` does not give {}", l.name, missing.join(", ")),
                "incomplete dimensions",
            )
            .with_help(format!("a `{ty}` layer needs {}", required.join(", "))),
        );
        return None;
    }
    if args.values().any(|v| *v as i64 > ir::lower::MAX_LOOP_BOUND) {
        diags.push(Diagnostic::at(
            Code::InvalidValue,
            l.name_span,
            "a dimension is larger than dfc supports",
            "too large",
        ));
        return None;
    }
    match build_shape(op, &args) {
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
    let ty = l.ty.as_ref().map_or("CONV", |t| t.0.as_str());
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
                let dim = if declared(var) || (ty == "DSCONV" && var == "K") {
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

// ---- hardware ------------------------------------------------------------------------------

fn hardware(
    sources: &SourceMap,
    file: FileId,
    lanes: Option<u64>,
    diags: &mut Vec<Diagnostic>,
) -> ir::Hardware {
    let source = sources.file(file);
    let stem = std::path::Path::new(&source.name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("hardware");
    let tokens = tokenize(file, &source.text);
    let whole = Span::new(file, 0..source.text.len().min(1));
    let mut values: HashMap<&'static str, (u64, Span)> = HashMap::new();
    // Pairs on each line, as MAESTRO reads them.
    let mut i = 0;
    while i < tokens.len() {
        let key = tokens[i];
        let line = source.line_col(key.span.start as usize).line;
        let Some(value) = tokens
            .get(i + 1)
            .filter(|v| source.line_col(v.span.start as usize).line == line)
        else {
            diags.push(Diagnostic::at(
                Code::MaestroSyntax,
                key.span,
                format!("`{}` has no value", key.text),
                "expected a number after it",
            ));
            i += 1;
            continue;
        };
        i += 2;
        let field = match ir::hardware_keys::maestro_hardware_field(key.text) {
            // Lanes come from `--lanes`, not from MAESTRO's HW file.
            Some(field) if field != "macs_per_pe" => field,
            _ => {
                diags.push(
                    Diagnostic::at(
                        Code::MaestroSyntax,
                        key.span,
                        format!("`{}` is not a MAESTRO HW keyword", key.text),
                        "MAESTRO rejects this line",
                    )
                    .with_note("HW files take NumPEs, L1Size, L2Size, NoC_BW and NoC_NumHops"),
                );
                continue;
            }
        };
        if key.text == "offchip_bw_cstr" {
            diags.push(
                Diagnostic::at(
                    Code::IgnoredInput,
                    key.span,
                    "`offchip_bw_cstr` is imported as the DRAM bandwidth",
                    "no effect in `--model maestro`",
                )
                .with_note("the MAESTRO version dfc reproduces has no off-chip bandwidth bound"),
            );
        }
        let (v, clean) = atoi(value.text);
        if v <= 0 {
            diags.push(Diagnostic::at(
                Code::InvalidValue,
                value.span,
                format!("`{}` must be a positive number", key.text),
                "invalid value",
            ));
            continue;
        }
        if !clean {
            diags.push(Diagnostic::at(
                Code::IgnoredInput,
                value.span,
                format!("MAESTRO reads `{}` as {v}", value.text),
                "trailing characters ignored",
            ));
        }
        values
            .entry(field)
            .or_insert((v as u64, key.span.to(value.span)));
    }
    let mut get = |field: &'static str, keyword: &str, default: u64| -> (u64, Span) {
        match values.get(field) {
            Some(v) => *v,
            None => {
                diags.push(
                    Diagnostic::at(
                        Code::IgnoredInput,
                        whole,
                        format!("the HW file has no `{keyword}`; MAESTRO uses {default}"),
                        format!("`{keyword}` missing"),
                    )
                    .with_help(format!("add `{keyword}: …` to state it")),
                );
                (default, whole)
            }
        }
    };
    let pes = get("pes", "NumPEs", 1);
    let l1 = get("l1", "L1Size", 1);
    let l2 = get("l2", "L2Size", 2);
    let bw = get("noc.bandwidth", "NoC_BW", 1);
    let hops = get("noc.latency", "NoC_NumHops", 1);
    let dram = values.get("dram.bandwidth").copied();
    if lanes.is_none() {
        diags.push(Diagnostic::new(Code::IgnoredInput, "no `--lanes` given: dfc uses 1 MAC per PE")
            .with_note("MAESTRO's `--num_simd_lanes` defaults to 9; pass `--lanes N` to match a run that relied on it"));
    }
    let mut field_spans = vec![
        ("pes".to_string(), pes.1),
        ("l1".to_string(), l1.1),
        ("l2".to_string(), l2.1),
        ("noc.bandwidth".to_string(), bw.1),
        ("noc.latency".to_string(), hops.1),
    ];
    if let Some(d) = dram {
        field_spans.push(("dram.bandwidth".to_string(), d.1));
    }
    ir::Hardware {
        name: identifier(stem, "hw_"),
        pes: pes.0,
        macs_per_pe: lanes.unwrap_or(1),
        l1: ir::Size::Elements(l1.0),
        l2: ir::Size::Elements(l2.0),
        noc_bandwidth: ir::Bandwidth::ElementsPerCycle(bw.0),
        noc_latency_cycles: hops.0,
        dram_bandwidth: dram.map(|d| ir::Bandwidth::ElementsPerCycle(d.0)),
        precision: None,
        energy: None,
        systolic: None,
        span: whole,
        field_spans,
    }
}

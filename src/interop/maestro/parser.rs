//! MAESTRO's mapping-file grammar: `Constant`s, `Network { Layer { Type, Stride, Dimensions,
//! Dataflow } }`, read into plain records that keep the span of every value. Parsing stops at
//! the first error, as MAESTRO's own parser does; what MAESTRO silently ignores becomes a
//! warning.

use std::collections::HashMap;

use super::lexer::{atoi, Tok};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

// Names are slices of the file's text: a bulk file of thousands of layers spent a tenth of its
// import allocating and freeing one string per name.
#[derive(Debug, Clone)]
pub(super) struct MValue<'a> {
    pub(super) kind: MValueKind<'a>,
    pub(super) span: Span,
}

#[derive(Debug, Clone)]
pub(super) enum MValueKind<'a> {
    Int(i64),
    Size(&'a str),
}

#[derive(Debug, Clone)]
pub(super) enum MDirective<'a> {
    Map {
        spatial: bool,
        size: MValue<'a>,
        offset: MValue<'a>,
        var: &'a str,
        var_span: Span,
        span: Span,
    },
    Cluster {
        size: MValue<'a>,
        span: Span,
    },
}

#[derive(Debug, Clone)]
pub(super) struct MLayer<'a> {
    pub(super) name: &'a str,
    pub(super) name_span: Span,
    pub(super) ty: Option<(&'a str, Span)>,
    pub(super) strides: Vec<(&'a str, i64, Span)>,
    pub(super) dims: Vec<(&'a str, i64, Span)>,
    pub(super) dataflow: Option<(Vec<MDirective<'a>>, Span)>,
    pub(super) span: Span,
}

pub(super) struct MNetwork<'a> {
    pub(super) name: &'a str,
    pub(super) span: Span,
    pub(super) layers: Vec<MLayer<'a>>,
}

pub(super) struct Parser<'t, 'a> {
    tokens: &'t [Tok<'a>],
    pos: usize,
    consts: HashMap<String, i64>,
    diags: &'t mut Vec<Diagnostic>,
    end: Span,
}

/// A parse error already reported; parsing of the file stops (as MAESTRO's does).
struct Stop;

impl<'t, 'a> Parser<'t, 'a> {
    /// A parser over `tokens`; `end` is the empty span at the end of the file.
    pub(super) fn new(tokens: &'t [Tok<'a>], diags: &'t mut Vec<Diagnostic>, end: Span) -> Self {
        Parser {
            tokens,
            pos: 0,
            consts: HashMap::new(),
            diags,
            end,
        }
    }

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
        // The expected token needs no message (a formatted one per `{` showed in profiles).
        if let Some(t) = self.peek().filter(|t| t.text == text) {
            self.pos += 1;
            return Ok(t);
        }
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

    /// The networks of the file, up to the first error.
    pub(super) fn file(&mut self) -> Vec<MNetwork<'a>> {
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

    fn network(&mut self) -> Result<MNetwork<'a>, Stop> {
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
            name: name.unwrap_or("network"),
            span: kw.span,
            layers,
        })
    }

    fn layer(&mut self) -> Result<MLayer<'a>, Stop> {
        let kw = self.next("`Layer`")?;
        let mut name: Option<Tok<'a>> = None;
        loop {
            let t = self.next("`{`")?;
            if t.text == "{" {
                break;
            }
            name = Some(t);
        }
        let mut layer = MLayer {
            name: name.map_or("Layer", |t| t.text),
            name_span: name.map_or(kw.span, |t| t.span),
            ty: None,
            strides: Vec::new(),
            // Room for a convolution's six dimensions without regrowth.
            dims: Vec::with_capacity(8),
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
                        let last = layer.dims.last().map_or("", |d| d.0);
                        self.diags.push(Diagnostic::at(
                            Code::IgnoredInput,
                            t.span,
                            format!("MAESTRO would name this layer `{last}`: `Type` comes after `Dimensions`"),
                            "write `Type` first",
                        ).with_note(format!("dfc keeps the name `{}`", layer.name)));
                    }
                    layer.ty = Some((ty.text, ty.span));
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
                        layer.strides.push((dim.text, v, dim.span));
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
                        layer.dims.push((dim.text, size, span));
                    }
                    self.pos += 1;
                }
                "Dataflow" => {
                    layer.dataflow = Some(self.dataflow(&layer)?);
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

    /// The directives of a `Dataflow { … }` block and the span of its `{`.
    fn dataflow(&mut self, layer: &MLayer<'a>) -> Result<(Vec<MDirective<'a>>, Span), Stop> {
        let open = self.expect("{")?;
        // Room for a two-level dataflow without regrowth (bulk files have thousands).
        let mut directives = Vec::with_capacity(16);
        loop {
            let t = self.next("`}` closing the dataflow")?;
            match t.text {
                "}" => break,
                "TemporalMap" | "SpatialMap" => {
                    let size = self.map_value(layer)?;
                    let offset = self.map_value(layer)?;
                    let var = self.next("a dimension")?;
                    directives.push(MDirective::Map {
                        spatial: t.text == "SpatialMap",
                        size,
                        offset,
                        var: var.text,
                        var_span: var.span,
                        span: t.span.to(var.span),
                    });
                }
                "Cluster" => {
                    let size = self.map_value(layer)?;
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
        Ok((directives, open.span))
    }

    /// A map size or offset: an integer, a constant or `Sz D`.
    fn map_value(&mut self, layer: &MLayer<'a>) -> Result<MValue<'a>, Stop> {
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
                kind: MValueKind::Size(d.text),
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
        if v > crate::ir::shape::MAX_LOOP_BOUND {
            self.diags.push(Diagnostic::at(
                Code::InvalidValue,
                t.span,
                format!(
                    "{v} is larger than the largest supported size, {}",
                    crate::ir::shape::MAX_LOOP_BOUND
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

//! Lowering mappings: a network bound to hardware, with a dataflow choice and a precision
//! per layer; each fixed dataflow is instantiated for its layer to check that it fits.

use super::*;
use crate::ir::instantiate::instantiate;

/// The entries of one mapping, sorted by kind.
#[derive(Default)]
struct MappingEntries<'a> {
    network: Option<(NetworkId, Span)>,
    hardware: Option<(HardwareId, Span)>,
    default: Option<&'a ast::DataflowChoice>,
    /// Per-layer dataflow lines: the layer, its choice, and the line.
    overrides: Vec<(&'a ast::Ident, &'a ast::DataflowChoice, Span)>,
    precisions: Vec<&'a ast::BlockEntry>,
    sparsities: Vec<&'a ast::BlockEntry>,
    /// Every key given (`network`, a layer name, …), with where it was first given.
    seen: HashMap<String, Span>,
}

impl Lowering {
    /// The lowered mapping, and whether its network and hardware resolved.
    pub(super) fn mapping(&mut self, m: &ast::Mapping, scope: &Scope) -> (Mapping, bool) {
        let found = self.mapping_entries(m, scope);
        self.check_network_and_hardware_given(m, &found);
        let placeholder = Mapping {
            name: m.name.name.clone(),
            network: NetworkId(0),
            hardware: HardwareId(0),
            layers: Vec::new(),
            span: m.span,
        };
        let (Some((net_id, _)), Some((hw_id, _))) = (found.network, found.hardware) else {
            return (placeholder, false);
        };
        let layer_names: Vec<String> = self
            .program
            .network(net_id)
            .layers
            .iter()
            .map(|l| l.name.clone())
            .collect();
        let per_layer = self.layer_dataflows(&found, net_id, &layer_names, scope);
        let layer_precision = self.layer_precisions(&found.precisions, net_id, &layer_names);
        let layer_sparsity = self.layer_sparsities(&found.sparsities, net_id, &layer_names);
        if found.default.is_none() {
            self.check_every_layer_has_a_dataflow(m, &per_layer, &layer_names);
        }
        let layers: Vec<LayerMapping> = per_layer
            .into_iter()
            .zip(layer_precision)
            .zip(layer_sparsity)
            .map(|((c, precision), sparsity)| LayerMapping {
                dataflow: c.unwrap_or(DataflowChoice::Search { span: m.span }),
                precision,
                sparsity,
            })
            .collect();
        let mapping = Mapping {
            name: m.name.name.clone(),
            network: net_id,
            hardware: hw_id,
            layers,
            span: m.span,
        };
        self.check_instances(&mapping);
        (mapping, true)
    }

    /// The entries of a mapping sorted by kind, each key at most once; the network and
    /// hardware resolved in `scope`.
    fn mapping_entries<'a>(&mut self, m: &'a ast::Mapping, scope: &Scope) -> MappingEntries<'a> {
        let mut found = MappingEntries::default();
        for e in &m.entries {
            let key = match e {
                ast::MappingEntry::Network { .. } => "network".to_string(),
                ast::MappingEntry::Hardware { .. } => "hardware".to_string(),
                ast::MappingEntry::Dataflow { .. } => "dataflow".to_string(),
                ast::MappingEntry::Layer { layer, .. } => layer.name.clone(),
                ast::MappingEntry::Block { key, .. } => key.name.clone(),
            };
            if let Some(first) = found.seen.get(&key) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        e.span(),
                        format!("`{key}` is given twice in mapping `{}`", m.name.name),
                        "given again here",
                    )
                    .with_label(*first, "first given here"),
                );
                continue;
            }
            found.seen.insert(key, e.span());
            match e {
                ast::MappingEntry::Network { name, span } => {
                    if let Some(ItemRef::Network(id)) = self.resolve(scope, name, "network") {
                        found.network = Some((id, *span));
                    }
                }
                ast::MappingEntry::Hardware { name, span } => {
                    if let Some(ItemRef::Hardware(id)) = self.resolve(scope, name, "hardware") {
                        found.hardware = Some((id, *span));
                    }
                }
                ast::MappingEntry::Dataflow { choice, .. } => found.default = Some(choice),
                ast::MappingEntry::Layer {
                    layer,
                    choice,
                    span,
                } => found.overrides.push((layer, choice, *span)),
                ast::MappingEntry::Block { key, entries, .. } => {
                    if key.name == "precision" {
                        found.precisions.extend(entries);
                    } else if key.name == "sparsity" {
                        found.sparsities.extend(entries);
                    } else {
                        self.error(
                            Diagnostic::at(
                                Code::UnknownField,
                                key.span,
                                format!("mappings have no `{}` block", key.name),
                                "unknown block",
                            )
                            .with_help_opt(suggest(&key.name, ["precision", "sparsity"])),
                        );
                    }
                }
            }
        }
        found
    }

    /// A mapping names its network and its hardware (a name that did not resolve was
    /// already diagnosed, so it is not also missing).
    fn check_network_and_hardware_given(&mut self, m: &ast::Mapping, found: &MappingEntries) {
        let mut missing = Vec::new();
        if found.network.is_none() && !found.seen.contains_key("network") {
            missing.push("`network: …;`");
        }
        if found.hardware.is_none() && !found.seen.contains_key("hardware") {
            missing.push("`hardware: …;`");
        }
        if missing.is_empty() {
            return;
        }
        self.error(
            Diagnostic::at(
                Code::IncompleteMapping,
                m.name.span,
                format!("mapping `{}` has no {}", m.name.name, missing.join(" and ")),
                "in this mapping",
            )
            .with_help(format!("add {}", missing.join(" and "))),
        );
    }

    /// Each layer's dataflow: the default, or the layer's own line.
    fn layer_dataflows(
        &mut self,
        found: &MappingEntries,
        net_id: NetworkId,
        layer_names: &[String],
        scope: &Scope,
    ) -> Vec<Option<DataflowChoice>> {
        let default_choice = found.default.and_then(|c| self.choice(c, scope));
        let mut per_layer: Vec<Option<DataflowChoice>> =
            vec![default_choice.clone(); layer_names.len()];
        for (layer, choice, _) in &found.overrides {
            match layer_names.iter().position(|n| *n == layer.name) {
                Some(i) => {
                    if let Some(c) = self.choice(choice, scope) {
                        per_layer[i] = Some(c);
                    }
                }
                None => self.unknown_layer(layer, net_id),
            }
        }
        per_layer
    }

    /// Each layer's precision: the mapping-wide entry, or the layer's own.
    fn layer_precisions(
        &mut self,
        precisions: &[&ast::BlockEntry],
        net_id: NetworkId,
        layer_names: &[String],
    ) -> Vec<Option<LayerPrecision>> {
        let mut layer_precision: Vec<Option<LayerPrecision>> = vec![None; layer_names.len()];
        for p in precisions.iter().filter(|p| p.layer.is_none()) {
            if let Some(lp) = self.layer_precision(p) {
                layer_precision.iter_mut().for_each(|x| *x = Some(lp));
            }
        }
        for p in precisions.iter().filter(|p| p.layer.is_some()) {
            let Some(layer) = &p.layer else { continue };
            match layer_names.iter().position(|n| *n == layer.name) {
                Some(i) => {
                    if let Some(lp) = self.layer_precision(p) {
                        layer_precision[i] = Some(lp);
                    }
                }
                None => self.unknown_layer(layer, net_id),
            }
        }
        layer_precision
    }

    /// Without a default dataflow, every layer needs its own line.
    fn check_every_layer_has_a_dataflow(
        &mut self,
        m: &ast::Mapping,
        per_layer: &[Option<DataflowChoice>],
        layer_names: &[String],
    ) {
        let unmapped: Vec<&str> = per_layer
            .iter()
            .zip(layer_names)
            .filter(|(c, _)| c.is_none())
            .map(|(_, n)| n.as_str())
            .collect();
        if unmapped.is_empty() {
            return;
        }
        let shown: Vec<String> = unmapped.iter().take(5).map(|n| format!("`{n}`")).collect();
        let more = if unmapped.len() > 5 {
            format!(" and {} more", unmapped.len() - 5)
        } else {
            String::new()
        };
        self.error(
            Diagnostic::at(
                Code::IncompleteMapping,
                m.name.span,
                format!(
                    "mapping `{}` gives no dataflow for {}{more}",
                    m.name.name,
                    shown.join(", ")
                ),
                "in this mapping",
            )
            .with_help("add a default `dataflow: …;` (or `dataflow: search;`) or a line per layer"),
        );
    }

    pub(super) fn unknown_layer(&mut self, layer: &ast::Ident, net: NetworkId) {
        let network = self.program.network(net);
        let names: Vec<&str> = network.layers.iter().map(|l| l.name.as_str()).collect();
        let d = Diagnostic::at(
            Code::UnknownLayer,
            layer.span,
            format!("network `{}` has no layer `{}`", network.name, layer.name),
            "no such layer",
        )
        .with_help_opt(suggest(&layer.name, names));
        self.error(d);
    }

    pub(super) fn layer_precision(&mut self, p: &ast::BlockEntry) -> Option<LayerPrecision> {
        let mut weights = None;
        let mut activations = None;
        for part in &p.parts {
            let (precision, operand) = match part.words.as_slice() {
                [ast::Word::Name(p)] => (p, None),
                [ast::Word::Name(p), ast::Word::Name(o)] => (p, Some(o)),
                _ => {
                    self.error(
                        Diagnostic::at(
                            Code::InvalidValue,
                            part.span,
                            "expected a number format and, optionally, its operand",
                            "not a precision",
                        )
                        .with_help("write `int8`, or `int4 w / int8 a`"),
                    );
                    return None;
                }
            };
            let prec = self.precision_name(precision)?;
            match operand.map(|o| o.name.as_str()) {
                None => {
                    weights = Some(prec);
                    activations = Some(prec);
                }
                Some("w" | "weights") => weights = Some(prec),
                Some("a" | "activations") => activations = Some(prec),
                Some(other) => {
                    let span = operand.map_or(p.span, |o| o.span);
                    self.error(
                        Diagnostic::at(
                            Code::InvalidValue,
                            span,
                            format!("unknown operand `{other}`"),
                            "expected `w` or `a`",
                        )
                        .with_help(
                            "write `int4 w / int8 a` for 4-bit weights and 8-bit activations",
                        ),
                    );
                    return None;
                }
            }
        }
        match (weights, activations) {
            (Some(weights), Some(activations)) => Some(LayerPrecision {
                weights,
                activations,
            }),
            _ => {
                self.error(
                    Diagnostic::at(
                        Code::MissingField,
                        p.span,
                        "a precision needs both weights and activations",
                        "incomplete",
                    )
                    .with_help(
                        "write one format for both (`int8`) or one for each (`int4 w / int8 a`)",
                    ),
                );
                None
            }
        }
    }

    pub(super) fn choice(
        &mut self,
        c: &ast::DataflowChoice,
        scope: &Scope,
    ) -> Option<DataflowChoice> {
        match c {
            ast::DataflowChoice::Search(span) => Some(DataflowChoice::Search { span: *span }),
            ast::DataflowChoice::Use { name, args, span } => {
                let Some(ItemRef::Dataflow(id)) = self.resolve(scope, name, "dataflow") else {
                    return None;
                };
                let params = self.program.dataflow(id).params.clone();
                let mut values: Vec<Option<i64>> = params.iter().map(|p| p.default).collect();
                let mut given: Vec<Option<Span>> = vec![None; params.len()];
                let mut ok = true;
                for a in args {
                    let Some(i) = params.iter().position(|p| p.name == a.key.name) else {
                        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
                        self.error(
                            Diagnostic::at(
                                Code::BadDataflowArgument,
                                a.key.span,
                                format!(
                                    "dataflow `{}` has no parameter `{}`",
                                    name.name, a.key.name
                                ),
                                "unknown parameter",
                            )
                            .with_note(if names.is_empty() {
                                format!("`{}` takes no parameters", name.name)
                            } else {
                                format!("parameters: {}", names.join(", "))
                            })
                            .with_help_opt(suggest(&a.key.name, names.iter().copied())),
                        );
                        ok = false;
                        continue;
                    };
                    if let Some(first) = given[i] {
                        self.error(
                            Diagnostic::at(
                                Code::BadDataflowArgument,
                                a.key.span,
                                format!("parameter `{}` is given twice", a.key.name),
                                "given again here",
                            )
                            .with_label(first, "first given here"),
                        );
                        ok = false;
                        continue;
                    }
                    given[i] = Some(a.key.span);
                    let v = self
                        .const_eval(&a.value, &format!("parameter `{}`", a.key.name))
                        .and_then(|v| self.positive_i64(v, a.value.span(), &a.key.name));
                    match v {
                        Some(v) => values[i] = Some(v),
                        None => ok = false,
                    }
                }
                let missing: Vec<&str> = params
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| v.is_none())
                    .map(|(p, _)| p.name.as_str())
                    .collect();
                if ok && !missing.is_empty() {
                    self.error(
                        Diagnostic::at(
                            Code::BadDataflowArgument,
                            *span,
                            format!(
                                "dataflow `{}` needs a value for `{}`",
                                name.name,
                                missing.join("`, `")
                            ),
                            "missing arguments",
                        )
                        .with_help(format!("write `{}({}: …)`", name.name, missing[0])),
                    );
                    ok = false;
                }
                ok.then(|| DataflowChoice::Fixed {
                    dataflow: id,
                    args: values.into_iter().flatten().collect(),
                    span: *span,
                })
            }
        }
    }

    /// Instantiate each fixed dataflow for its layer: sizes must evaluate to positive numbers
    /// and the clusters must fit in the hardware's PEs.
    pub(super) fn check_instances(&mut self, m: &Mapping) {
        let network = self.program.network(m.network).clone();
        let hw = self.program.hardware(m.hardware).clone();
        let mut reported: Vec<(DataflowId, Span)> = Vec::new();
        let mut tiles = std::collections::BTreeMap::new();
        for (layer, lm) in network.layers.iter().zip(&m.layers) {
            let DataflowChoice::Fixed {
                dataflow,
                args,
                span,
            } = &lm.dataflow
            else {
                continue;
            };
            let df = self.program.dataflow(*dataflow);
            match instantiate(df, args, layer) {
                Err(e) => {
                    if !reported.contains(&(*dataflow, e.span)) {
                        reported.push((*dataflow, e.span));
                        let d = Diagnostic::at(e.code, e.span, e.message, "evaluated here")
                            .with_label(*span, format!("used for layer `{}`", layer.name));
                        self.error(d);
                    }
                }
                Ok(dirs) => {
                    tally_tiles(df, &dirs, layer, *span, &mut tiles);
                    let clusters: i64 = dirs
                        .iter()
                        .filter_map(|d| match d {
                            ConcreteDirective::Cluster { size } => Some(*size),
                            ConcreteDirective::Map { .. } => None,
                        })
                        .fold(1i64, |a, b| a.saturating_mul(b));
                    // After a rejected `pes`, its stand-in of 1 would only mislead.
                    let pes_known = !self.rejected_hardware.contains(&m.hardware);
                    if pes_known && clusters > hw.pes as i64 {
                        let cspan = df
                            .directives
                            .iter()
                            .find(|d| matches!(d, Directive::Cluster { .. }))
                            .map_or(df.span, Directive::span);
                        if !reported.contains(&(*dataflow, cspan)) {
                            reported.push((*dataflow, cspan));
                            self.error(
                                Diagnostic::at(
                                    Code::ClusterTooLarge,
                                    cspan,
                                    format!("dataflow `{}` groups {clusters} PEs per cluster for layer `{}`, but `{}` has {} PEs", df.name, layer.name, hw.name, hw.pes),
                                    "this cluster",
                                )
                                .with_label(hw.field_span("pes"), format!("{} PEs", hw.pes))
                                .with_label(*span, format!("used for layer `{}`", layer.name))
                                .with_help("choose a smaller cluster size or larger hardware"),
                            );
                        }
                    }
                }
            }
        }
        self.diags.extend(
            tiles
                .into_values()
                .filter(|t| t.clamped == t.uses)
                .filter_map(|t| t.warning),
        );
    }
}

/// How often one directive of one dataflow choice in a mapping is used and clamped.
struct TileTally {
    uses: usize,
    clamped: usize,
    /// The `W0301` for the first layer where the tile is clamped.
    warning: Option<Diagnostic>,
}

/// Count, per directive and choice, the layers where a map's size exceeds its dimension (the
/// back ends clamp it). Only a tile clamped on every layer its choice covers is a `W0301`: a
/// dataflow shared by a network is tuned for most of its layers, and clamping on a small one
/// (a first convolution with 3 channels) is what the author meant.
fn tally_tiles(
    df: &Dataflow,
    dirs: &[ConcreteDirective],
    layer: &Layer,
    choice: Span,
    tiles: &mut std::collections::BTreeMap<(Span, Span), TileTally>,
) {
    for (written, concrete) in df.directives.iter().zip(dirs) {
        let ConcreteDirective::Map { size, dim, .. } = concrete else {
            continue;
        };
        let directive = written.span();
        let tally = tiles.entry((choice, directive)).or_insert(TileTally {
            uses: 0,
            clamped: 0,
            warning: None,
        });
        tally.uses += 1;
        let bound = tile_bound(layer, *dim);
        if u64::try_from(*size).is_ok_and(|s| s > bound) {
            tally.clamped += 1;
            tally.warning.get_or_insert_with(|| {
                Diagnostic::at(
                    Code::TileClamped,
                    directive,
                    format!(
                        "a tile of {size} along `{}` is larger than layer `{}`'s {bound}; it is clamped to {bound}",
                        dim.name(),
                        layer.name
                    ),
                    "this tile",
                )
                .with_label(choice, format!("used for layer `{}`", layer.name))
                .with_help("choose a tile no larger than the dimension, or use `Sz(D)` for the whole of it")
            });
        }
    }
}

/// The extent a map of `dim` is clamped to. The back ends read a depthwise layer's channels
/// as `C` with a single `K` (see `backends/evaluate.rs`), unlike its loop bounds here, where
/// the channels are groups.
fn tile_bound(layer: &Layer, dim: Dim) -> u64 {
    match (layer.op, dim) {
        (LayerOp::DwConv, Dim::C) => layer.shape.g,
        (LayerOp::DwConv, Dim::K) => 1,
        _ => layer.loop_bound(dim),
    }
}

//! Lowering `sweep` items: the mappings swept, and one axis per hardware field or dataflow
//! argument with its values converted as the hardware's own fields are (same units, same
//! codes), plus the sweep's own checks: unknown axes, empty sweeps, repeated values.

use super::*;
use crate::ir::sweep::{Axis, Field, Sweep, Value};

impl Lowering {
    pub(super) fn sweep(&mut self, s: &ast::Sweep, scope: &Scope) -> Option<Sweep> {
        let mut mappings: Option<Vec<MappingId>> = None;
        let mut axes: Vec<Axis> = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for (path, entry, values) in self.sweep_entries(&s.entries, "") {
            if let Some(first) = seen.insert(path.clone(), entry.key.span) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        entry.key.span,
                        format!("`{path}` is swept twice"),
                        "given again here",
                    )
                    .with_label(first, "first given here")
                    .with_help("list every value of an axis in one entry"),
                );
                continue;
            }
            if path == "mapping" {
                let mut ids: Vec<(MappingId, Span)> = Vec::new();
                for v in values {
                    let Some(id) = self.swept_mapping(v, scope) else {
                        continue;
                    };
                    let span = numbers::value_span(v);
                    match ids.iter().find(|(other, _)| *other == id) {
                        Some(&(_, first)) => self.error(
                            Diagnostic::at(
                                Code::SweepDuplicateValue,
                                span,
                                "`mapping` lists this mapping twice",
                                "listed again here",
                            )
                            .with_label(first, "first listed here"),
                        ),
                        None => ids.push((id, span)),
                    }
                }
                mappings = Some(ids.into_iter().map(|(id, _)| id).collect());
                continue;
            }
            if let Some(axis) = self.axis(&path, entry, values) {
                axes.push(axis);
            }
        }
        let Some(mappings) = mappings else {
            self.error(
                Diagnostic::at(
                    Code::SweepMissingMapping,
                    s.name.span,
                    format!("sweep `{}` names no mapping", s.name.name),
                    "in this sweep",
                )
                .with_help("add `mapping: NAME;` (or several, `mapping: a, b;`)"),
            );
            return None;
        };
        // An entry the parser dropped, or one rejected above, is not a missing axis.
        let inside = |d: &Diagnostic| {
            d.is_error()
                && d.primary_span().is_some_and(|p| {
                    p.file == s.span.file && p.start >= s.span.start && p.end <= s.span.end
                })
        };
        if axes.is_empty() && !self.diags.iter().any(inside) {
            self.error(
                Diagnostic::at(
                    Code::SweepEmpty,
                    s.name.span,
                    format!("sweep `{}` has no axis", s.name.name),
                    "nothing to sweep",
                )
                .with_help(
                    "list values of a hardware field or dataflow argument, e.g. `pes: 64, 128;`",
                ),
            );
        }
        let sweep = Sweep {
            name: s.name.name.clone(),
            mappings,
            axes,
            span: s.span,
        };
        self.check_sweep_mappings(&sweep);
        Some(sweep)
    }

    /// Leaf entries with dotted paths; a block with nothing in it is E1203.
    fn sweep_entries<'a>(
        &mut self,
        entries: &'a [ast::SweepEntry],
        prefix: &str,
    ) -> Vec<(String, &'a ast::SweepEntry, &'a [ast::Value])> {
        let mut out = Vec::new();
        for e in entries {
            let path = if prefix.is_empty() {
                e.key.name.clone()
            } else {
                format!("{prefix}.{}", e.key.name)
            };
            match &e.value {
                ast::SweepValue::List(values) => out.push((path, e, values.as_slice())),
                ast::SweepValue::Block(inner) if inner.is_empty() => self.error(
                    Diagnostic::at(
                        Code::SweepEmpty,
                        e.span,
                        format!("`{path}` sweeps nothing"),
                        "empty block",
                    )
                    .with_help("list values inside it, or remove it"),
                ),
                ast::SweepValue::Block(inner) => out.extend(self.sweep_entries(inner, &path)),
            }
        }
        out
    }

    fn swept_mapping(&mut self, v: &ast::Value, scope: &Scope) -> Option<MappingId> {
        match v {
            ast::Value::Name(n) => match self.resolve(scope, n, "mapping")? {
                ItemRef::Mapping(id) => Some(id),
                _ => None,
            },
            ast::Value::Quantity(q) => {
                self.error(Diagnostic::at(
                    Code::TypeMismatch,
                    q.span,
                    format!(
                        "`mapping` must be a name, found the number `{}`",
                        q.number.text
                    ),
                    "expected a mapping's name",
                ));
                None
            }
        }
    }

    /// One axis: its field and its values, each checked as the hardware checks that field.
    fn axis(&mut self, path: &str, entry: &ast::SweepEntry, values: &[ast::Value]) -> Option<Axis> {
        let field = match Field::HARDWARE.iter().find(|(p, _)| *p == path) {
            Some((_, f)) => f.clone(),
            None => match path.strip_prefix("dataflow.") {
                Some(name) if !name.contains('.') => Field::DataflowArgument(name.to_string()),
                _ => {
                    let fields: Vec<&str> = Field::HARDWARE.iter().map(|(p, _)| *p).collect();
                    self.error(
                        Diagnostic::at(
                            Code::SweepUnknownField,
                            entry.key.span,
                            format!("a sweep cannot vary `{path}`"),
                            "not a sweepable field",
                        )
                        .with_note(format!(
                            "sweepable: mapping, {}, dataflow {{ ARGUMENT: … }}",
                            fields.join(", ")
                        ))
                        .with_help_opt(suggest(path, fields)),
                    );
                    return None;
                }
            },
        };
        let mut lowered: Vec<Value> = Vec::with_capacity(values.len());
        let mut spans: Vec<Span> = Vec::with_capacity(values.len());
        for v in values {
            let Some(value) = self.axis_value(&field, path, v) else {
                continue;
            };
            let span = numbers::value_span(v);
            if let Some(i) = lowered.iter().position(|x| *x == value) {
                self.error(
                    Diagnostic::at(
                        Code::SweepDuplicateValue,
                        span,
                        format!("`{path}` lists {} twice", value.text()),
                        "listed again here",
                    )
                    .with_label(spans[i], "first listed here")
                    .with_help("every point of a sweep is distinct; remove one"),
                );
                continue;
            }
            lowered.push(value);
            spans.push(span);
        }
        (lowered.len() == values.len()).then_some(Axis {
            field,
            values: lowered,
            span: entry.span,
        })
    }

    fn axis_value(&mut self, field: &Field, path: &str, v: &ast::Value) -> Option<Value> {
        match field {
            Field::Pes | Field::MacsPerPe | Field::DataflowArgument(_) => {
                self.count(v, path).map(Value::Count)
            }
            Field::L1 | Field::L2 => {
                let (n, elements) = self.quantity_u64(v, Dimension::Size, path)?;
                Some(Value::Size(if elements {
                    Size::Elements(n)
                } else {
                    Size::Bytes(n)
                }))
            }
            Field::NocBandwidth => {
                let (n, elements) = self.quantity_u64(v, Dimension::Bandwidth, path)?;
                Some(Value::Bandwidth(if elements {
                    Bandwidth::ElementsPerCycle(n)
                } else {
                    Bandwidth::BytesPerCycle(n)
                }))
            }
            Field::NocLatency => {
                let (n, _) = self.quantity_u64(v, Dimension::Time, path)?;
                Some(Value::Cycles(n))
            }
            Field::Precision => self.precision(v).map(Value::Precision),
        }
    }

    /// A dataflow argument must be a parameter of some layer's dataflow (E1201); sizes in bytes
    /// need a precision (E0402).
    fn check_sweep_mappings(&mut self, sweep: &Sweep) {
        let mut parameters: Vec<String> = Vec::new();
        for &id in &sweep.mappings {
            let Some(mapping) = self.program.mappings.get(id.index()) else {
                continue;
            };
            for lm in &mapping.layers {
                if let DataflowChoice::Fixed { dataflow, .. } = lm.dataflow {
                    let params = self.program.dataflows.get(dataflow.index());
                    for p in params.iter().flat_map(|d| &d.params) {
                        if !parameters.contains(&p.name) {
                            parameters.push(p.name.clone());
                        }
                    }
                }
            }
        }
        let precision_swept = sweep.axes.iter().any(|a| a.field == Field::Precision);
        for axis in &sweep.axes {
            if let Field::DataflowArgument(name) = &axis.field {
                if !parameters.contains(name) {
                    self.error(
                        Diagnostic::at(
                            Code::SweepUnknownField,
                            axis.span,
                            format!("no dataflow of the swept mappings has a parameter `{name}`"),
                            "not a dataflow parameter",
                        )
                        .with_note(format!("parameters: {}", parameters.join(", ")))
                        .with_help_opt(suggest(name, parameters.iter().map(String::as_str))),
                    );
                }
            }
            let in_bytes = axis.values.iter().any(|v| {
                matches!(
                    v,
                    Value::Size(Size::Bytes(_)) | Value::Bandwidth(Bandwidth::BytesPerCycle(_))
                )
            });
            let hardware_precision = sweep.mappings.iter().all(|m| {
                // A mapping whose names did not resolve has stand-in ids: look, never index.
                self.program.mappings.get(m.index()).is_some_and(|m| {
                    self.program
                        .hardware
                        .get(m.hardware.index())
                        .is_some_and(|h| h.precision.is_some())
                })
            });
            if in_bytes && !precision_swept && !hardware_precision {
                self.error(
                    Diagnostic::at(
                        Code::PrecisionRequired,
                        axis.span,
                        format!(
                            "`{}` is swept in bytes on hardware without a precision",
                            axis.field.path()
                        ),
                        "in bytes",
                    )
                    .with_help("give the hardware a `precision`, sweep `precision`, or use `elem`"),
                );
            }
        }
    }
}

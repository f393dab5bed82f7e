//! Lowering heterogeneous accelerators (sub-accelerators and shared resources) and
//! workloads (networks that run together, with their frame rates).

use super::numbers::value_span;
use super::*;

impl Lowering {
    pub(super) fn accelerator(&mut self, a: &ast::Accelerator, scope: &Scope) -> Accelerator {
        let mut acc = Accelerator {
            name: a.name.name.clone(),
            subs: Vec::new(),
            dram_bandwidth: None,
            global_buffer: None,
            clock_hz: None,
            span: a.span,
        };
        let mut fields = Vec::new();
        let mut names: HashMap<&str, Span> = HashMap::new();
        for e in &a.entries {
            match e {
                ast::AcceleratorEntry::Field(f) => fields.push(f.clone()),
                ast::AcceleratorEntry::Sub {
                    name,
                    hardware,
                    dataflow,
                    span,
                } => {
                    if let Some(first) = names.insert(&name.name, name.span) {
                        self.error(
                            Diagnostic::at(
                                Code::DuplicateDefinition,
                                name.span,
                                format!("sub-accelerator `{}` is defined twice", name.name),
                                "defined again here",
                            )
                            .with_label(first, "first defined here"),
                        );
                        continue;
                    }
                    let hw = self.resolve(scope, hardware, "hardware");
                    let df = match dataflow {
                        ast::DataflowChoice::Search(s) => {
                            self.error(
                                Diagnostic::at(
                                    Code::IncompleteMapping,
                                    *s,
                                    "a sub-accelerator needs a dataflow, not `search`",
                                    "here",
                                )
                                .with_help(
                                    "name the dataflow style it is built for, e.g. `with nvdla`",
                                ),
                            );
                            None
                        }
                        choice => self.choice(choice, scope),
                    };
                    if let (
                        Some(ItemRef::Hardware(hw)),
                        Some(DataflowChoice::Fixed { dataflow, args, .. }),
                    ) = (hw, df)
                    {
                        acc.subs.push(SubAccelerator {
                            name: name.name.clone(),
                            hardware: hw,
                            dataflow,
                            args,
                            span: *span,
                        });
                    }
                }
            }
        }
        for (path, _, v) in self.flatten_fields(&fields, "", ACCELERATOR_FIELDS, "accelerator") {
            match path.as_str() {
                "dram.bandwidth" => {
                    if let Some((n, elements)) = self.quantity_u64(v, Dimension::Bandwidth, &path) {
                        acc.dram_bandwidth = Some(if elements {
                            Bandwidth::ElementsPerCycle(n)
                        } else {
                            Bandwidth::BytesPerCycle(n)
                        });
                    }
                }
                "global_buffer" => {
                    if let Some((n, elements)) = self.quantity_u64(v, Dimension::Size, &path) {
                        acc.global_buffer = Some(if elements {
                            Size::Elements(n)
                        } else {
                            Size::Bytes(n)
                        });
                    }
                }
                _ => {
                    acc.clock_hz = self
                        .quantity_f64(v, Dimension::Frequency, &path)
                        .and_then(|hz| self.positive_clock(hz, v));
                }
            }
        }
        if a.entries
            .iter()
            .all(|e| !matches!(e, ast::AcceleratorEntry::Sub { .. }))
        {
            self.error(
                Diagnostic::at(
                    Code::MissingField,
                    a.name.span,
                    format!("accelerator `{}` has no sub-accelerators", a.name.name),
                    "in this accelerator",
                )
                .with_help("add one per line: `big: cloud1024 with nvdla;`"),
            );
        }
        acc
    }

    /// Frame rates are deadlines only against a clock: a workload that gives them in a
    /// program whose accelerators have no clock cannot be checked (E0403; `dfc schedule`
    /// checks the accelerator it pairs with the workload too). Skipped after other errors, so
    /// a rejected `clock:` does not cascade.
    pub(super) fn check_frame_rates_have_a_clock(&mut self) {
        let accelerators = &self.program.accelerators;
        if accelerators.is_empty()
            || accelerators.iter().any(|a| a.clock_hz.is_some())
            || crate::diagnostics::has_errors(&self.diags)
        {
            return;
        }
        let mut found = Vec::new();
        for w in &self.program.workloads {
            if w.networks.iter().any(|(_, rate)| rate.is_some()) {
                let mut d = Diagnostic::at(
                    Code::NoClock,
                    w.span,
                    format!(
                        "workload `{}` gives frame rates, but no accelerator has a clock",
                        w.name
                    ),
                    "frame rates here",
                );
                for a in accelerators {
                    d = d.with_label(a.span, format!("`{}` has no `clock`", a.name));
                }
                found.push(d.with_help(
                    "give the accelerator a clock (`clock: 1 GHz;`) so that frame rates become \
                     deadlines, or drop the rates; see `dfc explain E0403`",
                ));
            }
        }
        for d in found {
            self.error(d);
        }
    }

    /// A clock turns frame rates into deadlines: zero (or a value too large for a number of
    /// hertz) would make every deadline zero or infinite.
    fn positive_clock(&mut self, hz: f64, v: &ast::Value) -> Option<f64> {
        if hz > 0.0 && hz.is_finite() {
            return Some(hz);
        }
        self.error(
            Diagnostic::at(
                Code::InvalidValue,
                value_span(v),
                "a clock must be a positive frequency",
                "here",
            )
            .with_help("give the accelerator's clock, for example `clock: 1 GHz;`"),
        );
        None
    }

    pub(super) fn workload(&mut self, w: &ast::Workload, scope: &Scope) -> Workload {
        let mut networks = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for e in &w.entries {
            if let Some(first) = seen.insert(&e.network.name, e.network.span) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        e.network.span,
                        format!("`{}` is listed twice", e.network.name),
                        "listed again here",
                    )
                    .with_label(first, "first listed here"),
                );
                continue;
            }
            let rate = match &e.rate {
                Some(q) => match self.quantity_f64(
                    &ast::Value::Quantity(q.clone()),
                    Dimension::Frequency,
                    "frame rate",
                ) {
                    Some(r) if r > 0.0 => Some(r),
                    Some(_) => {
                        self.error(Diagnostic::at(
                            Code::InvalidValue,
                            q.span,
                            "a frame rate must be positive",
                            "here",
                        ));
                        continue;
                    }
                    None => continue,
                },
                None => None,
            };
            if let Some(ItemRef::Network(id)) = self.resolve(scope, &e.network, "network") {
                networks.push((id, rate));
            }
        }
        if w.entries.is_empty() {
            self.error(
                Diagnostic::at(
                    Code::MissingField,
                    w.name.span,
                    format!("workload `{}` has no networks", w.name.name),
                    "in this workload",
                )
                .with_help("list the networks that run together: `resnet50: 30 fps;`"),
            );
        }
        Workload {
            name: w.name.name.clone(),
            networks,
            span: w.span,
        }
    }
}

/// Fields an accelerator may have besides its sub-accelerators.
const ACCELERATOR_FIELDS: &[&str] = &["dram.bandwidth", "global_buffer", "clock"];

//! Lowering `test` blocks: settings (which mapping, evaluate or search, which cost model),
//! expectations on metrics, and snapshots.

use super::*;

impl Lowering {
    pub(super) fn test(&mut self, t: &ast::Test, scope: &Scope) -> Option<Test> {
        let mut mapping_name = &t.name;
        let mut run = TestRun::Eval;
        let mut model = CostModel::Default;
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for st in &t.statements {
            let ast::TestStatement::Setting { key, value, span } = st else {
                continue;
            };
            if let Some(first) = seen.insert(key.name.as_str(), *span) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        key.span,
                        format!("`{}` is given twice", key.name),
                        "given again here",
                    )
                    .with_label(first, "first given here"),
                );
                continue;
            }
            let bad_value = |expected: &str| {
                Diagnostic::at(
                    Code::InvalidValue,
                    value.span,
                    format!("`{}` is not a valid `{}`", value.name, key.name),
                    format!("expected {expected}"),
                )
            };
            match (key.name.as_str(), value.name.as_str()) {
                ("mapping", _) => mapping_name = value,
                ("run", "eval") => run = TestRun::Eval,
                ("run", "search") => run = TestRun::Search,
                ("run", _) => self.error(bad_value("`eval` or `search`")),
                ("model", "default") => model = CostModel::Default,
                ("model", "maestro") => model = CostModel::Maestro,
                ("model", _) => self.error(bad_value("`default` or `maestro`")),
                (other, _) => self.error(
                    Diagnostic::at(
                        Code::UnknownField,
                        key.span,
                        format!("tests have no setting `{other}`"),
                        "unknown setting",
                    )
                    .with_note("settings: mapping, run, model")
                    .with_help_opt(suggest(other, ["mapping", "run", "model"])),
                ),
            }
        }
        let Some(ItemRef::Mapping(id)) = self.resolve(scope, mapping_name, "mapping") else {
            return None;
        };
        let network = self
            .program
            .mappings
            .get(id.index())
            .filter(|_| self.mapping_complete.get(id.index()) == Some(&true))
            .map(|m| m.network);
        let mut expectations = Vec::new();
        let mut snapshots = Vec::new();
        for st in &t.statements {
            match st {
                ast::TestStatement::Setting { .. } => {}
                ast::TestStatement::Expect(e) => {
                    if let Some(x) = self.expectation(e, network) {
                        expectations.push(x);
                    }
                }
                ast::TestStatement::Snapshot {
                    what,
                    metrics,
                    span,
                } => match what.name.as_str() {
                    "mapping" if metrics.is_empty() => snapshots.push(Snapshot::Mapping),
                    "report" => {
                        let parsed: Vec<Metric> =
                            metrics.iter().filter_map(|m| self.metric(m)).collect();
                        if parsed.len() == metrics.len() {
                            snapshots.push(Snapshot::Report(parsed));
                        }
                    }
                    "mapping" => self.error(Diagnostic::at(
                        Code::InvalidValue,
                        *span,
                        "`snapshot mapping` takes no metrics",
                        "remove the list",
                    )),
                    other => self.error(
                        Diagnostic::at(
                            Code::InvalidValue,
                            what.span,
                            format!("cannot snapshot `{other}`"),
                            "expected `mapping` or `report`",
                        )
                        .with_help_opt(suggest(other, ["mapping", "report"])),
                    ),
                },
            }
        }
        Some(Test {
            name: t.name.name.clone(),
            mapping: id,
            run,
            model,
            expectations,
            snapshots,
            span: t.span,
        })
    }

    pub(super) fn metric(&mut self, name: &ast::Ident) -> Option<Metric> {
        let metric = Metric::parse(&name.name);
        if metric.is_none() {
            let names = Metric::ALL.map(Metric::name);
            let alias = match name.name.as_str() {
                "latency" | "cycles" | "time" | "delay" => {
                    Some("did you mean `runtime`?".to_string())
                }
                "power" | "energy_pj" => Some("did you mean `energy`?".to_string()),
                "pes" => Some("did you mean `utilized_pes`?".to_string()),
                _ => None,
            };
            self.error(
                Diagnostic::at(
                    Code::UnknownMetric,
                    name.span,
                    format!("unknown metric `{}`", name.name),
                    "not a metric",
                )
                .with_note(format!("metrics: {}", names.join(", ")))
                .with_help_opt(alias.or_else(|| suggest(&name.name, names))),
            );
        }
        metric
    }

    pub(super) fn expectation(
        &mut self,
        e: &ast::Expect,
        network: Option<NetworkId>,
    ) -> Option<Expectation> {
        let layer = match (&e.layer, network) {
            (Some(l), Some(net)) => {
                let position = self
                    .program
                    .network(net)
                    .layers
                    .iter()
                    .position(|x| x.name == l.name);
                if position.is_none() {
                    self.unknown_layer(l, net);
                    return None;
                }
                position
            }
            _ => None,
        };
        let metric = self.metric(&e.metric)?;
        let dim = match metric {
            Metric::Runtime => Dimension::Time,
            Metric::Energy => Dimension::Energy,
            Metric::L1 | Metric::L2 => Dimension::Size,
            Metric::Macs
            | Metric::UtilizedPes
            | Metric::Utilization
            | Metric::PeUtilization
            | Metric::MacUtilization => Dimension::Count,
            Metric::Throughput => Dimension::Rate,
        };
        let Some(number) = e.value.number.as_f64() else {
            self.error(Diagnostic::at(
                Code::InvalidNumber,
                e.value.number.span,
                "invalid number",
                "here",
            ));
            return None;
        };
        let (value, in_elements) = match (&e.value.unit, dim) {
            (None, Dimension::Count | Dimension::Rate) => (number, false),
            _ => {
                let info = self.unit_of(&e.value, dim, metric.name())?;
                (number * info.factor, info.elements)
            }
        };
        let op = match &e.op {
            ast::ExpectOp::Cmp(c) => ExpectOp::Cmp(comparison(*c)),
            ast::ExpectOp::Within(n) => match n.as_f64().filter(|p| p.is_finite() && *p >= 0.0) {
                Some(p) => ExpectOp::Within(p),
                None => {
                    self.error(Diagnostic::at(
                        Code::InvalidValue,
                        n.span,
                        format!("`{}` is not a tolerance", n.text),
                        "expected a percentage",
                    ));
                    return None;
                }
            },
        };
        Some(Expectation {
            layer,
            metric,
            op,
            value,
            in_elements,
            span: e.span,
        })
    }
}

/// The IR's own copy of a comparison operator.
fn comparison(op: ast::CmpOp) -> CmpOp {
    match op {
        ast::CmpOp::Lt => CmpOp::Lt,
        ast::CmpOp::Le => CmpOp::Le,
        ast::CmpOp::Gt => CmpOp::Gt,
        ast::CmpOp::Ge => CmpOp::Ge,
        ast::CmpOp::Eq => CmpOp::Eq,
    }
}

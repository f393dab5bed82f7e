//! Lowering: AST files to one [`Program`]. Resolves names through each file's scope (its own
//! items and what it imports), checks units, shapes and dataflow structure, derives output
//! sizes, and binds mappings to layers. Every problem becomes a diagnostic and lowering goes
//! on, so one run reports all of them; a [`Program`] is returned only when there are none.

use std::collections::HashMap;

use super::hardware_keys::{field_in_source, maestro_hardware_field};
use super::modules::{self, Loader, Module};
use super::units::{self, Dimension};
use super::*;
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::ast;

/// Lower the file `root` and everything it imports. `Some(program)` only when no error was found.
pub fn lower_program(
    root: FileId,
    sources: &mut SourceMap,
    loader: &dyn Loader,
) -> (Option<Program>, Vec<Diagnostic>) {
    let loaded = modules::load(root, sources, loader);
    let mut cx = Cx {
        program: Program::default(),
        diags: loaded.diagnostics,
        mapping_complete: Vec::new(),
    };
    let scopes = cx.declare(&loaded.modules);
    for (m, module) in loaded.modules.iter().enumerate() {
        for item in &module.ast.items {
            if let ast::Item::Mapping(mapping) = item {
                let (lowered, complete) = cx.mapping(mapping, &scopes[m]);
                cx.program.mappings.push(lowered);
                cx.mapping_complete.push(complete);
            }
        }
    }
    for (m, module) in loaded.modules.iter().enumerate() {
        for item in &module.ast.items {
            match item {
                ast::Item::Accelerator(a) => {
                    let lowered = cx.accelerator(a, &scopes[m]);
                    cx.program.accelerators.push(lowered);
                }
                ast::Item::Workload(w) => {
                    let lowered = cx.workload(w, &scopes[m]);
                    cx.program.workloads.push(lowered);
                }
                _ => {}
            }
        }
    }
    for (m, module) in loaded.modules.iter().enumerate() {
        for item in &module.ast.items {
            if let ast::Item::Test(test) = item {
                if let Some(t) = cx.test(test, &scopes[m]) {
                    cx.program.tests.push(t);
                }
            }
        }
    }
    let mut diags = cx.diags;
    crate::diagnostics::sort(&mut diags);
    let program = (!crate::diagnostics::has_errors(&diags)).then_some(cx.program);
    (program, diags)
}

/// Parse and lower one in-memory text that imports nothing but the standard library.
pub fn lower_text(name: &str, text: &str) -> (SourceMap, Option<Program>, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    let root = sources.add(name, text);
    let (program, diags) = lower_program(root, &mut sources, &modules::NoFiles);
    (sources, program, diags)
}

#[derive(Debug, Clone, Copy)]
enum ItemRef {
    Network(NetworkId),
    Hardware(HardwareId),
    Dataflow(DataflowId),
    Mapping(MappingId),
    // Nothing refers to accelerators or workloads by name yet; the ids keep them in the
    // one namespace of items, so their names clash like any other's.
    Accelerator(#[allow(dead_code)] AcceleratorId),
    Workload(#[allow(dead_code)] WorkloadId),
}

impl ItemRef {
    fn kind(self) -> &'static str {
        match self {
            ItemRef::Network(_) => "network",
            ItemRef::Hardware(_) => "hardware",
            ItemRef::Dataflow(_) => "dataflow",
            ItemRef::Mapping(_) => "mapping",
            ItemRef::Accelerator(_) => "accelerator",
            ItemRef::Workload(_) => "workload",
        }
    }
}

/// The names visible in one file, with where each was defined.
#[derive(Default)]
struct Scope {
    items: HashMap<String, (ItemRef, Span)>,
}

struct Cx {
    program: Program,
    diags: Vec<Diagnostic>,
    /// Per mapping: whether its network and hardware resolved (tests may look into it).
    mapping_complete: Vec<bool>,
}

impl Cx {
    /// Lower every network, hardware and dataflow, give every mapping an id, and build each
    /// file's scope. Mappings are lowered afterwards because they refer to the others.
    fn declare(&mut self, modules: &[Module]) -> Vec<Scope> {
        let mut locals: Vec<Scope> = Vec::new();
        let mut mapping_count = 0u32;
        let mut accelerator_count = 0u32;
        let mut workload_count = 0u32;
        for module in modules {
            let mut scope = Scope::default();
            for item in &module.ast.items {
                let r = match item {
                    ast::Item::Use(_) | ast::Item::Test(_) => continue,
                    ast::Item::Network(n) => {
                        let net = self.network(n);
                        self.program.networks.push(net);
                        ItemRef::Network(NetworkId(self.program.networks.len() as u32 - 1))
                    }
                    ast::Item::Hardware(h) => {
                        let hw = self.hardware(h);
                        self.program.hardware.push(hw);
                        ItemRef::Hardware(HardwareId(self.program.hardware.len() as u32 - 1))
                    }
                    ast::Item::Dataflow(d) => {
                        let df = self.dataflow(d);
                        self.program.dataflows.push(df);
                        ItemRef::Dataflow(DataflowId(self.program.dataflows.len() as u32 - 1))
                    }
                    ast::Item::Mapping(_) => {
                        mapping_count += 1;
                        ItemRef::Mapping(MappingId(mapping_count - 1))
                    }
                    ast::Item::Accelerator(_) => {
                        accelerator_count += 1;
                        ItemRef::Accelerator(AcceleratorId(accelerator_count - 1))
                    }
                    ast::Item::Workload(_) => {
                        workload_count += 1;
                        ItemRef::Workload(WorkloadId(workload_count - 1))
                    }
                };
                let Some(name) = item.name() else { continue };
                self.define(&mut scope, name, r);
            }
            locals.push(scope);
        }
        let mut scopes = Vec::new();
        for (m, module) in modules.iter().enumerate() {
            let mut scope = Scope {
                items: locals[m].items.clone(),
            };
            for import in &module.imports {
                match locals[import.module].items.get(&import.name.name) {
                    Some(&(r, _)) => self.define(&mut scope, &import.name, r),
                    None => {
                        let names = locals[import.module].items.keys().map(String::as_str);
                        self.diags.push(
                            Diagnostic::at(
                                Code::UnresolvedImport,
                                import.name.span,
                                format!("the imported file defines no `{}`", import.name.name),
                                "not defined there",
                            )
                            .with_help_opt(suggest(&import.name.name, names)),
                        );
                    }
                }
            }
            scopes.push(scope);
        }
        scopes
    }

    fn define(&mut self, scope: &mut Scope, name: &ast::Ident, r: ItemRef) {
        if let Some((_, first)) = scope.items.get(&name.name) {
            self.diags.push(
                Diagnostic::at(
                    Code::DuplicateDefinition,
                    name.span,
                    format!("`{}` is defined more than once", name.name),
                    "defined again here",
                )
                .with_label(*first, "first defined here")
                .with_help("rename one of them"),
            );
            return;
        }
        scope.items.insert(name.name.clone(), (r, name.span));
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    // ---- constant expressions -----------------------------------------------------------

    /// Evaluate an expression that may hold only numbers and arithmetic.
    fn const_eval(&mut self, e: &ast::Expr, what: &str) -> Option<i64> {
        match e {
            ast::Expr::Number(n) => self.integer(n),
            ast::Expr::Name(i) => {
                self.error(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        i.span,
                        format!("{what} must be a number, found the name `{}`", i.name),
                        "a name is not allowed here",
                    )
                    .with_help("write the value as a number"),
                );
                None
            }
            ast::Expr::Size { span, .. } => {
                self.error(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        *span,
                        format!("{what} cannot use `Sz`"),
                        "`Sz` only has a value inside a dataflow",
                    )
                    .with_help("write the value as a number"),
                );
                None
            }
            ast::Expr::Paren { inner, .. } => self.const_eval(inner, what),
            ast::Expr::Binary { op, lhs, rhs, span } => {
                let a = self.const_eval(lhs, what)?;
                let b = self.const_eval(rhs, what)?;
                match apply(*op, a, b) {
                    Ok(v) => Some(v),
                    Err(msg) => {
                        self.error(Diagnostic::at(
                            Code::ArithmeticError,
                            *span,
                            msg,
                            "in this expression",
                        ));
                        None
                    }
                }
            }
        }
    }

    fn integer(&mut self, n: &ast::Number) -> Option<i64> {
        if !n.is_integer() {
            self.error(
                Diagnostic::at(
                    Code::TypeMismatch,
                    n.span,
                    format!("expected a whole number, found `{}`", n.text),
                    "not an integer",
                )
                .with_help("loop bounds, tile sizes and counts are integers"),
            );
            return None;
        }
        match n.as_u64().and_then(|v| i64::try_from(v).ok()) {
            Some(v) => Some(v),
            None => {
                self.error(Diagnostic::at(
                    Code::InvalidNumber,
                    n.span,
                    format!("`{}` is too large", n.text),
                    "does not fit in 63 bits",
                ));
                None
            }
        }
    }

    // ---- networks -------------------------------------------------------------------------

    fn network(&mut self, n: &ast::Network) -> Network {
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
    fn layer_preds(&mut self, n: &ast::Network, l: &ast::Layer, earlier: &[Layer]) -> Vec<usize> {
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

    fn layer(&mut self, l: &ast::Layer) -> Option<Layer> {
        let Some(op) = LayerOp::parse(&l.op.name) else {
            let names = LayerOp::ALL.map(LayerOp::name);
            self.error(
                Diagnostic::at(
                    Code::UnknownLayerKind,
                    l.op.span,
                    format!("unknown layer operator `{}`", l.op.name),
                    "not a layer operator",
                )
                .with_note(format!("operators: {}", names.join(", ")))
                .with_help_opt(suggest(&l.op.name, names)),
            );
            return None;
        };
        let (allowed, required) = layer_keys(op);
        let mut args: HashMap<&str, (i64, Span)> = HashMap::new();
        // Keys written with a valid name, even if their value was rejected: not "missing".
        let mut written: Vec<&str> = Vec::new();
        let mut ok = true;
        for a in &l.args {
            let key = a.key.name.as_str();
            if !allowed.contains(&key) {
                let mut d = Diagnostic::at(
                    Code::UnknownField,
                    a.key.span,
                    format!("`{}` has no argument `{key}`", op.name()),
                    "unknown argument",
                )
                .with_note(format!(
                    "`{}` takes: {}",
                    op.name(),
                    allowed.join(", ")
                ));
                d = d.with_help_opt(suggest(key, allowed.iter().copied()));
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
            let min = if key.starts_with("pad") { 0 } else { 1 };
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
        // `Y'` (`X'`) stands for `Y` (`X`): the input follows from the output size.
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
            ok = false;
        }
        if !ok {
            return None;
        }
        let values: HashMap<&str, u64> = args.iter().map(|(k, (v, _))| (*k, *v as u64)).collect();
        let shape = match build_shape(op, &values) {
            Ok(shape) => shape,
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
                return None;
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
                return None;
            }
        };
        Some(Layer {
            name: l.name.name.clone(),
            op,
            shape,
            preds: Vec::new(),
            span: l.span,
        })
    }

    // ---- hardware -------------------------------------------------------------------------

    fn hardware(&mut self, h: &ast::Hardware) -> Hardware {
        let mut hw = Hardware {
            name: h.name.name.clone(),
            pes: 1,
            macs_per_pe: 1,
            l1: Size::Elements(1),
            l2: Size::Elements(1),
            noc_bandwidth: Bandwidth::ElementsPerCycle(1),
            noc_latency_cycles: 1,
            dram_bandwidth: None,
            precision: None,
            energy: None,
            systolic: None,
            span: h.span,
            field_spans: Vec::new(),
        };
        let mut energy = EnergyTable {
            mac_pj: 1.0,
            l1_pj: 1.68,
            l2_pj: 18.61,
            dram_pj: None,
        };
        let mut has_energy = false;
        let mut byte_sizes: Vec<Span> = Vec::new();
        let mut systolic_fields: Vec<(String, Span, &ast::Value)> = Vec::new();
        let fields = self.flatten_fields(&h.fields, "", HARDWARE_FIELDS, "hardware");
        for (path, field, v) in &fields {
            hw.field_spans.push((path.clone(), field.span));
            match path.as_str() {
                "pes" => hw.pes = self.count(v, path).unwrap_or(1),
                "macs_per_pe" => hw.macs_per_pe = self.count(v, path).unwrap_or(1),
                "l1" | "l2" => {
                    if let Some((n, elements)) = self.quantity_u64(v, Dimension::Size, path) {
                        let size = if elements {
                            Size::Elements(n)
                        } else {
                            Size::Bytes(n)
                        };
                        if !elements {
                            byte_sizes.push(field.span);
                        }
                        if path == "l1" {
                            hw.l1 = size;
                        } else {
                            hw.l2 = size;
                        }
                    }
                }
                "noc.bandwidth" | "dram.bandwidth" => {
                    if let Some((n, elements)) = self.quantity_u64(v, Dimension::Bandwidth, path) {
                        let bw = if elements {
                            Bandwidth::ElementsPerCycle(n)
                        } else {
                            byte_sizes.push(field.span);
                            Bandwidth::BytesPerCycle(n)
                        };
                        if path == "noc.bandwidth" {
                            hw.noc_bandwidth = bw;
                        } else {
                            hw.dram_bandwidth = Some(bw);
                        }
                    }
                }
                "noc.latency" => {
                    if let Some((n, _)) = self.quantity_u64(v, Dimension::Time, path) {
                        hw.noc_latency_cycles = n;
                    }
                }
                "precision" => hw.precision = self.precision(v),
                path if path.starts_with("systolic.") => {
                    systolic_fields.push((path.to_string(), field.span, v));
                }
                "energy.mac" | "energy.l1" | "energy.l2" | "energy.dram" => {
                    has_energy = true;
                    if let Some(pj) = self.quantity_f64(v, Dimension::Energy, path) {
                        match path.as_str() {
                            "energy.mac" => energy.mac_pj = pj,
                            "energy.l1" => energy.l1_pj = pj,
                            "energy.l2" => energy.l2_pj = pj,
                            _ => energy.dram_pj = Some(pj),
                        }
                    }
                }
                _ => {}
            }
        }
        if has_energy {
            hw.energy = Some(energy);
        }
        // A field written under MAESTRO's name was already diagnosed; it is not also missing.
        let given: Vec<&str> = fields
            .iter()
            .map(|(p, _, _)| p.as_str())
            .chain(
                h.fields
                    .iter()
                    .filter_map(|f| maestro_hardware_field(&f.key.name)),
            )
            .collect();
        let has_array = h.fields.iter().any(|f| f.key.name == "systolic");
        if has_array {
            if let Some(array) = self.systolic_array(&h.name, &systolic_fields) {
                // Fields not written follow from the array (`Hardware::from_array`).
                let derived = Hardware::from_array(&hw.name, array, h.span);
                if !given.contains(&"pes") {
                    hw.pes = derived.pes;
                }
                if !given.contains(&"l1") {
                    hw.l1 = derived.l1;
                }
                if !given.contains(&"l2") {
                    hw.l2 = derived.l2;
                }
                if !given.contains(&"noc.bandwidth") {
                    hw.noc_bandwidth = derived.noc_bandwidth;
                }
                hw.systolic = derived.systolic;
            }
        }
        let missing: Vec<&str> = ["pes", "l1", "l2", "noc.bandwidth"]
            .into_iter()
            .filter(|f| !given.contains(f) && !has_array)
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            self.error(
                Diagnostic::at(
                    Code::MissingField,
                    h.name.span,
                    format!("hardware `{}` is missing {}", h.name.name, list.join(", ")),
                    "in this hardware",
                )
                .with_help("every hardware gives `pes`, `l1`, `l2` and `noc { bandwidth: … }`"),
            );
        }
        if !given.contains(&"precision") {
            if let Some(span) = byte_sizes.first() {
                self.error(
                    Diagnostic::at(
                        Code::PrecisionRequired,
                        *span,
                        format!("hardware `{}` gives a size or bandwidth in bytes but no precision", h.name.name),
                        "in bytes",
                    )
                    .with_note("the cost model counts elements; bytes per element come from the precision")
                    .with_help("add `precision: int8;` (or the format you use), or give the size in `elem`"),
                );
            }
        }
        hw
    }

    /// The `systolic { … }` block of a hardware description.
    fn systolic_array(
        &mut self,
        hw_name: &ast::Ident,
        fields: &[(String, Span, &ast::Value)],
    ) -> Option<SystolicArray> {
        let get = |key: &str| {
            fields
                .iter()
                .find(|(p, _, _)| p == key)
                .map(|(_, s, v)| (*s, *v))
        };
        let errors_before = self.diags.len();
        let count = |cx: &mut Self, key: &str, default: Option<u64>| -> u64 {
            match get(key) {
                Some((_, v)) => cx.count(v, key).unwrap_or(1),
                None => default.unwrap_or_else(|| {
                    cx.error(
                        Diagnostic::at(Code::MissingField, hw_name.span, format!("the systolic array of `{}` has no `{key}`", hw_name.name), "in this hardware")
                            .with_help("a systolic array gives `rows`, `cols`, `dataflow` and the three SRAM sizes"),
                    );
                    1
                }),
            }
        };
        let rows = count(self, "systolic.rows", None);
        let cols = count(self, "systolic.cols", None);
        let dataflow = match get("systolic.dataflow") {
            Some((_, ast::Value::Name(n))) => {
                match n.name.as_str() {
                    "os" => Some(SystolicDataflow::Os),
                    "ws" => Some(SystolicDataflow::Ws),
                    "is" => Some(SystolicDataflow::Is),
                    other => {
                        self.error(
                        Diagnostic::at(Code::InvalidValue, n.span, format!("unknown systolic dataflow `{other}`"), "expected `os`, `ws` or `is`")
                            .with_note("os: output stationary, ws: weight stationary, is: input stationary"),
                    );
                        None
                    }
                }
            }
            Some((span, _)) => {
                self.error(Diagnostic::at(
                    Code::TypeMismatch,
                    span,
                    "`dataflow` of a systolic array is `os`, `ws` or `is`",
                    "expected a name",
                ));
                None
            }
            None => {
                self.error(Diagnostic::at(
                    Code::MissingField,
                    hw_name.span,
                    format!("the systolic array of `{}` has no `dataflow`", hw_name.name),
                    "in this hardware",
                ));
                None
            }
        };
        let sram = |cx: &mut Self, key: &str| -> u64 {
            let Some((span, v)) = get(key) else {
                cx.error(Diagnostic::at(
                    Code::MissingField,
                    hw_name.span,
                    format!("the systolic array of `{}` has no `{key}`", hw_name.name),
                    "in this hardware",
                ));
                return 1024;
            };
            match cx.quantity_u64(v, Dimension::Size, key) {
                Some((bytes, false)) if bytes % 1024 == 0 => bytes,
                Some(_) => {
                    cx.error(
                        Diagnostic::at(
                            Code::InvalidValue,
                            span,
                            format!("`{key}` must be a whole number of KiB in bytes"),
                            "not whole KiB",
                        )
                        .with_note("SCALE-Sim sizes its SRAMs in kB of 1024 bytes"),
                    );
                    1024
                }
                None => 1024,
            }
        };
        let ifmap_sram_bytes = sram(self, "systolic.ifmap_sram");
        let filter_sram_bytes = sram(self, "systolic.filter_sram");
        let ofmap_sram_bytes = sram(self, "systolic.ofmap_sram");
        let bandwidth = match get("systolic.bandwidth") {
            None => SystolicBandwidth::Calc,
            Some((_, ast::Value::Name(n))) if n.name == "calc" => SystolicBandwidth::Calc,
            Some((_, v)) => {
                match self.quantity_u64(v, Dimension::Bandwidth, "systolic.bandwidth") {
                    Some((words, true)) => SystolicBandwidth::User {
                        ifmap: words,
                        filter: words,
                        ofmap: words,
                    },
                    Some((_, false)) => {
                        self.error(Diagnostic::at(
                            Code::WrongUnit,
                            v_span(v),
                            "a systolic array's DRAM bandwidth is in `elem/cycle` (words)",
                            "use `elem/cycle`",
                        ));
                        SystolicBandwidth::Calc
                    }
                    None => SystolicBandwidth::Calc,
                }
            }
        };
        let per_operand = [
            "systolic.dram.ifmap",
            "systolic.dram.filter",
            "systolic.dram.ofmap",
        ];
        let bandwidth = if per_operand.iter().any(|k| get(k).is_some()) {
            let mut words = [0u64; 3];
            for (w, key) in words.iter_mut().zip(per_operand) {
                *w = match get(key) {
                    Some((_, v)) => self
                        .quantity_u64(v, Dimension::Bandwidth, key)
                        .map_or(1, |q| q.0),
                    None => {
                        self.error(Diagnostic::at(
                            Code::MissingField,
                            hw_name.span,
                            format!("`{key}` is missing; give all three operand bandwidths"),
                            "in this hardware",
                        ));
                        1
                    }
                };
            }
            SystolicBandwidth::User {
                ifmap: words[0],
                filter: words[1],
                ofmap: words[2],
            }
        } else {
            bandwidth
        };
        // Offsets are word addresses: 0 is a valid one.
        let offset = |cx: &mut Self, key: &str, default: u64| -> u64 {
            match get(key) {
                Some((_, ast::Value::Quantity(q))) if q.unit.is_none() => {
                    cx.integer(&q.number).map_or(default, |v| v as u64)
                }
                Some((_, v)) => {
                    cx.error(Diagnostic::at(
                        Code::TypeMismatch,
                        v_span(v),
                        format!("`{key}` is a word address: a plain number"),
                        "expected a number",
                    ));
                    default
                }
                None => default,
            }
        };
        let offsets = [
            offset(self, "systolic.offsets.ifmap", 0),
            offset(self, "systolic.offsets.filter", 10_000_000),
            offset(self, "systolic.offsets.ofmap", 20_000_000),
        ];
        let word_bytes = match get("systolic.word") {
            Some((_, v)) => self
                .quantity_u64(v, Dimension::Size, "systolic.word")
                .map_or(1, |q| q.0),
            None => 1,
        };
        let ok = self.diags.len() == errors_before;
        match (ok, dataflow) {
            (true, Some(dataflow)) => Some(SystolicArray {
                rows,
                cols,
                dataflow,
                ifmap_sram_bytes,
                filter_sram_bytes,
                ofmap_sram_bytes,
                bandwidth,
                offsets,
                word_bytes,
            }),
            _ => None,
        }
    }

    /// Leaf fields with dotted paths (`noc.bandwidth`); unknown and duplicate keys diagnosed.
    fn flatten_fields<'a>(
        &mut self,
        fields: &'a [ast::Field],
        prefix: &str,
        known: &[&str],
        item: &str,
    ) -> Vec<(String, &'a ast::Field, &'a ast::Value)> {
        let mut out = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for f in fields {
            let path = if prefix.is_empty() {
                f.key.name.clone()
            } else {
                format!("{prefix}.{}", f.key.name)
            };
            let is_block = matches!(f.value, ast::FieldValue::Block(_));
            let known_here = known.iter().any(|k| {
                if is_block {
                    k.starts_with(&format!("{path}."))
                } else {
                    *k == path
                }
            });
            if !known_here {
                let here: Vec<&str> = known
                    .iter()
                    .filter_map(|k| {
                        let rest = if prefix.is_empty() {
                            Some(*k)
                        } else {
                            k.strip_prefix(&format!("{prefix}."))
                        };
                        rest.map(|r| r.split('.').next().unwrap_or(r))
                    })
                    .collect();
                let help = maestro_hardware_field(&f.key.name)
                    .map(|a| {
                        let a = field_in_source(a);
                        format!("MAESTRO's `{}` is `{a}` in `.df`", f.key.name)
                    })
                    .or_else(|| suggest(&f.key.name, here.iter().copied()));
                let mut unique = here.clone();
                unique.dedup();
                self.error(
                    Diagnostic::at(
                        Code::UnknownField,
                        f.key.span,
                        format!("unknown {item} field `{path}`"),
                        "unknown field",
                    )
                    .with_note(format!("fields here: {}", unique.join(", ")))
                    .with_help_opt(help),
                );
                continue;
            }
            if let Some(first) = seen.get(&path) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        f.key.span,
                        format!("`{path}` is given twice"),
                        "given again here",
                    )
                    .with_label(*first, "first given here"),
                );
                continue;
            }
            seen.insert(path.clone(), f.key.span);
            match &f.value {
                ast::FieldValue::Value(v) => out.push((path, f, v)),
                ast::FieldValue::Block(inner) => {
                    out.extend(self.flatten_fields(inner, &path, known, item))
                }
            }
        }
        out
    }

    /// A plain positive count (no unit).
    fn count(&mut self, v: &ast::Value, field: &str) -> Option<u64> {
        let ast::Value::Quantity(q) = v else {
            return self.expected_number(v, field);
        };
        if let Some(u) = &q.unit {
            self.error(Diagnostic::at(
                Code::WrongUnit,
                u.span,
                format!("`{field}` is a count and takes no unit"),
                "remove this unit",
            ));
            return None;
        }
        let n = self.integer(&q.number)?;
        self.positive(n, q.span, field)
    }

    fn positive(&mut self, n: i64, span: Span, field: &str) -> Option<u64> {
        self.require_positive(Code::InvalidValue, n, span, field)
            .map(|v| v as u64)
    }

    /// `v` if it is at least 1; otherwise a `code` diagnostic naming `what`.
    fn require_positive(&mut self, code: Code, v: i64, span: Span, what: &str) -> Option<i64> {
        if v <= 0 {
            self.error(Diagnostic::at(
                code,
                span,
                format!("`{what}` must be positive, found {v}"),
                "must be at least 1",
            ));
            return None;
        }
        Some(v)
    }

    fn expected_number(&mut self, v: &ast::Value, field: &str) -> Option<u64> {
        if let ast::Value::Name(n) = v {
            self.error(Diagnostic::at(
                Code::TypeMismatch,
                n.span,
                format!("`{field}` must be a number, found the name `{}`", n.name),
                "expected a number",
            ));
        }
        None
    }

    fn unit_of(
        &mut self,
        q: &ast::Quantity,
        dim: Dimension,
        field: &str,
    ) -> Option<units::UnitInfo> {
        let Some(u) = &q.unit else {
            let example = match dim {
                Dimension::Size => format!("`{} elem` or `{} B`", q.number.text, q.number.text),
                Dimension::Bandwidth => format!(
                    "`{} elem/cycle` or `{} B/cycle`",
                    q.number.text, q.number.text
                ),
                Dimension::Time => format!("`{} cycles`", q.number.text),
                Dimension::Energy => format!("`{} pJ`", q.number.text),
                Dimension::Frequency => {
                    format!("`{0} fps` (a frame rate) or `{0} MHz`", q.number.text)
                }
                Dimension::Count | Dimension::Rate => q.number.text.clone(),
            };
            let mut d = Diagnostic::at(
                Code::MissingUnit,
                q.span,
                format!("`{field}` needs a unit"),
                format!("expected {}", dim.describe()),
            );
            if matches!(dim, Dimension::Size | Dimension::Bandwidth) {
                d = d.with_note(
                    "MAESTRO counts buffer sizes in elements; `.df` makes the unit explicit",
                );
            }
            self.error(d.with_help(format!("write {example}")));
            return None;
        };
        let info = units::lookup(&u.name.name, u.per.as_ref().map(|p| p.name.as_str()));
        match info {
            Some(info) if info.dimension == dim => Some(info),
            _ => {
                let names = units::names();
                self.error(
                    Diagnostic::at(
                        Code::WrongUnit,
                        u.span,
                        format!("`{}` is not {}", u.text(), dim.describe()),
                        "wrong unit",
                    )
                    .with_help_opt(
                        suggest(&u.text(), names.iter().map(String::as_str))
                            .or_else(|| Some(format!("`{field}` takes {}", dim.describe()))),
                    ),
                );
                None
            }
        }
    }

    /// An integer quantity converted to its base unit; also says whether it counts elements.
    fn quantity_u64(&mut self, v: &ast::Value, dim: Dimension, field: &str) -> Option<(u64, bool)> {
        let ast::Value::Quantity(q) = v else {
            return self.expected_number(v, field).map(|n| (n, false));
        };
        let info = self.unit_of(q, dim, field)?;
        let n = self.integer(&q.number)?;
        let n = self.positive(n, q.span, field)?;
        let scaled = n as f64 * info.factor;
        if scaled > 1e18 {
            self.error(Diagnostic::at(
                Code::InvalidNumber,
                q.span,
                format!("`{field}` is too large"),
                "too large",
            ));
            return None;
        }
        Some((scaled as u64, info.elements))
    }

    fn quantity_f64(&mut self, v: &ast::Value, dim: Dimension, field: &str) -> Option<f64> {
        let ast::Value::Quantity(q) = v else {
            return self.expected_number(v, field).map(|n| n as f64);
        };
        let info = self.unit_of(q, dim, field)?;
        let Some(x) = q.number.as_f64().filter(|x| x.is_finite() && *x >= 0.0) else {
            self.error(Diagnostic::at(
                Code::InvalidNumber,
                q.number.span,
                format!("`{}` is not a valid value for `{field}`", q.number.text),
                "invalid number",
            ));
            return None;
        };
        Some(x * info.factor)
    }

    fn precision(&mut self, v: &ast::Value) -> Option<Precision> {
        match v {
            ast::Value::Name(n) => self.precision_name(n),
            ast::Value::Quantity(q) => {
                self.error(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        q.span,
                        format!("`precision` must be a format name such as `int8`, found the number `{}`", q.number.text),
                        "expected a format name",
                    )
                    .with_help(format!("write `int{}`", q.number.text)),
                );
                None
            }
        }
    }

    fn precision_name(&mut self, n: &ast::Ident) -> Option<Precision> {
        let p = Precision::parse(&n.name);
        if p.is_none() {
            let names = Precision::ALL.map(|p| p.name);
            self.error(
                Diagnostic::at(
                    Code::InvalidValue,
                    n.span,
                    format!("unknown precision `{}`", n.name),
                    "not a number format",
                )
                .with_note(format!("formats: {}", names.join(", ")))
                .with_help_opt(suggest(&n.name, names)),
            );
        }
        p
    }

    // ---- dataflows ------------------------------------------------------------------------

    fn dataflow(&mut self, d: &ast::Dataflow) -> Dataflow {
        let mut params: Vec<Param> = Vec::new();
        for p in &d.params {
            if let Some(first) = params.iter().find(|q| q.name == p.name.name) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateDefinition,
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.name),
                        "declared again here",
                    )
                    .with_label(first.span, "first declared here"),
                );
                continue;
            }
            if Dim::parse(&p.name.name).is_some() {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateDefinition,
                        p.name.span,
                        format!("parameter `{}` has the name of a dimension", p.name.name),
                        "this name is a loop dimension",
                    )
                    .with_help("use a lower-case name such as `k_tile`"),
                );
                continue;
            }
            let default = match &p.default {
                Some(e) => self
                    .const_eval(e, &format!("the default of `{}`", p.name.name))
                    .and_then(|v| self.positive_i64(v, e.span(), &p.name.name)),
                None => None,
            };
            params.push(Param {
                name: p.name.name.clone(),
                default,
                span: p.name.span,
            });
        }
        let mut directives = Vec::new();
        for dir in &d.directives {
            match dir {
                ast::Directive::Map {
                    kind,
                    size,
                    offset,
                    dim,
                    span,
                } => {
                    let dim_ok = self.dim(dim);
                    let size = self.dataflow_expr(size, &params);
                    let offset = self.dataflow_expr(offset, &params);
                    if let (Some(dim), Some(size), Some(offset)) = (dim_ok, size, offset) {
                        directives.push(Directive::Map {
                            kind: *kind,
                            size,
                            offset,
                            dim,
                            span: *span,
                        });
                    }
                }
                ast::Directive::Cluster { size, kind, span } => {
                    if let Some(k) = kind {
                        if k.name != "P" && k.name != "L" {
                            self.error(
                                Diagnostic::at(
                                    Code::InvalidValue,
                                    k.span,
                                    format!("unknown cluster type `{}`", k.name),
                                    "expected `P` or `L`",
                                )
                                .with_help(
                                    "MAESTRO's cluster types `P` and `L` mean the same; omit it",
                                ),
                            );
                        }
                    }
                    if let Some(size) = self.dataflow_expr(size, &params) {
                        directives.push(Directive::Cluster { size, span: *span });
                    }
                }
            }
        }
        // A dropped directive (already diagnosed) would make its level look empty.
        if directives.len() == d.directives.len() {
            self.diags.extend(check_levels(&d.name, &directives));
        }
        Dataflow {
            name: d.name.name.clone(),
            params,
            directives,
            span: d.span,
        }
    }

    fn positive_i64(&mut self, v: i64, span: Span, what: &str) -> Option<i64> {
        self.require_positive(Code::InvalidTile, v, span, what)
    }

    fn dim(&mut self, name: &ast::Ident) -> Option<Dim> {
        let d = Dim::parse(&name.name);
        if d.is_none() {
            let names = Dim::ALL.map(Dim::name);
            let upper = name.name.to_uppercase();
            let help = if Dim::parse(&upper).is_some() {
                Some(format!("dimensions are upper-case: `{upper}`"))
            } else {
                suggest(&name.name, names)
            };
            self.error(
                Diagnostic::at(
                    Code::UnknownDimension,
                    name.span,
                    format!("`{}` is not a loop dimension", name.name),
                    "unknown dimension",
                )
                .with_note(format!("dimensions: {}", names.join(", ")))
                .with_help_opt(help),
            );
        }
        d
    }

    fn dataflow_expr(&mut self, e: &ast::Expr, params: &[Param]) -> Option<Expr> {
        match e {
            ast::Expr::Number(n) => {
                let v = self.integer(n)?;
                if v <= 0 {
                    self.error(Diagnostic::at(
                        Code::InvalidTile,
                        n.span,
                        format!("a map size or offset must be positive, found {v}"),
                        "must be at least 1",
                    ));
                    return None;
                }
                if v > MAX_LOOP_BOUND {
                    self.error(Diagnostic::at(
                        Code::InvalidValue,
                        n.span,
                        format!("{v} is larger than the largest supported size, {MAX_LOOP_BOUND}"),
                        "too large",
                    ));
                    return None;
                }
                Some(Expr::Const(v))
            }
            ast::Expr::Name(i) => match params.iter().position(|p| p.name == i.name) {
                Some(idx) => Some(Expr::Param(idx)),
                None => {
                    let mut d = Diagnostic::at(
                        Code::UnresolvedName,
                        i.span,
                        format!("no parameter `{}` in this dataflow", i.name),
                        "not a parameter",
                    );
                    d = if Dim::parse(&i.name).is_some() {
                        d.with_help(format!(
                            "the size of a dimension is written `Sz({})`",
                            i.name
                        ))
                    } else {
                        d.with_help_opt(suggest(&i.name, params.iter().map(|p| p.name.as_str())))
                    };
                    self.error(d);
                    None
                }
            },
            ast::Expr::Size { dim, .. } => self.dim(dim).map(Expr::Size),
            ast::Expr::Paren { inner, .. } => self.dataflow_expr(inner, params),
            ast::Expr::Binary { op, lhs, rhs, .. } => {
                let a = self.dataflow_expr(lhs, params);
                let b = self.dataflow_expr(rhs, params);
                Some(Expr::Binary(*op, Box::new(a?), Box::new(b?)))
            }
        }
    }

    // ---- mappings -------------------------------------------------------------------------

    fn resolve(&mut self, scope: &Scope, name: &ast::Ident, want: &'static str) -> Option<ItemRef> {
        match scope.items.get(&name.name) {
            Some(&(r, _)) if r.kind() == want => Some(r),
            Some(&(r, def)) => {
                self.error(
                    Diagnostic::at(
                        Code::WrongItemKind,
                        name.span,
                        format!("`{}` is a {}, not a {want}", name.name, r.kind()),
                        format!("expected a {want}"),
                    )
                    .with_label(def, format!("`{}` is defined here", name.name)),
                );
                None
            }
            None => {
                let same_kind = scope
                    .items
                    .iter()
                    .filter(|(_, (r, _))| r.kind() == want)
                    .map(|(n, _)| n.as_str());
                let help = suggest(&name.name, same_kind).or_else(|| {
                    (want == "dataflow" || want == "hardware" || want == "network").then(|| {
                        let dir = match want {
                            "dataflow" => "dataflows",
                            "hardware" => "hardware",
                            _ => "networks",
                        };
                        format!("import it, e.g. `use std::{dir}::{};`", name.name)
                    })
                });
                self.error(
                    Diagnostic::at(
                        Code::UnresolvedName,
                        name.span,
                        format!("no {want} named `{}` is in scope", name.name),
                        "not found",
                    )
                    .with_help_opt(help),
                );
                None
            }
        }
    }

    fn accelerator(&mut self, a: &ast::Accelerator, scope: &Scope) -> Accelerator {
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
                _ => acc.clock_hz = self.quantity_f64(v, Dimension::Frequency, &path),
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

    fn workload(&mut self, w: &ast::Workload, scope: &Scope) -> Workload {
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

    /// The lowered mapping, and whether its network and hardware resolved.
    fn mapping(&mut self, m: &ast::Mapping, scope: &Scope) -> (Mapping, bool) {
        let mut network: Option<(NetworkId, Span)> = None;
        let mut hardware: Option<(HardwareId, Span)> = None;
        let mut default: Option<&ast::DataflowChoice> = None;
        let mut overrides: Vec<(&ast::Ident, &ast::DataflowChoice, Span)> = Vec::new();
        let mut precisions: Vec<&ast::PrecisionEntry> = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for e in &m.entries {
            let key = match e {
                ast::MappingEntry::Network { .. } => "network".to_string(),
                ast::MappingEntry::Hardware { .. } => "hardware".to_string(),
                ast::MappingEntry::Dataflow { .. } => "dataflow".to_string(),
                ast::MappingEntry::Layer { layer, .. } => layer.name.clone(),
                ast::MappingEntry::Precision { key, .. } => key.name.clone(),
            };
            if let Some(first) = seen.get(&key) {
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
            seen.insert(key, e.span());
            match e {
                ast::MappingEntry::Network { name, span } => {
                    if let Some(ItemRef::Network(id)) = self.resolve(scope, name, "network") {
                        network = Some((id, *span));
                    }
                }
                ast::MappingEntry::Hardware { name, span } => {
                    if let Some(ItemRef::Hardware(id)) = self.resolve(scope, name, "hardware") {
                        hardware = Some((id, *span));
                    }
                }
                ast::MappingEntry::Dataflow { choice, .. } => default = Some(choice),
                ast::MappingEntry::Layer {
                    layer,
                    choice,
                    span,
                } => overrides.push((layer, choice, *span)),
                ast::MappingEntry::Precision { key, entries, .. } => {
                    if key.name == "precision" {
                        precisions.extend(entries);
                    } else {
                        self.error(
                            Diagnostic::at(
                                Code::UnknownField,
                                key.span,
                                format!("mappings have no `{}` block", key.name),
                                "unknown block",
                            )
                            .with_help_opt(suggest(&key.name, ["precision"])),
                        );
                    }
                }
            }
        }
        let mut missing = Vec::new();
        if network.is_none() && !seen.contains_key("network") {
            missing.push("`network: …;`");
        }
        if hardware.is_none() && !seen.contains_key("hardware") {
            missing.push("`hardware: …;`");
        }
        if !missing.is_empty() {
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
        let placeholder = Mapping {
            name: m.name.name.clone(),
            network: NetworkId(0),
            hardware: HardwareId(0),
            layers: Vec::new(),
            span: m.span,
        };
        let (Some((net_id, _)), Some((hw_id, _))) = (network, hardware) else {
            return (placeholder, false);
        };
        let default_choice = default.and_then(|c| self.choice(c, scope));
        let layer_names: Vec<String> = self
            .program
            .network(net_id)
            .layers
            .iter()
            .map(|l| l.name.clone())
            .collect();
        let mut per_layer: Vec<Option<DataflowChoice>> =
            vec![default_choice.clone(); layer_names.len()];
        for (layer, choice, _) in &overrides {
            match layer_names.iter().position(|n| *n == layer.name) {
                Some(i) => {
                    if let Some(c) = self.choice(choice, scope) {
                        per_layer[i] = Some(c);
                    }
                }
                None => self.unknown_layer(layer, net_id),
            }
        }
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
        let unmapped: Vec<&str> = per_layer
            .iter()
            .zip(&layer_names)
            .filter(|(c, _)| c.is_none())
            .map(|(_, n)| n.as_str())
            .collect();
        if default.is_none() && !unmapped.is_empty() {
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
                .with_help(
                    "add a default `dataflow: …;` (or `dataflow: search;`) or a line per layer",
                ),
            );
        }
        let layers: Vec<LayerMapping> = per_layer
            .into_iter()
            .zip(layer_precision)
            .map(|(c, precision)| LayerMapping {
                dataflow: c.unwrap_or(DataflowChoice::Search { span: m.span }),
                precision,
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

    fn unknown_layer(&mut self, layer: &ast::Ident, net: NetworkId) {
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

    fn layer_precision(&mut self, p: &ast::PrecisionEntry) -> Option<LayerPrecision> {
        let mut weights = None;
        let mut activations = None;
        for part in &p.parts {
            let prec = self.precision_name(&part.precision)?;
            match part.operand.as_ref().map(|o| o.name.as_str()) {
                None => {
                    weights = Some(prec);
                    activations = Some(prec);
                }
                Some("w" | "weights") => weights = Some(prec),
                Some("a" | "activations") => activations = Some(prec),
                Some(other) => {
                    let span = part.operand.as_ref().map_or(p.span, |o| o.span);
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

    fn choice(&mut self, c: &ast::DataflowChoice, scope: &Scope) -> Option<DataflowChoice> {
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
    fn check_instances(&mut self, m: &Mapping) {
        let network = self.program.network(m.network).clone();
        let hw = self.program.hardware(m.hardware).clone();
        let mut reported: Vec<(DataflowId, Span)> = Vec::new();
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
                    let clusters: i64 = dirs
                        .iter()
                        .filter_map(|d| match d {
                            ConcreteDirective::Cluster { size } => Some(*size),
                            ConcreteDirective::Map { .. } => None,
                        })
                        .fold(1i64, |a, b| a.saturating_mul(b));
                    if clusters > hw.pes as i64 {
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
    }

    // ---- tests ----------------------------------------------------------------------------

    fn test(&mut self, t: &ast::Test, scope: &Scope) -> Option<Test> {
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

    fn metric(&mut self, name: &ast::Ident) -> Option<Metric> {
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

    fn expectation(&mut self, e: &ast::Expect, network: Option<NetworkId>) -> Option<Expectation> {
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
            Metric::Macs | Metric::UtilizedPes | Metric::Utilization => Dimension::Count,
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
            ast::ExpectOp::Cmp(c) => ExpectOp::Cmp(*c),
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

/// Each cluster level needs one or two spatial maps; at most three `cluster`s.
pub(crate) fn check_levels(name: &ast::Ident, directives: &[Directive]) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let clusters: Vec<Span> = directives
        .iter()
        .filter(|x| matches!(x, Directive::Cluster { .. }))
        .map(Directive::span)
        .collect();
    if clusters.len() > 3 {
        diags.push(
            Diagnostic::at(
                Code::TooManyClusters,
                clusters[3],
                format!(
                    "dataflow `{}` has {} cluster levels; at most 3 are supported",
                    name.name,
                    clusters.len()
                ),
                "one cluster too many",
            )
            .with_note("the NoC model has four levels: three clusters and the PEs"),
        );
    }
    let mut level_start = name.span;
    let mut spatial: Vec<Span> = Vec::new();
    let mut levels: Vec<(Span, Vec<Span>)> = Vec::new();
    for x in directives {
        match x {
            Directive::Map {
                kind: MapKind::Spatial,
                span,
                ..
            } => spatial.push(*span),
            Directive::Map { .. } => {}
            Directive::Cluster { span, .. } => {
                levels.push((level_start, std::mem::take(&mut spatial)));
                level_start = *span;
            }
        }
    }
    levels.push((level_start, spatial));
    for (i, (start, spatial)) in levels.iter().enumerate() {
        if spatial.is_empty() {
            let where_ = if i == 0 {
                "the outermost level".to_string()
            } else {
                format!("cluster level {i}")
            };
            diags.push(
                Diagnostic::at(
                    Code::NoSpatialMap,
                    *start,
                    format!("{where_} of dataflow `{}` has no spatial map", name.name),
                    if i == 0 { "this dataflow" } else { "the level opened here" },
                )
                .with_help("every level maps some dimension across its sub-units with `spatial(size, offset) D;`"),
            );
        }
        if spatial.len() > 2 {
            diags.push(
                Diagnostic::at(
                    Code::TooManySpatialMaps,
                    spatial[2],
                    format!(
                        "a cluster level of `{}` has {} spatial maps; at most 2 are supported",
                        name.name,
                        spatial.len()
                    ),
                    "a third spatial map",
                )
                .with_help("add a `cluster(n);` level between them"),
            );
        }
    }
    diags
}

/// Largest layer argument and dataflow constant: keeps every product of a few loop bounds
/// inside 64 bits.
pub(crate) const MAX_LOOP_BOUND: i64 = 1 << 31;

/// Fields an accelerator may have besides its sub-accelerators.
const ACCELERATOR_FIELDS: &[&str] = &["dram.bandwidth", "global_buffer", "clock"];

/// Fields a hardware description may have, as dotted paths.
const HARDWARE_FIELDS: &[&str] = &[
    "pes",
    "macs_per_pe",
    "l1",
    "l2",
    "noc.bandwidth",
    "noc.latency",
    "dram.bandwidth",
    "precision",
    "energy.mac",
    "energy.l1",
    "energy.l2",
    "energy.dram",
    "systolic.rows",
    "systolic.cols",
    "systolic.dataflow",
    "systolic.ifmap_sram",
    "systolic.filter_sram",
    "systolic.ofmap_sram",
    "systolic.bandwidth",
    "systolic.dram.ifmap",
    "systolic.dram.filter",
    "systolic.dram.ofmap",
    "systolic.offsets.ifmap",
    "systolic.offsets.filter",
    "systolic.offsets.ofmap",
    "systolic.word",
];

fn v_span(v: &ast::Value) -> Span {
    match v {
        ast::Value::Quantity(q) => q.span,
        ast::Value::Name(n) => n.span,
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
    match op {
        LayerOp::Conv => (SPATIAL, &["K", "C", "R", "S", "Y", "X"]),
        LayerOp::TConv => (&SPATIAL[..16], &["K", "C", "R", "S", "Y", "X"]),
        LayerOp::DwConv => (DEPTHWISE, &["C", "R", "S", "Y", "X"]),
        LayerOp::PwConv => (POINTWISE, &["K", "C", "Y", "X"]),
        LayerOp::Gemm => (&["M", "N", "K"], &["M", "N", "K"]),
        LayerOp::Fc => (&["K", "C", "N"], &["K", "C"]),
        LayerOp::Matmul => (&["B", "M", "N", "K"], &["B", "M", "N", "K"]),
    }
}

fn apply(op: BinOp, a: i64, b: i64) -> Result<i64, String> {
    let r = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div => {
            if b == 0 {
                return Err("division by zero".to_string());
            }
            a.checked_div(b)
        }
    };
    r.ok_or_else(|| "arithmetic overflow".to_string())
}

/// Why a dataflow could not be instantiated for a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstantiateError {
    pub code: Code,
    pub span: Span,
    pub message: String,
}

/// Evaluate a dataflow's directives for one layer, with `args` one value per parameter.
pub fn instantiate(
    df: &Dataflow,
    args: &[i64],
    layer: &Layer,
) -> Result<Vec<ConcreteDirective>, InstantiateError> {
    let eval_at = |e: &Expr, span: Span| -> Result<i64, InstantiateError> {
        let v = eval(e, args, layer).map_err(|message| InstantiateError {
            code: Code::ArithmeticError,
            span,
            message: format!(
                "{message} in dataflow `{}` for layer `{}`",
                df.name, layer.name
            ),
        })?;
        if v <= 0 {
            return Err(InstantiateError {
                code: Code::InvalidTile,
                span,
                message: format!(
                    "this size evaluates to {v} for layer `{}`; sizes must be positive",
                    layer.name
                ),
            });
        }
        Ok(v)
    };
    df.directives
        .iter()
        .map(|d| match d {
            Directive::Map {
                kind,
                size,
                offset,
                dim,
                span,
            } => Ok(ConcreteDirective::Map {
                kind: *kind,
                size: eval_at(size, *span)?,
                offset: eval_at(offset, *span)?,
                dim: *dim,
            }),
            Directive::Cluster { size, span } => Ok(ConcreteDirective::Cluster {
                size: eval_at(size, *span)?,
            }),
        })
        .collect()
}

fn eval(e: &Expr, args: &[i64], layer: &Layer) -> Result<i64, String> {
    match e {
        Expr::Const(v) => Ok(*v),
        Expr::Param(i) => args
            .get(*i)
            .copied()
            .ok_or_else(|| "missing argument".to_string()),
        Expr::Size(d) => {
            i64::try_from(layer.loop_bound(*d)).map_err(|_| "size too large".to_string())
        }
        Expr::Binary(op, a, b) => apply(*op, eval(a, args, layer)?, eval(b, args, layer)?),
    }
}

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

/// Canonical shape of a layer from its (already range-checked) arguments.
pub(crate) fn build_shape(op: LayerOp, args: &HashMap<&str, u64>) -> Result<Shape, ShapeError> {
    let get = |k: &str, default: u64| args.get(k).copied().unwrap_or(default);
    let pair = |k: &str, ky: &str, kx: &str, default: u64| {
        let both = get(k, default);
        (get(ky, both), get(kx, both))
    };
    let (stride_y, stride_x) = pair("stride", "stride_y", "stride_x", 1);
    let (pad_y, pad_x) = pair("pad", "pad_y", "pad_x", 0);
    let (dilation_y, dilation_x) = pair("dilation", "dilation_y", "dilation_x", 1);
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
        pad_y,
        pad_x,
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
    // An output-centric size: the input that gives exactly `Y'` outputs.
    for (key, input, pad, stride, extent) in [
        ("Y'", &mut shape.y, pad_y, stride_y, extent_y),
        ("X'", &mut shape.x, pad_x, stride_x, extent_x),
    ] {
        if let Some(&out) = args.get(key) {
            let padded = (out - 1).saturating_mul(stride).saturating_add(extent);
            *input = padded
                .checked_sub(2 * pad)
                .filter(|v| *v > 0)
                .ok_or_else(|| {
                    ShapeError::NoOutput(format!(
                        "its padding is larger than the input `{key}` = {out} needs"
                    ))
                })?;
        }
    }
    let out = |input: u64, pad: u64, stride: u64, extent: u64| -> Option<u64> {
        if op == LayerOp::TConv {
            // A padding of the whole filter extent would leave no zero-inserted input.
            (pad < extent)
                .then(|| ((input - 1) * stride + extent).checked_sub(2 * pad))
                .flatten()
        } else {
            let padded = input.saturating_add(pad.saturating_mul(2));
            (padded >= extent).then(|| (padded - extent) / stride + 1)
        }
    };
    match (
        out(shape.y, pad_y, stride_y, extent_y),
        out(shape.x, pad_x, stride_x, extent_x),
    ) {
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
            shape.y.saturating_add(2 * pad_y),
            shape.x.saturating_add(2 * pad_x)
        ))),
    }
}

//! Lowering: AST files to one [`Program`]. Resolves names through each file's scope (its own
//! items and what it imports), checks units, shapes and dataflow structure, derives output
//! sizes, and binds mappings to layers. Every problem becomes a diagnostic and lowering goes
//! on, so one run reports all of them; a [`Program`] is returned only when there are none.
//!
//! This file is the driver: it loads the files, declares every item in its file's scope, and
//! lowers the items in dependency order (networks, hardware and dataflows first; mappings,
//! which refer to them, next; then accelerators, workloads and tests). Each item kind has its
//! own file, each adding methods to the one lowering state, `Lowering`.

mod accelerator;
mod dataflow;
mod hardware;
mod mapping;
mod network;
mod numbers;
mod sparsity;
mod sweep;
mod systolic;
mod systolic_settings;
mod test;
#[cfg(test)]
mod tests;

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
    let mut lowering = Lowering {
        program: Program::default(),
        diags: loaded.diagnostics,
        mapping_complete: Vec::new(),
        rejected_hardware: Vec::new(),
    };
    let scopes = lowering.declare(&loaded.modules);
    for (m, module) in loaded.modules.iter().enumerate() {
        for item in &module.ast.items {
            if let ast::Item::Mapping(mapping) = item {
                let (lowered, complete) = lowering.mapping(mapping, &scopes[m]);
                lowering.program.mappings.push(lowered);
                lowering.mapping_complete.push(complete);
            }
        }
    }
    for (m, module) in loaded.modules.iter().enumerate() {
        for item in &module.ast.items {
            match item {
                ast::Item::Accelerator(a) => {
                    let lowered = lowering.accelerator(a, &scopes[m]);
                    lowering.program.accelerators.push(lowered);
                }
                ast::Item::Workload(w) => {
                    let lowered = lowering.workload(w, &scopes[m]);
                    lowering.program.workloads.push(lowered);
                }
                _ => {}
            }
        }
    }
    lowering.check_frame_rates_have_a_clock();
    for (m, module) in loaded.modules.iter().enumerate() {
        for item in &module.ast.items {
            if let ast::Item::Sweep(s) = item {
                if let Some(lowered) = lowering.sweep(s, &scopes[m]) {
                    lowering.program.sweeps.push(lowered);
                }
            }
        }
    }
    for (m, module) in loaded.modules.iter().enumerate() {
        for item in &module.ast.items {
            if let ast::Item::Test(test) = item {
                if let Some(t) = lowering.test(test, &scopes[m]) {
                    lowering.program.tests.push(t);
                }
            }
        }
    }
    let mut diags = lowering.diags;
    crate::diagnostics::sort(&mut diags);
    let program = (!crate::diagnostics::has_errors(&diags)).then_some(lowering.program);
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
    Sweep,
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
            ItemRef::Sweep => "sweep",
        }
    }
}

/// The names visible in one file, with where each was defined.
#[derive(Default)]
struct Scope {
    items: HashMap<String, (ItemRef, Span)>,
}

/// The state of one lowering run: the program built so far and every problem found.
struct Lowering {
    program: Program,
    diags: Vec<Diagnostic>,
    /// Per mapping: whether its network and hardware resolved (tests may look into it).
    mapping_complete: Vec<bool>,
    /// Hardware with a rejected value: its stand-in values (1 PE) must not cause more errors.
    rejected_hardware: Vec<HardwareId>,
}

impl Lowering {
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
                        let before = self.diags.len();
                        let hw = self.hardware(h);
                        self.program.hardware.push(hw);
                        let id = HardwareId(self.program.hardware.len() as u32 - 1);
                        if crate::diagnostics::has_errors(&self.diags[before..]) {
                            self.rejected_hardware.push(id);
                        }
                        ItemRef::Hardware(id)
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
                    ast::Item::Sweep(_) => ItemRef::Sweep,
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
}

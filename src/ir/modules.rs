//! Module loading: from the root file, follow `use` declarations to the standard library
//! (embedded in the binary) and to the user's own files (read through a [`Loader`] the CLI
//! supplies, so this stage does no I/O). Each file is parsed once; cycles are diagnosed.

use std::collections::HashMap;

use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::source::{FileId, SourceMap, Span};
use crate::syntax::{self, ast};

include!(concat!(env!("OUT_DIR"), "/stdlib_files.rs"));

/// A request for a user file: `path` as written in a `use`, relative to the file `from`.
pub struct ModuleRequest<'a> {
    pub from: &'a str,
    pub path: &'a str,
}

/// Reads the user's imported files. Returns the file's display name (used to identify it, so
/// two spellings of one path should give one name) and its text, or an error message.
pub trait Loader {
    fn load(&self, request: &ModuleRequest<'_>) -> Result<(String, String), String>;
}

/// A loader for programs that may not import files (stdin snippets, tests).
pub struct NoFiles;

impl Loader for NoFiles {
    fn load(&self, request: &ModuleRequest<'_>) -> Result<(String, String), String> {
        Err(format!("cannot import `{}` here", request.path))
    }
}

/// A parsed file and the names it imports.
pub(crate) struct Module {
    pub ast: ast::File,
    pub imports: Vec<Import>,
}

/// `use ...::name;` resolved to the module that should define `name`.
pub(crate) struct Import {
    pub name: ast::Ident,
    pub module: usize,
}

pub(crate) struct Loaded {
    /// Index 0 is the root.
    pub modules: Vec<Module>,
    pub diagnostics: Vec<Diagnostic>,
}

pub(crate) fn load(root: FileId, sources: &mut SourceMap, loader: &dyn Loader) -> Loaded {
    let mut state = State {
        modules: Vec::new(),
        by_name: HashMap::new(),
        names: Vec::new(),
        stack: Vec::new(),
        diagnostics: Vec::new(),
    };
    state.visit(root, sources, loader);
    Loaded {
        modules: state
            .modules
            .into_iter()
            .map(|m| m.expect("every visited module is filled"))
            .collect(),
        diagnostics: state.diagnostics,
    }
}

struct State {
    modules: Vec<Option<Module>>,
    by_name: HashMap<String, usize>,
    /// File name of each module, by index.
    names: Vec<String>,
    /// Files being loaded (for cycle detection).
    stack: Vec<usize>,
    diagnostics: Vec<Diagnostic>,
}

impl State {
    fn visit(&mut self, file: FileId, sources: &mut SourceMap, loader: &dyn Loader) -> usize {
        let index = self.modules.len();
        self.modules.push(None);
        self.by_name.insert(sources.file(file).name.clone(), index);
        self.names.push(sources.file(file).name.clone());
        self.stack.push(index);
        let parsed = syntax::parse(file, &sources.file(file).text);
        self.diagnostics.extend(parsed.diagnostics);
        let mut imports = Vec::new();
        for item in &parsed.file.items {
            let ast::Item::Use(u) = item else { continue };
            match &u.source {
                ast::UseSource::Std(path) => {
                    for name in &u.names {
                        if let Some(m) = self.std_module(path, name, u.span, sources, loader) {
                            imports.push(Import {
                                name: name.clone(),
                                module: m,
                            });
                        }
                    }
                }
                ast::UseSource::File { path, span } => {
                    let from = sources.file(file).name.clone();
                    let request = ModuleRequest { from: &from, path };
                    match loader.load(&request) {
                        Ok((name, text)) => {
                            if let Some(m) = self.enter(name, text, *span, sources, loader) {
                                imports.extend(u.names.iter().map(|n| Import {
                                    name: n.clone(),
                                    module: m,
                                }));
                            }
                        }
                        Err(message) => self.diagnostics.push(
                            Diagnostic::at(
                                Code::UnresolvedImport,
                                *span,
                                format!("cannot import `{path}`"),
                                message,
                            )
                            .with_help("file paths are relative to the importing file"),
                        ),
                    }
                }
            }
        }
        self.stack.pop();
        self.modules[index] = Some(Module {
            ast: parsed.file,
            imports,
        });
        index
    }

    /// Load (or reuse) a file by name; `None` on a cycle.
    fn enter(
        &mut self,
        name: String,
        text: String,
        span: Span,
        sources: &mut SourceMap,
        loader: &dyn Loader,
    ) -> Option<usize> {
        if let Some(&m) = self.by_name.get(&name) {
            if let Some(at) = self.stack.iter().position(|&s| s == m) {
                let mut chain: Vec<&str> = self.stack[at..]
                    .iter()
                    .map(|&i| self.names[i].as_str())
                    .collect();
                chain.push(&name);
                self.diagnostics.push(
                    Diagnostic::at(
                        Code::ImportCycle,
                        span,
                        format!("import cycle: {}", chain.join(" → ")),
                        "this import closes the cycle",
                    )
                    .with_help("move the shared items into a file that neither imports"),
                );
                return None;
            }
            return Some(m);
        }
        let file = sources.add(name, text);
        Some(self.visit(file, sources, loader))
    }

    /// `std::a::b::name`: the item `name` of `stdlib/a/b/name.df`, or of `stdlib/a/b.df`.
    fn std_module(
        &mut self,
        path: &[ast::Ident],
        name: &ast::Ident,
        use_span: Span,
        sources: &mut SourceMap,
        loader: &dyn Loader,
    ) -> Option<usize> {
        let dir: Vec<&str> = path.iter().map(|p| p.name.as_str()).collect();
        let dir = dir.join("/");
        let candidates = [format!("{dir}/{}.df", name.name), format!("{dir}.df")];
        for rel in &candidates {
            if let Some((_, text)) = STDLIB_FILES.iter().find(|(p, _)| p == rel) {
                return self.enter(
                    format!("std/{rel}"),
                    (*text).to_string(),
                    use_span,
                    sources,
                    loader,
                );
            }
        }
        let in_dir: Vec<&str> = STDLIB_FILES
            .iter()
            .filter_map(|(p, _)| p.strip_prefix(&format!("{dir}/")))
            .filter_map(|p| p.strip_suffix(".df"))
            .collect();
        let module = format!("std::{}", dir.replace('/', "::"));
        let d = if in_dir.is_empty() {
            let dirs: Vec<&str> = STDLIB_FILES
                .iter()
                .filter_map(|(p, _)| p.split('/').next())
                .collect();
            Diagnostic::at(
                Code::UnresolvedImport,
                path.first()
                    .map_or(name.span, |p| p.span.to(path[path.len() - 1].span)),
                format!("no module `{module}` in the standard library"),
                "not a standard library module",
            )
            .with_help_opt(
                suggest(&dir, dirs.iter().copied())
                    .or_else(|| Some(format!("standard modules: {}", dedup_join(&dirs)))),
            )
        } else {
            Diagnostic::at(
                Code::UnresolvedImport,
                name.span,
                format!("`{module}` has no `{}`", name.name),
                "not found in this module",
            )
            .with_help_opt(
                suggest(&name.name, in_dir.iter().copied())
                    .or_else(|| Some(format!("`{module}` has: {}", in_dir.join(", ")))),
            )
        };
        self.diagnostics.push(d);
        None
    }
}

fn dedup_join(items: &[&str]) -> String {
    let mut v: Vec<&str> = items.to_vec();
    v.sort_unstable();
    v.dedup();
    v.join(", ")
}

/// Every standard-library file as `(path under stdlib/, text)`.
pub fn stdlib_files() -> &'static [(&'static str, &'static str)] {
    STDLIB_FILES
}

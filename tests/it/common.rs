//! Helpers shared by the test modules.

use std::path::{Path, PathBuf};

use dfc::diagnostics::{render, Diagnostic};
use dfc::ir::Program;
use dfc::source::SourceMap;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Path relative to the repository root, with `/` separators (stable in snapshots).
pub fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Every file with extension `ext` under `dir` (relative to the root), sorted.
pub fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|x| x.to_str()) == Some(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Compile a file from disk as `dfc check` does, naming it by its relative path.
pub fn compile(path: &Path) -> (SourceMap, Option<Program>, Vec<Diagnostic>) {
    let text = std::fs::read_to_string(path).expect("test input is readable");
    let mut sources = SourceMap::new();
    let root_file = sources.add(relative(path), text);
    // Relative imports resolve against the name, so run from the repository root.
    let (program, diags) = dfc::ir::lower::lower_program(root_file, &mut sources, &InRoot);
    (sources, program, diags)
}

/// Loads imported files relative to the repository root (where the names are relative to).
struct InRoot;

impl dfc::ir::Loader for InRoot {
    fn load(&self, request: &dfc::ir::ModuleRequest<'_>) -> Result<(String, String), String> {
        let from = root().join(request.from);
        let path = from.parent().unwrap_or(&from).join(request.path);
        let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
        let canonical = path.canonicalize().map_err(|e| e.to_string())?;
        Ok((relative(&canonical), text))
    }
}

/// All three renderings, as the ui snapshots show them.
pub fn render_all(diags: &[Diagnostic], sources: &SourceMap) -> String {
    format!(
        "--- human ---\n{}\n--- short ---\n{}\n--- json ---\n{}\n",
        render::human(diags, sources, false),
        render::short(diags, sources),
        render::json(diags, sources)
    )
}

/// The program's AST debug dump with every span removed, to compare trees by content.
pub fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after.find('}').map_or(after.len(), |e| e + 1);
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Runs the `dfc` binary from the repository root with `args` (colour off) and collects its
/// output: the one way the command-line tests start it when they feed no stdin.
pub fn dfc(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(["--color", "never"])
        .args(args)
        .current_dir(root())
        .output()
        .expect("dfc runs")
}

/// Like [`dfc`], with `RAYON_NUM_THREADS` set to `threads` and stdin closed: for tests that
/// compare outputs across thread counts.
pub fn dfc_threads(args: &[&str], threads: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_dfc"))
        .args(["--color", "never"])
        .args(args)
        .current_dir(root())
        .env("RAYON_NUM_THREADS", threads)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("dfc runs")
}

/// Standard output or error as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An empty directory of its own for test `name` of module `module` (this process only).
pub fn scratch(module: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dfc-{module}-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

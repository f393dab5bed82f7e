//! Build script: generates the parser from `grammar/dfc.lalrpop`, the table of diagnostic
//! explanations from `src/diagnostics/explain/*.md`, and the embedded standard library from
//! `stdlib/**/*.df`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=grammar/dfc.lalrpop");
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .set_out_dir(&out_dir)
        .emit_rerun_directives(true)
        .process()
        .expect("grammar/dfc.lalrpop must generate");

    println!("cargo:rerun-if-changed=src/diagnostics/explain");
    let mut table = String::from("const EXPLANATIONS: &[(&str, &str)] = &[\n");
    for path in files_with_extension(Path::new("src/diagnostics/explain"), "md") {
        let code = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let abs = std::fs::canonicalize(&path).expect("explanation path resolves");
        writeln!(
            table,
            "    ({code:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .ok();
    }
    table.push_str("];\n");
    std::fs::write(out_dir.join("explanations.rs"), table).expect("write explanations.rs");

    println!("cargo:rerun-if-changed=stdlib");
    let mut stdlib = String::from("/// `(path under stdlib/, text)` of every standard library file.\npub const STDLIB_FILES: &[(&str, &str)] = &[\n");
    for path in files_with_extension(Path::new("stdlib"), "df") {
        let rel = path.strip_prefix("stdlib").expect("under stdlib");
        let rel = rel.to_string_lossy().replace('\\', "/");
        let abs = std::fs::canonicalize(&path).expect("stdlib path resolves");
        writeln!(
            stdlib,
            "    ({rel:?}, include_str!({:?})),",
            abs.display().to_string()
        )
        .ok();
    }
    stdlib.push_str("];\n");
    std::fs::write(out_dir.join("stdlib_files.rs"), stdlib).expect("write stdlib_files.rs");
}

/// Files under `dir` (recursively) with the given extension, sorted for a stable build.
fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                println!("cargo:rerun-if-changed={}", p.display());
                stack.push(p);
            } else if p.extension().and_then(|x| x.to_str()) == Some(ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

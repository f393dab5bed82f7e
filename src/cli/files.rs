//! File-system access for the CLI: the loader for `use "file.df"` imports and atomic writes.

use std::path::{Component, Path, PathBuf};

use crate::ir::{Loader, ModuleRequest};

/// Resolves imports relative to the importing file's directory.
pub struct FsLoader;

impl Loader for FsLoader {
    fn load(&self, request: &ModuleRequest<'_>) -> Result<(String, String), String> {
        let base = Path::new(request.from)
            .parent()
            .filter(|_| !request.from.starts_with('<'))
            .unwrap_or(Path::new(""));
        let path = normalize(&base.join(request.path));
        let name = path.to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!("no file `{name}`"),
            _ => format!("cannot read `{name}`: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|_| format!("`{name}` is not UTF-8 text"))?;
        Ok((name, text))
    }
}

/// `a/./b/../c` → `a/c`, textually, so one file has one name.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Write `text` to a temporary file beside `path`, then rename it over `path`, so a failed
/// write never leaves a partial file.
pub fn write_atomically(path: &str, text: &str) -> Result<(), String> {
    let target = Path::new(path);
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    let tmp = dir.join(format!(".{file_name}.dfc-tmp-{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write `{}`: {e}", tmp.display()))?;
    std::fs::rename(&tmp, target).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write `{path}`: {e}")
    })
}

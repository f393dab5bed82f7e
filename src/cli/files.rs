//! File-system access for the CLI: bounded reads of regular files (roots and `use`d imports),
//! the refusal to overwrite an input, and staged outputs that appear together or not at all.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::diagnostics::Code;
use crate::ir::{Loader, ModuleRequest};

/// Default for `--max-input-size`: larger inputs are refused before they are read.
pub const DEFAULT_MAX_INPUT_SIZE: u64 = 64 << 20;

/// Why a file could not be used, with the code that says so (`E0901` real I/O failures,
/// `E0903` not a regular file or too large, `E0904` an output that is an input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub code: Code,
    pub message: String,
}

impl From<String> for Fault {
    fn from(message: String) -> Fault {
        Fault {
            code: Code::Io,
            message,
        }
    }
}

/// Read a regular file of at most `max_bytes` bytes as bytes. Devices, FIFOs and directories
/// are refused before anything is read, so `/dev/zero` cannot exhaust memory.
pub fn read_regular(path: &Path, max_bytes: u64) -> Result<Vec<u8>, Fault> {
    let name = path.display();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Fault::from(format!("no file `{name}`")),
        _ => Fault::from(format!("cannot read `{name}`: {e}")),
    })?;
    if !meta.is_file() {
        return Err(Fault {
            code: Code::InputRefused,
            message: format!("`{name}` is not a regular file"),
        });
    }
    let too_large = |size: u64| Fault {
        code: Code::InputRefused,
        message: format!(
            "`{name}` is larger than the input size limit ({size} > {max_bytes} bytes); \
             raise it with `--max-input-size`"
        ),
    };
    if meta.len() > max_bytes {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{name}`: {e}"))?;
    // The file may grow between `metadata` and the read: read one byte past the limit at most.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{name}`: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Resolves imports relative to the importing file's directory, reading only regular files
/// within the input size limit.
pub struct FsLoader {
    pub max_input_size: u64,
}

impl Loader for FsLoader {
    fn load(&self, request: &ModuleRequest<'_>) -> Result<(String, String), String> {
        let base = Path::new(request.from)
            .parent()
            .filter(|_| !request.from.starts_with('<'))
            .unwrap_or(Path::new(""));
        let path = normalize(&base.join(request.path));
        let name = path.to_string_lossy().into_owned();
        let bytes = read_regular(&path, self.max_input_size).map_err(|f| match f.code {
            Code::Io => f.message,
            code => format!("{} ({code})", f.message, code = code.as_str()),
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

/// The path a write to `path` would reach: symlinks resolved, also when the file does not
/// exist yet (then its directory is resolved).
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(dir.canonicalize().ok()?.join(path.file_name()?))
}

/// Refuse (`E0904`) an output that resolves to one of the inputs.
pub fn refuse_clobber(inputs: &[PathBuf], outputs: &[PathBuf]) -> Result<(), Fault> {
    let inputs: Vec<(PathBuf, &PathBuf)> = inputs
        .iter()
        .filter_map(|p| Some((p.canonicalize().ok()?, p)))
        .collect();
    for out in outputs {
        let Some(target) = resolved(out) else {
            continue;
        };
        if let Some((_, input)) = inputs.iter().find(|(i, _)| *i == target) {
            return Err(Fault {
                code: Code::OutputIsInput,
                message: format!(
                    "output `{}` is the input `{}`; choose another output path",
                    out.display(),
                    input.display()
                ),
            });
        }
    }
    Ok(())
}

/// A command's output files, written beside their targets under temporary names and renamed
/// only by [`Staged::commit`]; dropped uncommitted, they are removed.
#[derive(Default)]
pub struct Staged {
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    fn temporary(&mut self, target: &Path) -> PathBuf {
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".to_string());
        let tmp = dir.join(format!(
            ".{file_name}.dfc-tmp-{}-{}",
            std::process::id(),
            self.files.len()
        ));
        self.files.push((tmp.clone(), target.to_path_buf()));
        tmp
    }

    /// Stage `text` for `path`.
    pub fn text(&mut self, path: &Path, text: &str) -> Result<(), Fault> {
        let tmp = self.temporary(path);
        std::fs::write(&tmp, text)
            .map_err(|e| Fault::from(format!("cannot write `{}`: {e}", path.display())))
    }

    /// A file to stream `path`'s contents into (its directory is created).
    pub fn file(&mut self, path: &Path) -> std::io::Result<std::fs::File> {
        if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.temporary(path);
        std::fs::File::create(tmp)
    }

    /// Rename every staged file over its target.
    pub fn commit(mut self) -> Result<(), Fault> {
        let files = std::mem::take(&mut self.files);
        for (i, (tmp, target)) in files.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, target) {
                for (rest, _) in &files[i..] {
                    let _ = std::fs::remove_file(rest);
                }
                return Err(Fault::from(format!(
                    "cannot write `{}`: {e}",
                    target.display()
                )));
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Write `text` to a temporary file beside `path`, then rename it over `path`, so a failed
/// write never leaves a partial file.
pub fn write_atomically(path: &str, text: &str) -> Result<(), String> {
    let mut staged = Staged::default();
    staged.text(Path::new(path), text).map_err(|f| f.message)?;
    staged.commit().map_err(|f| f.message)
}

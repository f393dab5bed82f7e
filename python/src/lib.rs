//! `dfc._dfc`, the compiled half of the Python package `dfc` (`docs/python.md`): a front end
//! beside the command line. It compiles `.df` programs (reading files and imports as `dfc`
//! does), calls the library's orchestration (search-then-evaluate, map, simulate, schedule)
//! with the interpreter released, and hands back plain data: column names, rows of values,
//! and the diagnostics as dictionaries. The Python half (`python/dfc/__init__.py`) wraps them
//! into reports and raises `dfc.DfcError` for errors, so no diagnostic is lost to a crash.

mod commands;
mod convert;
mod sweeps;

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use dfc::cli::{normalize, read_regular, FsLoader, DEFAULT_MAX_INPUT_SIZE};
use dfc::diagnostics::{Code, Diagnostic};
use dfc::ir;
use dfc::source::{FileId, SourceMap};

use convert::{guarded, Outcome};

/// A checked program: what `dfc check` accepts, with the files it read.
#[pyclass(frozen, module = "dfc._dfc")]
pub struct Program {
    program: ir::Program,
    sources: SourceMap,
    /// The file compiled; the mappings it defines are the ones evaluated.
    root: FileId,
}

#[pymethods]
impl Program {
    /// The name of the compiled file (`<string>` or the name given for text).
    #[getter]
    fn file(&self) -> String {
        self.sources.file(self.root).name.clone()
    }

    /// The compiled file's own text (imports are read again from their files), so a program
    /// can be compiled again elsewhere: in a Ray task, say.
    #[getter]
    fn source(&self) -> String {
        self.sources.file(self.root).text.clone()
    }

    /// The mappings the compiled file defines (not those of the files it imports), in order.
    #[getter]
    fn mappings(&self) -> Vec<String> {
        self.program
            .mappings
            .iter()
            .filter(|m| m.span.file == self.root)
            .map(|m| m.name.clone())
            .collect()
    }

    /// The accelerators of the program (its own and imported ones).
    #[getter]
    fn accelerators(&self) -> Vec<String> {
        self.program
            .accelerators
            .iter()
            .map(|a| a.name.clone())
            .collect()
    }

    /// The workloads of the program.
    #[getter]
    fn workloads(&self) -> Vec<String> {
        self.program
            .workloads
            .iter()
            .map(|w| w.name.clone())
            .collect()
    }

    /// The whole program printed as `.df` text (what `dfc map` prints).
    fn to_df(&self) -> String {
        ir::emit::emit(&self.program)
    }

    fn __repr__(&self) -> String {
        format!(
            "<dfc.Program {:?}: mappings {:?}>",
            self.file(),
            self.mappings()
        )
    }
}

/// Read `path` as `dfc` reads its input (a regular file within the size limit; a file that
/// is not UTF-8 is `E0006`), then lower it with its imports.
fn compile_file(path: PathBuf) -> Outcome {
    let mut sources = SourceMap::new();
    let bytes = match read_regular(&path, DEFAULT_MAX_INPUT_SIZE) {
        Ok(bytes) => bytes,
        Err(fault) => {
            return Outcome::new(vec![Diagnostic::new(fault.code, fault.message)], &sources)
        }
    };
    // One file, one name: imports are named by their normalised paths too.
    let name = normalize(&path).to_string_lossy().into_owned();
    match dfc::syntax::decode::add_source(&mut sources, name, bytes) {
        Ok(root) => lower(sources, root),
        Err((_, d)) => Outcome::new(vec![d], &sources),
    }
}

/// Lower the root file, reading the files it imports from the file system.
fn lower(mut sources: SourceMap, root: FileId) -> Outcome {
    let loader = FsLoader {
        max_input_size: DEFAULT_MAX_INPUT_SIZE,
    };
    let (program, diagnostics) = ir::lower::lower_program(root, &mut sources, &loader);
    let mut outcome = Outcome::new(diagnostics, &sources);
    outcome.program = program.map(|program| Program {
        program,
        sources,
        root,
    });
    outcome
}

/// Compile a `.df` file (a `str` or a path-like), following its `use` imports: a dictionary
/// with `program` (absent when there are errors), `diagnostics` and `rendered`.
#[pyfunction]
fn compile(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    py.detach(|| guarded(|| compile_file(path)).unwrap_or_else(internal))
        .into_python(py)
}

/// Compile `.df` source text named `name` (imports are relative to the working directory).
#[pyfunction]
#[pyo3(signature = (source, name = "<string>".to_string()))]
fn compile_text(py: Python<'_>, source: String, name: String) -> PyResult<Bound<'_, PyDict>> {
    py.detach(|| {
        guarded(|| {
            let mut sources = SourceMap::new();
            let root = sources.add(name, source);
            lower(sources, root)
        })
        .unwrap_or_else(internal)
    })
    .into_python(py)
}

/// The outcome of a call that panicked: its `E0902`.
fn internal(d: Diagnostic) -> Outcome {
    Outcome::new(vec![d], &SourceMap::new())
}

/// The code table as `(code, name, summary)` rows, so Python can tell what a code means.
#[pyfunction]
fn codes() -> Vec<(&'static str, &'static str, &'static str)> {
    Code::ALL
        .iter()
        .map(|c| (c.as_str(), c.name(), c.summary()))
        .collect()
}

#[pymodule]
fn _dfc(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Program>()?;
    module.add_function(wrap_pyfunction!(compile, module)?)?;
    module.add_function(wrap_pyfunction!(compile_text, module)?)?;
    module.add_function(wrap_pyfunction!(codes, module)?)?;
    module.add_function(wrap_pyfunction!(commands::evaluate, module)?)?;
    module.add_function(wrap_pyfunction!(commands::map, module)?)?;
    module.add_function(wrap_pyfunction!(commands::simulate, module)?)?;
    module.add_function(wrap_pyfunction!(commands::schedule, module)?)?;
    module.add_function(wrap_pyfunction!(sweeps::sweep, module)?)?;
    module.add_function(wrap_pyfunction!(sweeps::sweep_merge, module)?)?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

//! Between the library's plain data and Python's: diagnostics as dictionaries (code,
//! severity, message, file, line, column), report cells as `int`/`float`/`str`/`None`, the
//! user's choices read with the command line's spellings, and panics caught as `E0902`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use clap::ValueEnum;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use dfc::backends::evaluate::render::Cell;
use dfc::diagnostics::{self, render, Code, Diagnostic, Severity};
use dfc::source::SourceMap;

/// Run `work`, turning a panic (a bug in dfc) into an `E0902 internal-error` diagnostic, so
/// the interpreter never sees a crash.
pub fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, Diagnostic> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Diagnostic::new(
            Code::Internal,
            format!("dfc panicked: {message}; please report this bug"),
        )
    })
}

/// Read a user's choice with the spelling the command line accepts (`"runtime"`,
/// `"maestro"`, …); anything else is a `ValueError` listing the choices.
pub fn choice<T: ValueEnum>(what: &str, text: &str) -> PyResult<T> {
    T::from_str(text, false).map_err(|_| {
        let names: Vec<String> = T::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| format!("{:?}", v.get_name()))
            .collect();
        PyValueError::new_err(format!(
            "{what} must be one of {}, not {text:?}",
            names.join(", ")
        ))
    })
}

/// Rows of a report: column names and one vector of cells per row.
#[derive(Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Everything a call hands back, before it becomes Python objects.
#[derive(Default)]
pub struct Outcome {
    pub table: Option<Table>,
    /// Diagnostics as dictionaries' data, and all of them rendered short (`path:line:col:
    /// error[CODE]: message`), the text of a raised `DfcError`.
    pub diagnostics: Vec<DiagnosticData>,
    pub rendered: String,
    /// Report text a call returns as is (CSV for Python's `csv` module, `.df`, JSON).
    pub texts: Vec<(&'static str, String)>,
    /// A program the call made (`compile`, `map`).
    pub program: Option<crate::Program>,
}

/// One diagnostic, located.
pub struct DiagnosticData {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    message: String,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    help: Option<String>,
}

impl Outcome {
    /// An outcome with `diagnostics` (sorted by position, as the command line prints them).
    pub fn new(mut diags: Vec<Diagnostic>, sources: &SourceMap) -> Outcome {
        diagnostics::sort(&mut diags);
        let diagnostics = diags
            .iter()
            .map(|d| {
                let at = d.primary_span().map(|span| {
                    let file = sources.file(span.file);
                    (file.name.clone(), file.line_col(span.range().start))
                });
                DiagnosticData {
                    code: d.code.as_str(),
                    name: d.code.name(),
                    severity: match d.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    },
                    message: d.message.clone(),
                    file: at.as_ref().map(|(f, _)| f.clone()),
                    line: at.as_ref().map(|(_, lc)| lc.line),
                    column: at.as_ref().map(|(_, lc)| lc.column),
                    help: d.help.clone(),
                }
            })
            .collect();
        Outcome {
            table: None,
            diagnostics,
            rendered: render::short(&diags, sources),
            texts: Vec::new(),
            program: None,
        }
    }

    /// A dictionary: `columns` and `rows` (when there is a table), `diagnostics`,
    /// `rendered`, and each text under its key.
    pub fn into_python(self, py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
        let out = PyDict::new(py);
        if let Some(table) = self.table {
            out.set_item("columns", table.columns)?;
            let rows = PyList::empty(py);
            for row in table.rows {
                let values = PyList::empty(py);
                for cell in row {
                    match cell {
                        Cell::Int(i) => values.append(i)?,
                        Cell::Float(x) => values.append(x)?,
                        Cell::Text(t) => values.append(t)?,
                        Cell::Missing => values.append(py.None())?,
                    }
                }
                rows.append(values)?;
            }
            out.set_item("rows", rows)?;
        }
        let diags = PyList::empty(py);
        for d in self.diagnostics {
            let item = PyDict::new(py);
            item.set_item("code", d.code)?;
            item.set_item("name", d.name)?;
            item.set_item("severity", d.severity)?;
            item.set_item("message", d.message)?;
            item.set_item("file", d.file)?;
            item.set_item("line", d.line)?;
            item.set_item("column", d.column)?;
            item.set_item("help", d.help)?;
            diags.append(item)?;
        }
        out.set_item("diagnostics", diags)?;
        out.set_item("rendered", self.rendered)?;
        for (key, text) in self.texts {
            out.set_item(key, text)?;
        }
        if let Some(program) = self.program {
            out.set_item("program", Py::new(py, program)?)?;
        }
        Ok(out)
    }
}

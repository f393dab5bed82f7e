//! `dfc.sweep`: a program's `sweep` item evaluated as `dfc sweep` does it (all points, or one
//! shard), and shards merged as `dfc sweep merge` merges them. Both hand back the report's
//! JSON text, the form in which shards travel (to Ray tasks and back) and merge byte for byte
//! into the unsharded text; Python reads its columns and rows from it.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use dfc::source::SourceMap;
use dfc::sweep::{self as sweeps, Format, Objective, Shard, SweepOptions};

use crate::convert::{guarded, Outcome};
use crate::Program;

/// Evaluate the program's sweep `name` (the only one its file defines when `None`), or shard
/// `shard = (i, n)` of it: the JSON report (`texts["json"]`).
#[pyfunction]
#[pyo3(signature = (program, name = None, shard = None, per_layer = false, pareto = None))]
pub fn sweep<'py>(
    py: Python<'py>,
    program: &Bound<'py, Program>,
    name: Option<String>,
    shard: Option<(u32, u32)>,
    per_layer: bool,
    pareto: Option<(String, String)>,
) -> PyResult<Bound<'py, PyDict>> {
    let shard = match shard {
        Some((index, count)) => match Shard::parse(&format!("{index}/{count}")) {
            Ok(s) => Some(s),
            Err(d) => return PyResult::Err(PyValueError::new_err(d.message)),
        },
        None => None,
    };
    let pareto = match pareto {
        None => None,
        Some((a, b)) => match (Objective::parse(&a), Objective::parse(&b)) {
            (Some(a), Some(b)) if a != b && !per_layer => Some((a, b)),
            _ => {
                let all: Vec<&str> = Objective::ALL.map(Objective::name).to_vec();
                return Err(PyValueError::new_err(format!(
                    "pareto takes two different objectives among {}, without per_layer",
                    all.join(", ")
                )));
            }
        },
    };
    let options = SweepOptions {
        shard,
        per_layer,
        pareto,
        ..SweepOptions::default()
    };
    let p = program.get();
    py.detach(|| {
        guarded(|| {
            let chosen = match sweeps::find(&p.program, name.as_deref(), Some(p.root)) {
                Ok(s) => s,
                Err(d) => return Outcome::new(vec![d], &p.sources),
            };
            match sweeps::run(&p.program, chosen, &options, &|_, _| {}) {
                Ok(table) => {
                    let mut outcome = Outcome::new(Vec::new(), &p.sources);
                    outcome.texts.push(("json", table.render(Format::Json)));
                    outcome
                }
                Err(diags) => Outcome::new(diags, &p.sources),
            }
        })
        .unwrap_or_else(|d| Outcome::new(vec![d], &p.sources))
    })
    .into_python(py)
}

/// Merge shards' JSON reports (`dfc sweep --shard I/N --format json`) into the unsharded
/// report (`texts["json"]`); E1207–E1210 for parts that are not one run's complete shards.
#[pyfunction]
pub fn sweep_merge(py: Python<'_>, parts: Vec<String>) -> PyResult<Bound<'_, PyDict>> {
    py.detach(|| {
        let mut sources = SourceMap::new();
        let files: Vec<_> = parts
            .iter()
            .enumerate()
            .map(|(i, text)| sources.add(format!("<shard {i}>"), text.clone()))
            .collect();
        guarded(|| {
            let inputs: Vec<_> = files
                .iter()
                .map(|&f| (f, sources.file(f).text.as_str()))
                .collect();
            match sweeps::merge(&inputs) {
                Ok(text) => {
                    let mut outcome = Outcome::new(Vec::new(), &sources);
                    outcome.texts.push(("json", text));
                    outcome
                }
                Err(diags) => Outcome::new(diags, &sources),
            }
        })
        .unwrap_or_else(|d| Outcome::new(vec![d], &sources))
    })
    .into_python(py)
}

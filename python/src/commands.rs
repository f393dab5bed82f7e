//! The package's four calls over a compiled [`Program`]: `evaluate` (search-then-evaluate,
//! as `dfc eval`), `map` (as `dfc map`), `simulate` (as `dfc simulate`) and `schedule` (as
//! `dfc schedule`). Each reads its arguments with the interpreter held, does the work with it
//! released (`Python::detach`), and returns rows whose columns and values are those of the
//! command's CSV report.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use dfc::backends::evaluate::render::{self, Cell};
use dfc::backends::{hda, schedule as hda_inputs, simulate as systolic_jobs, systolic};
use dfc::diagnostics::{Code, Diagnostic};
use dfc::ir::{self, MappingId};
use dfc::search::{self, Objective, SearchOptions, Strategy};
use dfc::source::Span;

use crate::convert::{choice, guarded, Outcome, Table};
use crate::Program;

/// Run `work` on `program` with the interpreter released; a panic becomes `E0902`.
fn detached(
    py: Python<'_>,
    program: &Program,
    work: impl FnOnce(&Program) -> Outcome + Send,
) -> Outcome {
    py.detach(|| {
        guarded(|| work(program)).unwrap_or_else(|d| Outcome::new(vec![d], &program.sources))
    })
}

/// The search options of `dfc eval` and `dfc map` (`--objective`, `--strategy`, `--budget`,
/// `--seed`).
fn search_options(
    objective: &str,
    strategy: &str,
    budget: Option<usize>,
    seed: u64,
) -> PyResult<SearchOptions> {
    let defaults = SearchOptions::default();
    Ok(SearchOptions {
        objective: choice::<Objective>("objective", objective)?,
        strategy: choice::<Strategy>("strategy", strategy)?,
        budget: budget.unwrap_or(defaults.budget),
        seed,
        ..defaults
    })
}

/// The mappings the compiled file defines, or only the one named; `E1301` when the name is
/// not among them, `E0311` when the file defines none (as `dfc eval` says).
fn selected(
    program: &Program,
    name: Option<&str>,
    verb: &str,
) -> Result<Vec<MappingId>, Diagnostic> {
    let own = program.mappings();
    let ids: Vec<MappingId> = program
        .program
        .mappings
        .iter()
        .enumerate()
        .filter(|(_, m)| m.span.file == program.root)
        .filter(|(_, m)| name.is_none_or(|n| n == m.name))
        .map(|(i, _)| MappingId(i as u32))
        .collect();
    if !ids.is_empty() {
        return Ok(ids);
    }
    let file = program.file();
    Err(match name {
        Some(n) => Diagnostic::new(
            Code::UnknownItem,
            format!("`{file}` defines no mapping `{n}`; its mappings: {own:?}"),
        ),
        None => Diagnostic::at(
            Code::NothingToDo,
            Span::new(program.root, 0..0),
            format!("`{file}` defines no mapping to {verb}"),
            "in this file",
        ),
    })
}

/// Search the `search` layers of the file's mappings (or of `mapping`), then evaluate them:
/// one row per layer with the columns of `dfc eval --format csv`.
#[pyfunction]
#[pyo3(signature = (program, mapping = None, model = "default", objective = "runtime",
    strategy = "decoupled", budget = None, seed = 0))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one per `dfc eval` flag.
pub fn evaluate<'py>(
    py: Python<'py>,
    program: &Bound<'py, Program>,
    mapping: Option<String>,
    model: &str,
    objective: &str,
    strategy: &str,
    budget: Option<usize>,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let model = choice::<ir::CostModel>("model", model)?;
    let options = search_options(objective, strategy, budget, seed)?;
    detached(py, program.get(), |p| {
        let ids = match selected(p, mapping.as_deref(), "evaluate") {
            Ok(ids) => ids,
            Err(d) => return Outcome::new(vec![d], &p.sources),
        };
        let mut program = p.program.clone();
        let (mut reports, mut diags) = (Vec::new(), Vec::new());
        for id in ids {
            // The next mapping sees the dataflows this one's search added, as in `dfc eval`.
            let (searched, report, found) =
                search::search_then_evaluate(program, id, &options, model, &|_| {});
            program = searched;
            reports.push(report);
            diags.extend(found);
        }
        let mut outcome = Outcome::new(diags, &p.sources);
        outcome.table = Some(Table {
            columns: render::csv_columns(&reports)
                .into_iter()
                .map(String::from)
                .collect(),
            rows: render::csv_cells(&reports),
        });
        outcome
    })
    .into_python(py)
}

/// Search every layer's dataflow (only the `search` layers with `only_search`), as `dfc map`:
/// one row per layer with its chosen dataflow, and the mapped program (`program`, and its
/// `.df` text as `text`).
#[pyfunction]
#[pyo3(signature = (program, mapping = None, objective = "runtime", model = "default",
    strategy = "decoupled", budget = None, seed = 0, only_search = false))]
#[allow(clippy::too_many_arguments)] // Python's keyword arguments, one per `dfc map` flag.
pub fn map<'py>(
    py: Python<'py>,
    program: &Bound<'py, Program>,
    mapping: Option<String>,
    objective: &str,
    model: &str,
    strategy: &str,
    budget: Option<usize>,
    seed: u64,
    only_search: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let options = SearchOptions {
        score_model: choice::<ir::CostModel>("model", model)?,
        ..search_options(objective, strategy, budget, seed)?
    };
    detached(py, program.get(), |p| {
        let ids = match selected(p, mapping.as_deref(), "search") {
            Ok(ids) => ids,
            Err(d) => return Outcome::new(vec![d], &p.sources),
        };
        let mut program = p.program.clone();
        let (mut rows, mut failures) = (Vec::new(), Vec::new());
        for id in ids {
            let mapped = search::map_mapping(&program, id, &options, only_search);
            failures.extend(search::search_failures(
                &program,
                id,
                &mapped.layers,
                options.budget,
            ));
            let name = &program.mapping(id).name;
            rows.extend(
                mapped
                    .layers
                    .iter()
                    .map(|l| mapped_row(name, options.objective.name(), l)),
            );
            program = mapped.program;
        }
        let mut outcome = Outcome::new(failures, &p.sources);
        outcome.table = Some(Table {
            columns: MAP_COLUMNS.iter().map(|c| c.to_string()).collect(),
            rows,
        });
        outcome.texts.push(("text", ir::emit::emit(&program)));
        outcome.program = Some(Program {
            program,
            sources: p.sources.clone(),
            root: p.root,
        });
        outcome
    })
    .into_python(py)
}

/// The columns of `map`'s rows: what `dfc map` prints per layer.
const MAP_COLUMNS: [&str; 9] = [
    "mapping",
    "layer",
    "dataflow",
    "same_as",
    "objective",
    "objective_value",
    "best_stdlib",
    "best_stdlib_value",
    "status",
];

/// One layer of a search: `ok` when searched, `kept` when its dataflow was kept
/// (`only_search`), `error: …` when nothing fits.
fn mapped_row(mapping: &str, objective: &str, l: &search::MappedLayer) -> Vec<Cell> {
    let text = |t: Option<&String>| t.map_or(Cell::Missing, |t| Cell::Text(t.clone()));
    let float = |x: Option<f64>| x.map_or(Cell::Missing, Cell::Float);
    let best = l.choice.as_ref().and_then(|c| c.best_stdlib.as_ref());
    let status = match (&l.error, l.searched) {
        (Some(e), _) => format!("error: {e}"),
        (None, true) => "ok".to_string(),
        (None, false) => "kept".to_string(),
    };
    vec![
        Cell::Text(mapping.to_string()),
        Cell::Text(l.layer.clone()),
        text(l.dataflow.as_ref()),
        text(l.same_as.as_ref()),
        Cell::Text(objective.to_string()),
        float(l.choice.as_ref().map(|c| c.objective_value)),
        text(best.map(|b| &b.dataflow)),
        float(best.map(|b| b.objective_value)),
        Cell::Text(status),
    ]
}

/// Simulate the file's mappings on their systolic arrays, as `dfc simulate`: one row per
/// simulated layer with `mapping` and the columns of SCALE-Sim's `COMPUTE_REPORT.csv`.
#[pyfunction]
#[pyo3(signature = (program, model = "default"))]
pub fn simulate<'py>(
    py: Python<'py>,
    program: &Bound<'py, Program>,
    model: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let model = choice::<systolic::Model>("model", model)?;
    detached(py, program.get(), |p| {
        let mut diags = systolic_jobs::dataflow_warnings(&p.program, p.root);
        let jobs = match systolic_jobs::mapping_jobs(&p.program, p.root) {
            Ok(jobs) if jobs.is_empty() => Err(vec![Diagnostic::at(
                Code::NothingToDo,
                Span::new(p.root, 0..0),
                format!("`{}` defines no mapping to simulate", p.file()),
                "in this file",
            )]),
            Ok(jobs) => Ok(jobs),
            Err(errors) => Err(errors),
        }
        .and_then(|jobs| systolic_jobs::simulate_jobs(&jobs, model).map_err(|d| vec![d]));
        let runs = match jobs {
            Ok(runs) => runs,
            Err(errors) => {
                diags.extend(errors);
                return Outcome::new(diags, &p.sources);
            }
        };
        let mut columns = vec!["mapping".to_string()];
        columns.extend(
            systolic::COMPUTE_REPORT_HEADER
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(String::from),
        );
        // `LayerID` counts over all runs, as in the command's report.
        let rows = runs
            .iter()
            .flat_map(|(name, reports)| reports.iter().map(move |r| (name, r)))
            .enumerate()
            .map(|(id, (name, r))| {
                vec![
                    Cell::Text(name.clone()),
                    Cell::Int(id as i64),
                    Cell::Int(r.total_cycles_incl_prefetch),
                    Cell::Int(r.total_cycles as i64),
                    Cell::Int(r.stall_cycles as i64),
                    Cell::Float(r.overall_util_pct),
                    Cell::Float(r.mapping_efficiency_pct),
                    Cell::Float(r.compute_util_pct),
                ]
            })
            .collect();
        let mut outcome = Outcome::new(diags, &p.sources);
        outcome.table = Some(Table { columns, rows });
        outcome
    })
    .into_python(py)
}

/// Schedule a workload on a heterogeneous accelerator, as `dfc schedule`: one row per
/// scheduled layer (the columns of `dfc schedule --format csv`), and the whole report as
/// JSON (`summary`: the comparison with monolithic designs, EDP gains, partitions).
#[pyfunction]
#[pyo3(signature = (program, accelerator = None, workload = None, objective = "edp",
    partition = "fixed"))]
pub fn schedule<'py>(
    py: Python<'py>,
    program: &Bound<'py, Program>,
    accelerator: Option<String>,
    workload: Option<String>,
    objective: &str,
    partition: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let objective = choice::<hda::Objective>("objective", objective)?;
    let sweep_partitions = match partition {
        "fixed" => false,
        "grid" => true,
        other => {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "partition must be one of \"fixed\", \"grid\", not {other:?}"
            )))
        }
    };
    detached(py, program.get(), |p| {
        let acc = pick(p, p.accelerators(), accelerator.as_deref(), "accelerator");
        let wl = pick(p, p.workloads(), workload.as_deref(), "workload");
        let (acc, wl) = match (acc, wl) {
            (Ok(a), Ok(w)) => (ir::AcceleratorId(a as u32), ir::WorkloadId(w as u32)),
            (a, w) => {
                let errors = [a.err(), w.err()].into_iter().flatten().collect();
                return Outcome::new(errors, &p.sources);
            }
        };
        let inputs = hda_inputs::inputs(&p.program, acc, wl);
        let problems = hda_inputs::check(&p.program, acc, wl, &inputs);
        if !problems.is_empty() {
            return Outcome::new(problems, &p.sources);
        }
        let report =
            match hda_inputs::report(&p.program, acc, wl, &inputs, objective, sweep_partitions) {
                Ok(report) => report,
                Err(e) => {
                    let span = p.program.accelerators[acc.index()].span;
                    let d = match e {
                        hda::HdaError::Infeasible(m) => {
                            Diagnostic::at(Code::LayerRunsNowhere, span, m, "this accelerator")
                        }
                        hda::HdaError::Input(m) => Diagnostic::new(Code::Internal, m),
                    };
                    return Outcome::new(vec![d], &p.sources);
                }
            };
        let rows = report
            .schedule
            .entries
            .iter()
            .map(|e| {
                vec![
                    Cell::Text(e.network_name.clone()),
                    Cell::Text(e.layer_name.clone()),
                    Cell::Text(e.sub_accel_name.clone()),
                    Cell::Float(e.start),
                    Cell::Float(e.end),
                    Cell::Float(e.end - e.start),
                    Cell::Float(e.energy),
                ]
            })
            .collect();
        let mut outcome = Outcome::new(Vec::new(), &p.sources);
        outcome.table = Some(Table {
            columns: [
                "network",
                "layer",
                "sub_accel",
                "start",
                "end",
                "cycles",
                "energy",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        });
        outcome.texts.push(("summary", hda::report::json(&report)));
        outcome
    })
    .into_python(py)
}

/// The accelerator or workload to schedule: the one named, or the program's only one.
fn pick(
    program: &Program,
    names: Vec<String>,
    name: Option<&str>,
    kind: &str,
) -> Result<usize, Diagnostic> {
    let file = program.file();
    match name {
        Some(n) => names.iter().position(|i| i == n).ok_or_else(|| {
            Diagnostic::new(
                Code::UnknownItem,
                format!("`{file}` has no {kind} `{n}`; its {kind}s: {names:?}"),
            )
        }),
        None if names.len() == 1 => Ok(0),
        None if names.is_empty() => Err(Diagnostic::at(
            Code::NothingToDo,
            Span::new(program.root, 0..0),
            format!("`{file}` defines no {kind} to schedule"),
            "in this file",
        )),
        None => Err(Diagnostic::new(
            Code::UnknownItem,
            format!("`{file}` defines several {kind}s ({names:?}); name one with `{kind}=`"),
        )),
    }
}

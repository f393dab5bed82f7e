//! Robustness: thousands of mutated copies of the examples and standard library (bytes
//! deleted, duplicated and swapped; tokens dropped) never panic the front end, and every one
//! that fails reports at least one coded diagnostic with a location, in every format. The
//! mutants that check clean then go through the back ends as `dfc eval`, `map` (small
//! budget), `simulate` and `schedule` run them: no panic, no hang, every failure coded.
//!
//! CI runs 4,000 seeded mutants; `DFC_MUTANTS=10000 cargo test --release --test it mutations
//! -- --nocapture` runs more and prints the summary line.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use dfc::backends::{evaluate, schedule, simulate, systolic};
use dfc::diagnostics::Diagnostic;
use dfc::ir::{self, Program};
use dfc::search::{self, SearchOptions};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use crate::common;

#[derive(Debug, Clone)]
enum Mutation {
    DeleteBytes(Index, usize),
    DuplicateBytes(Index, usize),
    SwapBytes(Index, Index),
    DropToken(Index),
    InsertByte(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1usize..12).prop_map(|(i, n)| Mutation::DeleteBytes(i, n)),
        (any::<Index>(), 1usize..12).prop_map(|(i, n)| Mutation::DuplicateBytes(i, n)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapBytes(a, b)),
        any::<Index>().prop_map(Mutation::DropToken),
        (
            any::<Index>(),
            prop::sample::select(b"{}();:,=*/+-<'\"#9Kx \n".to_vec())
        )
            .prop_map(|(i, b)| Mutation::InsertByte(i, b)),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::DeleteBytes(i, n) => {
                let at = i.index(bytes.len());
                let end = (at + n).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::DuplicateBytes(i, n) => {
                let at = i.index(bytes.len());
                let end = (at + n).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            Mutation::SwapBytes(a, b) => {
                let (a, b) = (a.index(bytes.len()), b.index(bytes.len()));
                bytes.swap(a, b);
            }
            Mutation::DropToken(i) => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let tokens = dfc::syntax::lexer::lex(dfc::source::FileId(0), &s).tokens;
                if !tokens.is_empty() {
                    let (start, _, end) = tokens[i.index(tokens.len())];
                    let mut t = s.into_bytes();
                    t.drain(start..end);
                    bytes = t;
                }
            }
            Mutation::InsertByte(i, b) => {
                let at = i.index(bytes.len() + 1);
                bytes.insert(at, *b);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `path:line:col: error[E....]:` with numbers where they belong.
fn is_located_error_line(line: &str, name: &str) -> bool {
    let Some(rest) = line.strip_prefix(&format!("{name}:")) else {
        return false;
    };
    let mut parts = rest.splitn(3, ':');
    let (Some(l), Some(c), Some(msg)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    l.parse::<usize>().is_ok()
        && c.parse::<usize>().is_ok()
        && msg.starts_with(" error[E")
        && msg.as_bytes().get(12) == Some(&b']')
}

#[test]
fn mutated_programs_never_panic_and_always_explain_themselves() {
    let mut inputs: Vec<(String, String)> = Vec::new();
    for dir in ["examples", "stdlib"] {
        for path in common::files(dir, "df") {
            let text = std::fs::read_to_string(&path).expect("readable");
            inputs.push((common::relative(&path), text));
        }
    }
    assert!(!inputs.is_empty());
    let cases = std::env::var("DFC_MUTANTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4000);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (any::<Index>(), prop::collection::vec(mutation(), 1..4));
    let failing = std::cell::Cell::new(0usize);
    let backend = std::cell::Cell::new(BackEndRuns::default());
    let result = runner.run(&strategy, |(which, mutations)| {
        let (name, text) = &inputs[which.index(inputs.len())];
        let mutated = apply(text, &mutations);
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let (sources, program, diags) = dfc::ir::lower::lower_text(name, &mutated);
            let short = dfc::diagnostics::render::short(&diags, &sources);
            let json = dfc::diagnostics::render::json(&diags, &sources);
            let human = dfc::diagnostics::render::human(&diags, &sources, false);
            (
                dfc::diagnostics::has_errors(&diags),
                short,
                json,
                human,
                program,
            )
        }));
        let Ok((has_errors, short, json, human, program)) = outcome else {
            return Err(TestCaseError::fail(format!("panic on:\n{mutated}")));
        };
        if let Some(program) = program.filter(|_| !has_errors) {
            let started = Instant::now();
            let runs = catch_unwind(AssertUnwindSafe(|| run_back_ends(&program)))
                .map_err(|_| TestCaseError::fail(format!("back-end panic on:\n{mutated}")))?
                .map_err(|e| TestCaseError::fail(format!("{e} on:\n{mutated}")))?;
            prop_assert!(
                started.elapsed() < HANG,
                "back ends took {:?} (a hang) on:\n{mutated}",
                started.elapsed()
            );
            let mut total = backend.get();
            total.checked_clean += 1;
            total.runs += runs;
            backend.set(total);
        }
        let parsed: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| TestCaseError::fail(format!("invalid JSON ({e}) for:\n{mutated}")))?;
        if has_errors {
            failing.set(failing.get() + 1);
            prop_assert!(
                short.lines().any(|l| is_located_error_line(l, name)),
                "no located error line in:\n{short}\nfor:\n{mutated}"
            );
            let items = parsed.as_array().map_or(0, Vec::len);
            prop_assert!(items > 0, "empty JSON for a failing input");
            prop_assert!(human.contains("Error"), "human output names no error");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let failing = failing.get();
    let backend = backend.get();
    println!(
        "mutants: {cases}, checked clean: {}, back-end runs: {}, panics: 0, uncoded failures: 0, \
         hangs: 0",
        backend.checked_clean, backend.runs
    );
    assert!(
        failing > cases as usize / 4,
        "mutations should mostly break programs, {failing} did"
    );
    assert!(
        backend.runs > cases as usize / 20,
        "the back ends ran on too few mutants: {}",
        backend.runs
    );
}

/// Longer than this for one mutant's back-end runs counts as a hang (the budgets below keep
/// a clean example well under a second in debug builds).
const HANG: Duration = Duration::from_secs(60);

/// Simulate only layers up to this many MACs: the systolic simulator is cycle-level, and a
/// mutated digit can make a layer a thousand times larger.
const MAX_SIMULATED_MACS: u64 = 5_000_000;

#[derive(Debug, Clone, Copy, Default)]
struct BackEndRuns {
    checked_clean: usize,
    runs: usize,
}

/// Run every back end `dfc` has on a clean program as its commands do, with small budgets;
/// returns how many runs there were, or why a failure is not coded and located.
fn run_back_ends(program: &Program) -> Result<usize, String> {
    let mut runs = 0;
    let options = SearchOptions {
        budget: 3,
        egg_iters: 1,
        egg_nodes: 200,
        ..SearchOptions::default()
    };
    for (i, mapping) in program.mappings.iter().enumerate() {
        let id = ir::MappingId(i as u32);
        // `dfc eval`: search the `search` layers, then evaluate.
        let evaluated = search::evaluate_with_search(
            program,
            id,
            ir::CostModel::Default,
            &options,
            true,
            &|_| {},
        );
        located(&evaluated.diagnostics, "eval")?;
        let (_, diags) = evaluate::evaluate_mapping(program, id, ir::CostModel::Maestro);
        located(&diags, "eval --model maestro")?;
        runs += 2;
        // `dfc map` on the first mapping (the search dominates the run time).
        if i == 0 {
            let mapped = search::map_mapping(program, id, &options, false);
            if mapped.layers.len() != program.network(mapping.network).layers.len() {
                return Err("map lost layers".to_string());
            }
            runs += 1;
        }
    }
    // `dfc simulate`, on the small layers of every mapping on a systolic array.
    // `lower_text` adds the mutated file first.
    if let Ok(jobs) = simulate::mapping_jobs(program, dfc::source::FileId(0)) {
        let jobs: Vec<simulate::SimulationJob> = jobs
            .into_iter()
            .map(|(name, config, layers)| {
                let small = layers.into_iter().filter(|l| macs(l) <= MAX_SIMULATED_MACS);
                (name, config, small.take(3).collect())
            })
            .collect();
        for model in [systolic::Model::Default, systolic::Model::Scalesim] {
            // A failure is an E0503 diagnostic.
            let _ = simulate::simulate_jobs(&jobs, model);
            runs += 1;
        }
    }
    // `dfc schedule`, every accelerator with every workload.
    for a in 0..program.accelerators.len() {
        for w in 0..program.workloads.len() {
            let (acc, wl) = (ir::AcceleratorId(a as u32), ir::WorkloadId(w as u32));
            let inputs = schedule::inputs(program, acc, wl);
            // A failure is an `HdaError`, which `dfc schedule` reports as a located error.
            let _ = schedule::report(
                program,
                acc,
                wl,
                &inputs,
                dfc::backends::hda::Objective::Edp,
                false,
            );
            runs += 1;
        }
    }
    Ok(runs)
}

fn macs(l: &systolic::Layer) -> u64 {
    match &l.gemm {
        Some(g) => g.m.saturating_mul(g.n).saturating_mul(g.k),
        None => [
            l.ifmap_h,
            l.ifmap_w,
            l.filter_h,
            l.filter_w,
            l.channels,
            l.num_filters,
        ]
        .iter()
        .fold(1u64, |a, &b| a.saturating_mul(b)),
    }
}

/// Every error a back end reports about the input points at it.
fn located(diags: &[Diagnostic], command: &str) -> Result<(), String> {
    match diags
        .iter()
        .find(|d| d.is_error() && d.primary_span().is_none())
    {
        Some(d) => Err(format!(
            "{command}: an error without a location: {}",
            d.message
        )),
        None => Ok(()),
    }
}

//! Design-space sweeps (`docs/sweep.md`): every point of a `sweep` item's grid — mappings ×
//! hardware fields × dataflow arguments — evaluated with the default cost model, one row per
//! point (or per point and layer), points that do not fit kept with their status. A mapping's
//! `search` layers are searched at each point on its hardware (`SweepOptions::search`).
//!
//! The public surface is plain data, for the CLI and for callers without it (the Python
//! package):
//!
//! - [`count`], [`point`] and [`points`]: the grid in its one order (mapping outermost, then
//!   the axes as written, the last fastest); a point's index is its place in that order.
//! - [`run`] with [`SweepOptions`]: evaluate all points, or with a [`Shard`] `I/N` the points
//!   whose index is `I` modulo `N` (the same partition everywhere), in parallel (rayon), rows
//!   in point order whatever the thread count. Errors are coded diagnostics: E1205 past
//!   [`MAX_ROWS`], E1211 for a sweep that does not exist.
//! - [`SweepTable`]: columns and typed cells; `to_csv`/`to_json` render it (a shard's text
//!   starts with its identity: sweep, digest, shard), [`pareto`] keeps a two-objective front.
//! - [`merge`]: shard texts in, the unsharded text out, byte for byte; shards of different
//!   sweeps (E1208), a shard twice (E1209) or a missing one (E1210) are refused.

mod evaluate;
mod merge;
mod table;
#[cfg(test)]
mod tests;

pub use merge::merge;
pub use table::{pareto, Cell, Format, Objective, Row, SweepTable};

use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir::sweep::Sweep;
use crate::ir::{MappingId, Program};
use crate::search::SearchOptions;
use crate::source::FileId;

/// The most rows one run (a whole sweep, or one shard) produces: a run holds its rows and
/// their text in memory, about 1.5 KiB a row at its peak (`docs/sweep.md`, "Size bound"), so
/// this keeps a run near 1.5 GiB. Larger sweeps are sharded.
pub const MAX_ROWS: u64 = 1_000_000;

/// Points between two progress reports.
const PROGRESS_EVERY: u64 = 256;

/// One of `count` disjoint parts of a sweep: the points whose index is `index` modulo `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `I/N` with `I < N`, or why not (E1206).
    pub fn parse(text: &str) -> Result<Shard, Diagnostic> {
        let bad = |why: &str| {
            Diagnostic::new(Code::SweepBadShard, format!("`--shard {text}`: {why}"))
                .with_help("write `--shard I/N` with 0 <= I < N, e.g. `--shard 0/4`")
        };
        let (i, n) = text.split_once('/').ok_or_else(|| bad("expected I/N"))?;
        let index: u32 = i
            .trim()
            .parse()
            .map_err(|_| bad("I is not a whole number"))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| bad("N is not a whole number"))?;
        if count == 0 || index >= count {
            return Err(bad("I must be below N, and N at least 1"));
        }
        Ok(Shard { index, count })
    }

    /// How many of `total` points this shard holds.
    pub fn len(self, total: u64) -> u64 {
        let (i, n) = (u64::from(self.index), u64::from(self.count));
        if total > i {
            (total - i).div_ceil(n)
        } else {
            0
        }
    }
}

/// How a sweep is run and reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SweepOptions {
    /// Evaluate one shard only.
    pub shard: Option<Shard>,
    /// One row per point and layer instead of one per point.
    pub per_layer: bool,
    /// Keep only the points on the Pareto front of two objectives (per-point rows only).
    pub pareto: Option<(Objective, Objective)>,
    /// How a swept mapping's `search` layers are searched at each point, on its hardware.
    pub search: SearchOptions,
}

/// A point of the grid: its index, its mapping and the index of its value on each axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub index: u64,
    pub mapping: MappingId,
    pub values: Vec<usize>,
}

/// The number of points of `sweep` (saturating at `u64::MAX`).
pub fn count(sweep: &Sweep) -> u64 {
    sweep.axes.iter().fold(sweep.mappings.len() as u64, |n, a| {
        n.saturating_mul(a.values.len() as u64)
    })
}

/// The point at `index` (below [`count`]).
pub fn point(sweep: &Sweep, index: u64) -> Point {
    let mut rest = index;
    let mut values = vec![0; sweep.axes.len()];
    for (slot, axis) in values.iter_mut().zip(&sweep.axes).rev() {
        let n = axis.values.len() as u64;
        *slot = (rest % n) as usize;
        rest /= n;
    }
    Point {
        index,
        mapping: sweep.mappings[rest as usize],
        values,
    }
}

/// Every point of `sweep` (or of one shard), in order.
pub fn points(sweep: &Sweep, shard: Option<Shard>) -> Vec<Point> {
    let shard = shard.unwrap_or(Shard { index: 0, count: 1 });
    (0..shard.len(count(sweep)))
        .map(|k| point(sweep, u64::from(shard.index) + k * u64::from(shard.count)))
        .collect()
}

/// The sweep `name`, or the only sweep when `name` is `None`, among those `file` defines (all
/// files' when `file` is `None`, imports included); E1211 otherwise.
pub fn find<'p>(
    program: &'p Program,
    name: Option<&str>,
    file: Option<FileId>,
) -> Result<&'p Sweep, Diagnostic> {
    let candidates: Vec<&Sweep> = program
        .sweeps
        .iter()
        .filter(|s| file.is_none_or(|f| s.span.file == f))
        .collect();
    let names: Vec<&str> = candidates.iter().map(|s| s.name.as_str()).collect();
    let found = match name {
        Some(n) => candidates.iter().find(|s| s.name == n),
        None if candidates.len() == 1 => candidates.first(),
        None => None,
    };
    found.copied().ok_or_else(|| {
        let message = match (name, names.is_empty()) {
            (_, true) => "the program has no sweep".to_string(),
            (Some(n), false) => format!("the program has no sweep `{n}`"),
            (None, false) => {
                "the program has several sweeps; choose one with `--sweep`".to_string()
            }
        };
        let listed = if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        };
        Diagnostic::new(Code::SweepNotFound, message).with_note(format!("sweeps: {listed}"))
    })
}

/// Evaluate the sweep (or one shard of it). `on_progress(done, total)` is called from the
/// worker threads now and then.
pub fn run(
    program: &Program,
    sweep: &Sweep,
    options: &SweepOptions,
    on_progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<SweepTable, Vec<Diagnostic>> {
    let total = count(sweep);
    let selected = options.shard.map_or(total, |s| s.len(total));
    let layers_per_point = sweep
        .mappings
        .iter()
        .map(|m| program.network(program.mapping(*m).network).layers.len() as u64)
        .max()
        .unwrap_or(1);
    let rows = if options.per_layer {
        selected.saturating_mul(layers_per_point)
    } else {
        selected
    };
    if rows > MAX_ROWS {
        let shards = rows.div_ceil(MAX_ROWS);
        let d = Diagnostic::at(
            Code::SweepTooLarge,
            sweep.span,
            format!(
                "sweep `{}` gives {rows} rows in one run, more than {MAX_ROWS}",
                sweep.name
            ),
            format!("{total} points"),
        )
        .with_note("one run holds its rows in memory; larger sweeps are run in shards and merged")
        .with_help(format!(
            "run it as {shards} shards or more (`--shard I/{shards}`), then `dfc sweep merge`"
        ));
        return Err(vec![d]);
    }
    let shard = options.shard.unwrap_or(Shard { index: 0, count: 1 });
    let evaluator = evaluate::Evaluator::new(program, sweep, &options.search);
    let done = AtomicU64::new(0);
    let rows: Vec<Row> = (0..selected)
        .into_par_iter()
        .flat_map_iter(|k| {
            let p = point(sweep, u64::from(shard.index) + k * u64::from(shard.count));
            let outcomes = evaluator.point(&p);
            let finished = done.fetch_add(1, Ordering::Relaxed) + 1;
            if finished.is_multiple_of(PROGRESS_EVERY) || finished == selected {
                on_progress(finished, selected);
            }
            table::rows(program, sweep, &p, &outcomes, options.per_layer)
        })
        .collect();
    let table = table::build(sweep, options, total, digest(program, sweep, options), rows);
    Ok(match (options.pareto, options.shard) {
        // A shard keeps every row: the front is a property of the whole sweep, taken at merge.
        (Some(objectives), None) => pareto(&table, objectives),
        _ => table,
    })
}

/// What a shard must share with the others to be merged: the program's text (through
/// `ir::emit`), the sweep's name and the options that change the rows.
fn digest(program: &Program, sweep: &Sweep, options: &SweepOptions) -> String {
    let text = format!(
        "dfc-sweep 1\n{}\nsweep {}\nper_layer {}\npareto {:?}\nsearch {:?}\n",
        crate::ir::emit::emit(program),
        sweep.name,
        options.per_layer,
        options.pareto.map(|(a, b)| (a.name(), b.name())),
        options.search,
    );
    format!("{:016x}", crate::util::stable_hash(text.bytes()))
}

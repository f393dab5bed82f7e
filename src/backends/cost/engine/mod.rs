//! The engine: cluster decomposition and level preparation (`plan`), mapping tables (`level`),
//! iteration cases and per-unit volumes (`cases`) and the level analysis with its recursion
//! (`analysis`), in the stages of `MODEL.md`, "Stages"; the semantics are described in
//! `docs/semantics/maestro.md`.
//!
//! Dimensions are small integers indexing fixed arrays (`[i64; NUM_DIMS]`); sets of dimensions are
//! `u16` bit masks. A level's directives, tables and tensor selections are computed once per
//! evaluation ([`Plan`]); the analysis of a lower level depends only on the tile its parent hands
//! down, so results are memoised per level and tile ([`Analyzer`]).
//!
//! Integer semantics follow MAESTRO: `/` truncates toward zero (Rust's `/` does the same), and
//! `ceil_div` is the exact ceiling. Products and accumulations saturate; a saturated count is
//! reported as `CostError::Overflow` by the caller.

mod analysis;
mod cases;
mod level;
mod plan;

pub use analysis::LevelTraffic;
pub(crate) use analysis::{Analyzer, Outcome, Record};
pub(crate) use plan::Plan;

use super::{CostError, Dim, LayerType};

pub(super) const NUM_DIMS: usize = 10;

const N: u8 = Dim::N as u8;
const G: u8 = Dim::G as u8;
const K: u8 = Dim::K as u8;
const C: u8 = Dim::C as u8;
const R: u8 = Dim::R as u8;
const S: u8 = Dim::S as u8;
const Y: u8 = Dim::Y as u8;
const X: u8 = Dim::X as u8;
const Y_OUT: u8 = Dim::YOut as u8;
const X_OUT: u8 = Dim::XOut as u8;

/// The input/filter variables in MAESTRO's (string-sorted) order, used for auto-unrolling.
const INPUT_FILTER_ORDER: [u8; 8] = [C, G, K, N, R, S, X, Y];

/// Upper bound on the iteration cases of one level (MAESTRO would run for hours beyond it).
const MAX_CASES: i64 = 1 << 26;

pub(super) const INPUT: usize = 0;
pub(super) const FILTER: usize = 1;
pub(super) const OUTPUT: usize = 2;

fn bit(v: u8) -> u16 {
    1 << v
}

fn dim_of(v: u8) -> Dim {
    Dim::ALL[v as usize]
}

fn mul(a: i64, b: i64) -> i64 {
    a.saturating_mul(b)
}

fn add(a: i64, b: i64) -> i64 {
    a.saturating_add(b)
}

/// Exact integer ceiling of `a / b` for `b > 0`.
pub(super) fn ceil_div(a: i64, b: i64) -> i64 {
    let q = a.div_euclid(b);
    if a.rem_euclid(b) != 0 {
        q + 1
    } else {
        q
    }
}

/// The output-centric dimension of a sliding dimension (`Y` → `Y'`); other dimensions map to
/// themselves.
fn output_dim_of(v: u8) -> u8 {
    match v {
        Y => Y_OUT,
        X => X_OUT,
        _ => v,
    }
}

/// The filter dimension a sliding dimension slides over (`Y` → `R`, `X` → `S`).
fn filter_dim_of(v: u8) -> u8 {
    if v == Y {
        R
    } else {
        S
    }
}

/// Dimension sizes and strides of one level; `has` marks the declared ones.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DimTable {
    pub size: [i64; NUM_DIMS],
    pub stride: [i64; NUM_DIMS],
    pub has: u16,
}

impl DimTable {
    /// Insert unless present (MAESTRO's `std::map::insert`: the first value wins).
    fn add(&mut self, v: u8, size: i64, stride: i64) {
        if self.has & bit(v) == 0 {
            self.has |= bit(v);
            self.size[v as usize] = size;
            self.stride[v as usize] = stride;
        }
    }

    fn has(&self, v: u8) -> bool {
        self.has & bit(v) != 0
    }
}

/// The variables a tensor is coupled to, in MAESTRO's order.
#[derive(Clone, Copy, Debug)]
pub(super) struct TensorVars {
    list: [u8; 6],
    len: usize,
    pub mask: u16,
}

impl TensorVars {
    fn new(vars: &[u8]) -> TensorVars {
        let mut list = [0; 6];
        let mut mask = 0;
        for (slot, &v) in list.iter_mut().zip(vars) {
            *slot = v;
            mask |= bit(v);
        }
        TensorVars {
            list,
            len: vars.len().min(6),
            mask,
        }
    }

    pub fn vars(&self) -> &[u8] {
        &self.list[..self.len]
    }
}

fn tensors_for(ty: LayerType, batch: bool) -> [TensorVars; 3] {
    let with_n = |vars: &[u8]| {
        let mut v = Vec::with_capacity(vars.len() + 1);
        if batch {
            v.push(N);
        }
        v.extend_from_slice(vars);
        TensorVars::new(&v)
    };
    match ty {
        LayerType::Conv | LayerType::Trconv => [
            with_n(&[C, Y, X]),
            TensorVars::new(&[K, C, R, S]),
            with_n(&[K, Y, X]),
        ],
        LayerType::Dsconv => [
            with_n(&[C, Y, X]),
            TensorVars::new(&[C, R, S]),
            with_n(&[C, Y, X]),
        ],
        LayerType::Ngconv => [
            with_n(&[G, C, Y, X]),
            TensorVars::new(&[G, K, C, R, S]),
            with_n(&[G, K, C, Y, X]),
        ],
    }
}

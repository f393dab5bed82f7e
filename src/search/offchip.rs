//! The off-chip subspace (Marvel): L2 tile sizes and the order of the tile loops, scored by
//! the distinct-block (DB) model of DRAM traffic under the L2 capacity.
//!
//! For L2 tiles `B[d]` and tile-loop order π (outermost first):
//! * a tile of tensor T occupies `DB(T) = ⌈run/line⌉ · Π(outer extents)` DRAM lines, its
//!   dimensions in the tensor's layout order (`[N][G][C][Y][X]`, `[G][K][C][R][S]`,
//!   `[N][G][K][Y'][X']`), `run` being the innermost extent merged with the next ones while
//!   they are fully covered (a contiguous run); input extents include the halo;
//! * T is fetched once per iteration of the loops outside its innermost indexing loop, so the
//!   loops not indexing T at the innermost positions are T's reuse: `fetches = Π n / Π free`;
//! * outputs visited again after a reduction loop are written and read back (partial sums):
//!   `2·visits − distinct` transfers;
//! * feasible when the three tiles, double-buffered, fit the L2.
//!
//! Layouts are fixed to those above: the cost model does not model DRAM layout and a `.df`
//! dataflow cannot state one. As every loop of a convolution indexes exactly two of its three
//! tensors, only one tensor can be reused across the innermost tile loops, so the best order
//! for given tiles is one of three: each tensor's non-indexing loops innermost.

use crate::backends::cost::LayerType;
use crate::ir::Dim;

use super::space::LayerSpace;

/// An off-chip point.
#[derive(Debug, Clone, PartialEq)]
pub struct OffchipPoint {
    /// L2 tile per space dimension.
    pub block: Vec<i64>,
    /// Every space dimension, outermost tile loop first.
    pub order: Vec<usize>,
    /// Modelled DRAM traffic of the layer, in lines.
    pub traffic: f64,
    /// Elements the L2 holds (three tiles, double-buffered).
    pub footprint: i64,
    /// The tensor reused across the innermost tile loops (0 input, 1 filter, 2 output).
    pub stationary: usize,
}

const INPUT: usize = 0;
const FILTER: usize = 1;
const OUTPUT: usize = 2;

/// Most block values tried per dimension.
const MAX_VALUES: usize = 8;
/// Most blocks enumerated per layer (beyond it the value lists are thinned further).
const MAX_BLOCKS: usize = 20_000;

/// The DB model of one layer.
pub struct DbModel<'a> {
    space: &'a LayerSpace,
    /// DRAM line (burst) in elements.
    line: i64,
    /// L2 capacity in elements.
    capacity: i64,
}

impl<'a> DbModel<'a> {
    pub fn new(space: &'a LayerSpace, line: i64, capacity: i64) -> DbModel<'a> {
        DbModel {
            space,
            line: line.max(1),
            capacity,
        }
    }

    /// The block's extent of `d`; dimensions outside the space (the filter's, extents of 1)
    /// are whole.
    fn ext(&self, block: &[i64], d: Dim) -> i64 {
        self.space
            .index_of(d)
            .and_then(|i| block.get(i).copied())
            .unwrap_or_else(|| self.full(d))
    }

    fn full(&self, d: Dim) -> i64 {
        self.space.extents[d.index()].max(1)
    }

    /// Whether dimension `d` indexes tensor `t`.
    fn indexes(&self, t: usize, d: Dim) -> bool {
        let dw = self.space.layer_type == LayerType::Dsconv;
        match t {
            INPUT => !matches!(d, Dim::K),
            FILTER => !matches!(d, Dim::N | Dim::YOut | Dim::XOut),
            _ => match d {
                Dim::C => dw,
                Dim::R | Dim::S => false,
                _ => true,
            },
        }
    }

    fn rows(out: i64, filter: i64, stride: i64) -> i64 {
        if filter < stride {
            out * filter
        } else {
            (out - 1) * stride + filter
        }
    }

    /// (tile extent, full extent) of tensor `t`'s layout dimensions, outermost first.
    fn layout(&self, t: usize, block: &[i64]) -> [(i64, i64); 5] {
        let b = |d: Dim| self.ext(block, d);
        let f = |d: Dim| self.full(d);
        let s = self.space;
        match t {
            INPUT => [
                (b(Dim::N), f(Dim::N)),
                (b(Dim::G), f(Dim::G)),
                (b(Dim::C), f(Dim::C)),
                (
                    Self::rows(b(Dim::YOut), b(Dim::R), s.stride_y),
                    Self::rows(f(Dim::YOut), f(Dim::R), s.stride_y),
                ),
                (
                    Self::rows(b(Dim::XOut), b(Dim::S), s.stride_x),
                    Self::rows(f(Dim::XOut), f(Dim::S), s.stride_x),
                ),
            ],
            FILTER => [
                (b(Dim::G), f(Dim::G)),
                (b(Dim::K), f(Dim::K)),
                (b(Dim::C), f(Dim::C)),
                (b(Dim::R), f(Dim::R)),
                (b(Dim::S), f(Dim::S)),
            ],
            _ => {
                let ch = if s.layer_type == LayerType::Dsconv {
                    Dim::C
                } else {
                    Dim::K
                };
                [
                    (b(Dim::N), f(Dim::N)),
                    (b(Dim::G), f(Dim::G)),
                    (b(ch), f(ch)),
                    (b(Dim::YOut), f(Dim::YOut)),
                    (b(Dim::XOut), f(Dim::XOut)),
                ]
            }
        }
    }

    /// Lines one tile of tensor `t` occupies.
    fn lines(&self, t: usize, block: &[i64]) -> f64 {
        let dims = self.layout(t, block);
        let mut run = 1i64;
        let mut i = dims.len();
        // Merge fully covered inner dimensions into one contiguous run.
        while i > 0 {
            i -= 1;
            let (tile, full) = dims[i];
            run = run.saturating_mul(tile);
            if tile < full {
                break;
            }
        }
        let outer: i64 = dims[..i]
            .iter()
            .fold(1i64, |a, (t, _)| a.saturating_mul(*t));
        let runs = (run + self.line - 1) / self.line;
        runs as f64 * outer as f64
    }

    fn elements(&self, t: usize, block: &[i64]) -> i64 {
        self.layout(t, block)
            .iter()
            .fold(1i64, |a, (t, _)| a.saturating_mul(*t))
    }

    /// L2 elements held for `block` (three tiles, double-buffered).
    pub fn footprint(&self, block: &[i64]) -> i64 {
        (0..3)
            .map(|t| self.elements(t, block))
            .fold(0i64, |a, e| a.saturating_add(e))
            .saturating_mul(2)
    }

    /// DRAM traffic in lines of `block` under `order`.
    pub fn traffic(&self, block: &[i64], order: &[usize]) -> f64 {
        let dims = &self.space.dims;
        let iters = |i: usize| {
            let e = dims[i].extent;
            let b = block[i].max(1);
            (e + b - 1) / b
        };
        let total: f64 = (0..dims.len()).map(|i| iters(i) as f64).product();
        let mut sum = 0.0;
        for t in 0..3 {
            // Reuse: the innermost run of loops not indexing t (single-trip loops are
            // transparent, they never change the tile).
            let mut free = 1.0;
            for &i in order.iter().rev() {
                let n = iters(i);
                if n == 1 {
                    continue;
                }
                if self.indexes(t, dims[i].dim) {
                    break;
                }
                free *= n as f64;
            }
            let visits = total / free;
            let lines = self.lines(t, block);
            sum += if t == OUTPUT {
                let distinct: f64 = (0..dims.len())
                    .filter(|&i| self.indexes(OUTPUT, dims[i].dim))
                    .map(|i| iters(i) as f64)
                    .product();
                lines * (2.0 * visits - distinct)
            } else {
                lines * visits
            };
        }
        sum
    }

    /// The order making tensor `stationary` reused: loops indexing it outside (canonical
    /// order), those not indexing it inside, single-trip loops innermost.
    pub fn order_for(&self, block: &[i64], stationary: usize) -> Vec<usize> {
        let dims = &self.space.dims;
        let multi = |i: &usize| dims[*i].extent > block[*i];
        let all: Vec<usize> = (0..dims.len()).collect();
        let mut order: Vec<usize> = all
            .iter()
            .copied()
            .filter(|i| multi(i) && self.indexes(stationary, dims[*i].dim))
            .collect();
        order.extend(
            all.iter()
                .copied()
                .filter(|i| multi(i) && !self.indexes(stationary, dims[*i].dim)),
        );
        order.extend(all.iter().copied().filter(|i| !multi(i)));
        order
    }

    /// The `k` best feasible points: blocks enumerated over (thinned) divisors, each with its
    /// three candidate orders; sorted by traffic, then larger footprint, then block.
    pub fn top_k(&self, k: usize) -> Vec<OffchipPoint> {
        let mut points = self.enumerate();
        points.sort_by(|a, b| {
            a.traffic
                .total_cmp(&b.traffic)
                .then(b.footprint.cmp(&a.footprint))
                .then_with(|| a.block.cmp(&b.block))
                .then(a.stationary.cmp(&b.stationary))
        });
        // Diversity: at most ⌈k/2⌉ points reuse the same tensor.
        let cap = k.div_ceil(2).max(1);
        let mut per = [0usize; 3];
        let mut out: Vec<OffchipPoint> = Vec::with_capacity(k);
        for p in points {
            if out.len() == k {
                break;
            }
            if per[p.stationary] >= cap || out.iter().any(|q| q.block == p.block) {
                continue;
            }
            per[p.stationary] += 1;
            out.push(p);
        }
        out
    }

    fn enumerate(&self) -> Vec<OffchipPoint> {
        let dims = &self.space.dims;
        let mut limit = MAX_VALUES;
        let values = loop {
            // The L2 tile holds whole filters: partial filter tiles are an on-chip choice.
            let values: Vec<Vec<i64>> = dims
                .iter()
                .map(|d| match d.dim {
                    Dim::R | Dim::S => vec![d.extent],
                    _ => thin(&d.divisors, limit),
                })
                .collect();
            let count: usize = values
                .iter()
                .take(values.len().saturating_sub(1))
                .map(Vec::len)
                .product();
            if count <= MAX_BLOCKS || limit <= 2 {
                break values;
            }
            limit -= 1;
        };
        let mut points = Vec::new();
        let mut block: Vec<i64> = vec![1; dims.len()];
        self.recurse(0, &values, &mut block, &mut points);
        points
    }

    fn recurse(
        &self,
        i: usize,
        values: &[Vec<i64>],
        block: &mut Vec<i64>,
        out: &mut Vec<OffchipPoint>,
    ) {
        let last = i + 1 == values.len();
        let mut best_last: Option<i64> = None;
        for &v in &values[i] {
            block[i] = v;
            // Footprints grow with every block value, so with the remaining dimensions at 1
            // this is a lower bound: stop at the first value that does not fit.
            if self.footprint(block) > self.capacity {
                break;
            }
            if last {
                best_last = Some(v);
            } else {
                self.recurse(i + 1, values, block, out);
            }
        }
        if let Some(v) = best_last {
            // Only the largest fitting value of the last dimension: a smaller one never moves
            // fewer lines.
            block[i] = v;
            let footprint = self.footprint(block);
            for stationary in 0..3 {
                let order = self.order_for(block, stationary);
                out.push(OffchipPoint {
                    block: block.clone(),
                    traffic: self.traffic(block, &order),
                    order,
                    footprint,
                    stationary,
                });
            }
        }
        block[i] = 1;
    }
}

/// At most `n` values of an ascending list (divisors, so roughly log-spaced), spread evenly
/// over it, keeping both ends.
fn thin(values: &[i64], n: usize) -> Vec<i64> {
    if values.len() <= n || n < 2 {
        return values.to_vec();
    }
    let mut out: Vec<i64> = (0..n)
        .map(|j| values[(j * (values.len() - 1)) / (n - 1)])
        .collect();
    out.dedup();
    out
}

//! Reference loop-nest interpreter: the honest guard on the rewrite rules.
//!
//! It runs a directive list on small integer tensors by literally walking the nest: a map of
//! dimension `d` with size `t` and offset `o` visits the windows `[lo + i·o, lo + i·o + t)` of
//! its parent window `[lo, hi)` (clipped at `hi`), a `cluster` only groups units and changes
//! nothing, and the end of the nest performs every multiply-accumulate of the current windows.
//! Spatial and temporal maps visit the same windows (one in space, one in time). Arithmetic is
//! wrapping `i64`, so any visiting order gives bit-identical sums — and a nest that visits a
//! point twice, or misses one, gives a different output than the plain convolution.
//!
//! Maps on the input coordinates `Y`/`X` (sliding windows) are not interpreted.

use std::fmt;

use super::analysis::NDIMS;
use crate::ir::{ConcreteDirective, Dim};

/// A small layer in the cost model's view: output-centric extents and strides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefLayer {
    /// Extent per dimension as in [`super::MapAnalysis::extents`] (0 = absent, treated as 1).
    pub extents: [i64; NDIMS],
    pub stride_y: i64,
    pub stride_x: i64,
    /// Depthwise: `C` is the channel of input, filter and output, and is not reduced.
    pub depthwise: bool,
}

/// Why a nest cannot be interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpError {
    /// A map on an input coordinate (`Y` or `X`).
    InputCoordinate(Dim),
    /// A size or offset below 1.
    BadMap { index: usize },
    /// The tensors would be larger than the interpreter is meant for.
    TooLarge,
}

impl fmt::Display for InterpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InterpError::InputCoordinate(d) => write!(f, "map on input coordinate {d}"),
            InterpError::BadMap { index } => write!(f, "directive {index}: size or offset < 1"),
            InterpError::TooLarge => f.write_str("layer too large for the interpreter"),
        }
    }
}

/// Largest number of MACs (and tensor elements) the interpreter accepts.
pub const MAX_POINTS: i64 = 1 << 22;

impl RefLayer {
    fn ext(&self, d: Dim) -> i64 {
        self.extents[d.index()].max(1)
    }

    pub fn input_rows(&self) -> i64 {
        (self.ext(Dim::YOut) - 1) * self.stride_y + self.ext(Dim::R)
    }

    pub fn input_cols(&self) -> i64 {
        (self.ext(Dim::XOut) - 1) * self.stride_x + self.ext(Dim::S)
    }

    /// Input elements, layout `[N][G][C][Y][X]`.
    pub fn input_len(&self) -> usize {
        self.count(&[
            self.ext(Dim::N),
            self.ext(Dim::G),
            self.ext(Dim::C),
            self.input_rows(),
            self.input_cols(),
        ])
    }

    /// Filter elements, layout `[G][K][C][R][S]`.
    pub fn weight_len(&self) -> usize {
        self.count(&[
            self.ext(Dim::G),
            self.ext(Dim::K),
            self.ext(Dim::C),
            self.ext(Dim::R),
            self.ext(Dim::S),
        ])
    }

    fn out_channels(&self) -> i64 {
        if self.depthwise {
            self.ext(Dim::C)
        } else {
            self.ext(Dim::K)
        }
    }

    /// Output elements, layout `[N][G][K or C][Y'][X']`.
    pub fn output_len(&self) -> usize {
        self.count(&[
            self.ext(Dim::N),
            self.ext(Dim::G),
            self.out_channels(),
            self.ext(Dim::YOut),
            self.ext(Dim::XOut),
        ])
    }

    fn count(&self, dims: &[i64]) -> usize {
        let n = dims.iter().fold(1i64, |a, b| a.saturating_mul(*b));
        usize::try_from(n).unwrap_or(usize::MAX)
    }

    /// MACs of the nest, counted from the extents (the oracle the rule tests check the cost
    /// model's count against).
    pub(crate) fn macs(&self) -> i64 {
        Dim::LOOPS
            .iter()
            .fold(1i64, |a, d| a.saturating_mul(self.ext(*d)))
    }

    /// One multiply-accumulate at point `p` (indexed by `Dim::index()`).
    fn mac(&self, p: &[i64; NDIMS], input: &[i64], weights: &[i64], out: &mut [i64]) {
        let at = |d: Dim| p[d.index()];
        let (n, g, k, c, r, s) = (
            at(Dim::N),
            at(Dim::G),
            at(Dim::K),
            at(Dim::C),
            at(Dim::R),
            at(Dim::S),
        );
        let (oy, ox) = (at(Dim::YOut), at(Dim::XOut));
        let (iy, ix) = (oy * self.stride_y + r, ox * self.stride_x + s);
        let idx = |parts: &[(i64, i64)]| -> usize {
            let flat = parts.iter().fold(0i64, |acc, (i, n)| acc * n + i);
            usize::try_from(flat).unwrap_or(usize::MAX)
        };
        let e = |d: Dim| self.ext(d);
        let i = idx(&[
            (n, e(Dim::N)),
            (g, e(Dim::G)),
            (c, e(Dim::C)),
            (iy, self.input_rows()),
            (ix, self.input_cols()),
        ]);
        let w = idx(&[
            (g, e(Dim::G)),
            (k, e(Dim::K)),
            (c, e(Dim::C)),
            (r, e(Dim::R)),
            (s, e(Dim::S)),
        ]);
        let ch = if self.depthwise { c } else { k };
        let o = idx(&[
            (n, e(Dim::N)),
            (g, e(Dim::G)),
            (ch, self.out_channels()),
            (oy, e(Dim::YOut)),
            (ox, e(Dim::XOut)),
        ]);
        // Indices are in range by construction (points lie inside the extents).
        if let (Some(a), Some(b)) = (input.get(i), weights.get(w)) {
            if let Some(acc) = out.get_mut(o) {
                *acc = acc.wrapping_add(a.wrapping_mul(*b));
            }
        }
    }
}

/// The plain convolution: the expected output.
pub fn reference(
    layer: &RefLayer,
    input: &[i64],
    weights: &[i64],
) -> Result<Vec<i64>, InterpError> {
    run(layer, &[], input, weights)
}

/// Output of the nest `directives` (unmapped dimensions are covered whole at the end).
pub fn run(
    layer: &RefLayer,
    directives: &[ConcreteDirective],
    input: &[i64],
    weights: &[i64],
) -> Result<Vec<i64>, InterpError> {
    if layer.macs() > MAX_POINTS || layer.input_len() > MAX_POINTS as usize {
        return Err(InterpError::TooLarge);
    }
    for (index, d) in directives.iter().enumerate() {
        if let ConcreteDirective::Map {
            dim, size, offset, ..
        } = *d
        {
            if matches!(dim, Dim::Y | Dim::X) {
                return Err(InterpError::InputCoordinate(dim));
            }
            if size < 1 || offset < 1 {
                return Err(InterpError::BadMap { index });
            }
        }
    }
    let mut windows = [(0i64, 1i64); NDIMS];
    for d in Dim::ALL {
        windows[d.index()] = (0, layer.ext(d));
    }
    let mut out = vec![0i64; layer.output_len()];
    walk(layer, directives, windows, input, weights, &mut out);
    Ok(out)
}

fn walk(
    layer: &RefLayer,
    rest: &[ConcreteDirective],
    windows: [(i64, i64); NDIMS],
    input: &[i64],
    weights: &[i64],
    out: &mut [i64],
) {
    match rest.split_first() {
        None => leaf(layer, &windows, input, weights, out),
        Some((ConcreteDirective::Cluster { .. }, tail)) => {
            walk(layer, tail, windows, input, weights, out)
        }
        Some((
            ConcreteDirective::Map {
                dim, size, offset, ..
            },
            tail,
        )) => {
            let (lo, hi) = windows[dim.index()];
            let mut start = lo;
            while start < hi {
                let mut w = windows;
                w[dim.index()] = (start, (start + size).min(hi));
                walk(layer, tail, w, input, weights, out);
                start += offset;
            }
        }
    }
}

/// Every point of the product of the windows, in odometer order.
fn leaf(
    layer: &RefLayer,
    windows: &[(i64, i64); NDIMS],
    input: &[i64],
    weights: &[i64],
    out: &mut [i64],
) {
    if windows.iter().any(|(lo, hi)| lo >= hi) {
        return;
    }
    let mut p = [0i64; NDIMS];
    for (slot, (lo, _)) in p.iter_mut().zip(windows) {
        *slot = *lo;
    }
    loop {
        layer.mac(&p, input, weights, out);
        let mut i = 0;
        loop {
            if i == NDIMS {
                return;
            }
            p[i] += 1;
            if p[i] < windows[i].1 {
                break;
            }
            p[i] = windows[i].0;
            i += 1;
        }
    }
}

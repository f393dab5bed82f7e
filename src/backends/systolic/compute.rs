//! Compute-side report values in closed form: utilisations and SRAM access counts (see `docs/semantics/scalesim.md`, "Report columns"
//! and "Demand lines per fold").
//!
//! SCALE-Sim divides Python integers (`int / int` is the correctly rounded quotient of the
//! exact rational) and sums per-fold floats left to right; [`ratio`] and the fold loops below
//! reproduce both, so the float columns come out bit for bit.

use super::geometry::Geometry;
use super::{Dataflow, Model};

/// `a / b` correctly rounded to the nearest `f64` (ties to even), like Python's `int / int`.
/// Both values must be below 2^126 (callers stay far below).
pub(crate) fn ratio(a: u128, b: u128) -> f64 {
    if b == 0 {
        return f64::NAN;
    }
    if a < 1 << 53 && b < 1 << 53 {
        // Both exact as f64: IEEE division is correctly rounded.
        return a as f64 / b as f64;
    }
    ratio_slow(a, b)
}

/// Binary long division to 54 significant bits plus a sticky bit, then one rounding.
fn ratio_slow(a: u128, b: u128) -> f64 {
    if a == 0 {
        return 0.0;
    }
    let bits = |x: u128| 128 - x.leading_zeros() as i32;
    let mut q = a / b;
    let mut rem = a % b;
    let mut exp = 0i32;
    let sticky;
    if bits(q) > 54 {
        let drop = (bits(q) - 54) as u32;
        sticky = rem != 0 || q & ((1u128 << drop) - 1) != 0;
        q >>= drop;
        exp = drop as i32;
    } else {
        while bits(q) < 54 {
            rem <<= 1;
            q <<= 1;
            if rem >= b {
                rem -= b;
                q |= 1;
            }
            exp -= 1;
        }
        sticky = rem != 0;
    }
    // q: 53 mantissa bits and a guard bit.
    let guard = q & 1;
    let mut m = q >> 1;
    if guard == 1 && (sticky || m & 1 == 1) {
        m += 1;
    }
    (m as f64) * 2f64.powi(exp + 1)
}

/// The per-layer compute-side values (SCALE-Sim order of evaluation).
pub(crate) struct ComputeValues {
    pub mapping_eff_pct: f64,
    pub compute_util_pct: f64,
    pub sram_reads: [u64; 3],
}

pub(crate) fn compute_values(g: &Geometry) -> ComputeValues {
    let (r, c) = (g.r as u128, g.c as u128);
    // Cycles of a fold in the compute-util formula (Q4: WS/IS count C − 1 cycles too many).
    let lc = match (g.model, g.df) {
        (Model::Scalesim, Dataflow::Os) => g.t + g.r + g.c - 2,
        (Model::Scalesim, _) => 2 * g.r + 2 * g.c + g.t - 3,
        (Model::Default, _) => g.lf,
    } as u128;
    let mut me = 0.0f64;
    let mut cu_sum = 0.0f64;
    // The per-fold terms depend only on (ru, cu); compute them once per distinct pair but add
    // them in fold order, as SCALE-Sim's `sum()` does.
    let term = |ru: u64, cu: u64| {
        let used = (ru as u128) * (cu as u128);
        (ratio(used, r * c), ratio(used * g.t as u128, r * c * lc))
    };
    let last_ru = g.sr - (g.fr - 1) * g.r;
    let last_cu = g.sc - (g.fc - 1) * g.c;
    let full_full = term(g.r.min(g.sr), g.c.min(g.sc));
    let full_lastr = term(last_ru, g.c.min(g.sc));
    let lastc_full = term(g.r.min(g.sr), last_cu);
    let lastc_lastr = term(last_ru, last_cu);
    for j in 0..g.fc {
        let last_col = j + 1 == g.fc;
        for i in 0..g.fr {
            let last_row = i + 1 == g.fr;
            let (m, u) = match (last_col, last_row) {
                (false, false) => full_full,
                (false, true) => full_lastr,
                (true, false) => lastc_full,
                (true, true) => lastc_lastr,
            };
            me += m;
            cu_sum += u;
        }
    }
    let f = g.folds as f64;
    let mapping_eff_pct = me / f * 100.0;
    let compute_util_pct = cu_sum / f * 100.0;
    let (p, k, n) = (g.p, g.k, g.n);
    let sram_reads = match g.df {
        Dataflow::Os => {
            // Q3: SCALE-Sim counts R + C spurious writes per fold.
            let spurious = if g.model == Model::Scalesim {
                g.folds * (g.r + g.c)
            } else {
                0
            };
            [g.fc * p * k, g.fr * n * k, p * n + spurious]
        }
        Dataflow::Ws => [g.fc * p * k, k * n, g.fr * p * n],
        Dataflow::Is => [k * p, g.fc * k * n, g.fr * p * n],
    };
    ComputeValues {
        mapping_eff_pct,
        compute_util_pct,
        sram_reads,
    }
}

#[cfg(test)]
mod tests {
    use super::{ratio, ratio_slow};

    #[test]
    fn slow_path_agrees_with_ieee_division() {
        // A deterministic pseudo-random sweep over values where f64 division is exact-input.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let a = (x >> (x % 40)) as u128;
            let b = ((x.rotate_left(29) >> (x % 50)) | 1) as u128;
            let (a, b) = (a % (1 << 53), b % (1 << 53) + 1);
            assert_eq!(ratio_slow(a, b), a as f64 / b as f64, "{a}/{b}");
        }
        assert_eq!(ratio(0, 7), 0.0);
        assert_eq!(ratio((1 << 60) * 3, 3), (1u64 << 60) as f64);
    }
}

//! Functional check: the demand lines the simulator counts really compute the layer.
//!
//! A register-level PE grid is driven by the simulator's own demand lines (the values behind
//! the IFMAP and FILTER addresses enter at the array edges, one line per cycle), moves them
//! through the grid (streaming operands one PE to the right per cycle, stationary operands and
//! partial sums one PE down per cycle), and is sampled where the OFMAP demand lines say an
//! output leaves the array. The sampled values, summed over row folds where the dataflow
//! writes partial sums, must equal a plain convolution computed from the tensors directly.

use super::super::geometry::{Geometry, Op, NONE};
use super::super::*;

/// Deterministic small values.
fn value(seed: u64, i: u64) -> i64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    (x % 19) as i64 - 9
}

/// The layer computed directly from the tensors (zero outside the IFMAP), indexed by the
/// OFMAP address `p·N + n` of the model's output size.
fn reference_output(g: &Geometry, rep: &LayerReport) -> Vec<i64> {
    let (h, w, ch, n) = (rep.ifmap_h, rep.ifmap_w, rep.channels, rep.num_filters);
    let (fh, fw, sh, sw) = (rep.filter_h, rep.filter_w, rep.stride_h, rep.stride_w);
    let (eh, ew) = (rep.ofmap_h, rep.ofmap_w);
    let input = |y: u64, x: u64, c: u64| value(1, (y * w + x) * ch + c);
    let weight =
        |f: u64, fy: u64, fx: u64, c: u64| value(2, f * fh * fw * ch + (fy * fw + fx) * ch + c);
    let mut out = vec![0i64; (eh * ew * n) as usize];
    for oy in 0..eh {
        for ox in 0..ew {
            for f in 0..n {
                let mut acc = 0;
                for fy in 0..fh {
                    for fx in 0..fw {
                        let (y, x) = (oy * sh + fy, ox * sw + fx);
                        if y < h && x < w {
                            for c in 0..ch {
                                acc += input(y, x, c) * weight(f, fy, fx, c);
                            }
                        }
                    }
                }
                out[((oy * ew + ox) * n + f) as usize] = acc;
            }
        }
    }
    let _ = g;
    out
}

/// Value behind an IFMAP / FILTER address index (None for an empty slot).
fn operand(op: Op, idx: u32) -> Option<i64> {
    if idx == NONE {
        return None;
    }
    Some(match op {
        Op::Ifmap => value(1, idx as u64),
        _ => value(2, idx as u64),
    })
}

/// Edge inputs of demand line `l` of fold `f` for operand `op` (width of its array edge).
fn edge(g: &Geometry, op: Op, f: u64, l: i64) -> Vec<Option<i64>> {
    let fd = g.fold(f);
    let lane = g.lane(op, &fd);
    let (lo, hi) = lane.range(l, g.r as i64);
    (0..g.width(op) as i64)
        .map(|c| {
            if c >= lo && c < hi {
                operand(op, g.entry(op, &fd, &lane, l, c))
            } else {
                None
            }
        })
        .collect()
}

/// OFMAP addresses written by line `l` of fold `f`, per column.
fn writes(g: &Geometry, f: u64, l: i64) -> Vec<Option<u32>> {
    let fd = g.fold(f);
    let lane = g.lane(Op::Ofmap, &fd);
    let (lo, hi) = lane.range(l, g.r as i64);
    (0..g.c as i64)
        .map(|c| {
            if c >= lo && c < hi {
                Some(g.entry(Op::Ofmap, &fd, &lane, l, c))
            } else {
                None
            }
        })
        .collect()
}

/// Runs the PE grid over every fold; returns the summed OFMAP values and write counts.
fn run_grid(g: &Geometry) -> (Vec<i64>, Vec<u32>) {
    let (r, c) = (g.r as usize, g.c as usize);
    let mut out = vec![0i64; (g.p * g.n) as usize];
    let mut count = vec![0u32; (g.p * g.n) as usize];
    for f in 0..g.folds {
        let z = || vec![vec![0i64; c]; r];
        match g.df {
            Dataflow::Os => {
                // IFMAP enters at the left, FILTER at the top; each PE accumulates its output.
                let (mut left, mut top, mut acc) = (z(), z(), z());
                let t = g.t as i64;
                for l in 0..g.lf as i64 {
                    let a = edge(g, Op::Ifmap, f, l);
                    let b = edge(g, Op::Filter, f, l);
                    let mut nl = z();
                    let mut nt = z();
                    for i in 0..r {
                        for j in 0..c {
                            nl[i][j] = if j == 0 {
                                a[i].unwrap_or(0)
                            } else {
                                left[i][j - 1]
                            };
                            nt[i][j] = if i == 0 {
                                b[j].unwrap_or(0)
                            } else {
                                top[i - 1][j]
                            };
                            acc[i][j] += nl[i][j] * nt[i][j];
                        }
                    }
                    left = nl;
                    top = nt;
                    // Drain: once column j's bottom PE has done its last MAC (cycle
                    // T − 1 + (R − 1) + j), the column shifts its results down one row per
                    // cycle and the bottom row leaves the array.
                    let ws = writes(g, f, l);
                    for j in 0..c {
                        if l >= t + r as i64 - 1 + j as i64 {
                            let leaving = acc[r - 1][j];
                            for i in (1..r).rev() {
                                acc[i][j] = acc[i - 1][j];
                            }
                            acc[0][j] = 0;
                            if let Some(addr) = ws[j] {
                                out[addr as usize] += leaving;
                                count[addr as usize] += 1;
                            }
                        } else if let Some(addr) = ws[j] {
                            // Written before the column finished (SCALE-Sim's OS timing, Q1):
                            // sample the accumulator of the row the demand names.
                            let x = l - (g.ofmap_off + r as i64 - g.fold(f).ru as i64) - j as i64;
                            let row = g.fold(f).ru as i64 - 1 - x;
                            out[addr as usize] += acc[row as usize][j];
                            count[addr as usize] += 1;
                        }
                    }
                }
            }
            Dataflow::Ws | Dataflow::Is => {
                // The stationary operand is shifted in from the top during the first R lines;
                // the streaming one enters at the left; partial sums flow down.
                let (stat, stream) = if g.df == Dataflow::Ws {
                    (Op::Filter, Op::Ifmap)
                } else {
                    (Op::Ifmap, Op::Filter)
                };
                let (mut held, mut left, mut psum) = (z(), z(), z());
                for l in 0..g.lf as i64 {
                    let s = edge(g, stat, f, l);
                    if l < r as i64 {
                        for i in (1..r).rev() {
                            held[i] = held[i - 1].clone();
                        }
                        held[0] = s.iter().map(|v| v.unwrap_or(0)).collect();
                    } else {
                        assert!(
                            s.iter().all(Option::is_none),
                            "stationary operand after loading"
                        );
                    }
                    let a = edge(g, stream, f, l);
                    let (mut nl, mut np) = (z(), z());
                    for i in 0..r {
                        for j in 0..c {
                            nl[i][j] = if j == 0 {
                                a[i].unwrap_or(0)
                            } else {
                                left[i][j - 1]
                            };
                            let above = if i == 0 { 0 } else { psum[i - 1][j] };
                            np[i][j] = above + held[i][j] * nl[i][j];
                        }
                    }
                    left = nl;
                    psum = np;
                    for (j, w) in writes(g, f, l).into_iter().enumerate() {
                        if let Some(addr) = w {
                            out[addr as usize] += psum[r - 1][j];
                            count[addr as usize] += 1;
                        }
                    }
                }
            }
        }
    }
    (out, count)
}

fn layers() -> Vec<Layer> {
    vec![
        Layer::conv("c0", [5, 6], [3, 2], 3, 5, 1),
        Layer::conv("c1", [7, 7], [3, 3], 2, 4, 2),
        // Ceil'd output in the SCALE-Sim model: windows run off the IFMAP (zero padding).
        Layer::conv("c2", [8, 8], [3, 3], 1, 3, 3),
        Layer::conv("c3", [4, 4], [1, 1], 6, 7, 1),
        Layer::gemm("g0", 7, 5, 9),
        Layer::gemm("g1", 1, 3, 4),
    ]
}

fn arrays() -> Vec<(u64, u64)> {
    vec![(1, 1), (2, 2), (3, 4), (4, 3), (1, 5), (5, 1), (8, 8)]
}

fn check(model: Model, df: Dataflow, layer: &Layer, rc: (u64, u64)) -> bool {
    let cfg = ArrayConfig::new(rc.0, rc.1, df, [64, 64, 64]);
    let g = Geometry::new(layer, &cfg, model).unwrap();
    let rep = simulate(layer, &cfg, model).unwrap();
    let want = reference_output(&g, &rep);
    let (got, count) = run_grid(&g);
    let per_output = if df == Dataflow::Os { 1 } else { g.fr as u32 };
    assert!(
        count.iter().all(|&n| n == per_output),
        "{model:?} {df:?} {} {rc:?}: write counts",
        layer.name
    );
    got == want
}

#[test]
fn pe_grid_computes_the_layer_default_model() {
    for df in [Dataflow::Os, Dataflow::Ws, Dataflow::Is] {
        for layer in layers() {
            for rc in arrays() {
                assert!(
                    check(Model::Default, df, &layer, rc),
                    "{df:?} {} {rc:?}",
                    layer.name
                );
            }
        }
    }
}

/// WS and IS demand lines of the SCALE-Sim model compute the layer too (with its ceil'd
/// output size, zero-padded). Its OS timing writes outputs of the lower half of the array
/// before their last MAC (quirk Q1): the grid samples partial sums there.
#[test]
fn pe_grid_scalesim_model() {
    let mut os_wrong = 0;
    for layer in layers() {
        for rc in arrays() {
            for df in [Dataflow::Ws, Dataflow::Is] {
                assert!(
                    check(Model::Scalesim, df, &layer, rc),
                    "{df:?} {} {rc:?}",
                    layer.name
                );
            }
            let ok = check(Model::Scalesim, Dataflow::Os, &layer, rc);
            if rc.0 == 1 {
                assert!(ok, "a single-row array has no Q1 error ({})", layer.name);
            }
            os_wrong += usize::from(!ok);
        }
    }
    assert!(
        os_wrong > 0,
        "SCALE-Sim's OS timing should sample unfinished sums on some layers"
    );
}

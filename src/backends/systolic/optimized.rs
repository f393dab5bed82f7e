//! SCALE-Sim 3.0.0's optimized sparse mapping (WS only; `docs/semantics/scalesim.md`,
//! "Optimized sparse mapping"): per-filter random `N:B` ratios, the weights compressed two
//! blocks at a time, and IFMAP lines that feed each block to `B/2` array rows. Its demand
//! lines have no fold-geometry closed form, so this driver builds them line by line and runs
//! them through the same memory models as `engine.rs`.

use super::compute::{ratio, ComputeValues};
use super::engine::{assemble, finish_reads, update, ReadModel};
use super::geometry::{Geometry, Op, NONE};
use super::memory::{CalcRead, OfmapWriter, UserRead};
use super::mt19937::Mt19937;
use super::report::LayerReport;
use super::sparse::{storage_optimized, SparseShape};
use super::{Bandwidth, SimError};

/// The compressed filter: `rows × n` indices (column-major by filter), [`NONE`] for pruned
/// or padding entries, and the number of kept weights.
struct Compressed {
    rows: u64,
    entries: Vec<u32>,
    kept: u64,
}

/// Each filter keeps the first `N` of every block of `B` window elements, `N` drawn from
/// numpy's legacy generator (`randint(1, B/2 + 1)` per filter, seeded per layer); blocks are
/// compressed two at a time into `2·⌊B/2⌋` rows.
fn compress(g: &Geometry, block: u64, seed: u64) -> Result<Compressed, SimError> {
    let half = block / 2;
    if half == 0 {
        return Err(SimError::ScalesimFails(
            "BlockSize 1 leaves randint(1, 1) an empty range".to_string(),
        ));
    }
    let seed = u32::try_from(seed).map_err(|_| {
        SimError::ScalesimFails("RandomNumberGeneratorSeed is not below 2^32".to_string())
    })?;
    let mut rng = Mt19937::new(seed);
    let chunks = g.k.div_ceil(2 * block);
    let rows = chunks * block;
    let mut entries = vec![NONE; (rows * g.n) as usize];
    let mut kept = 0u64;
    for n in 0..g.n {
        let ratio_n = rng.randint(1, half as i64 + 1) as u64;
        for chunk in 0..chunks {
            for side in 0..2 {
                let start = chunk * 2 * block + side * block;
                for i in 0..ratio_n.min(half) {
                    let k = start + i;
                    if k < g.k {
                        let row = chunk * 2 * half + side * half + i;
                        entries[(n * rows + row) as usize] = (n * g.k + k) as u32;
                    }
                }
            }
        }
        kept += (g.k / block) * ratio_n + (g.k % block).min(ratio_n);
    }
    Ok(Compressed {
        rows,
        entries,
        kept,
    })
}

/// The three demand lines of line `l` of fold `(j, i)`: IFMAP and FILTER addresses appended
/// to `bufs`, the OFMAP write count returned.
fn line(
    g: &Geometry,
    comp: &Compressed,
    block: u64,
    (j, i): (u64, u64),
    l: u64,
    bufs: &mut [Vec<u32>; 2],
) -> u64 {
    let (r, c, t) = (g.r, g.c, g.t);
    let half = block / 2;
    // IFMAP: after R empty lines, skew row x holds, in block slot b, block b / half of pixel
    // x − b's 2R-wide IFMAP slice.
    if l >= r && l < r + t + r - 1 {
        let x = l - r;
        let slots = (2 * r).div_ceil(block) * half;
        for b in 0..slots.min(x + 1) {
            let p = x - b;
            if p >= t {
                continue;
            }
            let first = i * 2 * r + (b / half) * block;
            for k in first..(first + block).min(g.k).min((i + 1) * 2 * r) {
                let a = g.ifmap_idx(p, k);
                if a != NONE {
                    bufs[0].push(a);
                }
            }
        }
    }
    // FILTER: the tile of compressed rows iR.., flipped, in the first R lines.
    if l < r {
        let row = i * r + (r - 1 - l);
        if row < comp.rows {
            for n in (j * c)..((j + 1) * c).min(g.n) {
                let a = comp.entries[(n * comp.rows + row) as usize];
                if a != NONE {
                    bufs[1].push(a);
                }
            }
        }
    }
    // OFMAP: skewed by column after 2R − 1 lines.
    let cu = c.min(g.n - j * c);
    let x = l as i64 - (2 * r - 1) as i64;
    (0..cu as i64)
        .filter(|&cc| (0..t as i64).contains(&(x - cc)))
        .count() as u64
}

/// Mapping efficiency, compute utilisation and SRAM counts, fold by fold as SCALE-Sim sums.
fn compute(g: &Geometry, comp: &Compressed, block: u64, fr: u64) -> ComputeValues {
    let (r, c, t) = (g.r, g.c, g.t);
    let rc = (r * c) as u128;
    let cycles = (2 * r + 2 * c + t - 3) as u128;
    let (mut me, mut cu_sum, mut filter_reads, mut ifmap_reads, mut ofmap) = (0.0, 0.0, 0, 0, 0);
    let width = (2 * r).div_ceil(block) * (block / 2) * block;
    for j in 0..g.fc {
        let cols = c.min(g.n - j * c);
        for i in 0..fr {
            let rows = r.min(comp.rows - i * r);
            let mut real = 0u128;
            for n in j * c..j * c + cols {
                for row in i * r..i * r + rows {
                    real += (comp.entries[(n * comp.rows + row) as usize] != NONE) as u128;
                }
            }
            me += ratio(real, rc);
            cu_sum += ratio((rows * cols) as u128 * t as u128, rc * cycles);
            filter_reads += rows * cols;
            ifmap_reads += (t + r - 1) * width;
            ofmap += t * cols;
        }
    }
    let folds = (g.fc * fr) as f64;
    ComputeValues {
        mapping_eff_pct: me / folds * 100.0,
        compute_util_pct: cu_sum / folds * 100.0,
        sram_reads: [ifmap_reads, filter_reads, ofmap],
    }
}

/// Simulates a WS layer under the optimized mapping with blocks of `block` and `seed`.
pub(crate) fn run(
    g: &Geometry,
    sparse: &SparseShape,
    block: u64,
    seed: u64,
) -> Result<LayerReport, SimError> {
    if !(2 * g.r).is_multiple_of(block) {
        return Err(SimError::ScalesimFails(format!(
            "BlockSize {block} does not divide twice the array rows: ragged IFMAP lines"
        )));
    }
    let comp = compress(g, block, seed)?;
    let fr = comp.rows.div_ceil(g.r);
    let mut geo = g.clone();
    geo.fr = fr;
    geo.folds = g.fc * fr;
    geo.lines = geo.folds * g.lf;
    let g = &geo;
    let (mut reads, line_words) = match g.bandwidth {
        Bandwidth::Calc => (
            [
                ReadModel::Calc(CalcRead::new(g.sram_words[0], g.space[0], false)),
                ReadModel::Calc(CalcRead::new(g.sram_words[1], g.space[1], false)),
            ],
            g.c,
        ),
        Bandwidth::User {
            ifmap,
            filter,
            ofmap,
        } => {
            let mut dense = g.clone();
            dense.fr = g.k.div_ceil(g.r);
            let si = dense.fetch_sequence(Op::Ifmap)?;
            let mut sf = Vec::with_capacity((g.fc * comp.rows * g.c) as usize);
            for j in 0..g.fc {
                for row in 0..comp.rows {
                    for n in j * g.c..(j + 1) * g.c {
                        let a = if n < g.n {
                            comp.entries[(n * comp.rows + row) as usize]
                        } else {
                            NONE
                        };
                        sf.push(a);
                    }
                }
            }
            let fixed = false;
            let ri = UserRead::new(&si, g.space[0], g.sram_words[0], ifmap, fixed, false, None)?;
            let rf = UserRead::new(&sf, g.space[1], g.sram_words[1], filter, fixed, false, None)?;
            ([ReadModel::User(ri), ReadModel::User(rf)], ofmap)
        }
    };
    let mut w = OfmapWriter::new(g.sram_words[2], line_words, false, false);
    let (mut stalls, mut c_last) = (0u64, 0i64);
    let mut first_req: [Option<i64>; 2] = [None, None];
    let mut sram: [Option<(i64, i64)>; 3] = [None; 3];
    let mut bufs: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
    for f in 0..g.folds {
        let (j, i) = (f / fr, f % fr);
        for l in 0..g.lf {
            let t = (f * g.lf + l + stalls) as i64;
            bufs.iter_mut().for_each(Vec::clear);
            let n = line(g, &comp, block, (j, i), l, &mut bufs);
            let mut served = [t + 1, t + 1, t];
            for oi in 0..2 {
                let has = !bufs[oi].is_empty();
                if has && first_req[oi].is_none() {
                    first_req[oi] = Some(t);
                }
                match &mut reads[oi] {
                    ReadModel::Calc(m) => bufs[oi].iter().for_each(|&a| {
                        m.access(a, t);
                    }),
                    ReadModel::User(m) => served[oi] = m.serve(t, &bufs[oi])?,
                }
                if has {
                    update(&mut sram[oi], served[oi]);
                }
            }
            let cycle = w.write(t, n);
            if n > 0 {
                update(&mut sram[2], cycle);
            }
            stalls += (served[0] - t - 1)
                .max(served[1] - t - 1)
                .max(cycle - t)
                .max(0) as u64;
            c_last = cycle;
        }
    }
    w.finish(c_last);
    let (sram_out, dram, _) = finish_reads(g, &reads, &w, first_req, sram)?;
    let cv = compute(g, &comp, block, fr);
    let total = c_last.max(0) as u64;
    let mut report = assemble(g, cv, total, stalls, sram_out, dram)?;
    report.sparse = Some(storage_optimized(sparse, g, comp.kept, comp.rows, total));
    Ok(report)
}

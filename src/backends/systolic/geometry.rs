//! Layer shape, fold geometry and the demand lines, computed on the fly (`docs/semantics/scalesim.md`,
//! "Layer shapes and folds", "Dataflow mapping" and "Demand lines per fold").
//!
//! SCALE-Sim builds, per fold, three blocks (IFMAP, FILTER, OFMAP) that are either *skewed*
//! (column `c` delayed by `c` cycles) or *stationary* (an `R × C` tile, flipped, read in the
//! first `R` lines of the fold). Both have a closed form: in a skewed lane, line `l` of a fold
//! holds, in column `c`, element `x = l − off − c` of the lane's operand column, for the `c`
//! with `0 ≤ x < len` and `c < used`; in a stationary lane, line `l < R` holds tile row
//! `R − 1 − l`. [`Geometry`] turns `(fold, line, column)` into an address index without ever
//! building a matrix.
//!
//! Address *indices* are relative to the operand's offset and dense (`0 ..` the operand's
//! address space), so the memory models can keep per-address state in plain arrays.

use super::layout::custom_fetches;
use super::sparse::{sparse_window, SparseShape};
use super::{ArrayConfig, Bandwidth, Dataflow, Layer, Model, SimError, SramBanks};

/// Marks an empty (−1) entry in index sequences.
pub(crate) const NONE: u32 = u32::MAX;

/// Largest address space (per operand) and largest table this implementation accepts.
const MAX_SPACE: u64 = 1 << 28;
/// Largest USER-mode fetch sequence (entries).
pub(crate) const MAX_FETCH: u64 = 1 << 30;

/// Which operand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Ifmap,
    Filter,
    Ofmap,
}

/// How the lines of one fold map onto one operand (see module docs).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lane {
    /// Line `l`, column `c`: element `x = l − off − c` for `0 ≤ x < len`, `c < used`.
    Skew { off: i64, len: i64, used: i64 },
    /// Line `l < R`: tile row `r = R − 1 − l` when `r < rows`, columns `c < used`.
    Stat { rows: i64, used: i64 },
}

impl Lane {
    /// Columns of line `l` that belong to the lane: `lo..hi` (empty when `lo ≥ hi`).
    #[inline(always)]
    pub(crate) fn range(&self, l: i64, array_rows: i64) -> (i64, i64) {
        match *self {
            Lane::Skew { off, len, used } => ((l - off - len + 1).max(0), (l - off + 1).min(used)),
            Lane::Stat { rows, used } => {
                if l < array_rows && array_rows - 1 - l < rows {
                    (0, used)
                } else {
                    (0, 0)
                }
            }
        }
    }
}

/// One fold: column fold `j` (outer), row fold `i` (inner), rows/columns of the array used.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fold {
    pub j: u64,
    pub i: u64,
    pub ru: u64,
    pub cu: u64,
}

/// Everything about one layer on one array that the models need, with the model's switches.
#[derive(Debug, Clone)]
pub(crate) struct Geometry {
    pub model: Model,
    pub df: Dataflow,
    pub name: String,
    /// Array rows and columns.
    pub r: u64,
    pub c: u64,
    // Layer shape (after the model's output-size rule).
    pub h: u64,
    pub w: u64,
    pub fh: u64,
    pub fw: u64,
    pub ch: u64,
    pub n: u64,
    pub sh: u64,
    pub sw: u64,
    pub eh: u64,
    pub ew: u64,
    /// Output pixels per filter, window size, MACs.
    pub p: u64,
    pub k: u64,
    pub macs: u64,
    // Mapping (the semantics document's "Dataflow mapping").
    pub sr: u64,
    pub sc: u64,
    pub t: u64,
    pub fr: u64,
    pub fc: u64,
    pub folds: u64,
    /// Demand lines per fold and per layer.
    pub lf: u64,
    pub lines: u64,
    /// Skew offset of the OFMAP lane (OS: `T − 1`, default model `T + R − 1`; WS/IS `2R − 1`).
    pub ofmap_off: i64,
    // Memories.
    pub sram_words: [u64; 3],
    pub bandwidth: Bandwidth,
    pub fill_bw: u64,
    pub offsets: [u64; 3],
    /// Size of each operand's address space (indices are `0..space`).
    pub space: [u64; 3],
    /// True when some window element falls outside the IFMAP (address −1; only with the
    /// ceil'd output size of the SCALE-Sim model, quirk Q5).
    pub has_invalid: bool,
    /// IFMAP address tables, one entry per output pixel and per window element:
    /// index = `pix[p].base + win[k].base`, valid iff `win[k].y < pix[p].y` and
    /// `win[k].x < pix[p].x`.
    pix: Vec<Part>,
    win: Vec<Part>,
    /// With sparsity on: the layer's ratio and dense window; `k` above is then the number
    /// of kept window elements and `win` holds only those.
    pub sparse: Option<SparseShape>,
    /// USER mode with a custom IFMAP/FILTER layout: its fetch sequence, and the SRAM banks.
    pub custom_fetch: [Option<Vec<u32>>; 2],
    pub banks: [SramBanks; 2],
}

/// Half of an IFMAP address: an index offset and the row/column extent it needs (window
/// element: its filter row/column; output pixel: IFMAP rows/columns left below/right of it).
#[derive(Debug, Clone, Copy)]
struct Part {
    base: u32,
    y: i32,
    x: i32,
}

impl Part {
    /// The IFMAP index of window element `self` of pixel `p`, or None off the IFMAP.
    #[inline(always)]
    fn at(self, p: Part, check: bool) -> Option<u32> {
        if check && (self.y >= p.y || self.x >= p.x) {
            None
        } else {
            Some(p.base + self.base)
        }
    }
}

fn too_large(what: &str) -> SimError {
    SimError::TooLarge(what.to_string())
}

fn mul(a: u64, b: u64, what: &str) -> Result<u64, SimError> {
    a.checked_mul(b).ok_or_else(|| too_large(what))
}

/// A layer's shape as the model simulates it: the validated sizes, the strides the model
/// honours, the output size its rule gives, and the derived counts.
struct Shape {
    h: u64,
    w: u64,
    fh: u64,
    fw: u64,
    ch: u64,
    n: u64,
    sh: u64,
    sw: u64,
    eh: u64,
    ew: u64,
    /// Output pixels per filter, window size, MACs.
    p: u64,
    k: u64,
    macs: u64,
    /// Size of each operand's address space.
    space: [u64; 3],
}

/// How the layer folds onto the array (see `docs/semantics/scalesim.md`, "Dataflow mapping"
/// and "Demand lines per fold").
struct Folding {
    sr: u64,
    sc: u64,
    t: u64,
    fr: u64,
    fc: u64,
    folds: u64,
    lf: u64,
    lines: u64,
    ofmap_off: i64,
}

/// The layer's sizes, checked, and its output size under the model's rule (see
/// `docs/semantics/scalesim.md`, "Layer shapes and folds").
fn layer_shape(layer: &Layer, model: Model) -> Result<Shape, SimError> {
    let (h, w, fh, fw) = (layer.ifmap_h, layer.ifmap_w, layer.filter_h, layer.filter_w);
    let (ch, n) = (layer.channels, layer.num_filters);
    let (sh, sw) = match model {
        // SCALE-Sim reads one stride and uses it for both axes (T7).
        Model::Scalesim => (layer.stride_h, layer.stride_h),
        Model::Default => (layer.stride_h, layer.stride_w),
    };
    for (v, what) in [
        (h, "IFMAP height"),
        (w, "IFMAP width"),
        (fh, "filter height"),
        (fw, "filter width"),
        (ch, "channels"),
        (n, "number of filters"),
        (sh, "stride"),
        (sw, "stride"),
    ] {
        if v == 0 {
            return Err(SimError::Layer(format!(
                "{what} of layer `{}` is 0",
                layer.name
            )));
        }
    }
    if fh > h || fw > w {
        return Err(SimError::Layer(format!(
            "filter {fh}×{fw} of layer `{}` is larger than its IFMAP {h}×{w}",
            layer.name
        )));
    }
    for v in [h, w, fh, fw, ch, n, sh, sw] {
        if v > MAX_SPACE {
            return Err(too_large("a layer dimension exceeds 2^28"));
        }
    }
    let (eh, ew) = match model {
        // SCALE-Sim's output size ceil((H − Fh + s)/s): one more than a valid convolution
        // when s does not divide H − Fh (quirk Q5).
        Model::Scalesim => ((h - fh).div_ceil(sh) + 1, (w - fw).div_ceil(sw) + 1),
        // Q5 fixed: a valid convolution.
        Model::Default => ((h - fh) / sh + 1, (w - fw) / sw + 1),
    };
    let p = mul(eh, ew, "output pixels")?;
    let k = mul(mul(fh, fw, "window")?, ch, "window")?;
    let macs = mul(mul(p, k, "MACs")?, n, "MACs")?;
    let space = [
        mul(mul(h, w, "IFMAP")?, ch, "IFMAP")?,
        mul(k, n, "filter")?,
        mul(p, n, "OFMAP")?,
    ];
    if p > MAX_SPACE || k > MAX_SPACE || space.iter().any(|&s| s > MAX_SPACE) {
        return Err(too_large("an operand has more than 2^28 elements"));
    }
    Ok(Shape {
        h,
        w,
        fh,
        fw,
        ch,
        n,
        sh,
        sw,
        eh,
        ew,
        p,
        k,
        macs,
        space,
    })
}

/// The dataflow's spatial rows, spatial columns and temporal extent, the folds they make on
/// the array, and the demand lines of each fold.
fn folding(shape: &Shape, cfg: &ArrayConfig, model: Model) -> Result<Folding, SimError> {
    let (r, c) = (cfg.rows, cfg.cols);
    let (sr, sc, t) = match cfg.dataflow {
        Dataflow::Os => (shape.p, shape.n, shape.k),
        Dataflow::Ws => (shape.k, shape.n, shape.p),
        Dataflow::Is => (shape.k, shape.p, shape.n),
    };
    let fr = sr.div_ceil(r);
    let fc = sc.div_ceil(c);
    let folds = mul(fr, fc, "folds")?;
    // The default model adds R cycles to OS folds (Q1).
    let os_extra = if model == Model::Default { r } else { 0 };
    let lf = match cfg.dataflow {
        Dataflow::Os => t + r + c - 2 + os_extra,
        Dataflow::Ws | Dataflow::Is => 2 * r + c + t - 2,
    };
    let lines = mul(folds, lf, "demand lines")?;
    if lines > 1 << 50 {
        return Err(too_large("more than 2^50 demand lines"));
    }
    let ofmap_off = match cfg.dataflow {
        Dataflow::Os => (t - 1 + os_extra) as i64,
        Dataflow::Ws | Dataflow::Is => (2 * r - 1) as i64,
    };
    Ok(Folding {
        sr,
        sc,
        t,
        fr,
        fc,
        folds,
        lf,
        lines,
        ofmap_off,
    })
}

/// Words each SRAM holds (IFMAP, FILTER, OFMAP).
fn sram_words(cfg: &ArrayConfig) -> Result<[u64; 3], SimError> {
    let word = cfg.word_bytes.max(1);
    let sram_words = [
        mul(cfg.ifmap_sram_kb, 1024, "SRAM size")? / word,
        mul(cfg.filter_sram_kb, 1024, "SRAM size")? / word,
        mul(cfg.ofmap_sram_kb, 1024, "SRAM size")? / word,
    ];
    if sram_words.iter().any(|&e| e < 100) {
        // SCALE-Sim divides each SRAM into 100 sets; with fewer words its CALC model
        // reshapes an empty prefetch and crashes.
        return Err(SimError::Config(
            "every SRAM must hold at least 100 words".to_string(),
        ));
    }
    Ok(sram_words)
}

/// The IFMAP address tables: one entry per output pixel and one per window element.
fn ifmap_tables(shape: &Shape) -> (Vec<Part>, Vec<Part>) {
    let Shape {
        h, w, fh, fw, ch, ..
    } = *shape;
    let mut pix = Vec::with_capacity(shape.p as usize);
    for oy in 0..shape.eh {
        for ox in 0..shape.ew {
            let (y, x) = (oy * shape.sh, ox * shape.sw);
            // Clamp so that off-IFMAP windows (all entries invalid) do not overflow u32;
            // their entries are never used.
            let base = if y < h && x < w { (y * w + x) * ch } else { 0 };
            // Rows/columns left are clamped at 0: a pixel whose window starts off the
            // IFMAP has no valid element.
            pix.push(Part {
                base: base as u32,
                y: h.saturating_sub(y) as i32,
                x: w.saturating_sub(x) as i32,
            });
        }
    }
    let mut win = Vec::with_capacity(shape.k as usize);
    for fy in 0..fh {
        for fx in 0..fw {
            for cc in 0..ch {
                win.push(Part {
                    base: ((fy * w + fx) * ch + cc) as u32,
                    y: fy as i32,
                    x: fx as i32,
                });
            }
        }
    }
    (pix, win)
}

impl Geometry {
    /// The geometry of `layer` on the array of `cfg` under `model`, in four steps: the
    /// layer's shape, its folding onto the array, the SRAM sizes, and the IFMAP tables.
    pub(crate) fn new(
        layer: &Layer,
        cfg: &ArrayConfig,
        model: Model,
    ) -> Result<Geometry, SimError> {
        cfg.check(model)?;
        let mut shape = layer_shape(layer, model)?;
        let (pix, mut win) = ifmap_tables(&shape);
        // Sparsity: only the kept window elements remain; FILTER indices become `n·K' + k'`
        // (the memory models only need them distinct).
        let sparse = match sparse_window(layer, cfg, model, shape.k)? {
            Some((sparse, kept)) => {
                win = kept.iter().map(|&k| win[k as usize]).collect();
                shape.k = kept.len() as u64;
                shape.space[1] = mul(shape.k, shape.n, "filter")?;
                // SCALE-Sim counts the dense MACs, so its utilisation of a pruned layer
                // passes 100 %; the default model counts the MACs the array performs
                // (`MODEL.md`, "Differences that change report columns").
                if model == Model::Default {
                    shape.macs = mul(mul(shape.p, shape.k, "MACs")?, shape.n, "MACs")?;
                }
                // `distinct` walks every IFMAP entry of a sparse layer.
                if mul(shape.p, shape.k, "IFMAP entries")? > 1 << 34 {
                    return Err(too_large(
                        "a sparse layer with more than 2^34 IFMAP entries",
                    ));
                }
                Some(sparse)
            }
            None => None,
        };
        let folding = folding(&shape, cfg, model)?;
        let sram_words = sram_words(cfg)?;
        let dims = [shape.h, shape.w, shape.ch, shape.n, shape.fh, shape.fw];
        let custom_fetch = custom_fetches(cfg, model, dims, sparse.is_some())?;
        let has_invalid = (shape.eh - 1) * shape.sh + shape.fh > shape.h
            || (shape.ew - 1) * shape.sw + shape.fw > shape.w;
        Ok(Geometry {
            model,
            df: cfg.dataflow,
            name: layer.name.clone(),
            r: cfg.rows,
            c: cfg.cols,
            h: shape.h,
            w: shape.w,
            fh: shape.fh,
            fw: shape.fw,
            ch: shape.ch,
            n: shape.n,
            sh: shape.sh,
            sw: shape.sw,
            eh: shape.eh,
            ew: shape.ew,
            p: shape.p,
            k: shape.k,
            macs: shape.macs,
            sr: folding.sr,
            sc: folding.sc,
            t: folding.t,
            fr: folding.fr,
            fc: folding.fc,
            folds: folding.folds,
            lf: folding.lf,
            lines: folding.lines,
            ofmap_off: folding.ofmap_off,
            sram_words,
            bandwidth: cfg.bandwidth,
            fill_bw: cfg.calc_fill_bandwidth,
            offsets: [cfg.ifmap_offset, cfg.filter_offset, cfg.ofmap_offset],
            space: shape.space,
            has_invalid,
            pix,
            win,
            sparse,
            custom_fetch,
            banks: [cfg.ifmap_banks, cfg.filter_banks],
        })
    }

    /// Fold number `f` in SCALE-Sim's order (column fold outer, row fold inner).
    #[inline]
    pub(crate) fn fold(&self, f: u64) -> Fold {
        let (j, i) = (f / self.fr, f % self.fr);
        Fold {
            j,
            i,
            ru: self.r.min(self.sr - i * self.r),
            cu: self.c.min(self.sc - j * self.c),
        }
    }

    /// Width of an operand's demand lines (array edge it enters or leaves by).
    pub(crate) fn width(&self, op: Op) -> u64 {
        match (self.df, op) {
            (Dataflow::Os, Op::Ifmap) | (Dataflow::Ws, Op::Ifmap) | (Dataflow::Is, Op::Filter) => {
                self.r
            }
            _ => self.c,
        }
    }

    /// The lane of an operand in a fold.
    #[inline]
    pub(crate) fn lane(&self, op: Op, fd: &Fold) -> Lane {
        let (ru, cu, r) = (fd.ru as i64, fd.cu as i64, self.r as i64);
        let t = self.t as i64;
        match (self.df, op) {
            (Dataflow::Os, Op::Ifmap) => Lane::Skew {
                off: 0,
                len: t,
                used: ru,
            },
            (Dataflow::Os, Op::Filter) => Lane::Skew {
                off: 0,
                len: t,
                used: cu,
            },
            // The R×C output tile, flipped, after ofmap_off empty lines: row ru−1−x of the
            // used part sits at x = l − c − (ofmap_off + R − ru).
            (Dataflow::Os, Op::Ofmap) => Lane::Skew {
                off: self.ofmap_off + r - ru,
                len: ru,
                used: cu,
            },
            (Dataflow::Ws, Op::Ifmap) => Lane::Skew {
                off: r,
                len: t,
                used: ru,
            },
            (Dataflow::Ws, Op::Filter) => Lane::Stat { rows: ru, used: cu },
            (Dataflow::Is, Op::Ifmap) => Lane::Stat { rows: ru, used: cu },
            (Dataflow::Is, Op::Filter) => Lane::Skew {
                off: r,
                len: t,
                used: ru,
            },
            (_, Op::Ofmap) => Lane::Skew {
                off: self.ofmap_off,
                len: t,
                used: cu,
            },
        }
    }

    /// IFMAP index of window element `k` of output pixel `p`, or [`NONE`] off the IFMAP.
    #[inline(always)]
    pub(crate) fn ifmap_idx(&self, p: u64, k: u64) -> u32 {
        self.win[k as usize]
            .at(self.pix[p as usize], self.has_invalid)
            .unwrap_or(NONE)
    }

    #[inline(always)]
    pub(crate) fn filter_idx(&self, k: u64, n: u64) -> u32 {
        (n * self.k + k) as u32
    }

    #[inline(always)]
    pub(crate) fn ofmap_idx(&self, p: u64, n: u64) -> u32 {
        (p * self.n + n) as u32
    }

    /// Index of the entry in column `c` of line `l` of fold `fd` of operand `op`, the line
    /// being inside the lane's range for `c` (see [`Lane::range`]). May be [`NONE`] (IFMAP).
    #[inline(always)]
    pub(crate) fn entry(&self, op: Op, fd: &Fold, lane: &Lane, l: i64, c: i64) -> u32 {
        let r = self.r;
        // x: element along the lane (skewed) or tile row (stationary).
        let x = match *lane {
            Lane::Skew { off, .. } => (l - off - c) as u64,
            Lane::Stat { .. } => (self.r as i64 - 1 - l) as u64,
        };
        let c = c as u64;
        match (self.df, op) {
            (Dataflow::Os, Op::Ifmap) => self.ifmap_idx(fd.i * r + c, x),
            (Dataflow::Os, Op::Filter) => self.filter_idx(x, fd.j * self.c + c),
            (Dataflow::Os, Op::Ofmap) => {
                self.ofmap_idx(fd.i * r + (fd.ru - 1 - x), fd.j * self.c + c)
            }
            (Dataflow::Ws, Op::Ifmap) => self.ifmap_idx(x, fd.i * r + c),
            (Dataflow::Ws, Op::Filter) => self.filter_idx(fd.i * r + x, fd.j * self.c + c),
            (Dataflow::Ws, Op::Ofmap) => self.ofmap_idx(x, fd.j * self.c + c),
            (Dataflow::Is, Op::Ifmap) => self.ifmap_idx(fd.j * self.c + c, fd.i * r + x),
            (Dataflow::Is, Op::Filter) => self.filter_idx(fd.i * r + c, x),
            (Dataflow::Is, Op::Ofmap) => self.ofmap_idx(fd.j * self.c + c, x),
        }
    }

    /// Calls `visit(c, index)` for every entry of line `l` of fold `fd` with a real address,
    /// in column order. The hot loop of the CALC read streams: the lane's address pattern is
    /// chosen once per line, then walked with table lookups or a constant stride.
    #[inline(always)]
    pub(crate) fn for_line(
        &self,
        op: Op,
        fd: &Fold,
        lane: &Lane,
        l: i64,
        mut visit: impl FnMut(i64, u32),
    ) {
        let (lo, hi) = lane.range(l, self.r as i64);
        if lo >= hi {
            return;
        }
        let (r, c, k) = (self.r as i64, self.c as i64, self.k as i64);
        let (i, j) = (fd.i as i64, fd.j as i64);
        match (self.df, op) {
            // IFMAP entries: pixel and window element both move with the column.
            // IFMAP entries: walk the pixel and window-element tables as slices (no index
            // arithmetic or bounds checks per entry).
            (_, Op::Ifmap) => {
                let n = (hi - lo) as usize;
                let chk = self.has_invalid;
                let mut emit = |cc: usize, a: Option<u32>| {
                    if let Some(a) = a {
                        visit(lo + cc as i64, a);
                    }
                };
                match (self.df, *lane) {
                    // OS: pixel iR + c (rising), window element l − c (falling).
                    (Dataflow::Os, Lane::Skew { off, .. }) => {
                        let p0 = (i * r + lo) as usize;
                        let k0 = (l - off - lo) as usize;
                        let ws = self.win[k0 + 1 - n..=k0].iter().rev();
                        for (cc, (pp, ww)) in self.pix[p0..p0 + n].iter().zip(ws).enumerate() {
                            emit(cc, ww.at(*pp, chk));
                        }
                    }
                    // WS: pixel l − R − c (falling), window element iR + c (rising).
                    (Dataflow::Ws, Lane::Skew { off, .. }) => {
                        let p0 = (l - off - lo) as usize;
                        let k0 = (i * r + lo) as usize;
                        let ps = self.pix[p0 + 1 - n..=p0].iter().rev();
                        for (cc, (pp, ww)) in ps.zip(self.win[k0..k0 + n].iter()).enumerate() {
                            emit(cc, ww.at(*pp, chk));
                        }
                    }
                    // IS: pixels jC + c, one window element per line.
                    _ => {
                        let p0 = (j * c + lo) as usize;
                        let ww = self.win[(i * r + (r - 1 - l)) as usize];
                        for (cc, pp) in self.pix[p0..p0 + n].iter().enumerate() {
                            emit(cc, ww.at(*pp, chk));
                        }
                    }
                }
            }
            _ => {
                // FILTER and OFMAP indices are affine in the column.
                let (base, step) = match (self.df, op, *lane) {
                    (Dataflow::Os, Op::Filter, Lane::Skew { off, .. }) => {
                        ((j * c + lo) * k + (l - off - lo), k - 1)
                    }
                    (Dataflow::Ws, Op::Filter, _) => ((j * c + lo) * k + i * r + (r - 1 - l), k),
                    (Dataflow::Is, Op::Filter, Lane::Skew { off, .. }) => {
                        ((l - off - lo) * k + i * r + lo, 1 - k)
                    }
                    _ => {
                        for cc in lo..hi {
                            visit(cc, self.entry(op, fd, lane, l, cc));
                        }
                        return;
                    }
                };
                for n in 0..hi - lo {
                    visit(lo + n, (base + step * n) as u32);
                }
            }
        }
    }

    /// True when line `l` of the fold holds at least one real address of `op`.
    #[inline]
    pub(crate) fn line_has_real(&self, op: Op, fd: &Fold, lane: &Lane, l: i64) -> bool {
        let (lo, hi) = lane.range(l, self.r as i64);
        if lo >= hi {
            return false;
        }
        if op != Op::Ifmap || !self.has_invalid {
            return true;
        }
        (lo..hi).any(|c| self.entry(op, fd, lane, l, c) != NONE)
    }

    /// Number of distinct real addresses of an operand over the layer.
    pub(crate) fn distinct(&self, op: Op) -> u64 {
        match op {
            // Pruned window elements leave holes no closed form covers: mark them.
            Op::Ifmap if self.sparse.is_some() => {
                let mut seen = vec![false; self.space[0] as usize];
                for p in 0..self.p {
                    for k in 0..self.k {
                        let a = self.ifmap_idx(p, k);
                        if a != NONE {
                            seen[a as usize] = true;
                        }
                    }
                }
                seen.iter().filter(|&&b| b).count() as u64
            }
            Op::Ifmap => {
                covered(self.h, self.eh, self.fh, self.sh)
                    * covered(self.w, self.ew, self.fw, self.sw)
                    * self.ch
            }
            Op::Filter => self.k * self.n,
            Op::Ofmap => self.p * self.n,
        }
    }

    // ----- USER-mode fetch order (see `docs/semantics/scalesim.md`, "DRAM fetch order") -----

    /// Shape of the stacked fetch matrix of `op` (rows, width) and whether it is read out by
    /// anti-diagonals (the streaming operands) rather than row-major (the stationary ones).
    pub(crate) fn fetch_shape(&self, op: Op) -> (u64, u64, bool) {
        let (r, c) = (self.r, self.c);
        match (self.df, op) {
            (Dataflow::Os, Op::Ifmap) => (self.fr * self.k, r, true),
            (Dataflow::Os, Op::Filter) => (self.fc * self.k, c, true),
            (Dataflow::Ws, Op::Ifmap) => (self.fr * self.p, r, true),
            (Dataflow::Ws, Op::Filter) => (self.fc * self.k, c, false),
            (Dataflow::Is, Op::Ifmap) => (self.fc * self.k, c, false),
            (Dataflow::Is, Op::Filter) => (self.fr * self.n, r, true),
            (_, Op::Ofmap) => (0, 0, false),
        }
    }

    /// Element `(row, col)` of the stacked fetch matrix of `op`, or [`NONE`].
    #[inline]
    fn fetch_elem(&self, op: Op, row: u64, col: u64) -> u32 {
        let (r, c) = (self.r, self.c);
        match (self.df, op) {
            (Dataflow::Os, Op::Ifmap) => {
                let (i, t) = (row / self.k, row % self.k);
                let p = i * r + col;
                if p < self.p {
                    self.ifmap_idx(p, t)
                } else {
                    NONE
                }
            }
            (Dataflow::Os, Op::Filter) | (Dataflow::Ws, Op::Filter) => {
                let (j, k) = (row / self.k, row % self.k);
                let n = j * c + col;
                if n < self.n {
                    self.filter_idx(k, n)
                } else {
                    NONE
                }
            }
            (Dataflow::Ws, Op::Ifmap) => {
                let (i, x) = (row / self.p, row % self.p);
                let k = i * r + col;
                if k < self.k {
                    self.ifmap_idx(x, k)
                } else {
                    NONE
                }
            }
            (Dataflow::Is, Op::Ifmap) => {
                let (j, k) = (row / self.k, row % self.k);
                let p = j * c + col;
                if p < self.p {
                    self.ifmap_idx(p, k)
                } else {
                    NONE
                }
            }
            (Dataflow::Is, Op::Filter) => {
                let (i, n) = (row / self.n, row % self.n);
                let k = i * r + col;
                if k < self.k {
                    self.filter_idx(k, n)
                } else {
                    NONE
                }
            }
            (_, Op::Ofmap) => NONE,
        }
    }

    /// The DRAM fetch sequence of `op` (USER mode, "DRAM fetch order"), −1 entries as [`NONE`].
    pub(crate) fn fetch_sequence(&self, op: Op) -> Result<Vec<u32>, SimError> {
        let (m, w, diag) = self.fetch_shape(op);
        let len = mul(m, w, "fetch sequence")?;
        if len > MAX_FETCH {
            return Err(too_large("USER-mode fetch sequence longer than 2^30"));
        }
        let mut seq = Vec::with_capacity(len as usize);
        if diag {
            for d in 0..(m + w - 1) {
                let hi = d.min(m - 1);
                let lo = d.saturating_sub(w - 1);
                let mut row = hi;
                loop {
                    seq.push(self.fetch_elem(op, row, d - row));
                    if row == lo {
                        break;
                    }
                    row -= 1;
                }
            }
        } else {
            for row in 0..m {
                for col in 0..w {
                    seq.push(self.fetch_elem(op, row, col));
                }
            }
        }
        Ok(seq)
    }
}

/// Number of IFMAP rows (or columns) touched by a valid window element.
fn covered(n_in: u64, n_out: u64, f: u64, s: u64) -> u64 {
    if f >= s {
        // Windows touch or overlap: one run from 0.
        ((n_out - 1) * s + f).min(n_in)
    } else {
        // Gaps between windows: only the last window can be clipped.
        (n_out - 1) * f + f.min(n_in.saturating_sub((n_out - 1) * s))
    }
}

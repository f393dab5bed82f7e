//! The engine: cluster decomposition (§5.2), mapping tables (§5.3), iteration cases (§5.4),
//! per-PE volumes (§5.5) and the level analysis with its recursion (§5.6).
//!
//! Dimensions are small integers indexing fixed arrays (`[i64; ND]`); sets of dimensions are
//! `u16` bit masks. A level's directives, tables and tensor selections are computed once per
//! evaluation ([`Plan`]); the analysis of a lower level depends only on the tile its parent hands
//! down, so results are memoised per level and tile ([`Analyzer`]).
//!
//! Integer semantics follow MAESTRO: `/` truncates toward zero (Rust's `/` does the same), and
//! `ceil_div` is the exact ceiling. Products and accumulations saturate; a saturated count is
//! reported as `CostError::Overflow` by the caller.

use super::MAX_INPUT;
use super::{CostError, Dim, Directive, Hardware, HwField, LayerType, MapKind, Model, Problem};

pub(super) const ND: usize = 10;

const N: u8 = Dim::N as u8;
const G: u8 = Dim::G as u8;
const K: u8 = Dim::K as u8;
const C: u8 = Dim::C as u8;
const R: u8 = Dim::R as u8;
const S: u8 = Dim::S as u8;
const Y: u8 = Dim::Y as u8;
const X: u8 = Dim::X as u8;
const YO: u8 = Dim::YOut as u8;
const XO: u8 = Dim::XOut as u8;

/// The input/filter variables in MAESTRO's (string-sorted) order, used for auto-unrolling.
const IV_ORDER: [u8; 8] = [C, G, K, N, R, S, X, Y];

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

/// The output-centric key of a reference dim (`Y` → `Y'`), and its sliding dim (`Y` → `R`).
fn primed(v: u8) -> u8 {
    match v {
        Y => YO,
        X => XO,
        _ => v,
    }
}

fn sliding(v: u8) -> u8 {
    if v == Y {
        R
    } else {
        S
    }
}

/// Dimension sizes and strides of one level; `has` marks the declared ones.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DimTable {
    pub size: [i64; ND],
    pub stride: [i64; ND],
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Index into `Problem::directives`.
    User(usize),
    /// Filled in for an unmapped dimension (auto-unroll).
    Auto,
}

impl Origin {
    fn index(self) -> Option<usize> {
        match self {
            Origin::User(i) => Some(i),
            Origin::Auto => None,
        }
    }
}

/// A directive of one level after conversion, inheritance, auto-unroll and stride adjustment.
#[derive(Clone, Copy, Debug)]
struct LDir {
    spatial: bool,
    m: i64,
    o: i64,
    var: u8,
    origin: Origin,
    /// Written by the user at this level (not inherited, not auto-unrolled).
    own: bool,
}

/// The directives of one cluster level before preparation, with the opening `Cluster`
/// (directive index and size; `None` for the top level).
type Segment = (Option<(usize, i64)>, Vec<LDir>);

/// Which spatially mapped variables decide the spatial aggregation of a tensor (§5.5).
#[derive(Clone, Copy, Debug, Default)]
struct SpSel {
    any: bool,
    edge_mask: u16,
    last: u8,
}

/// One cluster level, fully prepared for analysis.
#[derive(Debug)]
pub(super) struct Level {
    dirs: Vec<LDir>,
    /// Number of sub-units.
    n: i64,
    /// Active sub-units in a spatial edge fold (`E`, §5.3).
    ne: i64,
    first_spatial_var: u8,
    tm: [i64; ND],
    tu: [i64; ND],
    tme: [i64; ND],
    tue: [i64; ND],
    /// Keys present in the tables.
    has: u16,
    /// First directive index per variable.
    first_dir: [usize; ND],
    /// Variables with a directive.
    vars: u16,
    sp_tensor: [SpSel; 3],
    sp_psum: SpSel,
    innermost: bool,
    /// Default model, per axis (`Y`, `X`): the filter extent that makes a complete window, so
    /// a tile of `m` input rows holds `extent(m, window)` outputs whatever the filter tile
    /// (a partial `R` map selects which filter rows those outputs use now). `None` is the
    /// MAESTRO rule, `extent(M[Y], M[R])`: the Maestro model everywhere, and the Default model
    /// at and below a level that maps `Y` and `R` in lock-step (row stationary).
    window: [Option<i64>; 2],
    /// Default model: axes mapped in lock-step at this level (`Y` with `R`, `X` with `S`).
    lockstep: [bool; 2],
}

/// Everything fixed for one evaluation.
#[derive(Debug)]
pub(super) struct Plan {
    pub model: Model,
    pub levels: Vec<Level>,
    /// Top-level dims (§5.1), the dynamic dims of the top level.
    pub top: DimTable,
    /// Top dims before the Default model's compaction of strided dims (pixel counts).
    pub real: DimTable,
    /// The declared dims only (MAESTRO's pixel counts skip derived ones).
    pub declared: DimTable,
    pub tensors: [TensorVars; 3],
    /// Window pitch of `Y` and `X` in the Default model (`min(stride, filter)`).
    pitch: [i64; 2],
    simd: i64,
    noc_bw: i64,
    noc_hops: i64,
    l1_cap: i64,
    l2_cap: i64,
    pub precision_bits: Option<u32>,
}

fn check_input(v: i64) -> Result<i64, CostError> {
    if v > MAX_INPUT {
        Err(CostError::ValueTooLarge { value: v })
    } else {
        Ok(v)
    }
}

fn check_hw(v: i64, min: i64, field: HwField) -> Result<i64, CostError> {
    if v < min || v > MAX_INPUT {
        Err(CostError::InvalidHardware { field })
    } else {
        Ok(v)
    }
}

impl Plan {
    fn fixed(&self) -> bool {
        self.model == Model::Default
    }

    /// The layer's true MAC count: the product of its loop extents (every variable of the
    /// three tensors; `Y'`/`X'` for `Y`/`X`), with the real (uncompacted) output sizes.
    pub fn true_macs(&self) -> i64 {
        let mask = self.tensors.iter().fold(0u16, |m, t| m | t.mask);
        (0..ND as u8)
            .filter(|&v| mask & bit(v) != 0)
            .fold(1, |acc, v| {
                let key = primed(v) as usize;
                mul(acc, self.real.size[key])
            })
    }

    /// Outputs of a window of size `win` sliding over `len` inputs along `v` (`Y` or `X`).
    /// MAESTRO ignores the stride (§8.1); the Default model steps by the window pitch and
    /// never goes negative.
    fn extent(&self, v: u8, len: i64, win: i64) -> i64 {
        if self.fixed() {
            let p = self.pitch[usize::from(v == X)];
            if len >= win {
                (len - win) / p + 1
            } else {
                0
            }
        } else {
            len - win + 1
        }
    }

    /// A size requirement in the reported unit (bytes when the Default model has a precision).
    pub fn size_units(&self, elements: i64) -> i64 {
        match (self.model, self.precision_bits) {
            (Model::Default, Some(bits)) => ceil_div(mul(elements.max(0), i64::from(bits)), 8),
            _ => elements,
        }
    }

    pub fn build(p: &Problem, hw: &Hardware, model: Model) -> Result<Plan, CostError> {
        let fixed = model == Model::Default;
        let num_pes = check_hw(hw.num_pes, 1, HwField::NumPes)?;
        let noc_bw = check_hw(hw.noc_bw, 1, HwField::NocBw)?;
        let noc_hops = check_hw(hw.noc_hops, 0, HwField::NocHops)?;
        let simd = check_hw(hw.simd_lanes, 1, HwField::SimdLanes)?;
        let precision_bits = if fixed { hw.precision_bits } else { None };
        if let Some(b) = precision_bits {
            if b == 0 || b > 64 {
                return Err(CostError::InvalidHardware {
                    field: HwField::PrecisionBits,
                });
            }
        }
        if let (true, Some(e)) = (fixed, hw.energy) {
            let ok = [e.mac, e.l1, e.l2, e.nj_per_unit]
                .iter()
                .all(|x| x.is_finite() && *x >= 0.0);
            if !ok {
                return Err(CostError::InvalidHardware {
                    field: HwField::Energy,
                });
            }
        }

        // Declared dims (first value wins) and strides (last value wins).
        let mut declared = DimTable::default();
        let mut stride = [1i64; ND];
        for &(d, s) in &p.strides {
            if s < 1 {
                return Err(CostError::InvalidStride { dim: d, stride: s });
            }
            stride[d.index()] = check_input(s)?;
        }
        for &(d, size) in &p.dims {
            if size < 1 {
                return Err(CostError::InvalidDimension { dim: d, size });
            }
            check_input(size)?;
            let v = d as u8;
            declared.add(v, size, stride[d.index()]);
        }
        for (input, output) in [(Y, YO), (X, XO)] {
            if declared.has(input) && declared.has(output) {
                return Err(CostError::ConflictingDimensions {
                    input: dim_of(input),
                    output: dim_of(output),
                });
            }
        }

        // §5.1: complete the reference/output pairs.
        let mut top = declared;
        let mut real = declared;
        let mut pitch = [1i64; 2];
        for (v, o) in [(Y, YO), (X, XO)] {
            let sl = sliding(v);
            if !declared.has(v) && !declared.has(o) {
                continue;
            }
            if !declared.has(sl) {
                return Err(CostError::MissingDimension { dim: dim_of(sl) });
            }
            let k = declared.size[sl as usize];
            let s = stride[v as usize];
            if !fixed {
                if declared.has(v) {
                    let len = declared.size[v as usize];
                    top.add(o, len - k + 1, declared.stride[v as usize]);
                } else {
                    top.add(v, declared.size[o as usize] + k - 1, 1);
                }
                continue;
            }
            // Default model: stride-aware output size (§8.1); when the filter is narrower than
            // the stride, the rows no window touches are dropped (the same compaction MAESTRO's
            // stride adjustment applies to tiles), so every level works in one coordinate system
            // with window pitch min(stride, filter).
            let outs = if declared.has(v) {
                let len = declared.size[v as usize];
                if len < k {
                    return Err(CostError::EmptyOutput { dim: dim_of(o) });
                }
                (len - k) / s + 1
            } else {
                declared.size[o as usize]
            };
            let p_ = s.min(k);
            pitch[usize::from(v == X)] = p_;
            let real_len = if declared.has(v) {
                declared.size[v as usize]
            } else {
                add(mul(outs - 1, s), k)
            };
            real.add(v, real_len, s);
            real.add(o, outs, 1);
            let len = if k < s {
                mul(outs, k)
            } else {
                add(mul(outs - 1, s), k)
            };
            top.size[v as usize] = len;
            top.stride[v as usize] = s;
            top.size[o as usize] = outs;
            top.stride[o as usize] = 1;
            top.has |= bit(v) | bit(o);
        }

        if !fixed {
            real = top;
        }

        let tensors = tensors_for(p.layer_type, p.batch_in_tensors);
        for t in &tensors {
            for &v in t.vars() {
                if !top.has(v) {
                    return Err(CostError::MissingDimension { dim: dim_of(v) });
                }
            }
        }
        // A depthwise layer's `K` (1) is no tensor's variable, so MAESTRO does not carry it to
        // lower levels, and a `K` map at an outer level of a multi-level dataflow fails there
        // (§8.10). The default model carries it down like any loop of size 1, so dataflows
        // written for convolutions (which map `K` first) also run depthwise layers.
        let depthwise_k = if fixed && p.layer_type == LayerType::Dsconv && top.has(K) {
            bit(K)
        } else {
            0
        };
        let iv_mask = tensors[INPUT].mask | tensors[FILTER].mask | depthwise_k;

        // Validate directives and split them at the clusters.
        // One segment per cluster level: the opening `Cluster` (index, size) and its maps.
        let mut segments: Vec<Segment> = vec![(None, Vec::new())];
        let mut cluster_sizes = Vec::new();
        for (i, d) in p.directives.iter().enumerate() {
            match *d {
                Directive::Map {
                    kind,
                    size,
                    offset,
                    dim,
                } => {
                    if size < 1 {
                        return Err(CostError::InvalidMapSize { directive: i, size });
                    }
                    if offset < 1 {
                        return Err(CostError::InvalidMapOffset {
                            directive: i,
                            offset,
                        });
                    }
                    check_input(size)?;
                    check_input(offset)?;
                    if let Some((_, seg)) = segments.last_mut() {
                        seg.push(LDir {
                            spatial: kind == MapKind::Spatial,
                            m: size,
                            o: offset,
                            var: dim as u8,
                            origin: Origin::User(i),
                            own: true,
                        });
                    }
                }
                Directive::Cluster { size } => {
                    if size < 1 {
                        return Err(CostError::InvalidClusterSize { directive: i, size });
                    }
                    check_input(size)?;
                    if cluster_sizes.len() == 3 {
                        return Err(CostError::TooManyClusters { directive: i });
                    }
                    cluster_sizes.push(size);
                    segments.push((Some((i, size)), Vec::new()));
                }
            }
        }
        let units: i64 = cluster_sizes.iter().fold(1, |a, &c| mul(a, c));
        let top_units = num_pes / units;
        if top_units == 0 {
            return Err(CostError::NotEnoughPes {
                required: units,
                available: num_pes,
            });
        }

        let mut plan = Plan {
            model,
            levels: Vec::with_capacity(segments.len()),
            top,
            real,
            declared,
            tensors,
            pitch,
            simd,
            noc_bw,
            noc_hops,
            l1_cap: hw.l1_size,
            l2_cap: hw.l2_size,
            precision_bits,
        };

        let mut cdims = top;
        let nlevels = segments.len();
        let mut prev: Option<Vec<LDir>> = None;
        // Default model: once a level maps an axis in lock-step, it and the levels below it
        // count outputs with the filter tile (MAESTRO's rule), see `Level::window`.
        let mut locked = [false; 2];
        for (li, (cluster, mut cur)) in segments.into_iter().enumerate() {
            let is_top = li == 0;
            let lockstep = if fixed {
                let sp_on = |vs: [u8; 2]| cur.iter().any(|d| d.spatial && vs.contains(&d.var));
                [
                    sp_on([Y, YO]) && sp_on([R, R]),
                    sp_on([X, XO]) && sp_on([S, S]),
                ]
            } else {
                [false; 2]
            };
            for a in 0..2 {
                locked[a] |= lockstep[a];
            }
            let window = [Y, X].map(|v| {
                let a = usize::from(v == X);
                let sl = sliding(v);
                (fixed && !locked[a] && top.has(sl)).then(|| top.size[sl as usize])
            });
            // Output-centric conversion (Y' → Y, X' → X), with this level's filter map (the
            // Default model: with the complete window unless the axis is in lock-step).
            let filter_size = |cur: &[LDir], v: u8| cur.iter().find(|d| d.var == v).map(|d| d.m);
            let r_size = window[0].or(filter_size(&cur, R));
            let s_size = window[1].or(filter_size(&cur, S));
            for (out, inp, sz) in [(XO, X, s_size), (YO, Y, r_size)] {
                let has_out = cur.iter().any(|d| d.var == out);
                let has_in = cur.iter().any(|d| d.var == inp);
                if !has_out || has_in {
                    continue;
                }
                let stride_in = cdims.stride[inp as usize].max(1);
                let fallback = if fixed && cdims.has(sliding(inp)) {
                    Some(cdims.size[sliding(inp) as usize])
                } else {
                    None
                };
                if let Some(d) = cur.iter_mut().find(|d| d.var == out) {
                    // `d` is the user's own map (conversion precedes inheritance), so its
                    // origin is a directive index.
                    let Some(win) = sz.or(fallback) else {
                        return Err(CostError::OutputMapWithoutFilterMap {
                            directive: d.origin.index().unwrap_or(0),
                            dim: dim_of(out),
                        });
                    };
                    d.var = inp;
                    d.m = if fixed {
                        add(mul(d.m - 1, stride_in), win)
                    } else {
                        d.m + win - 1
                    };
                }
            }
            // Inheritance: missing parent directives, inserted at the front as temporal maps.
            if let Some(parent) = &prev {
                for u in parent {
                    if !cur.iter().any(|d| d.var == u.var) {
                        cur.insert(
                            0,
                            LDir {
                                spatial: false,
                                own: false,
                                ..*u
                            },
                        );
                    }
                }
            }
            // Auto-unroll of unmapped input/filter variables.
            for v in IV_ORDER {
                if iv_mask & bit(v) != 0 && cdims.has(v) && !cur.iter().any(|d| d.var == v) {
                    let size = cdims.size[v as usize];
                    cur.push(LDir {
                        spatial: false,
                        m: size,
                        o: size,
                        var: v,
                        origin: Origin::Auto,
                        own: false,
                    });
                }
            }
            // Every directive must name a dimension of this level; stride adjustment.
            for d in cur.iter_mut() {
                // Auto-unrolled maps exist only for dimensions of the level, so a missing
                // dimension always comes from a user directive (own or inherited).
                if !cdims.has(d.var) {
                    return Err(CostError::DimensionNotFound {
                        directive: d.origin.index().unwrap_or(0),
                        dim: dim_of(d.var),
                        level: li,
                    });
                }
                let s = cdims.stride[d.var as usize];
                if (d.var != Y && d.var != X) || s == 1 {
                    continue;
                }
                if fixed && !d.own {
                    // Inherited maps are already adjusted; auto-unrolled ones cover the level.
                    continue;
                }
                let k = top.size[sliding(d.var) as usize];
                if d.m >= k {
                    let w = (d.m + s - k) / s;
                    d.m = w * s.min(k) + (k - s).max(0);
                    d.o = if fixed || (!is_top && k < s) {
                        w * s.min(k)
                    } else {
                        w * s
                    };
                }
            }
            // One or two spatial maps per level.
            let mut spatial = cur.iter().filter(|d| d.spatial);
            let Some(first_sp) = spatial.next().copied() else {
                return Err(CostError::NoSpatialMap {
                    level: li,
                    cluster: cluster.map(|c| c.0),
                });
            };
            if let Some(third) = spatial.nth(1) {
                // Spatial maps are always the user's own (inherited maps become temporal).
                return Err(CostError::TooManySpatialMaps {
                    directive: third.origin.index().unwrap_or(0),
                });
            }
            let n = match cluster {
                Some((_, size)) => size,
                None => top_units,
            };
            if fixed {
                plan.check_tilings(&cur, &cdims, n, window, lockstep)?;
            }
            let mut level = plan.make_level(cur, cdims, n, first_sp, li + 1 == nlevels, window)?;
            level.lockstep = lockstep;
            // Static dims of the next level: the tiles of the input/filter variables.
            let mut next = DimTable::default();
            for v in IV_ORDER {
                if iv_mask & bit(v) != 0 && cdims.has(v) {
                    let m = level.dirs.iter().find(|d| d.var == v).map_or(0, |d| d.m);
                    next.add(v, m.min(cdims.size[v as usize]), cdims.stride[v as usize]);
                }
            }
            prev = Some(level.dirs.clone());
            plan.levels.push(level);
            cdims = next;
        }
        Ok(plan)
    }

    /// Default model: reject the maps of one level (after conversion, inheritance,
    /// auto-unroll and stride adjustment; `dims` are its static dims) whose tiles the model
    /// cannot count exactly, rather than report a wrong number. Every user map must tile its
    /// dimension (windows of outputs for `Y`/`X`); two spatial maps are supported only as the
    /// lock-step pair `Y`+`R` / `X`+`S` of row stationary.
    fn check_tilings(
        &self,
        dirs: &[LDir],
        dims: &DimTable,
        n: i64,
        window: [Option<i64>; 2],
        lockstep: [bool; 2],
    ) -> Result<(), CostError> {
        let unsupported = |d: &LDir, reason: &'static str| CostError::UnsupportedMapping {
            directive: d.origin.index(),
            reason,
        };
        let spatial: Vec<&LDir> = dirs.iter().filter(|d| d.spatial).collect();
        if let [a, b] = spatial[..] {
            let pair = |v: u8| {
                let sl = sliding(v);
                (a.var == v && b.var == sl) || (a.var == sl && b.var == v)
            };
            let axis = if pair(Y) {
                Some(0)
            } else if pair(X) {
                Some(1)
            } else {
                None
            };
            let Some(axis) = axis else {
                return Err(unsupported(
                    b,
                    "two spatial maps in one cluster level run in lock-step (unit i gets the \
                     i-th tile of both), which covers only part of the iteration space; \
                     use one spatial map per level (or Y with R / X with S, row stationary)",
                ));
            };
            let (v, sl) = if axis == 0 { (Y, R) } else { (X, S) };
            let same_tiles = a.m == b.m && a.o == b.o && a.m == a.o;
            let d = dims.size[v as usize];
            // Pairs of tiles match only within one spatial fold: successive folds of the two
            // maps are nested loops, which would pair tiles that share no output.
            let one_fold = add(a.m, mul(a.o, n - 1)) >= d;
            if !lockstep[axis] || !same_tiles || d != dims.size[sl as usize] || !one_fold {
                return Err(unsupported(
                    b,
                    "a sliding dimension and its filter dimension mapped spatially in one \
                     level must have equal tiles (size = offset) that cover, in one spatial \
                     fold, a tile of exactly one window (row stationary)",
                ));
            }
        }
        for d in dirs.iter().filter(|d| d.own) {
            let v = d.var;
            let dim = dims.size[v as usize];
            if v == YO || v == XO {
                return Err(unsupported(
                    d,
                    "a level maps both an output-centric dimension and its input-centric one",
                ));
            }
            if d.m >= dim {
                continue; // one tile of the whole dimension
            }
            let axis = usize::from(v == X);
            let sliding_win = if v == Y || v == X { window[axis] } else { None };
            match sliding_win {
                Some(w) if !lockstep[axis] => {
                    let p = self.pitch[axis];
                    if d.m < w {
                        return Err(unsupported(
                            d,
                            "the tile is narrower than one filter window, so it holds no \
                             complete output (use a tile of at least the filter size, or map \
                             the filter dimension in lock-step)",
                        ));
                    }
                    let step = mul((d.m - w) / p + 1, p);
                    if d.o < step {
                        return Err(unsupported(
                            d,
                            "consecutive tiles share outputs (the offset is smaller than the \
                             tile's windows times the stride), so outputs are computed twice",
                        ));
                    }
                    if d.o > step {
                        return Err(unsupported(
                            d,
                            "the offset is larger than the tile's windows times the stride, \
                             so outputs between tiles are skipped",
                        ));
                    }
                }
                _ => {
                    if d.o < d.m {
                        return Err(unsupported(
                            d,
                            "the tiles overlap (offset smaller than size), so points are \
                             computed more than once",
                        ));
                    }
                    if d.o > d.m {
                        return Err(unsupported(
                            d,
                            "the offset is larger than the size, so points between tiles are \
                             skipped",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Prepare a level from its final directives and its static dims (§5.2 step 3), from
    /// which the mapping tables and `E` are computed.
    fn make_level(
        &self,
        dirs: Vec<LDir>,
        dims: DimTable,
        n: i64,
        first_sp: LDir,
        innermost: bool,
        window: [Option<i64>; 2],
    ) -> Result<Level, CostError> {
        let fixed = self.fixed();
        // Edge clusters E of the first spatial map (§5.3).
        let (d, m, o) = (dims.size[first_sp.var as usize], first_sp.m, first_sp.o);
        let full = add(mul(o, n - 1), m);
        let ne = if d <= m {
            1
        } else if d > full {
            let steady = ((d - m) / o + 1) / n - 1;
            let rem = d - mul(mul(steady + 1, o), n);
            if rem < m {
                1
            } else {
                (rem - m) / o + 1
            }
        } else {
            let mut e = (d - m) / o + 1;
            if add(mul(o, e - 1), m) < d {
                e += 1;
            }
            e
        };

        let mut lv = Level {
            dirs,
            n,
            ne,
            first_spatial_var: first_sp.var,
            tm: [0; ND],
            tu: [0; ND],
            tme: [0; ND],
            tue: [0; ND],
            has: 0,
            first_dir: [usize::MAX; ND],
            vars: 0,
            sp_tensor: [SpSel::default(); 3],
            sp_psum: SpSel::default(),
            innermost,
            window,
            lockstep: [false; 2],
        };
        // Mapping tables from the static dims; a later directive on the same variable wins.
        for (i, d) in lv.dirs.iter().enumerate() {
            let v = d.var as usize;
            if lv.first_dir[v] == usize::MAX {
                lv.first_dir[v] = i;
            }
            lv.vars |= bit(d.var);
            lv.has |= bit(d.var);
            let dim = dims.size[v];
            let ns = ((dim - d.m) / d.o).max(0);
            let has_edge = add(mul(ns, d.o), d.m) < dim || d.m > dim;
            let mut em = dim - mul(ns + 1, d.o);
            if fixed {
                // §8.2: a tile at least as big as its dimension is one tile of the whole
                // dimension; otherwise the edge tile is what remains after the last full step
                // (nothing, not the whole dimension, when the offset overshoots).
                em = if d.m >= dim { dim } else { em.max(0) };
            } else if em < 0 {
                em = dim;
            }
            lv.tm[v] = d.m;
            lv.tu[v] = if !d.spatial && dim <= d.m {
                0
            } else {
                d.m.min(d.o)
            };
            lv.tme[v] = if has_edge { em } else { d.m };
            lv.tue[v] = if fixed && !has_edge {
                // §8.2: without an edge tile the last unit's unique part is the regular one.
                lv.tu[v]
            } else {
                (d.o - (d.m - em)).max(0)
            };
        }
        for d in &lv.dirs {
            if d.var != Y && d.var != X {
                continue;
            }
            let (v, a, sl) = (
                d.var as usize,
                primed(d.var) as usize,
                sliding(d.var) as usize,
            );
            lv.has |= bit(a as u8);
            let win = lv.window[usize::from(d.var == X)];
            lv.tm[a] = self.extent(d.var, lv.tm[v], win.unwrap_or(lv.tm[sl]));
            lv.tme[a] = self.extent(d.var, lv.tme[v], win.unwrap_or(lv.tme[sl]));
            if fixed {
                // Outputs advanced per step: the input offset in window pitches.
                let p = self.pitch[usize::from(d.var == X)];
                lv.tu[a] = ceil_div(d.o.min(d.m), p);
                lv.tue[a] = ceil_div(d.o, p).min(lv.tme[a]);
            } else {
                lv.tu[a] = d.o.min(d.m);
                lv.tue[a] = d.o.min(lv.tme[a]);
            }
        }
        // Spatial selections (§5.5 "Spatial aggregation").
        for (t, sel) in self.tensors.iter().zip(lv.sp_tensor.iter_mut()) {
            for &v in t.vars() {
                let fd = lv.first_dir[v as usize];
                if let Some(d) = lv.dirs.get(fd) {
                    if d.spatial {
                        sel.any = true;
                        sel.last = v;
                        sel.edge_mask |= bit(v);
                    }
                } else {
                    return Err(CostError::MissingDimension { dim: dim_of(v) });
                }
            }
        }
        let mut ps = lv.sp_tensor[OUTPUT];
        for d in lv.dirs.iter().filter(|d| d.spatial) {
            ps.any = true;
            ps.last = d.var;
            ps.edge_mask |= bit(d.var);
        }
        lv.sp_psum = ps;
        Ok(lv)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pos {
    Init,
    Steady,
    Edge,
}

/// One iteration state of a directive (§5.4).
#[derive(Clone, Copy, Debug)]
struct St {
    pos: Pos,
    occ: i64,
    unrolled: bool,
    init_edge: bool,
    spee: bool,
}

impl St {
    const INIT: St = St {
        pos: Pos::Init,
        occ: 1,
        unrolled: true,
        init_edge: false,
        spee: false,
    };

    fn edge(&self) -> bool {
        self.pos == Pos::Edge || self.init_edge
    }
}

/// The states of one directive for the given dynamic size; returns how many.
fn states(d: &LDir, dim: i64, n: i64, out: &mut [St; 3]) -> usize {
    let (m, o) = (d.m, d.o);
    let mut k = 0;
    let mut push = |s: St| {
        out[k] = s;
        k += 1;
    };
    if !d.spatial {
        push(St {
            pos: Pos::Init,
            occ: 1,
            unrolled: dim <= m,
            init_edge: dim < m,
            spee: false,
        });
        let ns = (dim - m) / o;
        if m < dim && ns > 0 {
            push(St {
                pos: Pos::Steady,
                occ: ns,
                unrolled: false,
                init_edge: false,
                spee: false,
            });
        }
        if dim >= m && add(mul(ns, o), m) < dim {
            push(St {
                pos: Pos::Edge,
                occ: 1,
                unrolled: false,
                init_edge: false,
                spee: false,
            });
        }
    } else {
        let cov = add(m, mul(o, n - 1));
        let (iu, ie) = (dim <= cov, dim < cov);
        push(St {
            pos: Pos::Init,
            occ: 1,
            unrolled: iu,
            init_edge: ie,
            spee: ie,
        });
        let ns = ((dim - m) / o + 1) / n - 1;
        let fold = mul(o, n);
        let edge_state = !iu && add(mul(ns + 1, fold), cov) > dim && add(mul(ns, fold), cov) != dim;
        if cov < dim && ns > 0 {
            push(St {
                pos: Pos::Steady,
                occ: ns,
                unrolled: false,
                init_edge: false,
                spee: false,
            });
        }
        let rem = dim - mul(ns + 1, fold);
        let act = if rem < m { 1 } else { (rem - m) / o + 1 };
        let spee = add(mul(act - 1, o), m) < rem;
        if !ie && edge_state {
            push(St {
                pos: Pos::Edge,
                occ: 1,
                unrolled: false,
                init_edge: false,
                spee,
            });
        }
    }
    k
}

/// One iteration case of one level: the state of every variable (the last directive on a
/// variable decides its state, §5.4) and the index of the innermost changing directive.
struct Case<'a> {
    lv: &'a Level,
    st: [St; ND],
    /// Index of the last directive whose variable is not in `Init`, or -1.
    ch: isize,
    /// Default model: use the output-centric key in the spatial edge factor (§5.5 quirk).
    fix_key: bool,
}

impl Case<'_> {
    fn inited(&self, mask: u16) -> bool {
        self.lv.dirs.iter().enumerate().any(|(i, d)| {
            let sv = &self.st[d.var as usize];
            mask & bit(d.var) != 0 && i as isize > self.ch && sv.pos == Pos::Init && !sv.unrolled
        })
    }

    fn pe_mapped(&self, mask: u16, first: bool, spee: bool) -> i64 {
        let lv = self.lv;
        let mut r = 1i64;
        for d in &lv.dirs {
            if mask & bit(d.var) == 0 {
                continue;
            }
            let v = d.var as usize;
            let sv = &self.st[v];
            if !d.spatial {
                r = mul(r, if sv.edge() { lv.tme[v] } else { lv.tm[v] });
            } else if sv.edge() {
                if lv.ne == 1 && (first || spee) {
                    r = mul(r, lv.tme[v]);
                } else if lv.ne > 1 {
                    r = mul(r, if spee { lv.tme[v] } else { lv.tm[v] });
                }
            } else {
                r = mul(r, lv.tm[v]);
            }
        }
        r
    }

    fn pe_ingress(
        &self,
        mask: u16,
        inited: bool,
        first: bool,
        spee: bool,
    ) -> Result<i64, CostError> {
        if self.ch < 0 {
            return Ok(self.pe_mapped(mask, first, spee));
        }
        let lv = self.lv;
        let mut r = 1i64;
        let mut changing = false;
        for (i, d) in lv.dirs.iter().enumerate() {
            if mask & bit(d.var) == 0 {
                continue;
            }
            let v = d.var as usize;
            let sv = &self.st[v];
            let i = i as isize;
            let is_ch = i == self.ch;
            changing |= is_ch;
            let f = if !d.spatial {
                if sv.pos == Pos::Init {
                    if sv.edge() {
                        lv.tme[v]
                    } else {
                        lv.tm[v]
                    }
                } else if is_ch && !inited {
                    if lv.tu[v] == 0 {
                        return Err(CostError::ZeroUniqueSize {
                            directive: d.origin.index(),
                            dim: dim_of(d.var),
                        });
                    }
                    lv.tu[v]
                } else {
                    lv.tm[v]
                }
            } else {
                let mapped = if spee { lv.tme[v] } else { lv.tm[v] };
                let unique = if spee { lv.tue[v] } else { lv.tu[v] };
                if sv.pos == Pos::Init {
                    if first || i <= self.ch {
                        mapped
                    } else {
                        unique
                    }
                } else if first || inited || !is_ch {
                    mapped
                } else {
                    unique
                }
            };
            r = mul(r, f);
        }
        Ok(if changing { r } else { 0 })
    }

    /// `(spatial, edge, spee of the deciding state)` of a selection.
    fn sp(&self, sel: &SpSel) -> (bool, bool, bool) {
        if !sel.any {
            return (false, false, false);
        }
        let mut edge = false;
        let mut m = sel.edge_mask;
        while m != 0 {
            let v = m.trailing_zeros() as usize;
            edge |= self.st[v].edge();
            m &= m - 1;
        }
        (true, edge, self.st[sel.last as usize].spee)
    }

    fn ingress(&self, t: usize, tv: &TensorVars) -> Result<i64, CostError> {
        let lv = self.lv;
        let mask = tv.mask;
        let inited = self.inited(mask);
        let (isp, edge, h) = self.sp(&lv.sp_tensor[t]);
        if !isp {
            return self.pe_ingress(mask, inited, true, false);
        }
        if !edge {
            let a = self.pe_ingress(mask, inited, true, false)?;
            let b = self.pe_ingress(mask, inited, false, false)?;
            return Ok(add(a, mul(lv.n - 1, b)));
        }
        let mut r = if lv.ne == 1 && h {
            self.pe_ingress(mask, inited, true, true)?
        } else {
            self.pe_ingress(mask, inited, true, false)?
        };
        if lv.ne > 1 {
            // MAESTRO evaluates both terms even when a multiplier is 0 (and may abort in them).
            let k = i64::from(h);
            let nf = (lv.ne - k - 1).max(0);
            let a = self.pe_ingress(mask, inited, false, false)?;
            let b = self.pe_ingress(mask, inited, false, true)?;
            r = add(r, add(mul(nf, a), mul(k, b)));
        }
        Ok(r)
    }

    /// The spatial factor `SF` of §5.5; `None` is MAESTRO's edge case that reads the table
    /// with the input-centric key.
    fn sp_factor(&self, sv: &St, a: usize, consider: bool, first: bool, spee: bool) -> Option<i64> {
        let lv = self.lv;
        let na = lv.ne;
        let uq = if lv.tu[a] != 0 { lv.tu[a] } else { 1 };
        match sv.pos {
            Pos::Init if sv.edge() && spee => Some(if na == 1 {
                lv.tme[a]
            } else if na > 1 {
                if consider {
                    lv.tue[a]
                } else {
                    lv.tme[a]
                }
            } else {
                1
            }),
            Pos::Init | Pos::Steady => Some(if first { lv.tm[a] } else { uq }),
            Pos::Edge => {
                if na == 1 && (first || spee) {
                    None
                } else if na > 1 {
                    Some(if spee {
                        lv.tue[a]
                    } else if first {
                        lv.tm[a]
                    } else {
                        uq
                    })
                } else {
                    Some(1)
                }
            }
        }
    }

    fn pe_egress(
        &self,
        t: &TensorVars,
        psum: bool,
        first: bool,
        spee: bool,
        reuse_edge: bool,
    ) -> i64 {
        let lv = self.lv;
        let mut r = 1i64;
        if psum {
            for d in &lv.dirs {
                if t.mask & bit(d.var) != 0 {
                    continue;
                }
                let v = d.var as usize;
                let sv = &self.st[v];
                let f = if !d.spatial {
                    if sv.edge() {
                        lv.tme[v]
                    } else {
                        lv.tm[v]
                    }
                } else {
                    self.sp_factor(sv, v, false, first, spee)
                        .unwrap_or(lv.tme[v])
                };
                r = mul(r, f);
            }
        }
        for &v in t.vars() {
            let Some(d) = lv.dirs.get(lv.first_dir[v as usize]) else {
                continue;
            };
            let sv = &self.st[v as usize];
            let a = primed(v) as usize;
            let f = if !d.spatial {
                match sv.pos {
                    Pos::Init if sv.edge() => lv.tme[a],
                    Pos::Init | Pos::Steady => lv.tm[a],
                    Pos::Edge => lv.tme[a],
                }
            } else {
                let key = if self.fix_key { a } else { v as usize };
                self.sp_factor(sv, a, reuse_edge, first, spee)
                    .unwrap_or(lv.tme[key])
            };
            r = mul(r, f);
        }
        r
    }

    fn egress(&self, t: &TensorVars) -> i64 {
        let lv = self.lv;
        let (isp, edge, h) = self.sp(&lv.sp_tensor[OUTPUT]);
        if !isp {
            return self.pe_egress(t, false, true, false, true);
        }
        if !edge {
            let a = self.pe_egress(t, false, true, false, true);
            let b = self.pe_egress(t, false, false, false, true);
            return add(a, mul(lv.n - 1, b));
        }
        let mut r = if lv.ne == 1 && h {
            self.pe_egress(t, false, true, true, true)
        } else {
            self.pe_egress(t, false, true, false, true)
        };
        if lv.ne > 1 {
            let k = i64::from(h);
            let nf = (lv.ne - k - 1).max(0);
            let a = self.pe_egress(t, false, false, false, true);
            let b = self.pe_egress(t, false, false, true, true);
            r = add(r, add(mul(nf, a), mul(k, b)));
        }
        r
    }

    fn crit_psums(&self, t: &TensorVars) -> i64 {
        let (isp, edge, h) = self.sp(&self.lv.sp_tensor[OUTPUT]);
        if !isp || !edge {
            self.pe_egress(t, true, true, false, true)
        } else if self.lv.ne == 1 && h {
            self.pe_egress(t, true, true, true, true)
        } else {
            self.pe_egress(t, true, true, false, true)
        }
    }

    /// MACs of one step over the whole level (`PsumMap`).
    fn psum_map(&self, t: &TensorVars) -> i64 {
        let lv = self.lv;
        let (isp, edge, h) = self.sp(&lv.sp_psum);
        if !isp || !edge {
            return mul(lv.n, self.pe_egress(t, true, true, false, true));
        }
        let mut r = if lv.ne == 1 && h {
            self.pe_egress(t, true, true, true, true)
        } else {
            self.pe_egress(t, true, true, false, true)
        };
        if lv.ne > 1 {
            let k = i64::from(h);
            let nf = (lv.ne - k - 1).max(0);
            let a = self.pe_egress(t, true, true, false, true);
            let b = self.pe_egress(t, true, false, true, false);
            r = add(r, add(mul(nf, a), mul(k, b)));
        }
        r
    }

    fn mapped_volume(&self, t: &TensorVars) -> i64 {
        let lv = self.lv;
        t.vars()
            .iter()
            .filter(|&&v| lv.has & bit(v) != 0)
            .fold(1, |r, &v| mul(r, lv.tm[v as usize]))
    }

    /// The tile one sub-unit sees: the next level's dynamic dims.
    fn sub_dims(&self, plan: &Plan, spee: bool) -> [i64; ND] {
        let lv = self.lv;
        let mut nd = [0i64; ND];
        let mut has = 0u16;
        for d in &lv.dirs {
            let v = d.var as usize;
            if has & bit(d.var) != 0 {
                continue;
            }
            let sv = &self.st[v];
            let edge_tile = if !d.spatial {
                sv.edge()
            } else {
                match sv.pos {
                    Pos::Init => sv.edge() && (lv.ne == 1 || spee),
                    Pos::Steady => false,
                    Pos::Edge => lv.ne == 1 || spee,
                }
            };
            nd[v] = if edge_tile { lv.tme[v] } else { lv.tm[v] };
            has |= bit(d.var);
        }
        for v in [Y, X] {
            let a = primed(v);
            if lv.vars & bit(v) != 0 && has & bit(a) == 0 {
                let win = lv.window[usize::from(v == X)];
                let win = win.unwrap_or(nd[sliding(v) as usize]);
                nd[a as usize] = plan.extent(v, nd[v as usize], win);
                has |= bit(a);
            }
        }
        nd
    }
}

/// Delay statistics of one kind (ingress, egress, compute).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DelayStat {
    pub min: i64,
    pub max: i64,
    pub sum: i64,
}

/// The result record of one level analysis (the top one is reported).
#[derive(Clone, Debug, Default)]
pub(super) struct Record {
    pub runtime: i64,
    pub macs: i64,
    pub l2req: [i64; 3],
    pub l1req: [i64; 3],
    pub l2w: [i64; 3],
    pub l2r: [i64; 3],
    pub l1w: [i64; 3],
    pub l1r: [i64; 3],
    pub peak: i64,
    pub bw_sum: i64,
    /// Valid (not skipped) iterations, occurrence-weighted.
    pub ntot: i64,
    pub active_sum: f64,
    /// MAESTRO's arithmetic intensity: that of the last valid case.
    pub ai_last: f64,
    /// Totals for the Default model's whole-layer arithmetic intensity.
    pub ai_macs: i64,
    pub ai_ingress: i64,
    /// Ingress, egress, compute.
    pub delay: [DelayStat; 3],
    pub recursed: bool,
}

impl Record {
    pub fn avg_active(&self) -> f64 {
        if self.ntot > 0 {
            self.active_sum / self.ntot as f64
        } else {
            0.0
        }
    }
}

/// Output of a whole evaluation.
pub(super) struct Outcome {
    pub top: Record,
    /// `Σ L1 requirement` of the first level record completed (MAESTRO's CSV `L1 SRAM Size`).
    pub first_l1: i64,
}

#[derive(Default)]
struct Scratch {
    states: Vec<[St; 3]>,
    counts: Vec<usize>,
    odo: Vec<usize>,
}

/// Runs the level analysis with memoised sub-level results.
pub(super) struct Analyzer<'a> {
    plan: &'a Plan,
    scratch: Vec<Scratch>,
    memo: Vec<Vec<([i64; ND], i64, f64)>>,
    first_l1: Option<i64>,
}

impl<'a> Analyzer<'a> {
    pub fn new(plan: &'a Plan) -> Analyzer<'a> {
        let n = plan.levels.len();
        Analyzer {
            plan,
            scratch: (0..n).map(|_| Scratch::default()).collect(),
            memo: vec![Vec::new(); n],
            first_l1: None,
        }
    }

    pub fn run(mut self) -> Result<Outcome, CostError> {
        let top_dims = self.plan.top.size;
        let top = self.analyze(0, &top_dims)?;
        let first_l1 = self
            .first_l1
            .unwrap_or_else(|| top.l1req.iter().fold(0, |a, &b| add(a, b)));
        Ok(Outcome { top, first_l1 })
    }

    fn sub(&mut self, idx: usize, dd: &[i64; ND]) -> Result<(i64, f64), CostError> {
        if let Some(hit) = self.memo[idx].iter().find(|e| e.0 == *dd) {
            return Ok((hit.1, hit.2));
        }
        let r = self.analyze(idx, dd)?;
        let out = (r.runtime, r.avg_active());
        self.memo[idx].push((*dd, out.0, out.1));
        Ok(out)
    }

    fn analyze(&mut self, idx: usize, dd: &[i64; ND]) -> Result<Record, CostError> {
        let mut sc = std::mem::take(&mut self.scratch[idx]);
        let r = self.analyze_with(idx, dd, &mut sc);
        self.scratch[idx] = sc;
        let r = r?;
        if self.first_l1.is_none() {
            self.first_l1 = Some(r.l1req.iter().fold(0, |a, &b| add(a, b)));
        }
        Ok(r)
    }

    fn analyze_with(
        &mut self,
        idx: usize,
        dd: &[i64; ND],
        sc: &mut Scratch,
    ) -> Result<Record, CostError> {
        let plan = self.plan;
        let fixed = plan.fixed();
        let lv = &plan.levels[idx];
        let nd = lv.dirs.len();
        for (axis, (v, sl)) in [(Y, R), (X, S)].into_iter().enumerate() {
            // The lock-step pair counts one output per unit: right only while the tile this
            // level is given holds exactly one window (checked statically in `check_tilings`;
            // an edge tile of the parent could differ).
            if lv.lockstep[axis] && dd[v as usize] != dd[sl as usize] {
                return Err(CostError::UnsupportedMapping {
                    directive: lv
                        .dirs
                        .iter()
                        .find(|d| d.var == v)
                        .and_then(|d| d.origin.index()),
                    reason: "a sliding dimension mapped in lock-step with its filter dimension \
                             gets a tile of more than one window",
                });
            }
        }
        sc.states.clear();
        sc.counts.clear();
        let mut total: i64 = 1;
        for d in &lv.dirs {
            let mut buf = [St::INIT; 3];
            let k = states(d, dd[d.var as usize], lv.n, &mut buf);
            sc.states.push(buf);
            sc.counts.push(k);
            total = mul(total, k as i64);
        }
        if total > MAX_CASES {
            return Err(CostError::TooManyCases {
                level: idx,
                cases: total,
            });
        }
        sc.odo.clear();
        sc.odo.resize(nd, 0);

        let [tin, tfi, tout] = &plan.tensors;
        let mut rec = Record::default();
        let mut pending = true; // no valid case yet: buffer sizes are (re)computed
        let mut dmin = [i64::MAX; 3];
        let mut dmax = [0i64; 3];
        let mut dsum = [0i64; 3];
        let mut st = [St::INIT; ND];

        for c in 0..total {
            // MAESTRO's enumeration order: case c ≥ 1 is the mixed-radix number c−1 with every
            // digit advanced by one (§5.4); case 0 is all-init.
            if c >= 2 {
                for i in (0..nd).rev() {
                    sc.odo[i] += 1;
                    if sc.odo[i] < sc.counts[i] {
                        break;
                    }
                    sc.odo[i] = 0;
                }
            }
            let mut occ = 1i64;
            for (i, d) in lv.dirs.iter().enumerate() {
                let k = sc.counts[i];
                let digit = if c == 0 { 0 } else { (sc.odo[i] + 1) % k };
                let s = sc.states[i][digit];
                st[d.var as usize] = s;
                occ = mul(occ, s.occ);
            }
            let mut ch = -1isize;
            for (i, d) in lv.dirs.iter().enumerate() {
                if st[d.var as usize].pos != Pos::Init {
                    ch = i as isize;
                }
            }
            let case = Case {
                lv,
                st,
                ch,
                fix_key: fixed,
            };

            if pending {
                // MAESTRO sums the input/filter requirements over the leading skipped cases; the
                // Default model takes the largest (a buffer holds one case's data at a time).
                let merge = |acc: i64, x: i64| if fixed { acc.max(x) } else { add(acc, x) };
                for (t, tv) in [(INPUT, tin), (FILTER, tfi)] {
                    let g = case.ingress(t, tv)?;
                    rec.l2req[t] = merge(rec.l2req[t], mul(2, g));
                    rec.l2w[t] = tv.vars().iter().fold(1, |a, &v| mul(a, dd[v as usize]));
                    rec.l1req[t] = merge(rec.l1req[t], mul(2, case.mapped_volume(tv)));
                }
                let mut up = mul(2, case.egress(tout));
                if fixed {
                    up = up.max(rec.l2req[OUTPUT]);
                }
                rec.l2req[OUTPUT] = up;
                if idx == 0 && plan.size_units(up) > plan.l2_cap {
                    return Err(CostError::NotEnoughL2 {
                        required: plan.size_units(up),
                        capacity: plan.l2_cap,
                    });
                }
                rec.l2r[OUTPUT] = tout.vars().iter().fold(1, |a, &v| {
                    let size = if v == Y || v == X {
                        let win = lv.window[usize::from(v == X)];
                        plan.extent(v, dd[v as usize], win.unwrap_or(dd[sliding(v) as usize]))
                    } else {
                        dd[v as usize]
                    };
                    mul(a, size)
                });
                let l1 = mul(2, case.mapped_volume(tout));
                rec.l1req[OUTPUT] = l1;
                if lv.innermost && plan.size_units(l1) > plan.l1_cap {
                    return Err(CostError::NotEnoughL1 {
                        required: plan.size_units(l1),
                        capacity: plan.l1_cap,
                    });
                }
            }

            let e = case.egress(tout);
            let p = case.psum_map(tout);
            rec.l2w[OUTPUT] = add(rec.l2w[OUTPUT], mul(occ, e));
            rec.l1w[OUTPUT] = add(rec.l1w[OUTPUT], mul(occ, p));
            rec.l1r[OUTPUT] = add(rec.l1r[OUTPUT], mul(occ, p));
            let psums = case.crit_psums(tout);
            if psums <= 0 {
                continue;
            }

            let mut ingress = 0i64;
            for (t, tv) in [(INPUT, tin), (FILTER, tfi)] {
                let g = case.ingress(t, tv)?;
                ingress = add(ingress, g);
                rec.l2r[t] = add(rec.l2r[t], mul(occ, g));
                rec.l1w[t] = rec.l2r[t];
                rec.l1r[t] = add(rec.l1r[t], mul(occ, p));
            }
            rec.ai_last = if ingress != 0 {
                p as f64 / ingress as f64
            } else if p != 0 {
                f64::INFINITY
            } else {
                f64::NAN
            };
            rec.ai_macs = add(rec.ai_macs, mul(occ, p));
            rec.ai_ingress = add(rec.ai_ingress, mul(occ, ingress));

            let spst = case.st[lv.first_spatial_var as usize];
            let active = if spst.edge() { lv.ne } else { lv.n };
            let mut sub_active = 0.0f64;
            let mut comp;
            if !lv.innermost {
                rec.recursed = true;
                comp = 0;
                let mut run = |this: &mut Self, spee: bool, mult: i64| -> Result<(), CostError> {
                    let (rt, aa) = this.sub(idx + 1, &case.sub_dims(plan, spee))?;
                    comp = comp.max(rt);
                    sub_active += aa * mult as f64;
                    Ok(())
                };
                if spst.edge() {
                    if spst.spee {
                        run(self, true, 1)?;
                        if lv.ne - 1 > 0 {
                            run(self, false, lv.ne - 1)?;
                        }
                    } else {
                        run(self, false, lv.ne)?;
                    }
                } else {
                    run(self, false, lv.n)?;
                }
            } else {
                comp = ceil_div(psums, plan.simd).max(1);
            }

            let delay = |x: i64| {
                let d = plan.noc_hops + ceil_div(x, plan.noc_bw) - 1;
                if fixed {
                    d.max(0)
                } else {
                    d
                }
            };
            let din = delay(ingress);
            let deg = delay(e);
            let all_init = {
                let mut m = lv.vars;
                let mut all = true;
                while m != 0 {
                    let v = m.trailing_zeros() as usize;
                    all &= case.st[v].pos == Pos::Init;
                    m &= m - 1;
                }
                all
            };
            let step = if all_init {
                add(comp, din)
            } else {
                deg.max(comp).max(din)
            };
            rec.runtime = add(rec.runtime, mul(occ, step));
            rec.macs = add(rec.macs, mul(occ, p));
            let na = if sub_active == 0.0 {
                active as f64
            } else {
                sub_active
            };
            rec.active_sum += na * occ as f64;
            // A zero compute delay (every sub-case skipped) counts as 1 from here on.
            let comp = if comp == 0 { 1 } else { comp };
            let traffic = ingress.max(e);
            rec.peak = rec.peak.max(traffic / comp);
            rec.bw_sum = add(rec.bw_sum, mul(occ, traffic) / comp);
            for (k, v) in [din, deg, comp].into_iter().enumerate() {
                dmin[k] = dmin[k].min(v);
                dmax[k] = dmax[k].max(v);
                dsum[k] = add(dsum[k], mul(occ, v));
            }
            rec.ntot = add(rec.ntot, occ);
            pending = false;
        }
        for k in 0..3 {
            rec.delay[k] = DelayStat {
                min: dmin[k],
                max: dmax[k],
                sum: dsum[k],
            };
        }
        Ok(rec)
    }
}

//! Cluster levels: the directives of one level after preparation, the Default model's check
//! that they tile their dimensions, and the per-level mapping tables (tile, unique and edge sizes
//! per dimension, the number of units active in a spatial edge fold, the spatial selections).

use super::plan::Plan;
use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    /// Index into `Problem::directives`.
    User(usize),
    /// Filled in for an unmapped dimension (auto-unroll).
    Auto,
}

impl Origin {
    pub(super) fn index(self) -> Option<usize> {
        match self {
            Origin::User(i) => Some(i),
            Origin::Auto => None,
        }
    }
}

/// A directive of one level after conversion, inheritance, auto-unroll and stride adjustment.
#[derive(Clone, Copy, Debug)]
pub(super) struct LevelMap {
    pub(super) spatial: bool,
    pub(super) size: i64,
    pub(super) offset: i64,
    pub(super) var: u8,
    pub(super) origin: Origin,
    /// Written by the user at this level (not inherited, not auto-unrolled).
    pub(super) own: bool,
}

/// The directives of one cluster level before preparation, with the opening `Cluster`
/// (directive index and size; `None` for the top level).
pub(super) type Segment = (Option<(usize, i64)>, Vec<LevelMap>);

/// Which spatially mapped variables decide the spatial aggregation of a tensor
/// (`docs/semantics/maestro.md`, "Per-tensor traffic and reuse").
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct SpatialSelection {
    pub(super) any: bool,
    pub(super) edge_mask: u16,
    pub(super) last: u8,
}

/// One cluster level, fully prepared for analysis.
#[derive(Debug)]
pub(super) struct Level {
    pub(super) dirs: Vec<LevelMap>,
    /// Number of sub-units.
    pub(super) units: i64,
    /// Active sub-units in a spatial edge fold (`E`; `docs/semantics/maestro.md`, "Tile sizes, edge
    /// tiles and iteration counts").
    pub(super) edge_units: i64,
    pub(super) first_spatial_var: u8,
    pub(super) mapped: [i64; NUM_DIMS],
    pub(super) unique: [i64; NUM_DIMS],
    pub(super) edge_mapped: [i64; NUM_DIMS],
    pub(super) edge_unique: [i64; NUM_DIMS],
    /// Keys present in the tables.
    pub(super) has: u16,
    /// First directive index per variable.
    pub(super) first_dir: [usize; NUM_DIMS],
    /// Variables with a directive.
    pub(super) vars: u16,
    pub(super) spatial_by_tensor: [SpatialSelection; 3],
    pub(super) spatial_partial_sums: SpatialSelection,
    pub(super) innermost: bool,
    /// Default model, per axis (`Y`, `X`): the filter extent that makes a complete window, so
    /// a tile of `m` input rows holds `extent(m, window)` outputs whatever the filter tile
    /// (a partial `R` map selects which filter rows those outputs use now). `None` is the
    /// MAESTRO rule, `extent(M[Y], M[R])`: the Maestro model everywhere, and the Default model
    /// at and below a level that maps `Y` and `R` in lock-step (row stationary).
    pub(super) window: [Option<i64>; 2],
    /// Default model: axes mapped in lock-step at this level (`Y` with `R`, `X` with `S`).
    pub(super) lockstep: [bool; 2],
}

impl Plan {
    /// Default model: reject the maps of one level (after conversion, inheritance,
    /// auto-unroll and stride adjustment; `dims` are its static dims) whose tiles the model
    /// cannot count exactly, rather than report a wrong number. Every user map must tile its
    /// dimension (windows of outputs for `Y`/`X`); two spatial maps are supported only as the
    /// lock-step pair `Y`+`R` / `X`+`S` of row stationary.
    pub(super) fn check_tilings(
        &self,
        dirs: &[LevelMap],
        dims: &DimTable,
        n: i64,
        window: [Option<i64>; 2],
        lockstep: [bool; 2],
    ) -> Result<(), CostError> {
        let unsupported = |d: &LevelMap, reason: &'static str| CostError::UnsupportedMapping {
            directive: d.origin.index(),
            reason,
        };
        let spatial: Vec<&LevelMap> = dirs.iter().filter(|d| d.spatial).collect();
        if let [a, b] = spatial[..] {
            let pair = |v: u8| {
                let sl = filter_dim_of(v);
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
            let same_tiles = a.size == b.size && a.offset == b.offset && a.size == a.offset;
            let d = dims.size[v as usize];
            // Pairs of tiles match only within one spatial fold: successive folds of the two
            // maps are nested loops, which would pair tiles that share no output.
            let one_fold = add(a.size, mul(a.offset, n - 1)) >= d;
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
            if v == Y_OUT || v == X_OUT {
                return Err(unsupported(
                    d,
                    "a level maps both an output-centric dimension and its input-centric one",
                ));
            }
            if d.size >= dim {
                continue; // one tile of the whole dimension
            }
            let axis = usize::from(v == X);
            let sliding_win = if v == Y || v == X { window[axis] } else { None };
            match sliding_win {
                Some(w) if !lockstep[axis] => {
                    let p = self.pitch[axis];
                    if d.size < w {
                        return Err(unsupported(
                            d,
                            "the tile is narrower than one filter window, so it holds no \
                             complete output (use a tile of at least the filter size, or map \
                             the filter dimension in lock-step)",
                        ));
                    }
                    let step = mul((d.size - w) / p + 1, p);
                    if d.offset < step {
                        return Err(unsupported(
                            d,
                            "consecutive tiles share outputs (the offset is smaller than the \
                             tile's windows times the stride), so outputs are computed twice",
                        ));
                    }
                    if d.offset > step {
                        return Err(unsupported(
                            d,
                            "the offset is larger than the tile's windows times the stride, \
                             so outputs between tiles are skipped",
                        ));
                    }
                }
                _ => {
                    if d.offset < d.size {
                        return Err(unsupported(
                            d,
                            "the tiles overlap (offset smaller than size), so points are \
                             computed more than once",
                        ));
                    }
                    if d.offset > d.size {
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

    /// Prepare a level from its final directives and its static dims, from which the
    /// mapping tables and `E` are computed (`docs/semantics/maestro.md`, "Tile sizes, edge tiles and
    /// iteration counts").
    pub(super) fn make_level(
        &self,
        dirs: Vec<LevelMap>,
        dims: DimTable,
        n: i64,
        first_spatial: LevelMap,
        innermost: bool,
        window: [Option<i64>; 2],
    ) -> Result<Level, CostError> {
        let fixed = self.fixed();
        // Edge units E of the first spatial map.
        let (d, m, o) = (
            dims.size[first_spatial.var as usize],
            first_spatial.size,
            first_spatial.offset,
        );
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

        let mut level = Level {
            dirs,
            units: n,
            edge_units: ne,
            first_spatial_var: first_spatial.var,
            mapped: [0; NUM_DIMS],
            unique: [0; NUM_DIMS],
            edge_mapped: [0; NUM_DIMS],
            edge_unique: [0; NUM_DIMS],
            has: 0,
            first_dir: [usize::MAX; NUM_DIMS],
            vars: 0,
            spatial_by_tensor: [SpatialSelection::default(); 3],
            spatial_partial_sums: SpatialSelection::default(),
            innermost,
            window,
            lockstep: [false; 2],
        };
        // Mapping tables from the static dims; a later directive on the same variable wins.
        for (i, d) in level.dirs.iter().enumerate() {
            let v = d.var as usize;
            if level.first_dir[v] == usize::MAX {
                level.first_dir[v] = i;
            }
            level.vars |= bit(d.var);
            level.has |= bit(d.var);
            let dim = dims.size[v];
            let ns = ((dim - d.size) / d.offset).max(0);
            let has_edge = add(mul(ns, d.offset), d.size) < dim || d.size > dim;
            let mut em = dim - mul(ns + 1, d.offset);
            if fixed {
                // Quirk 5 fixed: a tile at least as big as its dimension is one tile of the whole
                // dimension; otherwise the edge tile is what remains after the last full step
                // (nothing, not the whole dimension, when the offset overshoots).
                em = if d.size >= dim { dim } else { em.max(0) };
            } else if em < 0 {
                em = dim;
            }
            level.mapped[v] = d.size;
            level.unique[v] = if !d.spatial && dim <= d.size {
                0
            } else {
                d.size.min(d.offset)
            };
            level.edge_mapped[v] = if has_edge { em } else { d.size };
            level.edge_unique[v] = if fixed && !has_edge {
                // Quirk 6 fixed: without an edge tile the last unit's unique part is the regular one.
                level.unique[v]
            } else {
                (d.offset - (d.size - em)).max(0)
            };
        }
        for d in &level.dirs {
            if d.var != Y && d.var != X {
                continue;
            }
            let (v, a, sl) = (
                d.var as usize,
                output_dim_of(d.var) as usize,
                filter_dim_of(d.var) as usize,
            );
            level.has |= bit(a as u8);
            let win = level.window[usize::from(d.var == X)];
            level.mapped[a] = self.extent(d.var, level.mapped[v], win.unwrap_or(level.mapped[sl]));
            level.edge_mapped[a] = self.extent(
                d.var,
                level.edge_mapped[v],
                win.unwrap_or(level.edge_mapped[sl]),
            );
            if fixed {
                // Outputs advanced per step: the input offset in window pitches.
                let p = self.pitch[usize::from(d.var == X)];
                level.unique[a] = ceil_div(d.offset.min(d.size), p);
                level.edge_unique[a] = ceil_div(d.offset, p).min(level.edge_mapped[a]);
            } else {
                level.unique[a] = d.offset.min(d.size);
                level.edge_unique[a] = d.offset.min(level.edge_mapped[a]);
            }
        }
        // Spatial selections: which spatial maps decide the aggregation of each tensor.
        for (t, sel) in self.tensors.iter().zip(level.spatial_by_tensor.iter_mut()) {
            for &v in t.vars() {
                let fd = level.first_dir[v as usize];
                if let Some(d) = level.dirs.get(fd) {
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
        let mut ps = level.spatial_by_tensor[OUTPUT];
        for d in level.dirs.iter().filter(|d| d.spatial) {
            ps.any = true;
            ps.last = d.var;
            ps.edge_mask |= bit(d.var);
        }
        level.spatial_partial_sums = ps;
        Ok(level)
    }
}

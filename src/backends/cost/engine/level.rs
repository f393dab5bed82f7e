//! Cluster levels: the directives of one level after preparation, the Default model's check
//! that they tile their dimensions, and the per-level mapping tables (tile, unique and edge sizes
//! per dimension, the number of units active in a spatial edge fold, the spatial selections).

use super::plan::Plan;
use super::{
    add, bit, ceil_div, dim_of, filter_dim_of, mul, output_dim_of, CostError, DimTable, NUM_DIMS,
    OUTPUT, R, S, X, X_OUT, Y, Y_OUT,
};

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
    /// Some spatial map decides it.
    pub(super) any: bool,
    /// The spatially mapped variables whose edge states make an edge fold.
    pub(super) edge_mask: u16,
    /// The variable whose state says whether the last unit's tile is cut.
    pub(super) last: u8,
}

/// One cluster level, fully prepared for analysis.
#[derive(Debug)]
pub(super) struct Level {
    /// The level's maps after preparation, outermost first.
    pub(super) maps: Vec<LevelMap>,
    /// Number of sub-units.
    pub(super) units: i64,
    /// Active sub-units in a spatial edge fold (`E`; `docs/semantics/maestro.md`, "Tile sizes, edge
    /// tiles and iteration counts").
    pub(super) edge_units: i64,
    pub(super) first_spatial_var: u8,
    /// Per variable: the tile size (`M`), its new data per advance (`U`), and the same for the
    /// edge tile (`ME`, `UE`); `Y'`/`X'` hold output counts.
    pub(super) mapped: [i64; NUM_DIMS],
    pub(super) unique: [i64; NUM_DIMS],
    pub(super) edge_mapped: [i64; NUM_DIMS],
    pub(super) edge_unique: [i64; NUM_DIMS],
    /// Keys present in the tables.
    pub(super) table_keys: u16,
    /// Index of the first map of each variable.
    pub(super) first_map: [usize; NUM_DIMS],
    /// Variables with a map.
    pub(super) mapped_vars: u16,
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
        maps: &[LevelMap],
        dims: &DimTable,
        units: i64,
        window: [Option<i64>; 2],
        lockstep: [bool; 2],
    ) -> Result<(), CostError> {
        let unsupported = |d: &LevelMap, reason: &'static str| CostError::UnsupportedMapping {
            directive: d.origin.index(),
            reason,
        };
        let spatial: Vec<&LevelMap> = maps.iter().filter(|d| d.spatial).collect();
        if let [first, second] = spatial[..] {
            let pair = |v: u8| {
                let filter = filter_dim_of(v);
                (first.var == v && second.var == filter) || (first.var == filter && second.var == v)
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
                    second,
                    "two spatial maps in one cluster level run in lock-step (unit i gets the \
                     i-th tile of both), which covers only part of the iteration space; \
                     use one spatial map per level (or Y with R / X with S, row stationary)",
                ));
            };
            let (v, filter) = if axis == 0 { (Y, R) } else { (X, S) };
            let same_tiles = first.size == second.size
                && first.offset == second.offset
                && first.size == first.offset;
            let dim = dims.size[v as usize];
            // Pairs of tiles match only within one spatial fold: successive folds of the two
            // maps are nested loops, which would pair tiles that share no output.
            let one_fold = add(first.size, mul(first.offset, units - 1)) >= dim;
            if !lockstep[axis] || !same_tiles || dim != dims.size[filter as usize] || !one_fold {
                return Err(unsupported(
                    second,
                    "a sliding dimension and its filter dimension mapped spatially in one \
                     level must have equal tiles (size = offset) that cover, in one spatial \
                     fold, a tile of exactly one window (row stationary)",
                ));
            }
        }
        for d in maps.iter().filter(|d| d.own) {
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
            let sliding_window = if v == Y || v == X { window[axis] } else { None };
            match sliding_window {
                Some(window) if !lockstep[axis] => {
                    let pitch = self.pitch[axis];
                    if d.size < window {
                        return Err(unsupported(
                            d,
                            "the tile is narrower than one filter window, so it holds no \
                             complete output (use a tile of at least the filter size, or map \
                             the filter dimension in lock-step)",
                        ));
                    }
                    let step = mul((d.size - window) / pitch + 1, pitch);
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

    /// Prepare a level from its final maps and its static dims, from which the mapping tables
    /// and `E` are computed (`docs/semantics/maestro.md`, "Tile sizes, edge tiles and
    /// iteration counts").
    pub(super) fn make_level(
        &self,
        maps: Vec<LevelMap>,
        dims: DimTable,
        units: i64,
        first_spatial: LevelMap,
        innermost: bool,
        window: [Option<i64>; 2],
    ) -> Result<Level, CostError> {
        let mut level = Level {
            maps,
            units,
            edge_units: edge_units(&first_spatial, &dims, units),
            first_spatial_var: first_spatial.var,
            mapped: [0; NUM_DIMS],
            unique: [0; NUM_DIMS],
            edge_mapped: [0; NUM_DIMS],
            edge_unique: [0; NUM_DIMS],
            table_keys: 0,
            first_map: [usize::MAX; NUM_DIMS],
            mapped_vars: 0,
            spatial_by_tensor: [SpatialSelection::default(); 3],
            spatial_partial_sums: SpatialSelection::default(),
            innermost,
            window,
            lockstep: [false; 2],
        };
        self.fill_tile_tables(&mut level, &dims);
        self.fill_output_tables(&mut level);
        self.select_spatial_maps(&mut level)?;
        Ok(level)
    }

    /// Mapped, unique and edge sizes of every mapped variable, from the static dims; a later
    /// map on the same variable wins.
    fn fill_tile_tables(&self, level: &mut Level, dims: &DimTable) {
        let whole = self.rules.whole_dimension_tiles;
        for (i, d) in level.maps.iter().enumerate() {
            let v = d.var as usize;
            if level.first_map[v] == usize::MAX {
                level.first_map[v] = i;
            }
            level.mapped_vars |= bit(d.var);
            level.table_keys |= bit(d.var);
            let dim = dims.size[v];
            let steps = ((dim - d.size) / d.offset).max(0);
            let has_edge = add(mul(steps, d.offset), d.size) < dim || d.size > dim;
            let mut edge_tile = dim - mul(steps + 1, d.offset);
            if whole {
                // Quirk 5 fixed: a tile at least as big as its dimension is one tile of the
                // whole dimension; otherwise the edge tile is what remains after the last full
                // step (nothing, not the whole dimension, when the offset overshoots).
                edge_tile = if d.size >= dim { dim } else { edge_tile.max(0) };
            } else if edge_tile < 0 {
                edge_tile = dim;
            }
            level.mapped[v] = d.size;
            level.unique[v] = if !d.spatial && dim <= d.size {
                0
            } else {
                d.size.min(d.offset)
            };
            level.edge_mapped[v] = if has_edge { edge_tile } else { d.size };
            level.edge_unique[v] = if whole && !has_edge {
                // Quirk 6 fixed: without an edge tile the last unit's unique part is the
                // regular one.
                level.unique[v]
            } else {
                (d.offset - (d.size - edge_tile)).max(0)
            };
        }
    }

    /// The output-centric entries (`Y'`, `X'`) of the tables, for every map on `Y` or `X`.
    fn fill_output_tables(&self, level: &mut Level) {
        let stride_aware = self.rules.stride_aware_outputs;
        for d in &level.maps {
            if d.var != Y && d.var != X {
                continue;
            }
            let (v, output, filter) = (
                d.var as usize,
                output_dim_of(d.var) as usize,
                filter_dim_of(d.var) as usize,
            );
            level.table_keys |= bit(output as u8);
            let window = level.window[usize::from(d.var == X)];
            level.mapped[output] = self.extent(
                d.var,
                level.mapped[v],
                window.unwrap_or(level.mapped[filter]),
            );
            level.edge_mapped[output] = self.extent(
                d.var,
                level.edge_mapped[v],
                window.unwrap_or(level.edge_mapped[filter]),
            );
            if stride_aware {
                // Outputs advanced per step: the input offset in window pitches.
                let pitch = self.pitch[usize::from(d.var == X)];
                level.unique[output] = ceil_div(d.offset.min(d.size), pitch);
                level.edge_unique[output] =
                    ceil_div(d.offset, pitch).min(level.edge_mapped[output]);
            } else {
                level.unique[output] = d.offset.min(d.size);
                level.edge_unique[output] = d.offset.min(level.edge_mapped[output]);
            }
        }
    }

    /// Spatial selections: which spatial maps decide the aggregation of each tensor (the first
    /// map of each of its variables), and of the partial sums (the output's, plus every
    /// spatial map of the level).
    fn select_spatial_maps(&self, level: &mut Level) -> Result<(), CostError> {
        for (tensor, selection) in self.tensors.iter().zip(level.spatial_by_tensor.iter_mut()) {
            for &v in tensor.vars() {
                let first_map = level.first_map[v as usize];
                if let Some(d) = level.maps.get(first_map) {
                    if d.spatial {
                        selection.any = true;
                        selection.last = v;
                        selection.edge_mask |= bit(v);
                    }
                } else {
                    return Err(CostError::MissingDimension { dim: dim_of(v) });
                }
            }
        }
        let mut partial_sums = level.spatial_by_tensor[OUTPUT];
        for d in level.maps.iter().filter(|d| d.spatial) {
            partial_sums.any = true;
            partial_sums.last = d.var;
            partial_sums.edge_mask |= bit(d.var);
        }
        level.spatial_partial_sums = partial_sums;
        Ok(())
    }
}

/// Edge units `E`: how many of the level's `units` are active in the last spatial fold of its
/// first spatial map.
fn edge_units(first_spatial: &LevelMap, dims: &DimTable, units: i64) -> i64 {
    let (dim, size, offset) = (
        dims.size[first_spatial.var as usize],
        first_spatial.size,
        first_spatial.offset,
    );
    let fold_coverage = add(mul(offset, units - 1), size);
    if dim <= size {
        1
    } else if dim > fold_coverage {
        let steady_folds = ((dim - size) / offset + 1) / units - 1;
        let remainder = dim - mul(mul(steady_folds + 1, offset), units);
        if remainder < size {
            1
        } else {
            (remainder - size) / offset + 1
        }
    } else {
        let mut tiles = (dim - size) / offset + 1;
        if add(mul(offset, tiles - 1), size) < dim {
            tiles += 1;
        }
        tiles
    }
}

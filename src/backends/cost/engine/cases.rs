//! Iteration cases of one cluster level: the states each directive goes through (first,
//! steady, edge), and the data volumes of one case: per-unit ingress and egress, the spatial
//! aggregation over the level's units, and the partial sums computed.

use super::level::{Level, LevelMap, SpatialSelection};
use super::plan::Plan;
use super::{
    add, bit, dim_of, filter_dim_of, mul, output_dim_of, CostError, TensorVars, NUM_DIMS, OUTPUT,
    X, Y,
};

/// Where a map is in its iteration: its first tile, a full advance, or the cut last one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Init,
    Steady,
    Edge,
}

/// One iteration state of a directive (`docs/semantics/maestro.md`, "Steady state and edge cases").
#[derive(Clone, Copy, Debug)]
pub(super) struct IterationState {
    pub(super) phase: Phase,
    /// How many times the state occurs (steady advances or folds).
    pub(super) occurrences: i64,
    /// The map covers its whole dimension (init only).
    pub(super) unrolled: bool,
    /// The init tile or fold is already cut by the dimension's end.
    pub(super) init_edge: bool,
    /// Spatial maps: the last active unit of this fold gets a cut tile.
    pub(super) partial_unit: bool,
}

impl IterationState {
    pub(super) const INIT: IterationState = IterationState {
        phase: Phase::Init,
        occurrences: 1,
        unrolled: true,
        init_edge: false,
        partial_unit: false,
    };

    pub(super) fn edge(&self) -> bool {
        self.phase == Phase::Edge || self.init_edge
    }
}

/// The states of one map for the given dynamic size `dim` on a level of `units` units, into
/// `out`; returns how many (`docs/semantics/maestro.md`, "Steady state and edge cases").
pub(super) fn iteration_states(
    d: &LevelMap,
    dim: i64,
    units: i64,
    out: &mut [IterationState; 3],
) -> usize {
    let (size, offset) = (d.size, d.offset);
    let mut count = 0;
    let mut push = |state: IterationState| {
        out[count] = state;
        count += 1;
    };
    if !d.spatial {
        push(IterationState {
            phase: Phase::Init,
            occurrences: 1,
            unrolled: dim <= size,
            init_edge: dim < size,
            partial_unit: false,
        });
        let steady_steps = (dim - size) / offset;
        if size < dim && steady_steps > 0 {
            push(IterationState {
                phase: Phase::Steady,
                occurrences: steady_steps,
                unrolled: false,
                init_edge: false,
                partial_unit: false,
            });
        }
        if dim >= size && add(mul(steady_steps, offset), size) < dim {
            push(IterationState {
                phase: Phase::Edge,
                occurrences: 1,
                unrolled: false,
                init_edge: false,
                partial_unit: false,
            });
        }
    } else {
        let fold_coverage = add(size, mul(offset, units - 1));
        let (init_unrolled, init_edge) = (dim <= fold_coverage, dim < fold_coverage);
        push(IterationState {
            phase: Phase::Init,
            occurrences: 1,
            unrolled: init_unrolled,
            init_edge,
            partial_unit: init_edge,
        });
        let steady_folds = ((dim - size) / offset + 1) / units - 1;
        let fold = mul(offset, units);
        let edge_state = !init_unrolled
            && add(mul(steady_folds + 1, fold), fold_coverage) > dim
            && add(mul(steady_folds, fold), fold_coverage) != dim;
        if fold_coverage < dim && steady_folds > 0 {
            push(IterationState {
                phase: Phase::Steady,
                occurrences: steady_folds,
                unrolled: false,
                init_edge: false,
                partial_unit: false,
            });
        }
        let remainder = dim - mul(steady_folds + 1, fold);
        let active_units = if remainder < size {
            1
        } else {
            (remainder - size) / offset + 1
        };
        let partial_unit = add(mul(active_units - 1, offset), size) < remainder;
        if !init_edge && edge_state {
            push(IterationState {
                phase: Phase::Edge,
                occurrences: 1,
                unrolled: false,
                init_edge: false,
                partial_unit,
            });
        }
    }
    count
}

/// One iteration case of one level: the state of every variable (the last directive on a
/// variable decides its state) and the index of the innermost changing directive
/// (`docs/semantics/maestro.md`, "Steady state and edge cases").
pub(super) struct Case<'a> {
    pub(super) level: &'a Level,
    pub(super) var_states: [IterationState; NUM_DIMS],
    /// Index of the last directive whose variable is not in `Init`, or -1.
    pub(super) last_changing: isize,
    /// Default model: use the output-centric key in the spatial edge factor (quirk 7 fixed).
    pub(super) output_key_in_edge_factor: bool,
}

impl<'a> Case<'a> {
    /// The case with these variable states; finds its last changing directive.
    pub(super) fn new(
        level: &'a Level,
        var_states: [IterationState; NUM_DIMS],
        output_key_in_edge_factor: bool,
    ) -> Case<'a> {
        let mut last_changing = -1isize;
        for (i, d) in level.maps.iter().enumerate() {
            if var_states[d.var as usize].phase != Phase::Init {
                last_changing = i as isize;
            }
        }
        Case {
            level,
            var_states,
            last_changing,
            output_key_in_edge_factor,
        }
    }

    /// Whether a map of the tensor after the last changing one is back in init without
    /// covering its dimension: the inner loop restarted, so the whole tile is reloaded rather
    /// than only its unique part.
    fn reloaded(&self, mask: u16) -> bool {
        self.level.maps.iter().enumerate().any(|(i, d)| {
            let var_state = &self.var_states[d.var as usize];
            mask & bit(d.var) != 0
                && i as isize > self.last_changing
                && var_state.phase == Phase::Init
                && !var_state.unrolled
        })
    }

    /// The tile volume of the variables in `mask` held by one unit (the first unit, or the one
    /// with a cut tile in an edge fold).
    fn unit_mapped_volume(&self, mask: u16, first_unit: bool, partial_unit: bool) -> i64 {
        let level = self.level;
        let mut volume = 1i64;
        for d in &level.maps {
            if mask & bit(d.var) == 0 {
                continue;
            }
            let v = d.var as usize;
            let var_state = &self.var_states[v];
            if !d.spatial {
                volume = mul(
                    volume,
                    if var_state.edge() {
                        level.edge_mapped[v]
                    } else {
                        level.mapped[v]
                    },
                );
            } else if var_state.edge() {
                if level.edge_units == 1 && (first_unit || partial_unit) {
                    volume = mul(volume, level.edge_mapped[v]);
                } else if level.edge_units > 1 {
                    volume = mul(
                        volume,
                        if partial_unit {
                            level.edge_mapped[v]
                        } else {
                            level.mapped[v]
                        },
                    );
                }
            } else {
                volume = mul(volume, level.mapped[v]);
            }
        }
        volume
    }

    /// The new data of the variables in `mask` one unit receives in this case
    /// (`docs/semantics/maestro.md`, "Per-tensor traffic and reuse"); 0 when the last changing
    /// map is not on one of them (the tensor is stationary).
    fn unit_ingress(
        &self,
        mask: u16,
        reloaded: bool,
        first_unit: bool,
        partial_unit: bool,
    ) -> Result<i64, CostError> {
        if self.last_changing < 0 {
            return Ok(self.unit_mapped_volume(mask, first_unit, partial_unit));
        }
        let level = self.level;
        let mut volume = 1i64;
        let mut includes_changing = false;
        for (i, d) in level.maps.iter().enumerate() {
            if mask & bit(d.var) == 0 {
                continue;
            }
            let v = d.var as usize;
            let var_state = &self.var_states[v];
            let i = i as isize;
            let is_changing = i == self.last_changing;
            includes_changing |= is_changing;
            let factor = if !d.spatial {
                if var_state.phase == Phase::Init {
                    if var_state.edge() {
                        level.edge_mapped[v]
                    } else {
                        level.mapped[v]
                    }
                } else if is_changing && !reloaded {
                    if level.unique[v] == 0 {
                        return Err(CostError::ZeroUniqueSize {
                            directive: d.origin.index(),
                            dim: dim_of(d.var),
                        });
                    }
                    level.unique[v]
                } else {
                    level.mapped[v]
                }
            } else {
                let mapped = if partial_unit {
                    level.edge_mapped[v]
                } else {
                    level.mapped[v]
                };
                let unique = if partial_unit {
                    level.edge_unique[v]
                } else {
                    level.unique[v]
                };
                if var_state.phase == Phase::Init {
                    if first_unit || i <= self.last_changing {
                        mapped
                    } else {
                        unique
                    }
                } else if first_unit || reloaded || !is_changing {
                    mapped
                } else {
                    unique
                }
            };
            volume = mul(volume, factor);
        }
        Ok(if includes_changing { volume } else { 0 })
    }

    /// `(spatial, edge, partial unit)` of a selection: whether a spatial map decides it, whether
    /// one of its variables is in an edge state, and whether the deciding state cuts the last
    /// unit's tile.
    fn spatial_status(&self, selection: &SpatialSelection) -> (bool, bool, bool) {
        if !selection.any {
            return (false, false, false);
        }
        let mut edge = false;
        let mut mask = selection.edge_mask;
        while mask != 0 {
            let v = mask.trailing_zeros() as usize;
            edge |= self.var_states[v].edge();
            mask &= mask - 1;
        }
        (
            true,
            edge,
            self.var_states[selection.last as usize].partial_unit,
        )
    }

    /// Spatial aggregation of a per-unit volume, `unit(first_unit, partial_unit)`, over the
    /// level's active units (`docs/semantics/maestro.md`, "Per-tensor traffic and reuse"): one
    /// unit when no spatial map decides the tensor (multicast), else the first unit and the
    /// others, in an edge fold the `E` active units with the cut one.
    fn aggregate<E>(
        &self,
        selection: &SpatialSelection,
        mut unit: impl FnMut(bool, bool) -> Result<i64, E>,
    ) -> Result<i64, E> {
        let level = self.level;
        let (spatial, edge, partial) = self.spatial_status(selection);
        if !spatial {
            return unit(true, false);
        }
        if !edge {
            let first = unit(true, false)?;
            let other = unit(false, false)?;
            return Ok(add(first, mul(level.units - 1, other)));
        }
        let mut total = if level.edge_units == 1 && partial {
            unit(true, true)?
        } else {
            unit(true, false)?
        };
        if level.edge_units > 1 {
            // MAESTRO evaluates both terms even when a multiplier is 0 (and may abort in them).
            let partial_units = i64::from(partial);
            let full_units = (level.edge_units - partial_units - 1).max(0);
            let full = unit(false, false)?;
            let cut = unit(false, true)?;
            total = add(total, add(mul(full_units, full), mul(partial_units, cut)));
        }
        Ok(total)
    }

    /// The level's ingress of tensor `t` (input or filter) in this case.
    pub(super) fn ingress(&self, t: usize, vars: &TensorVars) -> Result<i64, CostError> {
        let mask = vars.mask;
        let reloaded = self.reloaded(mask);
        self.aggregate(
            &self.level.spatial_by_tensor[t],
            |first_unit, partial_unit| self.unit_ingress(mask, reloaded, first_unit, partial_unit),
        )
    }

    /// The factor a spatially mapped output variable contributes to one unit's volume
    /// (`docs/semantics/maestro.md`, "Per-tensor traffic and reuse"); `None` is MAESTRO's edge
    /// case that reads the table with the input-centric key (quirk 7).
    fn spatial_factor(
        &self,
        var_state: &IterationState,
        key: usize,
        use_edge_unique: bool,
        first_unit: bool,
        partial_unit: bool,
    ) -> Option<i64> {
        let level = self.level;
        let edge_units = level.edge_units;
        let unique = if level.unique[key] != 0 {
            level.unique[key]
        } else {
            1
        };
        match var_state.phase {
            Phase::Init if var_state.edge() && partial_unit => Some(if edge_units == 1 {
                level.edge_mapped[key]
            } else if edge_units > 1 {
                if use_edge_unique {
                    level.edge_unique[key]
                } else {
                    level.edge_mapped[key]
                }
            } else {
                1
            }),
            Phase::Init | Phase::Steady => Some(if first_unit {
                level.mapped[key]
            } else {
                unique
            }),
            Phase::Edge => {
                if edge_units == 1 && (first_unit || partial_unit) {
                    None
                } else if edge_units > 1 {
                    Some(if partial_unit {
                        level.edge_unique[key]
                    } else if first_unit {
                        level.mapped[key]
                    } else {
                        unique
                    })
                } else {
                    Some(1)
                }
            }
        }
    }

    /// One unit's output volume of the tensor's variables in this case; with `partial_sums`,
    /// times the tiles of the other variables (the reduction), i.e. the unit's MACs.
    fn unit_egress(
        &self,
        vars: &TensorVars,
        partial_sums: bool,
        first_unit: bool,
        partial_unit: bool,
        use_edge_unique: bool,
    ) -> i64 {
        let level = self.level;
        let mut volume = 1i64;
        if partial_sums {
            for d in &level.maps {
                if vars.mask & bit(d.var) != 0 {
                    continue;
                }
                let v = d.var as usize;
                let var_state = &self.var_states[v];
                let factor = if !d.spatial {
                    if var_state.edge() {
                        level.edge_mapped[v]
                    } else {
                        level.mapped[v]
                    }
                } else {
                    self.spatial_factor(var_state, v, false, first_unit, partial_unit)
                        .unwrap_or(level.edge_mapped[v])
                };
                volume = mul(volume, factor);
            }
        }
        for &v in vars.vars() {
            let Some(d) = level.maps.get(level.first_map[v as usize]) else {
                continue;
            };
            let var_state = &self.var_states[v as usize];
            let output_key = output_dim_of(v) as usize;
            let factor = if !d.spatial {
                match var_state.phase {
                    Phase::Init if var_state.edge() => level.edge_mapped[output_key],
                    Phase::Init | Phase::Steady => level.mapped[output_key],
                    Phase::Edge => level.edge_mapped[output_key],
                }
            } else {
                let key = if self.output_key_in_edge_factor {
                    output_key
                } else {
                    v as usize
                };
                self.spatial_factor(
                    var_state,
                    output_key,
                    use_edge_unique,
                    first_unit,
                    partial_unit,
                )
                .unwrap_or(level.edge_mapped[key])
            };
            volume = mul(volume, factor);
        }
        volume
    }

    /// The level's output egress in this case.
    pub(super) fn egress(&self, vars: &TensorVars) -> i64 {
        self.aggregate(
            &self.level.spatial_by_tensor[OUTPUT],
            |first_unit, partial_unit| -> Result<i64, std::convert::Infallible> {
                Ok(self.unit_egress(vars, false, first_unit, partial_unit, true))
            },
        )
        .unwrap_or_else(|never| match never {})
    }

    /// The partial sums of the critical unit (the first, or the cut one when it is the only
    /// active unit of an edge fold): its MACs, which decide the compute delay and whether the
    /// case is skipped.
    pub(super) fn critical_partial_sums(&self, vars: &TensorVars) -> i64 {
        let (spatial, edge, partial) = self.spatial_status(&self.level.spatial_by_tensor[OUTPUT]);
        if !spatial || !edge {
            self.unit_egress(vars, true, true, false, true)
        } else if self.level.edge_units == 1 && partial {
            self.unit_egress(vars, true, true, true, true)
        } else {
            self.unit_egress(vars, true, true, false, true)
        }
    }

    /// MACs of one step over the whole level (MAESTRO's `PsumMap`). Unlike the other
    /// aggregations, the full units of an edge fold count the first unit's volume.
    pub(super) fn partial_sum_map(&self, vars: &TensorVars) -> i64 {
        let level = self.level;
        let (spatial, edge, partial) = self.spatial_status(&level.spatial_partial_sums);
        if !spatial || !edge {
            return mul(level.units, self.unit_egress(vars, true, true, false, true));
        }
        let mut total = if level.edge_units == 1 && partial {
            self.unit_egress(vars, true, true, true, true)
        } else {
            self.unit_egress(vars, true, true, false, true)
        };
        if level.edge_units > 1 {
            let partial_units = i64::from(partial);
            let full_units = (level.edge_units - partial_units - 1).max(0);
            let full = self.unit_egress(vars, true, true, false, true);
            let cut = self.unit_egress(vars, true, false, true, false);
            total = add(total, add(mul(full_units, full), mul(partial_units, cut)));
        }
        total
    }

    /// One unit's tile volume of the tensor's variables (for the L1 requirement).
    pub(super) fn mapped_volume(&self, vars: &TensorVars) -> i64 {
        let level = self.level;
        vars.vars()
            .iter()
            .filter(|&&v| level.table_keys & bit(v) != 0)
            .fold(1, |volume, &v| mul(volume, level.mapped[v as usize]))
    }

    /// The tile one sub-unit sees: the next level's dynamic dims.
    pub(super) fn sub_dims(&self, plan: &Plan, partial_unit: bool) -> [i64; NUM_DIMS] {
        let level = self.level;
        let mut sub_tile = [0i64; NUM_DIMS];
        let mut has = 0u16;
        for d in &level.maps {
            let v = d.var as usize;
            if has & bit(d.var) != 0 {
                continue;
            }
            let var_state = &self.var_states[v];
            let edge_tile = if !d.spatial {
                var_state.edge()
            } else {
                match var_state.phase {
                    Phase::Init => var_state.edge() && (level.edge_units == 1 || partial_unit),
                    Phase::Steady => false,
                    Phase::Edge => level.edge_units == 1 || partial_unit,
                }
            };
            sub_tile[v] = if edge_tile {
                level.edge_mapped[v]
            } else {
                level.mapped[v]
            };
            has |= bit(d.var);
        }
        for v in [Y, X] {
            let output = output_dim_of(v);
            if level.mapped_vars & bit(v) != 0 && has & bit(output) == 0 {
                let window = level.window[usize::from(v == X)];
                let window = window.unwrap_or(sub_tile[filter_dim_of(v) as usize]);
                sub_tile[output as usize] = plan.extent(v, sub_tile[v as usize], window);
                has |= bit(output);
            }
        }
        sub_tile
    }
}

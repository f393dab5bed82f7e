//! Iteration cases of one cluster level: the states each directive goes through (first,
//! steady, edge), and the data volumes of one case: per-unit ingress and egress, the spatial
//! aggregation over the level's units, and the partial sums computed.

use super::level::{Level, LevelMap, SpatialSelection};
use super::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Init,
    Steady,
    Edge,
}

/// One iteration state of a directive (`docs/semantics/maestro.md`, "Steady state and edge cases").
#[derive(Clone, Copy, Debug)]
pub(super) struct IterationState {
    pub(super) pos: Phase,
    pub(super) occurrences: i64,
    pub(super) unrolled: bool,
    pub(super) init_edge: bool,
    pub(super) partial_unit: bool,
}

impl IterationState {
    pub(super) const INIT: IterationState = IterationState {
        pos: Phase::Init,
        occurrences: 1,
        unrolled: true,
        init_edge: false,
        partial_unit: false,
    };

    pub(super) fn edge(&self) -> bool {
        self.pos == Phase::Edge || self.init_edge
    }
}

/// The states of one directive for the given dynamic size; returns how many.
pub(super) fn iteration_states(
    d: &LevelMap,
    dim: i64,
    n: i64,
    out: &mut [IterationState; 3],
) -> usize {
    let (m, o) = (d.size, d.offset);
    let mut k = 0;
    let mut push = |s: IterationState| {
        out[k] = s;
        k += 1;
    };
    if !d.spatial {
        push(IterationState {
            pos: Phase::Init,
            occurrences: 1,
            unrolled: dim <= m,
            init_edge: dim < m,
            partial_unit: false,
        });
        let ns = (dim - m) / o;
        if m < dim && ns > 0 {
            push(IterationState {
                pos: Phase::Steady,
                occurrences: ns,
                unrolled: false,
                init_edge: false,
                partial_unit: false,
            });
        }
        if dim >= m && add(mul(ns, o), m) < dim {
            push(IterationState {
                pos: Phase::Edge,
                occurrences: 1,
                unrolled: false,
                init_edge: false,
                partial_unit: false,
            });
        }
    } else {
        let cov = add(m, mul(o, n - 1));
        let (iu, ie) = (dim <= cov, dim < cov);
        push(IterationState {
            pos: Phase::Init,
            occurrences: 1,
            unrolled: iu,
            init_edge: ie,
            partial_unit: ie,
        });
        let ns = ((dim - m) / o + 1) / n - 1;
        let fold = mul(o, n);
        let edge_state = !iu && add(mul(ns + 1, fold), cov) > dim && add(mul(ns, fold), cov) != dim;
        if cov < dim && ns > 0 {
            push(IterationState {
                pos: Phase::Steady,
                occurrences: ns,
                unrolled: false,
                init_edge: false,
                partial_unit: false,
            });
        }
        let rem = dim - mul(ns + 1, fold);
        let act = if rem < m { 1 } else { (rem - m) / o + 1 };
        let partial_unit = add(mul(act - 1, o), m) < rem;
        if !ie && edge_state {
            push(IterationState {
                pos: Phase::Edge,
                occurrences: 1,
                unrolled: false,
                init_edge: false,
                partial_unit,
            });
        }
    }
    k
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
        fixed: bool,
    ) -> Case<'a> {
        let mut last_changing = -1isize;
        for (i, d) in level.dirs.iter().enumerate() {
            if var_states[d.var as usize].pos != Phase::Init {
                last_changing = i as isize;
            }
        }
        Case {
            level,
            var_states,
            last_changing,
            output_key_in_edge_factor: fixed,
        }
    }

    fn inited(&self, mask: u16) -> bool {
        self.level.dirs.iter().enumerate().any(|(i, d)| {
            let var_state = &self.var_states[d.var as usize];
            mask & bit(d.var) != 0
                && i as isize > self.last_changing
                && var_state.pos == Phase::Init
                && !var_state.unrolled
        })
    }

    fn pe_mapped(&self, mask: u16, first: bool, partial_unit: bool) -> i64 {
        let level = self.level;
        let mut r = 1i64;
        for d in &level.dirs {
            if mask & bit(d.var) == 0 {
                continue;
            }
            let v = d.var as usize;
            let var_state = &self.var_states[v];
            if !d.spatial {
                r = mul(
                    r,
                    if var_state.edge() {
                        level.edge_mapped[v]
                    } else {
                        level.mapped[v]
                    },
                );
            } else if var_state.edge() {
                if level.edge_units == 1 && (first || partial_unit) {
                    r = mul(r, level.edge_mapped[v]);
                } else if level.edge_units > 1 {
                    r = mul(
                        r,
                        if partial_unit {
                            level.edge_mapped[v]
                        } else {
                            level.mapped[v]
                        },
                    );
                }
            } else {
                r = mul(r, level.mapped[v]);
            }
        }
        r
    }

    fn pe_ingress(
        &self,
        mask: u16,
        inited: bool,
        first: bool,
        partial_unit: bool,
    ) -> Result<i64, CostError> {
        if self.last_changing < 0 {
            return Ok(self.pe_mapped(mask, first, partial_unit));
        }
        let level = self.level;
        let mut r = 1i64;
        let mut includes_changing = false;
        for (i, d) in level.dirs.iter().enumerate() {
            if mask & bit(d.var) == 0 {
                continue;
            }
            let v = d.var as usize;
            let var_state = &self.var_states[v];
            let i = i as isize;
            let is_changing = i == self.last_changing;
            includes_changing |= is_changing;
            let f = if !d.spatial {
                if var_state.pos == Phase::Init {
                    if var_state.edge() {
                        level.edge_mapped[v]
                    } else {
                        level.mapped[v]
                    }
                } else if is_changing && !inited {
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
                if var_state.pos == Phase::Init {
                    if first || i <= self.last_changing {
                        mapped
                    } else {
                        unique
                    }
                } else if first || inited || !is_changing {
                    mapped
                } else {
                    unique
                }
            };
            r = mul(r, f);
        }
        Ok(if includes_changing { r } else { 0 })
    }

    /// `(spatial, edge, partial_unit of the deciding state)` of a selection.
    fn spatial_status(&self, sel: &SpatialSelection) -> (bool, bool, bool) {
        if !sel.any {
            return (false, false, false);
        }
        let mut edge = false;
        let mut m = sel.edge_mask;
        while m != 0 {
            let v = m.trailing_zeros() as usize;
            edge |= self.var_states[v].edge();
            m &= m - 1;
        }
        (true, edge, self.var_states[sel.last as usize].partial_unit)
    }

    pub(super) fn ingress(&self, t: usize, tv: &TensorVars) -> Result<i64, CostError> {
        let level = self.level;
        let mask = tv.mask;
        let inited = self.inited(mask);
        let (isp, edge, h) = self.spatial_status(&level.spatial_by_tensor[t]);
        if !isp {
            return self.pe_ingress(mask, inited, true, false);
        }
        if !edge {
            let a = self.pe_ingress(mask, inited, true, false)?;
            let b = self.pe_ingress(mask, inited, false, false)?;
            return Ok(add(a, mul(level.units - 1, b)));
        }
        let mut r = if level.edge_units == 1 && h {
            self.pe_ingress(mask, inited, true, true)?
        } else {
            self.pe_ingress(mask, inited, true, false)?
        };
        if level.edge_units > 1 {
            // MAESTRO evaluates both terms even when a multiplier is 0 (and may abort in them).
            let k = i64::from(h);
            let nf = (level.edge_units - k - 1).max(0);
            let a = self.pe_ingress(mask, inited, false, false)?;
            let b = self.pe_ingress(mask, inited, false, true)?;
            r = add(r, add(mul(nf, a), mul(k, b)));
        }
        Ok(r)
    }

    /// The factor a spatially mapped output variable contributes to one unit's volume
    /// (`docs/semantics/maestro.md`, "Per-tensor traffic and reuse"); `None` is MAESTRO's edge case
    /// that reads the table with the input-centric key (quirk 7).
    fn spatial_factor(
        &self,
        var_state: &IterationState,
        a: usize,
        consider: bool,
        first: bool,
        partial_unit: bool,
    ) -> Option<i64> {
        let level = self.level;
        let na = level.edge_units;
        let uq = if level.unique[a] != 0 {
            level.unique[a]
        } else {
            1
        };
        match var_state.pos {
            Phase::Init if var_state.edge() && partial_unit => Some(if na == 1 {
                level.edge_mapped[a]
            } else if na > 1 {
                if consider {
                    level.edge_unique[a]
                } else {
                    level.edge_mapped[a]
                }
            } else {
                1
            }),
            Phase::Init | Phase::Steady => Some(if first { level.mapped[a] } else { uq }),
            Phase::Edge => {
                if na == 1 && (first || partial_unit) {
                    None
                } else if na > 1 {
                    Some(if partial_unit {
                        level.edge_unique[a]
                    } else if first {
                        level.mapped[a]
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
        partial_sums: bool,
        first: bool,
        partial_unit: bool,
        reuse_edge: bool,
    ) -> i64 {
        let level = self.level;
        let mut r = 1i64;
        if partial_sums {
            for d in &level.dirs {
                if t.mask & bit(d.var) != 0 {
                    continue;
                }
                let v = d.var as usize;
                let var_state = &self.var_states[v];
                let f = if !d.spatial {
                    if var_state.edge() {
                        level.edge_mapped[v]
                    } else {
                        level.mapped[v]
                    }
                } else {
                    self.spatial_factor(var_state, v, false, first, partial_unit)
                        .unwrap_or(level.edge_mapped[v])
                };
                r = mul(r, f);
            }
        }
        for &v in t.vars() {
            let Some(d) = level.dirs.get(level.first_dir[v as usize]) else {
                continue;
            };
            let var_state = &self.var_states[v as usize];
            let a = output_dim_of(v) as usize;
            let f = if !d.spatial {
                match var_state.pos {
                    Phase::Init if var_state.edge() => level.edge_mapped[a],
                    Phase::Init | Phase::Steady => level.mapped[a],
                    Phase::Edge => level.edge_mapped[a],
                }
            } else {
                let key = if self.output_key_in_edge_factor {
                    a
                } else {
                    v as usize
                };
                self.spatial_factor(var_state, a, reuse_edge, first, partial_unit)
                    .unwrap_or(level.edge_mapped[key])
            };
            r = mul(r, f);
        }
        r
    }

    pub(super) fn egress(&self, t: &TensorVars) -> i64 {
        let level = self.level;
        let (isp, edge, h) = self.spatial_status(&level.spatial_by_tensor[OUTPUT]);
        if !isp {
            return self.pe_egress(t, false, true, false, true);
        }
        if !edge {
            let a = self.pe_egress(t, false, true, false, true);
            let b = self.pe_egress(t, false, false, false, true);
            return add(a, mul(level.units - 1, b));
        }
        let mut r = if level.edge_units == 1 && h {
            self.pe_egress(t, false, true, true, true)
        } else {
            self.pe_egress(t, false, true, false, true)
        };
        if level.edge_units > 1 {
            let k = i64::from(h);
            let nf = (level.edge_units - k - 1).max(0);
            let a = self.pe_egress(t, false, false, false, true);
            let b = self.pe_egress(t, false, false, true, true);
            r = add(r, add(mul(nf, a), mul(k, b)));
        }
        r
    }

    pub(super) fn critical_partial_sums(&self, t: &TensorVars) -> i64 {
        let (isp, edge, h) = self.spatial_status(&self.level.spatial_by_tensor[OUTPUT]);
        if !isp || !edge {
            self.pe_egress(t, true, true, false, true)
        } else if self.level.edge_units == 1 && h {
            self.pe_egress(t, true, true, true, true)
        } else {
            self.pe_egress(t, true, true, false, true)
        }
    }

    /// MACs of one step over the whole level (`PsumMap`).
    pub(super) fn partial_sum_map(&self, t: &TensorVars) -> i64 {
        let level = self.level;
        let (isp, edge, h) = self.spatial_status(&level.spatial_partial_sums);
        if !isp || !edge {
            return mul(level.units, self.pe_egress(t, true, true, false, true));
        }
        let mut r = if level.edge_units == 1 && h {
            self.pe_egress(t, true, true, true, true)
        } else {
            self.pe_egress(t, true, true, false, true)
        };
        if level.edge_units > 1 {
            let k = i64::from(h);
            let nf = (level.edge_units - k - 1).max(0);
            let a = self.pe_egress(t, true, true, false, true);
            let b = self.pe_egress(t, true, false, true, false);
            r = add(r, add(mul(nf, a), mul(k, b)));
        }
        r
    }

    pub(super) fn mapped_volume(&self, t: &TensorVars) -> i64 {
        let level = self.level;
        t.vars()
            .iter()
            .filter(|&&v| level.has & bit(v) != 0)
            .fold(1, |r, &v| mul(r, level.mapped[v as usize]))
    }

    /// The tile one sub-unit sees: the next level's dynamic dims.
    pub(super) fn sub_dims(&self, plan: &Plan, partial_unit: bool) -> [i64; NUM_DIMS] {
        let level = self.level;
        let mut nd = [0i64; NUM_DIMS];
        let mut has = 0u16;
        for d in &level.dirs {
            let v = d.var as usize;
            if has & bit(d.var) != 0 {
                continue;
            }
            let var_state = &self.var_states[v];
            let edge_tile = if !d.spatial {
                var_state.edge()
            } else {
                match var_state.pos {
                    Phase::Init => var_state.edge() && (level.edge_units == 1 || partial_unit),
                    Phase::Steady => false,
                    Phase::Edge => level.edge_units == 1 || partial_unit,
                }
            };
            nd[v] = if edge_tile {
                level.edge_mapped[v]
            } else {
                level.mapped[v]
            };
            has |= bit(d.var);
        }
        for v in [Y, X] {
            let a = output_dim_of(v);
            if level.vars & bit(v) != 0 && has & bit(a) == 0 {
                let win = level.window[usize::from(v == X)];
                let win = win.unwrap_or(nd[filter_dim_of(v) as usize]);
                nd[a as usize] = plan.extent(v, nd[v as usize], win);
                has |= bit(a);
            }
        }
        nd
    }
}

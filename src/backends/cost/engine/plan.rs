//! The evaluation plan: validated hardware, the layer's dimension tables, and the directive list
//! split at its `Cluster` directives into prepared cluster levels (output-centric conversion,
//! inheritance, auto-unroll and stride adjustment, level by level from the top).

use super::level::{Level, LevelMap, Origin, Segment};
use super::*;
use crate::backends::cost::MAX_INPUT;
use crate::backends::cost::{Directive, Hardware, HwField, LayerType, MapKind, Model, Problem};

#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) model: Model,
    pub(super) levels: Vec<Level>,
    /// Top-level dims (§5.1), the dynamic dims of the top level.
    pub(crate) top: DimTable,
    /// Top dims before the Default model's compaction of strided dims (pixel counts).
    pub(crate) real: DimTable,
    /// The declared dims only (MAESTRO's pixel counts skip derived ones).
    pub(crate) declared: DimTable,
    pub(crate) tensors: [TensorVars; 3],
    /// Window pitch of `Y` and `X` in the Default model (`min(stride, filter)`).
    pub(super) pitch: [i64; 2],
    pub(super) simd_lanes: i64,
    pub(super) noc_bw: i64,
    pub(super) noc_hops: i64,
    pub(super) l1_capacity: i64,
    pub(super) l2_capacity: i64,
    pub(crate) precision_bits: Option<u32>,
}

pub(crate) fn check_input(v: i64) -> Result<i64, CostError> {
    if v > MAX_INPUT {
        Err(CostError::ValueTooLarge { value: v })
    } else {
        Ok(v)
    }
}

pub(crate) fn check_hw(v: i64, min: i64, field: HwField) -> Result<i64, CostError> {
    if v < min || v > MAX_INPUT {
        Err(CostError::InvalidHardware { field })
    } else {
        Ok(v)
    }
}

impl Plan {
    pub(super) fn fixed(&self) -> bool {
        self.model == Model::Default
    }

    /// Number of cluster levels of the dataflow.
    pub(crate) fn num_levels(&self) -> usize {
        self.levels.len()
    }

    /// The layer's true MAC count: the product of its loop extents (every variable of the
    /// three tensors; `Y'`/`X'` for `Y`/`X`), with the real (uncompacted) output sizes.
    pub(crate) fn true_macs(&self) -> i64 {
        let mask = self.tensors.iter().fold(0u16, |m, t| m | t.mask);
        (0..NUM_DIMS as u8)
            .filter(|&v| mask & bit(v) != 0)
            .fold(1, |acc, v| {
                let key = primed(v) as usize;
                mul(acc, self.real.size[key])
            })
    }

    /// Outputs of a window of size `win` sliding over `len` inputs along `v` (`Y` or `X`).
    /// MAESTRO ignores the stride (§8.1); the Default model steps by the window pitch and
    /// never goes negative.
    pub(super) fn extent(&self, v: u8, len: i64, win: i64) -> i64 {
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
    pub(crate) fn size_units(&self, elements: i64) -> i64 {
        match (self.model, self.precision_bits) {
            (Model::Default, Some(bits)) => ceil_div(mul(elements.max(0), i64::from(bits)), 8),
            _ => elements,
        }
    }

    pub(crate) fn build(p: &Problem, hw: &Hardware, model: Model) -> Result<Plan, CostError> {
        let fixed = model == Model::Default;
        let num_pes = check_hw(hw.num_pes, 1, HwField::NumPes)?;
        let noc_bw = check_hw(hw.noc_bw, 1, HwField::NocBw)?;
        let noc_hops = check_hw(hw.noc_hops, 0, HwField::NocHops)?;
        let simd_lanes = check_hw(hw.simd_lanes, 1, HwField::SimdLanes)?;
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
        let mut stride = [1i64; NUM_DIMS];
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
        for (input, output) in [(Y, Y_OUT), (X, X_OUT)] {
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
        for (v, o) in [(Y, Y_OUT), (X, X_OUT)] {
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
        let input_filter_mask = tensors[INPUT].mask | tensors[FILTER].mask | depthwise_k;

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
                        seg.push(LevelMap {
                            spatial: kind == MapKind::Spatial,
                            size,
                            offset,
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
            simd_lanes,
            noc_bw,
            noc_hops,
            l1_capacity: hw.l1_size,
            l2_capacity: hw.l2_size,
            precision_bits,
        };

        let mut level_dims = top;
        let num_levels = segments.len();
        let mut prev: Option<Vec<LevelMap>> = None;
        // Default model: once a level maps an axis in lock-step, it and the levels below it
        // count outputs with the filter tile (MAESTRO's rule), see `Level::window`.
        let mut locked = [false; 2];
        for (level_index, (cluster, mut cur)) in segments.into_iter().enumerate() {
            let is_top = level_index == 0;
            let lockstep = if fixed {
                let sp_on = |vs: [u8; 2]| cur.iter().any(|d| d.spatial && vs.contains(&d.var));
                [
                    sp_on([Y, Y_OUT]) && sp_on([R, R]),
                    sp_on([X, X_OUT]) && sp_on([S, S]),
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
            let filter_size =
                |cur: &[LevelMap], v: u8| cur.iter().find(|d| d.var == v).map(|d| d.size);
            let r_size = window[0].or(filter_size(&cur, R));
            let s_size = window[1].or(filter_size(&cur, S));
            for (out, inp, sz) in [(X_OUT, X, s_size), (Y_OUT, Y, r_size)] {
                let has_out = cur.iter().any(|d| d.var == out);
                let has_in = cur.iter().any(|d| d.var == inp);
                if !has_out || has_in {
                    continue;
                }
                let stride_in = level_dims.stride[inp as usize].max(1);
                let fallback = if fixed && level_dims.has(sliding(inp)) {
                    Some(level_dims.size[sliding(inp) as usize])
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
                    d.size = if fixed {
                        add(mul(d.size - 1, stride_in), win)
                    } else {
                        d.size + win - 1
                    };
                }
            }
            // Inheritance: missing parent directives, inserted at the front as temporal maps.
            if let Some(parent) = &prev {
                for u in parent {
                    if !cur.iter().any(|d| d.var == u.var) {
                        cur.insert(
                            0,
                            LevelMap {
                                spatial: false,
                                own: false,
                                ..*u
                            },
                        );
                    }
                }
            }
            // Auto-unroll of unmapped input/filter variables.
            for v in INPUT_FILTER_ORDER {
                if input_filter_mask & bit(v) != 0
                    && level_dims.has(v)
                    && !cur.iter().any(|d| d.var == v)
                {
                    let size = level_dims.size[v as usize];
                    cur.push(LevelMap {
                        spatial: false,
                        size,
                        offset: size,
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
                if !level_dims.has(d.var) {
                    return Err(CostError::DimensionNotFound {
                        directive: d.origin.index().unwrap_or(0),
                        dim: dim_of(d.var),
                        level: level_index,
                    });
                }
                let s = level_dims.stride[d.var as usize];
                if (d.var != Y && d.var != X) || s == 1 {
                    continue;
                }
                if fixed && !d.own {
                    // Inherited maps are already adjusted; auto-unrolled ones cover the level.
                    continue;
                }
                let k = top.size[sliding(d.var) as usize];
                if d.size >= k {
                    let w = (d.size + s - k) / s;
                    d.size = w * s.min(k) + (k - s).max(0);
                    d.offset = if fixed || (!is_top && k < s) {
                        w * s.min(k)
                    } else {
                        w * s
                    };
                }
            }
            // One or two spatial maps per level.
            let mut spatial = cur.iter().filter(|d| d.spatial);
            let Some(first_spatial) = spatial.next().copied() else {
                return Err(CostError::NoSpatialMap {
                    level: level_index,
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
                plan.check_tilings(&cur, &level_dims, n, window, lockstep)?;
            }
            let mut prepared = plan.make_level(
                cur,
                level_dims,
                n,
                first_spatial,
                level_index + 1 == num_levels,
                window,
            )?;
            prepared.lockstep = lockstep;
            // Static dims of the next level: the tiles of the input/filter variables.
            let mut next = DimTable::default();
            for v in INPUT_FILTER_ORDER {
                if input_filter_mask & bit(v) != 0 && level_dims.has(v) {
                    let m = prepared
                        .dirs
                        .iter()
                        .find(|d| d.var == v)
                        .map_or(0, |d| d.size);
                    next.add(
                        v,
                        m.min(level_dims.size[v as usize]),
                        level_dims.stride[v as usize],
                    );
                }
            }
            prev = Some(prepared.dirs.clone());
            plan.levels.push(prepared);
            level_dims = next;
        }
        Ok(plan)
    }
}

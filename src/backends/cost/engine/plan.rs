//! The evaluation plan: validated hardware, the layer's dimension tables, and the directive list
//! split at its `Cluster` directives into prepared cluster levels (output-centric conversion,
//! inheritance, auto-unroll and stride adjustment, level by level from the top).

use super::level::{Level, LevelMap, Origin, Segment};
use super::{
    add, bit, ceil_div, dim_of, filter_dim_of, mul, tensors_for, CostError, DimTable, TensorVars,
    FILTER, INPUT, INPUT_FILTER_ORDER, K, NUM_DIMS, R, S, X, X_OUT, Y, Y_OUT,
};

use crate::backends::cost::sparse::SparsePlan;
use crate::backends::cost::MAX_INPUT;
use crate::backends::cost::{
    Directive, Hardware, HwField, LayerType, MapKind, Model, OperandBits, Problem, Rules, SizeUnit,
};

#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) model: Model,
    /// The semantics switch, built once from `model`.
    pub(crate) rules: Rules,
    pub(super) levels: Vec<Level>,
    /// Top-level dims, the dynamic dims of the top level (`docs/semantics/maestro.md`, "Problem and
    /// layer types").
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
    pub(crate) l1_capacity: i64,
    pub(crate) l2_capacity: i64,
    pub(crate) precision_bits: Option<u32>,
    /// Row 23: the operand widths of a quantized layer, when they differ from the reference.
    pub(crate) operand_bits: Option<OperandBits>,
    /// [`Problem::useful_macs`].
    pub(crate) useful_macs: Option<i64>,
    /// The operands' formats and skipping, when the layer is sparse (`docs/sparsity.md`).
    pub(crate) sparse: Option<SparsePlan>,
}

fn check_input(v: i64) -> Result<i64, CostError> {
    if v > MAX_INPUT {
        Err(CostError::ValueTooLarge { value: v })
    } else {
        Ok(v)
    }
}

fn check_hardware_value(v: i64, min: i64, field: HwField) -> Result<i64, CostError> {
    if v < min || v > MAX_INPUT {
        Err(CostError::InvalidHardware { field })
    } else {
        Ok(v)
    }
}

impl Plan {
    /// Number of cluster levels of the dataflow.
    pub(crate) fn num_levels(&self) -> usize {
        self.levels.len()
    }

    /// Outputs of a window of size `win` sliding over `len` inputs along `v` (`Y` or `X`).
    /// MAESTRO ignores the stride (quirk 1); the Default model steps by the window pitch and
    /// never goes negative.
    pub(super) fn extent(&self, v: u8, len: i64, win: i64) -> i64 {
        if self.rules.stride_aware_outputs {
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

    /// NoC delay of moving `volume` elements at one level (`docs/semantics/maestro.md`, "NoC
    /// delay"): the latency plus one cycle per bandwidth's worth after the first. MAESTRO's
    /// delay of nothing is `latency − 1` (quirk 8); the Default model's is never negative.
    pub(super) fn noc_delay(&self, volume: i64) -> i64 {
        let delay = self.noc_hops + ceil_div(volume, self.noc_bw) - 1;
        if self.rules.clamp_undefined_values {
            delay.max(0)
        } else {
            delay
        }
    }

    /// Row 23: a NoC volume of tensor `t` in elements of the reference width, the unit of
    /// `noc_bw` (elements otherwise).
    pub(super) fn noc_units(&self, t: usize, elements: i64) -> i64 {
        match self.operand_bits {
            Some(b) => ceil_div(
                mul(elements, i64::from(b.tensor_bits(t))),
                i64::from(b.reference),
            ),
            None => elements,
        }
    }

    /// The units of one cluster at `level_index`, and how many such clusters run side by side
    /// (the units of every level above it, multiplied).
    pub(super) fn level_units(&self, level_index: usize) -> (i64, i64) {
        let above = self.levels[..level_index]
            .iter()
            .fold(1, |a, l| mul(a, l.units));
        (self.levels[level_index].units, above)
    }

    /// A size requirement in the reported unit (bytes when the Default model has a precision).
    pub(crate) fn size_units(&self, elements: i64) -> i64 {
        match self.precision_bits {
            Some(bits) => ceil_div(mul(elements.max(0), i64::from(bits)), 8),
            None => elements,
        }
    }

    /// What the reported sizes count: bytes when the layer has a precision.
    pub(crate) fn size_unit(&self) -> SizeUnit {
        if self.precision_bits.is_some() {
            SizeUnit::Bytes
        } else {
            SizeUnit::Elements
        }
    }

    /// Build the plan of one evaluation, in the order of `MODEL.md`, "Stages": check the
    /// hardware, complete the layer's dimension tables, check the tensors' dimensions, split the
    /// directives at their clusters, then prepare the cluster levels from the top down.
    pub(crate) fn build(problem: &Problem, hw: &Hardware, model: Model) -> Result<Plan, CostError> {
        let rules = Rules::for_model(model);
        let hardware = check_hardware(hw, &rules)?;
        let dims = layer_dims(problem, &rules)?;
        let tensors = tensors_for(problem.layer_type, problem.batch_in_tensors);
        for t in &tensors {
            for &v in t.vars() {
                if !dims.top.has(v) {
                    return Err(CostError::MissingDimension { dim: dim_of(v) });
                }
            }
        }
        // A depthwise layer's `K` (1) is no tensor's variable, so MAESTRO does not carry it to
        // lower levels, and a `K` map at an outer level of a multi-level dataflow fails there
        // (`docs/semantics/maestro.md`, quirk 15). The default model carries it down like any
        // loop of size 1, so dataflows written for convolutions (which map `K` first) also run
        // depthwise layers.
        let depthwise_k = if rules.depthwise_carries_k
            && problem.layer_type == LayerType::Dsconv
            && dims.top.has(K)
        {
            bit(K)
        } else {
            0
        };
        let input_filter_mask = tensors[INPUT].mask | tensors[FILTER].mask | depthwise_k;

        let (segments, cluster_units) = split_at_clusters(&problem.directives)?;
        let top_units = hardware.num_pes / cluster_units;
        if top_units == 0 {
            return Err(CostError::NotEnoughPes {
                required: cluster_units,
                available: hardware.num_pes,
            });
        }

        let mut plan = Plan {
            model,
            rules,
            levels: Vec::with_capacity(segments.len()),
            top: dims.top,
            real: dims.real,
            declared: dims.declared,
            tensors,
            pitch: dims.pitch,
            simd_lanes: hardware.simd_lanes,
            noc_bw: hardware.noc_bw,
            noc_hops: hardware.noc_hops,
            l1_capacity: hw.l1_size,
            l2_capacity: hw.l2_size,
            precision_bits: hardware.precision_bits,
            operand_bits: hardware.operand_bits,
            useful_macs: problem.useful_macs,
            sparse: SparsePlan::new(problem.sparsity, hw.sparse, hardware.precision_bits),
        };
        if plan.sparse.is_some() && !plan.rules.sparse_operands {
            return Err(CostError::UnsupportedMapping {
                directive: None,
                reason: "MAESTRO's model has dense operands only; evaluate sparse layers with \
                         the default model",
            });
        }
        plan.prepare_levels(segments, top_units, input_filter_mask)?;
        Ok(plan)
    }

    /// Prepare the cluster levels from the top down. A level's static dims are the tiles its
    /// parent maps on the input/filter variables; its directives are the user's, converted from
    /// output-centric dims, completed by the parent's (inherited) and by whole-dimension maps
    /// of unmapped variables (auto-unroll), then adjusted for the stride
    /// (`docs/semantics/maestro.md`, "Directives and cluster levels").
    fn prepare_levels(
        &mut self,
        segments: Vec<Segment>,
        top_units: i64,
        input_filter_mask: u16,
    ) -> Result<(), CostError> {
        let rules = self.rules;
        let top = self.top;
        let mut level_dims = top;
        let num_levels = segments.len();
        let mut parent: Option<Vec<LevelMap>> = None;
        // Default model: once a level maps an axis in lock-step, it and the levels below it
        // count outputs with the filter tile (MAESTRO's rule), see `Level::window`.
        let mut locked = [false; 2];
        for (level_index, (cluster, mut maps)) in segments.into_iter().enumerate() {
            let lockstep = if rules.complete_windows {
                lockstep_axes(&maps)
            } else {
                [false; 2]
            };
            for axis in 0..2 {
                locked[axis] |= lockstep[axis];
            }
            let window = [Y, X].map(|v| {
                let axis = usize::from(v == X);
                let filter = filter_dim_of(v);
                (rules.complete_windows && !locked[axis] && top.has(filter))
                    .then(|| top.size[filter as usize])
            });
            convert_output_centric(&mut maps, &level_dims, window, &rules)?;
            if let Some(parent) = &parent {
                inherit(&mut maps, parent);
            }
            auto_unroll(&mut maps, &level_dims, input_filter_mask);
            self.adjust_for_stride(&mut maps, &level_dims, level_index)?;
            let first_spatial = first_spatial_map(&maps, level_index, cluster)?;
            let units = match cluster {
                Some((_, size)) => size,
                None => top_units,
            };
            if rules.reject_inexact_tilings {
                self.check_tilings(&maps, &level_dims, units, window, lockstep)?;
            }
            let innermost = level_index + 1 == num_levels;
            let mut prepared =
                self.make_level(maps, level_dims, units, first_spatial, innermost, window)?;
            prepared.lockstep = lockstep;
            let next = next_level_dims(&prepared, &level_dims, input_filter_mask);
            parent = Some(prepared.maps.clone());
            self.levels.push(prepared);
            level_dims = next;
        }
        Ok(())
    }

    /// Every directive must name a dimension of this level; maps on a strided `Y`/`X` are then
    /// compacted to the rows and columns their windows read (`docs/semantics/maestro.md`,
    /// "Directives and cluster levels"; MAESTRO redoes this at every level, quirk 2).
    fn adjust_for_stride(
        &self,
        maps: &mut [LevelMap],
        level_dims: &DimTable,
        level_index: usize,
    ) -> Result<(), CostError> {
        let once = self.rules.adjust_own_maps_once;
        let is_top = level_index == 0;
        for d in maps.iter_mut() {
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
            if once && !d.own {
                // Inherited maps are already adjusted; auto-unrolled ones cover the level.
                continue;
            }
            let k = self.top.size[filter_dim_of(d.var) as usize];
            if d.size >= k {
                let windows = (d.size + s - k) / s;
                d.size = windows * s.min(k) + (k - s).max(0);
                d.offset = if once || (!is_top && k < s) {
                    windows * s.min(k)
                } else {
                    windows * s
                };
            }
        }
        Ok(())
    }
}

/// Hardware parameters after validation.
struct CheckedHardware {
    num_pes: i64,
    noc_bw: i64,
    noc_hops: i64,
    simd_lanes: i64,
    /// `None` in the Maestro model, which has no precision.
    precision_bits: Option<u32>,
    /// `None` in the Maestro model and when the widths are the reference width.
    operand_bits: Option<OperandBits>,
}

/// Check the hardware parameters the engine reads (the Default model also reads the precision
/// and the energy table).
fn check_hardware(hw: &Hardware, rules: &Rules) -> Result<CheckedHardware, CostError> {
    let num_pes = check_hardware_value(hw.num_pes, 1, HwField::NumPes)?;
    let noc_bw = check_hardware_value(hw.noc_bw, 1, HwField::NocBw)?;
    let noc_hops = check_hardware_value(hw.noc_hops, 0, HwField::NocHops)?;
    let simd_lanes = check_hardware_value(hw.simd_lanes, 1, HwField::SimdLanes)?;
    let precision_bits = if rules.sizes_in_bytes {
        hw.precision_bits
    } else {
        None
    };
    if let Some(b) = precision_bits {
        if b == 0 || b > 64 {
            return Err(CostError::InvalidHardware {
                field: HwField::PrecisionBits,
            });
        }
    }
    let operand_bits = hw.operand_bits.filter(|b| {
        rules.operand_widths && (b.weights != b.reference || b.activations != b.reference)
    });
    if let Some(b) = operand_bits {
        if [b.weights, b.activations, b.reference]
            .iter()
            .any(|&w| w == 0 || w > 64)
        {
            return Err(CostError::InvalidHardware {
                field: HwField::OperandBits,
            });
        }
    }
    if let (true, Some(e)) = (rules.hardware_energy, hw.energy) {
        let ok = [e.mac, e.l1, e.l2, e.nj_per_unit]
            .iter()
            .all(|x| x.is_finite() && *x >= 0.0);
        if !ok {
            return Err(CostError::InvalidHardware {
                field: HwField::Energy,
            });
        }
    }
    Ok(CheckedHardware {
        num_pes,
        noc_bw,
        noc_hops,
        simd_lanes,
        precision_bits,
        operand_bits,
    })
}

/// The layer's dimension tables (see the fields of [`Plan`] of the same names).
struct LayerDims {
    declared: DimTable,
    top: DimTable,
    real: DimTable,
    pitch: [i64; 2],
}

/// The declared dims (first value wins) and strides (last value wins), validated.
fn declared_dims(problem: &Problem) -> Result<(DimTable, [i64; NUM_DIMS]), CostError> {
    let mut declared = DimTable::default();
    let mut stride = [1i64; NUM_DIMS];
    for &(d, s) in &problem.strides {
        if s < 1 {
            return Err(CostError::InvalidStride { dim: d, stride: s });
        }
        stride[d.index()] = check_input(s)?;
    }
    for &(d, size) in &problem.dims {
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
    Ok((declared, stride))
}

/// Complete the input/output pair of each sliding axis (`Y`/`Y'`, `X`/`X'`) from whichever one
/// is declared (`docs/semantics/maestro.md`, "Problem and layer types").
fn layer_dims(problem: &Problem, rules: &Rules) -> Result<LayerDims, CostError> {
    let (declared, stride) = declared_dims(problem)?;
    let mut top = declared;
    let mut real = declared;
    let mut pitch = [1i64; 2];
    for (v, output) in [(Y, Y_OUT), (X, X_OUT)] {
        let filter = filter_dim_of(v);
        if !declared.has(v) && !declared.has(output) {
            continue;
        }
        if !declared.has(filter) {
            return Err(CostError::MissingDimension {
                dim: dim_of(filter),
            });
        }
        let filter_size = declared.size[filter as usize];
        let stride_of_axis = stride[v as usize];
        if !rules.stride_aware_outputs {
            // Quirks 1 and 3: the output size ignores the stride.
            if declared.has(v) {
                let len = declared.size[v as usize];
                top.add(output, len - filter_size + 1, declared.stride[v as usize]);
            } else {
                top.add(v, declared.size[output as usize] + filter_size - 1, 1);
            }
            continue;
        }
        // Default model: stride-aware output size (quirk 1 fixed); when the filter is narrower
        // than the stride, the rows no window touches are dropped (the same compaction
        // MAESTRO's stride adjustment applies to tiles), so every level works in one
        // coordinate system with window pitch min(stride, filter).
        let outputs = if declared.has(v) {
            let len = declared.size[v as usize];
            if len < filter_size && rules.reject_empty_output {
                return Err(CostError::EmptyOutput {
                    dim: dim_of(output),
                });
            }
            (len - filter_size) / stride_of_axis + 1
        } else {
            declared.size[output as usize]
        };
        pitch[usize::from(v == X)] = stride_of_axis.min(filter_size);
        let real_len = if declared.has(v) {
            declared.size[v as usize]
        } else {
            add(mul(outputs - 1, stride_of_axis), filter_size)
        };
        real.add(v, real_len, stride_of_axis);
        real.add(output, outputs, 1);
        let len = if filter_size < stride_of_axis && rules.compact_unread_rows {
            mul(outputs, filter_size)
        } else {
            add(mul(outputs - 1, stride_of_axis), filter_size)
        };
        top.size[v as usize] = len;
        top.stride[v as usize] = stride_of_axis;
        top.size[output as usize] = outputs;
        top.stride[output as usize] = 1;
        top.has |= bit(v) | bit(output);
    }
    if !rules.derived_dims_in_pixels {
        real = top;
    }
    Ok(LayerDims {
        declared,
        top,
        real,
        pitch,
    })
}

/// Validate the directives and split them at the `Cluster` directives: one segment per cluster
/// level (the opening `Cluster`'s index and size, and its maps), and the product of the cluster
/// sizes (the units every top-level unit contains).
fn split_at_clusters(directives: &[Directive]) -> Result<(Vec<Segment>, i64), CostError> {
    let mut segments: Vec<Segment> = vec![(None, Vec::new())];
    let mut cluster_sizes = Vec::new();
    for (i, d) in directives.iter().enumerate() {
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
                if let Some((_, segment)) = segments.last_mut() {
                    segment.push(LevelMap {
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
    let units = cluster_sizes.iter().fold(1, |a, &c| mul(a, c));
    Ok((segments, units))
}

/// Default model: the axes a level maps spatially in lock-step with their filter dimension
/// (`Y` or `Y'` with `R`, `X` or `X'` with `S`: row stationary).
fn lockstep_axes(maps: &[LevelMap]) -> [bool; 2] {
    let spatial_on = |vs: [u8; 2]| maps.iter().any(|d| d.spatial && vs.contains(&d.var));
    [
        spatial_on([Y, Y_OUT]) && spatial_on([R, R]),
        spatial_on([X, X_OUT]) && spatial_on([S, S]),
    ]
}

/// Output-centric conversion (`Y'` → `Y`, `X'` → `X`) of a level's own maps, with this level's
/// filter map (the Default model: with the complete window unless the axis is in lock-step).
/// MAESTRO's conversion drops the stride (quirk 3).
fn convert_output_centric(
    maps: &mut [LevelMap],
    level_dims: &DimTable,
    window: [Option<i64>; 2],
    rules: &Rules,
) -> Result<(), CostError> {
    let filter_size = |maps: &[LevelMap], v: u8| maps.iter().find(|d| d.var == v).map(|d| d.size);
    let r_size = window[0].or(filter_size(maps, R));
    let s_size = window[1].or(filter_size(maps, S));
    for (out, input, size) in [(X_OUT, X, s_size), (Y_OUT, Y, r_size)] {
        let has_out = maps.iter().any(|d| d.var == out);
        let has_in = maps.iter().any(|d| d.var == input);
        if !has_out || has_in {
            continue;
        }
        let stride_in = level_dims.stride[input as usize].max(1);
        let filter = filter_dim_of(input);
        let fallback = if rules.strided_output_centric && level_dims.has(filter) {
            Some(level_dims.size[filter as usize])
        } else {
            None
        };
        if let Some(d) = maps.iter_mut().find(|d| d.var == out) {
            // `d` is the user's own map (conversion precedes inheritance), so its
            // origin is a directive index.
            let Some(window) = size.or(fallback) else {
                return Err(CostError::OutputMapWithoutFilterMap {
                    directive: d.origin.index().unwrap_or(0),
                    dim: dim_of(out),
                });
            };
            d.var = input;
            d.size = if rules.strided_output_centric {
                add(mul(d.size - 1, stride_in), window)
            } else {
                d.size + window - 1
            };
        }
    }
    Ok(())
}

/// Inheritance: the parent's maps on variables this level does not map, inserted at the front
/// as temporal maps.
fn inherit(maps: &mut Vec<LevelMap>, parent: &[LevelMap]) {
    for u in parent {
        if !maps.iter().any(|d| d.var == u.var) {
            maps.insert(
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

/// Auto-unroll: a temporal map of the whole dimension for every unmapped input/filter variable,
/// in MAESTRO's order.
fn auto_unroll(maps: &mut Vec<LevelMap>, level_dims: &DimTable, input_filter_mask: u16) {
    for v in INPUT_FILTER_ORDER {
        if input_filter_mask & bit(v) != 0 && level_dims.has(v) && !maps.iter().any(|d| d.var == v)
        {
            let size = level_dims.size[v as usize];
            maps.push(LevelMap {
                spatial: false,
                size,
                offset: size,
                var: v,
                origin: Origin::Auto,
                own: false,
            });
        }
    }
}

/// The level's first spatial map; a level has one or two.
fn first_spatial_map(
    maps: &[LevelMap],
    level_index: usize,
    cluster: Option<(usize, i64)>,
) -> Result<LevelMap, CostError> {
    let mut spatial = maps.iter().filter(|d| d.spatial);
    let Some(first) = spatial.next().copied() else {
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
    Ok(first)
}

/// Static dims of the next level: the tiles this level maps on the input/filter variables.
fn next_level_dims(level: &Level, level_dims: &DimTable, input_filter_mask: u16) -> DimTable {
    let mut next = DimTable::default();
    for v in INPUT_FILTER_ORDER {
        if input_filter_mask & bit(v) != 0 && level_dims.has(v) {
            let size = level.maps.iter().find(|d| d.var == v).map_or(0, |d| d.size);
            next.add(
                v,
                size.min(level_dims.size[v as usize]),
                level_dims.stride[v as usize],
            );
        }
    }
    next
}

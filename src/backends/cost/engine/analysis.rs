//! The analysis of one cluster level: enumerate its iteration cases, size the buffers, add up
//! the traffic of every case, take the compute delay from the level below (recursively, memoised
//! per tile) or from the MAC count, and combine the ingress, compute and egress delays into the
//! runtime.

use super::cases::{iteration_states, Case, IterationState, Phase};
use super::level::Level;
use super::plan::Plan;
use super::{
    add, ceil_div, filter_dim_of, mul, CostError, FILTER, INPUT, MAX_CASES, NUM_DIMS, OUTPUT, R, S,
    X, Y,
};
use crate::backends::cost::sparse::Level as SparseLevel;

/// Minimum, maximum and occurrence-weighted sum of one kind of delay over the valid cases.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DelayStat {
    pub(crate) min: i64,
    pub(crate) max: i64,
    pub(crate) sum: i64,
}

/// The result record of one level analysis (the top one is reported). Per-tensor arrays are
/// indexed by `INPUT`, `FILTER` and `OUTPUT`; counts are in elements.
#[derive(Clone, Debug, Default)]
pub(crate) struct Record {
    pub(crate) runtime: i64,
    pub(crate) macs: i64,
    /// Buffer requirements (double-buffered).
    pub(crate) l2_requirement: [i64; 3],
    pub(crate) l1_requirement: [i64; 3],
    /// Accesses of each buffer level.
    pub(crate) l2_write: [i64; 3],
    pub(crate) l2_read: [i64; 3],
    pub(crate) l1_write: [i64; 3],
    pub(crate) l1_read: [i64; 3],
    /// Largest traffic per compute cycle of a case, and the occurrence-weighted sum.
    pub(crate) peak_bandwidth: i64,
    pub(crate) bandwidth_sum: i64,
    /// Valid (not skipped) iterations, occurrence-weighted.
    pub(crate) valid_iterations: i64,
    /// Occurrence-weighted sum of the active units.
    pub(crate) active_sum: f64,
    /// MAESTRO's arithmetic intensity: that of the last valid case.
    pub(crate) last_arithmetic_intensity: f64,
    /// Totals for the Default model's whole-layer arithmetic intensity.
    pub(crate) intensity_macs: i64,
    pub(crate) intensity_ingress: i64,
    /// Ingress, egress, compute.
    pub(crate) delay: [DelayStat; 3],
    /// Some valid case analysed the level below (multi-level dataflows).
    pub(crate) recursed: bool,
    /// Occurrence-weighted sum of this level's own busy units (clusters or PEs).
    pub(crate) units_sum: i64,
    /// With [`Analyzer::tracking_levels`]: the traffic of every level below this one, summed
    /// over all the analyses of that level this one caused (`[0]` is the next level down).
    pub(crate) inner: Vec<LevelTraffic>,
}

/// What one inner cluster level moved over the networks of its clusters during the whole
/// layer: each analysis of the level is one cluster running one tile, and the counts add up
/// every such run (`docs/noc.md`, "Inner cluster levels").
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct LevelTraffic {
    /// Units of one cluster at this level (sub-clusters or PEs).
    pub units: i64,
    /// Clusters of this level that run side by side (the units of every level above,
    /// multiplied).
    pub instances: i64,
    /// Tiles run at this level: cluster runs over the layer.
    pub runs: i64,
    /// Steps of the level above over the layer (each starts its units' runs together), so
    /// `runs / parent_steps` clusters of this level work at once on average.
    pub parent_steps: i64,
    /// Elements the clusters' buffers send to their units (input, filter) and receive from
    /// them (output), over all runs.
    pub input: i64,
    pub filter: i64,
    pub output: i64,
    /// The level's iterations (steps) over all runs.
    pub steps: i64,
    /// Busy units and compute delay, summed over the steps.
    pub busy_units: i64,
    pub compute_cycles: i64,
}

impl LevelTraffic {
    /// This level's own totals from the record of one run.
    fn of_record(record: &Record, units: i64, instances: i64) -> LevelTraffic {
        LevelTraffic {
            units,
            instances,
            runs: 1,
            // Known only over the whole layer: `inner_level_traffic` sets it.
            parent_steps: 0,
            input: record.l2_read[INPUT],
            filter: record.l2_read[FILTER],
            output: record.l2_write[OUTPUT],
            steps: record.valid_iterations,
            busy_units: record.units_sum,
            compute_cycles: record.delay[COMPUTE].sum,
        }
    }

    /// Add `weight` runs of `other` (the same level).
    fn add_weighted(&mut self, other: &LevelTraffic, weight: i64) {
        self.units = other.units;
        self.instances = other.instances;
        self.runs = add(self.runs, mul(weight, other.runs));
        self.input = add(self.input, mul(weight, other.input));
        self.filter = add(self.filter, mul(weight, other.filter));
        self.output = add(self.output, mul(weight, other.output));
        self.steps = add(self.steps, mul(weight, other.steps));
        self.busy_units = add(self.busy_units, mul(weight, other.busy_units));
        self.compute_cycles = add(self.compute_cycles, mul(weight, other.compute_cycles));
    }
}

/// Index of the compute delay in [`Record::delay`].
const COMPUTE: usize = 2;

/// One memoised analysis of a level: its tile, runtime, average active units, and with
/// [`Analyzer::tracking_levels`] its own traffic followed by that of the levels below.
struct Memo {
    tile: [i64; NUM_DIMS],
    runtime: i64,
    active: f64,
    traffic: Vec<LevelTraffic>,
}

impl Record {
    /// Active units per valid iteration (the `avg_utilized_pes` column).
    pub(crate) fn average_active_units(&self) -> f64 {
        if self.valid_iterations > 0 {
            self.active_sum / self.valid_iterations as f64
        } else {
            0.0
        }
    }
}

/// Output of a whole evaluation.
pub(crate) struct Outcome {
    pub(crate) top: Record,
    /// `Σ L1 requirement` of the first level record completed (MAESTRO's CSV `L1 SRAM Size`).
    pub(crate) first_l1_requirement: i64,
    /// The L1 requirement of one PE: the innermost level's per-tensor requirement with the
    /// largest sum over the tiles analysed there.
    pub(crate) l1_per_unit: [i64; 3],
    /// Sparse layers: L1 and L2 accesses that are format metadata (`docs/sparsity.md`).
    pub(crate) metadata_accesses: i64,
}

/// Buffers of one level's case enumeration, reused across its analyses.
#[derive(Default)]
struct Scratch {
    /// Per map: its iteration states and how many there are.
    states: Vec<[IterationState; 3]>,
    counts: Vec<usize>,
    /// Per map: the digit of the current case (see `next_case`).
    odometer: Vec<usize>,
}

/// Runs the level analysis with memoised sub-level results.
pub(crate) struct Analyzer<'a> {
    plan: &'a Plan,
    scratch: Vec<Scratch>,
    /// Per level: the tiles analysed.
    memo: Vec<Vec<Memo>>,
    first_l1_requirement: Option<i64>,
    l1_per_unit: [i64; 3],
    /// Whether records add up the traffic of the levels below ([`Record::inner`]); off for
    /// plain evaluations, which do not report it.
    pub(crate) tracking_levels: bool,
}

fn total(xs: &[i64; 3]) -> i64 {
    xs.iter().fold(0, |a, &b| add(a, b))
}

impl<'a> Analyzer<'a> {
    pub(crate) fn new(plan: &'a Plan) -> Analyzer<'a> {
        let n = plan.levels.len();
        Analyzer {
            plan,
            scratch: (0..n).map(|_| Scratch::default()).collect(),
            memo: (0..n).map(|_| Vec::new()).collect(),
            first_l1_requirement: None,
            l1_per_unit: [0; 3],
            tracking_levels: false,
        }
    }

    pub(crate) fn run(mut self) -> Result<Outcome, CostError> {
        let top_dims = self.plan.top.size;
        let top = self.analyze(0, &top_dims)?;
        let first_l1_requirement = self
            .first_l1_requirement
            .unwrap_or_else(|| total(&top.l1_requirement));
        Ok(Outcome {
            top,
            first_l1_requirement,
            l1_per_unit: self.l1_per_unit,
            metadata_accesses: 0,
        })
    }

    /// The memo entry of `tile` at `level_index`, analysed on first use.
    fn sub_level(
        &mut self,
        level_index: usize,
        tile: &[i64; NUM_DIMS],
    ) -> Result<&Memo, CostError> {
        let found = self.memo[level_index].iter().position(|e| e.tile == *tile);
        let index = match found {
            Some(i) => i,
            None => {
                let mut r = self.analyze(level_index, tile)?;
                let traffic = if self.tracking_levels {
                    let (units, instances) = self.plan.level_units(level_index);
                    let mut all = vec![LevelTraffic::of_record(&r, units, instances)];
                    all.append(&mut r.inner);
                    all
                } else {
                    Vec::new()
                };
                self.memo[level_index].push(Memo {
                    tile: *tile,
                    runtime: r.runtime,
                    active: r.average_active_units(),
                    traffic,
                });
                self.memo[level_index].len() - 1
            }
        };
        Ok(&self.memo[level_index][index])
    }

    fn analyze(&mut self, level_index: usize, tile: &[i64; NUM_DIMS]) -> Result<Record, CostError> {
        let mut scratch = std::mem::take(&mut self.scratch[level_index]);
        let r = self.analyze_with(level_index, tile, &mut scratch);
        self.scratch[level_index] = scratch;
        let r = r?;
        if self.first_l1_requirement.is_none() {
            self.first_l1_requirement = Some(total(&r.l1_requirement));
        }
        if level_index + 1 == self.plan.levels.len()
            && total(&r.l1_requirement) > total(&self.l1_per_unit)
        {
            self.l1_per_unit = r.l1_requirement;
        }
        Ok(r)
    }

    /// Analyse one cluster level given the tile its parent hands down (`tile`: the level's
    /// dynamic dims), in the steps of `MODEL.md`, "Stages": enumerate the iteration cases;
    /// size the buffers while no case has been valid; for every case add up its traffic, take
    /// its compute delay and combine the delays into the runtime.
    fn analyze_with(
        &mut self,
        level_index: usize,
        tile: &[i64; NUM_DIMS],
        scratch: &mut Scratch,
    ) -> Result<Record, CostError> {
        let plan = self.plan;
        let level = &plan.levels[level_index];
        check_lockstep_tile(level, tile)?;
        let total = enumerate_directive_states(level, level_index, tile, scratch)?;
        let mut record = Record {
            delay: [DelayStat {
                min: i64::MAX,
                max: 0,
                sum: 0,
            }; 3],
            ..Record::default()
        };
        // No valid case yet: the buffer sizes are (re)computed.
        let mut sizing = true;
        let mut var_states = [IterationState::INIT; NUM_DIMS];
        for case_index in 0..total {
            let occurrences = next_case(level, scratch, case_index, &mut var_states);
            let case = Case::new(level, var_states, plan.rules.output_key_in_edge_factor);
            if sizing {
                size_buffers(plan, level_index, tile, &case, &mut record)?;
            }
            if self.analyze_case(level_index, &case, occurrences, &mut record)? {
                sizing = false;
            }
        }
        Ok(record)
    }

    /// Add one iteration case, `occurrences` times, to the record. Returns `false` for a case
    /// MAESTRO skips (no partial sums on its critical unit), which adds its output traffic
    /// only (`docs/semantics/maestro.md`, "Steady state and edge cases").
    fn analyze_case(
        &mut self,
        level_index: usize,
        case: &Case,
        occurrences: i64,
        record: &mut Record,
    ) -> Result<bool, CostError> {
        let output_vars = &self.plan.tensors[OUTPUT];
        let egress = case.egress(output_vars);
        let macs = case.partial_sum_map(output_vars);
        record.l2_write[OUTPUT] = add(record.l2_write[OUTPUT], mul(occurrences, egress));
        record.l1_write[OUTPUT] = add(record.l1_write[OUTPUT], mul(occurrences, macs));
        record.l1_read[OUTPUT] = add(record.l1_read[OUTPUT], mul(occurrences, macs));
        let critical_partial_sums = case.critical_partial_sums(output_vars);
        if critical_partial_sums <= 0 {
            return Ok(false);
        }
        let ingress = add_input_filter_traffic(self.plan, case, occurrences, macs, record)?;
        if !case.level.innermost {
            record.recursed = true;
        }
        let (compute_delay, sub_active) = self.compute_delay(
            level_index,
            case,
            critical_partial_sums,
            occurrences,
            record,
        )?;
        // A PE that skips streams the scheduled MACs of all the case's occurrences
        // (`docs/sparsity.md`, "Runtime with skipping").
        let compute_total = match &self.plan.sparse {
            Some(sparse) if case.level.innermost => {
                let work = sparse
                    .scheduled_work(mul(critical_partial_sums, occurrences), case.level.units);
                Some(ceil_div(work, self.plan.simd_lanes).max(1))
            }
            _ => None,
        };
        let volumes = CaseVolumes {
            ingress,
            egress: self.plan.noc_units(OUTPUT, egress),
            macs,
            compute_total,
        };
        add_case_delays(
            self.plan,
            case,
            occurrences,
            volumes,
            compute_delay,
            sub_active,
            record,
        );
        Ok(true)
    }

    /// Compute delay of one case (`docs/semantics/maestro.md`, "Compute delay"): the slowest
    /// sub-unit's runtime at the level below (its tiles analysed recursively, memoised), or at
    /// the innermost level the critical unit's partial sums over the SIMD lanes. Also returns
    /// the active units summed over the sub-units (0 at the innermost level), and adds the
    /// sub-units' runs, `occurrences` times, to the record's inner levels when tracking them.
    fn compute_delay(
        &mut self,
        level_index: usize,
        case: &Case,
        critical_partial_sums: i64,
        occurrences: i64,
        record: &mut Record,
    ) -> Result<(i64, f64), CostError> {
        let plan = self.plan;
        let level = case.level;
        if level.innermost {
            return Ok((ceil_div(critical_partial_sums, plan.simd_lanes).max(1), 0.0));
        }
        let mut compute_delay = 0;
        let mut sub_active = 0.0f64;
        let mut run = |this: &mut Self, partial_unit: bool, units: i64| -> Result<(), CostError> {
            let memo = this.sub_level(level_index + 1, &case.sub_dims(plan, partial_unit))?;
            compute_delay = compute_delay.max(memo.runtime);
            sub_active += memo.active * units as f64;
            if record.inner.len() < memo.traffic.len() {
                record
                    .inner
                    .resize(memo.traffic.len(), LevelTraffic::default());
            }
            for (sum, level) in record.inner.iter_mut().zip(&memo.traffic) {
                sum.add_weighted(level, mul(occurrences, units));
            }
            Ok(())
        };
        let spatial_state = case.var_states[level.first_spatial_var as usize];
        if spatial_state.edge() {
            if spatial_state.partial_unit {
                run(self, true, 1)?;
                if level.edge_units - 1 > 0 {
                    run(self, false, level.edge_units - 1)?;
                }
            } else {
                run(self, false, level.edge_units)?;
            }
        } else {
            run(self, false, level.units)?;
        }
        Ok((compute_delay, sub_active))
    }
}

/// Data moved and MACs computed by one iteration case.
struct CaseVolumes {
    ingress: i64,
    egress: i64,
    macs: i64,
    /// A sparse layer's compute cycles over all the case's occurrences, when its PEs skip.
    compute_total: Option<i64>,
}

/// Default model: a lock-step pair counts one output per unit, which is right only while the
/// tile this level is given holds exactly one window (checked statically in `check_tilings`; an
/// edge tile of the parent could differ).
fn check_lockstep_tile(level: &Level, tile: &[i64; NUM_DIMS]) -> Result<(), CostError> {
    for (axis, (v, filter)) in [(Y, R), (X, S)].into_iter().enumerate() {
        if level.lockstep[axis] && tile[v as usize] != tile[filter as usize] {
            return Err(CostError::UnsupportedMapping {
                directive: level
                    .maps
                    .iter()
                    .find(|d| d.var == v)
                    .and_then(|d| d.origin.index()),
                reason: "a sliding dimension mapped in lock-step with its filter dimension \
                         gets a tile of more than one window",
            });
        }
    }
    Ok(())
}

/// The iteration states of every directive for this tile, into `scratch`; returns the number
/// of iteration cases (the product of the state counts).
fn enumerate_directive_states(
    level: &Level,
    level_index: usize,
    tile: &[i64; NUM_DIMS],
    scratch: &mut Scratch,
) -> Result<i64, CostError> {
    scratch.states.clear();
    scratch.counts.clear();
    let mut total: i64 = 1;
    for d in &level.maps {
        let mut states = [IterationState::INIT; 3];
        let count = iteration_states(d, tile[d.var as usize], level.units, &mut states);
        scratch.states.push(states);
        scratch.counts.push(count);
        total = mul(total, count as i64);
    }
    if total > MAX_CASES {
        return Err(CostError::TooManyCases {
            level: level_index,
            cases: total,
        });
    }
    scratch.odometer.clear();
    scratch.odometer.resize(level.maps.len(), 0);
    Ok(total)
}

/// Set `var_states` to the states of iteration case `case_index` and return how often the case
/// occurs. MAESTRO's enumeration order: case c ≥ 1 is the mixed-radix number c−1 with every
/// digit advanced by one; case 0 is all-init (`docs/semantics/maestro.md`, "Steady state and
/// edge cases").
fn next_case(
    level: &Level,
    scratch: &mut Scratch,
    case_index: i64,
    var_states: &mut [IterationState; NUM_DIMS],
) -> i64 {
    if case_index >= 2 {
        for i in (0..scratch.odometer.len()).rev() {
            scratch.odometer[i] += 1;
            if scratch.odometer[i] < scratch.counts[i] {
                break;
            }
            scratch.odometer[i] = 0;
        }
    }
    let mut occurrences = 1i64;
    for (i, d) in level.maps.iter().enumerate() {
        let count = scratch.counts[i];
        let digit = if case_index == 0 {
            0
        } else {
            (scratch.odometer[i] + 1) % count
        };
        let state = scratch.states[i][digit];
        var_states[d.var as usize] = state;
        occurrences = mul(occurrences, state.occurrences);
    }
    occurrences
}

/// Buffer requirements, sized on the cases up to the first valid one, and the L2 and L1
/// capacity checks (`docs/semantics/maestro.md`, "Buffer requirements"). MAESTRO sums the
/// input/filter requirements over the leading skipped cases (quirk 11); the Default model takes
/// the largest (a buffer holds one case's data at a time).
fn size_buffers(
    plan: &Plan,
    level_index: usize,
    tile: &[i64; NUM_DIMS],
    case: &Case,
    record: &mut Record,
) -> Result<(), CostError> {
    let largest = plan.rules.largest_skipped_buffers;
    let level = case.level;
    let [input_vars, filter_vars, output_vars] = &plan.tensors;
    let merge = |acc: i64, x: i64| if largest { acc.max(x) } else { add(acc, x) };
    for (t, vars) in [(INPUT, input_vars), (FILTER, filter_vars)] {
        let ingress = case.ingress(t, vars)?;
        record.l2_requirement[t] = merge(record.l2_requirement[t], mul(2, ingress));
        record.l2_write[t] = vars.vars().iter().fold(1, |a, &v| mul(a, tile[v as usize]));
        record.l1_requirement[t] =
            merge(record.l1_requirement[t], mul(2, case.mapped_volume(vars)));
    }
    let mut l2_output = mul(2, case.egress(output_vars));
    if largest {
        l2_output = l2_output.max(record.l2_requirement[OUTPUT]);
    }
    record.l2_requirement[OUTPUT] = l2_output;
    // MAESTRO's output-only checks; the Default model checks every tensor afterwards
    // (`MODEL.md`, row 18).
    let maestro_checks = !plan.rules.capacity_check;
    if maestro_checks && level_index == 0 && plan.size_units(l2_output) > plan.l2_capacity {
        return Err(CostError::NotEnoughL2 {
            required: plan.size_units(l2_output),
            capacity: plan.l2_capacity,
        });
    }
    record.l2_read[OUTPUT] = output_vars.vars().iter().fold(1, |a, &v| {
        let size = if v == Y || v == X {
            let window = level.window[usize::from(v == X)];
            let window = window.unwrap_or(tile[filter_dim_of(v) as usize]);
            plan.extent(v, tile[v as usize], window)
        } else {
            tile[v as usize]
        };
        mul(a, size)
    });
    let l1_output = mul(2, case.mapped_volume(output_vars));
    record.l1_requirement[OUTPUT] = l1_output;
    if maestro_checks && level.innermost && plan.size_units(l1_output) > plan.l1_capacity {
        return Err(CostError::NotEnoughL1 {
            required: plan.size_units(l1_output),
            capacity: plan.l1_capacity,
        });
    }
    Ok(())
}

/// Input and filter traffic of a valid case (`docs/semantics/maestro.md`, "Per-tensor traffic
/// and reuse"), and the arithmetic intensity; returns the case's ingress as it crosses the NoC
/// (in the operands' L2 formats when the layer is sparse).
fn add_input_filter_traffic(
    plan: &Plan,
    case: &Case,
    occurrences: i64,
    macs: i64,
    record: &mut Record,
) -> Result<i64, CostError> {
    let [input_vars, filter_vars, _] = &plan.tensors;
    let mut ingress = 0i64;
    // What crosses the NoC: the tiles in the L2 format when the layer is sparse.
    let mut moved = 0i64;
    for (t, vars) in [(INPUT, input_vars), (FILTER, filter_vars)] {
        let tensor_ingress = case.ingress(t, vars)?;
        ingress = add(ingress, tensor_ingress);
        let tensor_moved = match &plan.sparse {
            Some(s) => s.stored(t, SparseLevel::L2, tensor_ingress, tensor_ingress),
            None => tensor_ingress,
        };
        moved = add(moved, plan.noc_units(t, tensor_moved));
        record.l2_read[t] = add(record.l2_read[t], mul(occurrences, tensor_ingress));
        record.l1_write[t] = record.l2_read[t];
        record.l1_read[t] = add(record.l1_read[t], mul(occurrences, macs));
    }
    record.last_arithmetic_intensity = if ingress != 0 {
        macs as f64 / ingress as f64
    } else if macs != 0 {
        f64::INFINITY
    } else {
        f64::NAN
    };
    record.intensity_macs = add(record.intensity_macs, mul(occurrences, macs));
    record.intensity_ingress = add(record.intensity_ingress, mul(occurrences, ingress));
    Ok(moved)
}

/// The NoC delays of a valid case, its step time in the runtime (`docs/semantics/maestro.md`,
/// "NoC delay" and "Runtime"), the bandwidth, utilisation and delay statistics.
fn add_case_delays(
    plan: &Plan,
    case: &Case,
    occurrences: i64,
    volumes: CaseVolumes,
    compute_delay: i64,
    sub_active: f64,
    record: &mut Record,
) {
    let level = case.level;
    let ingress_delay = plan.noc_delay(volumes.ingress);
    let egress_delay = plan.noc_delay(volumes.egress);
    let all_init = {
        let mut mask = level.mapped_vars;
        let mut all = true;
        while mask != 0 {
            let v = mask.trailing_zeros() as usize;
            all &= case.var_states[v].phase == Phase::Init;
            mask &= mask - 1;
        }
        all
    };
    // The first case has nothing to overlap with; later ones overlap the three delays. Summed
    // over the occurrences (`occurrences × max(…)` for a dense layer).
    let compute_cycles = volumes
        .compute_total
        .unwrap_or_else(|| mul(occurrences, compute_delay));
    let steps = if all_init {
        add(compute_cycles, mul(occurrences, ingress_delay))
    } else {
        compute_cycles
            .max(mul(occurrences, egress_delay))
            .max(mul(occurrences, ingress_delay))
    };
    record.runtime = add(record.runtime, steps);
    let compute_delay = match volumes.compute_total {
        Some(total) => ceil_div(total, occurrences.max(1)),
        None => compute_delay,
    };
    record.macs = add(record.macs, mul(occurrences, volumes.macs));
    let spatial_state = case.var_states[level.first_spatial_var as usize];
    let active_units = if spatial_state.edge() {
        level.edge_units
    } else {
        level.units
    };
    let active = if sub_active == 0.0 {
        active_units as f64
    } else {
        sub_active
    };
    record.active_sum += active * occurrences as f64;
    record.units_sum = add(record.units_sum, mul(active_units, occurrences));
    // A zero compute delay (every sub-case skipped) counts as 1 from here on.
    let compute_delay = if compute_delay == 0 { 1 } else { compute_delay };
    let traffic = volumes.ingress.max(volumes.egress);
    record.peak_bandwidth = record.peak_bandwidth.max(traffic / compute_delay);
    record.bandwidth_sum = add(
        record.bandwidth_sum,
        mul(occurrences, traffic) / compute_delay,
    );
    for (stat, delay) in record
        .delay
        .iter_mut()
        .zip([ingress_delay, egress_delay, compute_delay])
    {
        stat.min = stat.min.min(delay);
        stat.max = stat.max.max(delay);
        stat.sum = add(stat.sum, mul(occurrences, delay));
    }
    record.valid_iterations = add(record.valid_iterations, occurrences);
}

//! The analysis of one cluster level: enumerate its iteration cases, size the buffers, add up
//! the traffic of every case, take the compute delay from the level below (recursively, memoised
//! per tile) or from the MAC count, and combine the ingress, compute and egress delays into the
//! runtime.

use super::cases::{iteration_states, Case, IterationState, Phase};
use super::plan::Plan;
use super::*;

#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DelayStat {
    pub(crate) min: i64,
    pub(crate) max: i64,
    pub(crate) sum: i64,
}

/// The result record of one level analysis (the top one is reported).
#[derive(Clone, Debug, Default)]
pub(crate) struct Record {
    pub(crate) runtime: i64,
    pub(crate) macs: i64,
    pub(crate) l2_requirement: [i64; 3],
    pub(crate) l1_requirement: [i64; 3],
    pub(crate) l2_write: [i64; 3],
    pub(crate) l2_read: [i64; 3],
    pub(crate) l1_write: [i64; 3],
    pub(crate) l1_read: [i64; 3],
    pub(crate) peak_bandwidth: i64,
    pub(crate) bandwidth_sum: i64,
    /// Valid (not skipped) iterations, occurrence-weighted.
    pub(crate) valid_iterations: i64,
    pub(crate) active_sum: f64,
    /// MAESTRO's arithmetic intensity: that of the last valid case.
    pub(crate) last_arithmetic_intensity: f64,
    /// Totals for the Default model's whole-layer arithmetic intensity.
    pub(crate) intensity_macs: i64,
    pub(crate) intensity_ingress: i64,
    /// Ingress, egress, compute.
    pub(crate) delay: [DelayStat; 3],
    pub(crate) recursed: bool,
}

impl Record {
    pub(crate) fn avg_active(&self) -> f64 {
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
}

#[derive(Default)]
pub(crate) struct Scratch {
    pub(super) states: Vec<[IterationState; 3]>,
    pub(super) counts: Vec<usize>,
    pub(super) odometer: Vec<usize>,
}

/// Runs the level analysis with memoised sub-level results.
pub(crate) struct Analyzer<'a> {
    pub(super) plan: &'a Plan,
    pub(super) scratch: Vec<Scratch>,
    pub(super) memo: Vec<Vec<([i64; NUM_DIMS], i64, f64)>>,
    pub(super) first_l1_requirement: Option<i64>,
}

impl<'a> Analyzer<'a> {
    pub(crate) fn new(plan: &'a Plan) -> Analyzer<'a> {
        let n = plan.levels.len();
        Analyzer {
            plan,
            scratch: (0..n).map(|_| Scratch::default()).collect(),
            memo: vec![Vec::new(); n],
            first_l1_requirement: None,
        }
    }

    pub(crate) fn run(mut self) -> Result<Outcome, CostError> {
        let top_dims = self.plan.top.size;
        let top = self.analyze(0, &top_dims)?;
        let first_l1_requirement = self
            .first_l1_requirement
            .unwrap_or_else(|| top.l1_requirement.iter().fold(0, |a, &b| add(a, b)));
        Ok(Outcome {
            top,
            first_l1_requirement,
        })
    }

    fn sub(&mut self, level_index: usize, tile: &[i64; NUM_DIMS]) -> Result<(i64, f64), CostError> {
        if let Some(hit) = self.memo[level_index].iter().find(|e| e.0 == *tile) {
            return Ok((hit.1, hit.2));
        }
        let r = self.analyze(level_index, tile)?;
        let out = (r.runtime, r.avg_active());
        self.memo[level_index].push((*tile, out.0, out.1));
        Ok(out)
    }

    fn analyze(&mut self, level_index: usize, tile: &[i64; NUM_DIMS]) -> Result<Record, CostError> {
        let mut scratch = std::mem::take(&mut self.scratch[level_index]);
        let r = self.analyze_with(level_index, tile, &mut scratch);
        self.scratch[level_index] = scratch;
        let r = r?;
        if self.first_l1_requirement.is_none() {
            self.first_l1_requirement = Some(r.l1_requirement.iter().fold(0, |a, &b| add(a, b)));
        }
        Ok(r)
    }

    fn analyze_with(
        &mut self,
        level_index: usize,
        tile: &[i64; NUM_DIMS],
        scratch: &mut Scratch,
    ) -> Result<Record, CostError> {
        let plan = self.plan;
        let fixed = plan.fixed();
        let level = &plan.levels[level_index];
        let nd = level.dirs.len();
        for (axis, (v, sl)) in [(Y, R), (X, S)].into_iter().enumerate() {
            // The lock-step pair counts one output per unit: right only while the tile this
            // level is given holds exactly one window (checked statically in `check_tilings`;
            // an edge tile of the parent could differ).
            if level.lockstep[axis] && tile[v as usize] != tile[sl as usize] {
                return Err(CostError::UnsupportedMapping {
                    directive: level
                        .dirs
                        .iter()
                        .find(|d| d.var == v)
                        .and_then(|d| d.origin.index()),
                    reason:
                        "a sliding dimension mapped in lock-step with its filter dimension \
                             gets a tile of more than one window",
                });
            }
        }
        scratch.states.clear();
        scratch.counts.clear();
        let mut total: i64 = 1;
        for d in &level.dirs {
            let mut buf = [IterationState::INIT; 3];
            let k = iteration_states(d, tile[d.var as usize], level.units, &mut buf);
            scratch.states.push(buf);
            scratch.counts.push(k);
            total = mul(total, k as i64);
        }
        if total > MAX_CASES {
            return Err(CostError::TooManyCases {
                level: level_index,
                cases: total,
            });
        }
        scratch.odometer.clear();
        scratch.odometer.resize(nd, 0);

        let [input_vars, filter_vars, output_vars] = &plan.tensors;
        let mut rec = Record::default();
        let mut pending = true; // no valid case yet: buffer sizes are (re)computed
        let mut dmin = [i64::MAX; 3];
        let mut dmax = [0i64; 3];
        let mut dsum = [0i64; 3];
        let mut var_states = [IterationState::INIT; NUM_DIMS];

        for c in 0..total {
            // MAESTRO's enumeration order: case c ≥ 1 is the mixed-radix number c−1 with every
            // digit advanced by one (§5.4); case 0 is all-init.
            if c >= 2 {
                for i in (0..nd).rev() {
                    scratch.odometer[i] += 1;
                    if scratch.odometer[i] < scratch.counts[i] {
                        break;
                    }
                    scratch.odometer[i] = 0;
                }
            }
            let mut occurrences = 1i64;
            for (i, d) in level.dirs.iter().enumerate() {
                let k = scratch.counts[i];
                let digit = if c == 0 {
                    0
                } else {
                    (scratch.odometer[i] + 1) % k
                };
                let s = scratch.states[i][digit];
                var_states[d.var as usize] = s;
                occurrences = mul(occurrences, s.occurrences);
            }
            let mut last_changing = -1isize;
            for (i, d) in level.dirs.iter().enumerate() {
                if var_states[d.var as usize].pos != Phase::Init {
                    last_changing = i as isize;
                }
            }
            let case = Case {
                level,
                var_states,
                last_changing,
                output_key_in_edge_factor: fixed,
            };

            if pending {
                // MAESTRO sums the input/filter requirements over the leading skipped cases; the
                // Default model takes the largest (a buffer holds one case's data at a time).
                let merge = |acc: i64, x: i64| if fixed { acc.max(x) } else { add(acc, x) };
                for (t, tv) in [(INPUT, input_vars), (FILTER, filter_vars)] {
                    let g = case.ingress(t, tv)?;
                    rec.l2_requirement[t] = merge(rec.l2_requirement[t], mul(2, g));
                    rec.l2_write[t] = tv.vars().iter().fold(1, |a, &v| mul(a, tile[v as usize]));
                    rec.l1_requirement[t] =
                        merge(rec.l1_requirement[t], mul(2, case.mapped_volume(tv)));
                }
                let mut up = mul(2, case.egress(output_vars));
                if fixed {
                    up = up.max(rec.l2_requirement[OUTPUT]);
                }
                rec.l2_requirement[OUTPUT] = up;
                if level_index == 0 && plan.size_units(up) > plan.l2_capacity {
                    return Err(CostError::NotEnoughL2 {
                        required: plan.size_units(up),
                        capacity: plan.l2_capacity,
                    });
                }
                rec.l2_read[OUTPUT] = output_vars.vars().iter().fold(1, |a, &v| {
                    let size = if v == Y || v == X {
                        let win = level.window[usize::from(v == X)];
                        plan.extent(
                            v,
                            tile[v as usize],
                            win.unwrap_or(tile[filter_dim_of(v) as usize]),
                        )
                    } else {
                        tile[v as usize]
                    };
                    mul(a, size)
                });
                let l1 = mul(2, case.mapped_volume(output_vars));
                rec.l1_requirement[OUTPUT] = l1;
                if level.innermost && plan.size_units(l1) > plan.l1_capacity {
                    return Err(CostError::NotEnoughL1 {
                        required: plan.size_units(l1),
                        capacity: plan.l1_capacity,
                    });
                }
            }

            let e = case.egress(output_vars);
            let p = case.partial_sum_map(output_vars);
            rec.l2_write[OUTPUT] = add(rec.l2_write[OUTPUT], mul(occurrences, e));
            rec.l1_write[OUTPUT] = add(rec.l1_write[OUTPUT], mul(occurrences, p));
            rec.l1_read[OUTPUT] = add(rec.l1_read[OUTPUT], mul(occurrences, p));
            let psums = case.critical_partial_sums(output_vars);
            if psums <= 0 {
                continue;
            }

            let mut ingress = 0i64;
            for (t, tv) in [(INPUT, input_vars), (FILTER, filter_vars)] {
                let g = case.ingress(t, tv)?;
                ingress = add(ingress, g);
                rec.l2_read[t] = add(rec.l2_read[t], mul(occurrences, g));
                rec.l1_write[t] = rec.l2_read[t];
                rec.l1_read[t] = add(rec.l1_read[t], mul(occurrences, p));
            }
            rec.last_arithmetic_intensity = if ingress != 0 {
                p as f64 / ingress as f64
            } else if p != 0 {
                f64::INFINITY
            } else {
                f64::NAN
            };
            rec.intensity_macs = add(rec.intensity_macs, mul(occurrences, p));
            rec.intensity_ingress = add(rec.intensity_ingress, mul(occurrences, ingress));

            let spatial_state = case.var_states[level.first_spatial_var as usize];
            let active = if spatial_state.edge() {
                level.edge_units
            } else {
                level.units
            };
            let mut sub_active = 0.0f64;
            let mut comp;
            if !level.innermost {
                rec.recursed = true;
                comp = 0;
                let mut run =
                    |this: &mut Self, partial_unit: bool, mult: i64| -> Result<(), CostError> {
                        let (rt, aa) =
                            this.sub(level_index + 1, &case.sub_dims(plan, partial_unit))?;
                        comp = comp.max(rt);
                        sub_active += aa * mult as f64;
                        Ok(())
                    };
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
            } else {
                comp = ceil_div(psums, plan.simd_lanes).max(1);
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
                let mut m = level.vars;
                let mut all = true;
                while m != 0 {
                    let v = m.trailing_zeros() as usize;
                    all &= case.var_states[v].pos == Phase::Init;
                    m &= m - 1;
                }
                all
            };
            let step = if all_init {
                add(comp, din)
            } else {
                deg.max(comp).max(din)
            };
            rec.runtime = add(rec.runtime, mul(occurrences, step));
            rec.macs = add(rec.macs, mul(occurrences, p));
            let na = if sub_active == 0.0 {
                active as f64
            } else {
                sub_active
            };
            rec.active_sum += na * occurrences as f64;
            // A zero compute delay (every sub-case skipped) counts as 1 from here on.
            let comp = if comp == 0 { 1 } else { comp };
            let traffic = ingress.max(e);
            rec.peak_bandwidth = rec.peak_bandwidth.max(traffic / comp);
            rec.bandwidth_sum = add(rec.bandwidth_sum, mul(occurrences, traffic) / comp);
            for (k, v) in [din, deg, comp].into_iter().enumerate() {
                dmin[k] = dmin[k].min(v);
                dmax[k] = dmax[k].max(v);
                dsum[k] = add(dsum[k], mul(occurrences, v));
            }
            rec.valid_iterations = add(rec.valid_iterations, occurrences);
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

//! The compiled problem and the simulator every scheduler shares.
//!
//! [`Instance::new`] checks the inputs once and flattens all networks into one layer DAG with
//! global ids (network by network, layer by layer), so the hot loop — [`Instance::evaluate`] —
//! works on flat arrays and allocates nothing when given a reused [`Scratch`].

use std::collections::VecDeque;

use super::{CostTable, Entry, HdaError, NetworkTiming, Objective, Platform, Schedule, Workload};

/// A decision: `assign[l]` is the sub-accelerator of global layer `l`, and `order` is a
/// sequence of all layers whose restriction to a sub-accelerator is its run order. The
/// sequence should be topological; one that is not may deadlock, which the simulator
/// reports as an error.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Plan {
    pub assign: Vec<u16>,
    pub order: Vec<u32>,
}

/// What a plan costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Eval {
    pub makespan: f64,
    pub energy: f64,
}

impl Eval {
    pub fn value(&self, objective: Objective) -> f64 {
        objective.value(self.makespan, self.energy)
    }
}

/// A workload, platform and cost table, checked and flattened. Global layer ids number the
/// layers network by network.
#[derive(Debug, Clone)]
pub struct Instance {
    pub(crate) n: usize,
    /// Number of sub-accelerators.
    pub(crate) s: usize,
    pub(crate) net_of: Vec<u32>,
    pub(crate) local_of: Vec<u32>,
    /// First global id of each network, plus the total at the end.
    pub(crate) offsets: Vec<usize>,
    pub(crate) pred_start: Vec<u32>,
    pub(crate) preds: Vec<u32>,
    pub(crate) succ_start: Vec<u32>,
    pub(crate) succs: Vec<u32>,
    /// `dur[l * s + c]`, isolated runtime; `INFINITY` where `c` cannot run `l`.
    pub(crate) dur: Vec<f64>,
    pub(crate) energy: Vec<f64>,
    /// DRAM bandwidth demand, bytes per cycle.
    pub(crate) bw: Vec<f64>,
    pub(crate) dram_bw: f64,
    /// A topological order of all layers.
    pub(crate) topo: Vec<u32>,
    pub(crate) min_dur: Vec<f64>,
    pub(crate) min_energy: Vec<f64>,
}

/// Reusable simulator buffers; one per thread.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scratch {
    queue_start: Vec<u32>,
    queue: Vec<u32>,
    pos: Vec<u32>,
    pending: Vec<u32>,
    run_layer: Vec<u32>,
    run_rem: Vec<f64>,
    pub(crate) start: Vec<f64>,
    pub(crate) end: Vec<f64>,
}

const NONE: u32 = u32::MAX;

fn bad(msg: String) -> HdaError {
    HdaError::Input(msg)
}

/// The platform's and the table's outer shape; returns the number of sub-accelerators.
fn check_shapes(
    workload: &Workload,
    platform: &Platform,
    table: &CostTable,
) -> Result<usize, HdaError> {
    let s = platform.sub_accels.len();
    if s == 0 {
        return Err(bad("the platform has no sub-accelerators".into()));
    }
    if s > u16::MAX as usize {
        return Err(bad(format!("{s} sub-accelerators is more than supported")));
    }
    if platform.dram_bw.is_nan() || platform.dram_bw <= 0.0 {
        return Err(bad(format!(
            "shared DRAM bandwidth must be positive, got {}",
            platform.dram_bw
        )));
    }
    if table.costs.len() != workload.networks.len() {
        return Err(bad(format!(
            "the cost table has {} networks, the workload {}",
            table.costs.len(),
            workload.networks.len()
        )));
    }
    let n = workload.num_layers();
    if n >= NONE as usize {
        return Err(bad(format!("{n} layers is more than supported")));
    }
    Ok(s)
}

/// Every layer of every network under one global id, with its costs on each
/// sub-accelerator (`[l * s + c]`) and its predecessors' global ids.
struct Flattened {
    offsets: Vec<usize>,
    net_of: Vec<u32>,
    local_of: Vec<u32>,
    dur: Vec<f64>,
    energy: Vec<f64>,
    bw: Vec<f64>,
    pred_lists: Vec<Vec<u32>>,
}

fn flatten(workload: &Workload, table: &CostTable, s: usize) -> Result<Flattened, HdaError> {
    let n = workload.num_layers();
    let mut flat = Flattened {
        offsets: Vec::with_capacity(workload.networks.len() + 1),
        net_of: Vec::with_capacity(n),
        local_of: Vec::with_capacity(n),
        dur: Vec::with_capacity(n * s),
        energy: Vec::with_capacity(n * s),
        bw: Vec::with_capacity(n * s),
        pred_lists: Vec::with_capacity(n),
    };
    let mut base = 0usize;
    for (ni, (net, rows)) in workload.networks.iter().zip(&table.costs).enumerate() {
        flat.offsets.push(base);
        if rows.len() != net.layers.len() {
            return Err(bad(format!(
                "network `{}`: the cost table has {} layers, the network {}",
                net.name,
                rows.len(),
                net.layers.len()
            )));
        }
        for (li, (layer, row)) in net.layers.iter().zip(rows).enumerate() {
            let at = || format!("network `{}`, layer `{}`", net.name, layer.name);
            if row.len() != s {
                return Err(bad(format!(
                    "{}: the cost table has {} sub-accelerators, the platform {s}",
                    at(),
                    row.len()
                )));
            }
            push_costs(&mut flat, row, &at)?;
            let mut ps = Vec::with_capacity(layer.preds.len());
            for &p in &layer.preds {
                if p >= net.layers.len() {
                    return Err(bad(format!(
                        "{}: predecessor {p} is out of range ({} layers)",
                        at(),
                        net.layers.len()
                    )));
                }
                if p == li {
                    return Err(bad(format!("{}: depends on itself", at())));
                }
                ps.push((base + p) as u32);
            }
            ps.sort_unstable();
            ps.dedup();
            flat.pred_lists.push(ps);
            flat.net_of.push(ni as u32);
            flat.local_of.push(li as u32);
        }
        base += net.layers.len();
    }
    flat.offsets.push(base);
    Ok(flat)
}

/// One layer's row of the cost table: checked, and appended to the flat cost arrays.
fn push_costs(
    flat: &mut Flattened,
    row: &[Option<super::Cost>],
    at: &dyn Fn() -> String,
) -> Result<(), HdaError> {
    let mut any = false;
    for c in row {
        match c {
            Some(c) => {
                let ok = |x: f64| x.is_finite() && x >= 0.0;
                if !(ok(c.runtime_cycles) && ok(c.energy) && ok(c.dram_bytes)) {
                    return Err(bad(format!(
                        "{}: costs must be finite and non-negative, got {:?}",
                        at(),
                        c
                    )));
                }
                any = true;
                flat.dur.push(c.runtime_cycles);
                flat.energy.push(c.energy);
                // A zero-time layer moves its bytes instantly; it holds no bandwidth.
                let demand = if c.runtime_cycles > 0.0 {
                    c.dram_bytes / c.runtime_cycles
                } else {
                    0.0
                };
                if !demand.is_finite() {
                    return Err(bad(format!(
                        "{}: DRAM demand {} bytes in {} cycles overflows",
                        at(),
                        c.dram_bytes,
                        c.runtime_cycles
                    )));
                }
                flat.bw.push(demand);
            }
            None => {
                flat.dur.push(f64::INFINITY);
                flat.energy.push(f64::INFINITY);
                flat.bw.push(0.0);
            }
        }
    }
    if !any {
        return Err(HdaError::Infeasible(format!(
            "{}: no sub-accelerator can run it",
            at()
        )));
    }
    Ok(())
}

/// The layer DAG in compressed form: layer `l`'s predecessors are
/// `preds[pred_start[l]..pred_start[l + 1]]`, its successors likewise.
struct Adjacency {
    pred_start: Vec<u32>,
    preds: Vec<u32>,
    succ_start: Vec<u32>,
    succs: Vec<u32>,
}

impl Adjacency {
    fn new(pred_lists: &[Vec<u32>], n: usize) -> Adjacency {
        let mut pred_start = Vec::with_capacity(n + 1);
        let mut preds = Vec::new();
        let mut nsucc = vec![0u32; n + 1];
        for ps in pred_lists {
            pred_start.push(preds.len() as u32);
            for &p in ps {
                nsucc[p as usize] += 1;
                preds.push(p);
            }
        }
        pred_start.push(preds.len() as u32);
        let mut succ_start = vec![0u32; n + 1];
        for l in 0..n {
            succ_start[l + 1] = succ_start[l] + nsucc[l];
        }
        let mut fill = succ_start.clone();
        let mut succs = vec![0u32; preds.len()];
        for (l, ps) in pred_lists.iter().enumerate() {
            for &p in ps {
                succs[fill[p as usize] as usize] = l as u32;
                fill[p as usize] += 1;
            }
        }
        Adjacency {
            pred_start,
            preds,
            succ_start,
            succs,
        }
    }
}

/// A topological order of all layers, or a layer on a dependence cycle. Kahn's algorithm
/// both orders the DAG and finds cycles.
fn topological_order(pred_lists: &[Vec<u32>], graph: &Adjacency) -> Result<Vec<u32>, usize> {
    let n = pred_lists.len();
    let mut indeg: Vec<u32> = pred_lists.iter().map(|p| p.len() as u32).collect();
    let mut ready: VecDeque<u32> = (0..n as u32).filter(|&l| indeg[l as usize] == 0).collect();
    let mut topo = Vec::with_capacity(n);
    let succ_start = &graph.succ_start;
    while let Some(l) = ready.pop_front() {
        topo.push(l);
        for &v in &graph.succs[succ_start[l as usize] as usize..succ_start[l as usize + 1] as usize]
        {
            indeg[v as usize] -= 1;
            if indeg[v as usize] == 0 {
                ready.push_back(v);
            }
        }
    }
    if topo.len() != n {
        return Err((0..n).find(|&l| indeg[l] > 0).unwrap_or(0));
    }
    Ok(topo)
}

impl Instance {
    /// Check the inputs and flatten them. Errors name the offending network and layer.
    pub fn new(
        workload: &Workload,
        platform: &Platform,
        table: &CostTable,
    ) -> Result<Self, HdaError> {
        let s = check_shapes(workload, platform, table)?;
        let n = workload.num_layers();
        let flat = flatten(workload, table, s)?;
        let graph = Adjacency::new(&flat.pred_lists, n);
        let topo = topological_order(&flat.pred_lists, &graph).map_err(|l| {
            let net = &workload.networks[flat.net_of[l] as usize];
            bad(format!(
                "network `{}` has a dependence cycle through layer `{}`",
                net.name, net.layers[flat.local_of[l] as usize].name
            ))
        })?;
        let min_of = |v: &[f64]| -> Vec<f64> {
            v.chunks(s)
                .map(|row| row.iter().copied().fold(f64::INFINITY, f64::min))
                .collect()
        };
        let min_dur = min_of(&flat.dur);
        let min_energy = min_of(&flat.energy);
        Ok(Instance {
            n,
            s,
            net_of: flat.net_of,
            local_of: flat.local_of,
            offsets: flat.offsets,
            pred_start: graph.pred_start,
            preds: graph.preds,
            succ_start: graph.succ_start,
            succs: graph.succs,
            dur: flat.dur,
            energy: flat.energy,
            bw: flat.bw,
            dram_bw: platform.dram_bw,
            topo,
            min_dur,
            min_energy,
        })
    }

    /// Number of layers over all networks.
    pub fn num_layers(&self) -> usize {
        self.n
    }

    pub fn num_sub_accels(&self) -> usize {
        self.s
    }

    /// The global id of `layer` of `network`.
    pub fn global_id(&self, network: usize, layer: usize) -> Option<usize> {
        let base = *self.offsets.get(network)?;
        let next = *self.offsets.get(network + 1)?;
        (base + layer < next).then_some(base + layer)
    }

    pub(crate) fn preds_of(&self, l: usize) -> &[u32] {
        &self.preds[self.pred_start[l] as usize..self.pred_start[l + 1] as usize]
    }

    pub(crate) fn succs_of(&self, l: usize) -> &[u32] {
        &self.succs[self.succ_start[l] as usize..self.succ_start[l + 1] as usize]
    }

    pub(crate) fn dur(&self, l: usize, c: usize) -> f64 {
        self.dur[l * self.s + c]
    }

    pub(crate) fn energy_of(&self, l: usize, c: usize) -> f64 {
        self.energy[l * self.s + c]
    }

    pub(crate) fn feasible(&self, l: usize, c: usize) -> bool {
        self.dur[l * self.s + c].is_finite()
    }

    pub(crate) fn num_networks(&self) -> usize {
        self.offsets.len() - 1
    }

    /// A makespan no schedule can beat: the longest dependence chain with every layer at its
    /// fastest sub-accelerator, and the total fastest work spread evenly over all
    /// sub-accelerators (bandwidth contention only ever lengthens layers).
    pub fn makespan_lower_bound(&self) -> f64 {
        let mut finish = vec![0.0f64; self.n];
        let mut cp = 0.0f64;
        for &l in &self.topo {
            let l = l as usize;
            let ready = self
                .preds_of(l)
                .iter()
                .map(|&p| finish[p as usize])
                .fold(0.0, f64::max);
            finish[l] = ready + self.min_dur[l];
            cp = cp.max(finish[l]);
        }
        let work: f64 = self.min_dur.iter().sum();
        cp.max(work / self.s as f64)
    }

    /// Check that a plan has the right shape and only feasible assignments.
    pub(crate) fn check_plan(&self, plan: &Plan) -> Result<(), HdaError> {
        if plan.assign.len() != self.n || plan.order.len() != self.n {
            return Err(bad(format!(
                "plan covers {} / {} layers, the workload has {}",
                plan.assign.len(),
                plan.order.len(),
                self.n
            )));
        }
        for (l, &c) in plan.assign.iter().enumerate() {
            if c as usize >= self.s || !self.feasible(l, c as usize) {
                return Err(bad(format!(
                    "plan puts layer {l} on sub-accelerator {c}, which cannot run it"
                )));
            }
        }
        let mut seen = vec![false; self.n];
        for &l in &plan.order {
            match seen.get_mut(l as usize) {
                Some(v) if !*v => *v = true,
                _ => return Err(bad(format!("plan order repeats or misses layer {l}"))),
            }
        }
        Ok(())
    }

    /// Simulate a plan (see the module docs for the model).
    pub fn evaluate(&self, plan: &Plan) -> Result<Eval, HdaError> {
        self.check_plan(plan)?;
        self.simulate(plan, &mut Scratch::default())
    }

    /// The simulator. `plan` must have passed [`Instance::check_plan`] (schedulers build
    /// plans that do); start and end times are left in `sc`.
    pub(crate) fn simulate(&self, plan: &Plan, sc: &mut Scratch) -> Result<Eval, HdaError> {
        let (n, s) = (self.n, self.s);
        // Per-sub-accelerator queues as one bucketed array.
        sc.queue_start.clear();
        sc.queue_start.resize(s + 1, 0);
        for &c in &plan.assign {
            sc.queue_start[c as usize + 1] += 1;
        }
        for c in 0..s {
            sc.queue_start[c + 1] += sc.queue_start[c];
        }
        sc.pos.clear();
        sc.pos.extend_from_slice(&sc.queue_start[..s]);
        sc.queue.clear();
        sc.queue.resize(n, 0);
        for &l in &plan.order {
            let c = plan.assign[l as usize] as usize;
            sc.queue[sc.pos[c] as usize] = l;
            sc.pos[c] += 1;
        }
        sc.pos.clear();
        sc.pos.extend_from_slice(&sc.queue_start[..s]);
        sc.pending.clear();
        sc.pending
            .extend((0..n).map(|l| self.pred_start[l + 1] - self.pred_start[l]));
        sc.run_layer.clear();
        sc.run_layer.resize(s, NONE);
        sc.run_rem.clear();
        sc.run_rem.resize(s, 0.0);
        sc.start.clear();
        sc.start.resize(n, 0.0);
        sc.end.clear();
        sc.end.resize(n, 0.0);

        let energy: f64 = (0..n)
            .map(|l| self.energy_of(l, plan.assign[l] as usize))
            .sum();
        let mut t = 0.0f64;
        let mut done = 0usize;
        let mut running = 0usize;
        loop {
            // Start every layer that can start now; zero-time layers finish on the spot and
            // may release others, hence the fixpoint.
            let mut progressed = true;
            while progressed {
                progressed = false;
                for c in 0..s {
                    if sc.run_layer[c] != NONE || sc.pos[c] == sc.queue_start[c + 1] {
                        continue;
                    }
                    let l = sc.queue[sc.pos[c] as usize] as usize;
                    if sc.pending[l] > 0 {
                        continue;
                    }
                    sc.start[l] = t;
                    let d = self.dur(l, c);
                    if d > 0.0 {
                        sc.run_layer[c] = l as u32;
                        sc.run_rem[c] = d;
                        running += 1;
                    } else {
                        sc.end[l] = t;
                        sc.pos[c] += 1;
                        done += 1;
                        for &v in self.succs_of(l) {
                            sc.pending[v as usize] -= 1;
                        }
                        progressed = true;
                    }
                }
            }
            if running == 0 {
                if done == n {
                    break;
                }
                return Err(HdaError::Infeasible(
                    "the plan's run orders deadlock (its sequence is not topological)".into(),
                ));
            }
            // MAGMA's rule: over-subscribed DRAM slows every bandwidth-using layer equally.
            let demand: f64 = (0..s)
                .filter(|&c| sc.run_layer[c] != NONE)
                .map(|c| self.bw[sc.run_layer[c] as usize * s + c])
                .sum();
            let slow = if demand > self.dram_bw {
                self.dram_bw / demand
            } else {
                1.0
            };
            let rate = |c: usize, l: u32| -> f64 {
                if self.bw[l as usize * s + c] > 0.0 {
                    slow
                } else {
                    1.0
                }
            };
            // `run_rem` is in isolated cycles; advance to the next completion.
            let mut dt = f64::INFINITY;
            let mut first = 0;
            for c in 0..s {
                let l = sc.run_layer[c];
                if l != NONE {
                    let tc = sc.run_rem[c] / rate(c, l);
                    if tc < dt {
                        dt = tc;
                        first = c;
                    }
                }
            }
            if !dt.is_finite() {
                return Err(HdaError::Infeasible(
                    "DRAM bandwidth is too small for the layers' demand".into(),
                ));
            }
            t += dt;
            for c in 0..s {
                let l = sc.run_layer[c];
                if l == NONE {
                    continue;
                }
                let d = self.dur(l as usize, c);
                sc.run_rem[c] -= dt * rate(c, l);
                // The argmin finishes exactly; others within rounding of it finish too.
                if c == first || sc.run_rem[c] <= 1e-9 * d {
                    let l = l as usize;
                    sc.end[l] = t;
                    sc.run_layer[c] = NONE;
                    sc.pos[c] += 1;
                    running -= 1;
                    done += 1;
                    for &v in self.succs_of(l) {
                        sc.pending[v as usize] -= 1;
                    }
                }
            }
        }
        Ok(Eval {
            makespan: t,
            energy,
        })
    }

    /// Simulate a plan and turn it into a [`Schedule`] with names.
    pub fn schedule(
        &self,
        plan: &Plan,
        workload: &Workload,
        platform: &Platform,
        objective: Objective,
        scheduler: &str,
        evaluations: u64,
    ) -> Result<Schedule, HdaError> {
        self.check_plan(plan)?;
        let same_shape = workload.networks.len() == self.num_networks()
            && workload
                .networks
                .iter()
                .enumerate()
                .all(|(i, n)| n.layers.len() == self.offsets[i + 1] - self.offsets[i])
            && platform.sub_accels.len() == self.s;
        if !same_shape {
            return Err(bad(
                "the workload or platform is not the one the instance was built from".into(),
            ));
        }
        let mut sc = Scratch::default();
        let ev = self.simulate(plan, &mut sc)?;
        let mut entries: Vec<Entry> = (0..self.n)
            .map(|l| {
                let (ni, li) = (self.net_of[l] as usize, self.local_of[l] as usize);
                let c = plan.assign[l] as usize;
                let net = &workload.networks[ni];
                Entry {
                    network: ni,
                    layer: li,
                    sub_accel: c,
                    network_name: net.name.clone(),
                    layer_name: net.layers[li].name.clone(),
                    sub_accel_name: platform.sub_accels[c].name.clone(),
                    start: sc.start[l],
                    end: sc.end[l],
                    energy: self.energy_of(l, c),
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            a.start
                .total_cmp(&b.start)
                .then(a.sub_accel.cmp(&b.sub_accel))
                .then(a.end.total_cmp(&b.end))
        });
        let networks = workload
            .networks
            .iter()
            .enumerate()
            .map(|(ni, net)| {
                let finish = (self.offsets[ni]..self.offsets[ni + 1])
                    .map(|l| sc.end[l])
                    .fold(0.0, f64::max);
                let deadline = match (net.frame_rate, platform.clock_hz) {
                    (Some(fps), Some(hz)) if fps > 0.0 && hz > 0.0 && hz.is_finite() => {
                        Some(hz / fps)
                    }
                    _ => None,
                };
                NetworkTiming {
                    name: net.name.clone(),
                    finish,
                    deadline,
                    meets_deadline: deadline.map(|d| finish <= d),
                }
            })
            .collect();
        Ok(Schedule {
            scheduler: scheduler.to_string(),
            objective,
            entries,
            makespan: ev.makespan,
            energy: ev.energy,
            edp: ev.makespan * ev.energy,
            networks,
            evaluations,
        })
    }
}

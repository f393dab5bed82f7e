//! Tests of the HDA schedulers on seeded synthetic workloads and small fixed ones.

use super::instance::{Instance, Plan};
use super::synthetic::{small_cases, synthetic, SyntheticSpec};
use super::*;
use crate::util::Rng;

const OBJECTIVES: [Objective; 3] = [Objective::Latency, Objective::Energy, Objective::Edp];

/// A spread of synthetic cases: 1–4 networks, 2–3 sub-accelerators, from no contention to
/// heavy contention.
fn cases(count: u64, max_layers: usize) -> Vec<(Workload, Platform, CostTable)> {
    let mut rng = Rng::new(0xca5e);
    (0..count)
        .map(|seed| {
            let networks = 1 + rng.below(4);
            let spec = SyntheticSpec {
                seed,
                networks,
                layers_per_network: 1 + rng.below(max_layers / networks),
                sub_accels: 2 + rng.below(2),
                dram_bw_factor: [0.6, 1.0, 1.5, 3.0, 1e9][rng.below(5)],
                ..SyntheticSpec::default()
            };
            synthetic(&spec)
        })
        .collect()
}

/// Makespan lower bound computed here from the inputs alone, independently of `Instance`.
fn lower_bound(w: &Workload, p: &Platform, t: &CostTable) -> f64 {
    let mut cp = 0.0f64;
    let mut work = 0.0;
    for (ni, net) in w.networks.iter().enumerate() {
        let fastest: Vec<f64> = (0..net.layers.len())
            .map(|l| {
                (0..p.sub_accels.len())
                    .filter_map(|c| t.get(ni, l, c))
                    .map(|c| c.runtime_cycles)
                    .fold(f64::INFINITY, f64::min)
            })
            .collect();
        work += fastest.iter().sum::<f64>();
        // Longest path by relaxation; synthetic preds point backwards, but do not rely on it.
        let mut fin = fastest.clone();
        for _ in 0..net.layers.len() {
            for (l, layer) in net.layers.iter().enumerate() {
                let ready = layer.preds.iter().map(|&q| fin[q]).fold(0.0, f64::max);
                fin[l] = fin[l].max(ready + fastest[l]);
            }
        }
        cp = cp.max(fin.iter().copied().fold(0.0, f64::max));
    }
    cp.max(work / p.sub_accels.len() as f64)
}

fn check(s: &Schedule, w: &Workload, p: &Platform, t: &CostTable) {
    if let Err(e) = validate(s, w, p, t) {
        panic!("{} schedule invalid: {e}", s.scheduler);
    }
    let lb = lower_bound(w, p, t);
    assert!(
        s.makespan >= lb * (1.0 - 1e-9),
        "{}: makespan {} below the lower bound {lb}",
        s.scheduler,
        s.makespan
    );
    // Energy is additive: the sum of the chosen table entries, whatever the timing.
    let from_table: f64 = s
        .entries
        .iter()
        .map(|e| {
            t.get(e.network, e.layer, e.sub_accel)
                .map_or(f64::NAN, |c| c.energy)
        })
        .sum();
    assert!((s.energy - from_table).abs() <= 1e-9 * from_table.max(1.0));
    assert!((s.edp - s.makespan * s.energy).abs() <= 1e-9 * s.edp.max(1.0));
}

#[test]
fn bandwidth_is_shared_proportionally() {
    // Two single-layer networks, each demanding 10 B/cycle from a 10 B/cycle DRAM, plus a
    // compute-only layer that must not slow down.
    let w = Workload {
        networks: vec![
            NetworkGraph::chain("a", ["a0"]),
            NetworkGraph::chain("b", ["b0"]),
            NetworkGraph::chain("c", ["c0"]),
        ],
    };
    let sa = |name: &str| SubAccel {
        name: name.into(),
        dataflow_style: "x".into(),
        pes: 1,
        noc_bw: 1.0,
        buffer_bytes: 0,
    };
    let p = Platform {
        sub_accels: vec![sa("s0"), sa("s1"), sa("s2")],
        dram_bw: 10.0,
        global_buffer_bytes: 0,
        clock_hz: None,
    };
    let cost = |r: f64, b: f64| Cost {
        runtime_cycles: r,
        energy: 1.0,
        dram_bytes: b,
    };
    let t = CostTable {
        costs: vec![
            vec![vec![Some(cost(100.0, 1000.0)), None, None]],
            vec![vec![None, Some(cost(200.0, 2000.0)), None]],
            vec![vec![None, None, Some(cost(150.0, 0.0))]],
        ],
    };
    let inst = Instance::new(&w, &p, &t).unwrap();
    let plan = Plan {
        assign: vec![0, 1, 2],
        order: vec![0, 1, 2],
    };
    let s = inst
        .schedule(&plan, &w, &p, Objective::Latency, "test", 1)
        .unwrap();
    let end = |layer: &str| {
        s.entries
            .iter()
            .find(|e| e.layer_name == layer)
            .unwrap()
            .end
    };
    // Both demand 10 of 10 B/cycle: half speed. a0 needs 100 isolated cycles → ends at 200;
    // b0 has done 100 of its 200 by then and runs the rest alone at full speed → 300.
    assert_eq!(end("a0"), 200.0);
    assert_eq!(end("b0"), 300.0);
    assert_eq!(end("c0"), 150.0);
    assert_eq!(s.makespan, 300.0);
    check(&s, &w, &p, &t);
}

#[test]
fn every_schedule_is_valid_and_bounded() {
    for (w, p, t) in cases(40, 40) {
        for objective in OBJECTIVES {
            check(&herald(&w, &p, &t, objective).unwrap(), &w, &p, &t);
            check(&naive(&w, &p, &t, objective).unwrap(), &w, &p, &t);
            let ga = GaOptions {
                evaluations: 60,
                ..GaOptions::default()
            };
            let s = genetic(&w, &p, &t, objective, &ga).unwrap();
            assert!(s.evaluations <= 60);
            check(&s, &w, &p, &t);
        }
    }
}

#[test]
fn exact_schedules_are_valid_and_no_worse_than_herald() {
    for (w, p, t) in small_cases(12) {
        for objective in OBJECTIVES {
            let h = herald(&w, &p, &t, objective).unwrap();
            let x = exact(&w, &p, &t, objective, &ExactOptions::default()).unwrap();
            assert!(x.proven_optimal);
            check(&x.schedule, &w, &p, &t);
            assert!(x.schedule.objective_value() <= h.objective_value());
        }
    }
}

/// All topological orders of the instance's DAG (tiny cases only).
fn all_orders(inst: &Instance) -> Vec<Vec<u32>> {
    fn rec(inst: &Instance, done: &mut Vec<bool>, cur: &mut Vec<u32>, out: &mut Vec<Vec<u32>>) {
        if cur.len() == inst.n {
            out.push(cur.clone());
            return;
        }
        for l in 0..inst.n {
            if !done[l] && inst.preds_of(l).iter().all(|&p| done[p as usize]) {
                done[l] = true;
                cur.push(l as u32);
                rec(inst, done, cur, out);
                cur.pop();
                done[l] = false;
            }
        }
    }
    let mut out = Vec::new();
    rec(inst, &mut vec![false; inst.n], &mut Vec::new(), &mut out);
    out
}

#[test]
fn exact_matches_brute_force() {
    let mut checked = 0;
    let mut seed = 0;
    while checked < 8 {
        seed += 1;
        let (w, p, t) = synthetic(&SyntheticSpec {
            seed,
            networks: 2,
            layers_per_network: 3,
            sub_accels: 2,
            dram_bw_factor: if seed % 2 == 0 { 1.0 } else { 1e9 },
            ..SyntheticSpec::default()
        });
        let inst = Instance::new(&w, &p, &t).unwrap();
        if inst.n > 7 {
            continue;
        }
        checked += 1;
        let orders = all_orders(&inst);
        for objective in OBJECTIVES {
            let mut best = f64::INFINITY;
            for mask in 0u32..(1 << inst.n) {
                let assign: Vec<u16> = (0..inst.n).map(|l| ((mask >> l) & 1) as u16).collect();
                if (0..inst.n).any(|l| !inst.feasible(l, assign[l] as usize)) {
                    continue;
                }
                for order in &orders {
                    let plan = Plan {
                        assign: assign.clone(),
                        order: order.clone(),
                    };
                    best = best.min(inst.evaluate(&plan).unwrap().value(objective));
                }
            }
            let x = exact(&w, &p, &t, objective, &ExactOptions::default()).unwrap();
            assert!(x.proven_optimal);
            let v = x.schedule.objective_value();
            assert!(
                (v - best).abs() <= 1e-9 * best,
                "seed {seed} {objective:?}: exact {v}, brute force {best}"
            );
        }
    }
}

/// Relative gap of HERALD over the proven optimum on the small cases.
fn gaps(objective: Objective, count: usize) -> Vec<f64> {
    small_cases(count)
        .iter()
        .map(|(w, p, t)| {
            let h = herald(w, p, t, objective).unwrap().objective_value();
            let x = exact(w, p, t, objective, &ExactOptions::default()).unwrap();
            assert!(x.proven_optimal);
            h / x.schedule.objective_value() - 1.0
        })
        .collect()
}

fn summary(v: &[f64]) -> (f64, f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let mean = s.iter().sum::<f64>() / s.len() as f64;
    let q = |f: f64| s[((s.len() - 1) as f64 * f).round() as usize];
    (mean, q(0.5), q(0.9), s[s.len() - 1])
}

#[test]
fn herald_is_close_to_the_optimum() {
    // Measured by `cargo bench --bench hda` ("HERALD vs exact optimum …, 200 small cases of
    // the unit test"): latency mean 1.48 %, median 0, p90 5.25 %, max 20.2 %, optimal in
    // 116/200; EDP mean 1.78 %, median 0, p90 6.31 %, max 27.2 %, optimal in 120/200. These
    // 60 cases are the first 60 of those 200 (their worst: 17.3 % and 27.2 %). The tail is
    // a few cases where contention makes a greedy order costly; the mean and the share of
    // optimal cases are what a regression moves, so they are bounded tightly and the worst
    // case loosely: every gap ≤ 30 %, mean ≤ 2.5 %, at least 40 % of the cases optimal.
    for objective in [Objective::Latency, Objective::Edp] {
        let g = gaps(objective, 60);
        let (mean, median, p90, max) = summary(&g);
        let optimal = g.iter().filter(|&&x| x <= 1e-9).count() as f64 / g.len() as f64;
        eprintln!(
            "{objective:?}: mean {mean:.4} median {median:.4} p90 {p90:.4} max {max:.4} optimal {optimal:.2}"
        );
        assert!(g.iter().all(|&x| x >= -1e-9), "HERALD beat the optimum");
        assert!(max <= 0.30, "{objective:?}: worst gap {max}");
        assert!(mean <= 0.025, "{objective:?}: mean gap {mean}");
        assert!(optimal >= 0.4, "{objective:?}: optimal in only {optimal}");
    }
}

#[test]
fn herald_beats_naive_on_average() {
    // Measured on 30 mid-size cases (`report_comparisons`): 19 % better latency and 16 %
    // better EDP on average, never worse. Asserted loosely on cheaper cases.
    for objective in [Objective::Latency, Objective::Edp] {
        let gains: Vec<f64> = cases(16, 60)
            .iter()
            .map(|(w, p, t)| {
                let h = herald(w, p, t, objective).unwrap().objective_value();
                let n = naive(w, p, t, objective).unwrap().objective_value();
                pct(h, n)
            })
            .collect();
        let mean = gains.iter().sum::<f64>() / gains.len() as f64;
        eprintln!("{objective:?}: HERALD better than naive by {mean:.2} % on average");
        assert!(
            mean >= 5.0,
            "{objective:?}: mean gain over naive only {mean:.2} %"
        );
    }
}

#[test]
fn energy_objective_is_solved_exactly() {
    // Energy depends only on the assignment, and preference picks each layer's cheapest.
    for (w, p, t) in small_cases(6) {
        let h = herald(&w, &p, &t, Objective::Energy).unwrap();
        let x = exact(&w, &p, &t, Objective::Energy, &ExactOptions::default()).unwrap();
        assert!((h.energy - x.schedule.energy).abs() <= 1e-9 * h.energy);
    }
}

#[test]
fn schedulers_are_deterministic() {
    for (w, p, t) in cases(6, 60) {
        for objective in OBJECTIVES {
            assert_eq!(herald(&w, &p, &t, objective), herald(&w, &p, &t, objective));
            let ga = GaOptions::default();
            assert_eq!(
                genetic(&w, &p, &t, objective, &ga),
                genetic(&w, &p, &t, objective, &ga)
            );
        }
    }
}

/// A cost function over candidate splits, standing in for the cost model: a style's base
/// cost from a synthetic table, faster with more PEs and more bandwidth, energy growing
/// slightly with array size.
fn split_costs(base: &CostTable) -> impl Fn(&[SubAccel]) -> Result<CostTable, String> + Sync + '_ {
    move |accels: &[SubAccel]| {
        let styles = ["nvdla", "shidiannao", "eyeriss"];
        let mut costs = Vec::new();
        for net in &base.costs {
            let mut rows = Vec::new();
            for row in net {
                let mut out = Vec::new();
                for a in accels {
                    let Some(k) = styles.iter().position(|s| *s == a.dataflow_style) else {
                        return Err(format!("unknown style `{}`", a.dataflow_style));
                    };
                    out.push(row[k].map(|c| {
                        Cost {
                            runtime_cycles: (c.runtime_cycles
                                * (256.0 / a.pes as f64).powf(0.9)
                                * (1.0 + 8.0 / a.noc_bw))
                                .round(),
                            energy: c.energy * (1.0 + a.pes as f64 / 1024.0),
                            dram_bytes: c.dram_bytes,
                        }
                    }));
                }
                rows.push(out);
            }
            costs.push(rows);
        }
        Ok(CostTable { costs })
    }
}

fn partition_case() -> (Workload, CostTable, PartitionSpec) {
    let (w, _, base) = synthetic(&SyntheticSpec {
        seed: 7,
        networks: 3,
        layers_per_network: 12,
        sub_accels: 3,
        infeasible_prob: 0.0,
        ..SyntheticSpec::default()
    });
    let spec = PartitionSpec {
        style_sets: vec![
            vec!["nvdla".into(), "shidiannao".into()],
            vec!["nvdla".into(), "shidiannao".into(), "eyeriss".into()],
            vec!["eyeriss".into()],
        ],
        total_pes: 256,
        total_noc_bw: 64.0,
        global_buffer_bytes: 1 << 20,
        dram_bw: 40.0,
        clock_hz: Some(1e9),
        pe_steps: 8,
        bw_steps: 4,
        objective: Objective::Edp,
    };
    (w, base, spec)
}

#[test]
fn partition_covers_the_budget_and_returns_the_pareto_set() {
    let (w, base, spec) = partition_case();
    let costs = split_costs(&base);
    let r = partition(&w, &spec, &costs).unwrap();
    assert!(r.failures.is_empty());
    // 2 styles: 7 PE × 3 bandwidth splits; 3 styles: 21 × 3; 1 style: 1.
    assert_eq!(r.points.len(), 21 + 63 + 1);
    for pt in &r.points {
        assert_eq!(pt.sub_accels.iter().map(|a| a.pes).sum::<u32>(), 256);
        let bw: f64 = pt.sub_accels.iter().map(|a| a.noc_bw).sum();
        assert!((bw - 64.0).abs() < 1e-9);
        assert!(pt.sub_accels.iter().map(|a| a.buffer_bytes).sum::<u64>() <= 1 << 20);
    }
    let best = r
        .points
        .iter()
        .map(|p| p.value)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(r.best.schedule.objective_value(), best);
    let table = costs(&r.best.platform.sub_accels).unwrap();
    check(&r.best.schedule, &w, &r.best.platform, &table);
    // The Pareto set: nothing dominates its members, and it dominates every point.
    let dominated = |a: (f64, f64), b: (f64, f64)| b.0 <= a.0 && b.1 <= a.1 && b != a;
    for d in &r.pareto {
        let me = (d.schedule.makespan, d.schedule.energy);
        assert!(!r
            .points
            .iter()
            .any(|q| dominated(me, (q.makespan, q.energy))));
    }
    for q in &r.points {
        assert!(r
            .pareto
            .iter()
            .any(|d| d.schedule.makespan <= q.makespan && d.schedule.energy <= q.energy));
    }
    assert!(r
        .pareto
        .windows(2)
        .all(|p| p[0].schedule.makespan < p[1].schedule.makespan));
}

#[test]
fn partition_is_independent_of_thread_count() {
    let (w, base, spec) = partition_case();
    let costs = split_costs(&base);
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| partition(&w, &spec, &costs).unwrap())
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let (w, p, t) = synthetic(&SyntheticSpec {
        networks: 2,
        layers_per_network: 4,
        ..SyntheticSpec::default()
    });
    let run = |w: &Workload, p: &Platform, t: &CostTable| {
        let r = herald(w, p, t, Objective::Edp);
        assert_eq!(r.is_err(), naive(w, p, t, Objective::Edp).is_err());
        assert_eq!(
            r.is_err(),
            genetic(w, p, t, Objective::Edp, &GaOptions::default()).is_err()
        );
        assert_eq!(
            r.is_err(),
            exact(w, p, t, Objective::Edp, &ExactOptions::default()).is_err()
        );
        r
    };
    assert!(run(&w, &p, &t).is_ok());

    let mut cyc = w.clone();
    cyc.networks[0].layers[0].preds = vec![1];
    assert!(matches!(run(&cyc, &p, &t), Err(HdaError::Input(m)) if m.contains("cycle")));
    let mut oob = w.clone();
    oob.networks[1].layers[0].preds = vec![99];
    assert!(run(&oob, &p, &t).is_err());
    let mut selfloop = w.clone();
    selfloop.networks[0].layers[1].preds = vec![1];
    assert!(run(&selfloop, &p, &t).is_err());
    let mut short = t.clone();
    short.costs[0].pop();
    assert!(run(&w, &p, &short).is_err());
    let mut nan = t.clone();
    nan.costs[0][0][0] = Some(Cost {
        runtime_cycles: f64::NAN,
        energy: 1.0,
        dram_bytes: 0.0,
    });
    assert!(run(&w, &p, &nan).is_err());
    let mut none = t.clone();
    none.costs[1][0] = vec![None; p.sub_accels.len()];
    assert!(matches!(run(&w, &p, &none), Err(HdaError::Infeasible(_))));
    let mut nobw = p.clone();
    nobw.dram_bw = 0.0;
    assert!(run(&w, &nobw, &t).is_err());
    let mut noacc = p.clone();
    noacc.sub_accels.clear();
    assert!(run(&w, &noacc, &t).is_err());

    // Empty workload: an empty, valid schedule.
    let empty = Workload::default();
    let s = run(&empty, &p, &CostTable::default()).unwrap();
    assert!(s.entries.is_empty() && s.makespan == 0.0);
    validate(&s, &empty, &p, &CostTable::default()).unwrap();
    // Zero-time layers are fine.
    let zero = CostTable::from_fn(&w, p.sub_accels.len(), |_, _, _| {
        Some(Cost {
            runtime_cycles: 0.0,
            energy: 0.0,
            dram_bytes: 5.0,
        })
    });
    let s = run(&w, &p, &zero).unwrap();
    check(&s, &w, &p, &zero);

    // Plans that are malformed or deadlock are errors.
    let inst = Instance::new(&w, &p, &t).unwrap();
    let n = inst.num_layers() as u32;
    let fine: Vec<u16> = (0..n as usize)
        .map(|l| (0..2).find(|&c| inst.feasible(l, c)).unwrap() as u16)
        .collect();
    assert!(inst
        .evaluate(&Plan {
            assign: fine.clone(),
            order: (0..n - 1).collect()
        })
        .is_err());
    assert!(inst
        .evaluate(&Plan {
            assign: vec![0; n as usize],
            order: (0..n).rev().collect()
        })
        .is_err());
    // Reversed order with everything on one sub-accelerator deadlocks.
    let one = Plan {
        assign: fine.iter().map(|_| 0).collect(),
        order: (0..n).rev().collect(),
    };
    if (0..n as usize).all(|l| inst.feasible(l, 0)) {
        assert!(matches!(inst.evaluate(&one), Err(HdaError::Infeasible(_))));
    }

    // Partition specs out of range.
    let (pw, base, spec) = partition_case();
    let costs = split_costs(&base);
    let mut bad = spec.clone();
    bad.style_sets = vec![vec![]];
    assert!(partition(&pw, &bad, &costs).is_err());
    let mut bad = spec.clone();
    bad.pe_steps = 2;
    assert!(partition(&pw, &bad, &costs).is_err());
    let mut bad = spec;
    bad.style_sets = vec![vec!["unknown".into(), "nvdla".into()]];
    assert!(matches!(
        partition(&pw, &bad, &costs),
        Err(HdaError::Infeasible(_))
    ));
}

#[test]
fn writers_and_validate_survive_inconsistent_schedules() {
    let (w, p, t) = synthetic(&SyntheticSpec::default());
    let mut s = herald(&w, &p, &t, Objective::Edp).unwrap();
    s.entries[0].network = 99;
    s.entries[1].sub_accel = 99;
    s.entries[2].layer = 99;
    s.makespan = f64::NAN;
    for out in [
        trace_json(&s, &w, &p),
        gantt_svg(&s, &w, &p),
        table(&s, &p),
        csv(&s),
    ] {
        assert!(!out.is_empty());
    }
    assert!(validate(&s, &w, &p, &t).is_err());
    let empty = Workload::default();
    assert!(!gantt_svg(&s, &empty, &p).is_empty());

    // Each kind of violation is caught.
    let good = herald(&w, &p, &t, Objective::Latency).unwrap();
    validate(&good, &w, &p, &t).unwrap();
    let mut dup = good.clone();
    dup.entries.push(dup.entries[0].clone());
    assert!(validate(&dup, &w, &p, &t)
        .unwrap_err()
        .contains("more than once"));
    let mut missing = good.clone();
    missing.entries.pop();
    assert!(validate(&missing, &w, &p, &t).is_err());
    let mut early = good.clone();
    let last = early.entries.len() - 1;
    let d = early.entries[last].end - early.entries[last].start;
    early.entries[last].start = 0.0;
    early.entries[last].end = d;
    assert!(validate(&early, &w, &p, &t).is_err());
    let mut fast = good.clone();
    fast.entries[0].end = fast.entries[0].start + 0.5;
    assert!(validate(&fast, &w, &p, &t).is_err());
    let mut energy = good;
    energy.energy *= 1.01;
    assert!(validate(&energy, &w, &p, &t).is_err());
}

/// A tiny fixed workload: a three-layer chain and a residual block, on two styles.
fn tiny() -> (Workload, Platform, CostTable) {
    let mut res = NetworkGraph::chain("resblock", ["conv1", "conv2", "conv3", "add"]);
    res.layers[3].preds = vec![0, 2];
    res.frame_rate = Some(1e6);
    let w = Workload {
        networks: vec![NetworkGraph::chain("mlp", ["fc1", "fc2", "fc3"]), res],
    };
    let sa = |name: &str, style: &str| SubAccel {
        name: name.into(),
        dataflow_style: style.into(),
        pes: 128,
        noc_bw: 32.0,
        buffer_bytes: 1 << 18,
    };
    let p = Platform {
        sub_accels: vec![sa("ws", "nvdla"), sa("os", "shidiannao")],
        dram_bw: 16.0,
        global_buffer_bytes: 1 << 19,
        clock_hz: Some(1e9),
    };
    let c = |r: f64, e: f64, b: f64| {
        Some(Cost {
            runtime_cycles: r,
            energy: e,
            dram_bytes: b,
        })
    };
    let t = CostTable {
        costs: vec![
            vec![
                vec![c(400.0, 900.0, 6400.0), c(700.0, 1000.0, 6400.0)],
                vec![c(300.0, 700.0, 4800.0), c(600.0, 800.0, 4800.0)],
                vec![c(200.0, 500.0, 3200.0), None],
            ],
            vec![
                vec![c(900.0, 2000.0, 2000.0), c(500.0, 1500.0, 2000.0)],
                vec![c(800.0, 1800.0, 1000.0), c(450.0, 1400.0, 1000.0)],
                vec![c(800.0, 1800.0, 1000.0), c(450.0, 1400.0, 1000.0)],
                vec![c(100.0, 100.0, 3200.0), c(100.0, 120.0, 3200.0)],
            ],
        ],
    };
    (w, p, t)
}

#[test]
fn trace_snapshot() {
    let (w, p, t) = tiny();
    let s = herald(&w, &p, &t, Objective::Edp).unwrap();
    check(&s, &w, &p, &t);
    let trace = trace_json(&s, &w, &p);
    let v: serde_json::Value = serde_json::from_str(&trace).unwrap();
    let events = v["traceEvents"].as_array().unwrap();
    assert_eq!(events.iter().filter(|e| e["ph"] == "X").count(), 7);
    // Module paths differ between this crate and a scratch crate; the snapshot name must not.
    insta::with_settings!({ prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("hda_tiny_trace", trace);
        insta::assert_snapshot!("hda_tiny_table", table(&s, &p));
    });
}

#[test]
fn svg_is_well_formed_and_labelled() {
    let (w, p, t) = tiny();
    let s = herald(&w, &p, &t, Objective::Latency).unwrap();
    let svg = gantt_svg(&s, &w, &p);
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<g>").count(), 7);
    assert_eq!(svg.matches("<g>").count(), svg.matches("</g>").count());
    for name in ["ws", "os", "mlp", "resblock", "time (cycles)"] {
        assert!(svg.contains(name), "{name} missing");
    }
    let c = csv(&s);
    assert_eq!(c.lines().count(), 8);
    assert!(c.starts_with("network,layer,sub_accel,start,end,cycles,energy\n"));
}

/// How much better `a` is than `b`, in percent.
fn pct(a: f64, b: f64) -> f64 {
    100.0 * (1.0 - a / b)
}

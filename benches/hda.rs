//! `cargo bench --bench hda`: the HDA scheduler's speed and quality.
//!
//! 1. Schedule evaluations per second (the simulator that every scheduler uses) on a synthetic
//!    workload of about 500 layers on 3 sub-accelerators (Stream's GA: 2.4 per second).
//! 2. HERALD against the naive scheduler, the MAGMA-style GA at the same evaluation budget, and
//!    the exact optimum (branch and bound) on small synthetic workloads.
//! 3. The wall time of a whole design-time partition sweep for ResNet-50 + UNet + MobileNetV2 +
//!    BERT-base on an edge budget, with the real cost model filling the cost tables.

use std::hint::black_box;
use std::time::Instant;

use dfc::backends::hda::synthetic::{synthetic, SyntheticSpec};
use dfc::backends::hda::{self, Instance, Objective, Plan};
use dfc::backends::schedule;
use dfc::ir::{self, AcceleratorId, WorkloadId};

fn pct(better: f64, base: f64) -> f64 {
    100.0 * (1.0 - better / base)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// HERALD's gap to the proven optimum on the first `count` of the small cases the unit test
/// `herald_is_close_to_the_optimum` bounds (it checks the first 60): the distribution its
/// bounds are set from.
fn herald_gap_distribution(count: usize) {
    for objective in [Objective::Latency, Objective::Edp] {
        let mut gaps: Vec<f64> = hda::synthetic::small_cases(count)
            .iter()
            .map(|(w, p, t)| {
                let h = hda::herald(w, p, t, objective).expect("herald");
                let x =
                    hda::exact(w, p, t, objective, &hda::ExactOptions::default()).expect("exact");
                assert!(x.proven_optimal, "the small cases are solved exactly");
                100.0 * (h.objective_value() / x.schedule.objective_value() - 1.0)
            })
            .collect();
        let first_60_max = gaps.iter().take(60).copied().fold(0.0, f64::max);
        gaps.sort_by(f64::total_cmp);
        let optimal = gaps.iter().filter(|&&g| g <= 1e-7).count();
        println!(
            "HERALD vs exact optimum ({objective:?}, {count} small cases of the unit test): mean gap {:.2} %, median {:.2} %, p90 {:.2} %, max {:.2} % (first 60: max {first_60_max:.2} %), optimal in {optimal} of {count}",
            gaps.iter().sum::<f64>() / count as f64,
            gaps[count / 2],
            gaps[(count - 1) * 9 / 10],
            gaps[count - 1],
        );
    }
}

fn main() {
    // 1. Evaluations per second.
    let (w, p, t) = synthetic(&SyntheticSpec {
        seed: 42,
        networks: 5,
        layers_per_network: 100,
        sub_accels: 3,
        ..SyntheticSpec::default()
    });
    let inst = Instance::new(&w, &p, &t).expect("valid synthetic workload");
    // Round-robin over the sub-accelerators that can run each layer; file order is topological.
    let mut assign = Vec::new();
    for (n, net) in w.networks.iter().enumerate() {
        for l in 0..net.layers.len() {
            let options: Vec<u16> = (0..p.sub_accels.len())
                .filter(|&s| t.get(n, l, s).is_some())
                .map(|s| s as u16)
                .collect();
            assign.push(options[(n + l) % options.len()]);
        }
    }
    let plan = Plan {
        order: (0..assign.len() as u32).collect(),
        assign,
    };
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed().as_secs_f64() < 2.0 {
        black_box(inst.evaluate(black_box(&plan)).expect("plan evaluates"));
        count += 1;
    }
    println!(
        "HDA simulator: {} layers, 3 sub-accelerators: {:.0} schedule evaluations/s",
        inst.num_layers(),
        count as f64 / start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let s = hda::herald(&w, &p, &t, Objective::Edp).expect("schedules");
    println!(
        "HERALD heuristic on those {} layers: {:.1} ms ({} evaluations)",
        inst.num_layers(),
        start.elapsed().as_secs_f64() * 1e3,
        s.evaluations
    );

    // 2. Quality against baselines.
    let (mut vs_naive, mut vs_ga, mut vs_exact) = (Vec::new(), Vec::new(), Vec::new());
    let mut optimal = 0;
    let cases = 40;
    for seed in 0..cases {
        let spec = SyntheticSpec {
            seed,
            networks: 3,
            layers_per_network: 30,
            sub_accels: 3,
            ..SyntheticSpec::default()
        };
        let (w, p, t) = synthetic(&spec);
        let h = hda::herald(&w, &p, &t, Objective::Edp).expect("herald");
        let n = hda::naive(&w, &p, &t, Objective::Edp).expect("naive");
        let ga = hda::genetic(
            &w,
            &p,
            &t,
            Objective::Edp,
            &hda::GaOptions {
                seed,
                evaluations: h.evaluations.max(100),
                population: 32,
            },
        )
        .expect("ga");
        vs_naive.push(pct(h.edp, n.edp));
        vs_ga.push(pct(h.edp, ga.edp));
        let small = SyntheticSpec {
            seed,
            networks: 2,
            layers_per_network: 5,
            sub_accels: 2,
            ..SyntheticSpec::default()
        };
        let (w, p, t) = synthetic(&small);
        let h = hda::herald(&w, &p, &t, Objective::Edp).expect("herald");
        let e = hda::exact(
            &w,
            &p,
            &t,
            Objective::Edp,
            &hda::ExactOptions {
                node_limit: 5_000_000,
            },
        )
        .expect("exact");
        let gap = 100.0 * (h.edp / e.schedule.edp - 1.0);
        if gap < 1e-9 {
            optimal += 1;
        }
        vs_exact.push(gap);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    println!(
        "HERALD vs naive (EDP, {cases} synthetic workloads of ~90 layers): {:.1} % better on average (median {:.1} %)",
        mean(&vs_naive),
        median(vs_naive.clone())
    );
    println!(
        "HERALD vs MAGMA-style GA at the same evaluation budget: {:.1} % better on average",
        mean(&vs_ga)
    );
    println!(
        "HERALD vs exact optimum (EDP, {cases} workloads of ~10 layers on 2 sub-accelerators): mean gap {:.2} %, max {:.2} %, optimal in {optimal} of {cases}",
        mean(&vs_exact),
        vs_exact.iter().copied().fold(0.0, f64::max)
    );

    herald_gap_distribution(200);

    // 3. A partition sweep with the real cost model.
    let text = "use std::dataflows::{nvdla, row_stationary, shidiannao};\n\
        use std::hardware::{edge256};\n\
        use std::networks::{bert_base, mobilenet_v2, resnet50, unet};\n\
        accelerator edge { a: edge256 with nvdla; b: edge256 with row_stationary; c: edge256 with shidiannao; \
        dram { bandwidth: 16 B/cycle; } clock: 1 GHz; }\n\
        workload w { resnet50; unet; mobilenet_v2; bert_base; }\n";
    let (_, program, _) = ir::lower::lower_text("bench.df", text);
    let program = program.expect("bench program compiles");
    let start = Instant::now();
    let r = schedule::partition(&program, AcceleratorId(0), WorkloadId(0), Objective::Edp)
        .expect("sweep");
    let layers: usize = program.workloads[0]
        .networks
        .iter()
        .map(|(n, _)| program.network(*n).layers.len())
        .sum();
    println!(
        "partition sweep, ResNet-50 + UNet + MobileNetV2 + BERT-base ({layers} layers) on 768 PEs: {} designs in {:.2} s",
        r.points.len(),
        start.elapsed().as_secs_f64()
    );
}

//! The joint space, area model, spec check, simulator latency, controller step, the penalty
//! path (never trains), determinism of a whole search on a stand-in metric, and the emitted
//! program scheduled with the design's own costs.

use std::sync::OnceLock;

use super::area::area_mm2;
use super::controller::Policy;
use super::design::{Accelerator, Budget, Design, JointSpace, Sub};
use super::emit::program_df;
use super::evaluate::{Evaluation, Evaluator, Specs, Unbuildable};
use super::explore::{self, lower_bounds, Request};
use crate::backends::{hda, schedule};
use crate::generators::nas::space::{Architecture, Space};
use crate::generators::nas::task::Task;
use crate::ir::lower::lower_text;
use crate::ir::{AcceleratorId, WorkloadId};

/// The books take about a second in a debug build; every test shares one.
fn evaluator() -> &'static Evaluator {
    static EVALUATOR: OnceLock<Evaluator> = OnceLock::new();
    EVALUATOR.get_or_init(|| {
        Evaluator::new(JointSpace::new(
            &[Task::Digits, Task::BreastCancer],
            Budget::default(),
        ))
    })
}

fn sub(template: usize, pe_share: usize, bandwidth_share: usize) -> Sub {
    Sub {
        template,
        pe_share,
        bandwidth_share,
    }
}

fn arch(text: &str) -> Architecture {
    Architecture::parse(text).expect("an architecture")
}

/// A stand-in for training: a metric that grows with the parameter count, never above 1.
fn fake_metric(space: &Space, a: &Architecture) -> f64 {
    let params = space.params(a) as f64;
    params / (params + 1000.0)
}

#[test]
fn the_area_model_counts_macs_and_sram_bits() {
    let budget = Budget::default();
    let whole = Accelerator {
        subs: vec![sub(0, 4, 0)],
        assignment: vec![0, 0],
    };
    // 512 × (419 + 4096 bits × 0.346) + 512 × 432 B × 8 × 0.346 µm².
    assert!((area_mm2(&whole, &budget) - 1.552379904).abs() < 1e-12);
    let split = Accelerator {
        subs: vec![sub(1, 0, 0), sub(2, 3, 4)],
        assignment: vec![0, 1],
    };
    // 64 + 384 PEs: seven eighths of the whole.
    assert!((area_mm2(&split, &budget) - 1.552379904 * 7.0 / 8.0).abs() < 1e-12);
}

#[test]
fn specs_name_what_they_break() {
    let specs = Specs {
        latency_cycles: Some(100.0),
        energy_pj: None,
        area_mm2: Some(1.0),
    };
    let e = |latency_cycles, area_mm2| Evaluation {
        latency_cycles,
        energy_pj: 1e12,
        area_mm2,
    };
    assert_eq!(specs.violations(&e(100.0, 1.0)), Vec::<&str>::new());
    assert_eq!(specs.violations(&e(101.0, 1.0)), vec!["latency"]);
    assert_eq!(specs.violations(&e(101.0, 1.5)), vec!["latency", "area"]);
    assert_eq!(
        Specs::default().violations(&e(1e9, 1e9)),
        Vec::<&str>::new()
    );
}

#[test]
fn tokens_decode_to_designs() {
    let space = &evaluator().space;
    assert_eq!(
        space.groups(),
        [vec![6; 8], vec![3], [3, 5, 5].repeat(3), vec![3, 3]].concat()
    );
    let mut levels = vec![0; space.groups().len()];
    levels[0] = 4; // digits: h64
    levels[8] = 1; // two sub-accelerators
    levels[9..15].copy_from_slice(&[0, 2, 3, 1, 1, 1]);
    levels[18..20].copy_from_slice(&[2, 1]); // 2 mod 2 = 0, then 1
    let design = space.decode(&levels);
    assert_eq!(design.networks, vec![arch("h64"), arch("linear")]);
    assert_eq!(design.accelerator.subs, vec![sub(0, 2, 3), sub(1, 1, 1)]);
    assert_eq!(design.accelerator.assignment, vec![0, 1]);
    assert_eq!(design.accelerator.subs[0].pes(&space.budget), 256);
    assert_eq!(design.accelerator.subs[0].bandwidth(&space.budget), 48);
}

#[test]
fn sub_accelerators_run_in_parallel_and_energies_add() {
    let ev = evaluator();
    let networks = vec![arch("h64 h32"), arch("h16")];
    let (a, b) = (sub(0, 2, 2), sub(2, 2, 2));
    let design = Design {
        networks: networks.clone(),
        accelerator: Accelerator {
            subs: vec![a, b],
            assignment: vec![0, 1],
        },
    };
    let e = ev.evaluate(&design).expect("buildable");
    let first = ev.network_costs(0, &networks[0], a).expect("runs");
    let second = ev.network_costs(1, &networks[1], b).expect("runs");
    let longest = first.runtime_cycles.max(second.runtime_cycles) as f64;
    assert_eq!(e.latency_cycles, longest);
    assert_eq!(e.energy_pj, first.energy_pj + second.energy_pj);
    // Both on one sub-accelerator: one after the other.
    let serial = Design {
        networks,
        accelerator: Accelerator {
            subs: vec![a],
            assignment: vec![0, 0],
        },
    };
    let s = ev.evaluate(&serial).expect("buildable");
    let both = ev.network_costs(1, &serial.networks[1], a).expect("runs");
    assert_eq!(
        s.latency_cycles,
        (first.runtime_cycles + both.runtime_cycles) as f64
    );
}

#[test]
fn shares_over_the_budget_cannot_be_built() {
    let design = Design {
        networks: vec![arch("h8"), arch("h8")],
        accelerator: Accelerator {
            subs: vec![sub(0, 4, 0), sub(0, 0, 0)],
            assignment: vec![0, 1],
        },
    };
    assert_eq!(evaluator().evaluate(&design), Err(Unbuildable::OverBudget));
}

#[test]
fn reinforce_moves_toward_the_rewarded_level() {
    let mut policy = Policy::new(&[2, 3], 1.0, 0.9);
    policy.update(&[(vec![0, 2], 1.0), (vec![1, 2], 0.0)]);
    // Baseline 0.5: level 0 of the first token gains 2 × 0.5 × 0.5 × 0.5 = 0.25 in logit,
    // level 1 loses as much; the second token saw level 2 with advantages ±0.5, no change.
    let p = policy.probabilities();
    assert!((p[0][0] - 1.0 / (1.0 + (-0.5f64).exp())).abs() < 1e-12);
    assert_eq!(p[1], vec![1.0 / 3.0; 3]);
    assert_eq!(policy.baseline(), Some(0.5));
}

fn request(specs: Specs, episodes: usize) -> Request {
    Request {
        specs,
        episodes,
        batch: 4,
        learning_rate: 0.5,
        seed: 3,
        references: vec![1.0, 1.0],
    }
}

#[test]
fn designs_that_break_a_spec_are_never_trained() {
    let ev = evaluator();
    // No design is this small: the controller trains nothing, the successive baseline one
    // network per task (its least training budget).
    let specs = Specs {
        area_mm2: Some(0.1),
        ..Specs::default()
    };
    let mut calls: Vec<(Task, usize)> = Vec::new();
    let mut measure = |space: &Space, archs: &[Architecture]| {
        calls.push((space.task, archs.len()));
        archs.iter().map(|a| fake_metric(space, a)).collect()
    };
    let outcome = explore::run(ev, &request(specs, 24), &mut measure).expect("an outcome");
    assert_eq!(outcome.meeting_specs, 0);
    assert!(outcome.nasaic.is_none());
    assert_eq!(calls, vec![(Task::Digits, 1), (Task::BreastCancer, 1)]);
    assert_eq!(outcome.successive.violations, vec!["area"]);
}

#[test]
fn co_exploration_is_deterministic_and_meets_its_specs() {
    let ev = evaluator();
    let run = || {
        let mut measure = |space: &Space, archs: &[Architecture]| {
            archs.iter().map(|a| fake_metric(space, a)).collect()
        };
        explore::run(ev, &request(Specs::default(), 32), &mut measure).expect("an outcome")
    };
    let first = run();
    let second = run();
    assert_eq!(first, second);
    assert!(first.default_specs);
    let chosen = first.nasaic.expect("a design meets the median specs");
    assert_eq!(chosen.violations, Vec::<&str>::new());
    assert!(first.meeting_specs > 0 && first.meeting_specs <= first.buildable);
    let bounds = lower_bounds(ev);
    assert!(chosen.evaluation.area_mm2 >= bounds.area_mm2);
    assert!(chosen.evaluation.energy_pj >= bounds.energy_pj);
}

#[test]
fn the_emitted_program_schedules_with_the_designs_costs() {
    let ev = evaluator();
    let design = Design {
        networks: vec![arch("h32 h16"), arch("h8 h8")],
        accelerator: Accelerator {
            subs: vec![sub(0, 2, 2), sub(1, 1, 1), sub(2, 0, 0)],
            assignment: vec![0, 2],
        },
    };
    let text = program_df(&ev.space, &design, "a test\nof two lines");
    assert!(text.starts_with("// a test\n// of two lines\n"));
    let (_, program, diags) = lower_text("out.df", &text);
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let inputs = schedule::inputs(&program, AcceleratorId(0), WorkloadId(0));
    assert!(schedule::check(&program, AcceleratorId(0), WorkloadId(0), &inputs).is_empty());
    // The scheduler's cost of each network on its assigned sub-accelerator is the book's.
    for (task, (&s, arch)) in design
        .accelerator
        .assignment
        .iter()
        .zip(&design.networks)
        .enumerate()
    {
        let book = ev
            .network_costs(task, arch, design.accelerator.subs[s])
            .expect("runs");
        let cells: Vec<hda::Cost> = inputs.table.costs[task]
            .iter()
            .map(|row| row[s].expect("costed"))
            .collect();
        let runtime: f64 = cells.iter().map(|c| c.runtime_cycles).sum();
        let energy: f64 = cells.iter().map(|c| c.energy).sum();
        assert_eq!(runtime, book.runtime_cycles as f64);
        assert!((energy - book.energy_pj).abs() < 1e-6 * book.energy_pj);
    }
    hda::herald(
        &inputs.workload,
        &inputs.platform,
        &inputs.table,
        hda::Objective::Latency,
    )
    .expect("schedules");
}

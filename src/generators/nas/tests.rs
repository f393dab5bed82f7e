//! The search spaces, their counts and costs, the emitted programs, the flow's guarantees
//! (generated networks belong to the space and meet the budgets on exact costs; budgets
//! nothing meets are refused before training), determinism, and the cache's text.

use std::cell::RefCell;

use super::cache;
use super::platform::{Budgets, CostBook, Platform};
use super::search::{self, Request};
use super::space::{Architecture, Family, Space};
use super::task::{measure, Recipe, Task, TaskData};
use crate::backends::cost::Model;
use crate::backends::evaluate::evaluate_mapping;
use crate::diagnostics::Code;
use crate::generators::gan::GanOptions;
use crate::ir::lower::lower_text;
use crate::ir::MappingId;
use crate::nn::train::Schedule;
use crate::util::Rng;

fn mlp(task: Task) -> Space {
    Space::new(task, Family::Mlp).unwrap()
}

fn arch(text: &str) -> Architecture {
    Architecture::parse(text).unwrap()
}

#[test]
fn the_spaces_have_their_exact_sizes_and_every_architecture_round_trips() {
    // Perceptrons: 0..=4 hidden layers of 5 widths: 1 + 5 + 25 + 125 + 625.
    let space = mlp(Task::Digits);
    let all = space.all();
    assert_eq!(all.len(), 781);
    // Convolutional: 8 first convolutions × (1 + 8 + 64) stacks × (1 + 5 + 25) dense heads.
    let cnn = Space::new(Task::Digits, Family::Cnn).unwrap();
    let all_cnn = cnn.all();
    assert_eq!(all_cnn.len(), 8 * 73 * 31);
    for (s, archs) in [(space, &all), (cnn, &all_cnn)] {
        for a in archs.iter() {
            assert!(s.contains(a), "{a}");
            assert_eq!(s.decode(&s.levels(a)), *a);
            assert_eq!(Architecture::parse(&a.to_string()).as_ref(), Some(a));
        }
    }
    assert!(Space::new(Task::Diabetes, Family::Cnn).is_none());
    assert!(!space.contains(&arch("h64 h64 h64 h64 h64")));
    assert!(!space.contains(&arch("h7")));
    assert!(!space.contains(&arch("c8k3 h64")));
    assert_eq!(Architecture::parse("h64 c8k3"), None);
    assert_eq!(Architecture::parse("linear"), Some(Architecture::default()));
}

#[test]
fn sampled_architectures_belong_to_the_space() {
    let mut rng = Rng::new(3);
    for space in [
        mlp(Task::Diabetes),
        Space::new(Task::Digits, Family::Cnn).unwrap(),
    ] {
        for _ in 0..500 {
            let a = space.sample(&mut rng);
            assert!(space.contains(&a), "{a}");
        }
    }
}

#[test]
fn parameters_and_macs_are_counted_as_the_cost_model_counts_them() {
    let space = mlp(Task::Digits);
    let a = arch("h64 h32");
    // 64·64 + 64, 64·32 + 32, 32·10 + 10.
    assert_eq!(space.params(&a), 6570);
    assert_eq!(space.macs(&a), 6464);
    // The stdlib digits CNN is an architecture of the convolutional space.
    let cnn = Space::new(Task::Digits, Family::Cnn).unwrap();
    let digits_cnn = arch("c8k3 c16k3 h32");
    assert!(cnn.contains(&digits_cnn));
    assert_eq!(cnn.macs(&digits_cnn), 29_536);
    assert_eq!(cnn.params(&digits_cnn), 80 + 1168 + 8224 + 330);
    for (s, a) in [(space, a), (cnn, digits_cnn)] {
        let (_, program, diags) = lower_text("n.df", &s.network_df(&a, "n"));
        assert!(diags.is_empty(), "{diags:?}");
        let macs: u64 = program.unwrap().networks[0]
            .layers
            .iter()
            .map(|l| l.macs())
            .sum();
        assert_eq!(macs, s.macs(&a));
    }
}

#[test]
fn the_cost_book_agrees_with_evaluating_the_emitted_program() {
    let platform = Platform::default_platform();
    let space = Space::new(Task::Digits, Family::Cnn).unwrap();
    let archs = [
        arch("c8k3 c16k3 h32"),
        arch("c4k1 h128 h8"),
        arch("c32k3 c32k3 c32k3"),
    ];
    let book = CostBook::new(&platform, &space, &archs);
    for a in &archs {
        let costs = book.costs(&space, a).unwrap();
        let text = crate::ir::emit::emit(&platform.program_of(&space, a, "net"));
        let (_, program, diags) = lower_text("emitted.df", &text);
        assert!(diags.is_empty(), "{text}\n{diags:?}");
        let program = program.unwrap();
        assert_eq!(program.mappings[0].name, "net_on_edge256");
        let (report, diags) = evaluate_mapping(&program, MappingId(0), Model::Default);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(report.totals.runtime_cycles as u64, costs.runtime_cycles);
        assert_eq!(report.totals.total_energy, costs.energy_pj);
        assert_eq!(report.totals.num_macs as u64, costs.macs);
    }
}

#[test]
fn a_mapping_left_to_search_gives_no_platform() {
    let text = "use std::hardware::edge256;\nuse std::networks::digits_cnn;\n\
                mapping m { network: digits_cnn; hardware: edge256; dataflow: search; }\n";
    let (_, program, _) = lower_text("m.df", text);
    let e = Platform::of_mapping(&program.unwrap(), MappingId(0)).unwrap_err();
    assert_eq!(e.code, Code::NasSearchMapping);
}

/// A quick request whose "measurement" is a deterministic function of the architecture,
/// so the flow's guarantees are checked without training.
fn request(budgets: Budgets) -> Request {
    Request {
        space: mlp(Task::BreastCancer),
        budgets,
        count: 3,
        samples: 40,
        seed: 5,
        recipe: Recipe::default(),
        gan: GanOptions {
            steps: 150,
            ..GanOptions::default()
        },
    }
}

fn fake_metric(a: &Architecture) -> f64 {
    // Wider first layers score higher; deterministic and architecture-dependent.
    0.5 + a.hidden.first().map_or(0.0, |&w| w as f64 / 512.0) + a.hidden.len() as f64 / 100.0
}

#[test]
fn generated_networks_belong_to_the_space_and_meet_the_budgets_on_their_costs() {
    let budgets = Budgets {
        params: Some(3000),
        runtime_cycles: Some(120),
        ..Budgets::default()
    };
    let req = request(budgets);
    let platform = Platform::default_platform();
    let calls = RefCell::new(Vec::new());
    let mut measure = |what: &str, archs: &[Architecture]| {
        calls.borrow_mut().push((what.to_string(), archs.len()));
        archs.iter().map(fake_metric).collect()
    };
    let outcome = search::run(&req, &platform, &mut measure).unwrap();
    let book = CostBook::new(&platform, &req.space, &req.space.all());
    assert_eq!(outcome.networks.len(), 3);
    for m in &outcome.networks {
        assert!(req.space.contains(&m.architecture));
        let costs = book.costs(&req.space, &m.architecture).unwrap();
        assert_eq!(costs, m.costs);
        assert!(budgets.met_by(&costs), "{} {costs:?}", m.architecture);
        assert_eq!(m.metric, fake_metric(&m.architecture));
    }
    assert_eq!(
        *calls.borrow(),
        [
            ("training set".to_string(), 40),
            ("generated".to_string(), 3),
            ("random search".to_string(), 3)
        ]
    );
    assert_eq!(outcome.space_size, 781);
    assert_eq!(outcome.generator.samples, search::ROUND);
    // The same seed gives the same outcome.
    let again = search::run(&req, &platform, &mut |_: &str, a: &[Architecture]| {
        a.iter().map(fake_metric).collect()
    })
    .unwrap();
    assert_eq!(again, outcome);
}

#[test]
fn budgets_no_architecture_meets_are_refused_before_anything_is_trained() {
    let budgets = Budgets {
        params: Some(10),
        energy_pj: Some(1.0),
        ..Budgets::default()
    };
    let mut measure = |_: &str, _: &[Architecture]| -> Vec<f64> { panic!("nothing is trained") };
    let e = search::run(
        &request(budgets),
        &Platform::default_platform(),
        &mut measure,
    )
    .unwrap_err();
    assert_eq!(e.code, Code::NasBudgetUnmet);
    // breast_cancer's smallest network is the linear one: 30·2 + 2 parameters.
    assert_eq!(
        e.notes[0],
        "the smallest parameter count in the space is 62"
    );
    assert!(e.notes[1].starts_with("the smallest energy (pJ) in the space is "));
    assert_eq!(e.notes.len(), 2);
}

#[test]
fn training_measures_real_data_the_same_way_twice() {
    let space = mlp(Task::Diabetes);
    let data = TaskData::load(Task::Diabetes, 0);
    let recipe = Recipe {
        schedule: Schedule {
            epochs: 30,
            batch: 32,
            lr: 1e-2,
        },
        ..Recipe::default()
    };
    let linear = measure(&space, &Architecture::default(), &data, &recipe);
    assert_eq!(
        linear,
        measure(&space, &Architecture::default(), &data, &recipe)
    );
    // A trained linear model beats predicting the training mean (the test targets' spread
    // around it), the floor any regression must clear.
    let super::task::TaskData::Values(split) = &data else {
        panic!("diabetes is a regression");
    };
    let mean =
        split.train_y.iter().map(|&v| f64::from(v)).sum::<f64>() / split.train_y.len() as f64;
    let floor = split
        .test_y
        .iter()
        .map(|&t| (f64::from(t) - mean).powi(2))
        .sum::<f64>()
        / split.test_y.len() as f64;
    assert!(linear < floor, "{linear} vs {floor}");
    assert!(floor > 0.0);
    assert!(linear < 0.8 * floor, "{linear} vs {floor}");
}

#[test]
fn the_cache_text_round_trips_and_refuses_foreign_lines() {
    let space = mlp(Task::Digits);
    let key = cache::key(&space, &Recipe::default());
    assert_eq!(key, "1,digits,mlp,15,32,0.003,0,0");
    let text = format!(
        "{}\n{}\n{}\n",
        cache::HEADER,
        cache::row(&key, &arch("h64 h32"), 0.975),
        cache::row(&key, &Architecture::default(), 0.9)
    );
    let rows = cache::parse(&text).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].architecture, arch("h64 h32"));
    assert_eq!(rows[0].metric, 0.975);
    assert_eq!(rows[1].key, key);
    assert_eq!(cache::parse(&format!("{text}not,a,row\n")), Err(4));
    assert_eq!(
        cache::parse(&format!("{}\n{key},h64,NaN\n", cache::HEADER)),
        Err(2)
    );
}

//! `cargo bench --bench nas`: the budget-conditioned architecture generator measured the way
//! `docs/nas.md` describes. Per task and space, one generator is trained (its training set
//! measured once), then asked for networks under budgets at the 10th, 25th and 50th
//! percentiles of each resource over the space (parameters, MACs, runtime, energy on
//! `edge256` with `nvdla`). For each budget it prints the generator's raw satisfaction rate
//! (of 256 samples, on exact costs), distinct samples, and the best measured metric of its 4
//! networks against random search over the architectures that meet the budget at 4 trained
//! networks, and against the best network of the training set within the budget. Then the
//! means and the wall time.

use std::collections::HashMap;
use std::time::Instant;

use dfc::generators::gan::GanOptions;
use dfc::generators::nas::platform::{Budgets, Costs, Platform};
use dfc::generators::nas::search::{self, Best, Request};
use dfc::generators::nas::space::{Architecture, Family, Space};
use dfc::generators::nas::task::{measure_all, Recipe, Task, TaskData};

const COUNT: usize = 4;
const SAMPLES: usize = 120;
const QUANTILES: [f64; 3] = [0.1, 0.25, 0.5];

fn quantile(mut values: Vec<f64>, q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q).round() as usize]
}

fn budgets(costs: &[Costs]) -> Vec<(String, Budgets)> {
    let mut out = Vec::new();
    for q in QUANTILES {
        let at = |f: fn(&Costs) -> f64| quantile(costs.iter().map(f).collect(), q);
        let p = (q * 100.0) as u32;
        out.push((
            format!("params p{p}"),
            Budgets {
                params: Some(at(|c| c.params as f64) as u64),
                ..Budgets::default()
            },
        ));
        out.push((
            format!("MACs p{p}"),
            Budgets {
                macs: Some(at(|c| c.macs as f64) as u64),
                ..Budgets::default()
            },
        ));
        out.push((
            format!("runtime p{p}"),
            Budgets {
                runtime_cycles: Some(at(|c| c.runtime_cycles as f64) as u64),
                ..Budgets::default()
            },
        ));
        out.push((
            format!("energy p{p}"),
            Budgets {
                energy_pj: Some(at(|c| c.energy_pj)),
                ..Budgets::default()
            },
        ));
    }
    out
}

fn best(b: &Best) -> Option<f64> {
    b.best.as_ref().map(|m| m.metric)
}

fn show(v: Option<f64>) -> String {
    v.map_or("none".to_string(), |v| format!("{v:.4}"))
}

fn run(task: Task, family: Family, platform: &Platform) {
    let Some(space) = Space::new(task, family) else {
        return;
    };
    let start = Instant::now();
    let recipe = Recipe::default();
    let data = TaskData::load(task, recipe.split_seed);
    let mut known: HashMap<Architecture, f64> = HashMap::new();
    let mut trained = 0;
    let mut measure = |_: &str, archs: &[Architecture]| {
        let missing: Vec<Architecture> = archs
            .iter()
            .filter(|a| !known.contains_key(*a))
            .cloned()
            .collect();
        trained += missing.len();
        let metrics = measure_all(&space, &missing, &data, &recipe, &|| {});
        known.extend(missing.into_iter().zip(metrics));
        archs.iter().map(|a| known[a]).collect()
    };
    let request = Request {
        space,
        budgets: Budgets::default(),
        count: COUNT,
        samples: SAMPLES,
        seed: 0,
        recipe,
        gan: GanOptions {
            steps: 3000,
            ..GanOptions::default()
        },
    };
    let generator = search::train(&request, platform, &mut measure);
    let metric = task.metric();
    println!(
        "\n{} / {}: {} architectures, generator trained on {} measured ({})",
        task.name(),
        family.name(),
        generator.space_costs().len(),
        generator.training.len(),
        metric.name()
    );
    println!(
        "{:<14} {:>12} {:>9} {:>10} {:>10} {:>13}",
        "budget", "satisfaction", "distinct", "generated", "random", "training set"
    );
    let (mut rates, mut wins, mut ties, mut rows) = (Vec::new(), 0, 0, 0);
    for (name, b) in budgets(&generator.space_costs()) {
        let Ok(o) = generator.generate(&b, COUNT, 0, &mut measure) else {
            continue;
        };
        let (g, r) = (best(&o.generated), best(&o.random));
        match (g, r) {
            (Some(g), Some(r)) if metric.better(g, r) => wins += 1,
            (Some(g), Some(r)) if g == r => ties += 1,
            _ => {}
        }
        rows += 1;
        rates.push(o.generator.satisfaction_rate);
        println!(
            "{name:<14} {:>11.1}% {:>9} {:>10} {:>10} {:>13}",
            100.0 * o.generator.satisfaction_rate,
            o.generator.distinct,
            show(g),
            show(r),
            show(best(&o.training_set))
        );
    }
    let mean = rates.iter().sum::<f64>() / rates.len().max(1) as f64;
    let min = rates.iter().copied().fold(1.0, f64::min);
    println!(
        "mean satisfaction {:.1} % (lowest {:.1} %); generated better than random in {wins} of {rows} budgets, equal in {ties}; {trained} networks trained; {:.1} s",
        100.0 * mean,
        100.0 * min,
        start.elapsed().as_secs_f64()
    );
}

fn main() {
    let platform = Platform::default_platform();
    run(Task::Digits, Family::Mlp, &platform);
    run(Task::BreastCancer, Family::Mlp, &platform);
    run(Task::Diabetes, Family::Mlp, &platform);
    if std::env::var_os("NAS_CNN").is_some() {
        run(Task::Digits, Family::Cnn, &platform);
    }
}

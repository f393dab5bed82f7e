//! A MAGMA-style genetic scheduler, the strong black-box baseline (after Kao and Krishna,
//! "MAGMA: An Optimization Framework for Mapping Multiple DNNs on Multiple Accelerator Cores",
//! HPCA 2022).
//!
//! Genome: per layer a sub-accelerator and a priority in `[0, 1)`. Decoding takes ready layers
//! by priority (Kahn's algorithm), which fixes each sub-accelerator's run order and, unlike
//! sorting each queue by priority alone, can never deadlock on dependences. Operators and
//! rates are MAGMA's: one-point crossover on one row (0.9), range crossover on both rows (0.1),
//! accelerator crossover (0.1), point mutation (0.05 per gene), 5 % elitism, parents drawn from
//! the best 10 % with fitness-proportional weights. Infeasible genes are repaired to a random
//! sub-accelerator that can run the layer. The budget counts simulator evaluations, the same
//! currency as [`Schedule::evaluations`], so comparisons with HERALD are at equal cost.

use super::herald::priority_order;
use super::instance::{Eval, Instance, Plan, Scratch};
use super::{CostTable, HdaError, Objective, Platform, Schedule, Workload};
use crate::util::Rng;

/// GA settings. Same settings and inputs give the same schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct GaOptions {
    pub seed: u64,
    /// Simulator evaluations to spend (at least 1 is spent).
    pub evaluations: u64,
    pub population: usize,
}

impl Default for GaOptions {
    fn default() -> Self {
        GaOptions {
            seed: 0x006d_6167_6d61, // "magma"
            evaluations: 1000,
            population: 20,
        }
    }
}

#[derive(Clone)]
struct Genome {
    assign: Vec<u16>,
    prio: Vec<f64>,
    value: f64,
}

/// Schedule with the genetic algorithm.
pub fn genetic(
    workload: &Workload,
    platform: &Platform,
    table: &CostTable,
    objective: Objective,
    options: &GaOptions,
) -> Result<Schedule, HdaError> {
    let inst = Instance::new(workload, platform, table)?;
    let (plan, _, evals) = ga_plan(&inst, objective, options)?;
    inst.schedule(&plan, workload, platform, objective, "ga", evals)
}

fn decode(inst: &Instance, g: &Genome) -> Plan {
    Plan {
        assign: g.assign.clone(),
        order: priority_order(inst, |l| g.prio[l]),
    }
}

pub(crate) fn ga_plan(
    inst: &Instance,
    objective: Objective,
    options: &GaOptions,
) -> Result<(Plan, Eval, u64), HdaError> {
    const CROSSOVER: f64 = 0.9;
    const ACCEL_CROSSOVER: f64 = 0.1;
    const MUTATION: f64 = 0.05;
    const ELITE: f64 = 0.05;
    const PARENTS: f64 = 0.10;

    let n = inst.n;
    let mut rng = Rng::new(options.seed);
    let feasible: Vec<Vec<u16>> = (0..n)
        .map(|l| {
            (0..inst.s)
                .filter(|&c| inst.feasible(l, c))
                .map(|c| c as u16)
                .collect()
        })
        .collect();
    let random_core = |rng: &mut Rng, l: usize| feasible[l][rng.below(feasible[l].len())];
    let budget = options.evaluations.max(1);
    let pop_size = options.population.clamp(2, budget.max(2) as usize);

    let mut sc = Scratch::default();
    let mut evals = 0u64;
    let mut best: Option<(Plan, Eval)> = None;
    let mut evaluate = |g: &mut Genome, sc: &mut Scratch| -> Result<(), HdaError> {
        let plan = decode(inst, g);
        let ev = inst.simulate(&plan, sc)?;
        evals += 1;
        g.value = ev.value(objective);
        let improves = match &best {
            None => true,
            Some((_, b)) => ev.value(objective) < b.value(objective),
        };
        if improves {
            best = Some((plan, ev));
        }
        Ok(())
    };

    let mut pop: Vec<Genome> = Vec::with_capacity(pop_size);
    for _ in 0..pop_size {
        if (pop.len() as u64) >= budget {
            break;
        }
        let mut g = Genome {
            assign: (0..n).map(|l| random_core(&mut rng, l)).collect(),
            prio: (0..n).map(|_| rng.unit()).collect(),
            value: f64::INFINITY,
        };
        evaluate(&mut g, &mut sc)?;
        pop.push(g);
    }
    let mut spent = pop.len() as u64;
    while spent < budget && n > 0 {
        pop.sort_by(|a, b| a.value.total_cmp(&b.value));
        let elite = ((ELITE * pop_size as f64).round() as usize).max(1);
        let parents = ((PARENTS * pop_size as f64).round() as usize)
            .max(2)
            .min(pop.len());
        // Fitness-proportional weights over the parent pool: the best gets the most, the
        // worst of the pool a small floor so it can still be picked.
        let worst = pop[parents - 1].value;
        let bestv = pop[0].value;
        let span = (worst - bestv).max(f64::MIN_POSITIVE);
        let weights: Vec<f64> = pop[..parents]
            .iter()
            .map(|g| 0.1 + (worst - g.value) / span)
            .collect();
        let total: f64 = weights.iter().sum();
        let pick = |rng: &mut Rng| {
            let mut x = rng.unit() * total;
            for (i, w) in weights.iter().enumerate() {
                if x < *w {
                    return i;
                }
                x -= w;
            }
            parents - 1
        };
        let mut next: Vec<Genome> = pop[..elite.min(pop.len())].to_vec();
        while next.len() < pop_size && spent < budget {
            let a = &pop[pick(&mut rng)];
            let b = &pop[pick(&mut rng)];
            let mut child = a.clone();
            if rng.chance(CROSSOVER) {
                let cut = rng.below(n);
                if rng.chance(0.5) {
                    child.assign[cut..].copy_from_slice(&b.assign[cut..]);
                } else {
                    child.prio[cut..].copy_from_slice(&b.prio[cut..]);
                }
            } else {
                let i = rng.below(n);
                let j = i + rng.below(n - i) + 1;
                child.assign[i..j].copy_from_slice(&b.assign[i..j]);
                child.prio[i..j].copy_from_slice(&b.prio[i..j]);
            }
            if rng.chance(ACCEL_CROSSOVER) {
                let c = rng.below(inst.s) as u16;
                for l in 0..n {
                    if b.assign[l] == c {
                        child.assign[l] = c;
                        child.prio[l] = b.prio[l];
                    }
                }
            }
            for l in 0..n {
                if rng.chance(MUTATION) {
                    child.assign[l] = random_core(&mut rng, l);
                }
                if rng.chance(MUTATION) {
                    child.prio[l] = rng.unit();
                }
                // Crossover copies genes from the other parent only, so they are feasible;
                // the check keeps that an invariant rather than an assumption.
                if !inst.feasible(l, child.assign[l] as usize) {
                    child.assign[l] = random_core(&mut rng, l);
                }
            }
            evaluate(&mut child, &mut sc)?;
            spent += 1;
            next.push(child);
        }
        pop = next;
    }
    match best {
        Some((plan, ev)) => Ok((plan, ev, evals)),
        None => Err(HdaError::Infeasible("the GA evaluated nothing".into())),
    }
}

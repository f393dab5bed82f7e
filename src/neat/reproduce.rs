//! Reproduction with neat-python's rules: species share the next generation by adjusted
//! fitness (moving halfway from their current size), each keeps its `elitism` best unchanged,
//! and the rest are children of two parents drawn from the top `survival_threshold` of the
//! species (at least two), crossed and then mutated.

use super::config::Config;
use super::genome::{Genome, Innovations, OpCounts};
use super::species::SpeciesSet;
use crate::util::Rng;

/// Spawn amounts before they are made to sum to the population size.
pub fn compute_spawn(
    adjusted: &[f64],
    previous: &[usize],
    pop_size: usize,
    min_size: usize,
) -> Vec<usize> {
    let sum: f64 = adjusted.iter().sum();
    let mut spawn: Vec<f64> = Vec::with_capacity(adjusted.len());
    for (&af, &ps) in adjusted.iter().zip(previous) {
        let s = if sum > 0.0 {
            (min_size as f64).max(af / sum * pop_size as f64)
        } else {
            min_size as f64
        };
        let d = (s - ps as f64) * 0.5;
        // Python's round() rounds halves to even.
        let c = d.round_ties_even();
        let mut n = ps as f64;
        if c.abs() > 0.0 {
            n += c;
        } else if d > 0.0 {
            n += 1.0;
        } else if d < 0.0 {
            n -= 1.0;
        }
        spawn.push(n);
    }
    let total: f64 = spawn.iter().sum();
    let norm = pop_size as f64 / total;
    spawn
        .iter()
        .map(|n| ((n * norm).round_ties_even().max(0.0) as usize).max(min_size))
        .collect()
}

/// Make the spawn amounts sum to `pop_size` (neat-python 2.0's exact adjustment), or say
/// why they cannot.
pub fn adjust_spawn_exact(
    mut spawn: Vec<usize>,
    pop_size: usize,
    min_size: usize,
) -> Result<Vec<usize>, String> {
    let total: usize = spawn.iter().sum();
    if total == pop_size {
        return Ok(spawn);
    }
    if spawn.len() * min_size > pop_size {
        return Err(format!(
            "{} species of at least {min_size} genomes do not fit a population of {pop_size}",
            spawn.len()
        ));
    }
    let mut order: Vec<usize> = (0..spawn.len()).collect();
    if total < pop_size {
        order.sort_by_key(|&i| spawn[i]);
        let mut diff = pop_size - total;
        let mut i = 0;
        while diff > 0 {
            spawn[order[i]] += 1;
            diff -= 1;
            i = (i + 1) % order.len();
        }
    } else {
        order.sort_by_key(|&i| std::cmp::Reverse(spawn[i]));
        let mut remaining = total - pop_size;
        let mut i = 0;
        while remaining > 0 {
            if spawn[order[i]] > min_size {
                spawn[order[i]] -= 1;
                remaining -= 1;
            }
            i = (i + 1) % order.len();
            if i == 0 && remaining > 0 && order.iter().all(|&k| spawn[k] <= min_size) {
                break;
            }
        }
    }
    if spawn.iter().sum::<usize>() != pop_size {
        return Err(format!(
            "cannot share a population of {pop_size} with at least {min_size} per species"
        ));
    }
    Ok(spawn)
}

/// What reproduction hands back.
pub enum Offspring {
    Population(Vec<Genome>),
    /// Every species was stagnant.
    Extinct,
    /// The species cannot share the population (neat-python stops with an error here).
    Conflict(String),
}

/// The next generation from the evaluated `population`; `next_key` numbers new genomes.
pub fn reproduce(
    config: &Config,
    species: &mut SpeciesSet,
    population: &[Genome],
    generation: u32,
    state: (&mut Innovations, &mut u64, &mut Rng),
    ops: &mut OpCounts,
) -> Offspring {
    let (innovations, next_key, rng) = state;
    innovations.new_generation();
    let fitness = |g: usize| population[g].fitness.unwrap_or(0.0);
    let remaining: Vec<u64> = species
        .stagnation(config, population, generation)
        .into_iter()
        .filter(|(_, stagnant)| !stagnant)
        .map(|(sid, _)| sid)
        .collect();
    if remaining.is_empty() {
        species.species.clear();
        return Offspring::Extinct;
    }
    let all: Vec<f64> = remaining
        .iter()
        .flat_map(|sid| species.species[sid].members.iter().map(|&g| fitness(g)))
        .collect();
    let min = all.iter().copied().fold(f64::INFINITY, f64::min);
    let max = all.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let range = (max - min).max(1.0);
    let adjusted: Vec<f64> = remaining
        .iter()
        .map(|sid| {
            let m = &species.species[sid].members;
            let mean = m.iter().map(|&g| fitness(g)).sum::<f64>() / m.len().max(1) as f64;
            (mean - min) / range
        })
        .collect();
    let previous: Vec<usize> = remaining
        .iter()
        .map(|sid| species.species[sid].members.len())
        .collect();
    let min_size = config.min_species_size.max(config.elitism);
    let spawn = compute_spawn(&adjusted, &previous, config.pop_size, min_size);
    let spawn = match adjust_spawn_exact(spawn, config.pop_size, min_size) {
        Ok(s) => s,
        Err(message) => return Offspring::Conflict(message),
    };
    let mut next = Vec::with_capacity(config.pop_size);
    let mut kept = std::collections::BTreeMap::new();
    for (sid, spawn) in remaining.iter().zip(spawn) {
        let Some(mut s) = species.species.remove(sid) else {
            continue;
        };
        let mut spawn = spawn.max(config.elitism);
        let mut old: Vec<usize> = std::mem::take(&mut s.members);
        old.sort_by(|&a, &b| {
            fitness(b)
                .total_cmp(&fitness(a))
                .then(population[b].key.cmp(&population[a].key))
        });
        for &g in old.iter().take(config.elitism) {
            next.push(population[g].clone());
            spawn -= 1;
        }
        kept.insert(*sid, s);
        if spawn == 0 || old.is_empty() {
            continue;
        }
        let cutoff = ((config.survival_threshold * old.len() as f64).ceil() as usize).max(2);
        old.truncate(cutoff);
        for _ in 0..spawn {
            let p1 = &population[old[rng.below(old.len())]];
            let p2 = &population[old[rng.below(old.len())]];
            *next_key += 1;
            let mut child = Genome::crossover(*next_key, p1, p2, rng, ops);
            child.mutate(config, innovations, rng, ops);
            next.push(child);
        }
    }
    species.species = kept;
    next.sort_by_key(|g| g.key);
    Offspring::Population(next)
}

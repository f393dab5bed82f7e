//! NEAT (NeuroEvolution of Augmenting Topologies) with neat-python's semantics: genomes
//! (`genome`), feed-forward networks (`network`), speciation and stagnation (`species`),
//! reproduction (`reproduce`), neat-python's INI configuration (`config`), the tasks
//! (`task`), the EvE/ADAM hardware model (`hardware`) and the winner as a `.df` network
//! (`emit`). `evolve` runs generations until the fitness criterion reaches the threshold;
//! fitness is evaluated in parallel, everything else in a fixed order from one seeded
//! generator, so a seed gives the same run at any thread count. `docs/neat.md` describes it.

pub mod config;
pub mod emit;
pub mod genome;
pub mod hardware;
pub mod network;
pub mod reproduce;
pub mod species;
pub mod task;

use rayon::prelude::*;

pub use config::Config;
pub use genome::{Genome, OpCounts};
pub use network::Network;
pub use task::Task;

use crate::util::Rng;
use genome::Innovations;
use reproduce::Offspring;
use species::SpeciesSet;

/// How long and on what a run goes.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSettings {
    pub task: Task,
    pub generations: u32,
    pub seed: u64,
    /// Episodes per fitness evaluation on an environment.
    pub episodes: u32,
}

/// One generation's statistics (neat-python's reporter prints the same figures).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GenerationStats {
    pub generation: u32,
    pub best_fitness: f64,
    pub mean_fitness: f64,
    pub species: usize,
    /// Mean nodes and enabled connections per genome.
    pub mean_nodes: f64,
    pub mean_connections: f64,
    /// Gene-level operations that made this generation (zero for generation 0).
    pub ops: OpCounts,
    /// Genes in the population (what EvE streams through its PEs).
    pub genes: u64,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    Solved,
    GenerationLimit,
    Extinct,
    /// The species could not share the population (neat-python raises an error).
    SpeciesConflict(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub stats: Vec<GenerationStats>,
    /// The generation whose population met the criterion (0 = the initial population).
    pub solved: Option<u32>,
    pub ending: Ending,
    /// The fittest genome seen.
    pub best: Genome,
}

fn evaluate(population: &mut [Genome], config: &Config, settings: &RunSettings, generation: u32) {
    // An XOR evaluation takes about a microsecond, less than handing work to another thread,
    // so XOR's population is one job; an episode takes far longer, so each genome is one.
    let min_len = match settings.task {
        Task::Xor => population.len().max(1),
        Task::Control(_) => 1,
    };
    population
        .par_iter_mut()
        .with_min_len(min_len)
        .for_each(|g| {
            let net = Network::new(g, config);
            g.fitness = Some(task::fitness(
                &net,
                settings.task,
                settings.seed,
                generation,
                settings.episodes,
            ));
        });
}

fn initial_population(
    config: &Config,
    innovations: &mut Innovations,
    next_key: &mut u64,
    rng: &mut Rng,
) -> Vec<Genome> {
    (0..config.pop_size)
        .map(|_| {
            *next_key += 1;
            Genome::initial(*next_key, config, innovations, rng)
        })
        .collect()
}

fn statistics(
    population: &[Genome],
    species: usize,
    generation: u32,
    ops: OpCounts,
) -> GenerationStats {
    let n = population.len().max(1) as f64;
    let fitness = |g: &Genome| g.fitness.unwrap_or(f64::NEG_INFINITY);
    GenerationStats {
        generation,
        best_fitness: population
            .iter()
            .map(fitness)
            .fold(f64::NEG_INFINITY, f64::max),
        mean_fitness: population.iter().map(fitness).sum::<f64>() / n,
        species,
        mean_nodes: population.iter().map(|g| g.size().0 as f64).sum::<f64>() / n,
        mean_connections: population.iter().map(|g| g.size().1 as f64).sum::<f64>() / n,
        ops,
        genes: population
            .iter()
            .map(|g| (g.nodes.len() + g.connections.len()) as u64)
            .sum(),
    }
}

/// Evolve until solved, extinct or out of generations; `progress` sees every generation.
pub fn evolve(
    config: &Config,
    settings: &RunSettings,
    progress: &mut dyn FnMut(&GenerationStats),
) -> Run {
    let mut rng = Rng::new(settings.seed);
    let mut innovations = Innovations::default();
    let mut next_key = 0;
    let mut population = initial_population(config, &mut innovations, &mut next_key, &mut rng);
    let mut species = SpeciesSet::default();
    species.speciate(config, &population, 0);
    let mut stats = Vec::new();
    let mut best: Option<Genome> = None;
    let mut ops = OpCounts::default();
    let mut ending = Ending::GenerationLimit;
    let mut solved = None;
    for generation in 0..settings.generations {
        evaluate(&mut population, config, settings, generation);
        let s = statistics(&population, species.species.len(), generation, ops);
        progress(&s);
        stats.push(s);
        let fitness = |g: &Genome| g.fitness.unwrap_or(f64::NEG_INFINITY);
        if let Some(top) = population
            .iter()
            .reduce(|a, b| if fitness(b) > fitness(a) { b } else { a })
        {
            if best.as_ref().is_none_or(|b| fitness(top) > fitness(b)) {
                best = Some(top.clone());
            }
        }
        if !config.no_fitness_termination {
            let values: Vec<f64> = population.iter().map(fitness).collect();
            if config.fitness_criterion.of(&values) >= config.fitness_threshold {
                solved = Some(generation);
                ending = Ending::Solved;
                break;
            }
        }
        if generation + 1 == settings.generations {
            break;
        }
        ops = OpCounts::default();
        let state = (&mut innovations, &mut next_key, &mut rng);
        population = match reproduce::reproduce(
            config,
            &mut species,
            &population,
            generation,
            state,
            &mut ops,
        ) {
            Offspring::Population(p) => p,
            Offspring::Extinct if config.reset_on_extinction => {
                initial_population(config, &mut innovations, &mut next_key, &mut rng)
            }
            Offspring::Extinct => {
                ending = Ending::Extinct;
                break;
            }
            Offspring::Conflict(message) => {
                ending = Ending::SpeciesConflict(message);
                break;
            }
        };
        species.speciate(config, &population, generation + 1);
    }
    let best = best.unwrap_or_else(|| population[0].clone());
    Run {
        stats,
        solved,
        ending,
        best,
    }
}

#[cfg(test)]
mod tests;

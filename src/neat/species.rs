//! Speciation and stagnation with neat-python's rules: each species keeps the genome closest
//! to its old representative, the rest join the first closest representative under the
//! compatibility threshold or found a species; a species whose fitness has not improved for
//! `max_stagnation` generations is dropped, except the `species_elitism` best.

use std::collections::BTreeMap;

use super::config::Config;
use super::genome::Genome;

#[derive(Debug, Clone)]
pub struct Species {
    pub key: u64,
    pub created: u32,
    pub last_improved: u32,
    pub representative: Genome,
    /// Indices into the population.
    pub members: Vec<usize>,
    pub fitness: Option<f64>,
    pub fitness_history: Vec<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct SpeciesSet {
    pub species: BTreeMap<u64, Species>,
    next_key: u64,
}

impl SpeciesSet {
    /// Partition `population` into species.
    pub fn speciate(&mut self, config: &Config, population: &[Genome], generation: u32) {
        let mut unspeciated: Vec<usize> = (0..population.len()).collect();
        let mut representatives: Vec<(u64, usize)> = Vec::new();
        let mut members: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
        for (&sid, s) in &self.species {
            let closest = unspeciated
                .iter()
                .enumerate()
                .map(|(pos, &g)| (s.representative.distance(&population[g], config), pos))
                .fold(None, |best: Option<(f64, usize)>, c| match best {
                    Some(b) if b.0 <= c.0 => Some(b),
                    _ => Some(c),
                });
            let Some((_, pos)) = closest else {
                break;
            };
            let g = unspeciated.remove(pos);
            representatives.push((sid, g));
            members.insert(sid, vec![g]);
        }
        for g in unspeciated {
            let mut best: Option<(f64, u64)> = None;
            for &(sid, rep) in &representatives {
                let d = population[rep].distance(&population[g], config);
                if d < config.compatibility_threshold && best.is_none_or(|b| d < b.0) {
                    best = Some((d, sid));
                }
            }
            match best {
                Some((_, sid)) => members.entry(sid).or_default().push(g),
                None => {
                    self.next_key += 1;
                    let sid = self.next_key;
                    representatives.push((sid, g));
                    members.insert(sid, vec![g]);
                }
            }
        }
        let mut species = BTreeMap::new();
        for (sid, rep) in representatives {
            let mut s = self.species.remove(&sid).unwrap_or_else(|| Species {
                key: sid,
                created: generation,
                last_improved: generation,
                representative: population[rep].clone(),
                members: Vec::new(),
                fitness: None,
                fitness_history: Vec::new(),
            });
            s.representative = population[rep].clone();
            s.members = members.remove(&sid).unwrap_or_default();
            species.insert(sid, s);
        }
        self.species = species;
    }

    /// Update each species' fitness and say which are stagnant; species come back sorted by
    /// fitness, ascending, as neat-python orders them for reproduction.
    pub fn stagnation(
        &mut self,
        config: &Config,
        population: &[Genome],
        generation: u32,
    ) -> Vec<(u64, bool)> {
        let mut data: Vec<(u64, f64)> = Vec::new();
        for (&sid, s) in self.species.iter_mut() {
            let previous = s.fitness_history.iter().copied().fold(-f64::MAX, f64::max);
            let fitnesses: Vec<f64> = s
                .members
                .iter()
                .map(|&g| population[g].fitness.unwrap_or(0.0))
                .collect();
            let fitness = config.species_fitness_func.of(&fitnesses);
            s.fitness = Some(fitness);
            s.fitness_history.push(fitness);
            if fitness > previous {
                s.last_improved = generation;
            }
            data.push((sid, fitness));
        }
        data.sort_by(|a, b| a.1.total_cmp(&b.1));
        let total = data.len();
        let mut non_stagnant = total;
        let mut out = Vec::with_capacity(total);
        for (idx, (sid, _)) in data.into_iter().enumerate() {
            let stagnant_time = generation - self.species[&sid].last_improved;
            let mut stagnant = false;
            if non_stagnant > config.species_elitism {
                stagnant = stagnant_time >= config.max_stagnation;
            }
            if total - idx <= config.species_elitism {
                stagnant = false;
            }
            if stagnant {
                non_stagnant -= 1;
            }
            out.push((sid, stagnant));
        }
        out
    }
}

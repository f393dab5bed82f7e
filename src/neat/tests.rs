//! NEAT invariants: innovation numbers, acyclic networks, constant population size, the
//! compatibility distance, determinism across thread counts, XOR solved in most seeds, and
//! the INI reader's errors.

use super::genome::{creates_cycle, Innovations, Origin};
use super::*;
use crate::diagnostics::Code;
use crate::source::FileId;

fn xor_settings(seed: u64, generations: u32) -> RunSettings {
    RunSettings {
        task: Task::Xor,
        generations,
        seed,
        episodes: 1,
    }
}

#[test]
fn xor_is_solved_in_most_seeds_within_300_generations() {
    let config = Config::xor();
    let mut solved = Vec::new();
    for seed in 0..10 {
        let run = evolve(&config, &xor_settings(seed, 300), &mut |_| {});
        solved.push(run.solved);
    }
    println!("{solved:?}");
    let count = solved.iter().filter(|s| s.is_some()).count();
    assert!(count >= 7, "{solved:?}");
}

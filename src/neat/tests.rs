//! NEAT invariants: innovation numbers, acyclic networks, constant population size, the
//! compatibility distance, determinism across thread counts, XOR solved in most seeds, and
//! the INI reader's errors.

use super::genome::{creates_cycle, Innovations, Origin};
use super::reproduce::{adjust_spawn_exact, compute_spawn, reproduce, Offspring};
use super::species::SpeciesSet;
use super::*;
use crate::diagnostics::Code;
use crate::source::FileId;
use crate::util::Rng;

fn xor_settings(seed: u64, generations: u32) -> RunSettings {
    RunSettings {
        task: Task::Xor,
        generations,
        seed,
        episodes: 1,
    }
}

/// A population after `generations` rounds of XOR evolution, with its innovation record.
fn evolved(seed: u64, generations: u32) -> (Config, Vec<Genome>, Innovations) {
    let config = Config::xor();
    let settings = xor_settings(seed, generations);
    let mut rng = Rng::new(seed);
    let mut innovations = Innovations::default();
    let mut next_key = 0;
    let mut population = initial_population(&config, &mut innovations, &mut next_key, &mut rng);
    let mut species = SpeciesSet::default();
    species.speciate(&config, &population, 0);
    for generation in 0..generations {
        evaluate(&mut population, &config, &settings, generation);
        let mut ops = OpCounts::default();
        let state = (&mut innovations, &mut next_key, &mut rng);
        match reproduce(
            &config,
            &mut species,
            &population,
            generation,
            state,
            &mut ops,
        ) {
            Offspring::Population(p) => population = p,
            _ => panic!("XOR populations do not die out in {generations} generations"),
        }
        assert_eq!(population.len(), config.pop_size, "generation {generation}");
        species.speciate(&config, &population, generation + 1);
        let members: usize = species.species.values().map(|s| s.members.len()).sum();
        assert_eq!(members, config.pop_size);
    }
    (config, population, innovations)
}

#[test]
fn xor_solves_in_these_seeds_at_these_generations() {
    let config = Config::xor();
    let solved: Vec<Option<u32>> = (0..4)
        .map(|seed| evolve(&config, &xor_settings(seed, 300), &mut |_| {}).solved)
        .collect();
    assert_eq!(solved, [Some(85), Some(41), Some(213), Some(82)]);
}

#[test]
fn population_size_stays_constant_and_genomes_stay_well_formed() {
    let (config, population, _) = evolved(7, 30);
    let mut keys: Vec<u64> = population.iter().map(|g| g.key).collect();
    keys.dedup();
    assert_eq!(keys.len(), config.pop_size, "genome keys are unique");
    for g in &population {
        assert!(g.nodes.windows(2).all(|w| w[0].key < w[1].key));
        assert!(g.connections.windows(2).all(|w| w[0].key < w[1].key));
        for c in &g.connections {
            let known = |k: i64| k < 0 || g.node(k).is_some();
            assert!(
                known(c.key.0) && known(c.key.1),
                "{:?} in genome {}",
                c.key,
                g.key
            );
            assert!(c.key.1 >= 0, "no connection ends at an input");
            assert!(!(0..1).contains(&c.key.0), "no connection leaves an output");
        }
    }
}

#[test]
fn evolved_networks_are_acyclic() {
    let (_, population, _) = evolved(3, 40);
    for g in &population {
        for (i, c) in g.connections.iter().enumerate() {
            let mut others = g.connections.clone();
            others.remove(i);
            assert!(
                !creates_cycle(&others, c.key),
                "{:?} closes a cycle in {}",
                c.key,
                g.key
            );
        }
        let net = Network::new(g, &Config::xor());
        let needed = super::network::required_nodes(g, &Config::xor());
        assert_eq!(
            net.evals.len(),
            needed.len(),
            "every needed node is scheduled"
        );
    }
}

#[test]
fn one_innovation_number_per_structural_innovation() {
    let (_, population, _) = evolved(11, 40);
    // Across the population, a number always names the same connection.
    let mut seen: std::collections::BTreeMap<u64, (i64, i64)> = Default::default();
    for g in &population {
        for c in &g.connections {
            let key = *seen.entry(c.innovation).or_insert(c.key);
            assert_eq!(key, c.key, "innovation {}", c.innovation);
        }
        let mut numbers: Vec<u64> = g.connections.iter().map(|c| c.innovation).collect();
        numbers.sort_unstable();
        numbers.dedup();
        assert_eq!(
            numbers.len(),
            g.connections.len(),
            "unique within genome {}",
            g.key
        );
    }
    let mut innovations = Innovations::default();
    let a = innovations.number(-1, 0, Origin::AddConnection);
    assert_eq!(
        innovations.number(-1, 0, Origin::AddConnection),
        a,
        "same generation, same number"
    );
    assert_eq!(
        innovations.number(-1, 0, Origin::SplitIn),
        a + 1,
        "another kind, another number"
    );
    innovations.new_generation();
    assert_eq!(
        innovations.number(-1, 0, Origin::AddConnection),
        a + 2,
        "a later generation counts on"
    );
}

#[test]
fn compatibility_distance_is_symmetric_and_zero_on_self() {
    let (config, population, _) = evolved(5, 20);
    for a in population.iter().take(30) {
        assert_eq!(a.distance(a, &config), 0.0);
        for b in population.iter().take(30) {
            assert_eq!(a.distance(b, &config), b.distance(a, &config));
        }
    }
    // Two initial genomes differ only in weights and biases: (|Δbias|·0.5)/1 for the node,
    // Σ|Δw|·0.5/2 for the connections.
    let mut rng = Rng::new(1);
    let mut innovations = Innovations::default();
    let a = Genome::initial(1, &config, &mut innovations, &mut rng);
    let b = Genome::initial(2, &config, &mut innovations, &mut rng);
    let expected = (a.nodes[0].bias - b.nodes[0].bias).abs() * 0.5
        + (a.connections.iter().zip(&b.connections))
            .map(|(x, y)| (x.weight - y.weight).abs() * 0.5)
            .sum::<f64>()
            / 2.0;
    assert_eq!(a.distance(&b, &config), expected);
    assert_eq!(a.connections[0].innovation, b.connections[0].innovation);
}

#[test]
fn runs_are_identical_at_one_and_two_threads() {
    let run_with = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let settings = RunSettings {
                task: Task::Control(crate::environments::Control::MountainCar),
                generations: 3,
                seed: 9,
                episodes: 2,
            };
            let mut config = Config::xor();
            config.num_inputs = 2;
            config.num_outputs = 3;
            config.pop_size = 40;
            config.fitness_threshold = -110.0;
            evolve(&config, &settings, &mut |_| {})
        })
    };
    let one = run_with(1);
    let two = run_with(2);
    assert_eq!(one.stats, two.stats);
    assert_eq!(one.best, two.best);
    assert_eq!(one.stats.len(), 3);
}

#[test]
fn spawn_amounts_sum_to_the_population() {
    let spawn = compute_spawn(&[0.0, 0.5, 1.0], &[50, 50, 50], 150, 2);
    let exact = adjust_spawn_exact(spawn, 150, 2).unwrap();
    assert_eq!(exact.iter().sum::<usize>(), 150);
    assert_eq!(exact, vec![26, 50, 74]);
    assert!(adjust_spawn_exact(vec![1; 80], 150, 2).is_err());
}

#[test]
fn the_sigmoid_is_neat_python_s() {
    use super::config::Activation;
    assert_eq!(network::activate(Activation::Sigmoid, 0.0), 0.5);
    assert_eq!(
        network::activate(Activation::Sigmoid, 100.0),
        1.0 / (1.0 + (-60.0f64).exp())
    );
    assert_eq!(
        network::activate(Activation::Sigmoid, 0.2),
        1.0 / (1.0 + (-1.0f64).exp())
    );
}

const XOR_INI: &str = include_str!("../../tests/neat/xor.ini");

#[test]
fn neat_python_s_xor_file_reads_as_the_xor_configuration() {
    assert_eq!(config::parse_ini(FileId(0), XOR_INI), Ok(Config::xor()));
}

#[test]
fn bad_config_lines_get_coded_errors_on_their_line() {
    let line_of = |text: &str, d: &crate::diagnostics::Diagnostic| {
        let start = d.primary_span().unwrap().start as usize;
        text[..start].matches('\n').count() + 1
    };
    let cases: [(&str, &str, Code); 6] = [
        (
            "conn_add_prob           = 0.5",
            "conn_add_prob = often",
            Code::NeatConfig,
        ),
        (
            "pop_size              = 150",
            "pop_size = 150\npop_size = 10",
            Code::NeatConfig,
        ),
        (
            "feed_forward            = True",
            "feed_forward = False",
            Code::NeatUnsupported,
        ),
        (
            "activation_options      = sigmoid",
            "activation_options = gauss",
            Code::NeatUnsupported,
        ),
        (
            "num_hidden              = 0",
            "num_hidden = 0\nnum_hiden = 1",
            Code::NeatConfig,
        ),
        (
            "weight_mutate_rate      = 0.8",
            "weight_mutate_rate 0.8",
            Code::NeatConfig,
        ),
    ];
    for (from, to, code) in cases {
        let text = XOR_INI.replacen(from, to, 1);
        let line = XOR_INI[..XOR_INI.find(from).unwrap()].matches('\n').count() + 1;
        let errors = config::parse_ini(FileId(0), &text).unwrap_err();
        assert_eq!(errors.len(), 1, "{to}: {errors:?}");
        assert_eq!(errors[0].code, code, "{to}");
        let expected_line = if to.contains('\n') { line + 1 } else { line };
        assert_eq!(line_of(&text, &errors[0]), expected_line, "{to}");
    }
    let missing = config::parse_ini(FileId(0), "[NEAT]\npop_size = 5\n").unwrap_err();
    assert!(missing.iter().all(|d| d.code == Code::NeatConfig));
    assert_eq!(
        missing.len(),
        3 + 4,
        "three [NEAT] keys and four missing sections"
    );
}

#[test]
fn eve_cycles_and_energy_follow_the_counted_operations() {
    use super::hardware::{eve_cost, genes_processed, Eve};
    let eve = Eve {
        pes: 4,
        pipeline_depth: 5,
        clock_hz: 1e9,
        gene_access_pj: 10.0,
        op_pj: 1.0,
        random_pj: 2.0,
    };
    let ops = OpCounts {
        crossovers: 6,
        copies: 2,
        perturbations: 3,
        add_node: 1,
        delete_node: 1,
        add_connection: 1,
        delete_connection: 0,
    };
    assert_eq!(genes_processed(&ops), 6 + 2 + 3 + 1);
    let cost = eve_cost(&eve, &ops);
    assert_eq!(cost.cycles, 12 / 4 + 5);
    let expected = 6.0 * (30.0 + 4.0)
        + 2.0 * 20.0
        + 3.0 * (6.0 + 1.0)
        + (2.0 + 30.0)
        + (4.0 + 10.0)
        + (2.0 + 10.0);
    assert_eq!(cost.energy_pj, expected);
    assert_eq!(eve_cost(&eve, &OpCounts::default()).cycles, 0);
}

#[test]
fn the_winner_becomes_layers_by_depth() {
    use super::config::{Activation, Aggregation};
    use super::emit::{density, layers, winner_df, HardwareSource};
    use super::genome::{ConnGene, NodeGene};
    let config = Config::xor();
    let node = |key| NodeGene {
        key,
        bias: 0.0,
        response: 1.0,
        activation: Activation::Sigmoid,
        aggregation: Aggregation::Sum,
    };
    let conn = |from, to, enabled| ConnGene {
        key: (from, to),
        innovation: 0,
        weight: 1.0,
        enabled,
    };
    // -1 → 3 → 0, -2 → 0, and a disabled -1 → 0.
    let genome = Genome {
        key: 1,
        nodes: vec![node(0), node(3)],
        connections: vec![
            conn(-2, 0, true),
            conn(-1, 0, false),
            conn(-1, 3, true),
            conn(3, 0, true),
        ],
        fitness: Some(1.0),
    };
    let l = layers(&genome, &config);
    assert_eq!(l.len(), 2);
    assert_eq!((l[0].nodes, l[0].fan_in, l[0].connections), (1, 2, 1));
    assert_eq!((l[1].nodes, l[1].fan_in, l[1].connections), (1, 3, 2));
    assert_eq!(density(&l), 3.0 / 5.0);
    let text = winner_df(&l, &HardwareSource::Stdlib("edge256"), "test");
    assert!(
        text.contains("depth1 = fc(K: 1, C: 2);") && text.contains("depth2 = fc(K: 1, C: 3);"),
        "{text}"
    );
    let net = Network::new(&genome, &config);
    assert_eq!(net.macs(), 3);
    let out = net.activate(&[1.0, 0.0])[0];
    let hidden = network::activate(Activation::Sigmoid, 1.0);
    assert_eq!(out, network::activate(Activation::Sigmoid, 0.0 + hidden));
}

//! Genomes with neat-python's semantics: node genes (bias, response, activation,
//! aggregation) and connection genes (weight, enabled, innovation number), kept sorted by key;
//! initial wiring, mutation, crossover and the compatibility distance.
//!
//! Keys follow neat-python: inputs are `-1, -2, …`, outputs `0..num_outputs`, new nodes
//! count up from there across the whole run. An innovation number names one structural
//! innovation: the same connection added (or the same split made) twice in one generation gets
//! the same number.

use std::collections::BTreeMap;

use super::config::{Activation, Aggregation, Config, FloatAttribute, InitialConnection};
use crate::util::Rng;

pub type NodeKey = i64;
pub type ConnKey = (NodeKey, NodeKey);

#[derive(Debug, Clone, PartialEq)]
pub struct NodeGene {
    pub key: NodeKey,
    pub bias: f64,
    pub response: f64,
    pub activation: Activation,
    pub aggregation: Aggregation,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnGene {
    pub key: ConnKey,
    pub innovation: u64,
    pub weight: f64,
    pub enabled: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Genome {
    pub key: u64,
    /// Sorted by key; input pins are not genes.
    pub nodes: Vec<NodeGene>,
    /// Sorted by key.
    pub connections: Vec<ConnGene>,
    pub fitness: Option<f64>,
}

/// Which structural change made a connection (part of its innovation's identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    Initial,
    AddConnection,
    SplitIn,
    SplitOut,
}

/// Innovation numbers and new node keys for a whole run.
#[derive(Debug, Clone, Default)]
pub struct Innovations {
    counter: u64,
    this_generation: BTreeMap<(NodeKey, NodeKey, Origin), u64>,
    next_node: Option<NodeKey>,
}

impl Innovations {
    /// The number of this innovation: the one already given this generation, or a new one.
    pub fn number(&mut self, from: NodeKey, to: NodeKey, origin: Origin) -> u64 {
        let counter = &mut self.counter;
        *self
            .this_generation
            .entry((from, to, origin))
            .or_insert_with(|| {
                *counter += 1;
                *counter
            })
    }

    pub fn new_generation(&mut self) {
        self.this_generation.clear();
    }

    /// A node key no genome has used (counting from the first genome's largest key + 1).
    pub fn new_node(&mut self, genome: &Genome) -> NodeKey {
        let next = self
            .next_node
            .get_or_insert_with(|| genome.nodes.iter().map(|n| n.key + 1).max().unwrap_or(0));
        let key = *next;
        *next += 1;
        key
    }
}

/// Gene-level operations of one generation's reproduction (the EvE model's input).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OpCounts {
    /// Genes made by crossing a matching pair.
    pub crossovers: u64,
    /// Genes copied from the fitter parent alone (disjoint and excess).
    pub copies: u64,
    /// Attribute mutations applied (perturbation, replacement, flips).
    pub perturbations: u64,
    pub add_node: u64,
    pub delete_node: u64,
    pub add_connection: u64,
    pub delete_connection: u64,
}

impl OpCounts {
    pub fn add(&mut self, o: &OpCounts) {
        self.crossovers += o.crossovers;
        self.copies += o.copies;
        self.perturbations += o.perturbations;
        self.add_node += o.add_node;
        self.delete_node += o.delete_node;
        self.add_connection += o.add_connection;
        self.delete_connection += o.delete_connection;
    }
}

/// A normal sample by the polar Box–Muller method.
pub fn gauss(rng: &mut Rng, mean: f64, stdev: f64) -> f64 {
    loop {
        let u = rng.range(-1.0, 1.0);
        let v = rng.range(-1.0, 1.0);
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            return mean + stdev * u * (-2.0 * s.ln() / s).sqrt();
        }
    }
}

fn clamp(a: &FloatAttribute, v: f64) -> f64 {
    v.min(a.max_value).max(a.min_value)
}

fn init_float(a: &FloatAttribute, rng: &mut Rng) -> f64 {
    if a.init_uniform {
        let lo = a.min_value.max(a.init_mean - 2.0 * a.init_stdev);
        let hi = a.max_value.min(a.init_mean + 2.0 * a.init_stdev);
        rng.range(lo, hi)
    } else {
        clamp(a, gauss(rng, a.init_mean, a.init_stdev))
    }
}

/// neat-python's float mutation: perturb with probability `mutate_rate`, else replace with
/// probability `replace_rate`.
fn mutate_float(a: &FloatAttribute, v: &mut f64, rng: &mut Rng, ops: &mut OpCounts) {
    let r = rng.unit();
    if r < a.mutate_rate {
        *v = clamp(a, *v + gauss(rng, 0.0, a.mutate_power));
        ops.perturbations += 1;
    } else if r < a.replace_rate + a.mutate_rate {
        *v = init_float(a, rng);
        ops.perturbations += 1;
    }
}

fn pick_or<T: Copy>(rng: &mut Rng, options: &[T], fallback: T) -> T {
    rng.pick(options).copied().unwrap_or(fallback)
}

fn new_node(config: &Config, key: NodeKey, rng: &mut Rng) -> NodeGene {
    NodeGene {
        key,
        bias: init_float(&config.bias, rng),
        response: init_float(&config.response, rng),
        activation: config
            .activation_default
            .unwrap_or_else(|| pick_or(rng, &config.activation_options, Activation::Sigmoid)),
        aggregation: config
            .aggregation_default
            .unwrap_or_else(|| pick_or(rng, &config.aggregation_options, Aggregation::Sum)),
    }
}

fn new_connection(config: &Config, key: ConnKey, innovation: u64, rng: &mut Rng) -> ConnGene {
    ConnGene {
        key,
        innovation,
        weight: init_float(&config.weight, rng),
        enabled: config.enabled_default.unwrap_or_else(|| rng.chance(0.5)),
    }
}

/// Input pin keys: `-1, -2, …`.
pub fn input_keys(config: &Config) -> Vec<NodeKey> {
    (0..config.num_inputs as NodeKey).map(|i| -i - 1).collect()
}

fn is_output(config: &Config, key: NodeKey) -> bool {
    (0..config.num_outputs as NodeKey).contains(&key)
}

/// Whether adding `test` to `connections` closes a cycle (disabled connections count, as in
/// neat-python).
pub fn creates_cycle(connections: &[ConnGene], test: ConnKey) -> bool {
    let (from, to) = test;
    if from == to {
        return true;
    }
    let mut visited = vec![to];
    loop {
        let mut added = false;
        for c in connections {
            let (a, b) = c.key;
            if visited.contains(&a) && !visited.contains(&b) {
                if b == from {
                    return true;
                }
                visited.push(b);
                added = true;
            }
        }
        if !added {
            return false;
        }
    }
}

impl Genome {
    /// A member of generation 0: output (and hidden) nodes and the initial wiring.
    pub fn initial(
        key: u64,
        config: &Config,
        innovations: &mut Innovations,
        rng: &mut Rng,
    ) -> Genome {
        let mut g = Genome {
            key,
            nodes: Vec::new(),
            connections: Vec::new(),
            fitness: None,
        };
        for k in 0..config.num_outputs as NodeKey {
            g.nodes.push(new_node(config, k, rng));
        }
        for _ in 0..config.num_hidden {
            let k = innovations.new_node(&g);
            g.nodes.push(new_node(config, k, rng));
        }
        let inputs = input_keys(config);
        let hidden: Vec<NodeKey> = g
            .nodes
            .iter()
            .map(|n| n.key)
            .filter(|k| !is_output(config, *k))
            .collect();
        let outputs: Vec<NodeKey> = (0..config.num_outputs as NodeKey).collect();
        let full = |direct: bool| -> Vec<ConnKey> {
            let mut keys = Vec::new();
            for &i in &inputs {
                keys.extend(hidden.iter().map(|&h| (i, h)));
            }
            for &h in &hidden {
                keys.extend(outputs.iter().map(|&o| (h, o)));
            }
            if direct || hidden.is_empty() {
                for &i in &inputs {
                    keys.extend(outputs.iter().map(|&o| (i, o)));
                }
            }
            keys
        };
        let keys: Vec<ConnKey> = match config.initial_connection {
            InitialConnection::Unconnected => Vec::new(),
            InitialConnection::FsNeatNoHidden | InitialConnection::FsNeatHidden => {
                let from = pick_or(rng, &inputs, -1);
                let targets = if config.initial_connection == InitialConnection::FsNeatHidden {
                    g.nodes.iter().map(|n| n.key).collect()
                } else {
                    outputs.clone()
                };
                targets.into_iter().map(|o| (from, o)).collect()
            }
            InitialConnection::Full { direct } => full(direct),
            InitialConnection::Partial { direct, fraction } => {
                let mut all = full(direct);
                rng.shuffle(&mut all);
                let n = (all.len() as f64 * fraction).round() as usize;
                all.truncate(n);
                all
            }
        };
        for key in keys {
            let innovation = innovations.number(key.0, key.1, Origin::Initial);
            g.connections
                .push(new_connection(config, key, innovation, rng));
        }
        g.nodes.sort_by_key(|n| n.key);
        g.connections.sort_by_key(|c| c.key);
        g
    }

    pub fn node(&self, key: NodeKey) -> Option<&NodeGene> {
        self.nodes
            .binary_search_by_key(&key, |n| n.key)
            .ok()
            .map(|i| &self.nodes[i])
    }

    fn connection_index(&self, key: ConnKey) -> Result<usize, usize> {
        self.connections.binary_search_by_key(&key, |c| c.key)
    }

    fn insert_connection(&mut self, gene: ConnGene) {
        match self.connection_index(gene.key) {
            Ok(i) => self.connections[i] = gene,
            Err(i) => self.connections.insert(i, gene),
        }
    }

    fn insert_node(&mut self, gene: NodeGene) {
        match self.nodes.binary_search_by_key(&gene.key, |n| n.key) {
            Ok(i) => self.nodes[i] = gene,
            Err(i) => self.nodes.insert(i, gene),
        }
    }

    /// A child of `a` and `b`: the fitter parent's genes, matching ones crossed attribute by
    /// attribute at random; a gene disabled in either parent stays disabled with
    /// probability 0.75.
    pub fn crossover(
        key: u64,
        a: &Genome,
        b: &Genome,
        rng: &mut Rng,
        ops: &mut OpCounts,
    ) -> Genome {
        let (fit, other) =
            if a.fitness.unwrap_or(f64::NEG_INFINITY) > b.fitness.unwrap_or(f64::NEG_INFINITY) {
                (a, b)
            } else {
                (b, a)
            };
        let mut connections = Vec::with_capacity(fit.connections.len());
        for c1 in &fit.connections {
            let matching = other
                .connection_index(c1.key)
                .ok()
                .map(|i| &other.connections[i])
                .filter(|c2| c2.innovation == c1.innovation);
            let Some(c2) = matching else {
                connections.push(c1.clone());
                ops.copies += 1;
                continue;
            };
            let weight = if rng.unit() > 0.5 {
                c1.weight
            } else {
                c2.weight
            };
            let mut enabled = if rng.unit() > 0.5 {
                c1.enabled
            } else {
                c2.enabled
            };
            if (!c1.enabled || !c2.enabled) && rng.unit() < 0.75 {
                enabled = false;
            }
            connections.push(ConnGene {
                key: c1.key,
                innovation: c1.innovation,
                weight,
                enabled,
            });
            ops.crossovers += 1;
        }
        let mut nodes = Vec::with_capacity(fit.nodes.len());
        for n1 in &fit.nodes {
            let Some(n2) = other.node(n1.key) else {
                nodes.push(n1.clone());
                ops.copies += 1;
                continue;
            };
            nodes.push(NodeGene {
                key: n1.key,
                bias: if rng.unit() > 0.5 { n1.bias } else { n2.bias },
                response: if rng.unit() > 0.5 {
                    n1.response
                } else {
                    n2.response
                },
                activation: if rng.unit() > 0.5 {
                    n1.activation
                } else {
                    n2.activation
                },
                aggregation: if rng.unit() > 0.5 {
                    n1.aggregation
                } else {
                    n2.aggregation
                },
            });
            ops.crossovers += 1;
        }
        Genome {
            key,
            nodes,
            connections,
            fitness: None,
        }
    }

    /// One round of mutation: structural changes (each with its probability, or one of them
    /// with `single_structural_mutation`), then every gene's attributes.
    pub fn mutate(
        &mut self,
        config: &Config,
        innovations: &mut Innovations,
        rng: &mut Rng,
        ops: &mut OpCounts,
    ) {
        let (na, nd, ca, cd) = (
            config.node_add_prob,
            config.node_delete_prob,
            config.conn_add_prob,
            config.conn_delete_prob,
        );
        if config.single_structural_mutation {
            let div = (na + nd + ca + cd).max(1.0);
            let r = rng.unit();
            if r < na / div {
                self.add_node(config, innovations, rng, ops);
            } else if r < (na + nd) / div {
                self.delete_node(config, rng, ops);
            } else if r < (na + nd + ca) / div {
                self.add_connection(config, innovations, rng, ops);
            } else if r < (na + nd + ca + cd) / div {
                self.delete_connection(rng, ops);
            }
        } else {
            if rng.chance(na) {
                self.add_node(config, innovations, rng, ops);
            }
            if rng.chance(nd) {
                self.delete_node(config, rng, ops);
            }
            if rng.chance(ca) {
                self.add_connection(config, innovations, rng, ops);
            }
            if rng.chance(cd) {
                self.delete_connection(rng, ops);
            }
        }
        for c in &mut self.connections {
            mutate_float(&config.weight, &mut c.weight, rng, ops);
            let rate = config.enabled_mutate_rate
                + if c.enabled {
                    config.enabled_rate_to_false_add
                } else {
                    config.enabled_rate_to_true_add
                };
            if rate > 0.0 && rng.unit() < rate {
                c.enabled = rng.unit() < 0.5;
                ops.perturbations += 1;
            }
        }
        for n in &mut self.nodes {
            mutate_float(&config.bias, &mut n.bias, rng, ops);
            mutate_float(&config.response, &mut n.response, rng, ops);
            if config.activation_mutate_rate > 0.0 && rng.unit() < config.activation_mutate_rate {
                n.activation = pick_or(rng, &config.activation_options, n.activation);
                ops.perturbations += 1;
            }
            if config.aggregation_mutate_rate > 0.0 && rng.unit() < config.aggregation_mutate_rate {
                n.aggregation = pick_or(rng, &config.aggregation_options, n.aggregation);
                ops.perturbations += 1;
            }
        }
    }

    /// Split a random connection: it is disabled, and `in → new` (weight 1) and
    /// `new → out` (the old weight) take its place; the new node's bias is 0.
    fn add_node(
        &mut self,
        config: &Config,
        innovations: &mut Innovations,
        rng: &mut Rng,
        ops: &mut OpCounts,
    ) {
        if self.connections.is_empty() {
            if config.surer() {
                self.add_connection(config, innovations, rng, ops);
            }
            return;
        }
        let split = rng.below(self.connections.len());
        let key = innovations.new_node(self);
        let mut node = new_node(config, key, rng);
        node.bias = 0.0;
        self.insert_node(node);
        let old = &mut self.connections[split];
        old.enabled = false;
        let ((from, to), weight) = (old.key, old.weight);
        let in_innovation = innovations.number(from, key, Origin::SplitIn);
        let out_innovation = innovations.number(key, to, Origin::SplitOut);
        for (k, innovation, w) in [
            ((from, key), in_innovation, 1.0),
            ((key, to), out_innovation, weight),
        ] {
            let mut gene = new_connection(config, k, innovation, rng);
            gene.weight = w;
            gene.enabled = true;
            self.insert_connection(gene);
        }
        ops.add_node += 1;
    }

    fn add_connection(
        &mut self,
        config: &Config,
        innovations: &mut Innovations,
        rng: &mut Rng,
        ops: &mut OpCounts,
    ) {
        let outputs: Vec<NodeKey> = self.nodes.iter().map(|n| n.key).collect();
        let Some(&to) = rng.pick(&outputs) else {
            return;
        };
        let mut inputs: Vec<NodeKey> = outputs
            .iter()
            .copied()
            .filter(|k| !is_output(config, *k))
            .collect();
        inputs.extend(input_keys(config));
        let Some(&from) = rng.pick(&inputs) else {
            return;
        };
        let key = (from, to);
        if let Ok(i) = self.connection_index(key) {
            if config.surer() {
                self.connections[i].enabled = true;
            }
            return;
        }
        if creates_cycle(&self.connections, key) {
            return;
        }
        let innovation = innovations.number(from, to, Origin::AddConnection);
        let gene = new_connection(config, key, innovation, rng);
        self.insert_connection(gene);
        ops.add_connection += 1;
    }

    fn delete_node(&mut self, config: &Config, rng: &mut Rng, ops: &mut OpCounts) {
        let hidden: Vec<NodeKey> = self
            .nodes
            .iter()
            .map(|n| n.key)
            .filter(|k| !is_output(config, *k))
            .collect();
        let Some(&victim) = rng.pick(&hidden) else {
            return;
        };
        self.connections
            .retain(|c| c.key.0 != victim && c.key.1 != victim);
        self.nodes.retain(|n| n.key != victim);
        ops.delete_node += 1;
    }

    fn delete_connection(&mut self, rng: &mut Rng, ops: &mut OpCounts) {
        if self.connections.is_empty() {
            return;
        }
        let i = rng.below(self.connections.len());
        self.connections.remove(i);
        ops.delete_connection += 1;
    }

    /// neat-python's compatibility distance: per gene kind, (matching genes' attribute
    /// differences × weight coefficient + disjoint genes × disjoint coefficient) / the larger
    /// gene count.
    pub fn distance(&self, other: &Genome, config: &Config) -> f64 {
        let (cd, cw) = (
            config.compatibility_disjoint_coefficient,
            config.compatibility_weight_coefficient,
        );
        let node_distance = merge_distance(
            &self.nodes,
            &other.nodes,
            |n| n.key,
            cd,
            |a, b| {
                let mut d = (a.bias - b.bias).abs() + (a.response - b.response).abs();
                d += f64::from(u8::from(a.activation != b.activation));
                d += f64::from(u8::from(a.aggregation != b.aggregation));
                d * cw
            },
        );
        let conn_distance = merge_distance(
            &self.connections,
            &other.connections,
            |c| c.key,
            cd,
            |a, b| ((a.weight - b.weight).abs() + f64::from(u8::from(a.enabled != b.enabled))) * cw,
        );
        node_distance + conn_distance
    }

    /// Nodes and enabled connections, as neat-python's `size()`.
    pub fn size(&self) -> (usize, usize) {
        (
            self.nodes.len(),
            self.connections.iter().filter(|c| c.enabled).count(),
        )
    }
}

/// Walk two key-sorted gene lists together.
fn merge_distance<G, K: Ord>(
    a: &[G],
    b: &[G],
    key: impl Fn(&G) -> K,
    disjoint_coefficient: f64,
    matching: impl Fn(&G, &G) -> f64,
) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut disjoint, mut sum) = (0, 0, 0usize, 0.0);
    while i < a.len() && j < b.len() {
        match key(&a[i]).cmp(&key(&b[j])) {
            std::cmp::Ordering::Less => {
                disjoint += 1;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                disjoint += 1;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                sum += matching(&a[i], &b[j]);
                i += 1;
                j += 1;
            }
        }
    }
    disjoint += (a.len() - i) + (b.len() - j);
    (sum + disjoint_coefficient * disjoint as f64) / a.len().max(b.len()) as f64
}

//! Feed-forward evaluation of a genome, as neat-python's `FeedForwardNetwork`: only nodes an
//! output depends on are evaluated, in dependency order; a needed node without inputs acts as
//! a bias neuron; each node computes `activation(bias + response × aggregate(inputs × weights))`.

use super::config::{Activation, Aggregation, Config};
use super::genome::{input_keys, Genome, NodeKey};

/// One evaluated node: where its value goes and where its inputs come from (slot indices).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeEval {
    pub slot: usize,
    pub activation: Activation,
    pub aggregation: Aggregation,
    pub bias: f64,
    pub response: f64,
    pub links: Vec<(usize, f64)>,
}

/// A genome compiled for evaluation: slots `0..inputs` hold the inputs, then one slot per
/// evaluated node; `outputs` are the output nodes' slots (`None` reads 0, as neat-python
/// starts every output at 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub inputs: usize,
    pub evals: Vec<NodeEval>,
    pub outputs: Vec<Option<usize>>,
    slots: usize,
}

pub fn activate(f: Activation, z: f64) -> f64 {
    match f {
        Activation::Sigmoid => {
            let z = (5.0 * z).clamp(-60.0, 60.0);
            1.0 / (1.0 + (-z).exp())
        }
        Activation::Tanh => (2.5 * z).clamp(-60.0, 60.0).tanh(),
        Activation::Relu => z.max(0.0),
        Activation::Identity => z,
    }
}

fn aggregate(f: Aggregation, values: impl Iterator<Item = f64>) -> f64 {
    match f {
        Aggregation::Sum => values.sum(),
        Aggregation::Product => values.product(),
        Aggregation::Max => values
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
            .unwrap_or(0.0),
        Aggregation::Min => values
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.min(v))))
            .unwrap_or(0.0),
        Aggregation::Mean => {
            let (n, s) = values.fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
            if n == 0 {
                0.0
            } else {
                s / n as f64
            }
        }
    }
}

/// The nodes outputs depend on through enabled connections (outputs included, inputs not).
pub fn required_nodes(genome: &Genome, config: &Config) -> Vec<NodeKey> {
    let mut required: Vec<NodeKey> = (0..config.num_outputs as NodeKey).collect();
    let mut frontier = required.clone();
    while let Some(node) = frontier.pop() {
        for c in genome
            .connections
            .iter()
            .filter(|c| c.enabled && c.key.1 == node)
        {
            let from = c.key.0;
            if from >= 0 && !required.contains(&from) {
                required.push(from);
                frontier.push(from);
            }
        }
    }
    required.sort_unstable();
    required
}

impl Network {
    pub fn new(genome: &Genome, config: &Config) -> Network {
        let inputs = input_keys(config);
        let required = required_nodes(genome, config);
        // Each needed node's incoming links from inputs and needed nodes.
        let mut pending: Vec<(NodeKey, Vec<(NodeKey, f64)>)> = required
            .iter()
            .map(|&n| {
                let links = genome
                    .connections
                    .iter()
                    .filter(|c| c.enabled && c.key.1 == n)
                    .filter(|c| c.key.0 < 0 || required.binary_search(&c.key.0).is_ok())
                    .map(|c| (c.key.0, c.weight))
                    .collect();
                (n, links)
            })
            .collect();
        // Slot of each key: inputs first, then nodes as they are scheduled.
        let mut slot_of: Vec<(NodeKey, usize)> =
            inputs.iter().enumerate().map(|(i, &k)| (k, i)).collect();
        let find = |slot_of: &[(NodeKey, usize)], k: NodeKey| {
            slot_of.iter().find(|(key, _)| *key == k).map(|(_, s)| *s)
        };
        let mut evals = Vec::new();
        // Kahn's order in rounds (neat-python's layers): a node is ready once all its sources
        // have slots. The genome is acyclic, so every round schedules at least one node.
        while !pending.is_empty() {
            let (ready, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(_, links)| {
                links
                    .iter()
                    .all(|(from, _)| find(&slot_of, *from).is_some())
            });
            if ready.is_empty() {
                break;
            }
            pending = rest;
            for (n, links) in ready {
                let slot = slot_of.len();
                let links = links
                    .iter()
                    .filter_map(|&(from, w)| find(&slot_of, from).map(|s| (s, w)))
                    .collect();
                if let Some(gene) = genome.node(n) {
                    evals.push(NodeEval {
                        slot,
                        activation: gene.activation,
                        aggregation: gene.aggregation,
                        bias: gene.bias,
                        response: gene.response,
                        links,
                    });
                    slot_of.push((n, slot));
                }
            }
        }
        let outputs = (0..config.num_outputs as NodeKey)
            .map(|k| find(&slot_of, k))
            .collect();
        Network {
            inputs: inputs.len(),
            evals,
            outputs,
            slots: slot_of.len(),
        }
    }

    /// The outputs for `input` (missing inputs are 0).
    pub fn activate(&self, input: &[f64]) -> Vec<f64> {
        let mut values = vec![0.0; self.slots.max(self.inputs)];
        for (v, x) in values.iter_mut().zip(input.iter().take(self.inputs)) {
            *v = *x;
        }
        for e in &self.evals {
            let s = aggregate(
                e.aggregation,
                e.links.iter().map(|&(from, w)| values[from] * w),
            );
            values[e.slot] = activate(e.activation, e.bias + e.response * s);
        }
        self.outputs
            .iter()
            .map(|s| s.map_or(0.0, |s| values[s]))
            .collect()
    }

    /// Enabled connections that are evaluated (the network's multiply-accumulates).
    pub fn macs(&self) -> usize {
        self.evals.iter().map(|e| e.links.len()).sum()
    }
}

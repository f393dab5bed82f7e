//! The winner as a `.df` network for ADAM's cost: its needed nodes grouped by depth (the
//! longest path from an input), each depth one fully connected layer whose `K` is the depth's
//! nodes and whose `C` is every value computed before it (inputs and shallower nodes); a
//! comment gives the fraction of those `K×C` weights the genome has. A mapping puts it on the
//! given hardware with a searched dataflow.

use super::config::Config;
use super::genome::{Genome, NodeKey};
use super::network::required_nodes;

/// One layer of the winner: nodes at one depth.
#[derive(Debug, Clone, PartialEq)]
pub struct WinnerLayer {
    pub nodes: usize,
    pub fan_in: usize,
    pub connections: usize,
}

impl WinnerLayer {
    pub fn density(&self) -> f64 {
        self.connections as f64 / (self.nodes * self.fan_in).max(1) as f64
    }
}

/// The winner's layers by depth.
pub fn layers(genome: &Genome, config: &Config) -> Vec<WinnerLayer> {
    let required = required_nodes(genome, config);
    let links: Vec<(NodeKey, NodeKey)> = genome
        .connections
        .iter()
        .filter(|c| {
            c.enabled && (c.key.0 < 0 || required.contains(&c.key.0)) && required.contains(&c.key.1)
        })
        .map(|c| c.key)
        .collect();
    // Depth by relaxation: the genome is acyclic, so depths settle within |required| rounds.
    let mut depth: Vec<(NodeKey, usize)> = required.iter().map(|&n| (n, 1)).collect();
    for _ in 0..required.len() {
        let mut changed = false;
        for &(from, to) in &links {
            let d_from = depth
                .iter()
                .find(|(k, _)| *k == from)
                .map_or(0, |(_, d)| *d);
            if let Some(entry) = depth.iter_mut().find(|(k, _)| *k == to) {
                if entry.1 < d_from + 1 {
                    entry.1 = d_from + 1;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    let deepest = depth.iter().map(|(_, d)| *d).max().unwrap_or(0);
    let mut available = config.num_inputs;
    let mut out = Vec::new();
    for d in 1..=deepest {
        let nodes: Vec<NodeKey> = depth
            .iter()
            .filter(|(_, x)| *x == d)
            .map(|(k, _)| *k)
            .collect();
        if nodes.is_empty() {
            continue;
        }
        let connections = links.iter().filter(|(_, to)| nodes.contains(to)).count();
        out.push(WinnerLayer {
            nodes: nodes.len(),
            fan_in: available.max(1),
            connections,
        });
        available += nodes.len();
    }
    out
}

/// Overall density: connections over the dense layers' weights.
pub fn density(layers: &[WinnerLayer]) -> f64 {
    let weights: usize = layers.iter().map(|l| l.nodes * l.fan_in).sum();
    let connections: usize = layers.iter().map(|l| l.connections).sum();
    connections as f64 / weights.max(1) as f64
}

/// Where the `.df` file finds ADAM's hardware.
pub enum HardwareSource<'a> {
    Stdlib(&'a str),
    /// A file (path as `use` takes it) and the hardware's name in it.
    File {
        path: &'a str,
        name: &'a str,
    },
}

/// The `.df` text: the network, and a mapping of it onto the hardware.
pub fn winner_df(layers: &[WinnerLayer], hardware: &HardwareSource, about: &str) -> String {
    let mut out = format!("// {about}\n");
    out.push_str(
        "// Each layer holds the nodes of one depth, fully connected to every earlier value; the\n",
    );
    out.push_str("// density is the fraction of those weights the evolved genome has.\n");
    let name = match hardware {
        HardwareSource::Stdlib(name) => {
            out.push_str(&format!("use std::hardware::{name};\n"));
            *name
        }
        HardwareSource::File { path, name } => {
            out.push_str(&format!("use {path:?}::{{{name}}};\n"));
            *name
        }
    };
    out.push_str("\nnetwork neat_winner {\n");
    for (i, l) in layers.iter().enumerate() {
        out.push_str(&format!(
            "    // density {:.4}: {} of {} weights\n    depth{} = fc(K: {}, C: {});\n",
            l.density(),
            l.connections,
            l.nodes * l.fan_in,
            i + 1,
            l.nodes,
            l.fan_in
        ));
    }
    out.push_str("}\n\nmapping neat_winner_adam {\n    network: neat_winner;\n");
    out.push_str(&format!(
        "    hardware: {name};\n    dataflow: search;\n}}\n"
    ));
    out
}

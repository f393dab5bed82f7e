//! Seeded synthetic workloads with cost tables, for tests and benchmarks of the schedulers
//! without the cost model.
//!
//! The shape mimics what the cost model produces for real networks: layers fall into a few
//! kinds (early convolutions with large activations, late ones with large weights, depthwise
//! or FC layers), each sub-accelerator style is fastest on some kind and 1.3–3× slower on
//! others, energy preference is correlated with but not identical to speed preference, and
//! DRAM demand varies per layer so that concurrent layers sometimes over-subscribe the shared
//! bandwidth.

use super::{Cost, CostTable, LayerNode, NetworkGraph, Platform, SubAccel, Workload};
use crate::util::Rng;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    pub seed: u64,
    pub networks: usize,
    /// Mean layers per network; each network gets 50–150 % of it (at least 1).
    pub layers_per_network: usize,
    pub sub_accels: usize,
    /// Probability that a layer also joins an earlier layer (residual/concat).
    pub skip_prob: f64,
    /// Probability that a layer starts a parallel branch (depends on the layer two back).
    pub branch_prob: f64,
    /// Probability that a sub-accelerator cannot run a layer (one always can).
    pub infeasible_prob: f64,
    /// Shared DRAM bandwidth as a multiple of the mean layer demand; below ~2 concurrent
    /// layers contend often.
    pub dram_bw_factor: f64,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec {
            seed: 1,
            networks: 3,
            layers_per_network: 20,
            sub_accels: 2,
            skip_prob: 0.15,
            branch_prob: 0.1,
            infeasible_prob: 0.03,
            dram_bw_factor: 1.5,
        }
    }
}

const KINDS: usize = 3;

/// A workload, a platform and a cost table drawn from `spec`.
pub fn synthetic(spec: &SyntheticSpec) -> (Workload, Platform, CostTable) {
    let mut rng = Rng::new(spec.seed);
    let s = spec.sub_accels.max(1);
    // Affinity[kind][sub-accelerator]: one style is best at each kind.
    let speed: Vec<Vec<f64>> = (0..KINDS)
        .map(|k| {
            (0..s)
                .map(|c| if c == k % s { 1.0 } else { rng.range(1.3, 3.0) })
                .collect()
        })
        .collect();
    let power: Vec<Vec<f64>> = (0..KINDS)
        .map(|k| {
            (0..s)
                .map(|c| 0.6 * speed[k][c] + rng.range(0.2, 0.8))
                .collect()
        })
        .collect();
    let styles = ["nvdla", "shidiannao", "eyeriss", "tpu"];

    let mut networks = Vec::with_capacity(spec.networks);
    let mut costs = Vec::with_capacity(spec.networks);
    let mut demand_sum = 0.0;
    let mut demand_n = 0usize;
    for ni in 0..spec.networks {
        let mean = spec.layers_per_network.max(1) as f64;
        let len = (mean * rng.range(0.5, 1.5)).round().max(1.0) as usize;
        let mut layers = Vec::with_capacity(len);
        let mut rows = Vec::with_capacity(len);
        for li in 0..len {
            let mut preds = Vec::new();
            if li >= 2 && rng.chance(spec.branch_prob) {
                preds.push(li - 2);
            } else if li >= 1 {
                preds.push(li - 1);
            }
            if li >= 3 && rng.chance(spec.skip_prob) {
                preds.push(li - 2 - rng.below(2));
            }
            preds.sort_unstable();
            preds.dedup();
            layers.push(LayerNode {
                name: format!("n{ni}l{li}"),
                preds,
            });
            // Early layers lean towards kind 0, late ones towards kind 1.
            let kind = if rng.chance(0.2) {
                2
            } else if (li as f64) < 0.5 * len as f64 {
                if rng.chance(0.8) {
                    0
                } else {
                    1
                }
            } else if rng.chance(0.8) {
                1
            } else {
                0
            };
            let work = (rng.range(3.0 * 10f64.ln(), 5.0 * 10f64.ln())).exp();
            let intensity = rng.range(0.2, 2.0);
            let always = rng.below(s);
            let row: Vec<Option<Cost>> = (0..s)
                .map(|c| {
                    if c != always && rng.chance(spec.infeasible_prob) {
                        return None;
                    }
                    let runtime = (work * speed[kind][c] * rng.range(0.9, 1.1))
                        .round()
                        .max(1.0);
                    let bytes = work * intensity;
                    demand_sum += bytes / runtime;
                    demand_n += 1;
                    Some(Cost {
                        runtime_cycles: runtime,
                        energy: (work * power[kind][c] * rng.range(0.9, 1.1)).round(),
                        dram_bytes: bytes.round(),
                    })
                })
                .collect();
            rows.push(row);
        }
        networks.push(NetworkGraph {
            name: format!("net{ni}"),
            layers,
            frame_rate: None,
        });
        costs.push(rows);
    }
    let mean_demand = if demand_n > 0 {
        demand_sum / demand_n as f64
    } else {
        1.0
    };
    let platform = Platform {
        sub_accels: (0..s)
            .map(|c| SubAccel {
                name: format!("sa{c}"),
                dataflow_style: styles[c % styles.len()].into(),
                pes: 256 / s as u32,
                noc_bw: 64.0 / s as f64,
                buffer_bytes: (1 << 20) / s as u64,
            })
            .collect(),
        dram_bw: (spec.dram_bw_factor * mean_demand).max(1e-6),
        global_buffer_bytes: 1 << 20,
        clock_hz: Some(1e9),
    };
    (Workload { networks }, platform, CostTable { costs })
}

/// Small cases for the exact search: ≤ 12 layers, 2 sub-accelerators.
pub fn small_cases(count: usize) -> Vec<(Workload, Platform, CostTable)> {
    let mut rng = Rng::new(0x5a11);
    let mut out = Vec::new();
    let mut seed = 1000;
    while out.len() < count {
        seed += 1;
        let networks = 1 + rng.below(3);
        let spec = SyntheticSpec {
            seed,
            networks,
            layers_per_network: 8 / networks + 1,
            sub_accels: 2,
            dram_bw_factor: [1.0, 1.5, 3.0, 1e9][rng.below(4)],
            ..SyntheticSpec::default()
        };
        let case = synthetic(&spec);
        if (4..=12).contains(&case.0.num_layers()) {
            out.push(case);
        }
    }
    out
}

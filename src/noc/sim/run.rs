//! Run phases and statistics: warm-up, measurement (packets created in it are measured),
//! drain (until every measured packet has arrived); early stops that keep a run past
//! saturation bounded; latency-vs-load sweeps.

use rayon::prelude::*;

use super::config::{check, ConfigError, SimConfig};
use super::network::Network;

/// Average source-queue flits per node beyond which a run is saturated.
pub const SATURATED_QUEUE_PER_NODE: usize = 50;
/// Cycles without any flit moving, with flits waiting, that count as a deadlock.
pub const STALL_CYCLES: u64 = 5_000;

/// Statistics of one run. Latencies in cycles from a packet's creation to the ejection of its
/// tail; hops are links between routers (BookSim2 counts routers, one more).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SimStats {
    pub rate: f64,
    pub avg_latency: f64,
    pub p99_latency: f64,
    pub avg_hops: f64,
    /// Flits ejected per node per cycle in the measurement window.
    pub accepted_rate: f64,
    pub packets: u64,
    pub saturated: bool,
    /// Cycles simulated in all phases.
    pub cycles_simulated: u64,
}

/// Run one configuration to the end of its drain phase or an early stop.
pub fn run(cfg: &SimConfig) -> Result<SimStats, ConfigError> {
    check(cfg)?;
    let mut net = Network::new(*cfg);
    let nodes = cfg.k * cfg.k;
    let warmup = cfg.warmup();
    let end = warmup + cfg.cycles;
    let drain_limit = end + cfg.cycles.max(10_000);
    let mut latencies: Vec<u64> = Vec::new();
    let mut hops = 0u64;
    let mut saturated = false;
    let mut last_move = 0u64;
    while net.now() < drain_limit {
        let now = net.now();
        net.measuring = (warmup..end).contains(&now);
        // Checked in every phase, so a run far past saturation stops within its warm-up.
        if now.is_multiple_of(500) && net.queued_flits() > nodes * SATURATED_QUEUE_PER_NODE {
            saturated = true;
            break;
        }
        net.step();
        if net.moved > 0 || (net.queued_flits() == 0 && !net.flits_in_routers()) {
            last_move = net.now();
        } else if net.now() - last_move > STALL_CYCLES {
            saturated = true;
            break;
        }
        for d in net.delivered.drain(..) {
            if d.packet.measured {
                latencies.push(d.ejected - d.packet.created);
                hops += u64::from(d.packet.hops);
            }
        }
        if net.now() >= end && measured_all_arrived(&net, &latencies) {
            break;
        }
    }
    let created = net.measured_created();
    if (latencies.len() as u64) < created {
        saturated = true;
    }
    let n = latencies.len().max(1) as f64;
    let window = (net.now().min(end).saturating_sub(warmup)).max(1);
    latencies.sort_unstable();
    let p99 = if latencies.is_empty() {
        0.0
    } else {
        latencies[((latencies.len() * 99).div_ceil(100)).saturating_sub(1)] as f64
    };
    Ok(SimStats {
        rate: cfg.rate,
        avg_latency: latencies.iter().sum::<u64>() as f64 / n,
        p99_latency: p99,
        avg_hops: hops as f64 / n,
        accepted_rate: net.measured_flits_ejected as f64 / (nodes as f64 * window as f64),
        packets: latencies.len() as u64,
        saturated,
        cycles_simulated: net.now(),
    })
}

fn measured_all_arrived(net: &Network, latencies: &[u64]) -> bool {
    latencies.len() as u64 >= net.measured_created()
}

/// One run per rate, in parallel; each point has the configuration's seed, so a sweep is
/// the same at any thread count.
pub fn sweep(cfg: &SimConfig, rates: &[f64]) -> Result<Vec<SimStats>, ConfigError> {
    for &r in rates {
        check(&SimConfig { rate: r, ..*cfg })?;
    }
    rates
        .par_iter()
        .map(|&rate| run(&SimConfig { rate, ..*cfg }))
        .collect()
}

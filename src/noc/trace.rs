//! Packet traces from a mapping's traffic: the traffic classes of a layer (`traffic`) turned
//! into one-element packets on the k×k mesh simulator, a run of such a trace with the
//! simulator's statistics, and a mapping's layers run one after another
//! (`docs/noc.md`, "Traffic from a mapping").
//!
//! Placement: the shared buffer sits at node 0 (the corner at x = 0, y = 0); unit `u` of the
//! top cluster level sits at node `1 + u mod (k² − 1)`, so units fill the other nodes in
//! row-major order and fold over them when there are more units than nodes.

use rayon::prelude::*;

use super::sim::network::Network;
use super::sim::run::STALL_CYCLES;
use super::sim::SimConfig;
use super::sim::SimStats;
use super::traffic::{ClassKind, LayerTraffic, Tensor};

/// The node of the shared buffer.
pub const BUFFER_NODE: usize = 0;

/// The most packets one trace may hold (a bound on the simulator's time and memory).
pub const MAX_PACKETS: u64 = 200_000;

/// One packet of a trace: created at `cycle`, one element of `tensor` in class `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TracePacket {
    pub cycle: u64,
    pub src: usize,
    pub dst: usize,
    pub tensor: Tensor,
    pub kind: ClassKind,
}

/// How many packets of a trace carry one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TraceClass {
    pub tensor: Tensor,
    pub kind: ClassKind,
    pub packets: u64,
}

/// A layer's trace over its first `steps` top-level steps.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingTrace {
    pub layer: String,
    /// Top-level steps traced (at most the layer's own).
    pub steps: u64,
    /// The cost model's average compute delay per step.
    pub interval: u64,
    /// Cycles per step as traced: `interval`, or what offers the rate asked for
    /// ([`Timing::Rate`]).
    pub span: f64,
    /// Packets per class (input, filter, output), in the order of `LayerTraffic::classes`.
    pub classes: [TraceClass; 3],
    /// Sorted by creation cycle.
    pub packets: Vec<TracePacket>,
}

/// Why a trace cannot be built: it would exceed [`MAX_PACKETS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceTooLarge {
    pub packets: u64,
}

/// The mesh node of unit `unit` on a `k`×`k` mesh.
pub fn unit_node(k: usize, unit: u64) -> usize {
    let others = (k * k - 1) as u64;
    1 + (unit % others) as usize
}

/// `floor(total · i / parts)` without overflow: the share boundary of part `i`.
fn boundary(total: f64, i: u64, parts: u64) -> u64 {
    (total * i as f64 / parts as f64).floor() as u64
}

/// Deliveries (one element to or from one unit) of a class over the whole layer: each element
/// once for unicast and collection, `fanout` times for multicast, broadcast and reduction.
fn deliveries(kind: ClassKind, elements: i64, fanout: f64) -> f64 {
    let elements = elements.max(0) as f64;
    match kind {
        ClassKind::Unicast | ClassKind::Collection => elements,
        ClassKind::Multicast | ClassKind::Broadcast | ClassKind::Reduction => {
            (elements * fanout).round()
        }
    }
}

/// How long a traced step lasts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Timing {
    /// The cost model's compute delay per step: the offered load is its volume over its time.
    CostModel,
    /// Whatever offers this many flits per node per cycle over the traced steps (`--rate`):
    /// the same packets in the same order, the steps stretched or compressed alike.
    Rate { rate: f64, packet_size: usize },
}

/// The packets of the first `steps` top-level steps of `traffic` on a `k`×`k` mesh.
///
/// A class's deliveries are split over the layer's steps in integer shares (the cumulative
/// floor, so the shares add up to the whole); within a step, delivery `j` goes to (or, for
/// reduction and collection, comes from) unit `j mod active_units`, and the step's packets are
/// created evenly over the step: packet `i` of `n` in step `s` at `⌊s·span⌋ + ⌊i·span/n⌋`.
/// Multicast and broadcast are repeated unicast: one packet per destination.
pub fn mapping_trace(
    traffic: &LayerTraffic,
    k: usize,
    steps: u64,
    timing: Timing,
) -> Result<MappingTrace, TraceTooLarge> {
    let layer_steps = traffic.steps.max(1) as u64;
    let steps = steps.min(layer_steps);
    let interval = traffic.compute_cycles_per_step.max(1) as u64;
    let active = traffic.active_units.max(1) as u64;
    let totals = traffic
        .classes
        .map(|c| deliveries(c.kind, c.elements, c.fanout));
    let mut index = 0;
    let classes = traffic.classes.map(|c| {
        index += 1;
        TraceClass {
            tensor: c.tensor,
            kind: c.kind,
            packets: boundary(totals[index - 1], steps, layer_steps),
        }
    });
    let count: u64 = classes.iter().map(|c| c.packets).sum();
    if count > MAX_PACKETS {
        return Err(TraceTooLarge { packets: count });
    }
    let span = match timing {
        Timing::CostModel => interval as f64,
        Timing::Rate { rate, packet_size } => {
            let flits = (count * packet_size.max(1) as u64) as f64;
            flits / ((k * k) as f64 * steps.max(1) as f64 * rate)
        }
    };
    let mut packets = Vec::with_capacity(count as usize);
    for step in 0..steps {
        let mut in_step = Vec::new();
        for (class, &total) in traffic.classes.iter().zip(&totals) {
            let n = boundary(total, step + 1, layer_steps) - boundary(total, step, layer_steps);
            for j in 0..n {
                let unit = unit_node(k, j % active);
                let (src, dst) = if class.kind.is_egress() {
                    (unit, BUFFER_NODE)
                } else {
                    (BUFFER_NODE, unit)
                };
                in_step.push((src, dst, class.tensor, class.kind));
            }
        }
        let n = in_step.len() as f64;
        // Exact for a whole `span` (the cost model's): integers below 2^53, one rounding.
        let start = (step as f64 * span).floor() as u64;
        for (i, (src, dst, tensor, kind)) in in_step.into_iter().enumerate() {
            packets.push(TracePacket {
                cycle: start + (i as f64 * span / n).floor() as u64,
                src,
                dst,
                tensor,
                kind,
            });
        }
    }
    Ok(MappingTrace {
        layer: traffic.layer.clone(),
        steps,
        interval,
        span,
        classes,
        packets,
    })
}

/// The traces of a mapping's layers (`traffic`, in order), the packets of all of them bounded
/// by [`MAX_PACKETS`] together.
pub fn sequence_traces(
    traffic: &[LayerTraffic],
    k: usize,
    steps: u64,
    timing: Timing,
) -> Result<Vec<MappingTrace>, TraceTooLarge> {
    let mut traces = Vec::with_capacity(traffic.len());
    let mut total = 0;
    for t in traffic {
        let trace = mapping_trace(t, k, steps, timing)?;
        total += trace.packets.len() as u64;
        if total > MAX_PACKETS {
            return Err(TraceTooLarge { packets: total });
        }
        traces.push(trace);
    }
    Ok(traces)
}

/// Each trace run on an empty network, one after the other: a layer starts when the previous
/// one's packets have all arrived (it needs its outputs). The runs are independent, so they
/// go in parallel with results in layer order, each with `cfg`'s seed: a layer's run equals
/// its run alone. Returns each layer's statistics and those of the whole sequence: cycles add
/// up, latencies and hops are over all packets, `rate` is the offered flits over the traced
/// spans and `accepted_rate` the ejected flits over the cycles simulated.
pub fn run_sequence(cfg: &SimConfig, traces: &[MappingTrace]) -> (Vec<SimStats>, SimStats) {
    let runs: Vec<Run> = traces.par_iter().map(|t| simulate(cfg, t)).collect();
    let mut whole = Run {
        latencies: runs
            .iter()
            .flat_map(|r| r.latencies.iter().copied())
            .collect(),
        hops: runs.iter().map(|r| r.hops).sum(),
        ejected_flits: runs.iter().map(|r| r.ejected_flits).sum(),
        cycles: runs.iter().map(|r| r.cycles).sum(),
        saturated: runs.iter().any(|r| r.saturated),
    };
    let per_layer = runs
        .into_iter()
        .zip(traces)
        .map(|(mut run, t)| run.statistics(cfg, &[t]))
        .collect();
    let total = whole.statistics(cfg, &traces.iter().collect::<Vec<_>>());
    (per_layer, total)
}

/// Offer a trace's packets to the simulator at their cycles (no synthetic traffic) and run
/// until every packet has arrived, or until nothing moves for `STALL_CYCLES` (then
/// `saturated`). Every packet is measured; `rate` is the offered flits per node per cycle over
/// the trace's span and `accepted_rate` the ejected flits per node per cycle over the run.
pub fn run_trace(cfg: &SimConfig, trace: &MappingTrace) -> SimStats {
    simulate(cfg, trace).statistics(cfg, &[trace])
}

/// What a run of one or more traces delivered.
struct Run {
    /// Creation to ejection of the tail, per delivered packet.
    latencies: Vec<u64>,
    hops: u64,
    ejected_flits: u64,
    cycles: u64,
    saturated: bool,
}

impl Run {
    /// The statistics of the run of `traces`: `rate` their offered flits per node per cycle
    /// over their traced steps.
    fn statistics(&mut self, cfg: &SimConfig, traces: &[&MappingTrace]) -> SimStats {
        let nodes = (cfg.k * cfg.k) as f64;
        let offered: usize = traces.iter().map(|t| t.packets.len()).sum();
        let span: f64 = traces.iter().map(|t| t.steps.max(1) as f64 * t.span).sum();
        let latencies = &mut self.latencies;
        let n = latencies.len().max(1) as f64;
        latencies.sort_unstable();
        let p99 = match latencies.len() {
            0 => 0.0,
            len => latencies[(len * 99).div_ceil(100) - 1] as f64,
        };
        SimStats {
            rate: (offered * cfg.packet_size) as f64 / (nodes * span),
            avg_latency: latencies.iter().sum::<u64>() as f64 / n,
            p99_latency: p99,
            avg_hops: self.hops as f64 / n,
            accepted_rate: self.ejected_flits as f64 / (nodes * self.cycles.max(1) as f64),
            packets: latencies.len() as u64,
            saturated: self.saturated,
            cycles_simulated: self.cycles,
        }
    }
}

/// Run one trace on an empty network.
fn simulate(cfg: &SimConfig, trace: &MappingTrace) -> Run {
    let mut net = Network::new(*cfg);
    net.generating = false;
    net.measuring = true;
    let mut next = 0;
    let mut latencies: Vec<u64> = Vec::with_capacity(trace.packets.len());
    let mut hops = 0u64;
    let mut saturated = false;
    let mut last_move = 0u64;
    while latencies.len() < trace.packets.len() {
        while let Some(p) = trace.packets.get(next).filter(|p| p.cycle <= net.now()) {
            net.offer(p.src, p.dst);
            next += 1;
        }
        net.step();
        let waiting = net.queued_flits() > 0 || net.flits_in_routers();
        if net.moved > 0 || !waiting {
            last_move = net.now();
        } else if net.now() - last_move > STALL_CYCLES {
            saturated = true;
            break;
        }
        for d in net.take_delivered() {
            latencies.push(d.ejected - d.packet.created);
            hops += u64::from(d.packet.hops);
        }
    }
    Run {
        latencies,
        hops,
        ejected_flits: net.measured_flits_ejected,
        cycles: net.now(),
        saturated,
    }
}

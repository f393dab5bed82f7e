//! Packet traces from a mapping's traffic: the traffic classes of one layer (`traffic`) turned
//! into one-element packets on the k×k mesh simulator, and a run of such a trace with the
//! simulator's statistics (`docs/noc.md`, "Traffic from a mapping").
//!
//! Placement: the shared buffer sits at node 0 (the corner at x = 0, y = 0); unit `u` of the
//! top cluster level sits at node `1 + u mod (k² − 1)`, so units fill the other nodes in
//! row-major order and fold over them when there are more units than nodes.

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
    /// Cycles per step: the cost model's average compute delay per step.
    pub interval: u64,
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

/// The packets of the first `steps` top-level steps of `traffic` on a `k`×`k` mesh.
///
/// A class's deliveries are split over the layer's steps in integer shares (the cumulative
/// floor, so the shares add up to the whole); within a step, delivery `j` goes to (or, for
/// reduction and collection, comes from) unit `j mod active_units`, and the step's packets are
/// created evenly over its `interval` cycles. Multicast and broadcast are repeated unicast: one
/// packet per destination.
pub fn mapping_trace(
    traffic: &LayerTraffic,
    k: usize,
    steps: u64,
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
        let n = in_step.len() as u64;
        for (i, (src, dst, tensor, kind)) in in_step.into_iter().enumerate() {
            packets.push(TracePacket {
                cycle: step * interval + i as u64 * interval / n,
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
        classes,
        packets,
    })
}

/// Offer a trace's packets to the simulator at their cycles (no synthetic traffic) and run
/// until every packet has arrived, or until nothing moves for `STALL_CYCLES` (then
/// `saturated`). Every packet is measured; `rate` is the offered flits per node per cycle over
/// the trace's span and `accepted_rate` the ejected flits per node per cycle over the run.
pub fn run_trace(cfg: &SimConfig, trace: &MappingTrace) -> SimStats {
    let mut net = Network::new(*cfg);
    net.generating = false;
    net.measuring = true;
    let nodes = (cfg.k * cfg.k) as f64;
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
    let span = trace.steps.max(1) * trace.interval;
    let flits = (trace.packets.len() * cfg.packet_size) as f64;
    let n = latencies.len().max(1) as f64;
    latencies.sort_unstable();
    let p99 = match latencies.len() {
        0 => 0.0,
        len => latencies[(len * 99).div_ceil(100) - 1] as f64,
    };
    SimStats {
        rate: flits / (nodes * span as f64),
        avg_latency: latencies.iter().sum::<u64>() as f64 / n,
        p99_latency: p99,
        avg_hops: hops as f64 / n,
        accepted_rate: net.measured_flits_ejected as f64 / (nodes * net.now().max(1) as f64),
        packets: latencies.len() as u64,
        saturated,
        cycles_simulated: net.now(),
    }
}

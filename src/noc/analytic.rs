//! Analytic NoC models: the latency and energy of a layer's traffic classes on a bus, a tree,
//! a crossbar, a 2-D mesh, a shared wireless channel, or a hybrid of mesh and wireless. Each
//! transfer costs MAESTRO's form, a head latency plus pipelined serialisation
//! (`head + ⌈V / bw⌉ − 1`); the models differ in the head, in what is serialised, and in the
//! energy per bit (`docs/noc.md` derives every formula and lists the coefficients).

use super::traffic::{ClassKind, LayerTraffic, TrafficClass};
use crate::ir::noc::{Topology, WirelessMac};
use crate::ir::Hardware;

/// Energy of one bit over one wired link between neighbouring routers (pJ).
pub const LINK_PJ_PER_BIT: f64 = 0.1;
/// Energy of one bit through one router or switch (buffer, crossbar, arbitration) (pJ).
pub const ROUTER_PJ_PER_BIT: f64 = 0.2;
/// Energy of one bit sent over the wireless channel, whatever the distance (pJ).
pub const WIRELESS_PJ_PER_BIT: f64 = 1.0;
/// Cycles to grant the bus to a new sender.
pub const BUS_ARBITRATION_CYCLES: i64 = 1;
/// Cycles to pass the wireless token to the next sender.
pub const TOKEN_PASS_CYCLES: i64 = 1;
/// TDMA slot length and the guard time inside it (cycles).
pub const TDMA_SLOT_CYCLES: i64 = 8;
pub const TDMA_GUARD_CYCLES: i64 = 1;
/// Tree fan-out when the hardware gives none.
pub const DEFAULT_TREE_FANOUT: u64 = 4;
/// Element width when the hardware gives no precision.
pub const DEFAULT_ELEMENT_BITS: u32 = 16;

/// Every parameter of the models, resolved from the hardware (defaults in `docs/noc.md`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct NocParams {
    pub topology: Topology,
    /// Elements per cycle per link (the hardware's `noc.bandwidth`).
    pub bandwidth: i64,
    /// Cycles per hop (the hardware's `noc.latency`).
    pub hop_cycles: i64,
    pub tree_fanout: i64,
    pub in_network_reduction: bool,
    pub multicast_replication: bool,
    /// Elements per cycle of the shared wireless channel (default: the wired bandwidth).
    pub wireless_bandwidth: i64,
    pub mac: WirelessMac,
    pub element_bits: u32,
}

impl NocParams {
    /// The hardware's NoC, on `topology` if given, else its own (default: mesh).
    pub fn from_hardware(hw: &Hardware, topology: Option<Topology>) -> NocParams {
        let bandwidth = hw.noc_bandwidth.elements_per_cycle(hw.precision).max(1) as i64;
        NocParams {
            topology: topology.or(hw.noc.topology).unwrap_or(Topology::Mesh),
            bandwidth,
            hop_cycles: hw.noc_latency_cycles.max(1) as i64,
            tree_fanout: hw.noc.fanout.unwrap_or(DEFAULT_TREE_FANOUT).max(2) as i64,
            in_network_reduction: hw.noc.in_network_reduction.unwrap_or(false),
            multicast_replication: hw.noc.multicast_replication.unwrap_or(true),
            wireless_bandwidth: hw.noc.wireless_bandwidth.map_or(bandwidth, |b| {
                b.elements_per_cycle(hw.precision).max(1) as i64
            }),
            mac: hw.noc.mac.unwrap_or(WirelessMac::Token),
            element_bits: hw.precision.map_or(DEFAULT_ELEMENT_BITS, |p| p.bits),
        }
    }
}

/// One class's cost over the layer.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ClassCost {
    #[serde(flatten)]
    pub class: TrafficClass,
    /// On the hybrid: whether the class goes over the wireless channel.
    pub wireless: bool,
    /// Cycles from the first element sent to the last received in one step (head latency
    /// plus serialisation).
    pub latency_per_step: i64,
    /// Cycles one step's transfer occupies the network on average, and over all steps.
    pub cycles_per_step: f64,
    pub cycles: f64,
    /// Picojoules over the layer.
    pub energy_pj: f64,
}

/// A layer's traffic on one topology, at one cluster level.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerNocCost {
    pub layer: String,
    pub topology: Topology,
    /// The cluster level (0 the top), its networks, and how many work at once on average.
    pub level: usize,
    pub instances: i64,
    pub parallel: f64,
    pub steps: i64,
    pub units: i64,
    pub classes: Vec<ClassCost>,
    /// Per step, cycles the network is busy: distribution (input and filter share it),
    /// collection; and the cost model's compute cycles.
    pub ingress_cycles_per_step: f64,
    pub egress_cycles_per_step: f64,
    pub compute_cycles_per_step: i64,
    /// `steps × max(ingress, egress, compute) / parallel`, plus the head latencies once: the level's runtime when transfers overlap with compute as in the cost model.
    pub runtime_cycles: i64,
    /// This level's NoC energy, all instances.
    pub energy_pj: f64,
    /// At the top level: the levels inside the clusters, from the next one down.
    pub inner_levels: Vec<LayerNocCost>,
    /// Every level together: the slowest level's runtime (the levels' networks work at the
    /// same time, double-buffered) and the energies added up.
    pub all_levels_runtime_cycles: i64,
    pub all_levels_energy_pj: f64,
}

/// The side of the smallest square mesh with `units` nodes.
pub fn mesh_side(units: i64) -> i64 {
    let mut m = 1;
    while m * m < units {
        m += 1;
    }
    m
}

/// Tree depth: levels of fan-out `k` above `units` leaves.
fn tree_depth(units: i64, k: i64) -> i64 {
    let (mut depth, mut reach) = (0, 1i64);
    while reach < units {
        reach = reach.saturating_mul(k);
        depth += 1;
    }
    depth.max(1)
}

fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b.max(1)
}

/// One transfer: the head latency (hops, paid once while transfers stream back to back) and
/// how long it occupies the network (serialisation and per-sender overheads).
/// Its latency is `head + ⌈occupancy⌉ − 1`, MAESTRO's `head + ⌈V / bw⌉ − 1`. Volumes are
/// per-step averages, so the occupancy is fractional (a tensor reloaded every tenth step
/// occupies a tenth of its transfer per step).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Transfer {
    pub head: i64,
    pub occupancy: f64,
}

impl Transfer {
    pub fn latency(self) -> i64 {
        if self.occupancy <= 0.0 {
            0
        } else {
            self.head + self.occupancy.ceil() as i64 - 1
        }
    }
}

/// `volume` elements at `bw` per cycle after `head`, plus `overhead` cycles of occupancy;
/// nothing to send costs nothing.
fn transfer(head: i64, volume: f64, bw: i64, overhead: f64) -> Transfer {
    if volume <= 0.0 {
        Transfer {
            head: 0,
            occupancy: 0.0,
        }
    } else {
        Transfer {
            head,
            occupancy: overhead + volume / bw.max(1) as f64,
        }
    }
}

/// One step's transfer of a class on a wired topology, and its link-bit traversals.
pub(super) fn wired_step(
    p: &NocParams,
    topology: Topology,
    units: i64,
    c: &TrafficClass,
) -> (Transfer, f64) {
    let v = c.elements_per_step;
    let f = c.fanout.max(1.0);
    let fan = f.ceil() as i64;
    let (bw, h) = (p.bandwidth, p.hop_cycles);
    // Whether the network sends one copy for all destinations (or sources).
    let shared = match c.kind {
        ClassKind::Unicast | ClassKind::Collection => true,
        ClassKind::Multicast | ClassKind::Broadcast => p.multicast_replication,
        ClassKind::Reduction => p.in_network_reduction,
    };
    let serial = if shared { v } else { v * f };
    let vf = c.elements_per_step * f;
    match topology {
        Topology::Bus => {
            // A broadcast medium: one copy reaches everyone; partial sums arrive one by one.
            let reduction = c.kind == ClassKind::Reduction;
            let copies = if reduction { v * f } else { v };
            let senders = if reduction { f } else { 1.0 };
            // A bus spans the array: a bit crosses one side's worth of links.
            let side = mesh_side(units) as f64;
            (
                transfer(h, copies, bw, senders * BUS_ARBITRATION_CYCLES as f64),
                copies * side,
            )
        }
        Topology::Crossbar => {
            // One hop; the buffer's port is the bottleneck, it fans out in the switch
            // (multicast) but receives every partial sum (no adder in a crossbar).
            let serial = if c.kind == ClassKind::Reduction {
                v * f
            } else {
                v
            };
            (transfer(h, serial, bw, 0.0), vf)
        }
        Topology::Tree => {
            let depth = tree_depth(units, p.tree_fanout);
            let links = if shared && !matches!(c.kind, ClassKind::Unicast | ClassKind::Collection) {
                tree_links(fan, p.tree_fanout, depth) as f64 * c.elements_per_step
            } else {
                vf * depth as f64
            };
            (transfer(depth * h, serial, bw, 0.0), links)
        }
        Topology::Mesh | Topology::Hybrid | Topology::Wireless => {
            let m = mesh_side(units);
            let unicast_hops = m - 1;
            let far = multicast_reach(m, fan);
            let (head, links) = match c.kind {
                ClassKind::Unicast | ClassKind::Collection => {
                    (unicast_hops, c.elements_per_step * unicast_hops as f64)
                }
                _ if shared => (far, c.elements_per_step * (fan - 1).max(1) as f64),
                _ => (unicast_hops, vf * unicast_hops as f64),
            };
            (transfer((head + 1) * h, serial, bw, 0.0), links)
        }
    }
}

/// Links of the smallest subtree reaching `leaves` neighbouring leaves of a `k`-ary tree.
fn tree_links(leaves: i64, k: i64, depth: i64) -> i64 {
    let mut links = 0;
    let mut nodes = leaves.max(1);
    for _ in 0..depth {
        links += nodes;
        nodes = ceil_div(nodes, k);
    }
    links
}

/// Hops from the buffer's corner router to the farthest of `fan` neighbouring nodes (a
/// `√fan`-sided block next to the average node), at most the far corner.
fn multicast_reach(m: i64, fan: i64) -> i64 {
    let block = mesh_side(fan);
    (m - 1 + block - 1).min(2 * (m - 1))
}

/// Latency of one step of a class on the wireless channel: one hop to all, shared bandwidth,
/// and the MAC's cost per sender.
pub(super) fn wireless_step(p: &NocParams, c: &TrafficClass) -> Transfer {
    let v = c.elements_per_step;
    let f = c.fanout.max(1.0);
    let (copies, senders) = match c.kind {
        ClassKind::Reduction => (v * f, f),
        _ => (v, 1.0),
    };
    match p.mac {
        WirelessMac::Token => transfer(
            p.hop_cycles,
            copies,
            p.wireless_bandwidth,
            senders * TOKEN_PASS_CYCLES as f64,
        ),
        WirelessMac::Tdma => {
            let payload = ((TDMA_SLOT_CYCLES - TDMA_GUARD_CYCLES) * p.wireless_bandwidth) as f64;
            let slots = (copies / payload).max(senders);
            let mut t = transfer(p.hop_cycles, copies, p.wireless_bandwidth, 0.0);
            if t.occupancy > 0.0 {
                t.occupancy = slots * TDMA_SLOT_CYCLES as f64;
            }
            t
        }
    }
}

/// Whether a class goes over the wireless channel on `topology`.
fn on_wireless(topology: Topology, kind: ClassKind) -> bool {
    match topology {
        Topology::Wireless => true,
        Topology::Hybrid => matches!(kind, ClassKind::Multicast | ClassKind::Broadcast),
        _ => false,
    }
}

/// The cost of a layer's traffic on the topology of `p`.
pub fn layer_cost(p: &NocParams, t: &LayerTraffic) -> LayerNocCost {
    let bits = f64::from(p.element_bits);
    let mut classes = Vec::with_capacity(3);
    // Per step and per network (wired, wireless): distribution and collection cycles.
    let mut ingress = [0.0f64; 2];
    let mut egress = [0.0f64; 2];
    // Head latencies: paid once, while the steps' transfers stream back to back.
    let (mut ingress_fill, mut egress_fill) = (0i64, 0i64);
    for c in &t.classes {
        let wireless = on_wireless(p.topology, c.kind);
        let (step, energy_per_step) = if wireless {
            let copies = if c.kind == ClassKind::Reduction {
                c.elements_per_step * c.fanout
            } else {
                c.elements_per_step
            };
            (wireless_step(p, c), copies * bits * WIRELESS_PJ_PER_BIT)
        } else {
            let (step, link_bits) = wired_step(p, p.topology, t.units, c);
            let per_link = LINK_PJ_PER_BIT + ROUTER_PJ_PER_BIT;
            (step, link_bits * bits * per_link)
        };
        let net = usize::from(wireless);
        let (busy, fill) = if c.kind.is_egress() {
            (&mut egress, &mut egress_fill)
        } else {
            (&mut ingress, &mut ingress_fill)
        };
        // Every cluster has its own wired network, but the wireless channel is one for the
        // chip: the transfers of the clusters at work take turns on it.
        let sharing = if wireless { t.parallel.max(1.0) } else { 1.0 };
        busy[net] += step.occupancy * sharing;
        *fill = (*fill).max(step.head);
        classes.push(ClassCost {
            class: *c,
            wireless,
            latency_per_step: step.latency(),
            cycles_per_step: step.occupancy,
            cycles: step.occupancy * t.steps as f64,
            energy_pj: energy_per_step * t.steps as f64,
        });
    }
    let ingress = ingress[0].max(ingress[1]);
    let egress = egress[0].max(egress[1]);
    let step = ingress.max(egress).max(t.compute_cycles_per_step as f64);
    let parallel = t.parallel.max(1.0);
    let runtime_cycles =
        (step * t.steps as f64 / parallel).ceil() as i64 + ingress_fill + egress_fill;
    let energy_pj: f64 = classes.iter().map(|c| c.energy_pj).sum();
    let inner_levels: Vec<LayerNocCost> = t.inner_levels.iter().map(|l| layer_cost(p, l)).collect();
    LayerNocCost {
        layer: t.layer.clone(),
        topology: p.topology,
        level: t.level,
        instances: t.instances,
        parallel,
        steps: t.steps,
        units: t.units,
        energy_pj,
        classes,
        ingress_cycles_per_step: ingress,
        egress_cycles_per_step: egress,
        compute_cycles_per_step: t.compute_cycles_per_step,
        runtime_cycles,
        all_levels_runtime_cycles: inner_levels
            .iter()
            .map(|l| l.runtime_cycles)
            .fold(runtime_cycles, i64::max),
        all_levels_energy_pj: energy_pj + inner_levels.iter().map(|l| l.energy_pj).sum::<f64>(),
        inner_levels,
    }
}

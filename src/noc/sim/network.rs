//! The cycle-level mesh: input-queued virtual-channel routers with credit flow control, one
//! flit per input port and per output port a cycle, a fixed pipeline (`Pipeline`), an
//! infinite source queue and a sink per node. [`Network::step`] advances one cycle; the
//! statistics and run phases are in `super::run`.

use std::collections::VecDeque;

use super::config::{Routing, SimConfig};
use super::patterns::destination;
use super::q_routing::QTable;
use crate::util::Rng;

/// Ports: east (+x), west (−x), north (+y), south (−y), and the local (inject/eject) port.
pub const PORTS: usize = 5;
const EAST: usize = 0;
const WEST: usize = 1;
const NORTH: usize = 2;
const SOUTH: usize = 3;
pub const LOCAL: usize = 4;
/// Flits of room given to each VC buffer up front (larger buffers grow when used).
const PREALLOCATED_FLITS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Flit {
    packet: u32,
    head: bool,
    tail: bool,
    /// Cycle from which it may cross the switch.
    ready: u64,
    /// Cycle it entered this router's buffer (Q-routing's queueing time).
    arrived: u64,
}

#[derive(Debug, Default)]
struct InputVc {
    queue: VecDeque<Flit>,
    /// The output port and VC its current packet holds.
    out: Option<(usize, usize)>,
}

/// The (output port, VC range) pairs a head flit may take, best first: at most two
/// productive ports and an escape, so a fixed array rather than an allocation per hop.
#[derive(Default)]
struct Candidates {
    items: [(usize, (usize, usize)); 3],
    len: usize,
}

impl Candidates {
    fn push(&mut self, candidate: (usize, (usize, usize))) {
        self.items[self.len] = candidate;
        self.len += 1;
    }

    fn as_mut_slice(&mut self) -> &mut [(usize, (usize, usize))] {
        &mut self.items[..self.len]
    }
}

/// What the network knows of a packet.
#[derive(Debug, Clone, Copy)]
pub struct Packet {
    pub src: u32,
    pub dst: u32,
    pub created: u64,
    /// Router-to-router links traversed by its head.
    pub hops: u32,
    /// O1TURN: YX order; Valiant: the intermediate node and whether it was reached.
    pub yx: bool,
    pub mid: u32,
    second_phase: bool,
    /// Created in the measurement window.
    pub measured: bool,
}

/// A packet whose tail left the network.
#[derive(Debug, Clone, Copy)]
pub struct Delivery {
    pub packet: Packet,
    pub ejected: u64,
}

/// The mesh and everything in flight.
pub struct Network {
    cfg: SimConfig,
    rng: Rng,
    now: u64,
    inputs: Vec<InputVc>,
    /// Per output VC: free slots downstream, and whether a packet holds it.
    credits: Vec<u32>,
    held: Vec<bool>,
    /// Credits on their way back: (arrival cycle, output VC).
    returning: VecDeque<(u64, usize)>,
    /// Per node: packets waiting to enter, and flits of the front one already sent.
    sources: Vec<VecDeque<u32>>,
    injected_flits: Vec<usize>,
    inject_vc: Vec<Option<usize>>,
    /// Packets in the network or waiting to enter it, by id; a delivered packet's slot is
    /// reused (`free_slots`), so the table stays as small as the traffic in flight.
    packets: Vec<Packet>,
    free_slots: Vec<u32>,
    created: usize,
    round_robin: Vec<usize>,
    /// Per router: a bit per input VC (`port · vcs + vc`) whose buffer holds a flit, so the
    /// switch allocation visits only those (at most 5 ports × 16 VCs = 80 bits).
    occupied: Vec<u128>,
    /// Per input VC: the cycle its front flit may cross the switch (`u64::MAX` when empty),
    /// kept apart so the switch allocation's scan reads a small dense array.
    front_ready: Vec<u64>,
    /// Per router and direction port: the router and input port at the other end.
    links: Vec<[Option<(usize, usize)>; 4]>,
    /// Per router: its column and row.
    coords: Vec<(usize, usize)>,
    /// Whether new packets are created in this cycle's window.
    pub measuring: bool,
    pub generating: bool,
    /// Deliveries since the caller last took them.
    pub delivered: Vec<Delivery>,
    /// Flits ejected in the measurement window.
    pub measured_flits_ejected: u64,
    measured_created: u64,
    /// Flits that moved this cycle (injected, forwarded or ejected).
    pub moved: u64,
    /// Q-routing's learned estimates (only with `Routing::QRouting`).
    q_table: Option<QTable>,
}

impl Network {
    pub fn new(cfg: SimConfig) -> Network {
        let nodes = cfg.k * cfg.k;
        let vcs = nodes * PORTS * cfg.vcs;
        let q_table = (cfg.routing == Routing::QRouting).then(|| {
            QTable::new(cfg.k, cfg.pipeline.per_hop(), |router, port| {
                neighbour(cfg.k, router, port).map(|(next, _)| next)
            })
        });
        Network {
            cfg,
            rng: Rng::new(cfg.seed),
            now: 0,
            // Credits keep every buffer within `buffer` flits; allocated together up front, the
            // buffers of neighbouring VCs sit close in memory.
            inputs: (0..vcs)
                .map(|_| InputVc {
                    queue: VecDeque::with_capacity(cfg.buffer.min(PREALLOCATED_FLITS)),
                    out: None,
                })
                .collect(),
            credits: vec![cfg.buffer as u32; vcs],
            held: vec![false; vcs],
            returning: VecDeque::new(),
            sources: vec![VecDeque::new(); nodes],
            injected_flits: vec![0; nodes],
            inject_vc: vec![None; nodes],
            packets: Vec::new(),
            free_slots: Vec::new(),
            created: 0,
            round_robin: vec![0; nodes],
            occupied: vec![0; nodes],
            front_ready: vec![u64::MAX; vcs],
            links: (0..nodes)
                .map(|r| [EAST, WEST, NORTH, SOUTH].map(|p| neighbour(cfg.k, r, p)))
                .collect(),
            coords: (0..nodes).map(|r| (r % cfg.k, r / cfg.k)).collect(),
            measuring: false,
            generating: true,
            delivered: Vec::new(),
            measured_flits_ejected: 0,
            measured_created: 0,
            moved: 0,
            q_table,
        }
    }

    /// Q-routing's estimate at `router` of the cycles to `dst` through `port` (0 east, 1 west,
    /// 2 north, 3 south), or `None` under another routing.
    pub fn q_estimate(&self, router: usize, dst: usize, port: usize) -> Option<f64> {
        let table = self.q_table.as_ref()?;
        (port < 4).then(|| table.estimate(router, dst, port))
    }

    /// Packets created since the start (synthetic and offered).
    pub fn packets_created(&self) -> usize {
        self.created
    }

    /// Packets created in the measurement window so far.
    pub fn measured_created(&self) -> u64 {
        self.measured_created
    }

    pub fn now(&self) -> u64 {
        self.now
    }

    pub fn config(&self) -> &SimConfig {
        &self.cfg
    }

    /// Flits waiting in the source queues.
    pub fn queued_flits(&self) -> usize {
        let p = self.cfg.packet_size;
        self.sources
            .iter()
            .zip(&self.injected_flits)
            .map(|(q, sent)| q.len() * p - sent)
            .sum()
    }

    /// Whether any flit is in a router buffer.
    pub fn flits_in_routers(&self) -> bool {
        self.occupied.iter().any(|&bits| bits != 0)
    }

    fn vc_index(&self, router: usize, port: usize, vc: usize) -> usize {
        (router * PORTS + port) * self.cfg.vcs + vc
    }

    fn neighbour(&self, router: usize, port: usize) -> Option<(usize, usize)> {
        self.links[router].get(port).copied().flatten()
    }

    /// The bit of an input VC in its router's `occupied` mask.
    fn vc_bit(&self, port: usize, vc: usize) -> u128 {
        1 << (port * self.cfg.vcs + vc)
    }

    /// Advance one cycle: credits arrive, sources create and inject, routers forward.
    pub fn step(&mut self) {
        self.moved = 0;
        while let Some(&(t, o)) = self.returning.front() {
            if t > self.now {
                break;
            }
            self.credits[o] += 1;
            self.returning.pop_front();
        }
        let nodes = self.cfg.k * self.cfg.k;
        for node in 0..nodes {
            self.generate(node);
            self.inject(node);
        }
        for router in 0..nodes {
            self.route_and_forward(router);
        }
        self.now += 1;
    }

    /// Deliveries since the caller last took them.
    pub fn take_delivered(&mut self) -> Vec<Delivery> {
        std::mem::take(&mut self.delivered)
    }

    /// Queue a packet from `src` to `dst` now, besides the synthetic traffic (traces, tests).
    pub fn offer(&mut self, src: usize, dst: usize) {
        self.enqueue(src, dst);
    }

    fn generate(&mut self, node: usize) {
        let p = self.cfg.rate / self.cfg.packet_size as f64;
        if !self.generating || !self.rng.chance(p) {
            return;
        }
        let dst = destination(self.cfg.traffic, self.cfg.k, node, &mut self.rng);
        self.enqueue(node, dst);
    }

    fn enqueue(&mut self, node: usize, dst: usize) {
        let k = self.cfg.k;
        let (yx, mid) = match self.cfg.routing {
            Routing::O1turn => (self.rng.chance(0.5), 0),
            Routing::Valiant => (false, self.rng.below(k * k) as u32),
            _ => (false, 0),
        };
        let packet = Packet {
            src: node as u32,
            dst: dst as u32,
            created: self.now,
            hops: 0,
            yx,
            mid,
            second_phase: mid == node as u32,
            measured: self.measuring,
        };
        let id = match self.free_slots.pop() {
            Some(id) => {
                self.packets[id as usize] = packet;
                id
            }
            None => {
                self.packets.push(packet);
                (self.packets.len() - 1) as u32
            }
        };
        self.created += 1;
        self.sources[node].push_back(id);
        if self.measuring {
            self.measured_created += 1;
        }
    }

    /// One flit of the front packet into a local input VC with room.
    fn inject(&mut self, node: usize) {
        let Some(&packet) = self.sources[node].front() else {
            return;
        };
        let vc = match self.inject_vc[node] {
            Some(vc) => vc,
            None => {
                // A VC no packet is entering: empty, and not the tail end of another packet.
                let free = (0..self.cfg.vcs).find(|&v| {
                    let i = self.vc_index(node, LOCAL, v);
                    self.inputs[i].queue.is_empty() && self.inputs[i].out.is_none()
                });
                let Some(vc) = free else { return };
                self.inject_vc[node] = Some(vc);
                vc
            }
        };
        let i = self.vc_index(node, LOCAL, vc);
        if self.inputs[i].queue.len() >= self.cfg.buffer {
            return;
        }
        let sent = self.injected_flits[node];
        let tail = sent + 1 == self.cfg.packet_size;
        let flit = Flit {
            packet,
            head: sent == 0,
            tail,
            ready: self.now + self.cfg.pipeline.inject + self.cfg.pipeline.router,
            arrived: self.now + self.cfg.pipeline.inject,
        };
        self.push_flit(node, LOCAL, vc, flit);
        self.moved += 1;
        if tail {
            self.sources[node].pop_front();
            self.injected_flits[node] = 0;
            self.inject_vc[node] = None;
        } else {
            self.injected_flits[node] = sent + 1;
        }
    }

    /// The next port towards `dst` in dimension order (XY, or YX).
    fn dimension_order(&self, router: usize, dst: usize, yx: bool) -> usize {
        let ((x, y), (dx, dy)) = (self.coords[router], self.coords[dst]);
        let horizontal = |fallback: usize| match dx.cmp(&x) {
            std::cmp::Ordering::Greater => EAST,
            std::cmp::Ordering::Less => WEST,
            std::cmp::Ordering::Equal => fallback,
        };
        let vertical = |fallback: usize| match dy.cmp(&y) {
            std::cmp::Ordering::Greater => NORTH,
            std::cmp::Ordering::Less => SOUTH,
            std::cmp::Ordering::Equal => fallback,
        };
        if yx {
            vertical(horizontal(LOCAL))
        } else {
            horizontal(vertical(LOCAL))
        }
    }

    /// Productive ports towards `dst` (empty at the destination).
    fn productive(&self, router: usize, dst: usize) -> ([usize; 2], usize) {
        let ((x, y), (dx, dy)) = (self.coords[router], self.coords[dst]);
        let mut out = [LOCAL; 2];
        let mut n = 0;
        if dx != x {
            out[n] = if dx > x { EAST } else { WEST };
            n += 1;
        }
        if dy != y {
            out[n] = if dy > y { NORTH } else { SOUTH };
            n += 1;
        }
        (out, n)
    }

    /// Free slots over the free VCs of `range` on an output port.
    fn port_credits(&self, router: usize, port: usize, range: (usize, usize)) -> u32 {
        (range.0..range.1)
            .map(|v| self.vc_index(router, port, v))
            .filter(|&o| !self.held[o])
            .map(|o| self.credits[o])
            .sum()
    }

    /// Choose an output port and VC for the head of `packet` at `router`, or `None` when
    /// every candidate VC is held.
    fn allocate(&mut self, router: usize, packet: u32) -> Option<(usize, usize)> {
        let v = self.cfg.vcs;
        let half = (v / 2).max(1);
        let classes = [(0, half), (half, v)];
        let all = (0, v);
        let pk = &mut self.packets[packet as usize];
        if self.cfg.routing == Routing::Valiant && !pk.second_phase && pk.mid == router as u32 {
            pk.second_phase = true;
        }
        let pk = *pk;
        let dst = pk.dst as usize;
        if router == dst && (self.cfg.routing != Routing::Valiant || pk.second_phase) {
            return Some((LOCAL, 0));
        }
        // Candidate (port, VC range), best first.
        let mut candidates = Candidates::default();
        match self.cfg.routing {
            Routing::Xy => candidates.push((self.dimension_order(router, dst, false), all)),
            Routing::Yx => candidates.push((self.dimension_order(router, dst, true), all)),
            Routing::O1turn => candidates.push((
                self.dimension_order(router, dst, pk.yx),
                classes[usize::from(pk.yx)],
            )),
            Routing::Valiant => {
                let target = if pk.second_phase {
                    dst
                } else {
                    pk.mid as usize
                };
                let class = classes[usize::from(pk.second_phase)];
                candidates.push((self.dimension_order(router, target, false), class));
            }
            Routing::WestFirst | Routing::WestFirstAdaptive => {
                let (ports, n) = self.productive(router, dst);
                if ports[..n].contains(&WEST) {
                    candidates.push((WEST, all));
                } else if self.cfg.routing == Routing::WestFirst {
                    let pick = ports[self.rng.below(n)];
                    candidates.push((pick, all));
                } else {
                    for &p in &ports[..n] {
                        candidates.push((p, all));
                    }
                    self.by_credits(router, candidates.as_mut_slice());
                }
            }
            Routing::MinAdaptive | Routing::QRouting => {
                let (ports, n) = self.productive(router, dst);
                for &p in &ports[..n] {
                    candidates.push((p, (1, v)));
                }
                self.by_credits(router, candidates.as_mut_slice());
                if let Some(table) = &self.q_table {
                    // Lowest learned delivery time first; equal estimates keep the credit order.
                    candidates.as_mut_slice().sort_by(|a, b| {
                        let q = |p: usize| table.estimate(router, dst, p);
                        q(a.0).total_cmp(&q(b.0))
                    });
                }
                candidates.push((self.dimension_order(router, dst, false), (0, 1)));
            }
        }
        for &(port, (lo, hi)) in candidates.as_mut_slice().iter() {
            if port == LOCAL {
                return Some((LOCAL, 0));
            }
            let free = (lo..hi).find(|&vc| {
                let o = self.vc_index(router, port, vc);
                !self.held[o] && self.credits[o] > 0
            });
            if let Some(vc) = free {
                let o = self.vc_index(router, port, vc);
                self.held[o] = true;
                return Some((port, vc));
            }
        }
        None
    }

    /// Q-routing: the head of `flit` leaves `router` through `port` for `next` now; `next`
    /// answers with its best estimate and `router` updates its own.
    fn learn(&mut self, router: usize, port: usize, next: usize, flit: &Flit) {
        if self.q_table.is_none() {
            return;
        }
        let dst = self.packets[flit.packet as usize].dst as usize;
        let (ports, n) = self.productive(next, dst);
        let Some(table) = &mut self.q_table else {
            return;
        };
        let remaining = table.best(next, dst, &ports[..n]);
        let waited = (self.now - flit.arrived) as f64;
        let observed = waited + self.cfg.pipeline.link as f64 + remaining;
        table.update(router, dst, port, observed);
    }

    /// Most free downstream slots first; ties keep their order (stable sort).
    fn by_credits(&self, router: usize, candidates: &mut [(usize, (usize, usize))]) {
        candidates.sort_by_key(|&(p, r)| std::cmp::Reverse(self.port_credits(router, p, r)));
    }

    /// Switch allocation and traversal at one router, separable and input-first: each input
    /// port offers one ready flit with a downstream credit (round-robin over its VCs), each
    /// output port takes the first offer (round-robin over input ports).
    /// Input VCs with an empty buffer offer nothing, so only those set in `occupied` are
    /// tried, in the same round-robin order.
    fn route_and_forward(&mut self, router: usize) {
        let v = self.cfg.vcs;
        let start = self.round_robin[router];
        self.round_robin[router] = if start + 1 == PORTS * v { 0 } else { start + 1 };
        if self.occupied[router] == 0 {
            return;
        }
        let mut out_used = [false; PORTS];
        let port_mask = (1u128 << v) - 1;
        let (mut port, first_vc) = (start / v, start % v);
        for _ in 0..PORTS {
            let waiting = (self.occupied[router] >> (port * v)) & port_mask;
            if waiting != 0 {
                let mut vc = first_vc;
                for _ in 0..v {
                    if (waiting >> vc) & 1 == 1 && self.try_forward(router, port, vc, &mut out_used)
                    {
                        break;
                    }
                    vc = if vc + 1 == v { 0 } else { vc + 1 };
                }
            }
            port = if port + 1 == PORTS { 0 } else { port + 1 };
        }
    }

    /// Append `flit` to the buffer of input VC `vc` of `port` at `router`.
    fn push_flit(&mut self, router: usize, port: usize, vc: usize, flit: Flit) {
        let i = self.vc_index(router, port, vc);
        if self.inputs[i].queue.is_empty() {
            self.front_ready[i] = flit.ready;
        }
        self.occupied[router] |= self.vc_bit(port, vc);
        self.inputs[i].queue.push_back(flit);
    }

    /// Remove the front flit of input VC `vc` of `port` at `router`.
    fn pop_flit(&mut self, router: usize, port: usize, vc: usize) {
        let i = self.vc_index(router, port, vc);
        let queue = &mut self.inputs[i].queue;
        queue.pop_front();
        match queue.front() {
            Some(next) => self.front_ready[i] = next.ready,
            None => {
                self.front_ready[i] = u64::MAX;
                self.occupied[router] &= !self.vc_bit(port, vc);
            }
        }
    }

    fn try_forward(
        &mut self,
        router: usize,
        port: usize,
        vc: usize,
        out_used: &mut [bool; PORTS],
    ) -> bool {
        let i = self.vc_index(router, port, vc);
        // Also false for an empty buffer (`u64::MAX`).
        if self.front_ready[i] > self.now {
            return false;
        }
        let Some(&flit) = self.inputs[i].queue.front() else {
            return false;
        };
        let (out_port, out_vc) = match self.inputs[i].out {
            Some(o) => o,
            None => match self.allocate(router, flit.packet) {
                Some(o) => {
                    self.inputs[i].out = Some(o);
                    o
                }
                None => return false,
            },
        };
        if out_used[out_port] {
            // A separable allocator: the input port chose this VC and lost the output port to
            // another input; it does not try its other VCs this cycle.
            return true;
        }
        let o = self.vc_index(router, out_port, out_vc);
        if out_port != LOCAL && self.credits[o] == 0 {
            return false;
        }
        out_used[out_port] = true;
        self.pop_flit(router, port, vc);
        self.moved += 1;
        if port != LOCAL {
            if let Some((up, up_port)) = self.neighbour(router, port) {
                let upstream = self.vc_index(up, up_port, vc);
                self.returning
                    .push_back((self.now + self.cfg.pipeline.credit, upstream));
            }
        }
        let arrive = self.now + self.cfg.pipeline.link;
        if out_port == LOCAL {
            if self.measuring {
                self.measured_flits_ejected += 1;
            }
            if flit.tail {
                self.delivered.push(Delivery {
                    packet: self.packets[flit.packet as usize],
                    ejected: arrive,
                });
                // Its last flit has left: the slot is free.
                self.free_slots.push(flit.packet);
            }
        } else if let Some((next, in_port)) = self.neighbour(router, out_port) {
            self.credits[o] -= 1;
            if flit.head {
                self.packets[flit.packet as usize].hops += 1;
                self.learn(router, out_port, next, &flit);
            }
            let moved = Flit {
                ready: arrive + self.cfg.pipeline.router,
                arrived: arrive,
                ..flit
            };
            self.push_flit(next, in_port, out_vc, moved);
        }
        if flit.tail {
            // The next packet of this VC starts routing and allocation only now (as in
            // BookSim2, the pipeline stages of one VC serve one packet at a time).
            let router_delay = self.cfg.pipeline.router;
            if let Some(next) = self.inputs[i].queue.front_mut() {
                next.ready = next.ready.max(self.now + router_delay);
                self.front_ready[i] = next.ready;
            }
            self.inputs[i].out = None;
            if out_port != LOCAL {
                self.held[o] = false;
            }
        }
        true
    }
}

/// The router and input port at the other end of `port` of `router` on a `k`×`k` mesh.
fn neighbour(k: usize, router: usize, port: usize) -> Option<(usize, usize)> {
    let (x, y) = (router % k, router / k);
    match port {
        EAST if x + 1 < k => Some((router + 1, WEST)),
        WEST if x > 0 => Some((router - 1, EAST)),
        NORTH if y + 1 < k => Some((router + k, SOUTH)),
        SOUTH if y > 0 => Some((router - k, NORTH)),
        _ => None,
    }
}

//! Boyan–Littman Q-routing on the mesh: every router keeps, per destination and output port,
//! an estimate of the cycles a packet still needs when it leaves through that port. When a
//! head flit leaves router `x` through port `p` to router `y`, `y` answers with its own best
//! estimate `t` and `x` moves its estimate towards what the packet just showed:
//! `Q_x(d, p) += η · (q + s + t − Q_x(d, p))` with `q` the cycles the flit spent at `x` and
//! `s` the link. Candidates are the productive ports only, on the adaptive VCs, with XY on
//! the escape VC 0 (as `min-adaptive`), so learning changes latency but never deadlocks.

use super::patterns::distance;

/// The learning rate η of the estimates.
pub const LEARNING_RATE: f64 = 0.2;
/// Meshes up to this side (the tables hold `k⁴ · 4` estimates).
pub const MAX_SIDE: usize = 16;

/// Per router, destination and neighbour port (east, west, north, south): the estimated
/// delivery time in cycles.
#[derive(Debug, Clone)]
pub struct QTable {
    k: usize,
    per_hop: f64,
    values: Vec<f64>,
}

impl QTable {
    /// Estimates start at the zero-load time: one hop per router still to pass, plus the
    /// hop out of the network at the destination.
    pub fn new(k: usize, per_hop: u64, next: impl Fn(usize, usize) -> Option<usize>) -> QTable {
        let nodes = k * k;
        let per_hop = per_hop as f64;
        let mut values = vec![0.0; nodes * nodes * 4];
        for router in 0..nodes {
            for port in 0..4 {
                let Some(y) = next(router, port) else {
                    continue;
                };
                for dst in 0..nodes {
                    values[(router * nodes + dst) * 4 + port] =
                        per_hop * (distance(k, y, dst) + 2) as f64;
                }
            }
        }
        QTable { k, per_hop, values }
    }

    fn index(&self, router: usize, dst: usize, port: usize) -> usize {
        (router * self.k * self.k + dst) * 4 + port
    }

    pub fn estimate(&self, router: usize, dst: usize, port: usize) -> f64 {
        self.values[self.index(router, dst, port)]
    }

    /// The best estimate at `router` over `ports` (the productive ones), or the ejection hop
    /// at the destination itself.
    pub fn best(&self, router: usize, dst: usize, ports: &[usize]) -> f64 {
        if router == dst {
            return self.per_hop;
        }
        ports
            .iter()
            .map(|&p| self.estimate(router, dst, p))
            .fold(f64::INFINITY, f64::min)
    }

    /// One Boyan–Littman update from what a packet observed leaving `router` via `port`.
    pub fn update(&mut self, router: usize, dst: usize, port: usize, observed: f64) {
        let i = self.index(router, dst, port);
        self.values[i] += LEARNING_RATE * (observed - self.values[i]);
    }
}

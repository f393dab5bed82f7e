//! Destinations of the synthetic traffic patterns, and the exact facts the simulator is
//! checked against: average hops of a pattern and channel loads under XY routing.

use super::config::Traffic;
use crate::util::Rng;

/// The destination of a packet from `src` on a `k`×`k` mesh (node = `y·k + x`); `rng` only
/// for uniform traffic.
pub fn destination(traffic: Traffic, k: usize, src: usize, rng: &mut Rng) -> usize {
    let n = k * k;
    let (x, y) = (src % k, src / k);
    match traffic {
        Traffic::Uniform => rng.below(n),
        Traffic::Transpose => x * k + y,
        Traffic::Bitcomp => (n - 1) - src,
        Traffic::Shuffle => {
            let bits = n.trailing_zeros();
            ((src << 1) | (src >> (bits - 1))) & (n - 1)
        }
        Traffic::Tornado => {
            let shift = k.div_ceil(2) - 1;
            ((y + shift) % k) * k + (x + shift) % k
        }
        Traffic::Neighbor => ((y + 1) % k) * k + (x + 1) % k,
    }
}

/// Minimal hops (links) between two nodes.
pub fn distance(k: usize, a: usize, b: usize) -> usize {
    (a % k).abs_diff(b % k) + (a / k).abs_diff(b / k)
}

/// Every (source, destination, probability) pair of a pattern.
pub fn flows(traffic: Traffic, k: usize) -> Vec<(usize, usize, f64)> {
    let n = k * k;
    let mut rng = Rng::new(0);
    let mut out = Vec::new();
    for s in 0..n {
        if traffic == Traffic::Uniform {
            out.extend((0..n).map(|d| (s, d, 1.0 / n as f64)));
        } else {
            out.push((s, destination(traffic, k, s, &mut rng), 1.0));
        }
    }
    out
}

/// Average hops per packet, with or without the packets a node sends to itself.
pub fn average_hops(traffic: Traffic, k: usize, count_self: bool) -> f64 {
    let (mut hops, mut weight) = (0.0, 0.0);
    for (s, d, p) in flows(traffic, k) {
        if s == d && !count_self {
            continue;
        }
        hops += p * distance(k, s, d) as f64;
        weight += p;
    }
    if weight > 0.0 {
        hops / weight
    } else {
        0.0
    }
}

/// Load of the busiest link under XY routing per unit of injection rate (flits per cycle on
/// the link when every node injects one flit per cycle). Its inverse bounds the accepted
/// throughput of XY routing.
pub fn max_channel_load_xy(traffic: Traffic, k: usize) -> f64 {
    // Links indexed by (node, direction): 0 east, 1 west, 2 north (+y), 3 south (−y).
    let mut load = vec![0.0f64; k * k * 4];
    for (s, d, p) in flows(traffic, k) {
        let (mut x, mut y) = (s % k, s / k);
        let (dx, dy) = (d % k, d / k);
        while x != dx {
            let dir = if dx > x { 0 } else { 1 };
            load[(y * k + x) * 4 + dir] += p;
            x = if dx > x { x + 1 } else { x - 1 };
        }
        while y != dy {
            let dir = if dy > y { 2 } else { 3 };
            load[(y * k + x) * 4 + dir] += p;
            y = if dy > y { y + 1 } else { y - 1 };
        }
    }
    load.into_iter().fold(0.0, f64::max)
}

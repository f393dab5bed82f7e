//! Unit tests of the NoC models: exact pattern facts, the simulator against them, and the
//! analytic models' defining properties.

use super::analytic::{mesh_side, wired_step, wireless_step, NocParams};
use super::sim::patterns::{average_hops, distance, max_channel_load_xy};
use super::sim::{run, sweep, Network, Pipeline, Routing, SimConfig, Traffic};
use super::trace::{
    mapping_trace, run_sequence, run_trace, sequence_traces, unit_node, MappingTrace, Timing,
    BUFFER_NODE, MAX_PACKETS,
};
use super::traffic::{ClassKind, LayerTraffic, Tensor, TrafficClass};
use crate::ir::noc::{Topology, WirelessMac};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn average_hops_match_closed_forms() {
    let k = 8.0f64;
    // Uniform: 2(k²−1)/(3k) with self-addressed packets, ×N/(N−1) without.
    assert!(close(
        average_hops(Traffic::Uniform, 8, true),
        2.0 * (k * k - 1.0) / (3.0 * k)
    ));
    assert!(close(
        average_hops(Traffic::Uniform, 8, false),
        5.25 * 64.0 / 63.0
    ));
    // Transpose: 2·E|x−y| = 5.25; its 8 diagonal nodes send to themselves.
    assert!(close(average_hops(Traffic::Transpose, 8, true), 5.25));
    assert!(close(average_hops(Traffic::Transpose, 8, false), 6.0));
    // Bit-complement: 2·E|k−1−2x| = 8; tornado: 2·(5·3 + 3·5)/8 = 7.5; neighbour 2·2(k−1)/k.
    assert!(close(average_hops(Traffic::Bitcomp, 8, true), 8.0));
    assert!(close(average_hops(Traffic::Tornado, 8, true), 7.5));
    assert!(close(average_hops(Traffic::Neighbor, 8, true), 3.5));
}

#[test]
fn xy_channel_load_bounds_uniform_throughput_at_4_over_k() {
    // The bisection links carry k/4 flits per cycle per unit of injection rate.
    assert!(close(max_channel_load_xy(Traffic::Uniform, 8), 2.0));
    assert!(close(max_channel_load_xy(Traffic::Uniform, 4), 1.0));
    // Neighbour traffic: each link carries one flow (the wrap-around goes the long way).
    assert!(close(max_channel_load_xy(Traffic::Neighbor, 8), 1.0));
}

/// One packet alone in an empty network.
fn lone_packet(cfg: SimConfig, src: usize, dst: usize) -> (u64, u32) {
    let mut net = Network::new(cfg);
    net.generating = false;
    net.offer(src, dst);
    for _ in 0..1000 {
        net.step();
        if let Some(d) = net.take_delivered().first() {
            return (d.ejected - d.packet.created, d.packet.hops);
        }
    }
    panic!("packet {src}->{dst} not delivered");
}

#[test]
fn zero_load_latency_is_hops_times_pipeline_plus_serialisation() {
    for routing in [
        Routing::Xy,
        Routing::Yx,
        Routing::O1turn,
        Routing::WestFirst,
        Routing::WestFirstAdaptive,
        Routing::MinAdaptive,
        Routing::QRouting,
    ] {
        for (pipeline, size) in [(Pipeline::DEFAULT, 1), (Pipeline::BOOKSIM, 4)] {
            let mut cfg = SimConfig::new(4, Traffic::Uniform, routing, 0.1);
            cfg.pipeline = pipeline;
            cfg.packet_size = size;
            for src in 0..16 {
                for dst in 0..16 {
                    let (latency, hops) = lone_packet(cfg, src, dst);
                    let h = distance(4, src, dst) as u64;
                    assert_eq!(hops as u64, h, "{routing:?} {src}->{dst}");
                    let expected = pipeline.inject + (h + 1) * pipeline.per_hop() + size as u64 - 1;
                    assert_eq!(latency, expected, "{routing:?} {src}->{dst}");
                }
            }
        }
    }
}

#[test]
fn valiant_goes_through_its_intermediate_node() {
    let cfg = SimConfig::new(4, Traffic::Uniform, Routing::Valiant, 0.1);
    for src in 0..16 {
        let dst = 15 - src;
        let mut net = Network::new(cfg);
        net.generating = false;
        net.offer(src, dst);
        let d = (0..200)
            .find_map(|_| {
                net.step();
                net.take_delivered().first().copied()
            })
            .expect("delivered");
        let mid = d.packet.mid as usize;
        assert_eq!(
            d.packet.hops as usize,
            distance(4, src, mid) + distance(4, mid, dst),
            "{src}->{mid}->{dst}"
        );
    }
}

#[test]
fn simulated_hops_equal_the_pattern_average_at_low_load() {
    // Permutations send the same number of packets per node only on average; with every
    // packet routed minimally, each packet's hops are its distance, so the mean over a long
    // run is within sampling error of the exact mean.
    let mut cfg = SimConfig::new(8, Traffic::Bitcomp, Routing::Xy, 0.02);
    cfg.cycles = 4000;
    let s = run(&cfg).expect("valid");
    assert!(!s.saturated);
    assert!((s.avg_hops - 8.0).abs() < 0.15, "{}", s.avg_hops);
    // Zero-load latency (hops + 1) · 2 = 18 plus a little queueing.
    assert!(
        s.avg_latency >= 18.0 && s.avg_latency < 19.0,
        "{}",
        s.avg_latency
    );
}

#[test]
fn latency_grows_with_load_and_throughput_stays_under_the_bound() {
    let mut cfg = SimConfig::new(8, Traffic::Uniform, Routing::Xy, 0.1);
    cfg.cycles = 2000;
    let stats = sweep(&cfg, &[0.05, 0.2, 0.35, 0.8]).expect("valid");
    assert!(stats[0].avg_latency < stats[1].avg_latency);
    assert!(stats[1].avg_latency < stats[2].avg_latency);
    assert!(stats.iter().take(3).all(|s| !s.saturated));
    let bound = 1.0 / max_channel_load_xy(Traffic::Uniform, 8);
    for s in &stats {
        assert!(
            s.accepted_rate <= bound + 0.02,
            "{} > {bound}",
            s.accepted_rate
        );
    }
    assert!(stats[3].saturated, "0.8 is past the bound 0.5");
}

#[test]
fn runs_are_deterministic_per_seed() {
    let mut cfg = SimConfig::new(4, Traffic::Shuffle, Routing::WestFirst, 0.3);
    cfg.cycles = 1000;
    let a = run(&cfg).expect("valid");
    assert_eq!(a, run(&cfg).expect("valid"));
    assert_eq!(sweep(&cfg, &[0.3]).expect("valid")[0], a);
    cfg.seed = 2;
    assert_ne!(run(&cfg).expect("valid").avg_latency, a.avg_latency);
}

fn params(topology: Topology) -> NocParams {
    NocParams {
        topology,
        bandwidth: 1,
        hop_cycles: 2,
        tree_fanout: 4,
        in_network_reduction: false,
        multicast_replication: true,
        wireless_bandwidth: 1,
        mac: WirelessMac::Token,
        element_bits: 16,
    }
}

fn class(kind: ClassKind, per_step: f64, fanout: f64) -> TrafficClass {
    TrafficClass {
        tensor: Tensor::Input,
        kind,
        elements: per_step as i64,
        fanout,
        elements_per_step: per_step,
    }
}

#[test]
fn analytic_mesh_unicast_equals_the_simulated_average_from_the_corner() {
    // The buffer sits at router 0 of a 4×4 mesh; a 4-element transfer to every node in turn.
    let mut cfg = SimConfig::new(4, Traffic::Uniform, Routing::Xy, 0.1);
    cfg.packet_size = 4;
    let simulated: u64 = (0..16).map(|d| lone_packet(cfg, 0, d).0).sum();
    let (transfer, _) = wired_step(
        &params(Topology::Mesh),
        Topology::Mesh,
        16,
        &class(ClassKind::Unicast, 4.0, 1.0),
    );
    assert_eq!(mesh_side(16), 4);
    assert_eq!(transfer.latency() as u64 * 16, simulated);
}

#[test]
fn broadcast_on_bus_and_wireless_costs_one_transfer() {
    let unicast = class(ClassKind::Unicast, 100.0, 1.0);
    let broadcast = class(ClassKind::Broadcast, 100.0, 64.0);
    for t in [Topology::Bus, Topology::Crossbar] {
        let p = params(t);
        assert_eq!(
            wired_step(&p, t, 64, &broadcast).0,
            wired_step(&p, t, 64, &unicast).0
        );
    }
    let p = params(Topology::Wireless);
    assert_eq!(wireless_step(&p, &broadcast), wireless_step(&p, &unicast));
    assert_eq!(wireless_step(&p, &unicast).latency(), 2 + 1 + 100 - 1);
    // Without replication a mesh sends one copy per destination.
    let mut p = params(Topology::Mesh);
    p.multicast_replication = false;
    let (one, _) = wired_step(&p, Topology::Mesh, 64, &unicast);
    let (all, _) = wired_step(&p, Topology::Mesh, 64, &broadcast);
    assert_eq!(all.latency() - one.latency(), 63 * 100);
}

#[test]
fn in_network_reduction_divides_the_serialisation_by_the_fan_in() {
    let reduction = class(ClassKind::Reduction, 10.0, 16.0);
    let mut p = params(Topology::Tree);
    let (plain, _) = wired_step(&p, Topology::Tree, 64, &reduction);
    p.in_network_reduction = true;
    let (reduced, _) = wired_step(&p, Topology::Tree, 64, &reduction);
    // Depth 3 of a 4-ary tree over 64 leaves, 2 cycles per hop.
    assert_eq!(plain.latency(), 3 * 2 + 160 - 1);
    assert_eq!(reduced.latency(), 3 * 2 + 10 - 1);
}

#[test]
fn a_run_far_past_saturation_stops_at_the_first_check() {
    // A million measured cycles asked for; the source queues pass 50 flits per node long
    // before the first check at cycle 500, so the run ends there.
    let mut cfg = SimConfig::new(16, Traffic::Uniform, Routing::Xy, 1.0);
    cfg.cycles = 1_000_000;
    let s = run(&cfg).expect("valid");
    assert!(s.saturated);
    assert_eq!(s.cycles_simulated, 500);
}

/// Sweep points are the rates a user typed (`0.15`, not `0.15000000000000002`), STOP
/// inclusive; a malformed or reversed sweep is E0706.
#[test]
fn sweep_points_are_the_typed_rates() {
    use super::sim::config::parse_sweep;
    let rates = parse_sweep("0.05:0.5:0.05").expect("a sweep");
    let expected = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];
    assert_eq!(rates, expected);
    assert_eq!(
        rates.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
        ["0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.35", "0.4", "0.45", "0.5"]
    );
    for bad in ["0.5:0.1:0.1", "0.1:0.5", "a:b:c", "0:0.5:0.1"] {
        let e = parse_sweep(bad).expect_err(bad);
        assert_eq!(e.code, crate::diagnostics::Code::NocBadSweep, "{bad}");
    }
}

/// A layer of 4 top-level steps on 8 units, 3 busy, one class per tensor.
fn small_layer(interval: i64) -> LayerTraffic {
    let class = |tensor, kind, elements: i64, fanout: f64| TrafficClass {
        tensor,
        kind,
        elements,
        fanout,
        elements_per_step: elements as f64 / 4.0,
    };
    LayerTraffic {
        layer: "conv".into(),
        level: 0,
        instances: 1,
        parallel: 1.0,
        steps: 4,
        units: 8,
        active_units: 3,
        spatial_dim: Some("K"),
        classes: [
            class(Tensor::Input, ClassKind::Multicast, 10, 1.5),
            class(Tensor::Filter, ClassKind::Broadcast, 6, 3.0),
            class(Tensor::Output, ClassKind::Reduction, 4, 3.0),
        ],
        runtime_cycles: 4 * interval,
        compute_cycles_per_step: interval,
        inner_levels: Vec::new(),
    }
}

fn trace_counts(t: &MappingTrace) -> [u64; 3] {
    t.classes.map(|c| c.packets)
}

#[test]
fn a_trace_has_one_packet_per_delivery_split_over_the_steps() {
    let layer = small_layer(10);
    // Multicast 10 × 1.5, broadcast 6 × 3, reduction 4 × 3 deliveries over the 4 steps.
    let all = mapping_trace(&layer, 2, 100, Timing::CostModel).expect("small");
    assert_eq!((all.steps, all.interval), (4, 10));
    assert_eq!(trace_counts(&all), [15, 18, 12]);
    assert_eq!(all.packets.len(), 45);
    let half = mapping_trace(&layer, 2, 2, Timing::CostModel).expect("small");
    assert_eq!(trace_counts(&half), [7, 9, 6]);
    assert_eq!(half.packets.len(), 22);
    // Distribution leaves the buffer, reduction returns to it; units 0..3 on nodes 1, 2, 3.
    for p in &all.packets {
        let unit = if p.kind.is_egress() { p.src } else { p.dst };
        let buffer = if p.kind.is_egress() { p.dst } else { p.src };
        assert_eq!(buffer, BUFFER_NODE, "{p:?}");
        assert!((1..=3).contains(&unit), "{p:?}");
    }
    // Per step, multicast sends 3, 4, 4, 4 and broadcast 4, 5, 4, 5 packets, delivery `j` to
    // unit `j mod 3`: unit 0 gets 7 + 8, unit 1 4 + 6, unit 2 4 + 4; each sends 4 partial sums.
    let to_node = |n: usize| all.packets.iter().filter(|p| p.dst == n).count();
    assert_eq!([to_node(1), to_node(2), to_node(3)], [15, 10, 8]);
    let from_node = |n: usize| all.packets.iter().filter(|p| p.src == n).count();
    assert_eq!([from_node(1), from_node(2), from_node(3)], [4, 4, 4]);
    // Steps start at multiples of the interval, packets spread within them, in order.
    assert_eq!(all.packets[0].cycle, 0);
    assert!(all.packets.windows(2).all(|w| w[0].cycle <= w[1].cycle));
    assert_eq!(all.packets.last().map(|p| p.cycle), Some(39));
    // Units fold onto the k² − 1 nodes besides the buffer.
    assert_eq!(
        (unit_node(2, 0), unit_node(2, 2), unit_node(2, 3)),
        (1, 3, 1)
    );
    assert_eq!(unit_node(8, 63), 1);
}

#[test]
fn a_trace_larger_than_the_bound_is_refused() {
    let mut layer = small_layer(10);
    layer.classes[0].elements = 2 * MAX_PACKETS as i64;
    let err = mapping_trace(&layer, 4, 4, Timing::CostModel).expect_err("too large");
    assert_eq!(err.packets, 3 * MAX_PACKETS + 18 + 12);
}

#[test]
fn trace_hops_are_the_placement_distances_and_runs_repeat() {
    let layer = small_layer(10);
    let trace = mapping_trace(&layer, 4, 4, Timing::CostModel).expect("small");
    let cfg = SimConfig::new(4, Traffic::Uniform, Routing::Xy, 1.0);
    let stats = run_trace(&cfg, &trace);
    let distances: usize = trace
        .packets
        .iter()
        .map(|p| distance(4, p.src, p.dst))
        .sum();
    assert_eq!(stats.packets, 45);
    assert!(!stats.saturated);
    assert!(close(stats.avg_hops, distances as f64 / 45.0));
    // Units 0, 1, 2 on nodes 1, 2, 3 (one, two and three hops from the corner) exchange
    // 15 + 4, 10 + 4 and 8 + 4 packets with the buffer.
    assert_eq!(distances, 19 + 2 * 14 + 3 * 12);
    // Offered: 45 flits over 4 steps of 10 cycles on 16 nodes.
    assert!(close(stats.rate, 45.0 / 640.0));
    let mut adaptive = cfg;
    adaptive.routing = Routing::Valiant;
    adaptive.seed = 7;
    assert_eq!(run_trace(&adaptive, &trace), run_trace(&adaptive, &trace));
}

#[test]
fn a_trace_at_one_packet_per_step_has_the_zero_load_latency() {
    let mut layer = small_layer(100);
    layer.classes[0].elements = 0;
    layer.classes[1].elements = 0;
    layer.classes[2] = TrafficClass {
        tensor: Tensor::Output,
        kind: ClassKind::Collection,
        elements: 4,
        fanout: 1.0,
        elements_per_step: 1.0,
    };
    layer.active_units = 8;
    let trace = mapping_trace(&layer, 4, 4, Timing::CostModel).expect("small");
    assert_eq!(trace_counts(&trace), [0, 0, 4]);
    let cfg = SimConfig::new(4, Traffic::Uniform, Routing::Xy, 1.0);
    let stats = run_trace(&cfg, &trace);
    // Every step's one packet comes from unit 0 on node 1, one hop from the buffer.
    let pipeline = Pipeline::DEFAULT;
    let latency = pipeline.inject + 2 * pipeline.per_hop();
    assert!(close(stats.avg_latency, latency as f64));
    assert!(close(stats.p99_latency, latency as f64));
    assert!(close(stats.avg_hops, 1.0));
    assert_eq!(stats.cycles_simulated, 300 + latency);
}

#[test]
fn a_rate_times_the_steps_to_offer_it() {
    let layer = small_layer(10);
    let timing = Timing::Rate {
        rate: 0.25,
        packet_size: 1,
    };
    // 45 packets over 4 steps on 4 nodes at 0.25 flits/node/cycle: 11.25 cycles a step.
    let trace = mapping_trace(&layer, 2, 100, timing).expect("small");
    let natural = mapping_trace(&layer, 2, 100, Timing::CostModel).expect("small");
    assert_eq!(
        (trace.interval, trace.span, natural.span),
        (10, 11.25, 10.0)
    );
    // The same packets in the same order (10, 12, 11 and 12 a step); step 1 starts at
    // ⌊11.25⌋, its packet `i` ⌊i · 11.25 / 12⌋ later; step 3 at ⌊33.75⌋.
    let route = |t: &MappingTrace| -> Vec<(usize, usize)> {
        t.packets.iter().map(|p| (p.src, p.dst)).collect()
    };
    assert_eq!(route(&trace), route(&natural));
    let step_one: Vec<u64> = trace.packets[10..22].iter().map(|p| p.cycle).collect();
    assert_eq!(step_one, [11, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    assert_eq!(trace.packets.last().map(|p| p.cycle), Some(33 + 10));
    let cfg = SimConfig::new(2, Traffic::Uniform, Routing::Xy, 0.25);
    assert_eq!(run_trace(&cfg, &trace).rate, 0.25);
    // Two-flit packets: half the steps' packets for the same flits, so twice the span.
    let two = Timing::Rate {
        rate: 0.25,
        packet_size: 2,
    };
    assert_eq!(
        mapping_trace(&layer, 2, 100, two).expect("small").span,
        22.5
    );
}

#[test]
fn a_sequence_runs_each_layer_alone_and_adds_them_up() {
    let first = small_layer(10);
    let mut second = small_layer(30);
    second.layer = "fc".into();
    second.classes[0].elements = 2;
    let layers = [first, second];
    let traces = sequence_traces(&layers, 4, 4, Timing::CostModel).expect("small");
    assert_eq!(
        traces.iter().map(trace_counts).collect::<Vec<_>>(),
        [[15, 18, 12], [3, 18, 12]]
    );
    let cfg = SimConfig::new(4, Traffic::Uniform, Routing::Xy, 1.0);
    let (stats, total) = run_sequence(&cfg, &traces);
    assert_eq!(
        stats,
        traces
            .iter()
            .map(|t| run_trace(&cfg, t))
            .collect::<Vec<_>>()
    );
    assert_eq!(total.packets, 45 + 33);
    assert_eq!(
        total.cycles_simulated,
        stats[0].cycles_simulated + stats[1].cycles_simulated
    );
    let latency = (stats[0].avg_latency * 45.0 + stats[1].avg_latency * 33.0) / 78.0;
    assert!(close(total.avg_latency, latency));
    // 78 flits offered over 4 steps of 10 and 4 of 30 cycles on 16 nodes.
    assert!(close(total.rate, 78.0 / (16.0 * 160.0)));
    // The bound holds for the layers together.
    let mut big = small_layer(10);
    big.classes[0].elements = MAX_PACKETS as i64 / 2;
    let err = sequence_traces(&[big.clone(), big], 4, 4, Timing::CostModel).expect_err("large");
    assert_eq!(err.packets, 2 * (MAX_PACKETS * 3 / 4 + 30));
}

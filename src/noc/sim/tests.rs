//! Q-routing in the simulator: every packet arrives (conservation) even far past saturation,
//! the learned estimates move from their zero-load start under load, and runs stay
//! deterministic per seed.

use super::{run, Network, Routing, SimConfig, Traffic};

/// Run `cycles` of synthetic traffic, then stop creating packets and drain; returns the
/// packets created and delivered, and whether the network emptied within the bound.
fn create_then_drain(cfg: SimConfig, cycles: u64) -> (usize, usize, bool) {
    let mut net = Network::new(cfg);
    let mut delivered = 0;
    for _ in 0..cycles {
        net.step();
        delivered += net.take_delivered().len();
    }
    net.generating = false;
    let mut drained = false;
    for _ in 0..200_000 {
        net.step();
        delivered += net.take_delivered().len();
        if net.queued_flits() == 0 && !net.flits_in_routers() {
            drained = true;
            break;
        }
    }
    (net.packets_created(), delivered, drained)
}

#[test]
fn q_routing_delivers_every_packet_even_past_saturation() {
    for (traffic, rate, seed) in [
        (Traffic::Uniform, 0.9, 1),
        (Traffic::Shuffle, 0.6, 2),
        (Traffic::Transpose, 0.8, 3),
    ] {
        let mut cfg = SimConfig::new(4, traffic, Routing::QRouting, rate);
        cfg.seed = seed;
        cfg.packet_size = 2;
        let (created, delivered, drained) = create_then_drain(cfg, 2_000);
        assert!(drained, "{traffic:?} at {rate}: the network did not drain");
        assert_eq!(created, delivered, "{traffic:?} at {rate}");
        assert!(created > 1_000, "{created}");
    }
}

#[test]
fn q_routing_estimates_learn_the_queueing_under_load() {
    let mut cfg = SimConfig::new(4, Traffic::Uniform, Routing::QRouting, 0.4);
    let mut net = Network::new(cfg);
    // Router 0 to node 15 (6 hops) through the east port: the zero-load time, 6 hops and
    // the ejection at 2 cycles each.
    assert_eq!(net.q_estimate(0, 15, 0), Some(14.0));
    assert_eq!(net.q_estimate(0, 15, 4), None);
    for _ in 0..3_000 {
        net.step();
    }
    let learned = net.q_estimate(0, 15, 0).expect("q-routing");
    assert!(learned > 14.0, "{learned}");
    cfg.routing = Routing::Xy;
    assert_eq!(Network::new(cfg).q_estimate(0, 15, 0), None);
}

#[test]
fn q_routing_runs_are_deterministic_and_below_xy_near_saturation() {
    let mut cfg = SimConfig::new(8, Traffic::Shuffle, Routing::QRouting, 0.21);
    cfg.cycles = 2_000;
    let q = run(&cfg).expect("valid");
    assert_eq!(q, run(&cfg).expect("valid"));
    let xy = run(&SimConfig {
        routing: Routing::Xy,
        ..cfg
    })
    .expect("valid");
    assert!(!q.saturated && !xy.saturated);
    assert!(
        q.avg_latency < xy.avg_latency,
        "{} vs {}",
        q.avg_latency,
        xy.avg_latency
    );
}

//! The on-chip network a hardware declares in `noc { topology: … }`: which topology the
//! analytic NoC models (`crate::noc`) cost its traffic on, and their parameters. Every field is
//! optional; an unset one takes the model's default (`docs/noc.md`), so hardware written
//! before these fields existed keeps its meaning and its emitted text.

use super::Bandwidth;

/// The interconnect between the shared buffer and the PEs (or clusters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Topology {
    Bus,
    Tree,
    Crossbar,
    Mesh,
    Wireless,
    /// Broadcast and multicast on the wireless channel, the rest on the wired mesh.
    Hybrid,
}

impl Topology {
    pub const ALL: [Topology; 6] = [
        Topology::Bus,
        Topology::Tree,
        Topology::Crossbar,
        Topology::Mesh,
        Topology::Wireless,
        Topology::Hybrid,
    ];

    /// The name written in `.df` and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Topology::Bus => "bus",
            Topology::Tree => "tree",
            Topology::Crossbar => "crossbar",
            Topology::Mesh => "mesh",
            Topology::Wireless => "wireless",
            Topology::Hybrid => "hybrid",
        }
    }

    pub fn parse(name: &str) -> Option<Topology> {
        Topology::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// How the wireless channel is shared between transmitters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WirelessMac {
    /// A token circulates; only its holder transmits.
    Token,
    /// Fixed time slots, one per transmitter in turn.
    Tdma,
}

impl WirelessMac {
    pub fn name(self) -> &'static str {
        match self {
            WirelessMac::Token => "token",
            WirelessMac::Tdma => "tdma",
        }
    }

    pub fn parse(name: &str) -> Option<WirelessMac> {
        [WirelessMac::Token, WirelessMac::Tdma]
            .into_iter()
            .find(|m| m.name() == name)
    }
}

/// The optional `noc` fields beyond `bandwidth` and `latency`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct NocConfig {
    pub topology: Option<Topology>,
    /// Children per tree node (`fanout: 4;`), at least 2.
    pub fanout: Option<u64>,
    /// Partial sums added inside the network (`reduction: in_network;`) or not (`none`).
    pub in_network_reduction: Option<bool>,
    /// Routers replicate multicast flits (`multicast: replicate;`) or the source sends one
    /// unicast per destination (`unicast`).
    pub multicast_replication: Option<bool>,
    /// Aggregate bandwidth of the shared wireless channel.
    pub wireless_bandwidth: Option<Bandwidth>,
    pub mac: Option<WirelessMac>,
}

impl NocConfig {
    /// Whether any field is set (emit writes the fields only then).
    pub fn is_empty(&self) -> bool {
        *self == NocConfig::default()
    }
}

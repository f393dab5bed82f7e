//! The simulator's configuration as plain data, its named choices (traffic, routing,
//! pipeline) and the checks that make a configuration runnable (codes E0701–E0707).

use crate::diagnostics::{suggest, Code};

/// Synthetic traffic: where each node sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Traffic {
    Uniform,
    Transpose,
    Bitcomp,
    Shuffle,
    Tornado,
    Neighbor,
}

impl Traffic {
    pub const ALL: [Traffic; 6] = [
        Traffic::Uniform,
        Traffic::Transpose,
        Traffic::Bitcomp,
        Traffic::Shuffle,
        Traffic::Tornado,
        Traffic::Neighbor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Traffic::Uniform => "uniform",
            Traffic::Transpose => "transpose",
            Traffic::Bitcomp => "bitcomp",
            Traffic::Shuffle => "shuffle",
            Traffic::Tornado => "tornado",
            Traffic::Neighbor => "neighbor",
        }
    }

    /// Patterns that permute the bits of a node's address need a power-of-two side.
    pub fn needs_power_of_two(self) -> bool {
        matches!(
            self,
            Traffic::Transpose | Traffic::Bitcomp | Traffic::Shuffle
        )
    }
}

/// Routing algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Routing {
    Xy,
    Yx,
    /// XY or YX chosen at random per packet, each order on its own VC class.
    O1turn,
    /// XY to a random intermediate node, then XY to the destination, one VC class per phase.
    Valiant,
    /// The west-first turn model, a random productive direction.
    WestFirst,
    /// The west-first turn model, the productive direction with the most credits.
    WestFirstAdaptive,
    /// Any productive direction (most credits) on the adaptive VCs, XY on the escape VC 0.
    MinAdaptive,
    /// Boyan–Littman Q-routing: the productive direction with the lowest learned delivery
    /// time on the adaptive VCs, XY on the escape VC 0 (`super::q_routing`).
    QRouting,
}

impl Routing {
    pub const ALL: [Routing; 8] = [
        Routing::Xy,
        Routing::Yx,
        Routing::O1turn,
        Routing::Valiant,
        Routing::WestFirst,
        Routing::WestFirstAdaptive,
        Routing::MinAdaptive,
        Routing::QRouting,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Routing::Xy => "xy",
            Routing::Yx => "yx",
            Routing::O1turn => "o1turn",
            Routing::Valiant => "valiant",
            Routing::WestFirst => "west-first",
            Routing::WestFirstAdaptive => "west-first-adaptive",
            Routing::MinAdaptive => "min-adaptive",
            Routing::QRouting => "q-routing",
        }
    }

    /// Virtual channels the algorithm needs to be deadlock-free on a mesh: two classes for
    /// the algorithms that mix dimension orders or phases, one otherwise.
    pub fn min_vcs(self) -> usize {
        match self {
            Routing::O1turn | Routing::Valiant | Routing::MinAdaptive | Routing::QRouting => 2,
            _ => 1,
        }
    }
}

/// Router pipeline delays in cycles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pipeline {
    /// From a packet's creation until its flits can enter the router (BookSim2: a cycle to
    /// leave the source queue and the one-cycle injection channel).
    pub inject: u64,
    /// From a flit's arrival in an input buffer until it may cross the switch (routing, VC
    /// and switch allocation).
    pub router: u64,
    /// Switch traversal plus the link to the next router (or the ejection channel).
    pub link: u64,
    /// From a flit leaving a buffer until the upstream router sees the credit.
    pub credit: u64,
}

impl Pipeline {
    /// One cycle to route and allocate, one to cross switch and link.
    pub const DEFAULT: Pipeline = Pipeline {
        inject: 0,
        router: 1,
        link: 1,
        credit: 1,
    };
    /// BookSim2's input-queued router with its default delays: routing, VC allocation and
    /// switch allocation one cycle each, then switch traversal and a one-cycle channel; a
    /// lone packet takes `5·hops + 7` cycles there, as here.
    pub const BOOKSIM: Pipeline = Pipeline {
        inject: 2,
        router: 3,
        link: 2,
        credit: 1,
    };

    /// Cycles per router-to-router hop at zero load.
    pub fn per_hop(self) -> u64 {
        self.router + self.link
    }
}

/// One simulation.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct SimConfig {
    /// Side of the k×k mesh.
    pub k: usize,
    pub traffic: Traffic,
    pub routing: Routing,
    /// Offered load, flits per node per cycle.
    pub rate: f64,
    pub vcs: usize,
    /// Flits per virtual channel buffer.
    pub buffer: usize,
    pub packet_size: usize,
    pub pipeline: Pipeline,
    /// Measured cycles (warm-up is a quarter of them, at least 100).
    pub cycles: u64,
    pub seed: u64,
}

impl SimConfig {
    /// The defaults of `dfc noc sim`.
    pub fn new(k: usize, traffic: Traffic, routing: Routing, rate: f64) -> SimConfig {
        SimConfig {
            k,
            traffic,
            routing,
            rate,
            vcs: 2,
            buffer: 8,
            packet_size: 1,
            pipeline: Pipeline::DEFAULT,
            cycles: 20_000,
            seed: 1,
        }
    }

    pub fn warmup(&self) -> u64 {
        (self.cycles / 4).max(100)
    }
}

/// Why a configuration cannot run: a code and a message.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub code: Code,
    pub message: String,
    pub help: Option<String>,
}

fn error(code: Code, message: String) -> ConfigError {
    ConfigError {
        code,
        message,
        help: None,
    }
}

pub const MAX_SIDE: usize = 64;

/// `KxK` with K in 2..=64.
pub fn parse_mesh(text: &str) -> Result<usize, ConfigError> {
    let bad = || {
        error(
            Code::NocBadMesh,
            format!("`--mesh {text}`: expected a square mesh `KxK` with K from 2 to {MAX_SIDE}"),
        )
    };
    let (a, b) = text.split_once(['x', 'X']).ok_or_else(bad)?;
    let (a, b) = (a.trim().parse::<usize>(), b.trim().parse::<usize>());
    match (a, b) {
        (Ok(a), Ok(b)) if a == b && (2..=MAX_SIDE).contains(&a) => Ok(a),
        _ => Err(bad()),
    }
}

fn parse_name<T: Copy>(
    text: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    code: Code,
    what: &str,
) -> Result<T, ConfigError> {
    all.iter()
        .copied()
        .find(|t| name(*t) == text)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|t| name(*t)).collect();
            ConfigError {
                code,
                message: format!("unknown {what} `{text}`; choices: {}", names.join(", ")),
                help: suggest(text, names.iter().copied()),
            }
        })
}

pub fn parse_traffic(text: &str) -> Result<Traffic, ConfigError> {
    parse_name(
        text,
        &Traffic::ALL,
        Traffic::name,
        Code::NocUnknownTraffic,
        "traffic pattern",
    )
}

pub fn parse_routing(text: &str) -> Result<Routing, ConfigError> {
    parse_name(
        text,
        &Routing::ALL,
        Routing::name,
        Code::NocUnknownRouting,
        "routing algorithm",
    )
}

/// A rate in (0, 1].
pub fn check_rate(rate: f64) -> Result<(), ConfigError> {
    if rate.is_finite() && rate > 0.0 && rate <= 1.0 {
        Ok(())
    } else {
        Err(error(
            Code::NocBadRate,
            format!("injection rate {rate} is not in (0, 1] flits per node per cycle"),
        ))
    }
}

/// `START:STOP:STEP`, STOP included, at most 100 points.
pub fn parse_sweep(text: &str) -> Result<Vec<f64>, ConfigError> {
    let bad = |why: &str| {
        error(
            Code::NocBadSweep,
            format!("`--sweep {text}`: {why}; expected START:STOP:STEP with 0 < START ≤ STOP ≤ 1 and STEP > 0"),
        )
    };
    let parts: Vec<&str> = text.split(':').collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(bad("not three numbers"));
    };
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite());
    let (Some(start), Some(stop), Some(step)) = (num(a), num(b), num(c)) else {
        return Err(bad("not three numbers"));
    };
    if !(start > 0.0 && start <= stop && stop <= 1.0 && step > 0.0) {
        return Err(bad("out of range"));
    }
    let n = ((stop - start) / step + 1e-9).floor() as usize + 1;
    if n > 100 {
        return Err(bad("more than 100 points"));
    }
    // Each point from its index, so no rounding error accumulates, and rounded to 1e-9 so
    // `0.05 + 2 × 0.05` is the rate `0.15` a user typed (and prints so), not 0.15000000000000002.
    Ok((0..n)
        .map(|i| ((start + step * i as f64) * 1e9).round() / 1e9)
        .collect())
}

/// Every other check of a whole configuration.
pub fn check(cfg: &SimConfig) -> Result<(), ConfigError> {
    check_rate(cfg.rate)?;
    if !(2..=MAX_SIDE).contains(&cfg.k) {
        return Err(error(
            Code::NocBadMesh,
            format!("a mesh side of {} is not in 2..={MAX_SIDE}", cfg.k),
        ));
    }
    if cfg.traffic.needs_power_of_two() && !cfg.k.is_power_of_two() {
        return Err(ConfigError {
            code: Code::NocUnknownTraffic,
            message: format!(
                "traffic `{}` permutes address bits and needs a mesh side that is a power of two, not {}",
                cfg.traffic.name(),
                cfg.k
            ),
            help: Some("use `uniform`, `tornado` or `neighbor`, or a side such as 8".into()),
        });
    }
    let ranges = [
        ("--vcs", cfg.vcs as u64, 1, 16),
        ("--buffer", cfg.buffer as u64, 1, 1024),
        ("--packet-size", cfg.packet_size as u64, 1, 64),
        ("--cycles", cfg.cycles, 100, 10_000_000),
    ];
    for (flag, v, lo, hi) in ranges {
        if !(lo..=hi).contains(&v) {
            return Err(error(
                Code::NocBadParameter,
                format!("`{flag} {v}` is not in {lo}..={hi}"),
            ));
        }
    }
    if cfg.routing == Routing::QRouting && cfg.k > super::q_routing::MAX_SIDE {
        return Err(error(
            Code::NocBadParameter,
            format!(
                "routing `q-routing` keeps a table per router and destination and runs on meshes up to {0}x{0}, not {1}x{1}",
                super::q_routing::MAX_SIDE,
                cfg.k
            ),
        ));
    }
    if cfg.vcs < cfg.routing.min_vcs() {
        return Err(ConfigError {
            code: Code::NocRoutingDeadlock,
            message: format!(
                "routing `{}` can deadlock with {} virtual channel(s); it needs at least {}",
                cfg.routing.name(),
                cfg.vcs,
                cfg.routing.min_vcs()
            ),
            help: Some(format!("give `--vcs {}`", cfg.routing.min_vcs())),
        });
    }
    Ok(())
}

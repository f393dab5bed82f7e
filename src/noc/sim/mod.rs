//! The cycle-level mesh simulator: configuration and its checks (`config`), traffic patterns
//! with the exact facts they imply (`patterns`), the routers (`network`, one cycle per
//! [`Network::step`], so an environment can drive it), and runs with statistics (`run`).
//! Its model and the checks against analytic facts are described in `docs/noc.md`.

pub mod config;
pub mod network;
pub mod patterns;
pub mod run;

pub use config::{ConfigError, Pipeline, Routing, SimConfig, Traffic};
pub use network::Network;
pub use run::{run, sweep, SimStats};

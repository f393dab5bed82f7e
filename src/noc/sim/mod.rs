//! The cycle-level mesh simulator: configuration and its checks (`config`), traffic patterns
//! with the exact facts they imply (`patterns`), the routers (`network`, one cycle per
//! [`Network::step`], so an environment can drive it), Boyan–Littman Q-routing's learned
//! tables (`q_routing`), and runs with statistics (`run`).
//! Its model and the checks against analytic facts are described in `docs/noc.md`.

pub mod config;
pub mod network;
pub mod patterns;
pub mod q_routing;
pub mod run;

pub use config::{ConfigError, Pipeline, Routing, SimConfig, Traffic};
pub use network::Network;
pub use run::{run, sweep, SimStats};

#[cfg(test)]
mod tests;

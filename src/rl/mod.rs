//! Learning to route: the routing-choice environment over the mesh simulator (`env`), tabular
//! Q-learning, SARSA and Expected SARSA (`agents`), the exhaustive oracle they are judged
//! against (`oracle`), and a whole experiment with its report (`experiment`). The method, the
//! defaults and the measurements are described in `docs/noc.md` ("Learning to route").

pub mod agents;
pub mod env;
pub mod experiment;
pub mod oracle;
pub mod render;

pub use agents::{train, AgentConfig, AgentKind, StepSize, TabularEnvironment, Training};
pub use env::{RoutingEnv, RoutingSetup, ACTIONS};
pub use experiment::{learn, LearnReport};
pub use oracle::{oracle, OracleState};

/// Why an experiment cannot run: a code and a message (`cli` renders it).
#[derive(Debug, Clone, PartialEq)]
pub struct RlError {
    pub code: crate::diagnostics::Code,
    pub message: String,
    pub help: Option<String>,
}

impl From<crate::noc::sim::ConfigError> for RlError {
    fn from(e: crate::noc::sim::ConfigError) -> RlError {
        RlError {
            code: e.code,
            message: e.message,
            help: e.help,
        }
    }
}

#[cfg(test)]
mod tests;

//! `dfc noc learn`: read the flags (E0701–E0707 for the mesh, E0710–E0712 for learning),
//! train the agent, run the oracle, print table or JSON and write the learning curve as SVG.

use std::path::Path;
use std::process::ExitCode;

use super::noc::bad_argument;
use super::{fail, finish, Reporter, Staged};
use crate::diagnostics::{suggest, Code};
use crate::noc::sim::{config, Pipeline};
use crate::rl::{self, env, AgentConfig, AgentKind, RlError, RoutingSetup, StepSize};

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnFormat {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct LearnArgs {
    /// q (Q-learning), sarsa or expected-sarsa.
    #[arg(long, default_value = "q")]
    pub agent: String,
    /// Training episodes; each sweeps the rate grid once (ε = 1/(episode + 1)).
    #[arg(long, default_value_t = 15, allow_hyphen_values = true)]
    pub episodes: i64,
    /// Mesh size `KxK`.
    #[arg(long, default_value = "8x8")]
    pub mesh: String,
    /// uniform, transpose, bitcomp, shuffle, tornado or neighbor.
    #[arg(long, default_value = "shuffle")]
    pub traffic: String,
    /// The states: rates START:STOP:STEP, STOP included (default: five steps up to the XY
    /// channel-load bound, `0.05:0.25:0.04` for shuffle on 8x8; the paper's is 0.1:0.6:0.1).
    #[arg(long, allow_hyphen_values = true)]
    pub rates: Option<String>,
    #[arg(long, default_value_t = 2)]
    pub vcs: usize,
    /// Measured cycles per step (the paper simulates 20000).
    #[arg(long, default_value_t = 2_000)]
    pub cycles: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A constant learning rate (the paper's is 0.01); default: a sample average per state
    /// and routing.
    #[arg(long, allow_hyphen_values = true)]
    pub learning_rate: Option<f64>,
    /// The discount γ (default 0: the action does not change the next state).
    #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
    pub gamma: f64,
    /// Seeds per state and routing for the oracle's intervals.
    #[arg(long, default_value_t = 10, allow_hyphen_values = true)]
    pub oracle_seeds: i64,
    #[arg(long, value_enum, default_value_t = LearnFormat::Table)]
    pub format: LearnFormat,
    /// Instead of training: reset the environment with `--seed` and step these routings
    /// (comma-separated, one per state: xy, o1turn, west-first, west-first-adaptive), printing
    /// each step's rate, action, reward, done and the simulator's statistics (CSV or JSON).
    #[arg(long)]
    pub actions: Option<String>,
    /// Write the learning curve (return per episode) as SVG.
    #[arg(long)]
    pub svg: Option<String>,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

fn bad_parameter(message: String) -> RlError {
    RlError {
        code: Code::RlBadParameter,
        message,
        help: None,
    }
}

fn parse_agent(name: &str) -> Result<AgentKind, RlError> {
    let names = AgentKind::ALL.map(AgentKind::name);
    AgentKind::ALL
        .into_iter()
        .find(|a| a.name() == name)
        .ok_or_else(|| RlError {
            code: Code::RlUnknownAgent,
            message: format!("unknown agent `{name}`; agents: {}", names.join(", ")),
            help: suggest(name, names),
        })
}

/// The environment, the agent and the oracle's seeds, or the first bad flag.
fn configure(args: &LearnArgs) -> Result<(RoutingSetup, AgentConfig, usize), RlError> {
    let kind = parse_agent(&args.agent)?;
    let k = config::parse_mesh(&args.mesh)?;
    let traffic = config::parse_traffic(&args.traffic)?;
    let rates_text = args
        .rates
        .clone()
        .unwrap_or_else(|| env::default_rates(traffic, k));
    let rates = env::parse_rates(&rates_text)?;
    if !(1..=10_000).contains(&args.episodes) {
        return Err(bad_parameter(format!(
            "`--episodes {}` is not in 1..=10000",
            args.episodes
        )));
    }
    let step_size = match args.learning_rate {
        None => StepSize::SampleAverage,
        Some(a) if a > 0.0 && a <= 1.0 => StepSize::Constant(a),
        Some(a) => {
            return Err(bad_parameter(format!(
                "`--learning-rate {a}` is not in (0, 1]"
            )))
        }
    };
    if !(0.0..=1.0).contains(&args.gamma) {
        return Err(bad_parameter(format!(
            "`--gamma {}` is not in [0, 1]",
            args.gamma
        )));
    }
    if !(2..=30).contains(&args.oracle_seeds) {
        return Err(bad_parameter(format!(
            "`--oracle-seeds {}` is not in 2..=30",
            args.oracle_seeds
        )));
    }
    let setup = RoutingSetup {
        k,
        traffic,
        rates,
        vcs: args.vcs,
        pipeline: Pipeline::DEFAULT,
        cycles: args.cycles,
        seed: args.seed,
    };
    setup.check()?;
    let agent = AgentConfig {
        kind,
        episodes: args.episodes as usize,
        step_size,
        gamma: args.gamma,
        seed: args.seed,
    };
    Ok((setup, agent, args.oracle_seeds as usize))
}

/// `--actions`: names of the environment's routings, at most one per state (E0704, E0712).
fn parse_actions(text: &str, states: usize) -> Result<Vec<usize>, RlError> {
    let names = rl::ACTIONS.map(|r| r.name());
    let actions = text
        .split(',')
        .map(|name| {
            let name = name.trim();
            names
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| RlError {
                    code: Code::NocUnknownRouting,
                    message: format!(
                        "`{name}` is not an action of the routing environment; actions: {}",
                        names.join(", ")
                    ),
                    help: suggest(name, names),
                })
        })
        .collect::<Result<Vec<usize>, RlError>>()?;
    if actions.len() > states {
        return Err(bad_parameter(format!(
            "{} actions for an episode of {states} states",
            actions.len()
        )));
    }
    Ok(actions)
}

/// Step one episode through the environment with the given actions.
fn rollout(reporter: &Reporter, args: &LearnArgs, text: &str) -> ExitCode {
    let steps = configure(args).and_then(|(setup, _, _)| {
        let actions = parse_actions(text, setup.rates.len())?;
        env::rollout(&setup, &actions)
    });
    let steps = match steps {
        Ok(s) => s,
        Err(e) => return bad_argument(reporter, e.code, e.message, e.help),
    };
    let text = match args.format {
        LearnFormat::Table => rl::render::rollout_csv(&steps),
        LearnFormat::Json => rl::render::rollout_json(&steps),
    };
    finish(reporter, Staged::default(), args.output.as_deref(), &text)
}

pub fn run(reporter: &Reporter, args: &LearnArgs) -> ExitCode {
    if let Some(actions) = &args.actions {
        return rollout(reporter, args, actions);
    }
    let report = match configure(args).and_then(|(s, a, n)| rl::learn(&s, &a, n)) {
        Ok(r) => r,
        Err(e) => return bad_argument(reporter, e.code, e.message, e.help),
    };
    let mut staged = Staged::default();
    if let Some(path) = &args.svg {
        let returns: Vec<f64> = report.curve.iter().map(|e| e.episode_return).collect();
        let caption = format!("{} on {}", report.agent.kind.name(), args.traffic);
        let svg = match crate::plots::learning_svg(&caption, &returns) {
            Ok(svg) => svg,
            Err(e) => return fail(reporter, e.to_string()),
        };
        if let Err(f) = staged.text(Path::new(path), &svg) {
            return fail(reporter, f);
        }
    }
    let text = match args.format {
        LearnFormat::Table => rl::render::table(&report),
        LearnFormat::Json => rl::render::json(&report),
    };
    finish(reporter, staged, args.output.as_deref(), &text)
}

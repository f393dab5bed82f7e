//! `dfc env replay`: reads the actions file, parses the initial state, prints the replay CSV
//! that `environments::replay` renders.

use std::io::Write;
use std::process::ExitCode;

use super::{exit, fail, read_input, Reporter};
use crate::environments::{replay, Control};
use crate::source::SourceMap;

#[derive(clap::Subcommand, Debug)]
pub enum EnvCommand {
    /// Replay an action sequence from a given internal state and print every step as CSV:
    /// `step,action,<state>,reward,terminated,truncated`, step 0 being the initial state.
    Replay(ReplayArgs),
}

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// The environment (Gymnasium's dynamics).
    #[arg(long, value_enum)]
    pub env: Control,
    /// The internal state to start from, comma-separated (`x,x_dot,theta,theta_dot` for
    /// cartpole, `position,velocity` for mountaincar, `theta1,theta2,dtheta1,dtheta2` for
    /// acrobot).
    #[arg(long, allow_hyphen_values = true)]
    pub initial_state: String,
    /// One integer action per line (`-` reads standard input).
    #[arg(long)]
    pub actions: String,
    /// The output format (CSV is the only one).
    #[arg(long, value_enum, default_value_t = ReplayFormat::Csv)]
    pub format: ReplayFormat,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayFormat {
    Csv,
}

pub fn run(reporter: &Reporter, command: &EnvCommand) -> ExitCode {
    match command {
        EnvCommand::Replay(args) => run_replay(reporter, args),
    }
}

fn run_replay(reporter: &Reporter, args: &ReplayArgs) -> ExitCode {
    let mut sources = SourceMap::new();
    let state_file = sources.add("--initial-state", args.initial_state.clone());
    let state = match replay::parse_state(args.env, state_file, &args.initial_state) {
        Ok(state) => state,
        Err(d) => {
            reporter.emit(&[d], &sources);
            return exit(1);
        }
    };
    let (name, text) = match read_input(reporter, &args.actions, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    let actions_file = sources.add(name, text.clone());
    let actions = match replay::parse_actions(args.env, actions_file, &text) {
        Ok(actions) => actions,
        Err(d) => {
            reporter.emit(&[d], &sources);
            return exit(1);
        }
    };
    let rows = replay::replay(args.env, &state, &actions);
    let csv = replay::render_csv(args.env, &rows);
    let _ = std::io::stdout().lock().write_all(csv.as_bytes());
    exit(0)
}

//! `dfc env replay`: run an action sequence from a given internal state and render every
//! step as CSV. Parsing the state and the actions file reports coded diagnostics on the
//! offending text (E0802 state count, E0803 action out of range, E0804 malformed file).

use super::Control;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// One row of a replay: step 0 is the initial state (no action, no reward).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub step: u32,
    pub action: Option<usize>,
    pub state: Vec<f64>,
    pub reward: f64,
    pub terminated: bool,
    pub truncated: bool,
}

/// Parse `V1,V2,…` (the text of file `file`) as the task's internal state.
pub fn parse_state(control: Control, file: FileId, text: &str) -> Result<Vec<f64>, Diagnostic> {
    let names = control.state_names();
    let mut values = Vec::new();
    let mut start = 0;
    for part in text.split(',') {
        let span = Span::new(file, start..start + part.len());
        start += part.len() + 1;
        match part.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => values.push(v),
            _ => {
                return Err(Diagnostic::at(
                    Code::ReplayState,
                    span,
                    format!("`{}` is not a finite number", part.trim()),
                    "expected a number",
                )
                .with_note(format!(
                    "{} takes {} values: {}",
                    control.gym_id(),
                    names.len(),
                    names.join(",")
                )))
            }
        }
    }
    if values.len() != names.len() {
        return Err(Diagnostic::at(
            Code::ReplayState,
            Span::new(file, 0..text.len()),
            format!(
                "{} has {} state values, {} given",
                control.gym_id(),
                names.len(),
                values.len()
            ),
            format!("expected {}", names.join(",")),
        ));
    }
    Ok(values)
}

/// Parse an actions file: one integer action per line; blank lines are skipped.
pub fn parse_actions(control: Control, file: FileId, text: &str) -> Result<Vec<usize>, Diagnostic> {
    let count = control.action_count();
    let mut actions = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim();
        let lead = content.len() - content.trim_start().len();
        let span = Span::new(file, start + lead..start + lead + trimmed.len());
        start += line.len();
        if trimmed.is_empty() {
            continue;
        }
        match trimmed.parse::<i64>() {
            Ok(a) if (0..count as i64).contains(&a) => actions.push(a as usize),
            Ok(a) => {
                return Err(Diagnostic::at(
                    Code::ActionOutOfRange,
                    span,
                    format!(
                        "action {a} is out of range for {}, which has actions 0 to {}",
                        control.gym_id(),
                        count - 1
                    ),
                    "out of range",
                ))
            }
            Err(_) => {
                return Err(Diagnostic::at(
                    Code::MalformedActions,
                    span,
                    format!("`{trimmed}` is not an integer action"),
                    "expected one integer per line",
                ))
            }
        }
    }
    Ok(actions)
}

/// Replay `actions` from `state`; stops after the step that terminates or truncates.
pub fn replay(control: Control, state: &[f64], actions: &[usize]) -> Vec<Row> {
    let mut env = control.with_state(state);
    let mut rows = vec![Row {
        step: 0,
        action: None,
        state: state.to_vec(),
        reward: 0.0,
        terminated: false,
        truncated: false,
    }];
    for (k, &action) in actions.iter().enumerate() {
        let step = env.step(action);
        rows.push(Row {
            step: k as u32 + 1,
            action: Some(action),
            state: env.state(),
            reward: step.reward,
            terminated: step.terminated,
            truncated: step.truncated,
        });
        if step.done() {
            break;
        }
    }
    rows
}

/// The CSV: a header, then one row per step; floats in Rust's shortest round-trip form,
/// flags as `0`/`1`, the initial row's action empty.
pub fn render_csv(control: Control, rows: &[Row]) -> String {
    let mut out = format!(
        "step,action,{},reward,terminated,truncated\n",
        control.state_names().join(",")
    );
    for row in rows {
        let action = row.action.map(|a| a.to_string()).unwrap_or_default();
        let state: Vec<String> = row.state.iter().map(|v| format!("{v:?}")).collect();
        out.push_str(&format!(
            "{},{},{},{:?},{},{}\n",
            row.step,
            action,
            state.join(","),
            row.reward,
            u8::from(row.terminated),
            u8::from(row.truncated)
        ));
    }
    out
}

//! `dfc noc learn`'s report as a table or JSON, and a rollout's steps as CSV or JSON.

use std::fmt::Write;

use super::agents::StepSize;
use super::env::{StepRecord, ACTIONS};
use super::experiment::LearnReport;

fn step_size(s: StepSize) -> String {
    match s {
        StepSize::SampleAverage => "1/n (sample average)".into(),
        StepSize::Constant(a) => format!("{a}"),
    }
}

/// A latency with its interval, or `saturated`.
fn cell(mean: f64, half: f64, saturated: bool) -> String {
    if saturated {
        "saturated".into()
    } else {
        format!("{mean:.3}±{half:.3}")
    }
}

pub fn table(r: &LearnReport) -> String {
    let mut out = String::new();
    let s = &r.setup;
    let _ = writeln!(
        out,
        "agent {}, {} episodes, step size {}, gamma {}, seed {}",
        r.agent.kind.name(),
        r.agent.episodes,
        step_size(r.agent.step_size),
        r.agent.gamma,
        r.agent.seed
    );
    let _ = writeln!(
        out,
        "{0}x{0} mesh, {1} traffic, {2} VCs, {3} cycles per step; oracle over {4} seeds (mean latency ± 95% interval, cycles)",
        s.k,
        s.traffic.name(),
        s.vcs,
        s.cycles,
        r.oracle_seeds
    );
    let _ = write!(
        out,
        "{:>6}  {:<20} {:<20} {:<4}",
        "rate", "learned", "oracle", "tie"
    );
    for a in ACTIONS {
        let _ = write!(out, " {:>20}", a.name());
    }
    out.push('\n');
    for st in &r.states {
        let _ = write!(
            out,
            "{:>6}  {:<20} {:<20} {:<4}",
            st.rate,
            st.learned,
            st.oracle,
            if st.oracle_tie { "yes" } else { "no" }
        );
        for a in ACTIONS {
            let n = a.name();
            let _ = write!(
                out,
                " {:>20}",
                cell(st.latency[n], st.half_width[n], st.saturated[n])
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "agreement: {} of {} non-tied states ({} states)",
        r.agreement,
        r.non_tied,
        r.states.len()
    );
    let _ = writeln!(
        out,
        "reward: {:.4} of the oracle's (XY everywhere: {:.4})",
        r.reward_fraction, r.xy_reward_fraction
    );
    out.push_str("learning curve (episode: return):");
    for e in &r.curve {
        let _ = write!(out, " {}: {:.1}", e.episode + 1, e.episode_return);
    }
    out.push('\n');
    out
}

pub fn json(r: &LearnReport) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("\"{e}\""));
    s.push('\n');
    s
}

/// `step,rate,action,reward,done,avg_latency,saturated,packets`, one line per step.
pub fn rollout_csv(steps: &[StepRecord]) -> String {
    let mut out = String::from("step,rate,action,reward,done,avg_latency,saturated,packets\n");
    for s in steps {
        let (latency, saturated, packets) = s
            .info
            .as_ref()
            .map_or((0.0, true, 0), |i| (i.avg_latency, i.saturated, i.packets));
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{}",
            s.state, s.rate, s.action, s.reward, s.done, latency, saturated, packets
        );
    }
    out
}

pub fn rollout_json(steps: &[StepRecord]) -> String {
    let mut s = serde_json::to_string_pretty(steps).unwrap_or_else(|e| format!("\"{e}\""));
    s.push('\n');
    s
}

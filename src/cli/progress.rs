//! Progress bars (indicatif) on standard error for work that can run past a second: mapping
//! searches, partition sweeps, trace writing. They are hidden when standard error is not a
//! terminal, with `-q`, and with `--diagnostic-format json`, so they never mix into
//! machine-readable output.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::Reporter;
use crate::search::Progress;

/// A bar of `total` steps labelled `message`, or a hidden one.
pub fn bar(reporter: &Reporter, total: u64, message: &str) -> ProgressBar {
    if !reporter.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) =
        ProgressStyle::with_template("  {msg} [{bar:30}] {pos}/{len} {elapsed_precise}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar
}

/// A spinner for work whose length is unknown, or a hidden one.
pub fn spinner(reporter: &Reporter, message: &str) -> ProgressBar {
    if !reporter.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Run a mapping search with a bar over its distinct layer searches; `work` is given the
/// callback the search calls from its worker threads.
pub fn searching<T>(
    reporter: &Reporter,
    what: &str,
    work: impl FnOnce(&(dyn Fn(Progress) + Sync)) -> T,
) -> T {
    let bar = bar(reporter, 0, what);
    let update = |p: Progress| {
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    };
    let result = work(&update);
    bar.finish_and_clear();
    result
}

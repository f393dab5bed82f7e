//! The `dfc` binary: parse the command line and hand over to `dfc::cli`. A panic anywhere is a
//! bug in dfc; it is reported as an internal-error diagnostic with exit code 2.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match dfc::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let format = cli.global.diagnostic_format;
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(move || dfc::cli::run(cli)) {
        Ok(code) => code,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            dfc::cli::report_internal_error(format, &message);
            ExitCode::from(2)
        }
    }
}

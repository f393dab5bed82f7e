//! `dfc quantize`: per-layer bit widths for a target accuracy (AQGAN), costed on the user's
//! mapping, written as the mapping with a `precision` block plus a JSON report. Accuracy
//! comes from the digits bench (measured), a user's pairs file (predicted), or a user's
//! command run once per candidate (measured).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use super::{
    compile, exit, fail, finish, no_mapping, progress, read_input, refuse_clobber,
    selected_mappings, Reporter, Staged,
};
use crate::diagnostics::{Code, Diagnostic};
use crate::generators::bench::{Bench, DIGITS_LAYERS, DIGITS_SCHEDULE};
use crate::generators::gan::GanOptions;
use crate::generators::hardware::{with_precisions, CostTable, Objective};
use crate::generators::pairs_file;
use crate::generators::quantize::{self, Request};
use crate::generators::space::Space;
use crate::nn::quant::Bits;
use crate::source::SourceMap;
use crate::util::Rng;

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectiveChoice {
    Energy,
    Runtime,
    Edp,
    Size,
}

#[derive(clap::Args, Debug)]
pub struct QuantizeArgs {
    /// A `.df` program with the mapping to quantize.
    pub file: String,
    /// The mapping (the file's first when absent).
    #[arg(long)]
    pub mapping: Option<String>,
    /// The accuracy the configuration must reach, a fraction in 0..1.
    #[arg(long)]
    pub target_accuracy: f64,
    #[arg(long, value_enum, default_value_t = ObjectiveChoice::Energy)]
    pub objective: ObjectiveChoice,
    /// Measure accuracy on a model dfc trains: `digits` (the mapping's network must have the
    /// layers of `std::networks::digits_cnn`).
    #[arg(long, value_parser = ["digits"], conflicts_with = "pairs")]
    pub bench: Option<String>,
    /// Your measured pairs: CSV with `accuracy` and a column per layer (`LAYER`, or
    /// `LAYER.w` and `LAYER.a`).
    #[arg(long)]
    pub pairs: Option<String>,
    /// Measure each candidate with this shell command: configuration as JSON on standard
    /// input, accuracy on standard output.
    #[arg(long, requires = "pairs")]
    pub evaluate: Option<String>,
    /// Seconds an `--evaluate` command may take per candidate.
    #[arg(long, default_value_t = 60.0)]
    pub evaluate_timeout: f64,
    /// Configurations generated for the target (and the baselines' evaluation budget).
    #[arg(long, default_value_t = 32)]
    pub candidates: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// With `--bench`: pairs measured to train the generator.
    #[arg(long, default_value_t = 2000)]
    pub bench_pairs: usize,
    /// Generator training steps.
    #[arg(long, default_value_t = GanOptions::default().steps)]
    pub gan_steps: usize,
    /// The quantized mapping as `.df` (standard output when absent).
    #[arg(short, long)]
    pub output: Option<String>,
    /// The report as JSON.
    #[arg(long)]
    pub report: Option<String>,
}

pub fn run(reporter: &Reporter, args: &QuantizeArgs) -> ExitCode {
    if !(0.0..=1.0).contains(&args.target_accuracy) || args.candidates == 0 {
        return fail(
            reporter,
            "`--target-accuracy` must be in 0..1 and `--candidates` at least 1".to_string(),
        );
    }
    if args.bench.is_none() && args.pairs.is_none() {
        return fail(
            reporter,
            "give `--bench digits` or `--pairs PAIRS.csv`".to_string(),
        );
    }
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, &args.file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    let name = args.mapping.as_deref();
    let Some(&id) = selected_mappings(&program, Some(root), name).first() else {
        return no_mapping(reporter, &sources, root, &args.file, name, "quantize");
    };
    let net = program.network(program.mapping(id).network);
    let layers: Vec<String> = if args.bench.is_some() {
        let missing: Vec<&str> = DIGITS_LAYERS
            .iter()
            .copied()
            .filter(|l| !net.layers.iter().any(|n| n.name == *l))
            .collect();
        if !missing.is_empty() {
            let d = Diagnostic::at(
                Code::QuantNetworkMismatch,
                net.span,
                format!(
                    "network `{}` has no layer {} of the digits bench",
                    net.name,
                    missing.join(", ")
                ),
                "this network",
            )
            .with_help("map `std::networks::digits_cnn`, or bring measurements with `--pairs`");
            reporter.emit(&[d], &sources);
            return exit(1);
        }
        DIGITS_LAYERS.iter().map(|s| s.to_string()).collect()
    } else {
        net.layers.iter().map(|l| l.name.clone()).collect()
    };
    if let Err(f) = refuse_clobber(&sources, &[args.output.as_deref(), args.report.as_deref()]) {
        return fail(reporter, f);
    }
    let costs = match CostTable::build(&program, id, &layers) {
        Ok(c) => c,
        Err(d) => {
            reporter.emit(&d, &sources);
            return exit(1);
        }
    };
    let objective = match args.objective {
        ObjectiveChoice::Energy => Objective::Energy,
        ObjectiveChoice::Runtime => Objective::Runtime,
        ObjectiveChoice::Edp => Objective::Edp,
        ObjectiveChoice::Size => Objective::Size,
    };
    let request = Request {
        target: args.target_accuracy,
        objective,
        candidates: args.candidates,
        seed: args.seed,
        gan: GanOptions {
            steps: args.gan_steps,
            ..GanOptions::default()
        },
        bench_pairs: args.bench_pairs,
    };
    let result = if args.bench.is_some() {
        run_bench(reporter, args, &request, &costs, layers.len())
    } else {
        match run_pairs(reporter, args, &request, &costs, &mut sources) {
            Ok(r) => r,
            Err(code) => return code,
        }
    };
    let report = match result {
        Ok(r) => r,
        Err(d) => {
            reporter.emit(&[d], &sources);
            return exit(1);
        }
    };
    if !report.reachable {
        let best = report.chosen.as_ref().map_or(0.0, |c| c.accuracy);
        let d = Diagnostic::new(
            Code::TargetUnreachable,
            format!(
                "no candidate reaches accuracy {}; the most accurate reaches {best:.4}",
                args.target_accuracy
            ),
        );
        reporter.emit(&[d], &sources);
    }
    let bits = report.chosen_bits.clone().unwrap_or_default();
    let quantized = with_precisions(&program, id, &layers, &bits);
    let df = crate::ir::emit::emit(&quantized);
    let mut staged = Staged::default();
    if let Some(path) = &args.report {
        let json = serde_json::to_string_pretty(&report).unwrap_or_default() + "\n";
        if let Err(f) = staged.text(Path::new(path), &json) {
            return fail(reporter, f);
        }
    }
    finish(reporter, staged, args.output.as_deref(), &df)
}

/// Runs `cmd` for candidate `k`: the configuration as JSON on standard input, one accuracy
/// in 0..1 expected on standard output within `timeout`.
fn evaluate(
    cmd: &str,
    timeout: Duration,
    k: usize,
    layers: &[String],
    bits: &[Bits],
) -> Result<f64, Diagnostic> {
    let config: serde_json::Map<String, serde_json::Value> = layers
        .iter()
        .zip(bits)
        .map(|(l, b)| (l.clone(), serde_json::json!({ "w": b.w, "a": b.a })))
        .collect();
    let input = serde_json::json!({ "candidate": k, "bits": config }).to_string();
    let describe = format!(
        "candidate {k} ({})",
        layers
            .iter()
            .zip(bits)
            .map(|(l, b)| format!("{l}: {}w/{}a", b.w, b.a))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let failed = |why: String| {
        Diagnostic::new(
            Code::EvaluateFailed,
            format!("`{cmd}` failed for {describe}: {why}"),
        )
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| failed(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input closes the pipe; that is its business.
        let _ = stdin.write_all(input.as_bytes());
    }
    let mut stdout = child.stdout.take();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        if let Some(s) = stdout.as_mut() {
            let _ = s.take(1 << 16).read_to_string(&mut out);
        }
        out
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Diagnostic::new(
                    Code::EvaluateTimeout,
                    format!(
                        "`{cmd}` did not finish in {:.1} s for {describe}",
                        timeout.as_secs_f64()
                    ),
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(failed(e.to_string())),
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        return Err(failed(format!("it exited with {status}")));
    }
    match out.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(Diagnostic::new(
            Code::EvaluateNotANumber,
            format!(
                "`{cmd}` printed `{}` for {describe}, not an accuracy in 0..1",
                out.trim().chars().take(80).collect::<String>()
            ),
        )),
    }
}

/// `--bench digits`: train the CNN, measure pairs (with a bar), measure every candidate.
fn run_bench(
    reporter: &Reporter,
    args: &QuantizeArgs,
    request: &Request,
    costs: &CostTable,
    depth: usize,
) -> Result<quantize::Report, Diagnostic> {
    let spin = progress::spinner(reporter, "training the digits CNN");
    let bench = Bench::digits(args.seed, DIGITS_SCHEDULE);
    spin.finish_and_clear();
    let bar = progress::bar(reporter, args.bench_pairs as u64, "measuring pairs");
    let mut rng = Rng::new(args.seed);
    let pairs = quantize::bench_pairs(&bench, args.bench_pairs, &mut rng, &|k| {
        bar.set_position(k as u64)
    });
    bar.finish_and_clear();
    let bar = progress::bar(
        reporter,
        7u64.pow(depth as u32),
        "enumerating the weight-only space",
    );
    let front: Vec<_> = Space::all_weight_only(depth)
        .into_iter()
        .map(|b| {
            let acc = bench.accuracy(&b);
            bar.inc(1);
            (b, acc)
        })
        .collect();
    bar.finish_and_clear();
    let spin = progress::spinner(reporter, "training the generator");
    let mut measure = |_: usize, b: &[Bits]| Ok(bench.accuracy(b));
    let r = quantize::run(request, &pairs, costs, &mut measure, true, Some(&front));
    spin.finish_and_clear();
    r.map(|mut r| {
        r.float_accuracy = Some(bench.float_accuracy);
        r
    })
}

/// `--pairs FILE`: parse it (coded errors end the run with exit 1), then predict or, with
/// `--evaluate`, measure each candidate.
fn run_pairs(
    reporter: &Reporter,
    args: &QuantizeArgs,
    request: &Request,
    costs: &CostTable,
    sources: &mut SourceMap,
) -> Result<Result<quantize::Report, Diagnostic>, ExitCode> {
    let layers = &costs.layers;
    let space = Space {
        depth: layers.len(),
        activations: true,
    };
    let path = args.pairs.as_deref().unwrap_or_default();
    let (pname, text) = read_input(reporter, path, None).map_err(|e| fail(reporter, e))?;
    let file = sources.add(pname, text.clone());
    let pairs = pairs_file::parse(file, &text, layers).map_err(|d| {
        reporter.emit(&d, sources);
        exit(1)
    })?;
    let spin = progress::spinner(reporter, "training the generator");
    let r = match &args.evaluate {
        Some(cmd) => {
            let timeout = Duration::from_secs_f64(args.evaluate_timeout.max(0.0));
            let mut measure = |k: usize, b: &[Bits]| evaluate(cmd, timeout, k, layers, b);
            quantize::run(request, &pairs, costs, &mut measure, true, None)
        }
        None => {
            let mut measure = |_: usize, b: &[Bits]| Ok(quantize::predict(space, &pairs, b));
            quantize::run(request, &pairs, costs, &mut measure, false, None)
        }
    };
    spin.finish_and_clear();
    Ok(r)
}

//! `dfc sweep`: evaluate a `sweep` item's grid (or one shard of it) as CSV or JSON, and
//! `dfc sweep merge`: join shards into the unsharded output (`docs/sweep.md`).

use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use super::{compile, exit, fail, finish, progress, read_input, refuse_clobber, usage, Reporter};
use crate::source::{SourceMap, Span};
use crate::sweep::{self, Format, Objective, Shard, SweepOptions};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// The `.df` program with the `sweep` item.
    #[arg(required = true)]
    pub file: Option<String>,
    /// The sweep to run, when the file has several.
    #[arg(long)]
    pub sweep: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SweepFormat::Csv)]
    pub format: SweepFormat,
    /// One row per point and layer instead of one per point.
    #[arg(long)]
    pub per_layer: bool,
    /// Keep only the Pareto front of two objectives (runtime, energy, edp, l1, l2), e.g.
    /// `--pareto runtime,energy`.
    #[arg(long, value_name = "OBJ1,OBJ2")]
    pub pareto: Option<String>,
    /// Evaluate shard I of N (0 <= I < N): the points whose index is I modulo N.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Write the result here instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
    /// How the mapping's `search` layers are searched at each point, on its hardware.
    #[command(flatten)]
    pub search: super::map::SearchArgs,
}

#[derive(Subcommand, Debug)]
pub enum SweepCommand {
    /// Join the shards of one `dfc sweep --shard I/N` run into the unsharded output.
    Merge {
        /// Every shard's file, in any order.
        #[arg(required = true)]
        parts: Vec<String>,
        /// Write the result here instead of standard output.
        #[arg(short, long)]
        output: Option<String>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepFormat {
    Csv,
    Json,
}

pub fn run(reporter: &Reporter, args: &SweepArgs) -> ExitCode {
    if let Some(SweepCommand::Merge { parts, output }) = &args.command {
        return merge(reporter, parts, output.as_deref());
    }
    let Some(file) = args.file.as_deref() else {
        return usage("give a `.df` file with a `sweep`, or `dfc sweep merge PARTS…`");
    };
    let options = match options(reporter, args) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    let chosen = match sweep::find(&program, args.sweep.as_deref(), Some(root)) {
        Ok(s) => s,
        Err(d) => {
            let d = d.with_label(Span::new(root, 0..0), "in this file");
            reporter.emit(&[d], &sources);
            return exit(1);
        }
    };
    if let Err(f) = refuse_clobber(&sources, &[args.output.as_deref()]) {
        return fail(reporter, f);
    }
    let bar = progress::bar(reporter, 0, &format!("sweeping `{}`", chosen.name));
    let table = sweep::run(&program, chosen, &options, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    });
    bar.finish_and_clear();
    let table = match table {
        Ok(t) => t,
        Err(diags) => {
            reporter.emit(&diags, &sources);
            return exit(1);
        }
    };
    let format = match args.format {
        SweepFormat::Csv => Format::Csv,
        SweepFormat::Json => Format::Json,
    };
    finish(
        reporter,
        Default::default(),
        args.output.as_deref(),
        &table.render(format),
    )
}

/// `--shard`, `--pareto` and `--per-layer` as the library's options; a bad shard is E1206,
/// a bad `--pareto` a usage error (both exit 2).
fn options(reporter: &Reporter, args: &SweepArgs) -> Result<SweepOptions, ExitCode> {
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(d) => {
            reporter.emit(&[d], &SourceMap::new());
            return Err(exit(2));
        }
    };
    let pareto = match args.pareto.as_deref() {
        None => None,
        Some(text) => {
            let parsed: Option<Vec<Objective>> = text.split(',').map(Objective::parse).collect();
            match parsed.as_deref() {
                Some(&[a, b]) if a != b && !args.per_layer => Some((a, b)),
                _ => {
                    let all: Vec<&str> = Objective::ALL.map(Objective::name).to_vec();
                    return Err(usage(&format!(
                        "`--pareto {text}`: give two different objectives among {}, without \
                         `--per-layer`",
                        all.join(", ")
                    )));
                }
            }
        }
    };
    Ok(SweepOptions {
        shard,
        per_layer: args.per_layer,
        pareto,
        search: args.search.options(),
    })
}

fn merge(reporter: &Reporter, parts: &[String], output: Option<&str>) -> ExitCode {
    let mut sources = SourceMap::new();
    let mut files = Vec::with_capacity(parts.len());
    for path in parts {
        match read_input(reporter, path, None) {
            Ok((name, text)) => files.push(sources.add(name, text)),
            Err(e) => return fail(reporter, e),
        }
    }
    if let Err(f) = refuse_clobber(&sources, &[output]) {
        return fail(reporter, f);
    }
    let texts: Vec<(crate::source::FileId, &str)> = files
        .iter()
        .map(|&f| (f, sources.file(f).text.as_str()))
        .collect();
    match sweep::merge(&texts) {
        Ok(text) => finish(reporter, Default::default(), output, &text),
        Err(diags) => {
            reporter.emit(&diags, &sources);
            exit(1)
        }
    }
}

//! `dfc map`: search every layer's dataflow (Marvel-style decoupled search over the mapping
//! space, e-graph refinement) and print the chosen mapping as `.df` or JSON.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use super::{
    compile, exit, fail, finish, no_mapping, progress, refuse_clobber, selected_mappings, Reporter,
};
use crate::ir;
use crate::search::{self, Objective, SearchOptions, Strategy};
use crate::source::SourceMap;

#[derive(clap::Args, Debug, Clone)]
pub struct SearchArgs {
    /// What to minimise.
    #[arg(long, value_enum, default_value_t = Objective::Runtime)]
    pub objective: Objective,
    /// `decoupled` (Marvel) or a baseline: `random`, `genetic` (GAMMA).
    #[arg(long, value_enum, default_value_t = Strategy::Decoupled)]
    pub strategy: Strategy,
    /// Cost-model evaluations per distinct layer.
    #[arg(long, default_value_t = SearchOptions::default().budget)]
    pub budget: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// e-graph runner iterations per refinement round.
    #[arg(long, default_value_t = SearchOptions::default().egg_iters)]
    pub egg_iters: usize,
    /// e-graph node limit per refinement round.
    #[arg(long, default_value_t = SearchOptions::default().egg_nodes)]
    pub egg_nodes: usize,
}

impl SearchArgs {
    pub fn options(&self) -> SearchOptions {
        SearchOptions {
            objective: self.objective,
            strategy: self.strategy,
            budget: self.budget,
            seed: self.seed,
            egg_iters: self.egg_iters,
            egg_nodes: self.egg_nodes,
            ..SearchOptions::default()
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct MapArgs {
    /// A `.df` program with mappings.
    pub file: String,
    /// Search only this mapping.
    #[arg(long)]
    pub mapping: Option<String>,
    #[command(flatten)]
    pub search: SearchArgs,
    /// Whose numbers rank the candidates: `default`, or `maestro` (MAESTRO's runtime and
    /// energy, to compare with mappers built on MAESTRO). Either way only mappings the default
    /// model accepts are chosen: exact counts, and tiles that fit every buffer.
    #[arg(long, value_enum, default_value_t = ir::CostModel::Default)]
    pub model: ir::CostModel,
    /// Search only the layers mapped with `search`; keep the others.
    #[arg(long)]
    pub only_search: bool,
    /// `df` (default) or `json`.
    #[arg(long, default_value = "df", value_parser = ["df", "json"])]
    pub emit: String,
    #[arg(short, long)]
    pub output: Option<String>,
}

pub fn run(reporter: &Reporter, args: &MapArgs) -> ExitCode {
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, &args.file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    reporter.emit(&diags, &sources);
    let Some(mut program) = program else {
        return exit(1);
    };
    let name = args.mapping.as_deref();
    let ids = selected_mappings(&program, Some(root), name);
    if ids.is_empty() {
        return no_mapping(reporter, &sources, root, &args.file, name, "search");
    }
    if let Err(f) = refuse_clobber(&sources, &[args.output.as_deref()]) {
        return fail(reporter, f);
    }
    let opts = SearchOptions {
        score_model: args.model,
        ..args.search.options()
    };
    let start = Instant::now();
    let mut summaries = Vec::new();
    let mut failures = Vec::new();
    let mut evaluations = 0;
    for id in ids {
        let what = format!("searching `{}`", program.mapping(id).name);
        let mapped = progress::searching(reporter, &what, |p| {
            search::map_mapping_with_progress(&program, id, &opts, args.only_search, p)
        });
        evaluations += mapped.evaluations;
        failures.extend(search::search_failures(
            &program,
            id,
            &mapped.layers,
            opts.budget,
        ));
        summaries.push((program.mapping(id).name.clone(), mapped.layers.clone()));
        program = mapped.program;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut err = std::io::stderr().lock();
    for (name, layers) in &summaries {
        let _ = writeln!(
            err,
            "mapping `{name}` ({} objective):",
            opts.objective.name()
        );
        for l in layers {
            match (&l.choice, &l.error, &l.same_as) {
                (_, Some(e), _) => {
                    let _ = writeln!(err, "  {:<24} error: {e}", l.layer);
                }
                (_, _, Some(same)) => {
                    let _ = writeln!(err, "  {:<24} as {same}", l.layer);
                }
                (Some(c), _, _) => {
                    let vs = c.best_stdlib.as_ref().map_or(String::new(), |b| {
                        format!(
                            ", best stdlib `{}` {:.4e} ({:+.1} %)",
                            b.dataflow,
                            b.objective_value,
                            100.0 * (c.objective_value / b.objective_value - 1.0)
                        )
                    });
                    let _ = writeln!(err, "  {:<24} {:.4e}{vs}", l.layer, c.objective_value);
                }
                _ => {}
            }
        }
    }
    let _ = writeln!(
        err,
        "{evaluations} cost-model evaluations in {elapsed:.2} s"
    );
    drop(err);
    let text = if args.emit == "json" {
        serde_json::to_string_pretty(&summaries).unwrap_or_default() + "\n"
    } else {
        crate::ir::emit::emit(&program)
    };
    reporter.emit(&failures, &sources);
    let written = finish(reporter, Default::default(), args.output.as_deref(), &text);
    if !failures.is_empty() {
        exit(1)
    } else {
        written
    }
}

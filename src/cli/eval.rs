//! `dfc eval`: evaluate a program's mappings (or a MAESTRO mapping file) with the analytic
//! cost model, searching the layers written `search` first.

use std::process::ExitCode;

use super::{
    compile, exit, fail, finish, load_maestro, no_mapping, progress, refuse_clobber,
    selected_mappings, usage, MaestroArgs, ReportFormat, Reporter,
};
use crate::backends::evaluate::{self, render};
use crate::diagnostics::{self, Diagnostic};
use crate::ir;
use crate::search;
use crate::source::SourceMap;

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// A `.df` program, or a MAESTRO mapping file (`.m`).
    pub file: String,
    /// `default`: MAESTRO's model with its bugs fixed; `maestro`: bit-exact MAESTRO.
    #[arg(long, value_enum, default_value_t = ir::CostModel::Default)]
    pub model: ir::CostModel,
    /// Report format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Evaluate only this mapping.
    #[arg(long)]
    pub mapping: Option<String>,
    #[command(flatten)]
    pub maestro: MaestroArgs,
    /// How layers mapped with `search` are searched first.
    #[command(flatten)]
    pub search: super::map::SearchArgs,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

/// `--hw`/`--lanes` describe a MAESTRO file; on a `.df` file they are a usage error.
pub fn maestro_flags_only_for_m(file: &str, maestro: &MaestroArgs) -> Result<(), String> {
    let flag = if maestro.hw.is_some() {
        "--hw"
    } else if maestro.lanes.is_some() {
        "--lanes"
    } else {
        return Ok(());
    };
    Err(format!(
        "`{flag}` applies only to a MAESTRO mapping file (`.m`); `{file}` is a `.df` program, \
         whose hardware is in the file"
    ))
}

pub fn run(reporter: &Reporter, args: &EvalArgs) -> ExitCode {
    let mut sources = SourceMap::new();
    let is_maestro = args.file.ends_with(".m");
    let loaded = if is_maestro {
        if args.maestro.hw.is_none() {
            return usage(&format!(
                "`{}` is a MAESTRO file: give its hardware with `--hw HW.m`",
                args.file
            ));
        }
        load_maestro(reporter, &mut sources, &args.file, &args.maestro).map(|(p, d)| (None, p, d))
    } else {
        if let Err(e) = maestro_flags_only_for_m(&args.file, &args.maestro) {
            return usage(&e);
        }
        compile(reporter, &mut sources, &args.file, None).map(|(root, p, d)| (Some(root), p, d))
    };
    let (root, program, mut diags) = match loaded {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    let Some(mut program) = program else {
        reporter.emit(&diags, &sources);
        return exit(1);
    };
    // The mappings the file itself defines (not those of files it imports).
    let name = args.mapping.as_deref();
    let ids = selected_mappings(&program, root, name);
    if ids.is_empty() {
        reporter.emit(&diags, &sources);
        return match root {
            Some(root) => no_mapping(reporter, &sources, root, &args.file, name, "evaluate"),
            // A MAESTRO file: its mapping is the file itself.
            None => usage(&format!("`{}` defines no mapping", args.file)),
        };
    }
    if let Err(f) = refuse_clobber(&sources, &[args.output.as_deref()]) {
        return fail(reporter, f);
    }
    let mut reports = Vec::with_capacity(ids.len());
    let options = args.search.options();
    for id in ids {
        // The next mapping sees the dataflows this one's search added.
        let (searched, report, found) = evaluated(reporter, program, id, &options, args.model);
        program = searched;
        reports.push(report);
        diags.extend(found);
    }
    reporter.emit(&diags, &sources);
    let text = match args.format {
        ReportFormat::Table => render::table(&reports),
        ReportFormat::Json => render::json(&reports),
        ReportFormat::Csv => render::csv(&reports),
    };
    let written = finish(reporter, Default::default(), args.output.as_deref(), &text);
    if diagnostics::has_errors(&diags) {
        exit(1)
    } else {
        written
    }
}

/// Search the layers of mapping `id` written `search` (with a progress bar on a terminal),
/// then evaluate the mapping under `model`: the program with the chosen dataflows, the report,
/// and the diagnostics of both.
pub fn evaluated(
    reporter: &Reporter,
    program: ir::Program,
    id: ir::MappingId,
    options: &crate::search::SearchOptions,
    model: ir::CostModel,
) -> (ir::Program, evaluate::MappingReport, Vec<Diagnostic>) {
    if !search::has_search_layers(&program, id) {
        return search::search_then_evaluate(program, id, options, model, &|_| {});
    }
    let what = format!("searching `{}`", program.mapping(id).name);
    progress::searching(reporter, &what, |p| {
        search::search_then_evaluate(program, id, options, model, p)
    })
}

//! `dfc noc`: on-chip networks. `cost` prices a mapping's traffic with the analytic NoC models
//! (`crate::noc`); `sim` runs the cycle-level mesh simulator (`crate::noc::sim`), one rate or
//! a latency-vs-load sweep with an optional SVG plot; `learn` trains a routing-choice agent
//! (`crate::rl`) and compares it with the exhaustive oracle.

use std::process::ExitCode;

use super::{
    compile, exit, fail, finish, no_mapping, refuse_clobber, selected_mappings, ReportFormat,
    Reporter,
};
use crate::diagnostics::{suggest, Code, Diagnostic};
use crate::ir::{self, noc::Topology};
use crate::noc::{self, render};
use crate::source::SourceMap;

#[derive(clap::Subcommand, Debug)]
pub enum NocCommand {
    /// Cost each layer's traffic (unicast, multicast, broadcast, reduction) on a topology.
    Cost(CostArgs),
    /// Simulate a k×k mesh of virtual-channel routers under synthetic traffic.
    Sim(super::noc_sim::SimArgs),
    /// Learn which routing to use per injection rate (tabular RL) and compare with the
    /// exhaustive oracle.
    Learn(super::noc_learn::LearnArgs),
}

#[derive(clap::Args, Debug)]
pub struct CostArgs {
    /// A `.df` program with mappings.
    pub file: String,
    /// Cost only this mapping.
    #[arg(long)]
    pub mapping: Option<String>,
    /// `mesh`, `bus`, `tree`, `crossbar`, `wireless` or `hybrid` (default: the hardware's
    /// `noc { topology }`, else `mesh`).
    #[arg(long)]
    pub topology: Option<String>,
    /// The cost model that supplies the traffic volumes.
    #[arg(long, value_enum, default_value_t = ir::CostModel::Default)]
    pub model: ir::CostModel,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Write the report here instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

pub fn run(reporter: &Reporter, cmd: &NocCommand) -> ExitCode {
    match cmd {
        NocCommand::Cost(args) => cost(reporter, args),
        NocCommand::Sim(args) => super::noc_sim::run(reporter, args),
        NocCommand::Learn(args) => super::noc_learn::run(reporter, args),
    }
}

/// Report a bad NoC argument with its code (exit 2: the command line is at fault).
pub(super) fn bad_argument(
    reporter: &Reporter,
    code: Code,
    message: String,
    help: Option<String>,
) -> ExitCode {
    let mut d = Diagnostic::new(code, message);
    if let Some(h) = help {
        d = d.with_help(h);
    }
    reporter.emit(&[d], &SourceMap::new());
    exit(2)
}

/// A topology named on the command line, or the unknown name reported (exit 2).
pub(super) fn parse_topology(reporter: &Reporter, name: &str) -> Result<Topology, ExitCode> {
    Topology::parse(name).ok_or_else(|| {
        let names = Topology::ALL.map(|t| t.name());
        bad_argument(
            reporter,
            Code::NocUnknownTopology,
            format!(
                "unknown topology `{name}`; topologies: {}",
                names.join(", ")
            ),
            suggest(name, names),
        )
    })
}

fn cost(reporter: &Reporter, args: &CostArgs) -> ExitCode {
    let topology = match args
        .topology
        .as_deref()
        .map(|n| parse_topology(reporter, n))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(code)) => return code,
    };
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, &args.file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    let Some(program) = program else {
        reporter.emit(&diags, &sources);
        return exit(1);
    };
    let name = args.mapping.as_deref();
    let ids = selected_mappings(&program, Some(root), name);
    if ids.is_empty() {
        reporter.emit(&diags, &sources);
        return no_mapping(reporter, &sources, root, &args.file, name, "cost");
    }
    if let Err(f) = refuse_clobber(&sources, &[args.output.as_deref()]) {
        return fail(reporter, f);
    }
    let mut all = diags;
    let mut reports = Vec::with_capacity(ids.len());
    for id in ids {
        let (report, d) = noc::mapping_cost(&program, id, args.model, topology);
        all.extend(d);
        reports.push(report);
    }
    crate::diagnostics::sort(&mut all);
    reporter.emit(&all, &sources);
    let text = match args.format {
        ReportFormat::Table => render::cost_table(&reports),
        ReportFormat::Json => render::cost_json(&reports),
        ReportFormat::Csv => render::cost_csv(&reports),
    };
    let written = finish(
        reporter,
        super::Staged::default(),
        args.output.as_deref(),
        &text,
    );
    // Layers the cost model could not evaluate have no traffic: the input's fault.
    if crate::diagnostics::has_errors(&all) {
        exit(1)
    } else {
        written
    }
}

//! `dfc plot`: a mapping's roofline, energy breakdown or search convergence, and the sweeps
//! over NoC bandwidth, density and topology, as SVG, with the numbers drawn optionally
//! written as JSON beside it (`--data`).

use std::path::Path;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{compile, eval::evaluated, exit, fail, nothing_to_do, progress, usage};
use super::{refuse_clobber, selected_mappings, Reporter, Staged};
use crate::backends::cost::Model;
use crate::diagnostics;
use crate::ir::{self, noc::Topology};
use crate::plots;
use crate::search::{Objective, SearchOptions};
use crate::source::SourceMap;

#[derive(Subcommand, Debug)]
pub enum PlotCommand {
    /// Each layer at its arithmetic intensity against the hardware's compute, NoC and DRAM
    /// roofs.
    Roofline(ReportPlotArgs),
    /// Energy per layer, stacked by MAC, L1, L2 (and DRAM when the hardware prices it).
    Energy(ReportPlotArgs),
    /// The mapping's objective per evaluation budget for the decoupled, genetic and random
    /// searches (every layer searched).
    Search(SearchPlotArgs),
    /// Runtime against NoC bandwidth: every mapping of the file (or `--mapping`) evaluated at
    /// each bandwidth, one curve per mapping.
    Bandwidth(BandwidthPlotArgs),
    /// Runtime and energy against an operand's density, relative to dense: every mapping of
    /// the file (or `--mapping`) with that operand of every layer at each density
    /// (`docs/sparsity.md`).
    Density(DensityPlotArgs),
    /// Runtime and NoC energy on each network topology (wired, wireless, hybrid): every
    /// mapping of the file (or `--mapping`) costed as `dfc noc cost` costs it (`docs/noc.md`).
    Noc(NocPlotArgs),
}

/// Where a plot comes from and goes.
#[derive(Args, Debug, Clone)]
pub struct Target {
    /// A `.df` program with a mapping.
    pub file: String,
    /// The mapping to plot (the file's first mapping otherwise).
    #[arg(long)]
    pub mapping: Option<String>,
    /// The SVG to write.
    #[arg(short, long)]
    pub output: String,
    /// Also write the numbers drawn as JSON here.
    #[arg(long)]
    pub data: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ReportPlotArgs {
    #[command(flatten)]
    pub target: Target,
    /// How layers mapped with `search` are searched first.
    #[command(flatten)]
    pub search: super::map::SearchArgs,
}

#[derive(Args, Debug, Clone)]
pub struct SearchPlotArgs {
    #[command(flatten)]
    pub target: Target,
    /// What the searches minimise.
    #[arg(long, value_enum, default_value_t = Objective::Runtime)]
    pub objective: Objective,
    /// The largest budget (evaluations per distinct layer); the others halve it.
    #[arg(long, default_value_t = 512)]
    pub budget: usize,
    /// How many budgets.
    #[arg(long, default_value_t = 6)]
    pub points: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// e-graph runner iterations per refinement round of the decoupled search (its ablated
    /// twin always uses 0).
    #[arg(long, default_value_t = SearchOptions::default().egg_iters)]
    pub egg_iters: usize,
}

#[derive(Args, Debug, Clone)]
pub struct BandwidthPlotArgs {
    #[command(flatten)]
    pub target: Target,
    /// NoC bandwidths in elements per cycle, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1u64, 4, 16, 64, 256])]
    pub bandwidths: Vec<u64>,
    /// `default`, or `maestro` (MAESTRO's own numbers).
    #[arg(long, value_enum, default_value_t = ir::CostModel::Default)]
    pub model: ir::CostModel,
}

#[derive(Args, Debug, Clone)]
pub struct DensityPlotArgs {
    #[command(flatten)]
    pub target: Target,
    /// Densities in (0, 1], comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1.0f64, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1])]
    pub densities: Vec<f64>,
    /// The operand made sparse.
    #[arg(long, value_enum, default_value_t = plots::Operand::Weights)]
    pub operand: plots::Operand,
}

#[derive(Args, Debug, Clone)]
pub struct NocPlotArgs {
    #[command(flatten)]
    pub target: Target,
    /// Topologies, comma-separated: `mesh`, `bus`, `tree`, `crossbar`, `wireless`, `hybrid`.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "mesh,bus,tree,crossbar,wireless,hybrid"
    )]
    pub topologies: Vec<String>,
}

/// The `--topologies` of `dfc plot noc`, each once, or the exit of a usage error.
fn topologies(reporter: &Reporter, names: &[String]) -> Result<Vec<Topology>, ExitCode> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let topology = super::noc::parse_topology(reporter, name)?;
        if out.contains(&topology) {
            return Err(usage(&format!("`--topologies` names `{name}` twice")));
        }
        out.push(topology);
    }
    Ok(out)
}

pub fn run(reporter: &Reporter, cmd: &PlotCommand) -> ExitCode {
    let target = match cmd {
        PlotCommand::Roofline(a) | PlotCommand::Energy(a) => &a.target,
        PlotCommand::Search(a) => &a.target,
        PlotCommand::Bandwidth(a) => &a.target,
        PlotCommand::Density(a) => &a.target,
        PlotCommand::Noc(a) => &a.target,
    };
    let topologies = match cmd {
        PlotCommand::Noc(a) => match topologies(reporter, &a.topologies) {
            Ok(t) => t,
            Err(code) => return code,
        },
        _ => Vec::new(),
    };
    if let PlotCommand::Density(a) = cmd {
        if a.densities.is_empty() || a.densities.iter().any(|d| !(*d > 0.0 && *d <= 1.0)) {
            return usage("`--densities` takes fractions of nonzeros in (0, 1]");
        }
    }
    if let PlotCommand::Bandwidth(a) = cmd {
        if a.bandwidths.is_empty() || a.bandwidths.contains(&0) {
            return usage("`--bandwidths` takes positive numbers of elements per cycle");
        }
    }
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, &target.file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    let Some(program) = program else {
        reporter.emit(&diags, &sources);
        return exit(1);
    };
    // `--mapping` may name a mapping of an imported file too.
    let name = target.mapping.as_deref();
    let ids = selected_mappings(&program, name.is_none().then_some(root), name);
    let Some(&id) = ids.first() else {
        reporter.emit(&diags, &sources);
        return match &target.mapping {
            Some(n) => usage(&format!(
                "`--mapping {n}`: `{}` has no mapping `{n}`",
                target.file
            )),
            None => nothing_to_do(
                reporter,
                &sources,
                root,
                format!("`{}` defines no mapping to plot", target.file),
            ),
        };
    };
    let outputs = [Some(target.output.as_str()), target.data.as_deref()];
    if let Err(f) = refuse_clobber(&sources, &outputs) {
        return fail(reporter, f);
    }
    let (drawn, mut found) = match cmd {
        PlotCommand::Roofline(a) | PlotCommand::Energy(a) => {
            let (program, report, found) =
                evaluated(reporter, program, id, &a.search.options(), Model::Default);
            let hw = program.hardware(program.mapping(id).hardware);
            let drawn = if matches!(cmd, PlotCommand::Roofline(_)) {
                let data = plots::roofline(&report, hw);
                plots::roofline_svg(&data).map(|svg| (svg, serde_json::to_string_pretty(&data)))
            } else {
                let (noc, _) = crate::noc::mapping_cost(&program, id, Model::Default, None);
                let data = plots::energy_breakdown(&report, hw, Some(&noc));
                plots::energy_svg(&data).map(|svg| (svg, serde_json::to_string_pretty(&data)))
            };
            (drawn, found)
        }
        PlotCommand::Search(a) => {
            let opts = SearchOptions {
                objective: a.objective,
                seed: a.seed,
                egg_iters: a.egg_iters,
                ..SearchOptions::default()
            };
            let budgets = plots::budgets(a.budget, a.points);
            let data = progress::searching(reporter, "searching at each budget", |_| {
                plots::convergence(&program, id, &opts, &budgets)
            });
            let drawn =
                plots::convergence_svg(&data).map(|svg| (svg, serde_json::to_string_pretty(&data)));
            (drawn, Vec::new())
        }
        PlotCommand::Density(a) => {
            let data = plots::density_sweep(&program, &ids, &a.densities, a.operand);
            let drawn =
                plots::density_svg(&data).map(|svg| (svg, serde_json::to_string_pretty(&data)));
            (drawn, Vec::new())
        }
        PlotCommand::Noc(_) => {
            let (data, found) = plots::topology_comparison(&program, &ids, &topologies);
            let drawn =
                plots::topology_svg(&data).map(|svg| (svg, serde_json::to_string_pretty(&data)));
            (drawn, found)
        }
        PlotCommand::Bandwidth(a) => {
            let data = plots::bandwidth_sweep(&program, &ids, &a.bandwidths, a.model);
            let drawn =
                plots::bandwidth_svg(&data).map(|svg| (svg, serde_json::to_string_pretty(&data)));
            (drawn, Vec::new())
        }
    };
    found.extend(diags);
    diagnostics::sort(&mut found);
    reporter.emit(&found, &sources);
    let (svg, json) = match drawn {
        Ok((svg, Ok(json))) => (svg, json),
        Ok((_, Err(e))) => return fail(reporter, format!("cannot write the plot's data: {e}")),
        Err(e) => return fail(reporter, e.to_string()),
    };
    let mut staged = Staged::default();
    let mut written = staged.text(Path::new(&target.output), &svg);
    if let (Ok(()), Some(path)) = (&written, &target.data) {
        written = staged.text(Path::new(path), &format!("{json}\n"));
    }
    if let Err(f) = written.and_then(|()| staged.commit()) {
        return fail(reporter, f);
    }
    exit(u8::from(diagnostics::has_errors(&found)))
}

//! `dfc noc sim --traffic mapping`: compile `--df`, take the traffic classes of the chosen
//! mapping's layers (all, in sequence, or `--layer`), turn them into packet traces
//! (`crate::noc::trace`, timed by the cost model or by `--rate`) and run them on the mesh
//! (E0311 for a file without mappings, E0713 for an unknown layer, E0714 for traces too large).

use std::process::ExitCode;

use super::noc::bad_argument;
use super::noc_sim::{pipeline, SimArgs};
use super::{
    compile, exit, fail, finish, no_mapping, refuse_clobber, selected_mappings, ReportFormat,
    Reporter,
};
use crate::backends::cost::Model;
use crate::diagnostics::{suggest, Code};
use crate::noc::sim::{config, SimConfig, Traffic};
use crate::noc::{self, render, trace};
use crate::source::SourceMap;

/// The mesh flags as a configuration. Its rate only times the traces (`Timing::Rate`), checked
/// as the synthetic patterns' is; without `--rate` it is unused.
fn configure(args: &SimArgs) -> Result<SimConfig, config::ConfigError> {
    let k = config::parse_mesh(&args.mesh)?;
    let routing = config::parse_routing(&args.routing)?;
    let mut cfg = SimConfig::new(k, Traffic::Uniform, routing, args.rate.unwrap_or(1.0));
    cfg.vcs = args.vcs;
    cfg.buffer = args.buffer;
    cfg.packet_size = args.packet_size;
    cfg.cycles = args.cycles;
    cfg.seed = args.seed;
    cfg.pipeline = pipeline(args.pipeline);
    config::check(&cfg)?;
    Ok(cfg)
}

pub fn run(reporter: &Reporter, args: &SimArgs) -> ExitCode {
    let Some(path) = args.df.as_deref() else {
        return super::usage("`--traffic mapping` needs `--df FILE` with a mapping");
    };
    if args.sweep.is_some() || args.svg.is_some() {
        return super::usage(
            "`--traffic mapping` runs the mapping's traffic at one load; drop `--sweep` and `--svg`",
        );
    }
    if !(1..=1_000_000).contains(&args.steps) {
        let message = format!("`--steps {}` is not in 1..=1000000", args.steps);
        return bad_argument(reporter, Code::NocBadParameter, message, None);
    }
    let cfg = match configure(args) {
        Ok(cfg) => cfg,
        Err(e) => return bad_argument(reporter, e.code, e.message, e.help),
    };
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, path, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    let Some(program) = program else {
        reporter.emit(&diags, &sources);
        return exit(1);
    };
    let name = args.mapping.as_deref();
    let Some(&id) = selected_mappings(&program, Some(root), name).first() else {
        reporter.emit(&diags, &sources);
        return no_mapping(reporter, &sources, root, path, name, "simulate");
    };
    let (layers, mut all) = noc::mapping_traffic(&program, id, Model::Default);
    all.extend(diags);
    crate::diagnostics::sort(&mut all);
    reporter.emit(&all, &sources);
    let names: Vec<String> = layers.iter().map(|t| t.layer.clone()).collect();
    let chosen: Vec<noc::LayerTraffic> = match args.layer.as_deref() {
        None => layers,
        Some(layer) => layers.into_iter().filter(|t| t.layer == layer).collect(),
    };
    if chosen.is_empty() {
        let Some(layer) = args.layer.as_deref() else {
            // The cost model's diagnostics above say why no layer has traffic: the input's fault.
            return exit(1);
        };
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let mapping = &program.mapping(id).name;
        let message = format!(
            "mapping `{mapping}` has no traffic for a layer `{layer}`; layers: {}",
            names.join(", ")
        );
        let help = suggest(layer, names.iter().copied());
        return bad_argument(reporter, Code::NocUnknownLayer, message, help);
    }
    if let Err(f) = refuse_clobber(&sources, &[args.output.as_deref()]) {
        return fail(reporter, f);
    }
    let timing = match args.rate {
        None => trace::Timing::CostModel,
        Some(rate) => trace::Timing::Rate {
            rate,
            packet_size: cfg.packet_size,
        },
    };
    let traces = match trace::sequence_traces(&chosen, cfg.k, args.steps, timing) {
        Ok(t) => t,
        Err(e) => {
            let what = match args.layer.as_deref() {
                Some(layer) => format!("the trace of layer `{layer}`"),
                None => format!("the traces of the {} layers", chosen.len()),
            };
            let message = format!(
                "{what} over {} step(s) hold {} packets, more than {}",
                args.steps,
                e.packets,
                trace::MAX_PACKETS
            );
            let help =
                Some("trace fewer top-level steps with `--steps`, or one `--layer`".to_string());
            return bad_argument(reporter, Code::NocTraceTooLarge, message, help);
        }
    };
    let mapping = &program.mapping(id).name;
    let text = match (&traces[..], args.layer.is_some()) {
        ([one], true) => {
            let stats = trace::run_trace(&cfg, one);
            match args.format {
                ReportFormat::Table => render::trace_table(&cfg, mapping, one, &stats),
                ReportFormat::Json => render::trace_json(mapping, one, &stats),
                ReportFormat::Csv => render::sim_csv(std::slice::from_ref(&stats)),
            }
        }
        _ => {
            let (stats, total) = trace::run_sequence(&cfg, &traces);
            match args.format {
                ReportFormat::Table => {
                    render::sequence_table(&cfg, mapping, args.rate, &traces, &stats, &total)
                }
                ReportFormat::Json => {
                    render::sequence_json(mapping, args.rate, &traces, &stats, &total)
                }
                ReportFormat::Csv => render::sequence_csv(&traces, &stats, &total),
            }
        }
    };
    finish(
        reporter,
        super::Staged::default(),
        args.output.as_deref(),
        &text,
    )
}

//! Import of MAESTRO input files: a mapping file (`Network`/`Layer`/`Dataflow`, `Constant`)
//! and optionally a HW file (`NumPEs`, `L1Size`, …) into the IR, with spans into the `.m`
//! text so later errors (say, a buffer overflow in the cost model) point at the MAESTRO line
//! that caused them. The lexical rules are MAESTRO's own (separators, `//` tokens, `atoi`);
//! everything MAESTRO accepts imports, and what it would reject or silently ignore becomes a
//! diagnostic. MAESTRO's `GEMM`, `FC` and `POOL` layers import as what they mean.
//!
//! The stages, one file each: `lexer` (words and `atoi`), `parser` (the mapping file's
//! grammar into plain records), `lower` (records into IR networks, layers and dataflows) and
//! `hardware` (the HW file into an IR hardware item); `export` writes a dfc mapping back as
//! MAESTRO files.

mod export;
mod hardware;
mod lexer;
mod lower;
mod parser;

use crate::diagnostics::{Code, Diagnostic};
use crate::ir;
use crate::source::{FileId, SourceMap, Span};
use lexer::tokenize;
use lower::lower_network;
use parser::Parser;

pub use export::{export, Exported};

/// What `dfc import maestro` and `dfc eval FILE.m` start from.
pub struct Inputs {
    pub mapping: FileId,
    pub hardware: Option<FileId>,
    /// MACs per PE (`--num_simd_lanes`); `None` means 1, with a warning.
    pub lanes: Option<u64>,
}

/// Import the files; `Some(program)` only when no error was found.
pub fn import(sources: &SourceMap, inputs: &Inputs) -> (Option<ir::Program>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let tokens = tokenize(inputs.mapping, &sources.file(inputs.mapping).text);
    let file_end = Span::new(inputs.mapping, {
        let n = sources.file(inputs.mapping).text.len();
        n..n
    });
    let networks = Parser::new(&tokens, &mut diags, file_end).file();
    let mut program = ir::Program::default();
    let layer_dataflows: Vec<Vec<ir::DataflowId>> = networks
        .iter()
        .map(|net| lower_network(net, &mut program, &mut diags))
        .collect();
    if networks.is_empty() && !crate::diagnostics::has_errors(&diags) {
        diags.push(
            Diagnostic::at(
                Code::MaestroSyntax,
                file_end,
                "no `Network` in this MAESTRO file",
                "the file ends here",
            )
            .with_help("a mapping file holds `Network NAME { Layer NAME { … } }`"),
        );
    }
    if let Some(hw_file) = inputs.hardware {
        let hw = hardware::hardware(sources, hw_file, inputs.lanes, &mut diags);
        program.hardware.push(hw);
        bind_networks_to_hardware(&mut program, &layer_dataflows);
        diags.extend(clusters_fit(&program));
    }
    crate::diagnostics::sort(&mut diags);
    program.make_item_names_unique();
    let ok = !crate::diagnostics::has_errors(&diags);
    (ok.then_some(program), diags)
}

/// One mapping per network onto the only hardware item, each layer on the dataflow its
/// `Dataflow` block gave (`layer_dataflows`, in network order).
fn bind_networks_to_hardware(program: &mut ir::Program, layer_dataflows: &[Vec<ir::DataflowId>]) {
    let hw_id = ir::HardwareId(0);
    let mut mappings = Vec::new();
    for (i, (net, dataflows)) in program.networks.iter().zip(layer_dataflows).enumerate() {
        let layers = net
            .layers
            .iter()
            .zip(dataflows)
            .map(|(layer, &dataflow)| ir::LayerMapping {
                dataflow: ir::DataflowChoice::Fixed {
                    dataflow,
                    args: Vec::new(),
                    span: layer.span,
                },
                precision: None,
                sparsity: ir::LayerSparsity::default(),
            })
            .collect();
        let name = format!("{}_on_{}", net.name, program.hardware[0].name);
        mappings.push(ir::Mapping {
            name,
            network: ir::NetworkId(i as u32),
            hardware: hw_id,
            layers,
            span: net.span,
        });
    }
    program.mappings.extend(mappings);
}

/// Clusters that need more PEs than the HW file gives leave MAESTRO's top level without
/// sub-clusters; report them on the `Cluster` directive, as `.df` lowering does (E0401).
fn clusters_fit(program: &ir::Program) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(hw) = program.hardware.first() else {
        return out;
    };
    let mut reported = Vec::new();
    for m in &program.mappings {
        let net = program.network(m.network);
        for (layer, lm) in net.layers.iter().zip(&m.layers) {
            let ir::DataflowChoice::Fixed { dataflow, args, .. } = &lm.dataflow else {
                continue;
            };
            let df = program.dataflow(*dataflow);
            let Ok(dirs) = crate::ir::instantiate::instantiate(df, args, layer) else {
                continue;
            };
            let product = dirs
                .iter()
                .filter_map(|d| match d {
                    ir::ConcreteDirective::Cluster { size } => Some(*size),
                    ir::ConcreteDirective::Map { .. } => None,
                })
                .fold(1i64, i64::saturating_mul);
            let cluster = df
                .directives
                .iter()
                .find(|d| matches!(d, ir::Directive::Cluster { .. }));
            if let (true, Some(c)) = (product > hw.pes as i64, cluster) {
                if !reported.contains(&c.span()) {
                    reported.push(c.span());
                    out.push(
                        Diagnostic::at(
                            Code::ClusterTooLarge,
                            c.span(),
                            format!("the clusters of layer `{}` need {product} PEs but the HW file gives {}", layer.name, hw.pes),
                            "this cluster",
                        )
                        .with_label(hw.field_span("pes"), format!("{} PEs", hw.pes)),
                    );
                }
            }
        }
    }
    out
}

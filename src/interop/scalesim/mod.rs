//! Import of SCALE-Sim's input files — `scalesim.cfg`, a topology CSV (conv or GEMM form) and
//! optionally a layout CSV — into the IR: a hardware item with a `systolic` block (its
//! `[sparsity]` settings and custom layouts included), a network, and a mapping that binds
//! them (the topology's `N:M` ratios as its layers' weight densities). A `DP` layer, which SCALE-Sim splits into one layer per channel, comes back as the
//! depthwise convolution it stands for (`dwconv`, or a `conv` with one group per channel when
//! each channel has several filters).
//!
//! The file parsers live here too, so that the systolic back end only ever sees plain data:
//! `text` (Python's line, strip and `int` rules, and [`FileError`]), `ini` (Python's
//! `configparser`), `config` ([`parse_config`]), `topology` ([`parse_topology`]) and `layout`
//! ([`parse_layout`]) follow
//! SCALE-Sim's own reading of its files; `lower` turns the parsed layers into IR.

mod config;
mod ini;
mod layout;
mod lower;
mod text;
mod topology;

#[cfg(test)]
mod tests;

pub use config::parse_config;
pub use layout::parse_layout;
pub use text::FileError;
pub use topology::parse_topology;

use crate::backends::systolic;
use crate::diagnostics::{Code, Diagnostic};
use crate::interop::{file_stem, identifier, whole_file_span};
use crate::ir::systolic::{
    OperandLayout, OptimizedMapping, SparseRepresentation, SystolicLayout, SystolicSparsity,
};
use crate::ir::{self, SystolicArray, SystolicBandwidth, SystolicDataflow};
use crate::source::{FileId, SourceMap, Span};

/// What `dfc import scalesim` starts from.
pub struct Inputs {
    pub config: FileId,
    pub topology: FileId,
    /// The topology is in GEMM form (`name, M, N, K,`).
    pub gemm: bool,
    /// The layout CSV, read when the configuration turns a custom layout on.
    pub layout: Option<FileId>,
}

/// The diagnostic for a problem a parser found in `file`.
pub fn file_error(file: FileId, e: FileError) -> Diagnostic {
    Diagnostic::at(
        Code::ScalesimSyntax,
        Span::new(file, e.span.clone()),
        e.message,
        format!("line {}", e.line),
    )
}

/// The array a SCALE-Sim configuration describes, its sparsity settings and custom layouts
/// (the layout row attached) included; a layout row `.df` cannot hold is an error message.
pub fn array(config: &systolic::ArrayConfig) -> Result<SystolicArray, String> {
    let user = matches!(config.bandwidth, systolic::Bandwidth::User { .. });
    Ok(SystolicArray {
        rows: config.rows,
        cols: config.cols,
        dataflow: match config.dataflow {
            systolic::Dataflow::Os => SystolicDataflow::Os,
            systolic::Dataflow::Ws => SystolicDataflow::Ws,
            systolic::Dataflow::Is => SystolicDataflow::Is,
        },
        ifmap_sram_bytes: config.ifmap_sram_kb * 1024,
        filter_sram_bytes: config.filter_sram_kb * 1024,
        ofmap_sram_bytes: config.ofmap_sram_kb * 1024,
        bandwidth: match config.bandwidth {
            systolic::Bandwidth::Calc => SystolicBandwidth::Calc,
            systolic::Bandwidth::User {
                ifmap,
                filter,
                ofmap,
            } => SystolicBandwidth::User {
                ifmap,
                filter,
                ofmap,
            },
        },
        offsets: [
            config.ifmap_offset,
            config.filter_offset,
            config.ofmap_offset,
        ],
        word_bytes: config.word_bytes,
        sparsity: config.sparsity.map(sparsity),
        layout: SystolicLayout {
            ifmap: operand_layout(config, true, user)?,
            filter: operand_layout(config, false, user)?,
        },
    })
}

fn sparsity(s: systolic::Sparsity) -> SystolicSparsity {
    SystolicSparsity {
        representation: match s.representation {
            systolic::SparseRep::Csr => SparseRepresentation::Csr,
            systolic::SparseRep::Csc => SparseRepresentation::Csc,
            systolic::SparseRep::EllpackBlock => SparseRepresentation::EllpackBlock,
        },
        optimized: s.optimized_mapping.then_some(OptimizedMapping {
            block_size: s.block_size,
            seed: s.seed,
        }),
    }
}

/// The IFMAP's (or FILTER's) custom layout when the configuration turns it on: its part of
/// the layout row and its banks, checked as `.df` checks them.
fn operand_layout(
    config: &systolic::ArrayConfig,
    ifmap: bool,
    user: bool,
) -> Result<Option<OperandLayout>, String> {
    let (on, banks, name) = if ifmap {
        (config.layout.ifmap, config.ifmap_banks, "ifmap")
    } else {
        (config.layout.filter, config.filter_banks, "filter")
    };
    if !on {
        return Ok(None);
    }
    let Some(row) = &config.layout.row else {
        return Err("a custom layout is on, but no layout file with a row is given".to_string());
    };
    let (tile, intraline, interline): (&[i64], &[i64], &[i64]) = if ifmap {
        (&row.ifmap_factors, &row.ifmap_intra, &row.ifmap_inter)
    } else {
        (&row.filter_factors, &row.filter_intra, &row.filter_inter)
    };
    let numbers = |v: &[i64]| -> Result<Vec<u64>, String> {
        v.iter()
            .map(|&x| u64::try_from(x).map_err(|_| format!("the {name} layout has {x}, below 0")))
            .collect()
    };
    if banks.num == 0 || banks.ports == 0 {
        return Err(format!("the {name} layout has no banks or no ports"));
    }
    let layout = OperandLayout {
        tile: numbers(tile)?,
        intraline: numbers(intraline)?,
        interline: numbers(interline)?,
        bandwidth: banks.bandwidth,
        banks: banks.num,
        ports: banks.ports,
    };
    if layout.tile.contains(&0) {
        return Err(format!("the {name} layout has a tile factor of 0"));
    }
    layout.check(name, user)?;
    Ok(Some(layout))
}

/// Import the files; `Some(program)` only without errors.
pub fn import(sources: &SourceMap, inputs: &Inputs) -> (Option<ir::Program>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let config = match parse_config(&sources.file(inputs.config).text) {
        Ok(c) => Some(c),
        Err(e) => {
            diags.push(file_error(inputs.config, e));
            None
        }
    };
    let topology_file = sources.file(inputs.topology);
    let layers = match parse_topology(&topology_file.text, inputs.gemm) {
        Ok(l) => Some(l),
        Err(e) => {
            diags.push(file_error(inputs.topology, e));
            None
        }
    };
    let (Some(config), Some(layers)) = (config, layers) else {
        return (None, diags);
    };
    let config_span = whole_file_span(inputs.config, &sources.file(inputs.config).text);
    let mut config = config;
    if let Some(id) = inputs.layout {
        match parse_layout(&sources.file(id).text) {
            Ok(row) => config.layout.row = row,
            Err(e) => {
                diags.push(file_error(id, e));
                return (None, diags);
            }
        }
    }
    let array = match array(&config) {
        Ok(a) => a,
        Err(message) => {
            diags.push(Diagnostic::at(
                Code::SystolicLayoutInvalid,
                config_span,
                format!("`.df` cannot hold this custom layout: {message}"),
                "custom layout on",
            ));
            return (None, diags);
        }
    };
    let topology_span = whole_file_span(inputs.topology, &topology_file.text);
    let hw_name = identifier(&config.run_name, "hw_");
    let hardware = ir::Hardware::from_array(&hw_name, array, config_span);
    let network_name = identifier(file_stem(topology_file, "topology"), "net_");
    let ir_layers = lower::network_layers(&layers, topology_span, &mut diags);
    let program = lower::program(network_name, ir_layers, hardware, topology_span);
    let ok = !crate::diagnostics::has_errors(&diags);
    (ok.then_some(program), diags)
}

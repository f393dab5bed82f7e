//! Import of SCALE-Sim's input files — `scalesim.cfg` and a topology CSV (conv or GEMM form) —
//! into the IR: a hardware item with a `systolic` block, a network, and a mapping that binds
//! them. Reading follows SCALE-Sim's own rules (`backends::systolic::{parse_config,
//! parse_topology}`); a `DP` layer, which SCALE-Sim splits into one layer per channel, comes
//! back as the depthwise convolution it stands for (`dwconv`, or a `conv` with one group per
//! channel when each channel has several filters).

use std::collections::HashMap;

use crate::backends::systolic::{self, FileError};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::shape::build_shape;
use crate::ir::{self, LayerOp, SystolicArray, SystolicBandwidth, SystolicDataflow};
use crate::maestro::identifier;
use crate::source::{FileId, SourceMap, Span};

pub struct Inputs {
    pub config: FileId,
    pub topology: FileId,
    /// The topology is in GEMM form (`name, M, N, K,`).
    pub gemm: bool,
}

fn file_error(file: FileId, e: FileError) -> Diagnostic {
    Diagnostic::at(
        Code::ScalesimSyntax,
        Span::new(file, e.span.clone()),
        e.message,
        format!("line {}", e.line),
    )
}

/// The array a SCALE-Sim configuration describes.
pub fn array(config: &systolic::ArrayConfig) -> SystolicArray {
    SystolicArray {
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
    }
}

/// Import the files; `Some(program)` only without errors.
pub fn import(sources: &SourceMap, inputs: &Inputs) -> (Option<ir::Program>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let config = match systolic::parse_config(&sources.file(inputs.config).text) {
        Ok(c) => Some(c),
        Err(e) => {
            diags.push(file_error(inputs.config, e));
            None
        }
    };
    let topology_text = &sources.file(inputs.topology).text;
    let layers = match systolic::parse_topology(topology_text, inputs.gemm) {
        Ok(l) => Some(l),
        Err(e) => {
            diags.push(file_error(inputs.topology, e));
            None
        }
    };
    let (Some(config), Some(layers)) = (config, layers) else {
        return (None, diags);
    };
    let whole = |file: FileId| Span::new(file, 0..sources.file(file).text.len().min(1));
    let hw_name = identifier(&config.run_name, "hw_");
    let hardware = ir::Hardware::from_array(&hw_name, array(&config), whole(inputs.config));
    let stem = std::path::Path::new(&sources.file(inputs.topology).name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("topology")
        .to_string();
    let net_name = identifier(&stem, "net_");
    let mut ir_layers: Vec<ir::Layer> = Vec::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < layers.len() {
        let l = &layers[i];
        // `<name>Channel_0 … <name>Channel_{C-1}`: one SCALE-Sim `DP` row of C channels.
        let dp_base = l
            .name
            .strip_suffix("Channel_0")
            .filter(|base| base.contains("DP") && l.gemm.is_none());
        let (op, args, consumed, name): (LayerOp, Vec<(&str, u64)>, usize, String) =
            if let Some(base) = dp_base {
                let channels = layers[i..]
                    .iter()
                    .enumerate()
                    .take_while(|(c, x)| x.name == format!("{base}Channel_{c}"))
                    .count() as u64;
                let window = [
                    ("R", l.filter_h),
                    ("S", l.filter_w),
                    ("Y", l.ifmap_h),
                    ("X", l.ifmap_w),
                    ("stride_y", l.stride_h),
                    ("stride_x", l.stride_w),
                ];
                // SCALE-Sim gives each channel the row's filter count: a depthwise convolution
                // with that channel multiplier, i.e. one group per channel.
                let (op, mut args) = if l.num_filters == 1 {
                    (LayerOp::DwConv, vec![("C", channels)])
                } else {
                    (
                        LayerOp::Conv,
                        vec![
                            ("K", channels * l.num_filters),
                            ("C", channels),
                            ("groups", channels),
                        ],
                    )
                };
                args.extend(window);
                (op, args, channels as usize, base.to_string())
            } else if let Some(g) = l.gemm {
                (
                    LayerOp::Gemm,
                    vec![("M", g.m), ("N", g.n), ("K", g.k)],
                    1,
                    l.name.clone(),
                )
            } else {
                (
                    LayerOp::Conv,
                    vec![
                        ("K", l.num_filters),
                        ("C", l.channels),
                        ("R", l.filter_h),
                        ("S", l.filter_w),
                        ("Y", l.ifmap_h),
                        ("X", l.ifmap_w),
                        ("stride_y", l.stride_h),
                        ("stride_x", l.stride_w),
                    ],
                    1,
                    l.name.clone(),
                )
            };
        i += consumed;
        let mut ident = identifier(&name, "layer_");
        let n = used.entry(ident.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            ident = format!("{ident}_{n}");
        }
        let args: HashMap<&str, u64> = args.into_iter().collect();
        if args
            .values()
            .any(|v| *v > crate::ir::lower::MAX_LOOP_BOUND as u64)
        {
            diags.push(Diagnostic::at(
                Code::InvalidValue,
                whole(inputs.topology),
                format!(
                    "layer `{name}` has a size larger than dfc supports ({})",
                    crate::ir::lower::MAX_LOOP_BOUND
                ),
                "in this topology",
            ));
            continue;
        }
        match build_shape(op, &args) {
            Ok(shape) => ir_layers.push(ir::Layer {
                name: ident,
                op,
                shape,
                preds: ir_layers.len().checked_sub(1).into_iter().collect(),
                span: whole(inputs.topology),
            }),
            Err(_) => diags.push(Diagnostic::at(
                Code::InvalidShape,
                whole(inputs.topology),
                format!("layer `{name}` has no output"),
                "in this topology",
            )),
        }
    }
    let mut program = ir::Program::default();
    program.networks.push(ir::Network {
        name: net_name.clone(),
        layers: ir_layers,
        span: whole(inputs.topology),
    });
    program.hardware.push(hardware);
    let layers = program.networks[0].layers.len();
    program.mappings.push(ir::Mapping {
        name: format!("{net_name}_on_{hw_name}"),
        network: ir::NetworkId(0),
        hardware: ir::HardwareId(0),
        layers: vec![
            ir::LayerMapping {
                dataflow: ir::DataflowChoice::Search {
                    span: whole(inputs.topology)
                },
                precision: None,
            };
            layers
        ],
        span: whole(inputs.topology),
    });
    program.make_item_names_unique();
    let ok = !crate::diagnostics::has_errors(&diags);
    (ok.then_some(program), diags)
}

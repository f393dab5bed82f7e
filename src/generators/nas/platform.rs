//! Where generated networks run: one hardware description and one dataflow, taken from a
//! user's mapping (or `std::hardware::edge256` with `std::dataflows::nvdla`). Costs come from
//! the cost model: every distinct layer shape of a space is evaluated once, so the costs of
//! every architecture of the space are known exactly before anything is trained. A generated
//! network becomes a self-contained program (network, hardware, dataflow, mapping) emitted
//! through `ir::emit`.

use std::collections::{BTreeSet, HashMap};

use super::space::{Architecture, LayerShape, Space};
use crate::backends::cost::Model;
use crate::backends::evaluate::{evaluate_mapping, LayerStatus};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::lower::lower_text;
use crate::ir::{self, DataflowChoice, LayerMapping, MappingId, Program};

/// The mapping used when the user names no hardware.
pub const DEFAULT_PLATFORM: &str = "use std::dataflows::nvdla;
use std::hardware::edge256;
use std::networks::digits_cnn;

mapping default_platform {
    network: digits_cnn;
    hardware: edge256;
    dataflow: nvdla;
}
";

/// A hardware description and the dataflow every generated layer is mapped with.
#[derive(Debug, Clone)]
pub struct Platform {
    pub hardware: ir::Hardware,
    pub dataflow: ir::Dataflow,
    pub args: Vec<i64>,
}

/// An architecture's resource costs: counted (parameters, MACs) and from the cost model on
/// the platform (runtime, energy).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Costs {
    pub params: u64,
    pub macs: u64,
    pub runtime_cycles: u64,
    pub energy_pj: f64,
}

/// Upper bounds on `Costs`; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Budgets {
    pub params: Option<u64>,
    pub macs: Option<u64>,
    pub runtime_cycles: Option<u64>,
    pub energy_pj: Option<f64>,
}

impl Budgets {
    pub fn met_by(&self, c: &Costs) -> bool {
        self.params.is_none_or(|b| c.params <= b)
            && self.macs.is_none_or(|b| c.macs <= b)
            && self.runtime_cycles.is_none_or(|b| c.runtime_cycles <= b)
            && self.energy_pj.is_none_or(|b| c.energy_pj <= b)
    }
}

impl Platform {
    /// The hardware and dataflow of `mapping`: its first layer's dataflow, which must be a
    /// fixed one (not `search`).
    pub fn of_mapping(program: &Program, id: MappingId) -> Result<Platform, Diagnostic> {
        let mapping = program.mapping(id);
        match mapping.layers.first().map(|l| &l.dataflow) {
            Some(DataflowChoice::Fixed { dataflow, args, .. }) => Ok(Platform {
                hardware: program.hardware(mapping.hardware).clone(),
                dataflow: program.dataflow(*dataflow).clone(),
                args: args.clone(),
            }),
            _ => Err(Diagnostic::at(
                Code::NasSearchMapping,
                mapping.span,
                format!(
                    "mapping `{}` leaves its dataflow to `search`; generated networks need a \
                     fixed dataflow",
                    mapping.name
                ),
                "no fixed dataflow",
            )),
        }
    }

    /// `edge256` with `nvdla`.
    pub fn default_platform() -> Platform {
        let (_, program, _) = lower_text("default_platform.df", DEFAULT_PLATFORM);
        let program = program.expect("the default platform is a valid program");
        Platform::of_mapping(&program, MappingId(0)).expect("the default mapping is fixed")
    }

    /// A program of the network `network_df` (one `network` item) mapped on this platform by a
    /// mapping named `mapping`.
    fn program(&self, network_df: &str, mapping: &str) -> Program {
        let (_, lowered, _) = lower_text("generated.df", network_df);
        // The text is generated from a space's shapes, which always lower.
        let network = lowered
            .and_then(|p| p.networks.into_iter().next())
            .expect("generated networks lower");
        let span = network.span;
        let layers = vec![
            LayerMapping {
                dataflow: DataflowChoice::Fixed {
                    dataflow: ir::DataflowId(0),
                    args: self.args.clone(),
                    span,
                },
                precision: None,
                sparsity: Default::default(),
            };
            network.layers.len()
        ];
        Program {
            networks: vec![network],
            hardware: vec![self.hardware.clone()],
            dataflows: vec![self.dataflow.clone()],
            mappings: vec![ir::Mapping {
                name: mapping.to_string(),
                network: ir::NetworkId(0),
                hardware: ir::HardwareId(0),
                layers,
                span,
            }],
            ..Program::default()
        }
    }

    /// `arch` as a self-contained `.df` program: the network `name`, this platform's hardware
    /// and dataflow, and the mapping `name_on_HARDWARE`.
    pub fn program_of(&self, space: &Space, arch: &Architecture, name: &str) -> Program {
        let mapping = format!("{name}_on_{}", self.hardware.name);
        self.program(&space.network_df(arch, name), &mapping)
    }
}

/// Runtime and energy of every distinct layer shape on a platform, or why the cost model
/// cannot run it there (the layer does not fit, say).
#[derive(Debug, Clone)]
pub struct CostBook {
    layers: HashMap<LayerShape, Result<(u64, f64), String>>,
}

impl CostBook {
    /// Evaluates every layer shape of `archs` once, in parallel, as one probe network.
    pub fn new(platform: &Platform, space: &Space, archs: &[Architecture]) -> CostBook {
        let shapes: BTreeSet<LayerShape> = archs.iter().flat_map(|a| space.layers(a)).collect();
        let shapes: Vec<LayerShape> = shapes.into_iter().collect();
        let mut text = String::from("network probe {\n");
        for (i, s) in shapes.iter().enumerate() {
            text.push_str(&format!("    l{i} = {};\n", s.df()));
        }
        text.push_str("}\n");
        let program = platform.program(&text, "probe");
        let (report, _) = evaluate_mapping(&program, MappingId(0), Model::Default);
        let layers = shapes
            .into_iter()
            .zip(report.layers)
            .map(|(shape, layer)| {
                let cost = match layer.status {
                    LayerStatus::Ok { metrics } => Ok((
                        u64::try_from(metrics.runtime_cycles).unwrap_or(0),
                        metrics.total_energy_exact,
                    )),
                    LayerStatus::Error { message } => Err(message),
                    LayerStatus::NotMapped => Err("not mapped".to_string()),
                };
                (shape, cost)
            })
            .collect();
        CostBook { layers }
    }

    /// The costs of `arch`, or why a layer of it cannot run on the platform. Its layers
    /// must have been in the archs the book was made for.
    pub fn costs(&self, space: &Space, arch: &Architecture) -> Result<Costs, String> {
        let mut runtime = 0;
        let mut energy = 0.0;
        for (name, shape) in space.layer_names(arch).iter().zip(space.layers(arch)) {
            match self.layers.get(&shape) {
                Some(Ok((r, e))) => {
                    runtime += r;
                    energy += e;
                }
                Some(Err(why)) => return Err(format!("layer `{name}`: {why}")),
                None => return Err(format!("layer `{name}` was not costed")),
            }
        }
        Ok(Costs {
            params: space.params(arch),
            macs: space.macs(arch),
            runtime_cycles: runtime,
            energy_pj: energy,
        })
    }
}

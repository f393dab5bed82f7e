//! The hardware oracle: a mapping's per-layer runtime and energy from the cost model at every
//! per-layer precision pair, so any configuration is costed by table lookup. A layer's
//! metrics depend only on its own precision, so 49 evaluations of the mapping (one per
//! uniform pair) fill the table exactly.

use super::space::size_bits;
use crate::backends::cost::Model;
use crate::backends::evaluate::{evaluate_mapping, LayerStatus};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, LayerPrecision, MappingId, Precision, Program};
use crate::nn::quant::{Bits, LEVELS, MAX_BITS, MIN_BITS};

/// What the hardware tuning minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    Energy,
    Runtime,
    Edp,
    Size,
}

impl Objective {
    pub const ALL: [Objective; 4] = [
        Objective::Energy,
        Objective::Runtime,
        Objective::Edp,
        Objective::Size,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Objective::Energy => "energy",
            Objective::Runtime => "runtime",
            Objective::Edp => "edp",
            Objective::Size => "size",
        }
    }
}

/// A configuration's hardware cost on the mapping.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Cost {
    pub runtime_cycles: i64,
    pub energy_pj: f64,
    pub size_bits: u64,
}

impl Cost {
    pub fn value(&self, objective: Objective) -> f64 {
        match objective {
            Objective::Energy => self.energy_pj,
            Objective::Runtime => self.runtime_cycles as f64,
            Objective::Edp => self.energy_pj * self.runtime_cycles as f64,
            Objective::Size => self.size_bits as f64,
        }
    }
}

/// Per quantized layer (in the order of `layers`), runtime and energy at each (w, a) level pair.
#[derive(Debug, Clone, PartialEq)]
pub struct CostTable {
    pub layers: Vec<String>,
    pub weight_counts: Vec<usize>,
    table: Vec<Vec<(i64, f64)>>,
}

fn int(bits: u32) -> Precision {
    Precision::parse(&format!("int{bits}")).unwrap_or(Precision {
        name: "int8",
        bits: 8,
    })
}

/// The mapping `id` with `bits[k]` on the layer named `layers[k]`.
pub fn with_precisions(
    program: &Program,
    id: MappingId,
    layers: &[String],
    bits: &[Bits],
) -> Program {
    let mut out = program.clone();
    let net = out.network(out.mapping(id).network).clone();
    let mapping = &mut out.mappings[id.index()];
    for (name, b) in layers.iter().zip(bits) {
        if let Some(i) = net.layers.iter().position(|l| &l.name == name) {
            mapping.layers[i].precision = Some(LayerPrecision {
                weights: int(b.w),
                activations: int(b.a),
            });
        }
    }
    out
}

impl CostTable {
    /// Costs `layers` of mapping `id` at every precision pair; a layer that does not evaluate
    /// (no dataflow, or a cost-model error) is an E1010 diagnostic on the layer.
    pub fn build(
        program: &Program,
        id: MappingId,
        layers: &[String],
    ) -> Result<CostTable, Vec<Diagnostic>> {
        let net = program.network(program.mapping(id).network);
        let weight_counts = layers
            .iter()
            .map(|name| {
                net.layers
                    .iter()
                    .find(|l| &l.name == name)
                    .map_or(0, |l| weights(l) as usize)
            })
            .collect();
        let mut table = vec![vec![(0, 0.0); LEVELS * LEVELS]; layers.len()];
        for w in MIN_BITS..=MAX_BITS {
            for a in MIN_BITS..=MAX_BITS {
                let bits = vec![Bits { w, a }; layers.len()];
                let p = with_precisions(program, id, layers, &bits);
                let (report, _) = evaluate_mapping(&p, id, Model::Default);
                for (k, name) in layers.iter().enumerate() {
                    let status = report
                        .layers
                        .iter()
                        .find(|l| &l.layer == name)
                        .map(|l| &l.status);
                    let Some(LayerStatus::Ok { metrics }) = status else {
                        let why = match status {
                            Some(LayerStatus::Error { message }) => message.clone(),
                            _ => "it has no dataflow (map it, or run `dfc map` first)".to_string(),
                        };
                        let span = net.layers.iter().find(|l| &l.name == name).map(|l| l.span);
                        let msg = format!(
                            "layer `{name}` cannot be costed at int{w} w / int{a} a: {why}"
                        );
                        let d = match span {
                            Some(span) => {
                                Diagnostic::at(Code::QuantLayerNotCosted, span, msg, "this layer")
                            }
                            None => Diagnostic::new(Code::QuantLayerNotCosted, msg),
                        };
                        return Err(vec![d]);
                    };
                    let level = ((w - MIN_BITS) as usize) * LEVELS + (a - MIN_BITS) as usize;
                    table[k][level] = (metrics.runtime_cycles, metrics.total_energy);
                }
            }
        }
        Ok(CostTable {
            layers: layers.to_vec(),
            weight_counts,
            table,
        })
    }

    pub fn cost(&self, bits: &[Bits]) -> Cost {
        let level = |b: u32| (b.clamp(MIN_BITS, MAX_BITS) - MIN_BITS) as usize;
        let mut runtime_cycles = 0;
        let mut energy_pj = 0.0;
        for (k, b) in bits.iter().enumerate().take(self.table.len()) {
            let (r, e) = self.table[k][level(b.w) * LEVELS + level(b.a)];
            runtime_cycles += r;
            energy_pj += e;
        }
        Cost {
            runtime_cycles,
            energy_pj,
            size_bits: size_bits(bits, &self.weight_counts),
        }
    }
}

/// Weights of a layer: `G·K·C·R·S`.
pub fn weights(layer: &ir::Layer) -> u64 {
    let s = &layer.shape;
    s.g * s.k * s.c * s.r * s.s
}

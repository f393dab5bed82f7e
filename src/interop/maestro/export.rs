//! `dfc export maestro`: a mapping as MAESTRO's own input files, so any dfc mapping can be
//! cross-checked with MAESTRO itself. Each layer is printed from the cost problem
//! `--model maestro` evaluates (`backends::evaluate::layer_problems`), so importing the files
//! back (`dfc eval FILE.m --hw HW.m --lanes N`) gives the same numbers, metric for metric.
//! What MAESTRO cannot express (a layer without a dataflow, a number beyond its `int`) is
//! refused with E0506 naming the layer.

use std::fmt::Write;

use crate::backends::cost::{self, LayerType};
use crate::backends::evaluate::{self, LayerProblem};
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, ConcreteDirective, MapKind, MappingId, Program};
use crate::source::Span;

/// The two MAESTRO files of one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The mapping file (`Network { Layer { … } }`).
    pub mapping: String,
    /// The HW file (`NumPEs`, `L1Size`, …).
    pub hardware: String,
    /// MACs per PE: MAESTRO's `--num_simd_lanes` (its HW file has no key for it).
    pub lanes: u64,
}

/// MAESTRO reads numbers with `atoi` into an `int`.
const MAESTRO_MAX: i64 = i32::MAX as i64;

/// Mapping `id` as MAESTRO files, or the diagnostics saying which layers MAESTRO cannot
/// express (E0506) or which dataflows do not instantiate.
pub fn export(program: &Program, id: MappingId) -> Result<Exported, Vec<Diagnostic>> {
    let mapping = program.mapping(id);
    let network = program.network(mapping.network);
    let hw = program.hardware(mapping.hardware);
    let mut diags = Vec::new();
    let mut text = format!(
        "// dfc export of mapping `{}`: network `{}` on `{}`\nNetwork {} {{\n",
        mapping.name, network.name, hw.name, network.name
    );
    let problems = evaluate::layer_problems(program, id, cost::Model::Maestro);
    for ((layer, lm), problem) in network.layers.iter().zip(&mapping.layers).zip(problems) {
        if !lm.sparsity.is_dense() {
            diags.push(inexpressible(
                layer,
                layer.span,
                "its operands are sparse, and MAESTRO models dense tensors",
            ));
            continue;
        }
        match problem {
            LayerProblem::Ready(p) => match too_large(&p) {
                None => layer_text(&mut text, &layer.name, &p),
                Some(what) => diags.push(inexpressible(
                    layer,
                    layer.span,
                    &format!("{what} exceeds MAESTRO's largest number, {MAESTRO_MAX}"),
                )),
            },
            LayerProblem::Search(_) => diags.push(inexpressible(
                layer,
                lm.dataflow.span(),
                "it is mapped with `search` and has no dataflow",
            )),
            LayerProblem::Invalid(d) => diags.push(d),
        }
    }
    text.push_str("}\n");
    let hardware = hardware_text(hw, &mut diags);
    if !diags.is_empty() {
        crate::diagnostics::sort(&mut diags);
        return Err(diags);
    }
    Ok(Exported {
        mapping: text,
        hardware,
        lanes: hw.macs_per_pe,
    })
}

fn inexpressible(layer: &ir::Layer, span: Span, why: &str) -> Diagnostic {
    Diagnostic::at(
        Code::MaestroInexpressible,
        span,
        format!("MAESTRO cannot express layer `{}`: {why}", layer.name),
        "this layer",
    )
    .with_help("map the layer with a dataflow (`dfc map`) of sizes MAESTRO can read")
}

/// The first dimension or directive size MAESTRO cannot read, if any.
fn too_large(p: &cost::Problem) -> Option<String> {
    let dims = p.dims.iter().map(|(d, v)| (d.name().to_string(), *v));
    let strides = p
        .strides
        .iter()
        .map(|(d, v)| (format!("the stride of {d}"), *v));
    let directives = p.directives.iter().enumerate().flat_map(|(i, d)| match *d {
        ConcreteDirective::Map { size, offset, .. } => vec![
            (format!("directive {i}'s size"), size),
            (format!("directive {i}'s offset"), offset),
        ],
        ConcreteDirective::Cluster { size } => vec![(format!("directive {i}'s size"), size)],
    });
    dims.chain(strides)
        .chain(directives)
        .find(|(_, v)| *v > MAESTRO_MAX)
        .map(|(what, v)| format!("{what} ({v})"))
}

fn layer_text(out: &mut String, name: &str, p: &cost::Problem) {
    let ty = match p.layer_type {
        LayerType::Conv => "CONV",
        LayerType::Dsconv => "DSCONV",
        LayerType::Ngconv => "NGCONV",
        LayerType::Trconv => "TRCONV",
    };
    let _ = writeln!(out, " Layer {name} {{\n  Type: {ty}");
    if p.strides.iter().any(|(_, s)| *s != 1) {
        let strides: Vec<String> = p.strides.iter().map(|(d, s)| format!("{d}: {s}")).collect();
        let _ = writeln!(out, "  Stride {{ {} }}", strides.join(", "));
    }
    let dims: Vec<String> = p.dims.iter().map(|(d, v)| format!("{d}: {v}")).collect();
    let _ = writeln!(out, "  Dimensions {{ {} }}\n  Dataflow {{", dims.join(", "));
    for d in &p.directives {
        let _ = match *d {
            ConcreteDirective::Map {
                kind,
                size,
                offset,
                dim,
            } => {
                let kind = match kind {
                    MapKind::Spatial => "SpatialMap",
                    MapKind::Temporal => "TemporalMap",
                };
                writeln!(out, "   {kind}({size},{offset}) {dim};")
            }
            ConcreteDirective::Cluster { size } => writeln!(out, "   Cluster({size}, P);"),
        };
    }
    out.push_str("  }\n }\n");
}

/// MAESTRO's HW file: sizes in elements at the hardware's precision, as `--model maestro`
/// reads them. MAESTRO's reader refuses non-positive values, so those are E0506 on the field.
fn hardware_text(hw: &ir::Hardware, diags: &mut Vec<Diagnostic>) -> String {
    let h = evaluate::hardware(hw, None, cost::Model::Maestro);
    let fields = [
        ("NumPEs", "pes", h.num_pes),
        ("L1Size", "l1", h.l1_size),
        ("L2Size", "l2", h.l2_size),
        ("NoC_BW", "noc.bandwidth", h.noc_bw),
        ("NoC_NumHops", "noc.latency", h.noc_hops),
    ];
    let mut text = String::new();
    for (key, field, value) in fields {
        if value <= 0 || value > MAESTRO_MAX {
            diags.push(
                Diagnostic::at(
                    Code::MaestroInexpressible,
                    hw.field_span(field),
                    format!(
                        "MAESTRO cannot express hardware `{}`: its `{key}` would be {value}",
                        hw.name
                    ),
                    "this field",
                )
                .with_note(format!(
                    "MAESTRO reads `{key}` as a number from 1 to {MAESTRO_MAX}"
                )),
            );
        }
        let _ = writeln!(text, "{key}: {value}");
    }
    text
}

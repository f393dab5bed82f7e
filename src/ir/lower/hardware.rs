//! Lowering hardware descriptions: nested fields flattened to dotted paths, sizes and
//! bandwidths converted to base units, and fields a systolic array implies filled in.

use super::systolic::SystolicBlock;
use super::*;
use crate::ir::noc::{NocConfig, Topology, WirelessMac};

impl Lowering {
    pub(super) fn hardware(&mut self, h: &ast::Hardware) -> Hardware {
        let mut hw = Hardware {
            name: h.name.name.clone(),
            pes: 1,
            macs_per_pe: 1,
            l1: Size::Elements(1),
            l2: Size::Elements(1),
            noc_bandwidth: Bandwidth::ElementsPerCycle(1),
            noc_latency_cycles: 1,
            noc: NocConfig::default(),
            dram_bandwidth: None,
            precision: None,
            energy: None,
            systolic: None,
            sparse: SparseSupport::default(),
            span: h.span,
            field_spans: Vec::new(),
        };
        let mut energy = EnergyTable {
            mac_pj: 1.0,
            l1_pj: 1.68,
            l2_pj: 18.61,
            dram_pj: None,
        };
        let mut has_energy = false;
        let mut byte_sizes: Vec<Span> = Vec::new();
        let mut systolic_fields: Vec<(String, Span, &ast::Value)> = Vec::new();
        let fields = self.flatten_fields(&h.fields, "", HARDWARE_FIELDS, "hardware");
        for (path, field, v) in &fields {
            hw.field_spans.push((path.clone(), field.span));
            match path.as_str() {
                "pes" => hw.pes = self.count(v, path).unwrap_or(1),
                "macs_per_pe" => hw.macs_per_pe = self.count(v, path).unwrap_or(1),
                "l1" | "l2" => {
                    if let Some((n, elements)) = self.quantity_u64(v, Dimension::Size, path) {
                        let size = if elements {
                            Size::Elements(n)
                        } else {
                            Size::Bytes(n)
                        };
                        if !elements {
                            byte_sizes.push(field.span);
                        }
                        if path == "l1" {
                            hw.l1 = size;
                        } else {
                            hw.l2 = size;
                        }
                    }
                }
                "noc.bandwidth" | "dram.bandwidth" => {
                    if let Some((n, elements)) = self.quantity_u64(v, Dimension::Bandwidth, path) {
                        let bw = if elements {
                            Bandwidth::ElementsPerCycle(n)
                        } else {
                            byte_sizes.push(field.span);
                            Bandwidth::BytesPerCycle(n)
                        };
                        if path == "noc.bandwidth" {
                            hw.noc_bandwidth = bw;
                        } else {
                            hw.dram_bandwidth = Some(bw);
                        }
                    }
                }
                "noc.latency" => {
                    if let Some((n, _)) = self.quantity_u64(v, Dimension::Time, path) {
                        hw.noc_latency_cycles = n;
                    }
                }
                "precision" => hw.precision = self.precision(v),
                path if path.starts_with("noc.") => self.noc_field(&mut hw.noc, path, v),
                path if path.starts_with("sparse.") => self.sparse_field(&mut hw.sparse, path, v),
                path if path.starts_with("systolic.") => {
                    systolic_fields.push((path.to_string(), field.span, v));
                }
                "energy.mac" | "energy.l1" | "energy.l2" | "energy.dram" => {
                    has_energy = true;
                    if let Some(pj) = self.quantity_f64(v, Dimension::Energy, path) {
                        match path.as_str() {
                            "energy.mac" => energy.mac_pj = pj,
                            "energy.l1" => energy.l1_pj = pj,
                            "energy.l2" => energy.l2_pj = pj,
                            _ => energy.dram_pj = Some(pj),
                        }
                    }
                }
                _ => {}
            }
        }
        if has_energy {
            hw.energy = Some(energy);
        }
        // A field written under MAESTRO's name was already diagnosed; it is not also missing.
        let given: Vec<&str> = fields
            .iter()
            .map(|(p, _, _)| p.as_str())
            .chain(
                h.fields
                    .iter()
                    .filter_map(|f| maestro_hardware_field(&f.key.name)),
            )
            .collect();
        let has_array = h.fields.iter().any(|f| f.key.name == "systolic");
        if has_array {
            let written = h.fields.iter().find_map(|f| match &f.value {
                ast::FieldValue::Block(inner) if f.key.name == "systolic" => Some(&inner[..]),
                _ => None,
            });
            let block = SystolicBlock {
                hardware: &h.name,
                fields: &systolic_fields,
                written: written.unwrap_or_default(),
            };
            self.fill_from_systolic_array(&mut hw, &block, &given);
        }
        if !has_array {
            self.check_required_hardware_fields(&h.name, &given);
        }
        if !given.contains(&"precision") {
            self.check_bytes_have_a_precision(&h.name, &byte_sizes);
        }
        self.check_sparse_support(&hw);
        hw
    }

    /// Fields the hardware does not write follow from its systolic array (as
    /// `Hardware::from_array` derives them); the array itself is kept for the simulator.
    fn fill_from_systolic_array(
        &mut self,
        hw: &mut Hardware,
        block: &SystolicBlock,
        given: &[&str],
    ) {
        let Some(array) = self.systolic_array(block) else {
            return;
        };
        let derived = Hardware::from_array(&hw.name, array, hw.span);
        if !given.contains(&"pes") {
            hw.pes = derived.pes;
        }
        if !given.contains(&"l1") {
            hw.l1 = derived.l1;
        }
        if !given.contains(&"l2") {
            hw.l2 = derived.l2;
        }
        if !given.contains(&"noc.bandwidth") {
            hw.noc_bandwidth = derived.noc_bandwidth;
        }
        hw.systolic = derived.systolic;
    }

    /// Without a systolic array to derive them from, `pes`, `l1`, `l2` and the NoC bandwidth
    /// must be written.
    fn check_required_hardware_fields(&mut self, name: &ast::Ident, given: &[&str]) {
        let missing: Vec<&str> = ["pes", "l1", "l2", "noc.bandwidth"]
            .into_iter()
            .filter(|f| !given.contains(f))
            .collect();
        if missing.is_empty() {
            return;
        }
        let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
        self.error(
            Diagnostic::at(
                Code::MissingField,
                name.span,
                format!("hardware `{}` is missing {}", name.name, list.join(", ")),
                "in this hardware",
            )
            .with_help("every hardware gives `pes`, `l1`, `l2` and `noc { bandwidth: … }`"),
        );
    }

    /// Sizes and bandwidths in bytes need a precision: the cost model counts elements.
    /// `byte_sizes` are where such values were written; the first one is reported.
    fn check_bytes_have_a_precision(&mut self, name: &ast::Ident, byte_sizes: &[Span]) {
        let Some(span) = byte_sizes.first() else {
            return;
        };
        self.error(
            Diagnostic::at(
                Code::PrecisionRequired,
                *span,
                format!(
                    "hardware `{}` gives a size or bandwidth in bytes but no precision",
                    name.name
                ),
                "in bytes",
            )
            .with_note("the cost model counts elements; bytes per element come from the precision")
            .with_help(
                "add `precision: int8;` (or the format you use), or give the size in `elem`",
            ),
        );
    }

    /// Leaf fields with dotted paths (`noc.bandwidth`); unknown and duplicate keys diagnosed.
    pub(super) fn flatten_fields<'a>(
        &mut self,
        fields: &'a [ast::Field],
        prefix: &str,
        known: &[&str],
        item: &str,
    ) -> Vec<(String, &'a ast::Field, &'a ast::Value)> {
        let mut out = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        for f in fields {
            let path = if prefix.is_empty() {
                f.key.name.clone()
            } else {
                format!("{prefix}.{}", f.key.name)
            };
            let is_block = matches!(f.value, ast::FieldValue::Block(_));
            let known_here = known.iter().any(|k| {
                if is_block {
                    k.starts_with(&format!("{path}."))
                } else {
                    *k == path
                }
            });
            if !known_here {
                let here: Vec<&str> = known
                    .iter()
                    .filter_map(|k| {
                        let rest = if prefix.is_empty() {
                            Some(*k)
                        } else {
                            k.strip_prefix(&format!("{prefix}."))
                        };
                        rest.map(|r| r.split('.').next().unwrap_or(r))
                    })
                    .collect();
                let help = maestro_hardware_field(&f.key.name)
                    .map(|a| {
                        let a = field_in_source(a);
                        format!("MAESTRO's `{}` is `{a}` in `.df`", f.key.name)
                    })
                    .or_else(|| suggest(&f.key.name, here.iter().copied()));
                let mut unique = here.clone();
                unique.dedup();
                self.error(
                    Diagnostic::at(
                        Code::UnknownField,
                        f.key.span,
                        format!("unknown {item} field `{path}`"),
                        "unknown field",
                    )
                    .with_note(format!("fields here: {}", unique.join(", ")))
                    .with_help_opt(help),
                );
                continue;
            }
            if let Some(first) = seen.get(&path) {
                self.error(
                    Diagnostic::at(
                        Code::DuplicateField,
                        f.key.span,
                        format!("`{path}` is given twice"),
                        "given again here",
                    )
                    .with_label(*first, "first given here"),
                );
                continue;
            }
            seen.insert(path.clone(), f.key.span);
            match &f.value {
                ast::FieldValue::Value(v) => out.push((path, f, v)),
                ast::FieldValue::Block(inner) => {
                    out.extend(self.flatten_fields(inner, &path, known, item))
                }
            }
        }
        out
    }

    /// One of the `noc` fields the NoC models read (`topology`, `fanout`, …); a value they
    /// cannot use is E0709.
    fn noc_field(&mut self, noc: &mut NocConfig, path: &str, v: &ast::Value) {
        let field = path.trim_start_matches("noc.");
        match field {
            "fanout" => {
                if let Some(n) = self.count(v, path) {
                    if n < 2 {
                        let ast::Value::Quantity(q) = v else { return };
                        self.error(Diagnostic::at(
                            Code::NocBadBlock,
                            q.span,
                            format!("a tree needs a `fanout` of at least 2, found {n}"),
                            "fewer than 2 children per node",
                        ));
                    } else {
                        noc.fanout = Some(n);
                    }
                }
            }
            "wireless_bandwidth" => {
                if let Some((n, elements)) = self.quantity_u64(v, Dimension::Bandwidth, path) {
                    noc.wireless_bandwidth = Some(if elements {
                        Bandwidth::ElementsPerCycle(n)
                    } else {
                        Bandwidth::BytesPerCycle(n)
                    });
                }
            }
            _ => {
                let choices: &[&str] = match field {
                    "topology" => &["bus", "tree", "crossbar", "mesh", "wireless", "hybrid"],
                    "mac" => &["token", "tdma"],
                    "reduction" => &["in_network", "none"],
                    _ => &["replicate", "unicast"],
                };
                let Some(name) = self.noc_name(v, path, choices) else {
                    return;
                };
                match field {
                    "topology" => noc.topology = Topology::parse(name),
                    "mac" => noc.mac = WirelessMac::parse(name),
                    "reduction" => noc.in_network_reduction = Some(name == "in_network"),
                    _ => noc.multicast_replication = Some(name == "replicate"),
                }
            }
        }
    }

    /// The name a `noc` field is set to, if it is one of `choices` (else E0709 or E0209).
    fn noc_name<'v>(
        &mut self,
        v: &'v ast::Value,
        path: &str,
        choices: &[&'static str],
    ) -> Option<&'v str> {
        match v {
            ast::Value::Name(n) if choices.contains(&n.name.as_str()) => Some(&n.name),
            ast::Value::Name(n) => {
                self.error(
                    Diagnostic::at(
                        Code::NocBadBlock,
                        n.span,
                        format!("unknown `{path}` value `{}`", n.name),
                        "not one of the choices",
                    )
                    .with_note(format!("choices: {}", choices.join(", ")))
                    .with_help_opt(suggest(&n.name, choices.iter().copied())),
                );
                None
            }
            ast::Value::Quantity(q) => {
                self.error(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        q.span,
                        format!(
                            "`{path}` must be a name, found the number `{}`",
                            q.number.text
                        ),
                        "expected a name",
                    )
                    .with_note(format!("choices: {}", choices.join(", "))),
                );
                None
            }
        }
    }

    pub(super) fn precision(&mut self, v: &ast::Value) -> Option<Precision> {
        match v {
            ast::Value::Name(n) => self.precision_name(n),
            ast::Value::Quantity(q) => {
                self.error(
                    Diagnostic::at(
                        Code::TypeMismatch,
                        q.span,
                        format!("`precision` must be a format name such as `int8`, found the number `{}`", q.number.text),
                        "expected a format name",
                    )
                    .with_help(format!("write `int{}`", q.number.text)),
                );
                None
            }
        }
    }

    pub(super) fn precision_name(&mut self, n: &ast::Ident) -> Option<Precision> {
        let p = Precision::parse(&n.name);
        if p.is_none() {
            let names = Precision::ALL.map(|p| p.name);
            self.error(
                Diagnostic::at(
                    Code::InvalidValue,
                    n.span,
                    format!("unknown precision `{}`", n.name),
                    "not a number format",
                )
                .with_note(format!("formats: {}", names.join(", ")))
                .with_help_opt(suggest(&n.name, names)),
            );
        }
        p
    }
}

/// Fields a hardware description may have, as dotted paths.
const HARDWARE_FIELDS: &[&str] = &[
    "pes",
    "macs_per_pe",
    "l1",
    "l2",
    "noc.bandwidth",
    "noc.latency",
    "noc.topology",
    "noc.fanout",
    "noc.reduction",
    "noc.multicast",
    "noc.wireless_bandwidth",
    "noc.mac",
    "dram.bandwidth",
    "precision",
    "energy.mac",
    "energy.l1",
    "energy.l2",
    "energy.dram",
    "systolic.rows",
    "systolic.cols",
    "systolic.dataflow",
    "systolic.ifmap_sram",
    "systolic.filter_sram",
    "systolic.ofmap_sram",
    "systolic.bandwidth",
    "systolic.dram.ifmap",
    "systolic.dram.filter",
    "systolic.dram.ofmap",
    "systolic.offsets.ifmap",
    "systolic.offsets.filter",
    "systolic.offsets.ofmap",
    "systolic.word",
    "systolic.sparsity.representation",
    "systolic.sparsity.optimized.block_size",
    "systolic.sparsity.optimized.seed",
    "systolic.layout.ifmap.tile.height",
    "systolic.layout.ifmap.tile.width",
    "systolic.layout.ifmap.tile.channels",
    "systolic.layout.ifmap.intraline.height",
    "systolic.layout.ifmap.intraline.width",
    "systolic.layout.ifmap.intraline.channels",
    "systolic.layout.ifmap.interline.height",
    "systolic.layout.ifmap.interline.width",
    "systolic.layout.ifmap.interline.channels",
    "systolic.layout.ifmap.banks",
    "systolic.layout.ifmap.ports",
    "systolic.layout.ifmap.bandwidth",
    "systolic.layout.filter.tile.filters",
    "systolic.layout.filter.tile.channels",
    "systolic.layout.filter.tile.height",
    "systolic.layout.filter.tile.width",
    "systolic.layout.filter.intraline.filters",
    "systolic.layout.filter.intraline.channels",
    "systolic.layout.filter.intraline.height",
    "systolic.layout.filter.intraline.width",
    "systolic.layout.filter.interline.filters",
    "systolic.layout.filter.interline.channels",
    "systolic.layout.filter.interline.height",
    "systolic.layout.filter.interline.width",
    "systolic.layout.filter.banks",
    "systolic.layout.filter.ports",
    "systolic.layout.filter.bandwidth",
    "sparse.weights",
    "sparse.activations",
    "sparse.l1.weights",
    "sparse.l1.activations",
    "sparse.l2.weights",
    "sparse.l2.activations",
    "sparse.ineffectual",
    "sparse.run_bits",
];

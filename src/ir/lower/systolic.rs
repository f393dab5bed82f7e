//! Lowering the `systolic { … }` block of a hardware description to a [`SystolicArray`]:
//! its shape, dataflow, SRAM sizes, DRAM bandwidth, address offsets and word size (its
//! `sparsity` and `layout` blocks are in `systolic_settings.rs`).

use super::numbers::value_span;
use super::*;

/// The fields of one `systolic { … }` block (dotted paths such as `systolic.rows`), with the
/// name of the hardware they belong to, for messages about fields that are missing.
pub(super) struct SystolicBlock<'a> {
    pub hardware: &'a ast::Ident,
    pub fields: &'a [(String, Span, &'a ast::Value)],
    /// The block as written, to see nested blocks that hold no field.
    pub written: &'a [ast::Field],
}

impl<'a> SystolicBlock<'a> {
    /// Where the field `key` is written, and its value.
    pub(super) fn get(&self, key: &str) -> Option<(Span, &'a ast::Value)> {
        self.fields
            .iter()
            .find(|(path, _, _)| path == key)
            .map(|(_, span, value)| (*span, *value))
    }

    /// Whether the block holds the nested block at `path` (`["layout", "ifmap"]`), even empty.
    pub(super) fn has_block(&self, path: &[&str]) -> bool {
        let mut fields = self.written;
        for key in path {
            match fields.iter().find(|f| f.key.name == *key).map(|f| &f.value) {
                Some(ast::FieldValue::Block(inner)) => fields = inner,
                _ => return false,
            }
        }
        true
    }

    /// Where `key` is written, or the hardware's name when it is not.
    pub(super) fn span_of(&self, key: &str) -> Span {
        self.get(key).map_or(self.hardware.span, |(span, _)| span)
    }

    /// "the systolic array of `hw` has no `key`", at the hardware's name.
    pub(super) fn missing(&self, key: &str) -> Diagnostic {
        Diagnostic::at(
            Code::MissingField,
            self.hardware.span,
            format!(
                "the systolic array of `{}` has no `{key}`",
                self.hardware.name
            ),
            "in this hardware",
        )
    }
}

/// The per-operand DRAM bandwidth fields, in SCALE-Sim's operand order.
const PER_OPERAND_BANDWIDTH: [&str; 3] = [
    "systolic.dram.ifmap",
    "systolic.dram.filter",
    "systolic.dram.ofmap",
];

impl Lowering {
    /// The `systolic { … }` block of a hardware description; `None` when any field of it
    /// was diagnosed.
    pub(super) fn systolic_array(&mut self, block: &SystolicBlock) -> Option<SystolicArray> {
        let errors_before = self.diags.len();
        let rows = self.systolic_count(block, "systolic.rows");
        let cols = self.systolic_count(block, "systolic.cols");
        let dataflow = self.systolic_dataflow(block);
        let ifmap_sram_bytes = self.systolic_sram(block, "systolic.ifmap_sram");
        let filter_sram_bytes = self.systolic_sram(block, "systolic.filter_sram");
        let ofmap_sram_bytes = self.systolic_sram(block, "systolic.ofmap_sram");
        let bandwidth = self.systolic_bandwidth(block);
        let offsets = [
            self.systolic_offset(block, "systolic.offsets.ifmap", 0),
            self.systolic_offset(block, "systolic.offsets.filter", 10_000_000),
            self.systolic_offset(block, "systolic.offsets.ofmap", 20_000_000),
        ];
        let word_bytes = match block.get("systolic.word") {
            Some((_, v)) => self
                .quantity_u64(v, Dimension::Size, "systolic.word")
                .map_or(1, |q| q.0),
            None => 1,
        };
        let sparsity = self.systolic_sparsity(block, rows);
        let layout = self.systolic_layout(block, bandwidth);
        let ok = self.diags.len() == errors_before;
        match (ok, dataflow) {
            (true, Some(dataflow)) => Some(SystolicArray {
                rows,
                cols,
                dataflow,
                ifmap_sram_bytes,
                filter_sram_bytes,
                ofmap_sram_bytes,
                bandwidth,
                offsets,
                word_bytes,
                sparsity,
                layout,
            }),
            _ => None,
        }
    }

    /// A required count of the array (`rows`, `cols`).
    fn systolic_count(&mut self, block: &SystolicBlock, key: &str) -> u64 {
        match block.get(key) {
            Some((_, v)) => self.count(v, key).unwrap_or(1),
            None => {
                self.error(block.missing(key).with_help(
                    "a systolic array gives `rows`, `cols`, `dataflow` and the three SRAM sizes",
                ));
                1
            }
        }
    }

    /// Which operand stays in the PEs: `os`, `ws` or `is`.
    fn systolic_dataflow(&mut self, block: &SystolicBlock) -> Option<SystolicDataflow> {
        match block.get("systolic.dataflow") {
            Some((_, ast::Value::Name(n))) => match n.name.as_str() {
                "os" => Some(SystolicDataflow::Os),
                "ws" => Some(SystolicDataflow::Ws),
                "is" => Some(SystolicDataflow::Is),
                other => {
                    self.error(
                        Diagnostic::at(
                            Code::InvalidValue,
                            n.span,
                            format!("unknown systolic dataflow `{other}`"),
                            "expected `os`, `ws` or `is`",
                        )
                        .with_note(
                            "os: output stationary, ws: weight stationary, is: input stationary",
                        ),
                    );
                    None
                }
            },
            Some((span, _)) => {
                self.error(Diagnostic::at(
                    Code::TypeMismatch,
                    span,
                    "`dataflow` of a systolic array is `os`, `ws` or `is`",
                    "expected a name",
                ));
                None
            }
            None => {
                self.error(block.missing("dataflow"));
                None
            }
        }
    }

    /// An operand SRAM size in bytes; SCALE-Sim sizes SRAMs in whole KiB.
    fn systolic_sram(&mut self, block: &SystolicBlock, key: &str) -> u64 {
        let Some((span, v)) = block.get(key) else {
            self.error(block.missing(key));
            return 1024;
        };
        match self.quantity_u64(v, Dimension::Size, key) {
            Some((bytes, false)) if bytes % 1024 == 0 => bytes,
            Some(_) => {
                self.error(
                    Diagnostic::at(
                        Code::InvalidValue,
                        span,
                        format!("`{key}` must be a whole number of KiB in bytes"),
                        "not whole KiB",
                    )
                    .with_note("SCALE-Sim sizes its SRAMs in kB of 1024 bytes"),
                );
                1024
            }
            None => 1024,
        }
    }

    /// The DRAM bandwidth: `calc` (the default), one figure for all operands, or one per
    /// operand (which then wins over the single figure).
    fn systolic_bandwidth(&mut self, block: &SystolicBlock) -> SystolicBandwidth {
        let single = match block.get("systolic.bandwidth") {
            None => SystolicBandwidth::Calc,
            Some((_, ast::Value::Name(n))) if n.name == "calc" => SystolicBandwidth::Calc,
            Some((_, v)) => {
                match self.quantity_u64(v, Dimension::Bandwidth, "systolic.bandwidth") {
                    Some((words, true)) => SystolicBandwidth::User {
                        ifmap: words,
                        filter: words,
                        ofmap: words,
                    },
                    Some((_, false)) => {
                        self.error(Diagnostic::at(
                            Code::WrongUnit,
                            value_span(v),
                            "a systolic array's DRAM bandwidth is in `elem/cycle` (words)",
                            "use `elem/cycle`",
                        ));
                        SystolicBandwidth::Calc
                    }
                    None => SystolicBandwidth::Calc,
                }
            }
        };
        if PER_OPERAND_BANDWIDTH
            .iter()
            .all(|key| block.get(key).is_none())
        {
            return single;
        }
        let mut words = [0u64; 3];
        for (w, key) in words.iter_mut().zip(PER_OPERAND_BANDWIDTH) {
            *w = match block.get(key) {
                Some((_, v)) => self
                    .quantity_u64(v, Dimension::Bandwidth, key)
                    .map_or(1, |q| q.0),
                None => {
                    self.error(Diagnostic::at(
                        Code::MissingField,
                        block.hardware.span,
                        format!("`{key}` is missing; give all three operand bandwidths"),
                        "in this hardware",
                    ));
                    1
                }
            };
        }
        SystolicBandwidth::User {
            ifmap: words[0],
            filter: words[1],
            ofmap: words[2],
        }
    }

    /// An operand's base address in words: a plain number, where 0 is a valid address.
    fn systolic_offset(&mut self, block: &SystolicBlock, key: &str, default: u64) -> u64 {
        match block.get(key) {
            Some((_, ast::Value::Quantity(q))) if q.unit.is_none() => {
                self.integer(&q.number).map_or(default, |v| v as u64)
            }
            Some((_, v)) => {
                self.error(Diagnostic::at(
                    Code::TypeMismatch,
                    value_span(v),
                    format!("`{key}` is a word address: a plain number"),
                    "expected a number",
                ));
                default
            }
            None => default,
        }
    }
}

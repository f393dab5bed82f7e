//! Lowering a systolic array's `sparsity { … }` block (SCALE-Sim's N:M weight sparsity
//! settings) and its `layout { … }` block (custom IFMAP and FILTER DRAM layouts with their SRAM
//! banks). What SCALE-Sim does with them is in `docs/semantics/scalesim.md`.

use super::numbers::value_span;
use super::systolic::SystolicBlock;
use super::*;
use crate::ir::systolic::{
    OperandLayout, OptimizedMapping, SparseRepresentation, SystolicLayout, SystolicSparsity,
    DEFAULT_BANKS, DEFAULT_BANK_BANDWIDTH, DEFAULT_PORTS, FILTER_AXES, IFMAP_AXES,
};

impl Lowering {
    /// `sparsity { representation: …; optimized { block_size: …; seed: …; } }`, when given.
    pub(super) fn systolic_sparsity(
        &mut self,
        block: &SystolicBlock,
        rows: u64,
    ) -> Option<SystolicSparsity> {
        if !block.has_block(&["sparsity"]) {
            return None;
        }
        let key = "systolic.sparsity.representation";
        let representation = match block.get(key) {
            Some((_, ast::Value::Name(n))) => {
                let found = SparseRepresentation::ALL.iter().find(|(k, _)| *k == n.name);
                if found.is_none() {
                    self.error(
                        Diagnostic::at(
                            Code::InvalidValue,
                            n.span,
                            format!("unknown sparse representation `{}`", n.name),
                            "expected `csr`, `csc` or `ellpack_block`",
                        )
                        .with_help_opt(suggest(
                            &n.name,
                            SparseRepresentation::ALL.iter().map(|(k, _)| *k),
                        )),
                    );
                }
                found.map(|(_, r)| *r)
            }
            Some((span, _)) => {
                self.error(Diagnostic::at(
                    Code::TypeMismatch,
                    span,
                    "`representation` is `csr`, `csc` or `ellpack_block`",
                    "expected a name",
                ));
                None
            }
            None => {
                self.error(block.missing("sparsity.representation"));
                None
            }
        };
        let optimized = if block.has_block(&["sparsity", "optimized"]) {
            let size_key = "systolic.sparsity.optimized.block_size";
            let block_size = self.required_count(block, size_key);
            let seed = self.required_number(block, "systolic.sparsity.optimized.seed");
            if let (Some(size), Some((span, _))) = (block_size, block.get(size_key)) {
                if size > rows {
                    self.error(
                        Diagnostic::at(
                            Code::SystolicSparsityInvalid,
                            span,
                            format!(
                                "a block size of {size} is larger than the array's {rows} rows"
                            ),
                            "over the rows",
                        )
                        .with_note("SCALE-Sim's configuration check refuses it"),
                    );
                }
            }
            Some(OptimizedMapping {
                block_size: block_size?,
                seed: seed?,
            })
        } else {
            None
        };
        Some(SystolicSparsity {
            representation: representation?,
            optimized,
        })
    }

    /// `layout { ifmap { … } filter { … } }`: each operand's custom layout, when given. In USER
    /// mode a layout's row is the operand's DRAM bandwidth.
    pub(super) fn systolic_layout(
        &mut self,
        block: &SystolicBlock,
        bandwidth: SystolicBandwidth,
    ) -> SystolicLayout {
        let (ifmap_words, filter_words) = match bandwidth {
            SystolicBandwidth::User { ifmap, filter, .. } => (Some(ifmap), Some(filter)),
            SystolicBandwidth::Calc => (None, None),
        };
        let layout = SystolicLayout {
            ifmap: self.operand_layout(block, "ifmap", &IFMAP_AXES, ifmap_words),
            filter: self.operand_layout(block, "filter", &FILTER_AXES, filter_words),
        };
        if let (Some(i), Some(f)) = (&layout.ifmap, &layout.filter) {
            if i.tile[2] != f.tile[1] {
                let span = block.span_of("systolic.layout.filter.tile.channels");
                self.error(
                    Diagnostic::at(
                        Code::SystolicLayoutInvalid,
                        span,
                        format!(
                            "the FILTER tile has {} channels, the IFMAP tile {}",
                            f.tile[1], i.tile[2]
                        ),
                        "differs from the IFMAP's",
                    )
                    .with_note("a SCALE-Sim layout row has one channel factor for both operands"),
                );
            }
        }
        layout
    }

    /// One operand's `tile`, `intraline`, `interline`, `banks`, `ports` and (CALC mode)
    /// `bandwidth`, checked as SCALE-Sim checks them.
    fn operand_layout(
        &mut self,
        block: &SystolicBlock,
        operand: &str,
        axes: &[&str],
        dram_words: Option<u64>,
    ) -> Option<OperandLayout> {
        if !block.has_block(&["layout", operand]) {
            return None;
        }
        let base = format!("systolic.layout.{operand}");
        let errors_before = self.diags.len();
        let group = |this: &mut Lowering, part: &str, counts: bool| -> Vec<u64> {
            axes.iter()
                .map(|axis| {
                    let key = format!("{base}.{part}.{axis}");
                    let value = if counts {
                        this.required_count(block, &key)
                    } else {
                        this.required_number(block, &key)
                    };
                    value.unwrap_or(1)
                })
                .collect()
        };
        let tile = group(self, "tile", true);
        let intraline = group(self, "intraline", false);
        let interline = group(self, "interline", false);
        let optional = |this: &mut Lowering, key: &str, default: u64| match block.get(key) {
            Some((_, v)) => this.count(v, key).unwrap_or(default),
            None => default,
        };
        let banks = optional(self, &format!("{base}.banks"), DEFAULT_BANKS);
        let ports = optional(self, &format!("{base}.ports"), DEFAULT_PORTS);
        let bandwidth_key = format!("{base}.bandwidth");
        let bandwidth = match (dram_words, block.get(&bandwidth_key)) {
            (Some(words), None) => words,
            (Some(words), Some((span, _))) => {
                self.error(
                    Diagnostic::at(
                        Code::SystolicLayoutInvalid,
                        span,
                        format!("in USER mode a layout's bandwidth is `dram.{operand}` ({words})"),
                        "given twice",
                    )
                    .with_help(
                        "remove this field; SCALE-Sim reads the DRAM bandwidth from the banks",
                    ),
                );
                words
            }
            (None, Some((_, v))) => self
                .quantity_u64(v, Dimension::Bandwidth, &bandwidth_key)
                .map_or(DEFAULT_BANK_BANDWIDTH, |q| q.0),
            (None, None) => DEFAULT_BANK_BANDWIDTH,
        };
        if self.diags.len() != errors_before {
            return None;
        }
        let layout = OperandLayout {
            tile,
            intraline,
            interline,
            bandwidth,
            banks,
            ports,
        };
        if let Err(message) = layout.check(operand, dram_words.is_some()) {
            self.error(Diagnostic::at(
                Code::SystolicLayoutInvalid,
                block.span_of(&format!("{base}.tile.{}", axes[0])),
                message,
                format!("the {operand} layout"),
            ));
            return None;
        }
        Some(layout)
    }

    /// A count the block must give.
    fn required_count(&mut self, block: &SystolicBlock, key: &str) -> Option<u64> {
        match block.get(key) {
            Some((_, v)) => self.count(v, key),
            None => {
                self.error(block.missing(key.trim_start_matches("systolic.")));
                None
            }
        }
    }

    /// A plain whole number (0 included) the block must give.
    fn required_number(&mut self, block: &SystolicBlock, key: &str) -> Option<u64> {
        match block.get(key) {
            Some((_, ast::Value::Quantity(q))) if q.unit.is_none() => {
                self.integer(&q.number).map(|v| v as u64)
            }
            Some((_, v)) => {
                self.error(Diagnostic::at(
                    Code::TypeMismatch,
                    value_span(v),
                    format!("`{key}` is a plain whole number"),
                    "expected a number",
                ));
                None
            }
            None => {
                self.error(block.missing(key.trim_start_matches("systolic.")));
                None
            }
        }
    }
}

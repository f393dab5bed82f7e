//! Lowering the `systolic { … }` block of a hardware description to a [`SystolicArray`]:
//! its shape, dataflow, SRAM sizes, DRAM bandwidth, address offsets and word size.

use super::numbers::v_span;
use super::*;

impl Cx {
    /// The `systolic { … }` block of a hardware description.
    pub(super) fn systolic_array(
        &mut self,
        hw_name: &ast::Ident,
        fields: &[(String, Span, &ast::Value)],
    ) -> Option<SystolicArray> {
        let get = |key: &str| {
            fields
                .iter()
                .find(|(p, _, _)| p == key)
                .map(|(_, s, v)| (*s, *v))
        };
        let errors_before = self.diags.len();
        let count = |cx: &mut Self, key: &str, default: Option<u64>| -> u64 {
            match get(key) {
                Some((_, v)) => cx.count(v, key).unwrap_or(1),
                None => default.unwrap_or_else(|| {
                    cx.error(
                        Diagnostic::at(Code::MissingField, hw_name.span, format!("the systolic array of `{}` has no `{key}`", hw_name.name), "in this hardware")
                            .with_help("a systolic array gives `rows`, `cols`, `dataflow` and the three SRAM sizes"),
                    );
                    1
                }),
            }
        };
        let rows = count(self, "systolic.rows", None);
        let cols = count(self, "systolic.cols", None);
        let dataflow = match get("systolic.dataflow") {
            Some((_, ast::Value::Name(n))) => {
                match n.name.as_str() {
                    "os" => Some(SystolicDataflow::Os),
                    "ws" => Some(SystolicDataflow::Ws),
                    "is" => Some(SystolicDataflow::Is),
                    other => {
                        self.error(
                        Diagnostic::at(Code::InvalidValue, n.span, format!("unknown systolic dataflow `{other}`"), "expected `os`, `ws` or `is`")
                            .with_note("os: output stationary, ws: weight stationary, is: input stationary"),
                    );
                        None
                    }
                }
            }
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
                self.error(Diagnostic::at(
                    Code::MissingField,
                    hw_name.span,
                    format!("the systolic array of `{}` has no `dataflow`", hw_name.name),
                    "in this hardware",
                ));
                None
            }
        };
        let sram = |cx: &mut Self, key: &str| -> u64 {
            let Some((span, v)) = get(key) else {
                cx.error(Diagnostic::at(
                    Code::MissingField,
                    hw_name.span,
                    format!("the systolic array of `{}` has no `{key}`", hw_name.name),
                    "in this hardware",
                ));
                return 1024;
            };
            match cx.quantity_u64(v, Dimension::Size, key) {
                Some((bytes, false)) if bytes % 1024 == 0 => bytes,
                Some(_) => {
                    cx.error(
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
        };
        let ifmap_sram_bytes = sram(self, "systolic.ifmap_sram");
        let filter_sram_bytes = sram(self, "systolic.filter_sram");
        let ofmap_sram_bytes = sram(self, "systolic.ofmap_sram");
        let bandwidth = match get("systolic.bandwidth") {
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
                            v_span(v),
                            "a systolic array's DRAM bandwidth is in `elem/cycle` (words)",
                            "use `elem/cycle`",
                        ));
                        SystolicBandwidth::Calc
                    }
                    None => SystolicBandwidth::Calc,
                }
            }
        };
        let per_operand = [
            "systolic.dram.ifmap",
            "systolic.dram.filter",
            "systolic.dram.ofmap",
        ];
        let bandwidth = if per_operand.iter().any(|k| get(k).is_some()) {
            let mut words = [0u64; 3];
            for (w, key) in words.iter_mut().zip(per_operand) {
                *w = match get(key) {
                    Some((_, v)) => self
                        .quantity_u64(v, Dimension::Bandwidth, key)
                        .map_or(1, |q| q.0),
                    None => {
                        self.error(Diagnostic::at(
                            Code::MissingField,
                            hw_name.span,
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
        } else {
            bandwidth
        };
        // Offsets are word addresses: 0 is a valid one.
        let offset = |cx: &mut Self, key: &str, default: u64| -> u64 {
            match get(key) {
                Some((_, ast::Value::Quantity(q))) if q.unit.is_none() => {
                    cx.integer(&q.number).map_or(default, |v| v as u64)
                }
                Some((_, v)) => {
                    cx.error(Diagnostic::at(
                        Code::TypeMismatch,
                        v_span(v),
                        format!("`{key}` is a word address: a plain number"),
                        "expected a number",
                    ));
                    default
                }
                None => default,
            }
        };
        let offsets = [
            offset(self, "systolic.offsets.ifmap", 0),
            offset(self, "systolic.offsets.filter", 10_000_000),
            offset(self, "systolic.offsets.ofmap", 20_000_000),
        ];
        let word_bytes = match get("systolic.word") {
            Some((_, v)) => self
                .quantity_u64(v, Dimension::Size, "systolic.word")
                .map_or(1, |q| q.0),
            None => 1,
        };
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
            }),
            _ => None,
        }
    }
}

//! The one switch between MAESTRO's semantics and the Default model: a plain struct of named
//! rules, one per row of `MODEL.md`, "Differences". [`Rules::for_model`] is the only place that
//! looks at the model choice; the engine, the metrics and `backends::evaluate` read the fields.

use super::Model;

/// Which of the Default model's corrections apply. Every field is `true` in the Default model
/// and `false` in the Maestro model; the number in each field's doc is its row in `MODEL.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Rules {
    /// Row 1: `Y' = (Y − R)/s + 1` everywhere, never negative; unique outputs per step
    /// `ceil(offset / pitch)`.
    pub stride_aware_outputs: bool,
    /// Row 2: rows and columns no window reads are dropped at the top level too (one
    /// coordinate system with window pitch `min(stride, R)`).
    pub compact_unread_rows: bool,
    /// Row 3: `Y` derived from `Y'` and output-centric conversion keep the stride and use the
    /// complete filter window.
    pub strided_output_centric: bool,
    /// Row 4: the stride adjustment applies once, to the maps the user wrote at a level.
    pub adjust_own_maps_once: bool,
    /// Row 5: a map at least as large as its dimension is one tile; no overshooting edge tile;
    /// the edge unique size of a map without an edge tile is the regular one.
    pub whole_dimension_tiles: bool,
    /// Row 6: the spatial edge factor reads the edge tile with the output-centric key.
    pub output_key_in_edge_factor: bool,
    /// Row 7: the CSV energy is the total energy of this layer.
    pub full_csv_energy: bool,
    /// Row 8: the arithmetic intensity is the whole layer's.
    pub whole_layer_intensity: bool,
    /// Row 9: buffer requirements over leading skipped cases are their largest, not their sum.
    pub largest_skipped_buffers: bool,
    /// Row 10: no NaN, no sentinel, no negative value: a ratio over 0 is 0, the delay
    /// statistics of a layer without a valid case are 0, a NoC delay is at least 0.
    pub clamp_undefined_values: bool,
    /// Row 11: with a precision, size requirements and capacities are bytes.
    pub sizes_in_bytes: bool,
    /// Row 12: the hardware's energy table replaces MAESTRO's constants.
    pub hardware_energy: bool,
    /// Row 13: pixel counts multiply derived sizes too.
    pub derived_dims_in_pixels: bool,
    /// Row 14: an input smaller than the filter is an error (`EmptyOutput`).
    pub reject_empty_output: bool,
    /// Row 15: a depthwise layer carries its `K` (= 1) to every cluster level.
    pub depthwise_carries_k: bool,
    /// Row 16: partial filter tiles count the windows a row tile holds completely.
    pub complete_windows: bool,
    /// Row 17: mappings whose per-step volumes cannot add up to the layer are refused.
    pub reject_inexact_tilings: bool,
    /// Row 18: every tensor's tile is checked against every buffer level (L1 per PE at the
    /// innermost level, L2 at the top), not only the output tile.
    pub capacity_check: bool,
    /// Row 19: `num_macs` is the useful work (filter taps, not the dilated extent; a
    /// transposed convolution's input pixels times weights); the executed count is
    /// `dense_macs`.
    pub useful_macs: bool,
    /// Row 20 (`backends::evaluate`): `N` is coupled to a layer's tensors when that layer uses
    /// a batch, not by the first layer of its type.
    pub batch_per_layer: bool,
    /// Row 21 (`backends::evaluate`): a transposed convolution is handed over as the stride-1
    /// convolution over its zero-inserted input, and a declared output size as the input size
    /// it implies.
    pub lowered_layer_shapes: bool,
    /// Row 22 (`sparse`): operands may be sparse, stored compressed and skipped or gated
    /// (`docs/sparsity.md`).
    pub sparse_operands: bool,
    /// Row 23: a quantized layer's MAC energy scales with its operand widths, its accesses'
    /// energy and NoC volumes with each tensor's width (`Hardware::operand_bits`).
    pub operand_widths: bool,
}

impl Rules {
    /// The rules of a model: all corrections in the Default model, none in the Maestro model.
    pub const fn for_model(model: Model) -> Rules {
        let on = match model {
            Model::Default => true,
            Model::Maestro => false,
        };
        Rules {
            stride_aware_outputs: on,
            compact_unread_rows: on,
            strided_output_centric: on,
            adjust_own_maps_once: on,
            whole_dimension_tiles: on,
            output_key_in_edge_factor: on,
            full_csv_energy: on,
            whole_layer_intensity: on,
            largest_skipped_buffers: on,
            clamp_undefined_values: on,
            sizes_in_bytes: on,
            hardware_energy: on,
            derived_dims_in_pixels: on,
            reject_empty_output: on,
            depthwise_carries_k: on,
            complete_windows: on,
            reject_inexact_tilings: on,
            capacity_check: on,
            useful_macs: on,
            batch_per_layer: on,
            lowered_layer_shapes: on,
            sparse_operands: on,
            operand_widths: on,
        }
    }
}

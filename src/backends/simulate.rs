//! From IR to the systolic simulator: a hardware's `systolic` block becomes an `ArrayConfig`
//! and each network layer one or more SCALE-Sim layers. SCALE-Sim knows convolutions and
//! GEMMs only, so layers it cannot express are split the way its users split them: a grouped
//! convolution into one layer per group, a depthwise one into one single-channel layer per
//! channel (SCALE-Sim's own `DP` convention), a batch into one layer per image, a batched
//! matmul into one GEMM per batch.

use super::systolic::{self, ArrayConfig, Bandwidth, Dataflow, Layer};
use crate::ir::{self, LayerOp, SystolicBandwidth, SystolicDataflow};

/// The array a hardware description gives, if it has one.
pub fn array_config(hw: &ir::Hardware) -> Option<ArrayConfig> {
    let a = hw.systolic.as_ref()?;
    let dataflow = match a.dataflow {
        SystolicDataflow::Os => Dataflow::Os,
        SystolicDataflow::Ws => Dataflow::Ws,
        SystolicDataflow::Is => Dataflow::Is,
    };
    let mut c = ArrayConfig::new(
        a.rows,
        a.cols,
        dataflow,
        [
            a.ifmap_sram_bytes / 1024,
            a.filter_sram_bytes / 1024,
            a.ofmap_sram_bytes / 1024,
        ],
    );
    c.run_name = hw.name.clone();
    c.word_bytes = a.word_bytes;
    [c.ifmap_offset, c.filter_offset, c.ofmap_offset] = a.offsets;
    if let SystolicBandwidth::User {
        ifmap,
        filter,
        ofmap,
    } = a.bandwidth
    {
        c.bandwidth = Bandwidth::User {
            ifmap,
            filter,
            ofmap,
        };
        c.bandwidth_list = vec![ofmap];
        // SCALE-Sim reads the IFMAP and FILTER bandwidths from the bank bandwidths (quirk Q7).
        c.ifmap_banks.bandwidth = ifmap;
        c.filter_banks.bandwidth = filter;
    }
    Some(c)
}

/// The SCALE-Sim layers of one network layer, named after it.
pub fn layers(layer: &ir::Layer) -> Vec<Layer> {
    let s = &layer.shape;
    let name = &layer.name;
    let conv = |name: String, channels: u64, filters: u64| {
        let mut l = Layer::conv(
            &name,
            [layer.loop_bound(ir::Dim::Y), layer.loop_bound(ir::Dim::X)],
            [layer.loop_bound(ir::Dim::R), layer.loop_bound(ir::Dim::S)],
            channels,
            filters,
            layer.loop_stride_y(),
        );
        l.stride_w = layer.loop_stride_x();
        l
    };
    let per_image = |base: &str, make: &dyn Fn(String) -> Vec<Layer>| -> Vec<Layer> {
        if s.n <= 1 {
            make(base.to_string())
        } else {
            (0..s.n)
                .flat_map(|i| make(format!("{base}Image_{i}")))
                .collect()
        }
    };
    match layer.op {
        LayerOp::Gemm => vec![Layer::gemm(name, s.y, s.k, s.c)],
        LayerOp::Fc => vec![Layer::gemm(name, s.n, s.k, s.c)],
        LayerOp::Matmul => (0..s.n)
            .map(|b| Layer::gemm(&format!("{name}Batch_{b}"), s.y, s.k, s.c))
            .collect(),
        LayerOp::DwConv => per_image(name, &|base| {
            (0..s.g)
                .map(|c| conv(format!("{base}Channel_{c}"), 1, 1))
                .collect()
        }),
        _ if s.g > 1 => per_image(name, &|base| {
            (0..s.g)
                .map(|g| conv(format!("{base}Group_{g}"), s.c, s.k))
                .collect()
        }),
        _ => per_image(name, &|base| vec![conv(base, s.c, s.k)]),
    }
}

/// One network layer's simulation: its SCALE-Sim layers' reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimulatedLayer {
    pub layer: String,
    pub reports: Vec<systolic::LayerReport>,
}

impl SimulatedLayer {
    pub fn total_cycles(&self) -> u64 {
        self.reports.iter().map(|r| r.total_cycles).sum()
    }
    pub fn stall_cycles(&self) -> u64 {
        self.reports.iter().map(|r| r.stall_cycles).sum()
    }
    pub fn macs(&self) -> u64 {
        self.reports.iter().map(|r| r.macs).sum()
    }
}

/// Simulate every layer of a network on an array (layers in parallel, results in order).
pub fn simulate_network(
    network: &ir::Network,
    config: &ArrayConfig,
    model: systolic::Model,
) -> Result<Vec<SimulatedLayer>, (String, systolic::SimError)> {
    network
        .layers
        .iter()
        .map(|l| {
            systolic::simulate_all(&layers(l), config, model)
                .map(|reports| SimulatedLayer {
                    layer: l.name.clone(),
                    reports,
                })
                .map_err(|e| (l.name.clone(), e))
        })
        .collect()
}

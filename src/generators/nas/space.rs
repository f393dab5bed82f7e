//! The architecture search spaces: multilayer perceptrons with up to four hidden layers and,
//! for image tasks, small convolutional networks. An architecture is plain data; it knows its
//! layers (shapes the cost model and the `.df` network share), its parameter and MAC counts,
//! and how to build the trainable network. The generator sees an architecture as one
//! categorical token per slot (`Space::groups`, `Space::levels`, `Space::decode`).

use std::fmt;

use super::task::Task;
use crate::nn::{Conv2d, Dense, Geometry, Layer, Network};
use crate::util::Rng;

/// Hidden-layer widths; 0 is "absent" (the slot adds no layer).
pub const WIDTHS: [usize; 6] = [0, 8, 16, 32, 64, 128];
/// Hidden-layer slots of a perceptron.
pub const MLP_HIDDEN: usize = 4;
/// Filter counts of a convolution; 0 is "absent" (not allowed for the first).
pub const FILTERS: [usize; 5] = [0, 4, 8, 16, 32];
/// Square kernel sizes (no padding, stride 1).
pub const KERNELS: [usize; 2] = [1, 3];
/// Convolution slots of a convolutional network.
pub const CNN_CONVS: usize = 3;
/// Dense hidden-layer slots after the convolutions.
pub const CNN_HIDDEN: usize = 2;

/// One convolution: its filter count and kernel size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Convolution {
    pub filters: usize,
    pub kernel: usize,
}

/// A network of the search space: convolutions (none for a perceptron), then dense hidden
/// layers, then the task's output layer. ReLU after every hidden layer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Architecture {
    pub convolutions: Vec<Convolution>,
    pub hidden: Vec<usize>,
}

/// Written `c8k3 c16k1 h64 h32`; `linear` for no hidden layer at all.
impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words: Vec<String> = self
            .convolutions
            .iter()
            .map(|c| format!("c{}k{}", c.filters, c.kernel))
            .collect();
        words.extend(self.hidden.iter().map(|w| format!("h{w}")));
        if words.is_empty() {
            f.write_str("linear")
        } else {
            f.write_str(&words.join(" "))
        }
    }
}

impl Architecture {
    /// The inverse of `Display`; `None` for text that is not an architecture.
    pub fn parse(text: &str) -> Option<Architecture> {
        let mut arch = Architecture {
            convolutions: Vec::new(),
            hidden: Vec::new(),
        };
        if text.trim() == "linear" {
            return Some(arch);
        }
        for word in text.split_whitespace() {
            if let Some(rest) = word.strip_prefix('h') {
                arch.hidden.push(rest.parse().ok()?);
            } else {
                let (f, k) = word.strip_prefix('c')?.split_once('k')?;
                if !arch.hidden.is_empty() {
                    return None;
                }
                arch.convolutions.push(Convolution {
                    filters: f.parse().ok()?,
                    kernel: k.parse().ok()?,
                });
            }
        }
        Some(arch)
    }
}

/// A weighted layer's shape, as the cost model and the `.df` network see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LayerShape {
    /// `inputs → outputs`.
    Dense { inputs: usize, outputs: usize },
    /// `channels` input maps of `size × size` to `filters` maps, `kernel × kernel`.
    Convolution {
        channels: usize,
        filters: usize,
        kernel: usize,
        size: usize,
    },
}

impl LayerShape {
    pub fn params(self) -> u64 {
        let (weights, biases) = match self {
            LayerShape::Dense { inputs, outputs } => (inputs * outputs, outputs),
            LayerShape::Convolution {
                channels,
                filters,
                kernel,
                ..
            } => (filters * channels * kernel * kernel, filters),
        };
        (weights + biases) as u64
    }

    /// Multiply-accumulates of one inference (biases are additions, not counted), as
    /// `ir::Layer::macs` counts them.
    pub fn macs(self) -> u64 {
        match self {
            LayerShape::Dense { inputs, outputs } => (inputs * outputs) as u64,
            LayerShape::Convolution {
                channels,
                filters,
                kernel,
                size,
            } => {
                let out = size + 1 - kernel;
                (filters * channels * kernel * kernel * out * out) as u64
            }
        }
    }

    /// The layer as a `.df` operator call.
    pub fn df(self) -> String {
        match self {
            LayerShape::Dense { inputs, outputs } => format!("fc(K: {outputs}, C: {inputs})"),
            LayerShape::Convolution {
                channels,
                filters,
                kernel,
                size,
            } => format!(
                "conv(K: {filters}, C: {channels}, R: {kernel}, S: {kernel}, Y: {size}, X: {size})"
            ),
        }
    }
}

/// Which family a search runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Mlp,
    Cnn,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Mlp => "mlp",
            Family::Cnn => "cnn",
        }
    }
}

/// A task's search space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Space {
    pub task: Task,
    pub family: Family,
}

impl Space {
    /// `None` when the family needs images the task does not have.
    pub fn new(task: Task, family: Family) -> Option<Space> {
        (family == Family::Mlp || task.image().is_some()).then_some(Space { task, family })
    }

    /// Levels per token: the generator's categorical groups.
    pub fn groups(&self) -> Vec<usize> {
        match self.family {
            Family::Mlp => vec![WIDTHS.len(); MLP_HIDDEN],
            Family::Cnn => {
                let mut g = vec![FILTERS.len() - 1, KERNELS.len()];
                for _ in 1..CNN_CONVS {
                    g.extend([FILTERS.len(), KERNELS.len()]);
                }
                g.extend([WIDTHS.len(); CNN_HIDDEN]);
                g
            }
        }
    }

    /// The architecture of one level per token (levels past a group's size are clamped).
    /// Absent slots are skipped, so several token strings give one architecture.
    pub fn decode(&self, levels: &[usize]) -> Architecture {
        let pick = |table: &[usize], i: usize| {
            table[levels.get(i).copied().unwrap_or(0).min(table.len() - 1)]
        };
        let mut arch = Architecture {
            convolutions: Vec::new(),
            hidden: Vec::new(),
        };
        let hidden_from = match self.family {
            Family::Mlp => 0,
            Family::Cnn => {
                for slot in 0..CNN_CONVS {
                    let filters = if slot == 0 {
                        pick(&FILTERS[1..], 0)
                    } else {
                        pick(&FILTERS, 2 * slot)
                    };
                    if filters > 0 {
                        arch.convolutions.push(Convolution {
                            filters,
                            kernel: pick(&KERNELS, 2 * slot + 1),
                        });
                    }
                }
                2 * CNN_CONVS
            }
        };
        let slots = self.groups().len() - hidden_from;
        arch.hidden = (0..slots)
            .map(|s| pick(&WIDTHS, hidden_from + s))
            .filter(|&w| w > 0)
            .collect();
        arch
    }

    /// Canonical tokens of `arch` (present slots first): `decode(levels(a)) == a` for every
    /// architecture of the space.
    pub fn levels(&self, arch: &Architecture) -> Vec<usize> {
        let index = |table: &[usize], v: usize| table.iter().position(|&t| t == v).unwrap_or(0);
        let mut out = Vec::with_capacity(self.groups().len());
        let hidden_slots = match self.family {
            Family::Mlp => MLP_HIDDEN,
            Family::Cnn => {
                for slot in 0..CNN_CONVS {
                    match arch.convolutions.get(slot) {
                        Some(c) if slot == 0 => out.push(index(&FILTERS[1..], c.filters)),
                        Some(c) => out.push(index(&FILTERS, c.filters)),
                        None => out.push(0),
                    }
                    out.push(
                        arch.convolutions
                            .get(slot)
                            .map_or(0, |c| index(&KERNELS, c.kernel)),
                    );
                }
                CNN_HIDDEN
            }
        };
        for s in 0..hidden_slots {
            out.push(arch.hidden.get(s).map_or(0, |&w| index(&WIDTHS, w)));
        }
        out
    }

    /// Whether `arch` belongs to the space (every size from its table, no more slots).
    pub fn contains(&self, arch: &Architecture) -> bool {
        let hidden_ok = arch.hidden.iter().all(|w| *w > 0 && WIDTHS.contains(w));
        match self.family {
            Family::Mlp => {
                arch.convolutions.is_empty() && arch.hidden.len() <= MLP_HIDDEN && hidden_ok
            }
            Family::Cnn => {
                (1..=CNN_CONVS).contains(&arch.convolutions.len())
                    && arch.convolutions.iter().all(|c| {
                        c.filters > 0 && FILTERS.contains(&c.filters) && KERNELS.contains(&c.kernel)
                    })
                    && arch.hidden.len() <= CNN_HIDDEN
                    && hidden_ok
                    && self.decode(&self.levels(arch)) == *arch
            }
        }
    }

    /// One token per slot, uniform over its levels: the random-search distribution.
    pub fn sample(&self, rng: &mut Rng) -> Architecture {
        let levels: Vec<usize> = self.groups().iter().map(|&g| rng.below(g)).collect();
        self.decode(&levels)
    }

    /// Every architecture of the space once, sorted.
    pub fn all(&self) -> Vec<Architecture> {
        let groups = self.groups();
        let mut levels = vec![0; groups.len()];
        let mut out = Vec::new();
        loop {
            out.push(self.decode(&levels));
            // Count in mixed radix; done when every digit wrapped.
            let mut i = 0;
            while i < groups.len() {
                levels[i] += 1;
                if levels[i] < groups[i] {
                    break;
                }
                levels[i] = 0;
                i += 1;
            }
            if i == groups.len() {
                break;
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// The weighted layers of `arch`, output layer included.
    pub fn layers(&self, arch: &Architecture) -> Vec<LayerShape> {
        let mut out = Vec::new();
        let mut features = self.task.inputs();
        if let Some(image) = self.task.image() {
            let (mut channels, mut size) = (image.channels, image.height);
            for c in &arch.convolutions {
                out.push(LayerShape::Convolution {
                    channels,
                    filters: c.filters,
                    kernel: c.kernel,
                    size,
                });
                channels = c.filters;
                size = size + 1 - c.kernel;
            }
            if !arch.convolutions.is_empty() {
                features = channels * size * size;
            }
        }
        for &w in &arch.hidden {
            out.push(LayerShape::Dense {
                inputs: features,
                outputs: w,
            });
            features = w;
        }
        out.push(LayerShape::Dense {
            inputs: features,
            outputs: self.task.outputs(),
        });
        out
    }

    pub fn params(&self, arch: &Architecture) -> u64 {
        self.layers(arch).iter().map(|l| l.params()).sum()
    }

    pub fn macs(&self, arch: &Architecture) -> u64 {
        self.layers(arch).iter().map(|l| l.macs()).sum()
    }

    /// The trainable network of `arch`, initialised from `rng`.
    pub fn network(&self, arch: &Architecture, rng: &mut Rng) -> Network {
        let shapes = self.layers(arch);
        let last = shapes.len() - 1;
        let mut layers = Vec::new();
        for (i, shape) in shapes.into_iter().enumerate() {
            match shape {
                LayerShape::Dense { inputs, outputs } => {
                    layers.push(Layer::Dense(Dense::new(inputs, outputs, rng)));
                }
                LayerShape::Convolution {
                    channels,
                    filters,
                    kernel,
                    size,
                } => {
                    let input = Geometry {
                        channels,
                        height: size,
                        width: size,
                    };
                    layers.push(Layer::Conv2d(Conv2d::new(input, filters, kernel, rng)));
                }
            }
            if i < last {
                layers.push(Layer::Relu);
            }
        }
        Network { layers }
    }

    /// The layer names of `arch` in the `.df` network: `conv1…`, then `fc1…`.
    pub fn layer_names(&self, arch: &Architecture) -> Vec<String> {
        let convs = arch.convolutions.len();
        (0..self.layers(arch).len())
            .map(|i| {
                if i < convs {
                    format!("conv{}", i + 1)
                } else {
                    format!("fc{}", i + 1 - convs)
                }
            })
            .collect()
    }

    /// `arch` as a `.df` network named `name`, with a comment giving its counts.
    pub fn network_df(&self, arch: &Architecture, name: &str) -> String {
        let mut text = format!(
            "// {} for {}: {arch}. {} parameters, {} MACs.\nnetwork {name} {{\n",
            self.family.name(),
            self.task.name(),
            self.params(arch),
            self.macs(arch),
        );
        for (layer, shape) in self.layer_names(arch).iter().zip(self.layers(arch)) {
            text.push_str(&format!("    {layer} = {};\n", shape.df()));
        }
        text.push_str("}\n");
        text
    }
}

//! Units of quantities: which unit names exist, what they measure and their factor to the
//! base unit (bytes or elements, bytes or elements per cycle, cycles, pJ, MACs).

/// What a unit measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// Bytes (factor to bytes) or elements (factor 1, `elements` set).
    Size,
    /// Per cycle: bytes or elements.
    Bandwidth,
    Time,
    Energy,
    Count,
    Rate,
    /// Hz (clocks, frame rates).
    Frequency,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitInfo {
    pub dimension: Dimension,
    /// Multiply by this to get the base unit.
    pub factor: f64,
    /// Counts elements rather than bytes.
    pub elements: bool,
}

const SIZES: &[(&str, f64, bool)] = &[
    ("B", 1.0, false),
    ("KB", 1e3, false),
    ("MB", 1e6, false),
    ("GB", 1e9, false),
    ("KiB", 1024.0, false),
    ("MiB", 1_048_576.0, false),
    ("GiB", 1_073_741_824.0, false),
    ("elem", 1.0, true),
];

const OTHERS: &[(&str, Dimension, f64)] = &[
    ("cycle", Dimension::Time, 1.0),
    ("cycles", Dimension::Time, 1.0),
    ("pJ", Dimension::Energy, 1.0),
    ("nJ", Dimension::Energy, 1e3),
    ("uJ", Dimension::Energy, 1e6),
    ("mJ", Dimension::Energy, 1e9),
    ("MACs", Dimension::Count, 1.0),
    ("Hz", Dimension::Frequency, 1.0),
    ("kHz", Dimension::Frequency, 1e3),
    ("MHz", Dimension::Frequency, 1e6),
    ("GHz", Dimension::Frequency, 1e9),
    ("fps", Dimension::Frequency, 1.0),
];

/// Every unit name, for editor highlighting and "did you mean" suggestions.
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = SIZES.iter().map(|s| s.0.to_string()).collect();
    v.extend(SIZES.iter().map(|s| format!("{}/cycle", s.0)));
    v.extend(OTHERS.iter().map(|s| s.0.to_string()));
    v.push("MAC/cycle".to_string());
    v
}

/// The unit names that measure `dimension`, for suggestions that fit the field.
pub fn names_of(dimension: Dimension) -> Vec<String> {
    names()
        .into_iter()
        .filter(|n| {
            let (name, per) = match n.split_once('/') {
                Some((name, per)) => (name, Some(per)),
                None => (n.as_str(), None),
            };
            lookup(name, per).map(|u| u.dimension) == Some(dimension)
        })
        .collect()
}

/// Look up `name` or `name/per`.
pub fn lookup(name: &str, per: Option<&str>) -> Option<UnitInfo> {
    let size = |n: &str| SIZES.iter().find(|s| s.0 == n);
    match per {
        None => {
            if let Some(&(_, factor, elements)) = size(name) {
                return Some(UnitInfo {
                    dimension: Dimension::Size,
                    factor,
                    elements,
                });
            }
            OTHERS
                .iter()
                .find(|o| o.0 == name)
                .map(|&(_, dimension, factor)| UnitInfo {
                    dimension,
                    factor,
                    elements: false,
                })
        }
        Some("cycle") => {
            if name == "MAC" || name == "MACs" {
                return Some(UnitInfo {
                    dimension: Dimension::Rate,
                    factor: 1.0,
                    elements: false,
                });
            }
            size(name).map(|&(_, factor, elements)| UnitInfo {
                dimension: Dimension::Bandwidth,
                factor,
                elements,
            })
        }
        Some(_) => None,
    }
}

impl Dimension {
    /// How a diagnostic names it, with an example unit.
    pub fn describe(self) -> &'static str {
        match self {
            Dimension::Size => "a size (`B`, `KiB`, `MiB` or `elem`)",
            Dimension::Bandwidth => "a bandwidth (`elem/cycle` or `B/cycle`)",
            Dimension::Time => "a time (`cycles`)",
            Dimension::Energy => "an energy (`pJ`, `nJ`, `uJ` or `mJ`)",
            Dimension::Count => "a count (no unit, or `MACs`)",
            Dimension::Rate => "a rate (`MAC/cycle`)",
            Dimension::Frequency => "a frequency (`Hz`, `MHz`, `GHz`, or `fps` for frame rates)",
        }
    }
}

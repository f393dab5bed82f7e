//! Command-line spellings of the choices a user makes. Each choice is one enum, owned by the
//! stage that acts on it (`systolic::Model`, `hda::Objective`, `search::Objective`, …); this
//! module only teaches clap to read and list them, so no second enum mirrors any of them.

use clap::builder::PossibleValue;
use clap::ValueEnum;

use crate::backends::{hda, systolic};
use crate::{ir, search};

impl ValueEnum for systolic::Model {
    fn value_variants<'a>() -> &'a [Self] {
        &[systolic::Model::Default, systolic::Model::Scalesim]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            systolic::Model::Default => {
                PossibleValue::new("default").help("SCALE-Sim 3.0.0's bugs fixed")
            }
            systolic::Model::Scalesim => {
                PossibleValue::new("scalesim").help("SCALE-Sim 3.0.0 exactly")
            }
        })
    }
}

impl ValueEnum for ir::CostModel {
    fn value_variants<'a>() -> &'a [Self] {
        &[ir::CostModel::Default, ir::CostModel::Maestro]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ir::CostModel::Default => PossibleValue::new("default"),
            ir::CostModel::Maestro => PossibleValue::new("maestro"),
        })
    }
}

impl ValueEnum for hda::Objective {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            hda::Objective::Latency,
            hda::Objective::Energy,
            hda::Objective::Edp,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for search::Objective {
    fn value_variants<'a>() -> &'a [Self] {
        &search::Objective::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for search::Strategy {
    fn value_variants<'a>() -> &'a [Self] {
        &search::Strategy::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for crate::environments::Control {
    fn value_variants<'a>() -> &'a [Self] {
        &crate::environments::Control::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.gym_id()))
    }
}

impl ValueEnum for crate::neat::Task {
    fn value_variants<'a>() -> &'a [Self] {
        &crate::neat::Task::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for crate::plots::Operand {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            crate::plots::Operand::Weights,
            crate::plots::Operand::Activations,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            crate::plots::Operand::Weights => PossibleValue::new("weights"),
            crate::plots::Operand::Activations => PossibleValue::new("activations"),
        })
    }
}

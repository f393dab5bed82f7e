//! A design as one `.df` program: each task's network, one hardware item per
//! sub-accelerator, the `accelerator` of them with their dataflow templates, and the
//! `workload` of the networks, which `dfc schedule` runs.

use std::collections::BTreeSet;

use super::design::{hardware_df, Design, JointSpace};

/// The program text; `header` becomes its opening comment (one `//` line per line).
pub fn program_df(space: &JointSpace, design: &Design, header: &str) -> String {
    let mut text: String = header.lines().map(|l| format!("// {l}\n")).collect();
    let templates: BTreeSet<&str> = design
        .accelerator
        .subs
        .iter()
        .map(|s| s.template_name())
        .collect();
    let templates: Vec<&str> = templates.into_iter().collect();
    text.push_str(&format!(
        "use std::dataflows::{{{}}};\n\n",
        templates.join(", ")
    ));
    for (task_space, arch) in space.spaces.iter().zip(&design.networks) {
        text.push_str(&task_space.network_df(arch, task_space.task.name()));
        text.push('\n');
    }
    for (i, sub) in design.accelerator.subs.iter().enumerate() {
        text.push_str(&hardware_df(&format!("sub{i}_hw"), *sub, &space.budget));
        text.push('\n');
    }
    text.push_str("accelerator coexplored {\n");
    for (i, sub) in design.accelerator.subs.iter().enumerate() {
        text.push_str(&format!(
            "    sub{i}: sub{i}_hw with {};\n",
            sub.template_name()
        ));
    }
    text.push_str("}\n\nworkload tasks {\n");
    for task_space in &space.spaces {
        text.push_str(&format!("    {};\n", task_space.task.name()));
    }
    text.push_str("}\n");
    text
}

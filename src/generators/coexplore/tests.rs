use super::design::{Budget, JointSpace, Sub};
use super::evaluate::Evaluator;
use super::explore::{default_specs, lower_bounds};
use crate::generators::nas::task::Task;

#[test]
fn explore_numbers() {
    let t = std::time::Instant::now();
    let ev = Evaluator::new(JointSpace::new(
        &[Task::Digits, Task::BreastCancer],
        Budget::default(),
    ));
    eprintln!("books {:?}", t.elapsed());
    let space = &ev.space;
    for task in 0..2 {
        let arch = space.spaces[task].all()[300].clone();
        for sub in Sub::all() {
            eprintln!(
                "{task} {arch} {sub:?} {:?}",
                ev.network_costs(task, &arch, sub)
            );
        }
    }
    eprintln!("specs {:?} {:?}", default_specs(&ev, 0), t.elapsed());
    eprintln!("bounds {:?} {:?}", lower_bounds(&ev), t.elapsed());
}

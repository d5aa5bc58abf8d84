//! A step's `expect_for`: what some processes' actions must do instead of `expect`.

use super::Spans;
use crate::scenario::error::Located;
use crate::scenario::model::*;

/// Each entry of a step's `expect_for` names a process that acts in it, and leaves
/// `expect` some action to apply to.
pub(super) fn check_overrides(
    s: &Scenario,
    si: usize,
    step: &Step,
    spans: &Spans,
) -> Result<(), Located> {
    let acting = || {
        step.actions
            .iter()
            .map(|(p, _)| format!("`{}`", s.process(*p).name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, (p, _)) in step.expect_for.iter().enumerate() {
        if step.action_of(*p).is_none() {
            return Err(Located::new(
                spans.override_of(si, i).map_or(0..0, |o| o.process.clone()),
                format!(
                    "process `{}` does not act in this step, so `expect_for` has no action of its to judge; the processes that act here are {}",
                    s.process(*p).name,
                    acting()
                ),
            ));
        }
    }
    if step
        .actions
        .iter()
        .all(|(p, _)| step.expect_for.iter().any(|(q, _)| q == p))
    {
        return Err(Located::new(
            spans.expect(si),
            "`expect` applies to no action of this step: every process that acts has its own in `expect_for`; leave `expect` out, or keep it for the processes that share it".to_owned(),
        ));
    }
    Ok(())
}

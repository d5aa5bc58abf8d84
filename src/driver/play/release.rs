//! A `released = N` step: of the blocked calls it awaits, N return, the system choosing
//! which, and the others stay asleep in their calls, by the kernel's view.

use std::time::Instant;

use super::{Player, Stop};
use crate::driver::wait::{BlockWait, Waiter};
use crate::driver::{Failure, Verdict};
use crate::judge::Cause;
use crate::scenario::*;

impl Player<'_, '_> {
    /// Wait until `count` of the calls step `si` awaits have returned, judge those as
    /// the step expects, and check that every other one is still asleep in its call.
    pub(super) fn play_released(&mut self, si: usize, step: &Step, count: u32) -> Result<(), Stop> {
        let deadline = Instant::now() + self.stage.scenario.step_timeout;
        let waiting: Vec<ProcessIndex> = step
            .actions
            .iter()
            .map(|(p, _)| *p)
            .filter(|p| self.stage.actors[p.0].pending.is_some())
            .collect();
        let answered = loop {
            let answered: Vec<ProcessIndex> = waiting
                .iter()
                .copied()
                .filter(|p| Waiter::readable(&self.stage.actors[p.0].control))
                .collect();
            if answered.len() >= count as usize {
                break answered;
            }
            let still = *waiting
                .iter()
                .find(|p| !answered.contains(p))
                .expect("fewer answered than wait");
            if Instant::now() >= deadline {
                let expected = format!("{count} of the blocked calls of this step return");
                return Err(self.watchdog(si, still, expected));
            }
            let controls = waiting.iter().map(|p| &self.stage.actors[p.0].control);
            Waiter::wait_any(controls, deadline);
        };
        for &p in waiting.iter().filter(|p| !answered.contains(p)) {
            self.check_still_asleep(si, p, count, deadline)?;
        }
        for (i, &p) in answered.iter().enumerate() {
            let expect = step.expectation_of(p);
            let judged = match i < count as usize {
                true => self.judge_action(si, p, &Action::Await, expect, &[], deadline)?,
                false => Err(self.too_many(si, p, count)),
            };
            judged.map_err(|failure| Box::new(Verdict::Fail(failure)))?;
        }
        Ok(())
    }

    /// A call of a `released` step that did not return must still be asleep in it.
    fn check_still_asleep(
        &mut self,
        si: usize,
        p: ProcessIndex,
        count: u32,
        deadline: Instant,
    ) -> Result<(), Stop> {
        let from = self.stage.actors[p.0]
            .pending
            .expect("a waiting process has a pending call");
        match self
            .stage
            .waiter(p, self.opts.oracle)
            .blocked(from, deadline)
        {
            BlockWait::Blocked { evidence, latency } => {
                self.confirm_block(si, p, evidence, latency);
                Ok(())
            }
            BlockWait::Completed(_) => Err(Box::new(Verdict::Fail(self.too_many(si, p, count)))),
            BlockWait::TimedOut => {
                let expected =
                    format!("{count} of the blocked calls return, the others stay asleep");
                Err(self.watchdog(si, p, expected))
            }
        }
    }

    /// One call more returned than the step releases.
    fn too_many(&self, si: usize, p: ProcessIndex, count: u32) -> Failure {
        self.mismatch(
            si,
            p,
            Cause::released_early(self.call_at(si, p)),
            format!("only {count} of the blocked calls return; this one stays asleep"),
            "it returned as well".to_owned(),
        )
    }
}

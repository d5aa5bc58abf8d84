//! Playing the steps in lockstep: start each step's actions, then judge each one, by the
//! kernel's view for "blocks" and by the outcome for everything else.

use std::time::Instant;

use super::check::{describe_expectation, describe_observed, meets, Observed};
use super::cleanup::kill_group;
use super::control::{Command, Outcome};
use super::event_log::EventKind;
use super::run::Run;
use super::wait::{BlockWait, OutcomeWait, Waiter};
use crate::mechanism::ByteStream;
use crate::report::Verdict;
use crate::scenario::*;

impl<I: ByteStream> Run<'_, I> {
    pub(super) fn play(&mut self) -> Verdict {
        let profile = self.opts.profile;
        for (si, step) in self.scenario.steps.iter().enumerate() {
            self.current_step = si;
            // A call judged blocked in the previous step must still be blocked now:
            // nothing has happened since that could release it.
            for (ai, actor) in self.actors.iter().enumerate() {
                if let (Some(from), None) = (actor.pending, &actor.gone) {
                    if from + 1 == si && Waiter::readable(&actor.control) {
                        return self.fail(
                            from,
                            ProcessIndex(ai),
                            format!(
                                "to stay blocked until a later step released it (step {})",
                                StepIndex(si)
                            ),
                            "the call returned before that step began".to_owned(),
                        );
                    }
                }
            }
            let deadline = Instant::now() + self.scenario.step_timeout;
            let mut signalled = Vec::new();
            for (p, action) in &step.actions {
                if let Some(how) = &self.actors[p.0].gone {
                    return self.fail(
                        si,
                        *p,
                        "a live process".to_owned(),
                        format!("it is gone: {}", describe_observed(how)),
                    );
                }
                if let Action::Kill(signal) = action {
                    signalled.push((*p, self.kill(*p, si, *signal)));
                } else if *action != Action::Await {
                    if let Err(e) = Command::Run(si as u32).send(&mut self.actors[p.0].control) {
                        return Verdict::HarnessError(format!(
                            "cannot reach process {}: {e}",
                            self.scenario.process(*p).name
                        ));
                    }
                    self.actors[p.0].pending = Some(si);
                }
            }
            for (p, action) in &step.actions {
                let expected = describe_expectation(&step.expect, profile);
                if let Some((_, obs)) = signalled.iter().find(|(q, _)| q == p) {
                    if let Err(why) = meets(&step.expect, obs, profile) {
                        return self.fail(
                            si,
                            *p,
                            expected,
                            format!("{} {why}", describe_observed(obs)),
                        );
                    }
                    continue;
                }
                let from = self.actors[p.0]
                    .pending
                    .expect("every acting process has a pending call");
                if step.expect == Expectation::Blocks {
                    match self.wait_blocked(*p, si, deadline) {
                        BlockWait::Blocked(v) => self.blocking.push(v),
                        BlockWait::Completed(obs) => {
                            self.settle(*p, &obs);
                            return self.fail(
                                si,
                                *p,
                                expected,
                                format!("did not block: {}", describe_observed(&obs)),
                            );
                        }
                        BlockWait::TimedOut => return self.watchdog(si, *p, expected),
                    }
                    continue;
                }
                match self.wait_outcome(*p, from, deadline) {
                    OutcomeWait::Observed(obs) => {
                        self.actors[p.0].pending = None;
                        self.settle(*p, &obs);
                        if let Err(why) = meets(&step.expect, &obs, profile) {
                            if let Observed::Outcome(Outcome::Unsupported(reason)) = &obs {
                                return Verdict::Skip(reason.clone());
                            }
                            let observed = describe_observed(&obs);
                            let observed = if why.is_empty() {
                                observed
                            } else {
                                format!("{observed} ({why})")
                            };
                            return self.fail(si, *p, expected, observed);
                        }
                        if *action == Action::Exit {
                            self.reap(*p);
                        }
                    }
                    OutcomeWait::Asleep(wchan) => {
                        return self.fail(
                            si,
                            *p,
                            expected,
                            format!(
                                "blocked in the call (kernel{})",
                                wchan.map(|w| format!(", wchan {w}")).unwrap_or_default()
                            ),
                        )
                    }
                    OutcomeWait::TimedOut => return self.watchdog(si, *p, expected),
                }
            }
        }
        Verdict::Pass
    }

    /// `kill()` from the driver, recorded in the process's lane of the timeline.
    fn kill(&mut self, p: ProcessIndex, step: usize, signal: SignalName) -> Observed {
        self.note(
            p,
            step,
            EventKind::Start,
            &format!("kill({signal}) from the driver"),
        );
        let outcome = match nix::sys::signal::kill(self.actors[p.0].pid, signal.0) {
            Ok(()) => Outcome::Done,
            Err(e) => Outcome::Error(e.into()),
        };
        self.note(p, step, EventKind::End, &super::actor::describe(&outcome));
        Observed::Outcome(outcome)
    }

    /// The watchdog fired: kill the whole group so nothing hangs, and say so.
    fn watchdog(&mut self, step: usize, p: ProcessIndex, expected: String) -> Verdict {
        kill_group(self.pgid);
        let bound = self.scenario.step_timeout;
        self.note(
            p,
            step,
            EventKind::Gone,
            &format!("killed by the watchdog after {bound:?}"),
        );
        self.fail(
            step,
            p,
            expected,
            format!("no result within {bound:?}; the watchdog killed the processes"),
        )
    }

    fn wait_blocked(&mut self, p: ProcessIndex, step: usize, deadline: Instant) -> BlockWait {
        let name = self.scenario.process(p).name.clone();
        match self.waiter(p).blocked(step, deadline) {
            BlockWait::Blocked(mut v) => {
                v.process = name;
                BlockWait::Blocked(v)
            }
            other => other,
        }
    }

    fn wait_outcome(&mut self, p: ProcessIndex, step: usize, deadline: Instant) -> OutcomeWait {
        self.waiter(p).outcome(step, deadline)
    }
}

//! Playing the steps in lockstep: start each step's actions, then judge each one, by the
//! kernel's view for "blocks" and by the outcome for everything else.

mod release;

use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use super::cleanup::kill_group;
use super::control::Command;
use super::error::HarnessError;
use super::event_log::EventKind;
use super::options::RunOptions;
use super::stage::Stage;
use super::wait::{BlockWait, OutcomeWait, Waiter};
use crate::driver::{BlockingVerdict, Evidence, Failure, Verdict};
use crate::judge::{
    describe_expectation, describe_observed, meets, short_stream_peek, Cause, Observed, Outcome,
};
use crate::scenario::*;

/// What the play came to.
pub(super) struct Played {
    /// Pass, or the first check that failed.
    pub(super) verdict: Verdict,
    /// The blocking claims confirmed, with their evidence.
    pub(super) blocking: Vec<BlockingVerdict>,
    /// The step the play ended at (the last one, once all have passed).
    pub(super) step: usize,
}

/// Play the scenario's steps on `stage`, until one fails or all have passed.
pub(super) fn play(stage: &mut Stage<'_>, opts: &RunOptions) -> Played {
    let mut player = Player {
        stage,
        opts,
        step: 0,
        blocking: Vec::new(),
        ports: BTreeMap::new(),
    };
    let verdict = player.play();
    Played {
        verdict,
        blocking: player.blocking,
        step: player.step,
    }
}

/// Why the play stopped before its last step: the verdict, boxed (a failure is large,
/// and rare).
type Stop = Box<Verdict>;

/// One action's check: met, or the mismatch. A mismatch lets the step's other actions
/// be judged too, so a failure names every action of the step that went wrong; a
/// [`Stop`] ends the play at once.
type Judgement<T = ()> = Result<T, Failure>;

/// The play's own state beside the stage.
struct Player<'s, 'a> {
    stage: &'s mut Stage<'a>,
    opts: &'s RunOptions,
    /// The step being played.
    step: usize,
    /// The blocking claims confirmed so far.
    blocking: Vec<BlockingVerdict>,
    /// The IPv4 addresses the kernel gave the scenario's names so far: a receive that
    /// was blocked when its sender's name was bound names it by its address, which the
    /// driver turns back into the name.
    ports: BTreeMap<SocketAddrV4, String>,
}

impl Player<'_, '_> {
    fn play(&mut self) -> Verdict {
        let scenario = self.stage.scenario;
        for (si, step) in scenario.steps.iter().enumerate() {
            self.step = si;
            if let Err(stop) = self.play_step(si, step) {
                return *stop;
            }
        }
        Verdict::Pass
    }

    /// A failed check of `process`'s action at `step`.
    fn mismatch(
        &self,
        step: usize,
        process: ProcessIndex,
        cause: Cause,
        expected: String,
        observed: String,
    ) -> Failure {
        Failure {
            step: Some(StepIndex(step)),
            process: Some(self.stage.scenario.process(process).name.clone()),
            cause,
            expected,
            observed,
            more: Vec::new(),
        }
    }

    /// A failed check of `process`'s action at `step` that ends the play.
    fn fail(
        &self,
        step: usize,
        process: ProcessIndex,
        cause: Cause,
        expected: String,
        observed: String,
    ) -> Stop {
        Box::new(Verdict::Fail(
            self.mismatch(step, process, cause, expected, observed),
        ))
    }

    /// The call `process` made at `step`: for an `await`, the call it awaits, started at
    /// an earlier step (the driver's signals since then are not the process's calls).
    fn call_at(&self, step: usize, process: ProcessIndex) -> &Action {
        let steps = &self.stage.scenario.steps;
        match steps[step].action_of(process) {
            Some(Action::Await) => steps[..step]
                .iter()
                .rev()
                .filter_map(|s| s.action_of(process))
                .find(|a| !matches!(a, Action::Await | Action::Kill(_))),
            other => other,
        }
        .expect("a process acts at the step it is judged for")
    }

    /// Record a process that died during its call.
    fn settle(&mut self, p: ProcessIndex, obs: &Observed) {
        if matches!(obs, Observed::Killed(_) | Observed::Exited(_)) {
            self.stage.gone(p, self.step, obs.clone());
        }
    }

    fn play_step(&mut self, si: usize, step: &Step) -> Result<(), Stop> {
        self.check_still_blocked(si)?;
        self.settle_blocked_calls();
        if let Some(count) = step.released {
            return self.play_released(si, step, count);
        }
        let deadline = Instant::now() + self.stage.scenario.step_timeout;
        let signalled = self.start_actions(si, step)?;
        let mut mismatches = Vec::new();
        let mut stopped = None;
        for (p, action, expect) in step.judged_actions() {
            match self.judge_action(si, p, action, expect, &signalled, deadline) {
                Ok(Ok(())) => {}
                Ok(Err(failure)) => mismatches.push(failure),
                Err(stop) => {
                    stopped = Some(stop);
                    break;
                }
            }
        }
        // The mismatches found before whatever ended the step come first; a check that
        // ended it (the watchdog, a process gone) is one more of them.
        if let Some(Verdict::Fail(failure)) = stopped.as_deref() {
            mismatches.push(failure.clone());
        }
        let mut mismatches = mismatches.into_iter();
        match (mismatches.next(), stopped) {
            (Some(first), _) => Err(Box::new(Verdict::Fail(Failure {
                more: mismatches.collect(),
                ..first
            }))),
            (None, Some(stop)) => Err(stop),
            (None, None) => Ok(()),
        }
    }

    /// Judge what `p`'s action at step `si` did, and carry out what a met action means
    /// for the rest of the play (a reaped process, a published address).
    fn judge_action(
        &mut self,
        si: usize,
        p: ProcessIndex,
        action: &Action,
        expect: &Expectation,
        signalled: &[(ProcessIndex, Observed)],
        deadline: Instant,
    ) -> Result<Judgement, Stop> {
        let observed = match signalled.iter().find(|(q, _)| *q == p) {
            Some((_, observed)) => observed.clone(),
            None if *expect == Expectation::Blocks => {
                return self.judge_block(si, p, deadline, expect)
            }
            None => match self.await_outcome(si, p, deadline, expect)? {
                Ok(observed) => observed,
                Err(failure) => return Ok(Err(failure)),
            },
        };
        let observed = self.sender_named(observed);
        if let Err(failure) = self.judge_outcome(si, p, expect, &observed)? {
            return Ok(Err(failure));
        }
        match action {
            Action::Exit => self.stage.reap(p, self.step),
            Action::Exec if observed == Observed::Outcome(Outcome::Done) => {
                self.stage.actors[p.0].execed = true;
                self.stage.note(
                    p,
                    si,
                    EventKind::End,
                    &format!("now runs {}", Action::EXEC_PROGRAM[0]),
                );
            }
            // A program that replaced the actor does nothing the driver waits on
            // but its death, which the next step may depend on.
            Action::Kill(_) if self.stage.actors[p.0].execed => self.stage.reap(p, self.step),
            Action::Socket(SocketCall::Bind { to, .. }) => {
                if let Observed::Outcome(Outcome::Bound(address)) = observed {
                    self.publish(p, &to.name, address)?;
                }
            }
            _ => {}
        }
        Ok(Ok(()))
    }

    /// A received message's sender by the scenario's name, where the actor could give
    /// only its address: it was in the call when the name was bound.
    fn sender_named(&self, observed: Observed) -> Observed {
        match observed {
            Observed::Outcome(Outcome::Message {
                data,
                truncated,
                from,
            }) => {
                let named = from.parse().ok().and_then(|a| self.ports.get(&a));
                Observed::Outcome(Outcome::Message {
                    data,
                    truncated,
                    from: named.cloned().unwrap_or(from),
                })
            }
            other => other,
        }
    }

    /// Tell every other actor the port the kernel gave an IPv4 address, through the
    /// control channels (never through the IUT). An actor in a call reads it after.
    fn publish(
        &mut self,
        from: ProcessIndex,
        name: &str,
        address: SocketAddrV4,
    ) -> Result<(), Stop> {
        self.ports.insert(address, name.to_owned());
        let learn = Command::Learn {
            name: name.to_owned(),
            address,
        };
        for (ai, actor) in self.stage.actors.iter_mut().enumerate() {
            if ai == from.0 || actor.gone.is_some() || actor.execed {
                continue;
            }
            learn.send(&mut actor.control).map_err(|source| {
                Box::new(
                    HarnessError::Unreachable {
                        process: self.stage.scenario.processes[ai].name.clone(),
                        source,
                    }
                    .into_verdict(),
                )
            })?;
        }
        Ok(())
    }

    /// A call judged blocked in the previous step must still be blocked now: nothing has
    /// happened since that could release it.
    fn check_still_blocked(&self, si: usize) -> Result<(), Stop> {
        for (ai, actor) in self.stage.actors.iter().enumerate() {
            if let (Some(from), None) = (actor.pending, &actor.gone) {
                if from + 1 == si && Waiter::readable(&actor.control) {
                    return Err(self.fail(
                        from,
                        ProcessIndex(ai),
                        Cause::released_early(self.call_at(from, ProcessIndex(ai))),
                        format!(
                            "to stay blocked until a later step released it (step {})",
                            StepIndex(si)
                        ),
                        "the call returned before that step began".to_owned(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Let every call blocked in an earlier step that the previous steps woke come to
    /// rest (answer, or fall asleep again) before this step starts.
    fn settle_blocked_calls(&mut self) {
        for ai in 0..self.stage.actors.len() {
            let actor = &self.stage.actors[ai];
            if let (Some(from), None, false) = (actor.pending, &actor.gone, actor.execed) {
                self.stage
                    .waiter(ProcessIndex(ai), self.opts.oracle)
                    .settle(from);
            }
        }
    }

    /// Start every action of the step at once; signals from the driver are sent (and
    /// observed) here and now.
    fn start_actions(
        &mut self,
        si: usize,
        step: &Step,
    ) -> Result<Vec<(ProcessIndex, Observed)>, Stop> {
        let mut signalled = Vec::new();
        for (p, action) in &step.actions {
            if let Some(how) = &self.stage.actors[p.0].gone {
                return Err(self.fail(
                    si,
                    *p,
                    Cause::gone(),
                    "a live process".to_owned(),
                    format!("it is gone: {}", describe_observed(how)),
                ));
            }
            match action {
                Action::Kill(signal) => signalled.push((*p, self.kill(*p, si, *signal))),
                Action::Await => {}
                _ => {
                    Command::Run(si as u32)
                        .send(&mut self.stage.actors[p.0].control)
                        .map_err(|source| {
                            Box::new(
                                HarnessError::Unreachable {
                                    process: self.stage.scenario.process(*p).name.clone(),
                                    source,
                                }
                                .into_verdict(),
                            )
                        })?;
                    self.stage.actors[p.0].pending = Some(si);
                }
            }
        }
        Ok(signalled)
    }

    /// "blocks": the kernel must show the process asleep in its call.
    fn judge_block(
        &mut self,
        si: usize,
        p: ProcessIndex,
        deadline: Instant,
        expect: &Expectation,
    ) -> Result<Judgement, Stop> {
        let expected = describe_expectation(expect, self.opts.profile);
        match self.stage.waiter(p, self.opts.oracle).blocked(si, deadline) {
            BlockWait::Blocked { evidence, latency } => {
                self.confirm_block(si, p, evidence, latency);
                Ok(Ok(()))
            }
            BlockWait::Completed(Observed::Outcome(Outcome::Unsupported(reason))) => {
                Err(Box::new(Verdict::Skip(reason)))
            }
            BlockWait::Completed(obs) => {
                self.settle(p, &obs);
                Ok(Err(self.mismatch(
                    si,
                    p,
                    Cause::did_not_block(self.call_at(si, p), &obs),
                    expected,
                    format!("did not block: {}", describe_observed(&obs)),
                )))
            }
            BlockWait::TimedOut => Err(self.watchdog(si, p, expected)),
        }
    }

    /// Record a blocking claim of `p`'s call at step `si` that the oracle confirmed.
    fn confirm_block(&mut self, si: usize, p: ProcessIndex, evidence: Evidence, latency: Duration) {
        self.blocking.push(BlockingVerdict {
            step: StepIndex(si),
            process: self.stage.scenario.process(p).name.clone(),
            evidence,
            latency,
        });
    }

    /// Everything but "blocks": wait for the outcome of the process's pending call.
    fn await_outcome(
        &mut self,
        si: usize,
        p: ProcessIndex,
        deadline: Instant,
        expect: &Expectation,
    ) -> Result<Judgement<Observed>, Stop> {
        let from = self.stage.actors[p.0]
            .pending
            .expect("every acting process has a pending call");
        let expected = || describe_expectation(expect, self.opts.profile);
        match self
            .stage
            .waiter(p, self.opts.oracle)
            .outcome(from, deadline)
        {
            OutcomeWait::Observed(obs) => {
                self.stage.actors[p.0].pending = None;
                self.settle(p, &obs);
                Ok(Ok(obs))
            }
            OutcomeWait::Asleep(wchan) => Ok(Err(self.mismatch(
                si,
                p,
                Cause::blocked(self.call_at(si, p), expect, self.opts.profile),
                expected(),
                format!(
                    "blocked in the call (kernel{})",
                    wchan.map(|w| format!(", wchan {w}")).unwrap_or_default()
                ),
            ))),
            OutcomeWait::TimedOut => {
                let expected = expected();
                Err(self.watchdog(si, p, expected))
            }
        }
    }

    /// Whatever is not "blocks": the outcome must meet the expectation. An outcome the
    /// implementation does not support ends the play as a skip.
    fn judge_outcome(
        &self,
        si: usize,
        p: ProcessIndex,
        expect: &Expectation,
        observed: &Observed,
    ) -> Result<Judgement, Stop> {
        let Err(why) = meets(expect, observed, self.opts.profile) else {
            return Ok(Ok(()));
        };
        let action = self.call_at(si, p);
        let mechanism = self.stage.scenario.mechanism;
        if short_stream_peek(action, mechanism, expect, observed, self.opts.profile) {
            return Ok(Ok(()));
        }
        if let Observed::Outcome(Outcome::Unsupported(reason)) = observed {
            return Err(Box::new(Verdict::Skip(reason.clone())));
        }
        let cause = Cause::of_result(action, expect, observed, self.opts.profile);
        let observed = describe_observed(observed);
        let observed = if why.is_empty() {
            observed
        } else {
            format!("{observed} ({why})")
        };
        Ok(Err(self.mismatch(
            si,
            p,
            cause,
            describe_expectation(expect, self.opts.profile),
            observed,
        )))
    }

    /// `kill()` from the driver, recorded in the process's lane of the timeline.
    fn kill(&mut self, p: ProcessIndex, step: usize, signal: SignalName) -> Observed {
        self.stage.note(
            p,
            step,
            EventKind::Start,
            &format!("kill({signal}) from the driver"),
        );
        let outcome = match nix::sys::signal::kill(self.stage.actors[p.0].pid, signal.0) {
            Ok(()) => Outcome::Done,
            Err(e) => Outcome::Error(e.into()),
        };
        self.stage
            .note(p, step, EventKind::End, &super::actor::describe(&outcome));
        Observed::Outcome(outcome)
    }

    /// The watchdog fired: kill the whole group so nothing hangs, and say so.
    fn watchdog(&mut self, step: usize, p: ProcessIndex, expected: String) -> Stop {
        kill_group(self.stage.pgid);
        let bound = self.stage.scenario.step_timeout;
        self.stage.note(
            p,
            step,
            EventKind::Gone,
            &format!("killed by the watchdog after {bound:?}"),
        );
        self.fail(
            step,
            p,
            Cause::never_returned(self.call_at(step, p)),
            expected,
            format!("no result within {bound:?}; the watchdog killed the processes"),
        )
    }
}

//! Runs one scenario: make the object, fork the actors, play the steps in lockstep, judge
//! each expectation, then finish, reap and look for leftovers.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use super::actor::Actor;
use super::check::{describe_expectation, describe_observed, meets, Observed};
use super::cleanup::{group_alive, kill_group, PrivateDir};
use super::clock::now_ns;
use super::control::{Command, Outcome, Reply};
use super::event_log::{CallKind, Event, EventKind, SharedLog};
use super::spawn::{check_single_threaded, control_pair, spawn, ChildSetup};
use super::wait::{BlockWait, OutcomeWait, Waiter};
use crate::mechanism::ByteStream;
use crate::model::PlatformProfile;
use crate::report::{BlockingVerdict, Failure, ScenarioReport, TimelineEntry, Verdict};
use crate::scenario::*;

/// How the driver decides that a call blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockingOracle {
    /// From the kernel's view of the thread (the default).
    Kernel,
    /// "Blocked" once the call has not returned after this long: what sleep-based
    /// suites do. Kept for comparison; slower and weaker.
    Timeout(Duration),
}

/// Settings of a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The platform profile sizes and features come from.
    pub profile: &'static PlatformProfile,
    /// How blocking is decided.
    pub oracle: BlockingOracle,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            profile: PlatformProfile::host(),
            oracle: BlockingOracle::Kernel,
        }
    }
}

const LOG_SLOTS: usize = 1024;

/// Run one scenario against a byte-stream implementation.
pub fn run_scenario<I: ByteStream>(
    scenario: &Scenario,
    iut: &I,
    opts: &RunOptions,
) -> ScenarioReport {
    let started = Instant::now();
    let mut report = ScenarioReport {
        id: scenario.id.clone(),
        implementation: iut.name().to_owned(),
        verdict: Verdict::Pass,
        findings: Vec::new(),
        timeline: Vec::new(),
        blocking: Vec::new(),
        duration: Duration::ZERO,
    };
    report.verdict = match applicability(scenario, iut, opts.profile) {
        Some(reason) => Verdict::Skip(reason),
        None => match Run::start(scenario, iut, opts) {
            Ok(mut run) => {
                let verdict = run.play();
                run.finish(&mut report);
                report.timeline = run.timeline();
                report.blocking = std::mem::take(&mut run.blocking);
                match verdict {
                    Verdict::Pass if !report.findings.is_empty() => Verdict::Fail(Failure {
                        step: None,
                        process: None,
                        expected: "nothing left behind".to_owned(),
                        observed: report.findings.join("; "),
                    }),
                    v => v,
                }
            }
            Err(e) => Verdict::HarnessError(e),
        },
    };
    report.duration = started.elapsed();
    report
}

fn applicability<I: ByteStream>(
    s: &Scenario,
    iut: &I,
    profile: &PlatformProfile,
) -> Option<String> {
    if !iut.mechanisms().contains(&s.mechanism) {
        return Some(format!(
            "implementation `{}` does not provide {}",
            iut.name(),
            s.mechanism
        ));
    }
    skip_reason(s, profile)
}

/// Per actor, as the driver tracks it.
struct ActorState {
    pid: Pid,
    control: UnixStream,
    /// The step whose action is running and not yet judged complete.
    pending: Option<usize>,
    /// Set once the process is gone, with how it went.
    gone: Option<Observed>,
}

struct Run<'a, I: ByteStream> {
    scenario: &'a Scenario,
    opts: &'a RunOptions,
    log: SharedLog,
    events: Vec<Event>,
    actors: Vec<ActorState>,
    pgid: Pid,
    start_ns: u64,
    /// The step being played (the last one, once all have passed).
    current_step: usize,
    blocking: Vec<BlockingVerdict>,
    _dir: Option<PrivateDir>,
    _iut: std::marker::PhantomData<I>,
}

impl<'a, I: ByteStream> Run<'a, I> {
    fn start(scenario: &'a Scenario, iut: &'a I, opts: &'a RunOptions) -> Result<Self, String> {
        check_single_threaded()?;
        let start_ns = now_ns();
        // Only named objects need the private directory.
        let dir = match scenario.mechanism {
            Mechanism::Fifo => Some(
                PrivateDir::create()
                    .map_err(|e| format!("cannot make the private directory: {e}"))?,
            ),
            Mechanism::Pipe => None,
        };
        let fifo_path = dir
            .as_ref()
            .map(|d| d.path().join("fifo"))
            .unwrap_or_default();
        let log =
            SharedLog::new(LOG_SLOTS).map_err(|e| format!("cannot map the event log: {e}"))?;
        let devnull =
            std::fs::File::open("/dev/null").map_err(|e| format!("cannot open /dev/null: {e}"))?;
        let devnull = std::os::fd::OwnedFd::from(devnull);
        // The driver's channels exist before the IUT's objects and are never given to it.
        let mut driver_ends = Vec::new();
        let mut child_ends = Vec::new();
        for _ in &scenario.processes {
            let (ours, theirs) =
                control_pair().map_err(|e| format!("cannot make a control socketpair: {e}"))?;
            driver_ends.push(ours);
            child_ends.push(Some(theirs));
        }
        let mut object = match scenario.mechanism {
            Mechanism::Pipe => Some(
                iut.pipe(&scenario.create_flags)
                    .map_err(|e| format!("{}: pipe() failed with {e}", iut.name()))?,
            ),
            Mechanism::Fifo => {
                iut.mkfifo(&fifo_path)
                    .map_err(|e| format!("{}: mkfifo() failed with {e}", iut.name()))?;
                None
            }
        };
        let mut actors: Vec<ActorState> = Vec::new();
        let mut pgid = None;
        for (index, process) in scenario.processes.iter().enumerate() {
            let child_control = &mut child_ends[index];
            let mut keep: Vec<_> = child_control.iter().map(AsRawFd::as_raw_fd).collect();
            if process.relation == Relation::Related {
                if let Some((r, w)) = &object {
                    for end in &process.keeps {
                        let held = if *end == End::Read { r } else { w };
                        keep.extend(iut.fd(held).map(|fd| fd.as_raw_fd()));
                    }
                }
            }
            let setup = ChildSetup {
                pgid,
                sigpipe: process.sigpipe,
                handles: &process.handles,
                keep: &keep,
                devnull: &devnull,
            };
            let log_ref = &log;
            let fifo = fifo_path.as_path();
            let object_ref = &mut object;
            let pid = spawn(setup, move || {
                // In the child: take this process's ends out of the inherited object.
                let mut ends = Vec::new();
                if let Some((r, w)) = object_ref.take() {
                    let keeps = |e: End| {
                        process.relation == Relation::Related && process.keeps.contains(&e)
                    };
                    for (role, end) in [(End::Read, r), (End::Write, w)] {
                        if keeps(role) {
                            ends.push((role, end));
                        } else {
                            let _ = iut.close(end);
                        }
                    }
                }
                let control = child_control
                    .take()
                    .expect("each actor's end is taken once");
                Actor::new(
                    iut,
                    scenario,
                    opts.profile,
                    index,
                    log_ref,
                    control,
                    fifo,
                    ends,
                )
                .serve()
            })
            .map_err(|e| {
                if let Some(g) = pgid {
                    kill_group(g);
                }
                format!("fork failed: {e}")
            })?;
            pgid.get_or_insert(pid);
            actors.push(ActorState {
                pid,
                control: driver_ends.remove(0),
                pending: None,
                gone: None,
            });
        }
        // The driver holds no end of the object: EOF and EPIPE depend on that.
        if let Some((r, w)) = object.take() {
            let _ = iut.close(r);
            let _ = iut.close(w);
        }
        drop(child_ends);
        // Wait (in poll, not spinning: the actors need the CPU) until each is set up, so
        // a step's timing measures the call and not the actor's start-up.
        for (actor, process) in actors.iter_mut().zip(&scenario.processes) {
            match Reply::recv(&mut actor.control) {
                Ok(Reply::Ready) => {}
                other => {
                    kill_group(pgid.expect("at least one actor was forked"));
                    return Err(format!("process {} did not start: {other:?}", process.name));
                }
            }
        }
        Ok(Run {
            scenario,
            opts,
            log,
            events: Vec::new(),
            actors,
            pgid: pgid.expect("a scenario has at least one process"),
            start_ns,
            current_step: 0,
            blocking: Vec::new(),
            _dir: dir,
            _iut: std::marker::PhantomData,
        })
    }

    fn fail(
        &self,
        step: usize,
        process: ProcessIndex,
        expected: String,
        observed: String,
    ) -> Verdict {
        Verdict::Fail(Failure {
            step: Some(StepIndex(step)),
            process: Some(self.scenario.process(process).name.clone()),
            expected,
            observed,
        })
    }

    fn play(&mut self) -> Verdict {
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

    /// Record a process that died during its call.
    fn settle(&mut self, p: ProcessIndex, obs: &Observed) {
        if matches!(obs, Observed::Killed(_) | Observed::Exited(_)) {
            self.gone(p, obs.clone());
        }
    }

    /// Mark a process gone, in the timeline at the step being played.
    fn gone(&mut self, p: ProcessIndex, how: Observed) {
        self.note(p, self.current_step, EventKind::Gone, &describe_gone(&how));
        self.actors[p.0].gone = Some(how);
    }

    fn note(&mut self, p: ProcessIndex, step: usize, kind: EventKind, text: &str) {
        self.log.append(&Event {
            seq: 0,
            kind,
            actor: p.0 as u32,
            step: step as u32,
            call: CallKind::Other,
            fd: -1,
            time_ns: now_ns(),
            text: text.to_owned(),
        });
    }

    /// The process answered an `exit`: collect it.
    fn reap(&mut self, p: ProcessIndex) {
        let how = Waiter::reap(self.actors[p.0].pid);
        self.gone(p, how);
    }

    fn waiter(&mut self, p: ProcessIndex) -> Waiter<'_> {
        Waiter {
            actor: p.0,
            pid: self.actors[p.0].pid,
            control: &mut self.actors[p.0].control,
            log: &mut self.log,
            events: &mut self.events,
            oracle: self.opts.oracle,
        }
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

    /// Release what is left: kill calls still blocked, tell the others to finish and
    /// report leaks, reap everyone, and look for processes that outlived the actors.
    fn finish(&mut self, report: &mut ScenarioReport) {
        let failed = self
            .actors
            .iter()
            .any(|a| a.gone.is_none() && a.pending.is_some());
        let live: Vec<usize> = (0..self.actors.len())
            .filter(|&i| self.actors[i].gone.is_none())
            .collect();
        // Tell every process first, then collect: they list their descriptors and exit
        // side by side.
        for &i in &live {
            let actor = &mut self.actors[i];
            if actor.pending.is_some() || Command::Finish.send(&mut actor.control).is_err() {
                let _ = nix::sys::signal::kill(actor.pid, nix::sys::signal::Signal::SIGKILL);
            }
        }
        for &i in &live {
            if self.actors[i].pending.is_none() {
                if let Ok(Reply::Finished(leaks)) = Reply::recv(&mut self.actors[i].control) {
                    let name = &self.scenario.processes[i].name;
                    report.findings.extend(
                        leaks
                            .into_iter()
                            .map(|l| format!("process {name} still holds {l}")),
                    );
                }
            }
            self.reap(ProcessIndex(i));
        }
        if group_alive(self.pgid) {
            if !failed {
                report
                    .findings
                    .push("a process of the scenario outlived its actors".to_owned());
            }
            kill_group(self.pgid);
        }
        if self.log.overflowed() {
            report.findings.push(format!(
                "the event log overflowed its {LOG_SLOTS} slots; the timeline is cut"
            ));
        }
        self.events.extend(self.log.take_new());
    }

    fn timeline(&self) -> Vec<TimelineEntry> {
        self.events
            .iter()
            .map(|e| TimelineEntry {
                seq: e.seq,
                at: Duration::from_nanos(e.time_ns.saturating_sub(self.start_ns)),
                process: self.scenario.processes[e.actor as usize].name.clone(),
                step: StepIndex(e.step as usize),
                kind: e.kind,
                text: e.text.clone(),
            })
            .collect()
    }
}

/// How a process left at the end of the scenario.
fn describe_gone(obs: &Observed) -> String {
    match obs {
        Observed::Exited(0) => "exited".to_owned(),
        Observed::Exited(code) => format!("exited with status {code}"),
        Observed::Killed(sig) => format!("killed by {sig}"),
        Observed::Outcome(_) => unreachable!("reaping yields an exit or a signal"),
    }
}

impl Drop for ActorState {
    fn drop(&mut self) {
        if self.gone.is_none() {
            let _ = nix::sys::signal::kill(self.pid, nix::sys::signal::Signal::SIGKILL);
            let _ = waitpid(self.pid, None);
        }
    }
}

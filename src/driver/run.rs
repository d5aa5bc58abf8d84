//! Runs one scenario: set up (setup.rs), play the steps (play.rs), then finish: reap
//! every process and look for leftovers. This file holds the run's state and the
//! small operations the phases share.

use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use super::cleanup::{group_alive, kill_group, PrivateDir};
use super::clock::now_ns;
use super::control::{Command, Reply};
use super::dispatch::{family_missing, with_family, FamilyVisitor};
use super::event_log::{CallKind, Event, EventKind, SharedLog};
use super::exec_actor::exec_skip_reason;
use super::family::{Family, SetupError};
use super::hosts::{self, Hosts};
use super::options::{RunOptions, LOG_SLOTS};
use super::strays::kill_strays;
use super::wait::Waiter;
use crate::driver::{BlockingVerdict, Failure, ScenarioReport, TimelineEntry, Verdict};
use crate::judge::Observed;
use crate::mechanism::{missing_capability, required_capabilities, Deviation, Implementation};
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// Run one scenario against an implementation, through the family its mechanism
/// belongs to; a family the implementation does not provide makes it a skip.
pub fn run_scenario<I: Implementation>(
    scenario: &Scenario,
    iut: &I,
    opts: &RunOptions,
) -> ScenarioReport {
    let opts = &opts.for_implementation(iut);
    with_family(
        scenario.mechanism,
        iut,
        opts.profile,
        Running { scenario, opts },
    )
    .unwrap_or_else(|| {
        let reason = family_missing(scenario.mechanism, iut);
        skipped(scenario, iut.name(), reason)
    })
}

/// Why `scenario` would be skipped against `iut` here, known without running it: the
/// mechanism or a capability the implementation does not declare, or a platform
/// feature this platform lacks.
pub fn skip_reason_for<I: Implementation>(
    scenario: &Scenario,
    iut: &I,
    opts: &RunOptions,
) -> Option<String> {
    let profile = opts.for_implementation(iut).profile;
    with_family(
        scenario.mechanism,
        iut,
        profile,
        Applicability { scenario, profile },
    )
    .unwrap_or_else(|| Some(family_missing(scenario.mechanism, iut)))
}

/// A run of the scenario through its family.
struct Running<'a> {
    scenario: &'a Scenario,
    opts: &'a RunOptions,
}

impl FamilyVisitor for Running<'_> {
    type Output = ScenarioReport;

    fn visit<F: Family>(self, family: &F) -> ScenarioReport {
        run_family(self.scenario, family, self.opts)
    }
}

/// Why the scenario would be skipped with a family, if it would.
struct Applicability<'a> {
    scenario: &'a Scenario,
    profile: &'a PlatformProfile,
}

impl FamilyVisitor for Applicability<'_> {
    type Output = Option<String>;

    fn visit<F: Family>(self, family: &F) -> Option<String> {
        applicability(self.scenario, family, self.profile)
    }
}

fn new_report(scenario: &Scenario, implementation: &str) -> ScenarioReport {
    ScenarioReport {
        id: scenario.id.clone(),
        implementation: implementation.to_owned(),
        verdict: Verdict::Pass,
        processes: scenario.processes.iter().map(|p| p.name.clone()).collect(),
        findings: Vec::new(),
        timeline: Vec::new(),
        blocking: Vec::new(),
        duration: Duration::ZERO,
    }
}

fn skipped(scenario: &Scenario, implementation: &str, reason: String) -> ScenarioReport {
    ScenarioReport {
        verdict: Verdict::Skip(reason),
        ..new_report(scenario, implementation)
    }
}

/// Run one scenario against one family of an implementation.
fn run_family<F: Family>(scenario: &Scenario, family: &F, opts: &RunOptions) -> ScenarioReport {
    let started = Instant::now();
    let mut report = new_report(scenario, family.name());
    let verdict = run_verdict(scenario, family, opts, &mut report);
    report.verdict = declared(verdict, scenario, family.deviations());
    family.clean_up();
    report.duration = started.elapsed();
    report
}

fn run_verdict<F: Family>(
    scenario: &Scenario,
    family: &F,
    opts: &RunOptions,
    report: &mut ScenarioReport,
) -> Verdict {
    match applicability(scenario, family, opts.profile) {
        Some(reason) => Verdict::Skip(reason),
        None => match Run::start(scenario, family, opts) {
            Ok(mut run) => {
                let verdict = run.play();
                run.finish(report);
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
            Err(SetupError::Implementation(e)) => Verdict::Fail(Failure {
                step: None,
                process: None,
                expected: "the object is made before the fork".to_owned(),
                observed: e,
            }),
            Err(SetupError::Harness(e)) => Verdict::HarnessError(e),
        },
    }
}

/// A verdict in the light of the deviations the implementation declares: a declared
/// failure is a [`Verdict::Deviation`], and a declared failure that did not happen is a
/// failure of the declaration.
fn declared(verdict: Verdict, scenario: &Scenario, deviations: &[Deviation]) -> Verdict {
    let Some(deviation) = deviations.iter().find(|d| d.scenario == scenario.id) else {
        return verdict;
    };
    match verdict {
        Verdict::Fail(failure) => Verdict::Deviation {
            reason: deviation.reason.to_owned(),
            failure,
        },
        Verdict::Pass => Verdict::Fail(Failure {
            step: None,
            process: None,
            expected: format!("the declared deviation: {}", deviation.reason),
            observed: "the scenario passed".to_owned(),
        }),
        other => other,
    }
}

fn applicability<F: Family>(s: &Scenario, family: &F, profile: &PlatformProfile) -> Option<String> {
    if let Err(reason) = family.provides(s.mechanism) {
        return Some(reason);
    }
    if let Some(reason) = exec_skip_reason(family.actor_start(), family.name(), s) {
        return Some(reason);
    }
    let required = required_capabilities(s);
    if let Some(reason) =
        missing_capability(family.name(), family.capabilities(s.mechanism), &required)
    {
        return Some(reason);
    }
    skip_reason(s, profile).or_else(|| {
        s.processes
            .iter()
            .any(|p| p.host.is_some())
            .then(hosts::unavailable)
            .flatten()
    })
}

/// Per actor, as the driver tracks it.
pub(super) struct ActorState {
    pub(super) pid: Pid,
    pub(super) control: UnixStream,
    /// The step whose action is running and not yet judged complete.
    pub(super) pending: Option<usize>,
    /// Set once the process is gone, with how it went.
    pub(super) gone: Option<Observed>,
    /// Set once it has run `exec`: it is alive but no actor any more.
    pub(super) execed: bool,
}

impl ActorState {
    /// Whether it still answers commands: not stuck in a call, not replaced by exec.
    fn answers(&self) -> bool {
        self.pending.is_none() && !self.execed
    }
}

pub(super) struct Run<'a> {
    pub(super) scenario: &'a Scenario,
    pub(super) opts: &'a RunOptions,
    pub(super) log: SharedLog,
    pub(super) events: Vec<Event>,
    pub(super) actors: Vec<ActorState>,
    pub(super) pgid: Pid,
    pub(super) start_ns: u64,
    /// The step being played (the last one, once all have passed).
    pub(super) current_step: usize,
    pub(super) blocking: Vec<BlockingVerdict>,
    pub(super) _dir: Option<PrivateDir>,
    /// The network namespaces of a scenario across hosts, removed when the run ends.
    pub(super) _hosts: Option<Hosts>,
    /// The driver's children before the first actor was forked: none of the run's.
    pub(super) children_before: Vec<Pid>,
    /// The IPv4 addresses the kernel gave the scenario's names so far: a receive that
    /// was blocked when its sender's name was bound names it by its address, which the
    /// driver turns back into the name.
    pub(super) ports: BTreeMap<SocketAddrV4, String>,
}

impl Run<'_> {
    pub(super) fn fail(
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

    /// Record a process that died during its call.
    pub(super) fn settle(&mut self, p: ProcessIndex, obs: &Observed) {
        if matches!(obs, Observed::Killed(_) | Observed::Exited(_)) {
            self.gone(p, obs.clone());
        }
    }

    /// Mark a process gone, in the timeline at the step being played.
    pub(super) fn gone(&mut self, p: ProcessIndex, how: Observed) {
        self.note(p, self.current_step, EventKind::Gone, &describe_gone(&how));
        self.actors[p.0].gone = Some(how);
    }

    pub(super) fn note(&mut self, p: ProcessIndex, step: usize, kind: EventKind, text: &str) {
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
    pub(super) fn reap(&mut self, p: ProcessIndex) {
        let how = Waiter::reap(self.actors[p.0].pid);
        self.gone(p, how);
    }

    pub(super) fn waiter(&mut self, p: ProcessIndex) -> Waiter<'_> {
        let exec_expected = self.actors[p.0].pending.is_some_and(|step| {
            self.scenario.steps[step]
                .actions
                .contains(&(p, Action::Exec))
        });
        Waiter {
            actor: p.0,
            pid: self.actors[p.0].pid,
            control: &mut self.actors[p.0].control,
            log: &mut self.log,
            events: &mut self.events,
            oracle: self.opts.oracle,
            exec_expected,
        }
    }

    /// Release what is left: kill calls still blocked, tell the others to finish and
    /// report leaks, reap everyone, and look for processes that outlived the actors.
    pub(super) fn finish(&mut self, report: &mut ScenarioReport) {
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
            if !actor.answers() || Command::Finish.send(&mut actor.control).is_err() {
                let _ = nix::sys::signal::kill(actor.pid, nix::sys::signal::Signal::SIGKILL);
            }
        }
        for &i in &live {
            if self.actors[i].answers() {
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
        let actors: Vec<Pid> = self.actors.iter().map(|a| a.pid).collect();
        let strays = kill_strays(&self.children_before, &actors, self.pgid);
        if strays.left_group > 0 {
            report.findings.push(format!(
                "{} process(es) of the scenario left its process group and outlived its actors",
                strays.left_group
            ));
        }
        if self.log.overflowed() {
            report.findings.push(format!(
                "the event log overflowed its {LOG_SLOTS} slots; the timeline is cut"
            ));
        }
        self.events.extend(self.log.take_new());
    }

    pub(super) fn timeline(&self) -> Vec<TimelineEntry> {
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

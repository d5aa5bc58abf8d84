//! What set-up hands the play and the finish: the forked actors, the driver's control
//! channel to each, and the event log every process appends to; with the few operations
//! both phases make on them (a note in the log, a process gone, a wait on one actor).

use std::os::unix::net::UnixStream;

use nix::sys::wait::waitpid;
use nix::unistd::Pid;

use super::clock::now_ns;
use super::event_log::{CallKind, Event, EventKind, SharedLog};
use super::leaks::Baseline;
use super::options::BlockingOracle;
use super::wait::Waiter;
use crate::judge::Observed;
use crate::platform::PlatformProfile;
use crate::scenario::{Action, ProcessIndex, Scenario};

/// The running scenario's processes and the driver's ends of their channels.
pub(super) struct Stage<'a> {
    /// The scenario being run.
    pub(super) scenario: &'a Scenario,
    /// One per process of the scenario, in its order.
    pub(super) actors: Vec<ActorState>,
    /// The event log every process appends to.
    pub(super) log: SharedLog,
    /// The records read from the log so far, in order.
    pub(super) events: Vec<Event>,
    /// The scenario's process group: the first actor's pid.
    pub(super) pgid: Pid,
    /// When set-up began: time zero of the timeline.
    pub(super) start_ns: u64,
    /// The profile of this run: the options', with what set-up read from the object
    /// (its pipe's capacity), which the actors inherited too.
    pub(super) profile: &'static PlatformProfile,
    /// What set-up read from the object, or took as given, each naming its source.
    pub(super) measurements: Vec<String>,
    /// The descriptor tables the leak check compares the actors' ends with.
    pub(super) leak_baseline: Baseline,
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
    pub(super) fn answers(&self) -> bool {
        self.pending.is_none() && !self.execed
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

impl Stage<'_> {
    /// Mark a process gone, in the timeline at `step`.
    pub(super) fn gone(&mut self, p: ProcessIndex, step: usize, how: Observed) {
        self.note(p, step, EventKind::Gone, &describe_gone(&how));
        self.actors[p.0].gone = Some(how);
    }

    /// A record of the driver's own in the process's lane of the timeline.
    pub(super) fn note(&mut self, p: ProcessIndex, step: usize, kind: EventKind, text: &str) {
        self.log.append(&Event {
            seq: 0,
            kind,
            actor: p.0 as u32,
            step: step as u32,
            call: CallKind::Other,
            arg: -1,
            time_ns: now_ns(),
            text: text.to_owned(),
        });
    }

    /// The process answered an `exit` (or the run is over): collect it.
    pub(super) fn reap(&mut self, p: ProcessIndex, step: usize) {
        let how = Waiter::reap(self.actors[p.0].pid);
        self.gone(p, step, how);
    }

    /// A wait on process `p`, its call's blocking decided by `oracle`.
    pub(super) fn waiter(&mut self, p: ProcessIndex, oracle: BlockingOracle) -> Waiter<'_> {
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
            oracle,
            exec_expected,
        }
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

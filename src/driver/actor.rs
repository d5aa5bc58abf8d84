//! The actor: the body of one forked process. It waits for the driver's command, marks
//! the start of the call in the event log, performs the action (through its family's
//! executor, or itself for `exec` and `exit`), marks the end, and answers with the
//! outcome.

use std::ffi::CString;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use super::clock::now_ns;
use super::control::{Command, Reply};
use super::event_log::{CallKind, Event, EventKind, SharedLog};
use super::family::{Announcement, Executor};
use super::leaks::Holding;
use crate::judge::Outcome;
use crate::scenario::*;

/// The exit status of an actor that lost its control channel (the driver is gone or
/// the implementation closed the socket): the driver then sees the hang-up.
const CONTROL_LOST: i32 = 3;

/// Everything an actor needs, borrowed from the driver's memory as it was at the fork,
/// and its family's executor.
pub(crate) struct Actor<'a, E: Executor> {
    scenario: &'a Scenario,
    index: usize,
    log: &'a SharedLog,
    control: UnixStream,
    executor: E,
}

impl<'a, E: Executor> Actor<'a, E> {
    pub(crate) fn new(
        scenario: &'a Scenario,
        index: usize,
        log: &'a SharedLog,
        control: UnixStream,
        executor: E,
    ) -> Self {
        Actor {
            scenario,
            index,
            log,
            control,
            executor,
        }
    }

    /// Serve commands until told to finish; returns the exit status for `_exit`.
    ///
    /// The actor then leaves as a process that calls `_exit` does: the kernel closes what
    /// it holds and unmaps its memory, and no destructor of the implementation runs (one
    /// may do more than an exit would, such as unlink a name). A scenario that wants a
    /// handle dropped says so with `close` or `munmap`.
    pub(crate) fn serve(mut self) -> i32 {
        let status = self.serve_commands();
        std::mem::forget(self);
        status
    }

    fn serve_commands(&mut self) -> i32 {
        // A descriptor held in reserve, given back just before the descriptors are
        // listed at the end: an implementation that used up RLIMIT_NOFILE would
        // otherwise leave none to list them with, and its leaks would go unseen. A copy
        // of standard output (on /dev/null), numbered 3 or above (F_DUPFD_CLOEXEC from 3),
        // so that descriptor 0 stays free in a process whose standard input is closed.
        let mut spare = std::io::stdout().as_fd().try_clone_to_owned().ok();
        if let Err(e) = Reply::Ready.send(&mut self.control) {
            return self.control_lost(0, &e);
        }
        let mut step = 0;
        loop {
            let command = match Command::recv(&mut self.control) {
                Ok(command) => command,
                Err(e) => return self.control_lost(step, &e),
            };
            match command {
                Command::Run(now) => {
                    step = now;
                    let action = self.action_of(step as usize);
                    let expect = self.call_expectation(step as usize);
                    let outcome = self.perform(step, &action, expect);
                    self.mark(
                        EventKind::End,
                        step,
                        CallKind::Other,
                        -1,
                        &describe(&outcome),
                    );
                    if let Err(e) = Reply::Outcome(outcome).send(&mut self.control) {
                        return self.control_lost(step, &e);
                    }
                    if action == Action::Exit {
                        return 0;
                    }
                }
                Command::Learn { name, address } => self.executor.learn(&name, address),
                Command::Finish => {
                    drop(spare.take());
                    let _ = Reply::Finished(self.holding()).send(&mut self.control);
                    return 0;
                }
            }
        }
    }

    /// The control channel failed (the driver is gone, or the implementation closed or
    /// broke the socket): say so in the event log, which the driver reads, and leave.
    fn control_lost(&self, step: u32, e: &std::io::Error) -> i32 {
        self.mark(
            EventKind::Gone,
            step,
            CallKind::Other,
            -1,
            &format!(
                "lost its control channel ({}), exits {CONTROL_LOST}",
                why(e)
            ),
        );
        // The implementation may have closed the socket's descriptor behind our back;
        // closing it again could close a descriptor it has since opened (and std aborts
        // on EBADF): `serve` forgets it with the rest, and the process leaves by _exit.
        CONTROL_LOST
    }

    fn action_of(&self, step: usize) -> Action {
        self.scenario.steps[step]
            .actions
            .iter()
            .find(|(p, _)| p.0 == self.index)
            .map(|(_, a)| a.clone())
            .expect("the driver only runs steps this actor acts in")
    }

    /// What the call this actor starts at `step` must return: the step's expectation,
    /// or, when the step says the call blocks, that of the later step where it
    /// completes. The executor needs the count the call must return (a receive on a
    /// stream gathers up to it), which a blocked call learns only from its completion.
    fn call_expectation(&self, step: usize) -> &'a Expectation {
        let scenario = self.scenario;
        let me = ProcessIndex(self.index);
        let here = scenario.steps[step].expectation_of(me);
        if *here != Expectation::Blocks {
            return here;
        }
        scenario.steps[step + 1..]
            .iter()
            .find(|s| {
                s.actions
                    .iter()
                    .any(|(p, a)| p.0 == self.index && *a == Action::Await)
            })
            .map_or(here, |s| s.expectation_of(me))
    }

    fn mark(&self, kind: EventKind, step: u32, call: CallKind, arg: i64, text: &str) {
        self.log.append(&Event {
            seq: 0,
            kind,
            actor: self.index as u32,
            step,
            call,
            arg,
            time_ns: now_ns(),
            text: text.to_owned(),
        });
    }

    /// Start marker, then the call(s).
    fn perform(&mut self, step: u32, action: &Action, expect: &Expectation) -> Outcome {
        let start = match action {
            // The process itself acts, whatever the family: no object is involved.
            Action::Exec | Action::Exit => Announcement {
                call: CallKind::Other,
                arg: -1,
                text: action.name().to_owned(),
            },
            _ => self.executor.announce(action),
        };
        self.mark(EventKind::Start, step, start.call, start.arg, &start.text);
        match action {
            Action::Exec => exec(),
            Action::Exit => Outcome::Done,
            _ => match self.executor.perform(action, expect) {
                // A capability the implementation lacks: the driver skips the scenario.
                Outcome::Error(Errno::UNSUPPORTED) => Outcome::Unsupported(format!(
                    "the implementation has no way to make this call: {}",
                    start.text
                )),
                outcome => outcome,
            },
        }
    }

    /// What this process holds, for the driver's leak check: its handles, their
    /// descriptors when the implementation exposes them, and its own listing of the
    /// descriptors open beyond those, stdio, the control socket and an event loop's own
    /// (each a leak, of the IUT or of ours), which the driver falls back on when it
    /// cannot read the kernel's table.
    fn holding(&self) -> Holding {
        let held = self.executor.held_fds();
        let listed = match &held {
            None => Err("its handles expose no descriptor".to_owned()),
            Some(held) => super::fds::list_fds()
                .map(|open| {
                    let mut expected: Vec<RawFd> = vec![0, 1, 2, self.control.as_raw_fd()];
                    expected.extend(held);
                    open.into_iter()
                        .filter(|&fd| {
                            !expected.contains(&fd) && !super::fds::is_event_machinery(fd)
                        })
                        .map(|fd| format!("fd {fd} -> {}", super::fds::describe(fd)))
                        .collect()
                })
                .map_err(|e| format!("it could not list its own descriptors ({e})")),
        };
        Holding {
            handles: self.executor.handles() as u32,
            fds: held,
            listed,
        }
    }
}

/// An I/O error in few words (the event log keeps 64 bytes of text): its errno's name.
fn why(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(n) => Errno(n).to_string(),
        None => format!("{:?}", e.kind()),
    }
}

/// Replace the process with [`Action::EXEC_PROGRAM`]; returns only when that fails.
fn exec() -> Outcome {
    // The control socket is close-on-exec: the driver sees it close when execv
    // succeeds, and gets this error when it does not.
    let [path, args @ ..] = Action::EXEC_PROGRAM.map(|a| CString::new(a).expect("no NUL"));
    let failed = nix::unistd::execv(&path, &args).unwrap_err();
    Outcome::Error(failed.into())
}

/// A short text for the timeline.
pub(crate) fn describe(o: &Outcome) -> String {
    match o {
        Outcome::Bytes(b) if b.is_empty() => "end of file".to_owned(),
        Outcome::Bytes(b) => format!("{} bytes", b.len()),
        Outcome::Count(n) => format!("returned {n}"),
        Outcome::Done => "ok".to_owned(),
        Outcome::Error(e) => format!("failed: {e}"),
        Outcome::Unsupported(why) => format!("unsupported: {why}"),
        Outcome::NoSuchEnd(end) => format!("no call: holds no {end}"),
        Outcome::NoSuchHandle(handle) => format!("no call: holds no `{handle}`"),
        Outcome::Message {
            data, truncated, ..
        } if *truncated => format!("{} bytes, MSG_TRUNC", data.len()),
        Outcome::Message { data, .. } if data.is_empty() => "end of file".to_owned(),
        Outcome::Message { data, .. } => format!("{} bytes", data.len()),
        Outcome::Bound(address) => format!("bound to {address}"),
    }
}

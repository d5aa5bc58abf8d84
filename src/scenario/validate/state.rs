//! What the walk over the steps follows for each process: where it is in its life (gone
//! after `exit` or a death its expectation makes certain), whether a signal it catches
//! may have interrupted its blocked call, and the descriptors it holds with the roles
//! each serves.

use crate::scenario::errno::{Errno, SignalName};
use crate::scenario::model::*;

/// Where a process is in its life, for what it may still do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Life {
    /// An actor: it performs actions.
    Acting,
    /// It ran `exec`: only `kill` reaches it.
    Execed,
    /// It is gone.
    Exited,
    /// It is killed by a signal in this step, on every platform the scenario runs on.
    Killed(StepIndex),
}

/// The signals that kill the process when every outcome `expect` allows is death by a
/// signal: on each platform it states (a platform it leaves out skips the scenario
/// there) and in each option of an `any_of`. `None` when the process may live on.
pub(super) fn certain_death(expect: &Expectation) -> Option<Vec<SignalName>> {
    let all = |options: Vec<&Expectation>| -> Option<Vec<SignalName>> {
        let mut signals = Vec::new();
        for e in options {
            for signal in certain_death(e)? {
                if !signals.contains(&signal) {
                    signals.push(signal);
                }
            }
        }
        (!signals.is_empty()).then_some(signals)
    };
    match expect {
        Expectation::Signal(signal) => Some(vec![*signal]),
        Expectation::AnyOf(options) => all(options.iter().collect()),
        Expectation::Platform(p) => all([&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .map(|e| &**e)
            .collect()),
        _ => None,
    }
}

/// Whether `expect` allows the call to fail with `errno`, as any outcome on any platform.
pub(super) fn allows_error(expect: &Expectation, errno: Errno) -> bool {
    match expect {
        Expectation::Error(e) => *e == errno,
        Expectation::AnyOf(options) => options.iter().any(|e| allows_error(e, errno)),
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .any(|e| allows_error(e, errno)),
        _ => false,
    }
}

/// EINTR is what a blocked call returns when a signal its process catches interrupts it,
/// and a process here receives signals only from `kill`: so EINTR can only be the outcome
/// of `completes`, for a call during which the process was sent a signal of its
/// `handles`. `interrupted` says whether it was.
pub(super) fn check_eintr(
    process: &Process,
    action: &Action,
    interrupted: bool,
) -> Result<(), String> {
    let name = &process.name;
    let Some(caught) = process.handles.first() else {
        return Err(format!(
            "process `{name}` catches no signal (it has no `handles`), so no call of its can fail with EINTR; a blocked call fails so when a signal the process handles (handles = [\"SIGUSR1\"]) is sent to it with `kill`"
        ));
    };
    match (action, interrupted) {
        (Action::Await, true) => Ok(()),
        _ => Err(format!(
            "EINTR needs a signal that process `{name}` catches sent to it while the call blocks, and none was; expected a step where the call blocks, then {name} = {{ kill = \"{caught}\" }}, then {name} = \"completes\""
        )),
    }
}

/// What one descriptor a process holds serves: reads, writes (an O_RDWR FIFO both), or
/// the scenario's named object.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct Roles {
    read: bool,
    write: bool,
    object: bool,
}

impl Roles {
    pub(super) fn of(end: End) -> Roles {
        Roles {
            read: end == End::Read,
            write: end == End::Write,
            object: end == End::Object,
        }
    }

    fn serves(self, end: End) -> bool {
        match end {
            End::Read => self.read,
            End::Write => self.write,
            End::Object => self.object,
        }
    }
}

/// The first descriptor that serves `end`, as the actor picks it.
pub(super) fn serves(held: &[Roles], end: End) -> Option<usize> {
    held.iter().position(|h| h.serves(end))
}

pub(super) fn no_such_end(name: &ProcessName, end: End, held: &[Roles]) -> String {
    let holds: Vec<&str> = held
        .iter()
        .map(|h| match (h.read, h.write) {
            _ if h.object => "the object descriptor",
            (true, true) => "a read-write descriptor",
            (true, false) => "a read end",
            _ => "a write end",
        })
        .collect();
    let holds = if holds.is_empty() {
        "nothing".to_owned()
    } else {
        holds.join(", ")
    };
    format!(
        "process `{name}` holds no {end} here (it holds {holds}); ends come from `keeps` or from an `open` (or `shm_open`) that succeeds; to call on another end use `read_on` / `write_on`"
    )
}

/// Follow what an action that completed does to the ends a process holds.
/// `object_files`: `open` opens the scenario's object (a file to map), not a FIFO end.
pub(super) fn track_ends(
    held: &mut Vec<Roles>,
    action: &Action,
    expect: &Expectation,
    object_files: bool,
) {
    match action {
        // The actor lets go of the end whatever close() answers.
        Action::Close(end) => {
            if let Some(i) = serves(held, *end) {
                held.remove(i);
            }
        }
        Action::Open { .. } if may_succeed(expect) && object_files => {
            held.push(Roles::of(End::Object))
        }
        Action::Open { mode, .. } if may_succeed(expect) => held.push(Roles {
            read: *mode != AccessMode::WriteOnly,
            write: *mode != AccessMode::ReadOnly,
            object: false,
        }),
        Action::ShmOpen { .. } if may_succeed(expect) => held.push(Roles::of(End::Object)),
        Action::Dup(end) if may_succeed(expect) => {
            if let Some(i) = serves(held, *end) {
                held.push(held[i]);
            }
        }
        Action::Exit => held.clear(),
        _ => {}
    }
}

/// Whether an expectation allows the call to succeed.
pub(super) fn may_succeed(expect: &Expectation) -> bool {
    match expect {
        Expectation::Blocks | Expectation::Error(_) | Expectation::Signal(_) => false,
        Expectation::AnyOf(options) => options.iter().any(may_succeed),
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .any(|e| may_succeed(e)),
        _ => true,
    }
}

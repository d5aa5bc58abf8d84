//! Which cells of the grid ([`super::axes`]) one call of a catalogue scenario fills:
//! its arguments and flags as the file gives them, and the state of the object it meets
//! as the reference model gives it ([`CallState`]), never a guess from the file. Sizes
//! are read by the Linux profile, whose numbers the models follow. One file per group
//! of calls: `pipes.rs` (pipes and FIFOs), `sockets.rs`, `regions.rs`, `semaphores.rs`.

mod pipes;
mod regions;
mod semaphores;
mod sockets;

use super::axes::{CLEAR, SET};
use super::Group;
use crate::model::{CallState, Queue};
use crate::platform::{PlatformProfile, Size};
use crate::scenario::{AccessMode, Action, Expectation, FdFlag, OpenFlag, PollEvent, Scenario};

/// One filled cell: the axis and its class (the call is the action's name).
pub(super) type Hit = (&'static str, &'static str);

/// The profile sizes are read by.
const PROFILE: PlatformProfile = PlatformProfile::LINUX;

fn bytes(size: Size) -> Option<u64> {
    PROFILE.resolve(size).ok()
}

fn flag(name: &'static str, on: bool) -> Hit {
    (name, if on { SET } else { CLEAR })
}

/// The cells the pipe a `pipe` scenario makes before the fork fills.
pub(super) fn setup_hits(scenario: &Scenario) -> Vec<Hit> {
    let has = |f| scenario.create_flags.contains(&f);
    vec![
        flag("O_NONBLOCK", has(OpenFlag::NonBlock)),
        flag("O_CLOEXEC", has(OpenFlag::CloExec)),
    ]
}

/// The cells `action` fills, meeting `state` (`None`: the model cannot say), in
/// `scenario`, its step expecting `expect`.
pub(super) fn hits(
    scenario: &Scenario,
    action: &Action,
    state: Option<&CallState>,
    expect: &Expectation,
) -> Vec<Hit> {
    match action {
        Action::Socket(call) => sockets::hits(scenario, call, state, expect),
        _ if Group::of(scenario.mechanism) == Group::SharedMemory => {
            regions::hits(scenario, action, state)
        }
        _ if Group::of(scenario.mechanism) == Group::Semaphores => semaphores::hits(action),
        _ => pipes::hits(action, state),
    }
}

/// Empty, partly full or full; a queue whose fullness the model does not say is partly
/// full when not empty (the classes of a full one are not derivable).
fn queue_class(queue: &Queue) -> &'static str {
    match (queue.empty, queue.full) {
        (true, _) => "empty",
        (false, Some(true)) => "full",
        (false, _) => "partly full",
    }
}

/// An open's access mode, as `open()` spells it.
fn access_mode(mode: AccessMode) -> &'static str {
    match mode {
        AccessMode::ReadOnly => "O_RDONLY",
        AccessMode::WriteOnly => "O_WRONLY",
        AccessMode::ReadWrite => "O_RDWR",
    }
}

fn fd_flag(flag: FdFlag) -> &'static str {
    match flag {
        FdFlag::NonBlock => "O_NONBLOCK",
        FdFlag::CloExec => "FD_CLOEXEC",
    }
}

fn poll_event(event: PollEvent) -> &'static str {
    match event {
        PollEvent::In => "POLLIN",
        PollEvent::Out => "POLLOUT",
    }
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::empty(0, Some(false), "empty")]
    #[case::partly(3, Some(false), "partly full")]
    #[case::full(65536, Some(true), "full")]
    #[case::fullness_unknown(3, None, "partly full")]
    fn queues_fall_in_their_class(
        #[case] len: u64,
        #[case] full: Option<bool>,
        #[case] class: &str,
    ) {
        let queue = Queue {
            len,
            empty: len == 0,
            full,
        };
        assert_eq!(queue_class(&queue), class);
    }
}

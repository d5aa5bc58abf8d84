//! What the driver needs of a mechanism family, split where the fork splits it: the
//! [`Family`] works in the driver around the fork, the [`Executor`] in one actor after it.
//! Everything else (control channels, event log, lockstep, blocking oracle, watchdog,
//! leak check) is the same for every family.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};
use std::path::Path;

use super::error::{FailedBeforeFork, SetupError, SkipReason};
use super::event_log::CallKind;
use crate::judge::Outcome;
use crate::mechanism::{ActorStart, Capability, Describe, Deviation};
use crate::platform::{PlatformProfile, SocketBuffers};
use crate::scenario::{Action, Errno, Expectation, Mechanism, Process, Scenario};

/// The socket buffers set-up read: the implementation's, and the platform's default for
/// sockets of the same kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BufferReading {
    /// Read back from a socket the implementation made.
    pub(crate) read: SocketBuffers,
    /// Read back from a new socket of the operating system's.
    pub(crate) default: SocketBuffers,
}

/// One mechanism family (byte streams, shared regions, …) with its implementation under
/// test, as the driver runs it.
pub(crate) trait Family {
    /// What the driver makes before the fork and the actors inherit (a pipe's two ends;
    /// for a FIFO, nothing but its path).
    type Object;
    /// One actor's state: what it holds and how it acts.
    type Executor: Executor;

    /// The implementation under test, as it describes itself.
    fn iut(&self) -> &dyn Describe;

    /// A short name of the implementation for reports.
    fn name(&self) -> &str {
        self.iut().name()
    }

    /// Whether this implementation provides the scenario's mechanism; else why not,
    /// which makes the scenario a skip.
    fn provides(&self, mechanism: Mechanism) -> Result<(), SkipReason> {
        provided(self.iut().name(), self.iut().mechanisms(), mechanism)
    }

    /// What the implementation declares it can do with `mechanism` beyond the
    /// essentials.
    fn capabilities(&self, mechanism: Mechanism) -> &[Capability] {
        self.iut().capabilities(mechanism)
    }

    /// The scenarios the implementation declares it fails on purpose.
    fn deviations(&self) -> &[Deviation] {
        self.iut().deviations()
    }

    /// Why the implementation cannot express `scenario`, if it declares so.
    fn unsupported(&self, scenario: &Scenario) -> Option<SkipReason> {
        let name = self.iut().name();
        self.iut()
            .unsupported()
            .iter()
            .find(|u| u.scenario == scenario.id)
            .map(|u| {
                SkipReason(format!(
                    "implementation `{name}` cannot express it: {}",
                    u.reason
                ))
            })
    }

    /// How the implementation's actors must be started.
    fn actor_start(&self) -> ActorStart {
        self.iut().actor_start()
    }

    /// The name an actor started by exec reaches the object by (a path, a shared memory
    /// name); `None` when processes can only inherit it.
    fn object_name(&self, object: &Self::Object) -> Option<String>;

    /// The object as an actor started by exec finds it: from its name.
    fn reopen(&self, scenario: &Scenario, name: &str) -> Self::Object;

    /// Make the object, in the driver, before any fork. `dir` is the run's private
    /// directory, present when the mechanism's objects have names.
    fn create(&self, scenario: &Scenario, dir: Option<&Path>) -> Result<Self::Object, SetupError>;

    /// In the child, after its set-up: the actor's state, taking its share of its copy
    /// of the object and letting go of the rest.
    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext<'_>,
    ) -> Self::Executor;

    /// In the driver, before any fork: the capacity of the pipe behind the object, read
    /// from it where the platform can tell (`F_GETPIPE_SZ` on Linux), or why it could
    /// not be read; `None` for a family whose objects are no pipes.
    fn pipe_capacity(&self, _object: &Self::Object) -> Option<Result<u64, String>> {
        None
    }

    /// In the driver, before any fork: the buffers of the scenario's sockets, read back
    /// from one the implementation makes (SO_SNDBUF and SO_RCVBUF), beside a new
    /// socket's of the same kind from the platform; or why they could not be read;
    /// `None` for a family whose objects are no sockets.
    fn socket_buffers(&self, _object: &Self::Object) -> Option<Result<BufferReading, String>> {
        None
    }

    /// In the driver, once every actor is forked: let go of the driver's own copy
    /// (end of file and EPIPE depend on that).
    fn release(&self, object: Self::Object);

    /// In the driver, after the run however it ended (even if set-up failed): remove
    /// what outlives the processes (a System V segment). Nothing, for most families.
    fn clean_up(&self) {}
}

/// An implementation's failure in `call` before the fork.
pub(crate) fn failed_before_fork(implementation: &str, call: &'static str, e: Errno) -> SetupError {
    SetupError::Implementation(FailedBeforeFork {
        implementation: implementation.to_owned(),
        call,
        errno: e,
    })
}

/// `Ok` when `mechanisms` (what an implementation declares) holds `mechanism`, else
/// the reason for the skip.
fn provided(
    implementation: &str,
    mechanisms: &[Mechanism],
    mechanism: Mechanism,
) -> Result<(), SkipReason> {
    if mechanisms.contains(&mechanism) {
        return Ok(());
    }
    Err(SkipReason(format!(
        "implementation `{implementation}` does not provide {mechanism}"
    )))
}

/// What an executor may need to know about its actor beyond its share of the object.
pub(crate) struct ActorContext<'a> {
    /// The actor's index in the scenario (its records carry it).
    pub(crate) index: usize,
    /// The platform profile sizes come from.
    pub(crate) profile: &'static PlatformProfile,
    /// The actor's IPv4 address: loopback, or its host's on the link between network
    /// namespaces.
    pub(crate) ip: Ipv4Addr,
    /// What the implementation declares it can do with the scenario's mechanism.
    pub(crate) capabilities: &'a [Capability],
}

impl ActorContext<'_> {
    /// Whether the implementation's handles expose their descriptors, which the leak
    /// check matches one by one.
    pub(crate) fn exposes_fds(&self) -> bool {
        self.capabilities.contains(&Capability::Descriptor)
    }
}

/// The call an action is about to make, for the start marker in the event log.
pub(crate) struct Announcement {
    /// The call family, so the blocking oracle can recognise it in the kernel.
    pub(crate) call: CallKind,
    /// The call's first argument, which the blocking oracle matches against the call
    /// the kernel shows: the descriptor it uses, a semaphore set's id, a futex word's
    /// address; -1 when there is none to match.
    pub(crate) arg: i64,
    /// The text for the timeline.
    pub(crate) text: String,
}

/// What one actor does with its share of the object.
pub(crate) trait Executor {
    /// The call `action` is about to make.
    fn announce(&self, action: &Action) -> Announcement;

    /// Perform `action`, which `expect` judges. Never [`Action::Exec`] or
    /// [`Action::Exit`] (the actor does those, whatever the family), nor
    /// [`Action::Await`] or [`Action::Kill`] (the driver does those).
    fn perform(&mut self, action: &Action, expect: &Expectation) -> Outcome;

    /// The descriptors it holds on purpose, which the leak check at the end matches
    /// one by one; `None` when the implementation does not expose its descriptors (it
    /// does not declare [`Capability::Descriptor`]): the check then counts the
    /// descriptors of the scenario's objects against [`Executor::handles`].
    fn held_fds(&self) -> Option<Vec<RawFd>>;

    /// How many handles it holds (ends, sockets, objects, mappings, attachments): the
    /// most descriptors of the scenario's objects the leak check lets it hold when they
    /// are not exposed, one per handle.
    fn handles(&self) -> usize;

    /// Another actor bound the scenario's address `name` to this IPv4 address.
    /// Nothing, for families without IPv4 addresses.
    fn learn(&mut self, _name: &str, _address: SocketAddrV4) {}
}

/// The descriptors `fds` yields, when the implementation's handles expose theirs (see
/// [`Executor::held_fds`]).
pub(crate) fn exposed_fds<'a>(
    exposed: bool,
    fds: impl Iterator<Item = BorrowedFd<'a>>,
) -> Option<Vec<RawFd>> {
    exposed.then(|| fds.map(|fd| fd.as_raw_fd()).collect())
}

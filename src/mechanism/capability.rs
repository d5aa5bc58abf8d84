//! What an implementation can do beyond making its objects and moving bytes, and what a
//! scenario needs of it. A scenario that needs something the implementation does not
//! declare is skipped, with the missing capability as the reason: never failed, and the
//! optional method behind it is never called.

use std::fmt;

use crate::scenario::{
    Action, End, Mechanism, MechanismFamily, MsgFlag, OpenFlag, Scenario, Sharing, SocketCall,
    SocketFlag, Step,
};

/// One optional ability of an implementation under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability {
    /// Non-blocking mode: `set_nonblocking`, and `O_NONBLOCK` / `SOCK_NONBLOCK` when an
    /// object is made or opened.
    NonBlocking,
    /// One call that does not block (`MSG_DONTWAIT`), whatever the socket's mode.
    DontWait,
    /// `O_CLOEXEC` / `SOCK_CLOEXEC` when an object is made, opened or accepted.
    CloseOnExec,
    /// A second handle on one open end (`dup`): of a pipe or FIFO end
    /// ([`ByteStream::dup`](super::ByteStream::dup)), or of a socket
    /// ([`Socket::dup`](super::Socket::dup)), as declared for the mechanism.
    Duplicate,
    /// Making FIFOs (`mkfifo`). An implementation that only opens them gets its FIFO
    /// made by the operating system, and scenarios that call `mkfifo` are skipped.
    MakeFifo,
    /// A descriptor behind every handle ([`ByteStream::fd`](super::ByteStream::fd) and
    /// its kin return `Some`): the driver asks the kernel about the object through it
    /// (`poll`, `FIONREAD`, descriptor flags, `fpathconf`, pipe size, `lseek`, `pread`).
    Descriptor,
    /// Passing a descriptor to another process over a socket (SCM_RIGHTS).
    DescriptorPassing,
    /// `setsockopt` / `getsockopt` of integer options.
    SocketOptions,
    /// `shutdown` of one direction or both.
    Shutdown,
    /// `send` / `recv` flags other than `MSG_DONTWAIT`: `MSG_PEEK`, `MSG_WAITALL`,
    /// `MSG_NOSIGNAL`.
    MessageFlags,
    /// Private, copy-on-write mappings (MAP_PRIVATE).
    PrivateMapping,
    /// Changing a mapping's protection (`mprotect`).
    Protection,
    /// Unmapping or detaching a region before the process exits.
    Unmap,
    /// `msync` of a mapping.
    Sync,
    /// Reading, writing and sizing a named object's bytes other than through a mapping:
    /// `pread`, `pwrite`, `ftruncate` after the first, `fstat`.
    ObjectIo,
    /// FIFO opens without O_NONBLOCK that wait for the other side, as POSIX `open()` has
    /// them. A scenario whose reader and writer open in the same step needs it: against
    /// an implementation whose opens never wait (tokio's, which open O_NONBLOCK), the
    /// result would depend on which open the scheduler ran first.
    WaitingOpen,
}

impl Capability {
    /// Every capability: what the operating system's own implementation declares.
    pub const ALL: &'static [Capability] = &[
        Capability::NonBlocking,
        Capability::DontWait,
        Capability::CloseOnExec,
        Capability::Duplicate,
        Capability::MakeFifo,
        Capability::Descriptor,
        Capability::DescriptorPassing,
        Capability::SocketOptions,
        Capability::Shutdown,
        Capability::MessageFlags,
        Capability::PrivateMapping,
        Capability::Protection,
        Capability::Unmap,
        Capability::Sync,
        Capability::ObjectIo,
        Capability::WaitingOpen,
    ];
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::NonBlocking => "non-blocking mode",
            Capability::DontWait => "MSG_DONTWAIT",
            Capability::CloseOnExec => "close-on-exec flags at creation",
            Capability::Duplicate => "dup of an end",
            Capability::MakeFifo => "mkfifo",
            Capability::Descriptor => "a descriptor behind each handle",
            Capability::DescriptorPassing => "descriptor passing (SCM_RIGHTS)",
            Capability::SocketOptions => "socket options",
            Capability::Shutdown => "shutdown of one direction",
            Capability::MessageFlags => "send and recv flags",
            Capability::PrivateMapping => "private mappings",
            Capability::Protection => "mprotect",
            Capability::Unmap => "unmapping before exit",
            Capability::Sync => "msync",
            Capability::ObjectIo => "object I/O besides the mapping",
            Capability::WaitingOpen => "FIFO opens that wait for the other side",
        })
    }
}

/// How the driver starts an implementation's actors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActorStart {
    /// `fork()`: the actor runs in a copy of the driver and inherits what was made
    /// before the fork.
    #[default]
    Fork,
    /// `fork()` then `exec()` of the running program in an actor's role, for an
    /// implementation whose handles or state do not survive a fork (Mach ports, a
    /// runtime made before it). The program must let
    /// [`serve_exec_actor`](crate::driver::serve_exec_actor) run first thing in `main`
    /// ([`harness::main`](crate::harness::main) and the command line do). Such an actor
    /// reaches objects by name only, so scenarios with related processes are skipped.
    Exec,
}

/// A declared deviation: a scenario the implementation fails on purpose, and why. The
/// report shows such a failure as a declared deviation, not as a pass; a declared
/// deviation that does not happen is a failure, so declarations stay true.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deviation {
    /// The scenario's id, `mechanism::file_stem`.
    pub scenario: &'static str,
    /// What the implementation does instead, in one line.
    pub reason: &'static str,
}

/// A scenario the implementation cannot express: it needs a call, or an order of calls,
/// the crate has no way to make (a bound socket that does not listen, where the crate
/// binds and listens in one call). It is skipped before it runs, with the reason: a
/// capability the crate lacks is not a failure. Where the missing call is one step's,
/// returning [`Errno::UNSUPPORTED`](crate::scenario::Errno::UNSUPPORTED) from it says the
/// same without a list; this is for what no single call can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unsupported {
    /// The scenario's id, `mechanism::file_stem`.
    pub scenario: &'static str,
    /// What the crate lacks, in one line.
    pub reason: &'static str,
}

/// The capabilities `scenario` needs, each once, in the order of [`Capability::ALL`].
pub fn required_capabilities(scenario: &Scenario) -> Vec<Capability> {
    let mut needs = Vec::new();
    needs.extend(scenario.create_flags.iter().filter_map(|f| open_flag(*f)));
    if scenario.mechanism.family() == MechanismFamily::SharedRegion
        && scenario.region.sharing == Sharing::Private
    {
        needs.push(Capability::PrivateMapping);
    }
    // The parent opens a FIFO's read end before any writer, which only O_NONBLOCK allows.
    if scenario.mechanism == Mechanism::Fifo
        && scenario.processes.iter().any(|p| !p.keeps.is_empty())
    {
        needs.push(Capability::NonBlocking);
    }
    if scenario.steps.iter().any(opens_wait_for_each_other) {
        needs.push(Capability::WaitingOpen);
    }
    let mut object_sized = false;
    for (_, action) in scenario.steps.iter().flat_map(|s| &s.actions) {
        // Sizing a new named object is how it comes to exist; resizing it is object I/O.
        if let Action::Ftruncate {
            end: End::Object, ..
        } = action
        {
            if !std::mem::replace(&mut object_sized, true) {
                continue;
            }
        }
        action_capabilities(action, &mut needs);
    }
    Capability::ALL
        .iter()
        .copied()
        .filter(|c| needs.contains(c))
        .collect()
}

/// Whether `step` opens more than one end without O_NONBLOCK: each open completes the
/// other's only if opens wait.
fn opens_wait_for_each_other(step: &Step) -> bool {
    let waiting = step
        .actions
        .iter()
        .filter(|(_, a)| matches!(a, Action::Open { flags, .. } if !flags.contains(&OpenFlag::NonBlock)))
        .count();
    waiting > 1
}

/// The first of `required` that `declared` lacks, as the reason for a skip.
pub fn missing_capability(
    implementation: &str,
    declared: &[Capability],
    required: &[Capability],
) -> Option<String> {
    required
        .iter()
        .find(|c| !declared.contains(c))
        .map(|c| format!("implementation `{implementation}` does not declare {c}"))
}

fn open_flag(flag: OpenFlag) -> Option<Capability> {
    match flag {
        OpenFlag::NonBlock => Some(Capability::NonBlocking),
        OpenFlag::CloExec => Some(Capability::CloseOnExec),
        OpenFlag::Creat | OpenFlag::Excl => None,
    }
}

fn socket_flag(flag: SocketFlag) -> Capability {
    match flag {
        SocketFlag::NonBlock => Capability::NonBlocking,
        SocketFlag::CloExec => Capability::CloseOnExec,
    }
}

fn message_flag(flag: MsgFlag) -> Capability {
    match flag {
        MsgFlag::DontWait => Capability::DontWait,
        MsgFlag::Peek | MsgFlag::WaitAll | MsgFlag::NoSignal => Capability::MessageFlags,
    }
}

/// Add what `action` needs to `needs` (a first `ftruncate` of a named object aside,
/// which [`required_capabilities`] knows from the actions before it).
pub fn action_capabilities(action: &Action, needs: &mut Vec<Capability>) {
    use Capability as C;
    match action {
        Action::SetNonBlocking { .. } | Action::Fill => needs.push(C::NonBlocking),
        Action::Open { flags, .. } | Action::ShmOpen { flags, .. } => {
            needs.extend(flags.iter().filter_map(|f| open_flag(*f)));
        }
        Action::Dup(_) => needs.push(C::Duplicate),
        Action::Mkfifo => needs.push(C::MakeFifo),
        Action::GetFlag { .. }
        | Action::SetCloExec(_)
        | Action::PipeBufOf(_)
        | Action::FionRead
        | Action::GetPipeSize(_)
        | Action::SetPipeSize { .. }
        | Action::Lseek(_)
        | Action::Poll { .. } => needs.push(C::Descriptor),
        // On a byte stream these reach the kernel through the descriptor; on a named
        // region they are the object's own I/O.
        Action::Pread { .. } | Action::Pwrite { .. } | Action::Ftruncate { .. } => {
            needs.push(if action.needs_end() == Some(End::Object) {
                C::ObjectIo
            } else {
                C::Descriptor
            });
        }
        Action::FstatSize(_) => needs.push(C::ObjectIo),
        Action::Mprotect(_) => needs.push(C::Protection),
        Action::Munmap | Action::Shmdt => needs.push(C::Unmap),
        Action::Msync => needs.push(C::Sync),
        Action::Socket(call) => socket_needs(call, needs),
        _ => {}
    }
}

fn socket_needs(call: &SocketCall, needs: &mut Vec<Capability>) {
    use Capability as C;
    match call {
        SocketCall::Socket { flags, .. } | SocketCall::Accept { flags, .. } => {
            needs.extend(flags.iter().map(|f| socket_flag(*f)));
        }
        SocketCall::Send { flags, .. } | SocketCall::Recv { flags, .. } => {
            needs.extend(flags.iter().map(|f| message_flag(*f)));
        }
        SocketCall::Shutdown { .. } => needs.push(C::Shutdown),
        SocketCall::SendFd { .. } | SocketCall::RecvFd { .. } => {
            needs.push(C::DescriptorPassing);
        }
        SocketCall::SetOption { .. } | SocketCall::GetOption { .. } => {
            needs.push(C::SocketOptions);
        }
        SocketCall::Dup { .. } => needs.push(C::Duplicate),
        SocketCall::SetNonBlocking { .. } | SocketCall::SendUntilFull(_) => {
            needs.push(C::NonBlocking);
        }
        SocketCall::GetFlag { .. } | SocketCall::Poll { .. } => needs.push(C::Descriptor),
        SocketCall::Pipe { .. }
        | SocketCall::Bind { .. }
        | SocketCall::Listen { .. }
        | SocketCall::Connect { .. }
        | SocketCall::Close(_) => {}
    }
}

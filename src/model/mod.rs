//! Reference semantics: the reference models (pipes and FIFOs, stream socketpairs,
//! datagram sockets (Unix and UDP), connections reached by address over Unix stream and
//! seqpacket sockets and TCP, shared regions), and the cross-check of scenarios against
//! them. The platforms' numbers and features they follow are in [`crate::platform`].

mod call_state;
mod calls;
mod connection;
mod cross_check;
mod datagram;
mod handles;
mod lock;
mod names;
mod outcome;
mod pipe;
mod pipe_buffer;
mod region;
mod room;
mod semaphore;
mod socketpair;
mod stream;

pub use call_state::{CallState, MappingState, Peer, Queue};
pub use connection::ConnectionModel;
pub use cross_check::{cross_check, CrossCheck};
pub use datagram::{DatagramModel, BYTES_BOUND, DATAGRAMS_BOUND};
pub use lock::LockModel;
pub use outcome::{Answer, ModelOutcome, Unmodelled};
pub use pipe::PipeModel;
pub use region::RegionModel;
pub use semaphore::SemaphoreModel;
pub use socketpair::SocketPairModel;
pub use stream::{QUEUE_BOUND, RECORDS_BOUND};

use calls::{Callers, SocketCalls};

use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, End, Handle, Mechanism, MechanismFamily, OpenFlag, Process, RegionSpec, Scenario,
    SocketDomain, SysvKey,
};

/// The reference model of a scenario's mechanism: a pipe or FIFO, a socketpair,
/// datagram sockets (Unix or UDP), connection-oriented sockets, or shared regions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferenceModel {
    /// A pipe or a FIFO.
    Pipe(PipeModel),
    /// A stream socketpair.
    Pair(SocketPairModel),
    /// Datagram sockets, Unix or UDP.
    Datagram(DatagramModel),
    /// Shared regions: anonymous shared memory, System V and POSIX shared memory, a
    /// mapped file.
    Region(RegionModel),
    /// Connection-oriented sockets reached by address: Unix stream and seqpacket, TCP.
    Connection(ConnectionModel),
    /// A System V semaphore set.
    Semaphore(SemaphoreModel),
    /// A process-shared mutex and condition variable.
    Lock(LockModel),
}

impl ReferenceModel {
    /// The model of `scenario`'s mechanism, as the scenario sets it up.
    pub fn new(scenario: &Scenario, profile: &PlatformProfile) -> Result<Self, Unmodelled> {
        if scenario.mechanism == Mechanism::SysvSem {
            if scenario.semaphores.key != SysvKey::Private {
                return Err(Unmodelled::Action("a set with a key".to_owned()));
            }
            return Ok(Self::Semaphore(SemaphoreModel::for_processes(
                &scenario.processes,
                &scenario.semaphores,
            )));
        }
        if scenario.mechanism == Mechanism::PsharedMutex {
            return Ok(Self::Lock(LockModel::for_processes(
                &scenario.processes,
                scenario.mutex,
            )));
        }
        if scenario.mechanism.family() == MechanismFamily::SharedRegion {
            return Self::for_regions(
                scenario.mechanism,
                &scenario.processes,
                scenario.region,
                profile,
            );
        }
        Self::for_processes(
            scenario.mechanism,
            &scenario.processes,
            &scenario.create_flags,
            profile,
        )
    }

    /// The model of `mechanism` for these processes, the object made with `flags`.
    pub fn for_processes(
        mechanism: Mechanism,
        processes: &[Process],
        flags: &[OpenFlag],
        profile: &PlatformProfile,
    ) -> Result<Self, Unmodelled> {
        match mechanism {
            Mechanism::Pipe | Mechanism::Fifo => {
                PipeModel::for_processes(mechanism, processes, flags, profile).map(Self::Pipe)
            }
            Mechanism::Socketpair => {
                SocketPairModel::for_processes(processes, profile).map(Self::Pair)
            }
            Mechanism::UnixDgram | Mechanism::Udp => {
                let domain = match mechanism {
                    Mechanism::Udp => SocketDomain::Inet,
                    _ => SocketDomain::Unix,
                };
                Ok(Self::Datagram(DatagramModel::for_processes(
                    processes, domain, profile,
                )))
            }
            Mechanism::UnixStream | Mechanism::UnixSeqpacket | Mechanism::Tcp => {
                ConnectionModel::for_processes(mechanism, processes, profile).map(Self::Connection)
            }
            other => Err(Unmodelled::Action(format!("no model of {other} yet"))),
        }
    }

    /// The model of the shared-region `mechanism` for these processes, its region made
    /// as `spec` says.
    pub fn for_regions(
        mechanism: Mechanism,
        processes: &[Process],
        spec: RegionSpec,
        profile: &PlatformProfile,
    ) -> Result<Self, Unmodelled> {
        RegionModel::for_processes(mechanism, processes, spec, profile).map(Self::Region)
    }

    /// What `action` of process `p` does; the state moves on.
    pub fn apply(&mut self, p: usize, action: &Action, profile: &PlatformProfile) -> Answer {
        match self {
            Self::Pipe(m) => m.apply(p, action, profile),
            Self::Pair(m) => m.apply(p, action, profile),
            Self::Datagram(m) => m.apply(p, action, profile),
            Self::Region(m) => m.apply(p, action, profile),
            Self::Connection(m) => m.apply(p, action, profile),
            Self::Semaphore(m) => m.apply(p, action, profile),
            Self::Lock(m) => m.apply(p, action, profile),
        }
    }

    /// How many processes there are.
    pub fn process_count(&self) -> usize {
        match self {
            Self::Pipe(m) => m.process_count(),
            Self::Pair(m) => m.process_count(),
            Self::Datagram(m) => m.process_count(),
            Self::Region(m) => m.process_count(),
            Self::Connection(m) => m.process_count(),
            Self::Semaphore(m) => m.process_count(),
            Self::Lock(m) => m.process_count(),
        }
    }

    /// Whether process `p` holds `end`: of a pair, the read end stands for `left` and
    /// the write end for `right`; sockets have handles, not ends; a region's processes
    /// hold the object descriptor only.
    pub fn holds(&self, p: usize, end: End) -> bool {
        match self {
            Self::Pipe(m) => m.holds(p, end),
            Self::Pair(m) => m.holds(p, usize::from(end == End::Write)),
            Self::Datagram(_) | Self::Connection(_) | Self::Semaphore(_) | Self::Lock(_) => false,
            Self::Region(m) => end == End::Object && m.holds_object(p),
        }
    }

    /// The descriptor process `p` received last with SCM_RIGHTS and still holds
    /// (socketpairs; the other models pass no descriptors).
    pub fn received(&self, p: usize) -> Option<Handle> {
        match self {
            Self::Pair(m) => m.received(p),
            _ => None,
        }
    }

    /// The name the next descriptor process `p` receives gets (socketpairs).
    pub fn next_received(&self, p: usize) -> Option<Handle> {
        match self {
            Self::Pair(m) => Some(m.next_received(p)),
            _ => None,
        }
    }

    /// Whether process `p` is alive and free to start a call.
    pub fn idle(&self, p: usize) -> bool {
        match self {
            Self::Pipe(m) => m.idle(p),
            Self::Pair(m) => m.idle(p),
            Self::Datagram(m) => m.idle(p),
            Self::Region(m) => m.idle(p),
            Self::Connection(m) => m.idle(p),
            Self::Semaphore(m) => m.idle(p),
            Self::Lock(m) => m.idle(p),
        }
    }

    /// Whether process `p` is blocked in a call.
    pub fn blocked(&self, p: usize) -> bool {
        match self {
            Self::Pipe(m) => m.blocked(p),
            Self::Pair(m) => m.blocked(p),
            Self::Datagram(m) => m.blocked(p),
            Self::Region(m) => m.blocked(p),
            Self::Connection(m) => m.blocked(p),
            Self::Semaphore(m) => m.blocked(p),
            Self::Lock(m) => m.blocked(p),
        }
    }

    /// Whether a call process `p` blocked in has come to its result.
    pub fn finished(&self, p: usize) -> bool {
        match self {
            Self::Pipe(m) => m.finished(p),
            Self::Pair(m) => m.finished(p),
            Self::Datagram(m) => m.finished(p),
            Self::Region(m) => m.finished(p),
            Self::Connection(m) => m.finished(p),
            Self::Semaphore(m) => m.finished(p),
            Self::Lock(m) => m.finished(p),
        }
    }
}

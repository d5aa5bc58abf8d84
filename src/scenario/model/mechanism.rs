//! The mechanisms a scenario may exercise and the families they fall into.

use std::fmt;

use super::{SocketDomain, SocketKind, SocketStyle};

/// The IPC kind a scenario exercises.
///
/// The file format rejects any other name, so that a typo is never mistaken for a skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mechanism {
    /// An anonymous pipe made by `pipe()` (or `pipe2()`) before the actors fork.
    Pipe,
    /// A named pipe made by `mkfifo()` in the run's private directory.
    Fifo,
    /// Memory mapped MAP_SHARED | MAP_ANONYMOUS before the fork and inherited.
    AnonShared,
    /// A System V shared memory segment (`shmget`), attached before the fork.
    SysvShm,
    /// A POSIX shared memory object (`shm_open`) with a name private to the run.
    PosixShm,
    /// A regular file in the run's private directory, mapped with `mmap`.
    FileMmap,
    /// `AF_UNIX` `SOCK_STREAM` sockets bound to paths in the run's private directory (or
    /// to Linux abstract names).
    UnixStream,
    /// `AF_UNIX` `SOCK_DGRAM` sockets.
    UnixDgram,
    /// `AF_UNIX` `SOCK_SEQPACKET` sockets (Linux; macOS has none).
    UnixSeqpacket,
    /// A `socketpair(AF_UNIX, SOCK_STREAM)` made before the fork, its ends named `left`
    /// and `right`.
    Socketpair,
    /// TCP on the loopback interface, ports picked by the kernel.
    Tcp,
    /// UDP on the loopback interface, ports picked by the kernel.
    Udp,
    /// A System V semaphore set (`semget`), made before the fork.
    SysvSem,
    /// A POSIX named semaphore (`sem_open`) with a name private to the run.
    PosixSem,
    /// A PTHREAD_PROCESS_SHARED mutex and condition variable in shared memory, made
    /// before the fork.
    PsharedMutex,
}

/// The mechanism families: mechanisms of one family share the actions that apply to
/// them and the implementation-under-test trait that provides them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MechanismFamily {
    /// Pipes and FIFOs: read and write ends.
    ByteStream,
    /// Memory that several processes map: loads and stores.
    SharedRegion,
    /// Sockets: descriptors and addresses named by the scenario.
    Socket,
    /// Semaphores and locks: objects that make processes wait for each other.
    Synchronization,
}

impl MechanismFamily {
    /// Every family: byte streams, shared regions, sockets, semaphores and locks.
    pub const ALL: [MechanismFamily; 4] = [
        MechanismFamily::ByteStream,
        MechanismFamily::SharedRegion,
        MechanismFamily::Socket,
        MechanismFamily::Synchronization,
    ];
}

impl fmt::Display for MechanismFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MechanismFamily::ByteStream => "byte streams",
            MechanismFamily::SharedRegion => "shared regions",
            MechanismFamily::Socket => "sockets",
            MechanismFamily::Synchronization => "semaphores and locks",
        })
    }
}

impl Mechanism {
    /// Every mechanism, in catalogue order.
    pub const ALL: [Mechanism; 15] = [
        Mechanism::Pipe,
        Mechanism::Fifo,
        Mechanism::AnonShared,
        Mechanism::SysvShm,
        Mechanism::PosixShm,
        Mechanism::FileMmap,
        Mechanism::UnixStream,
        Mechanism::UnixDgram,
        Mechanism::UnixSeqpacket,
        Mechanism::Socketpair,
        Mechanism::Tcp,
        Mechanism::Udp,
        Mechanism::SysvSem,
        Mechanism::PosixSem,
        Mechanism::PsharedMutex,
    ];

    /// The name used in scenario files and test names.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Pipe => "pipe",
            Mechanism::Fifo => "fifo",
            Mechanism::AnonShared => "anon-shared",
            Mechanism::SysvShm => "sysv-shm",
            Mechanism::PosixShm => "posix-shm",
            Mechanism::FileMmap => "file-mmap",
            Mechanism::UnixStream => "unix-stream",
            Mechanism::UnixDgram => "unix-dgram",
            Mechanism::UnixSeqpacket => "unix-seqpacket",
            Mechanism::Socketpair => "socketpair",
            Mechanism::Tcp => "tcp",
            Mechanism::Udp => "udp",
            Mechanism::SysvSem => "sysv-sem",
            Mechanism::PosixSem => "posix-sem",
            Mechanism::PsharedMutex => "pshared-mutex",
        }
    }

    /// Whether processes reach the region through an object descriptor they open (a POSIX
    /// shared memory object, a file).
    pub fn has_object(self) -> bool {
        matches!(self, Mechanism::PosixShm | Mechanism::FileMmap)
    }

    /// Whether related processes inherit a region mapped before the fork (a POSIX shared
    /// memory object is only opened and mapped by the processes themselves).
    pub fn inherits_region(self) -> bool {
        matches!(self, Mechanism::AnonShared | Mechanism::SysvShm)
    }

    /// The family it belongs to.
    pub fn family(self) -> MechanismFamily {
        match self {
            Mechanism::Pipe | Mechanism::Fifo => MechanismFamily::ByteStream,
            Mechanism::AnonShared
            | Mechanism::SysvShm
            | Mechanism::PosixShm
            | Mechanism::FileMmap => MechanismFamily::SharedRegion,
            Mechanism::UnixStream
            | Mechanism::UnixDgram
            | Mechanism::UnixSeqpacket
            | Mechanism::Socketpair
            | Mechanism::Tcp
            | Mechanism::Udp => MechanismFamily::Socket,
            Mechanism::SysvSem | Mechanism::PosixSem | Mechanism::PsharedMutex => {
                MechanismFamily::Synchronization
            }
        }
    }

    /// The domain and type of the sockets a socket mechanism's `socket` makes.
    pub fn socket_kind(self) -> Option<SocketKind> {
        let (domain, style) = match self {
            Mechanism::UnixStream | Mechanism::Socketpair => {
                (SocketDomain::Unix, SocketStyle::Stream)
            }
            Mechanism::UnixDgram => (SocketDomain::Unix, SocketStyle::Datagram),
            Mechanism::UnixSeqpacket => (SocketDomain::Unix, SocketStyle::SeqPacket),
            Mechanism::Tcp => (SocketDomain::Inet, SocketStyle::Stream),
            Mechanism::Udp => (SocketDomain::Inet, SocketStyle::Datagram),
            _ => return None,
        };
        Some(SocketKind { domain, style })
    }

    /// Whether the mechanism's objects have names in the file system, which then live in
    /// the run's private directory.
    pub fn needs_private_dir(self) -> bool {
        match self {
            Mechanism::Pipe
            | Mechanism::AnonShared
            | Mechanism::SysvShm
            | Mechanism::PosixShm
            | Mechanism::Tcp
            | Mechanism::Udp
            | Mechanism::SysvSem
            | Mechanism::PosixSem
            | Mechanism::PsharedMutex => false,
            // Unix sockets bind to paths; abstract names are made from the directory's.
            Mechanism::Fifo
            | Mechanism::FileMmap
            | Mechanism::UnixStream
            | Mechanism::UnixDgram
            | Mechanism::UnixSeqpacket
            | Mechanism::Socketpair => true,
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

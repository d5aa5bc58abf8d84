//! The platform features a scenario may need.

/// A platform feature a scenario needs; missing ones make it a skip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// `pipe2()` with flags.
    Pipe2,
    /// `F_GETPIPE_SZ` / `F_SETPIPE_SZ`.
    PipeSize,
    /// `SOCK_SEQPACKET` in the `AF_UNIX` domain.
    SeqPacket,
    /// Abstract `AF_UNIX` names (a leading NUL byte), outside the file system.
    AbstractSockets,
    /// The `MSG_NOSIGNAL` flag of `send()`.
    MsgNoSignal,
    /// The `SO_NOSIGPIPE` socket option.
    SoNoSigPipe,
    /// `SOCK_NONBLOCK` and `SOCK_CLOEXEC` in the type of `socket()`.
    SocketTypeFlags,
    /// `accept4()`, which takes `SOCK_NONBLOCK` and `SOCK_CLOEXEC`.
    Accept4,
    /// Network namespaces joined by a veth pair, for processes on different hosts.
    NetNamespaces,
    /// Pipes and FIFOs at the platform's default capacity: what a scenario whose rule
    /// is that default needs. A run whose object's capacity (read from it, or declared
    /// by the implementation) is another lacks it, and such a scenario is a skip.
    DefaultPipeCapacity,
    /// Sockets at the platform's default buffer sizes (SO_SNDBUF and SO_RCVBUF as a new
    /// socket of the kind has them): what a scenario whose rule is a count those
    /// defaults decide needs (how many datagrams a receiver queues). A run whose sockets
    /// read back other sizes lacks it, and such a scenario is a skip.
    DefaultSocketBuffers,
    /// Unix datagram receive queues at the platform's default length limit: Linux's
    /// `net.unix.max_dgram_qlen` at 10, as read from `/proc`; macOS has no such count.
    /// What a scenario whose rule is how many datagrams a receiver queues needs.
    DefaultDgramQlen,
    /// `semtimedop()`: a System V semaphore wait with a time-out.
    Semtimedop,
    /// `sem_timedwait()`: a POSIX semaphore wait with a time-out.
    SemTimedwait,
    /// `sem_getvalue()` that reads a POSIX semaphore's value.
    SemGetvalue,
    /// `sem_init()` of a process-shared unnamed POSIX semaphore.
    SemInit,
    /// Robust process-shared mutexes: `pthread_mutexattr_setrobust()`,
    /// `pthread_mutex_consistent()`, EOWNERDEAD to the next locker after the owner died.
    RobustMutex,
    /// A process-shared condition variable whose concurrent waiters reach its mutex at
    /// different addresses (each process maps the memory where it likes).
    CondAnyAddress,
}

impl Feature {
    /// The spelling used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Feature::Pipe2 => "pipe2",
            Feature::PipeSize => "F_SETPIPE_SZ",
            Feature::SeqPacket => "SOCK_SEQPACKET",
            Feature::AbstractSockets => "abstract-sockets",
            Feature::MsgNoSignal => "MSG_NOSIGNAL",
            Feature::SoNoSigPipe => "SO_NOSIGPIPE",
            Feature::SocketTypeFlags => "SOCK_NONBLOCK",
            Feature::NetNamespaces => "network-namespaces",
            Feature::Accept4 => "accept4",
            Feature::DefaultPipeCapacity => "default-pipe-capacity",
            Feature::DefaultSocketBuffers => "default-socket-buffers",
            Feature::DefaultDgramQlen => "default-dgram-qlen",
            Feature::Semtimedop => "semtimedop",
            Feature::SemTimedwait => "sem_timedwait",
            Feature::SemGetvalue => "sem_getvalue",
            Feature::SemInit => "sem_init",
            Feature::RobustMutex => "robust-mutexes",
            Feature::CondAnyAddress => "pshared-cond-any-address",
        }
    }
}

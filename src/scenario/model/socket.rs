//! Sockets in a scenario: descriptors and addresses named by the file, and the calls a
//! process makes on them.
//!
//! A socket process holds several descriptors at once (a listener and one connection per
//! client), so, unlike a pipe's ends, they are named by the scenario (`as = "conn"`).
//! Addresses are names too: the driver turns each into a path in the run's private
//! directory, a Linux abstract name carrying the run's identity, or a loopback port the
//! kernel picks, so a scenario never names anything outside its run.

use std::fmt;

use super::{FdFlag, Payload, PollEvent};
use crate::platform::Size;

/// A descriptor a socket process holds, named by the scenario.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Handle(pub String);

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Handle {
    /// The two ends of the socketpair a `socketpair` scenario makes before the fork.
    pub const PAIR: [&'static str; 2] = ["left", "right"];

    /// End `i` of a socketpair (0 `left`, 1 `right`).
    pub fn pair(i: usize) -> Handle {
        Handle(Self::PAIR[i].to_owned())
    }
}

/// An address named by the scenario, written `"srv"` (a path, or a loopback port) or
/// `"@srv"` (a Linux abstract name).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    /// The name, without the `@`.
    pub name: String,
    /// Whether it lives in Linux's abstract namespace rather than the file system.
    pub abstract_name: bool,
}

/// A listening socket the parent makes through the implementation before the fork
/// (`[listener]`): `socket()`, `bind()` to `at` and `listen()`; every related process
/// inherits it as `handle`, an unrelated one reaches it by its address alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParentListener {
    /// The handle related processes hold it by.
    pub handle: Handle,
    /// The address it is bound to.
    pub at: Address,
    /// Its `listen()` backlog.
    pub backlog: u32,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.abstract_name {
            f.write_str("@")?;
        }
        f.write_str(&self.name)
    }
}

/// The domain and type of a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketKind {
    /// Where its addresses live.
    pub domain: SocketDomain,
    /// How it carries data.
    pub style: SocketStyle,
}

/// Where a socket's addresses live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketDomain {
    /// `AF_UNIX`: paths (or abstract names) on this host.
    Unix,
    /// `AF_INET` on the loopback interface.
    Inet,
}

/// How a socket carries data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketStyle {
    /// `SOCK_STREAM`: a connected byte stream, no boundaries.
    Stream,
    /// `SOCK_DGRAM`: datagrams, boundaries kept, no connection needed.
    Datagram,
    /// `SOCK_SEQPACKET`: a connection that keeps record boundaries.
    SeqPacket,
}

impl SocketStyle {
    /// Whether sockets of this style connect (listen, accept, end of file).
    pub fn connected(self) -> bool {
        self != SocketStyle::Datagram
    }
}

/// Flags of one `send` or `recv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgFlag {
    /// `MSG_DONTWAIT`: this call does not block.
    DontWait,
    /// `MSG_PEEK`: the data stays queued.
    Peek,
    /// `MSG_WAITALL`: a stream recv waits for the full count.
    WaitAll,
    /// `MSG_NOSIGNAL`: EPIPE without SIGPIPE.
    NoSignal,
}

/// The socket options a scenario may set or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockOpt {
    /// `SO_RCVBUF`.
    RcvBuf,
    /// `SO_SNDBUF`.
    SndBuf,
    /// `SO_NOSIGPIPE` (macOS): EPIPE without SIGPIPE on every send.
    NoSigPipe,
    /// `SO_ERROR`: read and clear the pending error (read only).
    Error,
    /// `SO_TYPE`: the socket's type (read only).
    Type,
}

/// A flag `socket()` or `accept4()` takes in the type or flags argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketFlag {
    /// `SOCK_NONBLOCK`: the new descriptor's file is non-blocking.
    NonBlock,
    /// `SOCK_CLOEXEC`: the new descriptor has FD_CLOEXEC.
    CloExec,
}

/// Which direction `shutdown()` closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownHow {
    /// `SHUT_RD`.
    Read,
    /// `SHUT_WR`.
    Write,
    /// `SHUT_RDWR`.
    Both,
}

/// What `recv` must have received: the bytes, whether the datagram was cut short, and
/// who sent it. Each part left out is not checked.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageCheck {
    /// The bytes.
    pub data: Option<Payload>,
    /// Whether `MSG_TRUNC` came back in `msg_flags`.
    pub truncated: Option<bool>,
    /// The sender's address; `None` inside means an unnamed sender.
    pub from: Option<Option<Address>>,
}

/// One call a process makes on sockets (and on the plain descriptors it may pass).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SocketCall {
    /// `socket()` of the scenario's domain and type; the descriptor becomes `name`.
    Socket {
        /// The new handle.
        name: Handle,
        /// `SOCK_NONBLOCK`, `SOCK_CLOEXEC` in the type (Linux).
        flags: Vec<SocketFlag>,
    },
    /// A `pipe()` whose ends become two handles: something to pass with SCM_RIGHTS.
    Pipe {
        /// The read end's handle.
        read: Handle,
        /// The write end's handle.
        write: Handle,
    },
    /// `bind()` to an address.
    Bind {
        /// The socket.
        on: Handle,
        /// The address.
        to: Address,
    },
    /// `listen()` with a backlog.
    Listen {
        /// The socket.
        on: Handle,
        /// The backlog.
        backlog: u32,
    },
    /// `accept()`, or `accept4()` with flags; the connection becomes `name`.
    Accept {
        /// The listening socket.
        on: Handle,
        /// The new handle.
        name: Handle,
        /// `SOCK_NONBLOCK`, `SOCK_CLOEXEC` for `accept4()` (Linux).
        flags: Vec<SocketFlag>,
    },
    /// `connect()` to an address.
    Connect {
        /// The socket.
        on: Handle,
        /// The address.
        to: Address,
    },
    /// `send()`, or `sendto()` when an address is given; `write()` on a pipe end.
    Send {
        /// The descriptor.
        on: Handle,
        /// The bytes.
        data: Payload,
        /// The destination, for `sendto()`.
        to: Option<Address>,
        /// Flags.
        flags: Vec<MsgFlag>,
    },
    /// `recvmsg()` of at most `len` bytes (the sender's address and `MSG_TRUNC` come
    /// back with the data); `read()` on a pipe end.
    Recv {
        /// The descriptor.
        on: Handle,
        /// The buffer size.
        len: Size,
        /// Flags.
        flags: Vec<MsgFlag>,
    },
    /// `shutdown()` of one direction or both.
    Shutdown {
        /// The socket.
        on: Handle,
        /// Which direction.
        how: ShutdownHow,
    },
    /// `sendmsg()` of one byte carrying the descriptor `fd` in SCM_RIGHTS.
    SendFd {
        /// The socket.
        on: Handle,
        /// The descriptor passed.
        fd: Handle,
    },
    /// `dup()`: a second descriptor, `name`, of the open socket (or received
    /// descriptor) `on`; closing one leaves the other, and the socket, open.
    Dup {
        /// The handle copied.
        on: Handle,
        /// The new handle.
        name: Handle,
    },
    /// `recvmsg()` of one byte with SCM_RIGHTS; the descriptor received becomes `name`.
    RecvFd {
        /// The socket.
        on: Handle,
        /// The new handle.
        name: Handle,
    },
    /// `setsockopt()` of an integer option.
    SetOption {
        /// The socket.
        on: Handle,
        /// Which option.
        option: SockOpt,
        /// The value.
        value: u64,
    },
    /// `getsockopt()` of an integer option: returns it.
    GetOption {
        /// The socket.
        on: Handle,
        /// Which option.
        option: SockOpt,
    },
    /// Set or clear `O_NONBLOCK` with `fcntl(F_SETFL)`.
    SetNonBlocking {
        /// The descriptor.
        on: Handle,
        /// Set (true) or clear (false).
        enable: bool,
    },
    /// Read back a descriptor flag: returns 1 when set, 0 when clear.
    GetFlag {
        /// The descriptor.
        on: Handle,
        /// Which flag.
        flag: FdFlag,
    },
    /// `poll()` for one event with a zero timeout: returns 1 when ready.
    Poll {
        /// The descriptor.
        on: Handle,
        /// Which event.
        event: PollEvent,
    },
    /// Non-blocking sends until EAGAIN: returns the bytes the socket took.
    SendUntilFull(Handle),
    /// `close()`.
    Close(Handle),
}

impl SocketCall {
    /// The name as a scenario file spells it.
    pub fn name(&self) -> &'static str {
        match self {
            SocketCall::Socket { .. } => "socket",
            SocketCall::Pipe { .. } => "pipe",
            SocketCall::Bind { .. } => "bind",
            SocketCall::Listen { .. } => "listen",
            SocketCall::Accept { .. } => "accept",
            SocketCall::Connect { .. } => "connect",
            SocketCall::Send { .. } => "send",
            SocketCall::Recv { .. } => "recv",
            SocketCall::Shutdown { .. } => "shutdown",
            SocketCall::SendFd { .. } => "send_fd",
            SocketCall::RecvFd { .. } => "recv_fd",
            SocketCall::Dup { .. } => "dup",
            SocketCall::SetOption { .. } => "setsockopt",
            SocketCall::GetOption { .. } => "getsockopt",
            SocketCall::SetNonBlocking { enable: true, .. } => "set_nonblocking",
            SocketCall::SetNonBlocking { enable: false, .. } => "clear_nonblocking",
            SocketCall::GetFlag { .. } => "get_flag",
            SocketCall::Poll { .. } => "poll",
            SocketCall::SendUntilFull(_) => "send_until_full",
            SocketCall::Close(_) => "close",
        }
    }

    /// The handle the call uses, which the process must hold (`socket` and `pipe` use
    /// none).
    pub fn uses(&self) -> Vec<&Handle> {
        match self {
            SocketCall::Socket { .. } | SocketCall::Pipe { .. } => Vec::new(),
            SocketCall::SendFd { on, fd } => vec![on, fd],
            SocketCall::Bind { on, .. }
            | SocketCall::Listen { on, .. }
            | SocketCall::Accept { on, .. }
            | SocketCall::Connect { on, .. }
            | SocketCall::Send { on, .. }
            | SocketCall::Recv { on, .. }
            | SocketCall::Shutdown { on, .. }
            | SocketCall::RecvFd { on, .. }
            | SocketCall::Dup { on, .. }
            | SocketCall::SetOption { on, .. }
            | SocketCall::GetOption { on, .. }
            | SocketCall::SetNonBlocking { on, .. }
            | SocketCall::GetFlag { on, .. }
            | SocketCall::Poll { on, .. }
            | SocketCall::SendUntilFull(on)
            | SocketCall::Close(on) => vec![on],
        }
    }

    /// The handles the call makes when it succeeds.
    pub fn makes(&self) -> Vec<&Handle> {
        match self {
            SocketCall::Socket { name, .. }
            | SocketCall::Accept { name, .. }
            | SocketCall::RecvFd { name, .. }
            | SocketCall::Dup { name, .. } => vec![name],
            SocketCall::Pipe { read, write } => vec![read, write],
            _ => Vec::new(),
        }
    }

    /// The address the call names, if any.
    pub fn address(&self) -> Option<&Address> {
        match self {
            SocketCall::Bind { to, .. } | SocketCall::Connect { to, .. } => Some(to),
            SocketCall::Send { to, .. } => to.as_ref(),
            _ => None,
        }
    }
}

//! The Rust standard library of the toolchain (Rust 1.87 or later, for `std::io::pipe`)
//! as an implementation under test.
//!
//! - Pipes: [`std::io::pipe`], whose [`PipeReader`] and [`PipeWriter`] read and write
//!   with `read(2)` / `write(2)`, duplicate with `try_clone` and show their descriptor
//!   through `AsFd`.
//! - Sockets: `std::os::unix::net::{UnixStream, UnixListener, UnixDatagram}` (paths,
//!   and Linux abstract names through `SocketAddrExt::from_abstract_name`) and
//!   `std::net::{TcpStream, TcpListener, UdpSocket}`: [`StdSocket`].
//!
//! # How the POSIX calls map onto std
//!
//! std has no bare `socket()`: each type is made by the call that gives it its role. A
//! socket is therefore a handle that records its kind (and a requested `O_NONBLOCK`)
//! until the call that really makes it:
//! - `bind()` of a stream socket is `UnixListener::bind_addr` / `TcpListener::bind`,
//!   which bind *and* listen (with std's own backlog); `listen()` then has nothing left to
//!   do. The driver asks for a TCP socket's port right after `bind()`, so the listener
//!   must exist by then;
//! - `connect()` of a stream socket is `UnixStream::connect_addr` / `TcpStream::connect`;
//! - `bind()` of a datagram socket is `UnixDatagram::bind_addr` / `UdpSocket::bind`; a
//!   datagram socket used unbound (connect, send, recv) is `UnixDatagram::unbound()` or
//!   `UdpSocket::bind("0.0.0.0:0")`, the address the kernel's autobind would pick.
//!
//! `SOCK_NONBLOCK` and `accept4(SOCK_NONBLOCK)` are the type's `set_nonblocking(true)`
//! right after it is made; `SOCK_CLOEXEC` needs nothing, as std sets close-on-exec on
//! every descriptor it makes (pipes, sockets, accepted connections, `try_clone`).
//!
//! # What it cannot do
//!
//! - FIFOs: std has no `mkfifo`, so [`Mechanism::Fifo`] is not claimed.
//! - `SOCK_SEQPACKET`: std has no such type.
//! - SCM_RIGHTS: `SocketAncillary` is unstable (`unix_socket_ancillary_data`).
//! - Non-blocking pipes: `PipeReader` and `PipeWriter` have no `set_nonblocking`.
//! - Per-call flags: std's `send`/`recv` take none. `MSG_DONTWAIT` is not declared, so
//!   scenarios that use it are skipped; `MSG_PEEK` is `TcpStream::peek` / `UdpSocket::peek_from` (the AF_UNIX
//!   `peek` is unstable, `unix_socket_peek`); `MSG_WAITALL` on a stream is `read_exact`;
//!   `MSG_NOSIGNAL` is what the streams' `write`, `UdpSocket` and `UnixDatagram::send_to`
//!   always pass (so SIGPIPE is never raised), while `UnixDatagram::send` is `write(2)`.
//! - `MSG_TRUNC`: `recv_from` does not report it, so a truncated datagram reads as a
//!   whole one.
//! - Socket options: only `SO_ERROR`, read (and cleared) by `take_error`.
//! - A socket made without close-on-exec, a bound stream socket that does not listen, a
//!   listen backlog of one's choice, a non-blocking `connect`.

mod socket;

use std::io::{self, PipeReader, PipeWriter, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

pub use self::socket::{StdHandle, StdSocket};
use super::Adapter;
use crate::mechanism::{ByteStream, Capability, Describe, Implementation, PipeEnd, Unimplemented};
use crate::report::KnownFailure;
use crate::scenario::{Errno, Mechanism, OpenFlag};

/// The standard library on the command line: `--implementation std`.
pub const ADAPTER: Adapter = Adapter::of(
    "std",
    "std::io::pipe; std::os::unix::net::{UnixStream, UnixListener, UnixDatagram}; std::net::{TcpStream, TcpListener, UdpSocket}",
    &Std,
    &[
        KnownFailure {
            scenario: "pipe::dup_clears_cloexec",
            explanation: "try_clone() duplicates with fcntl(F_DUPFD_CLOEXEC): the copy keeps FD_CLOEXEC, where dup() clears it",
        },
        KnownFailure {
            scenario: "pipe::flags_clear",
            explanation: "std::io::pipe() is pipe2(O_CLOEXEC): FD_CLOEXEC is set, where pipe() leaves it clear",
        },
        KnownFailure {
            scenario: "socketpair::send_closed_pair_sigpipe",
            explanation: "UnixStream's write sends with MSG_NOSIGNAL: EPIPE, and no SIGPIPE",
        },
        KnownFailure {
            scenario: "socketpair::socketpair_fuzz_0000000000000003",
            explanation: "UnixStream's write sends with MSG_NOSIGNAL: EPIPE, and no SIGPIPE (found by the fuzzer, seed 3)",
        },
        KnownFailure {
            scenario: "socketpair::so_type_is_stream",
            explanation: "std has no getsockopt(SO_TYPE); only SO_ERROR is readable (take_error)",
        },
        KnownFailure {
            scenario: "tcp::connect_closed_port_econnrefused",
            explanation: "a bound TCP socket exists only as TcpListener::bind, which also listens: the connect succeeds",
        },
        KnownFailure {
            scenario: "tcp::listen_backlog_full_connect_pending",
            explanation: "TcpListener::bind listens with a backlog of 128 and TcpStream::connect always blocks: no pending connect to observe",
        },
        KnownFailure {
            scenario: "tcp::msg_waitall_short_at_eof",
            explanation: "MSG_WAITALL is read_exact, which fails with UnexpectedEof (no errno) and loses the bytes it read",
        },
        KnownFailure {
            scenario: "tcp::send_after_reset_sigpipe",
            explanation: "TcpStream's write sends with MSG_NOSIGNAL: EPIPE, and no SIGPIPE",
        },
        KnownFailure {
            scenario: "tcp::so_rcvbuf_doubled_on_linux",
            explanation: "std has no setsockopt(SO_RCVBUF)",
        },
        KnownFailure {
            scenario: "udp::short_buffer_truncates",
            explanation: "UdpSocket::recv_from does not report MSG_TRUNC: a cut datagram reads as a whole one",
        },
        KnownFailure {
            scenario: "udp::so_rcvbuf_doubled_on_linux",
            explanation: "std has no setsockopt(SO_RCVBUF)",
        },
        KnownFailure {
            scenario: "udp::so_type_is_dgram",
            explanation: "std has no getsockopt(SO_TYPE); only SO_ERROR is readable (take_error)",
        },
        KnownFailure {
            scenario: "unix-stream::accept4_flags",
            explanation: "UnixListener::accept is accept4(SOCK_CLOEXEC): FD_CLOEXEC is set on every connection",
        },
        KnownFailure {
            scenario: "unix-stream::connect_backlog_full_blocks_until_accept",
            explanation: "UnixListener::bind listens with backlog -1 (the system maximum): the queue never fills, so connect never blocks",
        },
        KnownFailure {
            scenario: "unix-stream::connect_backlog_full_nonblock",
            explanation: "UnixListener::bind listens with backlog -1 (the system maximum): no EAGAIN from a full queue",
        },
        KnownFailure {
            scenario: "unix-stream::connect_bound_not_listening_econnrefused",
            explanation: "a bound Unix stream socket exists only as UnixListener::bind, which also listens: the connect succeeds",
        },
        KnownFailure {
            scenario: "unix-stream::connect_connected_socket_eisconn",
            explanation: "UnixStream::connect makes the socket and connects it in one call: a connected UnixStream has no connect(), so a second connect is a call std does not have (EOPNOTSUPP)",
        },
        KnownFailure {
            scenario: "unix-stream::msg_waitall_short_at_eof",
            explanation: "MSG_WAITALL is read_exact, which fails with UnexpectedEof (no errno) and loses the bytes it read",
        },
        KnownFailure {
            scenario: "unix-stream::send_after_shutdown_wr_sigpipe",
            explanation: "UnixStream's write sends with MSG_NOSIGNAL: EPIPE, and no SIGPIPE",
        },
        KnownFailure {
            scenario: "unix-stream::send_to_closed_peer_sigpipe",
            explanation: "UnixStream's write sends with MSG_NOSIGNAL: EPIPE, and no SIGPIPE",
        },
        KnownFailure {
            scenario: "unix-stream::so_rcvbuf_read_back",
            explanation: "std has no setsockopt(SO_RCVBUF)",
        },
    ],
);

/// The standard library: its pipes and its sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Std;

impl Implementation for Std {
    type Streams = StdPipe;
    type Regions = Unimplemented;
    type Sockets = StdSocket;

    fn name(&self) -> &str {
        "std"
    }

    fn byte_streams(&self) -> Option<&StdPipe> {
        Some(&StdPipe)
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&StdSocket> {
        Some(&StdSocket)
    }
}

/// `std::io::pipe()`.
#[derive(Clone, Copy, Debug, Default)]
pub struct StdPipe;

impl Describe for StdPipe {
    fn name(&self) -> &str {
        "std"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Pipe]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[
            Capability::CloseOnExec,
            Capability::Duplicate,
            Capability::Descriptor,
        ]
    }
}

impl ByteStream for StdPipe {
    type End = PipeEnd<PipeReader, PipeWriter>;

    /// Only `O_CLOEXEC` can be asked for here (non-blocking mode is not declared), and
    /// std's `pipe2(O_CLOEXEC)` always sets it.
    fn pipe(&self, _flags: &[OpenFlag]) -> Result<(Self::End, Self::End), Errno> {
        let (read, write) = io::pipe()?;
        Ok((PipeEnd::Read(read), PipeEnd::Write(write)))
    }

    /// A `PipeWriter` has no `read` and a `PipeReader` no `write` (std rules the calls out
    /// at compile time): `PipeEnd` reports EBADF, as POSIX does for them.
    fn read(&self, end: &Self::End, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(end.reader()?.read(buf)?)
    }

    fn write(&self, end: &Self::End, buf: &[u8]) -> Result<usize, Errno> {
        Ok(end.writer()?.write(buf)?)
    }

    fn dup(&self, end: &Self::End) -> Result<Self::End, Errno> {
        Ok(match end {
            PipeEnd::Read(r) => PipeEnd::Read(r.try_clone()?),
            PipeEnd::Write(w) => PipeEnd::Write(w.try_clone()?),
        })
    }

    fn fd<'a>(&self, end: &'a Self::End) -> Option<BorrowedFd<'a>> {
        Some(end.as_fd())
    }
}

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
use crate::mechanism::{
    ByteStream, Capability, Describe, Deviation, Implementation, PipeEnd, Unimplemented,
};
use crate::scenario::{Errno, Mechanism, OpenFlag};

/// The standard library on the command line: `--implementation std`.
pub const ADAPTER: Adapter = Adapter::of(
    "std",
    "std::io::pipe; std::os::unix::net::{UnixStream, UnixListener, UnixDatagram}; std::net::{TcpStream, TcpListener, UdpSocket}",
    &Std,
    // Every failure is std's documented design (declared) or a call std lacks (skipped).
    &[],
);

/// The standard library: its pipes and its sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Std;

impl Implementation for Std {
    type Streams = StdPipe;
    type Regions = Unimplemented;
    type Sockets = StdSocket;
    type Synchronizers = Unimplemented;

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

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
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

    fn deviations(&self) -> &[Deviation] {
        &[
            Deviation {
                scenario: "pipe::flags_clear",
                reason: "std::io::pipe() is documented as close-on-exec (pipe2(O_CLOEXEC)): \
                         FD_CLOEXEC is set, where pipe() leaves it clear",
            },
            Deviation {
                scenario: "pipe::dup_clears_cloexec",
                reason: "try_clone() keeps the close-on-exec std sets on every descriptor it \
                         makes (fcntl(F_DUPFD_CLOEXEC)), where dup() clears it",
            },
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

//! The socket family: `AF_UNIX` stream, datagram and seqpacket sockets, socketpairs, and
//! TCP and UDP on the loopback interface.

use std::net::SocketAddrV4;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::PathBuf;

use super::Describe;
use crate::scenario::{Errno, MsgFlag, ShutdownHow, SockOpt, SocketFlag, SocketKind};

/// An address as the driver resolved it for this run: always private to the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketAddress {
    /// A path in the run's private directory.
    Path(PathBuf),
    /// A Linux abstract name (the bytes after the leading NUL), carrying the run's
    /// identity.
    Abstract(Vec<u8>),
    /// An IPv4 address and port: `127.0.0.1`, or a host's address on the link the driver
    /// made between network namespaces; port 0 asks the kernel to pick one.
    Inet(SocketAddrV4),
}

/// What one `recv` got besides the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// How many bytes were stored in the buffer.
    pub len: usize,
    /// Whether the message was longer than the buffer (`MSG_TRUNC` in `msg_flags`).
    pub truncated: bool,
    /// The sender's address, when the socket type reports one and the sender has a name.
    pub from: Option<SocketAddress>,
}

/// A socket implementation under test.
///
/// The driver makes a socketpair before it forks, for processes that inherit it, and
/// calls every other method inside the actor processes after the fork. Methods are named
/// after the C calls they stand for; each returns the errno the call failed with.
///
/// # References
/// - POSIX XSH `socket()`, `socketpair()`, `bind()`, `listen()`, `accept()`,
///   `connect()`, `send()`, `sendto()`, `recvmsg()`, `shutdown()`, `setsockopt()`,
///   `getsockopt()`, `dup()`, `close()`; XBD `<sys/socket.h>` for SCM_RIGHTS.
pub trait Socket: Describe {
    /// One socket, as the implementation represents it.
    type Handle;

    /// `socket()` of this domain and type, with `SOCK_NONBLOCK` / `SOCK_CLOEXEC` in the
    /// type when `flags` name them.
    fn socket(&self, _kind: SocketKind, _flags: &[SocketFlag]) -> Result<Self::Handle, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `socketpair()`: two connected sockets of this kind.
    fn socketpair(&self, _kind: SocketKind) -> Result<(Self::Handle, Self::Handle), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `bind()` to an address.
    fn bind(&self, _socket: &Self::Handle, _to: &SocketAddress) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `getsockname()`: the address the socket is bound to (the port the kernel picked).
    fn local_address(&self, _socket: &Self::Handle) -> Result<SocketAddress, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `listen()` with a backlog.
    fn listen(&self, _socket: &Self::Handle, _backlog: u32) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `accept()`: the next connection; `accept4()` with these flags when there are any.
    fn accept(&self, _socket: &Self::Handle, _flags: &[SocketFlag]) -> Result<Self::Handle, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `connect()` to an address.
    fn connect(&self, _socket: &Self::Handle, _to: &SocketAddress) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `send()`, or `sendto()` when `to` is given: returns the bytes taken.
    fn send(
        &self,
        socket: &Self::Handle,
        data: &[u8],
        to: Option<&SocketAddress>,
        flags: &[MsgFlag],
    ) -> Result<usize, Errno>;

    /// One `recvmsg()` into `buf`.
    fn recv(
        &self,
        socket: &Self::Handle,
        buf: &mut [u8],
        flags: &[MsgFlag],
    ) -> Result<Received, Errno>;

    /// `shutdown()` of one direction or both.
    fn shutdown(&self, _socket: &Self::Handle, _how: ShutdownHow) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `sendmsg()` of one byte carrying `fd` in an SCM_RIGHTS message.
    fn send_fd(&self, _socket: &Self::Handle, _fd: BorrowedFd<'_>) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `recvmsg()` of one byte and the descriptor an SCM_RIGHTS message carries; a
    /// message without one fails with EBADMSG.
    fn recv_fd(&self, _socket: &Self::Handle) -> Result<OwnedFd, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `setsockopt()` of an integer option.
    fn set_option(
        &self,
        _socket: &Self::Handle,
        _option: SockOpt,
        _value: u64,
    ) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `getsockopt()` of an integer option.
    fn get_option(&self, _socket: &Self::Handle, _option: SockOpt) -> Result<u64, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `dup()`: a second handle on the same open socket. Closing either leaves the
    /// socket open; the connection ends with the last one. Called only when the
    /// implementation declares [`Capability::Duplicate`] for the mechanism.
    ///
    /// [`Capability::Duplicate`]: super::Capability::Duplicate
    fn dup(&self, _socket: &Self::Handle) -> Result<Self::Handle, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// Turn non-blocking mode on or off.
    fn set_nonblocking(&self, _socket: &Self::Handle, _on: bool) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `close()`.
    fn close(&self, socket: Self::Handle) -> Result<(), Errno> {
        drop(socket);
        Ok(())
    }

    /// The descriptor behind a socket, when there is one: the driver uses it to
    /// recognise the call a blocked actor sleeps in, to find leaked descriptors, and for
    /// probes (`poll`, descriptor flags). An actor starts by closing every descriptor it
    /// was not told to keep, so a socketpair end must return its descriptor here.
    fn fd<'a>(&self, _socket: &'a Self::Handle) -> Option<BorrowedFd<'a>> {
        None
    }
}

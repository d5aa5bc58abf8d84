//! mio's Unix sockets: each scenario socket is a handle that becomes a
//! `mio::net::UnixListener`, `UnixStream` or `UnixDatagram` at the call that makes it in
//! mio (as std's adapter does: mio's types are std's, made non-blocking).

use std::cell::OnceCell;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use ::mio::net::{UnixDatagram, UnixListener, UnixStream};
use ::mio::Interest;

use super::wait::call;
use crate::adapters::unix_address::{received, reported, unix_address};
use crate::mechanism::{
    Capability, Describe, Deviation, Received, Socket, SocketAddress, Unsupported,
};
use crate::scenario::{
    Errno, Mechanism, MsgFlag, ShutdownHow, SockOpt, SocketDomain, SocketFlag, SocketKind,
    SocketStyle,
};

/// Why a send to a closed peer raises no SIGPIPE.
const NO_SIGPIPE: &str = "UnixStream's write is std's (mio wraps a std UnixStream), which sends \
    with MSG_NOSIGNAL (std's design): EPIPE, and no SIGPIPE";

/// `mio::net`'s Unix sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct MioSocket;

/// A socket mio has made.
#[derive(Debug)]
enum Made {
    Stream(UnixStream),
    Listener(UnixListener),
    Datagram(UnixDatagram),
}

/// A socket of the scenario: its style, and the mio object once a call has made it.
#[derive(Debug)]
pub struct MioHandle {
    style: SocketStyle,
    made: OnceCell<Made>,
}

impl MioHandle {
    fn made(style: SocketStyle, made: Made) -> MioHandle {
        MioHandle {
            style,
            made: OnceCell::from(made),
        }
    }

    /// What mio made, or `UNSUPPORTED` for a socket it has not made yet (mio has no
    /// bare `socket()` to make it with).
    fn get(&self) -> Result<&Made, Errno> {
        self.made.get().ok_or(Errno::UNSUPPORTED)
    }

    /// The datagram socket, made unbound (`UnixDatagram::unbound`) if no call has made
    /// it yet, as the kernel's autobind would use it.
    fn datagram(&self) -> Result<&UnixDatagram, Errno> {
        if self.made.get().is_none() {
            let _ = self.made.set(Made::Datagram(UnixDatagram::unbound()?));
        }
        match self.made.get() {
            Some(Made::Datagram(d)) => Ok(d),
            _ => Err(Errno::UNSUPPORTED),
        }
    }
}

impl AsFd for Made {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            Made::Stream(s) => s.as_fd(),
            Made::Listener(l) => l.as_fd(),
            Made::Datagram(d) => d.as_fd(),
        }
    }
}

/// The path of an address mio's datagram calls take: `UnixDatagram::connect` and
/// `send_to` take a `Path` only, so an abstract name cannot be reached.
fn datagram_path(address: &SocketAddress) -> Result<&Path, Errno> {
    match address {
        SocketAddress::Path(path) => Ok(path),
        SocketAddress::Abstract(_) => Err(Errno::UNSUPPORTED),
        SocketAddress::Inet(_) => Err(Errno(libc::EAFNOSUPPORT)),
    }
}

impl Describe for MioSocket {
    fn name(&self) -> &str {
        "mio"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[
            Mechanism::UnixStream,
            Mechanism::UnixDgram,
            Mechanism::Socketpair,
        ]
    }

    /// Close-on-exec because mio always sets it; `SO_ERROR` (`take_error`) is the one
    /// option mio reads. No non-blocking mode: mio's sockets are always O_NONBLOCK, and
    /// it has no call to change that.
    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[
            Capability::CloseOnExec,
            Capability::Descriptor,
            Capability::SocketOptions,
            Capability::Shutdown,
        ]
    }

    fn deviations(&self) -> &[Deviation] {
        &[
            Deviation {
                scenario: "socketpair::send_closed_pair_sigpipe",
                reason: NO_SIGPIPE,
            },
            Deviation {
                scenario: "socketpair::socketpair_fuzz_0000000000000003",
                reason: NO_SIGPIPE,
            },
            Deviation {
                scenario: "unix-stream::send_after_shutdown_wr_sigpipe",
                reason: NO_SIGPIPE,
            },
            Deviation {
                scenario: "unix-stream::send_to_closed_peer_sigpipe",
                reason: NO_SIGPIPE,
            },
        ]
    }

    fn unsupported(&self) -> &[Unsupported] {
        &[
            Unsupported {
                scenario: "unix-stream::connect_backlog_full_blocks_until_accept",
                reason: "no backlog of one's choice: UnixListener::bind_addr listens with -1, the system's maximum (sys/unix/uds/listener.rs), so the queue cannot be filled",
            },
            Unsupported {
                scenario: "unix-stream::connect_bound_not_listening_econnrefused",
                reason: "no bound socket that does not listen: UnixListener::bind_addr binds and listens together",
            },
        ]
    }
}

impl Socket for MioSocket {
    type Handle = MioHandle;

    fn socket(&self, kind: SocketKind, _flags: &[SocketFlag]) -> Result<MioHandle, Errno> {
        match (kind.domain, kind.style) {
            (SocketDomain::Unix, SocketStyle::Stream | SocketStyle::Datagram) => Ok(MioHandle {
                style: kind.style,
                made: OnceCell::new(),
            }),
            _ => Err(Errno::UNSUPPORTED),
        }
    }

    fn socketpair(&self, kind: SocketKind) -> Result<(MioHandle, MioHandle), Errno> {
        let (a, b) = match (kind.domain, kind.style) {
            (SocketDomain::Unix, SocketStyle::Stream) => {
                let (a, b) = UnixStream::pair()?;
                (Made::Stream(a), Made::Stream(b))
            }
            (SocketDomain::Unix, SocketStyle::Datagram) => {
                let (a, b) = UnixDatagram::pair()?;
                (Made::Datagram(a), Made::Datagram(b))
            }
            _ => return Err(Errno::UNSUPPORTED),
        };
        Ok((
            MioHandle::made(kind.style, a),
            MioHandle::made(kind.style, b),
        ))
    }

    /// A stream socket is bound by `UnixListener::bind_addr`, which listens too.
    fn bind(&self, socket: &MioHandle, to: &SocketAddress) -> Result<(), Errno> {
        if socket.made.get().is_some() {
            return Err(Errno::UNSUPPORTED);
        }
        let address = unix_address(to)?;
        let made = match socket.style {
            SocketStyle::Stream => Made::Listener(UnixListener::bind_addr(&address)?),
            SocketStyle::Datagram => Made::Datagram(UnixDatagram::bind_addr(&address)?),
            SocketStyle::SeqPacket => return Err(Errno::UNSUPPORTED),
        };
        let _ = socket.made.set(made);
        Ok(())
    }

    fn local_address(&self, socket: &MioHandle) -> Result<SocketAddress, Errno> {
        let address = match socket.get()? {
            Made::Stream(s) => s.local_addr()?,
            Made::Listener(l) => l.local_addr()?,
            Made::Datagram(d) => d.local_addr()?,
        };
        reported(&address).ok_or(Errno(libc::ENOTCONN))
    }

    /// `UnixListener::bind_addr` listened already, with the system's maximum backlog
    /// (`listen(fd, -1)`): `backlog` cannot be passed on.
    fn listen(&self, socket: &MioHandle, _backlog: u32) -> Result<(), Errno> {
        match socket.get()? {
            Made::Listener(_) => Ok(()),
            _ => Err(Errno::UNSUPPORTED),
        }
    }

    /// `accept4(SOCK_NONBLOCK | SOCK_CLOEXEC)`, waiting for a connection on the `Poll`.
    fn accept(&self, socket: &MioHandle, _flags: &[SocketFlag]) -> Result<MioHandle, Errno> {
        let Made::Listener(listener) = socket.get()? else {
            return Err(Errno::UNSUPPORTED);
        };
        let (stream, _) = call(listener.as_fd(), Interest::READABLE, false, || {
            listener.accept()
        })?;
        Ok(MioHandle::made(SocketStyle::Stream, Made::Stream(stream)))
    }

    /// One attempt: `UnixStream::connect_addr` makes the socket and connects it without
    /// waiting ("This may return a `WouldBlock` in which case the socket connection
    /// cannot be completed immediately. Usually it means the backlog is full."), and
    /// drops the socket when it fails, so there is nothing to wait on.
    fn connect(&self, socket: &MioHandle, to: &SocketAddress) -> Result<(), Errno> {
        if socket.style == SocketStyle::Datagram {
            return Ok(socket.datagram()?.connect(datagram_path(to)?)?);
        }
        if socket.made.get().is_some() {
            // A connected UnixStream has no connect().
            return Err(Errno::UNSUPPORTED);
        }
        let stream = UnixStream::connect_addr(&unix_address(to)?)?;
        let _ = socket.made.set(Made::Stream(stream));
        Ok(())
    }

    fn send(
        &self,
        socket: &MioHandle,
        data: &[u8],
        to: Option<&SocketAddress>,
        flags: &[MsgFlag],
    ) -> Result<usize, Errno> {
        if !flags.is_empty() {
            return Err(Errno::UNSUPPORTED);
        }
        if socket.style == SocketStyle::Datagram {
            let d = socket.datagram()?;
            return match to {
                None => call(d.as_fd(), Interest::WRITABLE, false, || d.send(data)),
                Some(to) => {
                    let path = datagram_path(to)?;
                    call(d.as_fd(), Interest::WRITABLE, false, || {
                        d.send_to(data, path)
                    })
                }
            };
        }
        match (socket.get()?, to) {
            (Made::Stream(s), None) => {
                call(s.as_fd(), Interest::WRITABLE, false, || (&*s).write(data))
            }
            _ => Err(Errno::UNSUPPORTED),
        }
    }

    fn recv(
        &self,
        socket: &MioHandle,
        buf: &mut [u8],
        flags: &[MsgFlag],
    ) -> Result<Received, Errno> {
        if !flags.is_empty() {
            return Err(Errno::UNSUPPORTED);
        }
        if socket.style == SocketStyle::Datagram {
            let d = socket.datagram()?;
            let (len, from) = call(d.as_fd(), Interest::READABLE, false, || d.recv_from(buf))?;
            return Ok(received(len, reported(&from)));
        }
        match socket.get()? {
            Made::Stream(s) => Ok(received(
                call(s.as_fd(), Interest::READABLE, false, || (&*s).read(buf))?,
                None,
            )),
            _ => Err(Errno::UNSUPPORTED),
        }
    }

    fn shutdown(&self, socket: &MioHandle, how: ShutdownHow) -> Result<(), Errno> {
        let how = match how {
            ShutdownHow::Read => Shutdown::Read,
            ShutdownHow::Write => Shutdown::Write,
            ShutdownHow::Both => Shutdown::Both,
        };
        match socket.get()? {
            Made::Stream(s) => s.shutdown(how)?,
            Made::Datagram(d) => d.shutdown(how)?,
            Made::Listener(_) => return Err(Errno::UNSUPPORTED),
        }
        Ok(())
    }

    /// `SO_ERROR` is `take_error`; mio reads no other option.
    fn get_option(&self, socket: &MioHandle, option: SockOpt) -> Result<u64, Errno> {
        if option != SockOpt::Error {
            return Err(Errno::UNSUPPORTED);
        }
        let error = match socket.get()? {
            Made::Stream(s) => s.take_error()?,
            Made::Listener(l) => l.take_error()?,
            Made::Datagram(d) => d.take_error()?,
        };
        let errno = error.map_or(0, |e| Errno::from(e).0);
        u64::try_from(errno).map_err(|_| Errno(libc::ERANGE))
    }

    fn fd<'a>(&self, socket: &'a MioHandle) -> Option<BorrowedFd<'a>> {
        socket.made.get().map(AsFd::as_fd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recv_waits_for_the_peer_to_send() {
        let kind = SocketKind {
            domain: SocketDomain::Unix,
            style: SocketStyle::Stream,
        };
        let (left, right) = MioSocket.socketpair(kind).unwrap();
        let sender = std::thread::spawn(move || MioSocket.send(&right, b"hi", None, &[]));
        let mut buf = [0u8; 8];
        assert_eq!(MioSocket.recv(&left, &mut buf, &[]).unwrap().len, 2);
        assert_eq!(sender.join().unwrap(), Ok(2));
    }
}

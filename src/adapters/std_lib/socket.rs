//! std's sockets: each scenario socket is a handle that becomes a `UnixListener`,
//! `UnixStream`, `UnixDatagram`, `TcpListener`, `TcpStream` or `UdpSocket` at the call
//! that makes it in std (see the module above for the mapping).

use std::cell::{Cell, OnceCell};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddrV4, TcpListener, TcpStream, UdpSocket};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::net::{SocketAddr as UnixAddr, UnixDatagram, UnixListener, UnixStream};

use crate::adapters::unix_address::{received, reported, unix_address};
use crate::mechanism::{
    Capability, Describe, Deviation, Received, Socket, SocketAddress, Unsupported,
};
use crate::scenario::{
    Errno, Mechanism, MsgFlag, ShutdownHow, SockOpt, SocketDomain, SocketFlag, SocketKind,
    SocketStyle,
};

/// Why a send to a closed peer fails with EPIPE and raises no SIGPIPE.
const NO_SIGPIPE: &str = "std's stream sockets send with MSG_NOSIGNAL (library/std/src/sys/net, Rust programs ignore SIGPIPE by default): EPIPE, and no SIGPIPE";

/// Why a short `MSG_WAITALL` receive at end of file cannot be seen.
const NO_WAITALL: &str = "std has no MSG_WAITALL; its stand-in, read_exact, documents UnexpectedEof (no errno) with the buffer's contents unspecified, so a short read at end of file cannot be seen";

/// Why std has no bound stream socket that does not listen.
const BIND_LISTENS: &str = "std binds a stream socket only in UnixListener::bind / TcpListener::bind, which also listen: no bound socket that does not listen";

/// Why std's listen queue cannot be filled.
const OWN_BACKLOG: &str = "std listens with its own backlog (-1 for Unix sockets: the system maximum; 128 for TCP) and its connect always blocks: no full queue to observe";

/// std's sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct StdSocket;

/// A socket std has made.
#[derive(Debug)]
enum Made {
    UnixStream(UnixStream),
    UnixListener(UnixListener),
    UnixDatagram(UnixDatagram),
    TcpStream(TcpStream),
    TcpListener(TcpListener),
    Udp(UdpSocket),
}

/// The same call on whichever std type a socket is.
macro_rules! on_each {
    ($made:expr, $s:ident => $call:expr) => {
        match $made {
            Made::UnixStream($s) => $call,
            Made::UnixListener($s) => $call,
            Made::UnixDatagram($s) => $call,
            Made::TcpStream($s) => $call,
            Made::TcpListener($s) => $call,
            Made::Udp($s) => $call,
        }
    };
}

/// A socket of the scenario: its kind, and the std object once a call has made it.
#[derive(Debug)]
pub struct StdHandle {
    kind: SocketKind,
    /// `O_NONBLOCK` asked for before std made the socket.
    nonblocking: Cell<bool>,
    made: OnceCell<Made>,
}

impl StdHandle {
    fn new(kind: SocketKind, nonblocking: bool) -> Self {
        StdHandle {
            kind,
            nonblocking: Cell::new(nonblocking),
            made: OnceCell::new(),
        }
    }

    fn with(kind: SocketKind, made: Made, nonblocking: bool) -> Result<Self, Errno> {
        let handle = StdHandle::new(kind, nonblocking);
        handle.install(made)?;
        Ok(handle)
    }

    /// Keep what std made, in the non-blocking mode asked for so far.
    fn install(&self, made: Made) -> Result<&Made, Errno> {
        if self.nonblocking.get() {
            on_each!(&made, s => s.set_nonblocking(true))?;
        }
        Ok(self.made.get_or_init(|| made))
    }

    /// The datagram socket, made unbound if no call has made it yet.
    fn datagram(&self) -> Result<&Made, Errno> {
        if let Some(made) = self.made.get() {
            return Ok(made);
        }
        let made = match (self.kind.domain, self.kind.style) {
            (SocketDomain::Unix, SocketStyle::Datagram) => {
                Made::UnixDatagram(UnixDatagram::unbound()?)
            }
            (SocketDomain::Inet, SocketStyle::Datagram) => {
                Made::Udp(UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?)
            }
            _ => return Err(Errno::UNSUPPORTED),
        };
        self.install(made)
    }
}

fn inet_address(address: &SocketAddress) -> Result<SocketAddrV4, Errno> {
    match address {
        SocketAddress::Inet(address) => Ok(*address),
        _ => Err(Errno(libc::EAFNOSUPPORT)),
    }
}

/// Whether std's call for this send passes `MSG_NOSIGNAL` (it always does, or never).
fn sends_nosignal(made: &Made, to: Option<&SocketAddress>) -> bool {
    match made {
        Made::UnixStream(_) | Made::TcpStream(_) | Made::Udp(_) => true,
        Made::UnixDatagram(_) => to.is_some(),
        _ => false,
    }
}

impl Describe for StdSocket {
    fn name(&self) -> &str {
        "std"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[
            Mechanism::UnixStream,
            Mechanism::UnixDgram,
            Mechanism::Socketpair,
            Mechanism::Tcp,
            Mechanism::Udp,
        ]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[
            Capability::NonBlocking,
            Capability::CloseOnExec,
            Capability::Descriptor,
            Capability::SocketOptions,
            Capability::Shutdown,
            Capability::MessageFlags,
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
                scenario: "tcp::send_after_reset_sigpipe",
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
            Deviation {
                scenario: "unix-stream::accept4_flags",
                reason: "UnixListener::accept is accept4(SOCK_CLOEXEC), as std sets close-on-exec on every descriptor it makes",
            },
        ]
    }

    fn unsupported(&self) -> &[Unsupported] {
        &[
            Unsupported {
                scenario: "tcp::msg_waitall_short_at_eof",
                reason: NO_WAITALL,
            },
            Unsupported {
                scenario: "unix-stream::msg_waitall_short_at_eof",
                reason: NO_WAITALL,
            },
            Unsupported {
                scenario: "udp::short_buffer_truncates",
                reason: "UdpSocket::recv_from documents that excess bytes of a long datagram may be discarded, and has no way to report MSG_TRUNC",
            },
            Unsupported {
                scenario: "tcp::connect_closed_port_econnrefused",
                reason: BIND_LISTENS,
            },
            Unsupported {
                scenario: "unix-stream::connect_bound_not_listening_econnrefused",
                reason: BIND_LISTENS,
            },
            Unsupported {
                scenario: "tcp::listen_backlog_full_connect_pending",
                reason: OWN_BACKLOG,
            },
            Unsupported {
                scenario: "unix-stream::connect_backlog_full_blocks_until_accept",
                reason: OWN_BACKLOG,
            },
            Unsupported {
                scenario: "unix-stream::connect_backlog_full_nonblock",
                reason: OWN_BACKLOG,
            },
        ]
    }
}

impl Socket for StdSocket {
    type Handle = StdHandle;

    fn socket(&self, kind: SocketKind, flags: &[SocketFlag]) -> Result<StdHandle, Errno> {
        if kind.style == SocketStyle::SeqPacket {
            return Err(Errno::UNSUPPORTED);
        }
        Ok(StdHandle::new(kind, flags.contains(&SocketFlag::NonBlock)))
    }

    fn socketpair(&self, kind: SocketKind) -> Result<(StdHandle, StdHandle), Errno> {
        let (a, b) = match (kind.domain, kind.style) {
            (SocketDomain::Unix, SocketStyle::Stream) => {
                let (a, b) = UnixStream::pair()?;
                (Made::UnixStream(a), Made::UnixStream(b))
            }
            (SocketDomain::Unix, SocketStyle::Datagram) => {
                let (a, b) = UnixDatagram::pair()?;
                (Made::UnixDatagram(a), Made::UnixDatagram(b))
            }
            _ => return Err(Errno::UNSUPPORTED),
        };
        Ok((
            StdHandle::with(kind, a, false)?,
            StdHandle::with(kind, b, false)?,
        ))
    }

    fn bind(&self, socket: &StdHandle, to: &SocketAddress) -> Result<(), Errno> {
        if socket.made.get().is_some() {
            return Err(Errno::UNSUPPORTED);
        }
        let made = match (socket.kind.domain, socket.kind.style) {
            (SocketDomain::Unix, SocketStyle::Stream) => {
                Made::UnixListener(UnixListener::bind_addr(&unix_address(to)?)?)
            }
            (SocketDomain::Unix, SocketStyle::Datagram) => {
                Made::UnixDatagram(UnixDatagram::bind_addr(&unix_address(to)?)?)
            }
            (SocketDomain::Inet, SocketStyle::Stream) => {
                Made::TcpListener(TcpListener::bind(inet_address(to)?)?)
            }
            (SocketDomain::Inet, SocketStyle::Datagram) => {
                Made::Udp(UdpSocket::bind(inet_address(to)?)?)
            }
            _ => return Err(Errno::UNSUPPORTED),
        };
        socket.install(made).map(drop)
    }

    fn local_address(&self, socket: &StdHandle) -> Result<SocketAddress, Errno> {
        let inet = |a: std::net::SocketAddr| match a {
            std::net::SocketAddr::V4(a) => Ok(SocketAddress::Inet(a)),
            std::net::SocketAddr::V6(_) => Err(Errno(libc::EAFNOSUPPORT)),
        };
        let unix = |a: UnixAddr| reported(&a).ok_or(Errno(libc::ENOTCONN));
        match socket.made.get().ok_or(Errno::UNSUPPORTED)? {
            Made::UnixStream(s) => unix(s.local_addr()?),
            Made::UnixListener(s) => unix(s.local_addr()?),
            Made::UnixDatagram(s) => unix(s.local_addr()?),
            Made::TcpStream(s) => inet(s.local_addr()?),
            Made::TcpListener(s) => inet(s.local_addr()?),
            Made::Udp(s) => inet(s.local_addr()?),
        }
    }

    /// The listener already listens, with std's backlog: `backlog` cannot be passed on.
    fn listen(&self, socket: &StdHandle, _backlog: u32) -> Result<(), Errno> {
        match socket.made.get() {
            Some(Made::UnixListener(_) | Made::TcpListener(_)) => Ok(()),
            _ => Err(Errno::UNSUPPORTED),
        }
    }

    fn accept(&self, socket: &StdHandle, flags: &[SocketFlag]) -> Result<StdHandle, Errno> {
        let made = match socket.made.get() {
            Some(Made::UnixListener(l)) => Made::UnixStream(l.accept()?.0),
            Some(Made::TcpListener(l)) => Made::TcpStream(l.accept()?.0),
            _ => return Err(Errno::UNSUPPORTED),
        };
        StdHandle::with(socket.kind, made, flags.contains(&SocketFlag::NonBlock))
    }

    fn connect(&self, socket: &StdHandle, to: &SocketAddress) -> Result<(), Errno> {
        if socket.kind.style == SocketStyle::Datagram {
            match socket.datagram()? {
                Made::UnixDatagram(d) => d.connect_addr(&unix_address(to)?)?,
                Made::Udp(u) => u.connect(inet_address(to)?)?,
                _ => return Err(Errno::UNSUPPORTED),
            }
            return Ok(());
        }
        if socket.made.get().is_some() {
            return Err(Errno::UNSUPPORTED);
        }
        let made = match socket.kind.domain {
            SocketDomain::Unix => Made::UnixStream(UnixStream::connect_addr(&unix_address(to)?)?),
            SocketDomain::Inet => Made::TcpStream(TcpStream::connect(inet_address(to)?)?),
        };
        socket.install(made).map(drop)
    }

    fn send(
        &self,
        socket: &StdHandle,
        data: &[u8],
        to: Option<&SocketAddress>,
        flags: &[MsgFlag],
    ) -> Result<usize, Errno> {
        let made = match socket.kind.style {
            SocketStyle::Datagram => socket.datagram()?,
            _ => socket.made.get().ok_or(Errno::UNSUPPORTED)?,
        };
        for flag in flags {
            if *flag != MsgFlag::NoSignal || !sends_nosignal(made, to) {
                return Err(Errno::UNSUPPORTED);
            }
        }
        Ok(match (made, to) {
            (Made::UnixStream(s), None) => (&*s).write(data)?,
            (Made::TcpStream(s), None) => (&*s).write(data)?,
            (Made::UnixDatagram(d), None) => d.send(data)?,
            (Made::UnixDatagram(d), Some(to)) => d.send_to_addr(data, &unix_address(to)?)?,
            (Made::Udp(u), None) => u.send(data)?,
            (Made::Udp(u), Some(to)) => u.send_to(data, inet_address(to)?)?,
            _ => return Err(Errno::UNSUPPORTED),
        })
    }

    fn recv(
        &self,
        socket: &StdHandle,
        buf: &mut [u8],
        flags: &[MsgFlag],
    ) -> Result<Received, Errno> {
        let made = match socket.kind.style {
            SocketStyle::Datagram => socket.datagram()?,
            _ => socket.made.get().ok_or(Errno::UNSUPPORTED)?,
        };
        let unix_from = |(n, from): (usize, UnixAddr)| received(n, reported(&from));
        let inet_from = |(n, from): (usize, std::net::SocketAddr)| match from {
            std::net::SocketAddr::V4(from) => received(n, Some(SocketAddress::Inet(from))),
            std::net::SocketAddr::V6(_) => received(n, None),
        };
        Ok(match (made, flags) {
            (Made::UnixStream(s), []) => received((&*s).read(buf)?, None),
            (Made::TcpStream(s), []) => received((&*s).read(buf)?, None),
            (Made::UnixStream(s), [MsgFlag::WaitAll]) => {
                (&*s).read_exact(buf)?;
                received(buf.len(), None)
            }
            (Made::TcpStream(s), [MsgFlag::WaitAll]) => {
                (&*s).read_exact(buf)?;
                received(buf.len(), None)
            }
            (Made::TcpStream(s), [MsgFlag::Peek]) => received(s.peek(buf)?, None),
            (Made::UnixDatagram(d), []) => unix_from(d.recv_from(buf)?),
            (Made::Udp(u), []) => inet_from(u.recv_from(buf)?),
            (Made::Udp(u), [MsgFlag::Peek]) => inet_from(u.peek_from(buf)?),
            _ => return Err(Errno::UNSUPPORTED),
        })
    }

    fn shutdown(&self, socket: &StdHandle, how: ShutdownHow) -> Result<(), Errno> {
        let how = match how {
            ShutdownHow::Read => Shutdown::Read,
            ShutdownHow::Write => Shutdown::Write,
            ShutdownHow::Both => Shutdown::Both,
        };
        match socket.made.get() {
            Some(Made::UnixStream(s)) => s.shutdown(how)?,
            Some(Made::TcpStream(s)) => s.shutdown(how)?,
            Some(Made::UnixDatagram(d)) => d.shutdown(how)?,
            _ => return Err(Errno::UNSUPPORTED),
        }
        Ok(())
    }

    /// `SO_ERROR` is `take_error`; std reads no other option.
    fn get_option(&self, socket: &StdHandle, option: SockOpt) -> Result<u64, Errno> {
        let made = socket.made.get().ok_or(Errno::UNSUPPORTED)?;
        if option != SockOpt::Error {
            return Err(Errno::UNSUPPORTED);
        }
        let error = on_each!(made, s => s.take_error())?;
        let errno = error.map_or(0, |e| Errno::from(e).0);
        u64::try_from(errno).map_err(|_| Errno(libc::ERANGE))
    }

    fn set_nonblocking(&self, socket: &StdHandle, on: bool) -> Result<(), Errno> {
        match socket.made.get() {
            Some(made) => Ok(on_each!(made, s => s.set_nonblocking(on))?),
            None => {
                socket.nonblocking.set(on);
                Ok(())
            }
        }
    }

    fn fd<'a>(&self, socket: &'a StdHandle) -> Option<BorrowedFd<'a>> {
        socket.made.get().map(|made| on_each!(made, s => s.as_fd()))
    }
}

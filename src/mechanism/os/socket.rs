//! Sockets through `socket()`, `bind()`, `listen()`, `accept()`, `connect()`, `send()`,
//! `recvmsg()` and friends (nix; libc for the integer socket options nix names only one
//! by one).

use std::io::{IoSlice, IoSliceMut};
use std::net::SocketAddrV4;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use nix::sys::socket::{
    self as sock, AddressFamily, Backlog, ControlMessage, ControlMessageOwned, MsgFlags, SockFlag,
    SockType, SockaddrIn, SockaddrLike, SockaddrStorage, UnixAddr,
};

use super::set_nonblocking;
use crate::mechanism::{Capability, Describe, Received, Socket, SocketAddress};
use crate::scenario::{
    Errno, Mechanism, MsgFlag, ShutdownHow, SockOpt, SocketDomain, SocketFlag, SocketKind,
    SocketStyle,
};

/// The operating system's sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsSocket;

fn family(kind: SocketKind) -> AddressFamily {
    match kind.domain {
        SocketDomain::Unix => AddressFamily::Unix,
        SocketDomain::Inet => AddressFamily::Inet,
    }
}

fn sock_type(kind: SocketKind) -> SockType {
    match kind.style {
        SocketStyle::Stream => SockType::Stream,
        SocketStyle::Datagram => SockType::Datagram,
        SocketStyle::SeqPacket => SockType::SeqPacket,
    }
}

/// `MSG_NOSIGNAL`: nix names it on Linux only, while current macOS has it too (the
/// profile says where it may be used).
fn no_signal() -> MsgFlags {
    MsgFlags::from_bits_retain(libc::MSG_NOSIGNAL)
}

fn msg_flags(flags: &[MsgFlag]) -> MsgFlags {
    flags.iter().fold(MsgFlags::empty(), |acc, f| {
        acc | match f {
            MsgFlag::DontWait => MsgFlags::MSG_DONTWAIT,
            MsgFlag::Peek => MsgFlags::MSG_PEEK,
            MsgFlag::WaitAll => MsgFlags::MSG_WAITALL,
            MsgFlag::NoSignal => no_signal(),
        }
    })
}

/// The C form of an address.
fn sockaddr(address: &SocketAddress) -> Result<Box<dyn SockaddrLike>, Errno> {
    Ok(match address {
        SocketAddress::Path(path) => Box::new(UnixAddr::new(path.as_path())?),
        SocketAddress::Abstract(name) => Box::new(abstract_addr(name)?),
        SocketAddress::Inet(address) => Box::new(SockaddrIn::from(*address)),
    })
}

#[cfg(linux_like)]
fn abstract_addr(name: &[u8]) -> Result<UnixAddr, Errno> {
    Ok(UnixAddr::new_abstract(name)?)
}

/// Platforms without abstract names skip the scenarios that use them (platform profile).
#[cfg(not(linux_like))]
fn abstract_addr(_name: &[u8]) -> Result<UnixAddr, Errno> {
    Err(Errno(libc::EAFNOSUPPORT))
}

#[cfg(linux_like)]
fn abstract_name(addr: &UnixAddr) -> Option<Vec<u8>> {
    addr.as_abstract().map(<[u8]>::to_vec)
}

#[cfg(not(linux_like))]
fn abstract_name(_addr: &UnixAddr) -> Option<Vec<u8>> {
    None
}

/// The address a kernel reported, `None` for an unnamed socket.
fn reported(storage: &SockaddrStorage) -> Option<SocketAddress> {
    if let Some(unix) = storage.as_unix_addr() {
        return unix_reported(unix);
    }
    storage
        .as_sockaddr_in()
        .map(|inet| SocketAddress::Inet(SocketAddrV4::new(inet.ip(), inet.port())))
}

/// An `AF_UNIX` address: a path, an abstract name, or `None` when unnamed. A connected
/// stream reports no address at all (length 0), which nix cannot parse: unnamed too.
/// XNU reports an unnamed socket as `sun_noname` (bsd/kern/uipc_usrreq.c: uipc_send,
/// uipc_sockaddr and uipc_peeraddr hand it out), a 16-byte `struct sockaddr` whose path
/// bytes are all zero, which nix reads as a path of NULs: a path that starts with NUL
/// names nothing (Linux reports such an address as abstract before it gets here).
fn unix_reported(unix: &UnixAddr) -> Option<SocketAddress> {
    use std::os::unix::ffi::OsStrExt as _;
    if (unix.len() as usize) <= std::mem::size_of::<libc::sa_family_t>() {
        return None;
    }
    match unix.path() {
        Some(path) if path.as_os_str().as_bytes().first().is_none_or(|b| *b == 0) => None,
        Some(path) => Some(SocketAddress::Path(path.to_path_buf())),
        None => abstract_name(unix).map(SocketAddress::Abstract),
    }
}

/// The `SOCK_*` flags of `socket()` and `accept4()`.
#[cfg(linux_like)]
fn sock_flags(flags: &[SocketFlag]) -> SockFlag {
    flags.iter().fold(SockFlag::empty(), |acc, f| {
        acc | match f {
            SocketFlag::NonBlock => SockFlag::SOCK_NONBLOCK,
            SocketFlag::CloExec => SockFlag::SOCK_CLOEXEC,
        }
    })
}

/// `socket()` with the flags in its type.
#[cfg(linux_like)]
fn open_socket(kind: SocketKind, flags: &[SocketFlag]) -> Result<OwnedFd, Errno> {
    Ok(sock::socket(
        family(kind),
        sock_type(kind),
        sock_flags(flags),
        None,
    )?)
}

/// `accept()`, or `accept4()` when there are flags.
#[cfg(linux_like)]
fn accept_with(socket: RawFd, flags: &[SocketFlag]) -> Result<RawFd, Errno> {
    if flags.is_empty() {
        return Ok(sock::accept(socket)?);
    }
    Ok(sock::accept4(socket, sock_flags(flags))?)
}

/// Platforms whose `socket()` takes no type flags skip the scenarios that ask for them
/// (platform profile); should one run anyway, the flags are refused.
#[cfg(not(linux_like))]
fn open_socket(kind: SocketKind, flags: &[SocketFlag]) -> Result<OwnedFd, Errno> {
    if !flags.is_empty() {
        return Err(Errno(libc::EINVAL));
    }
    Ok(sock::socket(
        family(kind),
        sock_type(kind),
        SockFlag::empty(),
        None,
    )?)
}

/// Platforms without `accept4()` skip the scenarios that use it (platform profile).
#[cfg(not(linux_like))]
fn accept_with(socket: RawFd, flags: &[SocketFlag]) -> Result<RawFd, Errno> {
    if !flags.is_empty() {
        return Err(Errno(libc::ENOSYS));
    }
    Ok(sock::accept(socket)?)
}

/// Take ownership of a descriptor the kernel just made.
#[expect(unsafe_code, reason = "accept() hands back a raw descriptor")]
fn owned(fd: RawFd) -> OwnedFd {
    // SAFETY: `fd` was returned a moment ago by the kernel as a new descriptor of this
    // process; nothing else owns it.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// The level and name of an integer option, or ENOPROTOOPT where the platform has none.
fn option_name(option: SockOpt) -> Result<libc::c_int, Errno> {
    Ok(match option {
        SockOpt::RcvBuf => libc::SO_RCVBUF,
        SockOpt::SndBuf => libc::SO_SNDBUF,
        SockOpt::Error => libc::SO_ERROR,
        SockOpt::Type => libc::SO_TYPE,
        SockOpt::NoSigPipe => no_sigpipe()?,
    })
}

#[cfg(apple)]
fn no_sigpipe() -> Result<libc::c_int, Errno> {
    Ok(libc::SO_NOSIGPIPE)
}

#[cfg(not(apple))]
fn no_sigpipe() -> Result<libc::c_int, Errno> {
    Err(Errno(libc::ENOPROTOOPT))
}

#[expect(unsafe_code, reason = "integer socket options through libc")]
fn set_int_option(fd: BorrowedFd<'_>, name: libc::c_int, value: libc::c_int) -> Result<(), Errno> {
    // SAFETY: the option value is one int, passed by pointer with its exact size.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            (&value as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        return Err(Errno(nix::errno::Errno::last_raw()));
    }
    Ok(())
}

#[expect(unsafe_code, reason = "integer socket options through libc")]
fn get_int_option(fd: BorrowedFd<'_>, name: libc::c_int) -> Result<libc::c_int, Errno> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: the kernel writes at most `len` bytes, the size of `value`, and updates
    // `len`; both point at live locals.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if r < 0 {
        return Err(Errno(nix::errno::Errno::last_raw()));
    }
    Ok(value)
}

impl Describe for OsSocket {
    fn name(&self) -> &str {
        "os"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[
            Mechanism::UnixStream,
            Mechanism::UnixDgram,
            Mechanism::UnixSeqpacket,
            Mechanism::Socketpair,
            Mechanism::Tcp,
            Mechanism::Udp,
        ]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        Capability::ALL
    }
}

impl Socket for OsSocket {
    type Handle = OwnedFd;

    fn socket(&self, kind: SocketKind, flags: &[SocketFlag]) -> Result<OwnedFd, Errno> {
        open_socket(kind, flags)
    }

    fn socketpair(&self, kind: SocketKind) -> Result<(OwnedFd, OwnedFd), Errno> {
        Ok(sock::socketpair(
            family(kind),
            sock_type(kind),
            None,
            SockFlag::empty(),
        )?)
    }

    fn bind(&self, socket: &OwnedFd, to: &SocketAddress) -> Result<(), Errno> {
        Ok(sock::bind(socket.as_raw_fd(), sockaddr(to)?.as_ref())?)
    }

    fn local_address(&self, socket: &OwnedFd) -> Result<SocketAddress, Errno> {
        let storage: SockaddrStorage = sock::getsockname(socket.as_raw_fd())?;
        reported(&storage).ok_or(Errno(libc::ENOTCONN))
    }

    fn listen(&self, socket: &OwnedFd, backlog: u32) -> Result<(), Errno> {
        let backlog = i32::try_from(backlog).map_err(|_| Errno(libc::EINVAL))?;
        Ok(sock::listen(socket, Backlog::new(backlog)?)?)
    }

    fn accept(&self, socket: &OwnedFd, flags: &[SocketFlag]) -> Result<OwnedFd, Errno> {
        Ok(owned(accept_with(socket.as_raw_fd(), flags)?))
    }

    fn connect(&self, socket: &OwnedFd, to: &SocketAddress) -> Result<(), Errno> {
        Ok(sock::connect(socket.as_raw_fd(), sockaddr(to)?.as_ref())?)
    }

    fn send(
        &self,
        socket: &OwnedFd,
        data: &[u8],
        to: Option<&SocketAddress>,
        flags: &[MsgFlag],
    ) -> Result<usize, Errno> {
        let flags = msg_flags(flags);
        Ok(match to {
            Some(to) => sock::sendto(socket.as_raw_fd(), data, sockaddr(to)?.as_ref(), flags)?,
            None => sock::send(socket.as_raw_fd(), data, flags)?,
        })
    }

    fn recv(&self, socket: &OwnedFd, buf: &mut [u8], flags: &[MsgFlag]) -> Result<Received, Errno> {
        // nix 0.30 fills a SockaddrStorage from recvmsg without its length for AF_UNIX
        // (it reads the never-set sun_len first), so every unix sender would look
        // unnamed: an AF_UNIX socket receives into a UnixAddr, which keeps the length.
        let fd = socket.as_raw_fd();
        let local: SockaddrStorage = sock::getsockname(fd)?;
        let flags = msg_flags(flags);
        let mut iov = [IoSliceMut::new(buf)];
        let (len, got, from) = if local.family() == Some(AddressFamily::Unix) {
            let msg = sock::recvmsg::<UnixAddr>(fd, &mut iov, None, flags)?;
            (
                msg.bytes,
                msg.flags,
                msg.address.as_ref().and_then(unix_reported),
            )
        } else {
            let msg = sock::recvmsg::<SockaddrStorage>(fd, &mut iov, None, flags)?;
            (
                msg.bytes,
                msg.flags,
                msg.address.as_ref().and_then(reported),
            )
        };
        Ok(Received {
            len,
            truncated: got.contains(MsgFlags::MSG_TRUNC),
            from,
        })
    }

    fn shutdown(&self, socket: &OwnedFd, how: ShutdownHow) -> Result<(), Errno> {
        let how = match how {
            ShutdownHow::Read => sock::Shutdown::Read,
            ShutdownHow::Write => sock::Shutdown::Write,
            ShutdownHow::Both => sock::Shutdown::Both,
        };
        Ok(sock::shutdown(socket.as_raw_fd(), how)?)
    }

    fn send_fd(&self, socket: &OwnedFd, fd: BorrowedFd<'_>) -> Result<(), Errno> {
        let fds = [fd.as_raw_fd()];
        let rights = [ControlMessage::ScmRights(&fds)];
        sock::sendmsg::<()>(
            socket.as_raw_fd(),
            &[IoSlice::new(b"F")],
            &rights,
            MsgFlags::empty(),
            None,
        )?;
        Ok(())
    }

    fn recv_fd(&self, socket: &OwnedFd) -> Result<OwnedFd, Errno> {
        let mut byte = [0u8; 1];
        let mut iov = [IoSliceMut::new(&mut byte)];
        let mut space = nix::cmsg_space!([RawFd; 1]);
        let msg = sock::recvmsg::<()>(
            socket.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::empty(),
        )?;
        let mut received = None;
        for cmsg in msg.cmsgs()? {
            if let ControlMessageOwned::ScmRights(fds) = cmsg {
                for fd in fds {
                    // Every descriptor that arrived is ours to close; keep the first.
                    let fd = owned(fd);
                    received.get_or_insert(fd);
                }
            }
        }
        received.ok_or(Errno(libc::EBADMSG))
    }

    fn set_option(&self, socket: &OwnedFd, option: SockOpt, value: u64) -> Result<(), Errno> {
        let value = libc::c_int::try_from(value).map_err(|_| Errno(libc::EINVAL))?;
        set_int_option(socket.as_fd(), option_name(option)?, value)
    }

    fn get_option(&self, socket: &OwnedFd, option: SockOpt) -> Result<u64, Errno> {
        let value = get_int_option(socket.as_fd(), option_name(option)?)?;
        u64::try_from(value).map_err(|_| Errno(libc::ERANGE))
    }

    fn set_nonblocking(&self, socket: &OwnedFd, on: bool) -> Result<(), Errno> {
        set_nonblocking(socket.as_fd(), on)
    }

    fn dup(&self, socket: &OwnedFd) -> Result<OwnedFd, Errno> {
        Ok(nix::unistd::dup(socket)?)
    }

    fn close(&self, socket: OwnedFd) -> Result<(), Errno> {
        Ok(nix::unistd::close(socket)?)
    }

    fn fd<'a>(&self, socket: &'a OwnedFd) -> Option<BorrowedFd<'a>> {
        Some(socket.as_fd())
    }
}

#[cfg(test)]
mod tests {
    use nix::sys::socket::UnixAddr;

    use super::unix_reported;
    use crate::mechanism::SocketAddress;

    #[test]
    fn a_path_is_reported() {
        let named = UnixAddr::new("/tmp/ipcc-srv").expect("a short path");
        assert_eq!(
            unix_reported(&named),
            Some(SocketAddress::Path("/tmp/ipcc-srv".into()))
        );
    }

    /// Linux's unnamed address: the family alone.
    #[cfg(linux_like)]
    #[test]
    fn linux_family_only_address_is_unnamed() {
        assert_eq!(unix_reported(&UnixAddr::new_unnamed()), None);
    }

    /// XNU's `sun_noname`: a 16-byte `struct sockaddr`, family AF_UNIX, path bytes zero.
    #[cfg(not(linux_like))]
    #[test]
    #[expect(unsafe_code, reason = "builds the address the kernel would hand back")]
    fn xnu_sun_noname_is_unnamed() {
        use nix::sys::socket::SockaddrLike as _;
        // SAFETY: an all-zero sockaddr_un is a valid value of the plain C struct.
        let mut sun: libc::sockaddr_un = unsafe { std::mem::zeroed() };
        sun.sun_len = 16;
        sun.sun_family = libc::AF_UNIX as libc::sa_family_t;
        // SAFETY: `sun` is a live sockaddr_un and 16 bytes of it are initialised.
        let addr = unsafe {
            UnixAddr::from_raw(std::ptr::addr_of!(sun).cast::<libc::sockaddr>(), Some(16))
        }
        .expect("an AF_UNIX address");
        assert_eq!(unix_reported(&addr), None);
    }
}

//! Sockets through `rustix::net`: `socket_with`, `socketpair`, `bind`, `getsockname`,
//! `listen`, `accept` / `accept_with`, `connect`, `send` / `sendto`, `recvmsg`,
//! `shutdown`, `sendmsg` / `recvmsg` with SCM_RIGHTS, and `net::sockopt`.

use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::SocketAddrV4;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use ::rustix::net::{
    self as net, sockopt, AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags,
    ReturnFlags, SendAncillaryBuffer, SendAncillaryMessage, SendFlags, Shutdown, SocketAddrAny,
    SocketAddrUnix, SocketFlags, SocketType,
};

use super::{set_nonblocking, NAME};
use crate::mechanism::{Capability, Describe, Received, Socket, SocketAddress};
use crate::scenario::{
    Errno, Mechanism, MsgFlag, ShutdownHow, SockOpt, SocketDomain, SocketFlag, SocketKind,
    SocketStyle,
};

/// rustix's sockets: a socket is the `OwnedFd` rustix hands back.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustixSockets;

impl Describe for RustixSockets {
    fn name(&self) -> &str {
        NAME
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
        &[
            Capability::NonBlocking,
            Capability::DontWait,
            Capability::CloseOnExec,
            Capability::Descriptor,
            Capability::DescriptorPassing,
            Capability::SocketOptions,
            Capability::Shutdown,
            Capability::MessageFlags,
        ]
    }
}

fn family(kind: SocketKind) -> AddressFamily {
    match kind.domain {
        SocketDomain::Unix => AddressFamily::UNIX,
        SocketDomain::Inet => AddressFamily::INET,
    }
}

fn socket_type(kind: SocketKind) -> SocketType {
    match kind.style {
        SocketStyle::Stream => SocketType::STREAM,
        SocketStyle::Datagram => SocketType::DGRAM,
        SocketStyle::SeqPacket => SocketType::SEQPACKET,
    }
}

/// The `SOCK_*` flags of `socket()` and `accept4()`.
#[cfg(not(apple))]
fn socket_flags(flags: &[SocketFlag]) -> Result<SocketFlags, Errno> {
    Ok(flags.iter().fold(SocketFlags::empty(), |acc, f| {
        acc | match f {
            SocketFlag::NonBlock => SocketFlags::NONBLOCK,
            SocketFlag::CloExec => SocketFlags::CLOEXEC,
        }
    }))
}

/// rustix's `SocketFlags` name no flag on Apple targets (`src/net/types.rs`), where
/// `socket()` takes none; the platform profile skips the scenarios that ask for them.
#[cfg(apple)]
fn socket_flags(flags: &[SocketFlag]) -> Result<SocketFlags, Errno> {
    if flags.is_empty() {
        Ok(SocketFlags::empty())
    } else {
        Err(Errno::UNSUPPORTED)
    }
}

fn send_flags(flags: &[MsgFlag]) -> Result<SendFlags, Errno> {
    flags.iter().try_fold(SendFlags::empty(), |acc, f| {
        Ok(acc
            | match f {
                MsgFlag::DontWait => SendFlags::DONTWAIT,
                MsgFlag::NoSignal => no_signal()?,
                // Receive flags on a send are what the kernel would refuse.
                MsgFlag::Peek | MsgFlag::WaitAll => return Err(Errno(libc::EINVAL)),
            })
    })
}

#[cfg(not(apple))]
fn no_signal() -> Result<SendFlags, Errno> {
    Ok(SendFlags::NOSIGNAL)
}

/// rustix leaves `MSG_NOSIGNAL` out on Apple targets (`src/backend/libc/net/send_recv.rs`).
#[cfg(apple)]
fn no_signal() -> Result<SendFlags, Errno> {
    Err(Errno::UNSUPPORTED)
}

fn recv_flags(flags: &[MsgFlag]) -> Result<RecvFlags, Errno> {
    flags.iter().try_fold(RecvFlags::empty(), |acc, f| {
        Ok(acc
            | match f {
                MsgFlag::DontWait => RecvFlags::DONTWAIT,
                MsgFlag::Peek => RecvFlags::PEEK,
                MsgFlag::WaitAll => RecvFlags::WAITALL,
                MsgFlag::NoSignal => return Err(Errno(libc::EINVAL)),
            })
    })
}

/// The address as rustix takes it.
fn socket_addr(address: &SocketAddress) -> Result<SocketAddrAny, Errno> {
    Ok(match address {
        SocketAddress::Path(path) => SocketAddrUnix::new(path.as_path())?.into(),
        SocketAddress::Abstract(name) => abstract_addr(name)?.into(),
        SocketAddress::Inet(address) => (*address).into(),
    })
}

#[cfg(linux_like)]
fn abstract_addr(name: &[u8]) -> Result<SocketAddrUnix, Errno> {
    Ok(SocketAddrUnix::new_abstract_name(name)?)
}

/// rustix has abstract names on Linux only; the platform profile skips their scenarios.
#[cfg(not(linux_like))]
fn abstract_addr(_name: &[u8]) -> Result<SocketAddrUnix, Errno> {
    Err(Errno::UNSUPPORTED)
}

/// The address a kernel reported, `None` for an unnamed socket (or a family we do not
/// use).
fn reported(address: SocketAddrAny) -> Option<SocketAddress> {
    match address.address_family() {
        AddressFamily::UNIX => unix_reported(&SocketAddrUnix::try_from(address).ok()?),
        AddressFamily::INET => SocketAddrV4::try_from(address)
            .ok()
            .map(SocketAddress::Inet),
        _ => None,
    }
}

/// An `AF_UNIX` address: a path, an abstract name, or `None` when unnamed. XNU's
/// unnamed address (`sun_noname`: the path bytes all zero) reads as neither a path nor,
/// off Linux, an abstract name.
fn unix_reported(unix: &SocketAddrUnix) -> Option<SocketAddress> {
    use std::os::unix::ffi::OsStrExt as _;
    if let Some(path) = unix.path_bytes() {
        return Some(SocketAddress::Path(
            std::ffi::OsStr::from_bytes(path).into(),
        ));
    }
    abstract_name(unix).map(SocketAddress::Abstract)
}

#[cfg(linux_like)]
fn abstract_name(unix: &SocketAddrUnix) -> Option<Vec<u8>> {
    unix.abstract_name().map(<[u8]>::to_vec)
}

#[cfg(not(linux_like))]
fn abstract_name(_unix: &SocketAddrUnix) -> Option<Vec<u8>> {
    None
}

/// `setsockopt()` of an integer option: rustix has a setter for the buffer sizes (and,
/// where the platform has it, `SO_NOSIGPIPE`), none for the read-only `SO_ERROR` and
/// `SO_TYPE`.
fn set_option(fd: BorrowedFd<'_>, option: SockOpt, value: u64) -> Result<(), Errno> {
    let size = || usize::try_from(value).map_err(|_| Errno(libc::EINVAL));
    match option {
        SockOpt::RcvBuf => Ok(sockopt::set_socket_recv_buffer_size(fd, size()?)?),
        SockOpt::SndBuf => Ok(sockopt::set_socket_send_buffer_size(fd, size()?)?),
        SockOpt::NoSigPipe => set_nosigpipe(fd, value != 0),
        SockOpt::Error | SockOpt::Type => Err(Errno::UNSUPPORTED),
    }
}

/// `getsockopt()` of an integer option, as the C call reports it.
fn get_option(fd: BorrowedFd<'_>, option: SockOpt) -> Result<u64, Errno> {
    let as_u64 = |n: usize| u64::try_from(n).map_err(|_| Errno(libc::ERANGE));
    match option {
        SockOpt::RcvBuf => as_u64(sockopt::socket_recv_buffer_size(fd)?),
        SockOpt::SndBuf => as_u64(sockopt::socket_send_buffer_size(fd)?),
        SockOpt::Error => {
            let pending = sockopt::socket_error(fd)?.map_or_else(|e| e.raw_os_error(), |()| 0);
            u64::try_from(pending).map_err(|_| Errno(libc::ERANGE))
        }
        SockOpt::Type => Ok(u64::from(sockopt::socket_type(fd)?.as_raw())),
        SockOpt::NoSigPipe => get_nosigpipe(fd),
    }
}

#[cfg(apple)]
fn set_nosigpipe(fd: BorrowedFd<'_>, on: bool) -> Result<(), Errno> {
    Ok(sockopt::set_socket_nosigpipe(fd, on)?)
}

#[cfg(apple)]
fn get_nosigpipe(fd: BorrowedFd<'_>) -> Result<u64, Errno> {
    Ok(u64::from(sockopt::socket_nosigpipe(fd)?))
}

/// rustix has `SO_NOSIGPIPE` only where the platform does (BSDs and Apple).
#[cfg(not(apple))]
fn set_nosigpipe(_fd: BorrowedFd<'_>, _on: bool) -> Result<(), Errno> {
    Err(Errno::UNSUPPORTED)
}

#[cfg(not(apple))]
fn get_nosigpipe(_fd: BorrowedFd<'_>) -> Result<u64, Errno> {
    Err(Errno::UNSUPPORTED)
}

impl Socket for RustixSockets {
    type Handle = OwnedFd;

    fn socket(&self, kind: SocketKind, flags: &[SocketFlag]) -> Result<OwnedFd, Errno> {
        Ok(net::socket_with(
            family(kind),
            socket_type(kind),
            socket_flags(flags)?,
            None,
        )?)
    }

    fn socketpair(&self, kind: SocketKind) -> Result<(OwnedFd, OwnedFd), Errno> {
        Ok(net::socketpair(
            family(kind),
            socket_type(kind),
            SocketFlags::empty(),
            None,
        )?)
    }

    fn bind(&self, socket: &OwnedFd, to: &SocketAddress) -> Result<(), Errno> {
        Ok(net::bind(socket, &socket_addr(to)?)?)
    }

    fn local_address(&self, socket: &OwnedFd) -> Result<SocketAddress, Errno> {
        reported(net::getsockname(socket)?).ok_or(Errno(libc::ENOTCONN))
    }

    fn listen(&self, socket: &OwnedFd, backlog: u32) -> Result<(), Errno> {
        let backlog = i32::try_from(backlog).map_err(|_| Errno(libc::EINVAL))?;
        Ok(net::listen(socket, backlog)?)
    }

    fn accept(&self, socket: &OwnedFd, flags: &[SocketFlag]) -> Result<OwnedFd, Errno> {
        if flags.is_empty() {
            return Ok(net::accept(socket)?);
        }
        Ok(net::accept_with(socket, socket_flags(flags)?)?)
    }

    fn connect(&self, socket: &OwnedFd, to: &SocketAddress) -> Result<(), Errno> {
        Ok(net::connect(socket, &socket_addr(to)?)?)
    }

    fn send(
        &self,
        socket: &OwnedFd,
        data: &[u8],
        to: Option<&SocketAddress>,
        flags: &[MsgFlag],
    ) -> Result<usize, Errno> {
        let flags = send_flags(flags)?;
        Ok(match to {
            Some(to) => net::sendto(socket, data, flags, &socket_addr(to)?)?,
            None => net::send(socket, data, flags)?,
        })
    }

    fn recv(&self, socket: &OwnedFd, buf: &mut [u8], flags: &[MsgFlag]) -> Result<Received, Errno> {
        let flags = recv_flags(flags)?;
        let mut iov = [IoSliceMut::new(buf)];
        let msg = net::recvmsg(socket, &mut iov, &mut RecvAncillaryBuffer::default(), flags)?;
        Ok(Received {
            // Without MSG_TRUNC among the flags asked for, the count is what was stored.
            len: msg.bytes,
            truncated: msg.flags.contains(ReturnFlags::TRUNC),
            from: msg.address.and_then(reported),
        })
    }

    fn shutdown(&self, socket: &OwnedFd, how: ShutdownHow) -> Result<(), Errno> {
        let how = match how {
            ShutdownHow::Read => Shutdown::Read,
            ShutdownHow::Write => Shutdown::Write,
            ShutdownHow::Both => Shutdown::Both,
        };
        Ok(net::shutdown(socket, how)?)
    }

    fn send_fd(&self, socket: &OwnedFd, fd: BorrowedFd<'_>) -> Result<(), Errno> {
        let fds = [fd];
        let mut space = [MaybeUninit::uninit(); ::rustix::cmsg_space!(ScmRights(1))];
        let mut control = SendAncillaryBuffer::new(&mut space);
        if !control.push(SendAncillaryMessage::ScmRights(&fds)) {
            // The buffer is sized for one descriptor by rustix's own macro.
            return Err(Errno(libc::ENOBUFS));
        }
        net::sendmsg(
            socket,
            &[IoSlice::new(b"F")],
            &mut control,
            SendFlags::empty(),
        )?;
        Ok(())
    }

    fn recv_fd(&self, socket: &OwnedFd) -> Result<OwnedFd, Errno> {
        let mut byte = [0u8; 1];
        let mut iov = [IoSliceMut::new(&mut byte)];
        let mut space = [MaybeUninit::uninit(); ::rustix::cmsg_space!(ScmRights(1))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        net::recvmsg(socket, &mut iov, &mut control, RecvFlags::empty())?;
        // Every descriptor that arrived is ours: the first is kept, the rest are closed
        // as the drain drops them.
        let mut received = None;
        for message in control.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = message {
                for fd in fds {
                    received.get_or_insert(fd);
                }
            }
        }
        received.ok_or(Errno(libc::EBADMSG))
    }

    fn set_option(&self, socket: &OwnedFd, option: SockOpt, value: u64) -> Result<(), Errno> {
        set_option(socket.as_fd(), option, value)
    }

    fn get_option(&self, socket: &OwnedFd, option: SockOpt) -> Result<u64, Errno> {
        get_option(socket.as_fd(), option)
    }

    fn set_nonblocking(&self, socket: &OwnedFd, on: bool) -> Result<(), Errno> {
        set_nonblocking(socket.as_fd(), on)
    }

    fn fd<'a>(&self, socket: &'a OwnedFd) -> Option<BorrowedFd<'a>> {
        Some(socket.as_fd())
    }
}

#[cfg(test)]
mod tests {
    use ::rustix::net::SocketAddrUnix;

    use super::unix_reported;
    use crate::mechanism::SocketAddress;

    #[test]
    fn a_path_is_reported() {
        let named = SocketAddrUnix::new("/tmp/ipcc-srv").expect("a short path");
        assert_eq!(
            unix_reported(&named),
            Some(SocketAddress::Path("/tmp/ipcc-srv".into()))
        );
    }

    /// Linux's unnamed address: the family alone.
    #[cfg(linux_like)]
    #[test]
    fn the_family_alone_is_unnamed() {
        assert_eq!(unix_reported(&SocketAddrUnix::new_unnamed()), None);
    }

    #[cfg(linux_like)]
    #[test]
    fn an_abstract_name_is_reported() {
        let name = SocketAddrUnix::new_abstract_name(b"ipcc-abs").expect("a short name");
        assert_eq!(
            unix_reported(&name),
            Some(SocketAddress::Abstract(b"ipcc-abs".to_vec()))
        );
    }
}

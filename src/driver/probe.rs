//! Questions the actor asks the kernel about the object itself, through its descriptor.

use std::os::fd::{AsRawFd, BorrowedFd};

use nix::fcntl::{fcntl, FcntlArg, FdFlag as NixFdFlag, OFlag};
use nix::poll::{PollFd, PollFlags, PollTimeout};

use crate::scenario::{Errno, FdFlag, PollEvent};

/// Whether a descriptor flag is set: O_NONBLOCK (a status flag of the open file
/// description, shared by every descriptor of it) or FD_CLOEXEC (the descriptor's own).
pub fn get_flag(fd: BorrowedFd<'_>, flag: FdFlag) -> Result<bool, Errno> {
    Ok(match flag {
        FdFlag::NonBlock => {
            OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?).contains(OFlag::O_NONBLOCK)
        }
        FdFlag::CloExec => NixFdFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFD)?)
            .contains(NixFdFlag::FD_CLOEXEC),
    })
}

/// `ioctl(FIONREAD)`: bytes queued for reading.
#[expect(unsafe_code, reason = "FIONREAD has no safe wrapper in nix")]
pub fn fionread(fd: BorrowedFd<'_>) -> Result<u64, Errno> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through the pointer, which points at `n`.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD as _, &mut n) };
    if r < 0 {
        return Err(Errno(nix::errno::Errno::last_raw()));
    }
    Ok(n as u64)
}

/// `fcntl(F_GETPIPE_SZ)`.
#[cfg(linux_like)]
pub fn get_pipe_size(fd: BorrowedFd<'_>) -> Result<u64, Errno> {
    Ok(nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETPIPE_SZ)? as u64)
}

/// `fcntl(F_SETPIPE_SZ)`: returns the size the kernel granted.
#[cfg(linux_like)]
pub fn set_pipe_size(fd: BorrowedFd<'_>, size: usize) -> Result<u64, Errno> {
    Ok(nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETPIPE_SZ(size as libc::c_int))? as u64)
}

/// Platforms without pipe sizing skip the scenarios that use it (platform profile);
/// this answers ENOSYS should one run anyway.
#[cfg(not(linux_like))]
pub fn get_pipe_size(_fd: BorrowedFd<'_>) -> Result<u64, Errno> {
    Err(Errno(libc::ENOSYS))
}

/// See [`get_pipe_size`].
#[cfg(not(linux_like))]
pub fn set_pipe_size(_fd: BorrowedFd<'_>, _size: usize) -> Result<u64, Errno> {
    Err(Errno(libc::ENOSYS))
}

/// `poll()` with a zero timeout: whether the event is ready now.
pub fn poll_ready(fd: BorrowedFd<'_>, event: PollEvent) -> Result<bool, Errno> {
    let flags = match event {
        PollEvent::In => PollFlags::POLLIN,
        PollEvent::Out => PollFlags::POLLOUT,
    };
    let mut fds = [PollFd::new(fd, flags)];
    nix::poll::poll(&mut fds, PollTimeout::ZERO)?;
    Ok(fds[0].revents().is_some_and(|r| r.intersects(flags)))
}

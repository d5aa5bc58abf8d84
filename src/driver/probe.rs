//! Questions the actor asks the kernel about the object itself, through its descriptor.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, BorrowedFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::sys::wait::waitpid;
use nix::unistd::{fork, ForkResult};

use super::spawn::check_single_threaded;

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

/// How long a measuring child may take.
const CHILD_TIMEOUT: Duration = Duration::from_secs(5);

/// `measure` run in a child of its own, which answers over a socketpair of the driver's
/// and leaves with `_exit`: whatever an implementation sets up in a process that makes
/// or opens its object (a runtime, threads, a cache) stays out of the driver, which
/// forks the actors afterwards. `None` when `measure` has no answer, the child takes
/// longer than 5 s, or the driver is not single-threaded (forking would not be safe).
pub(crate) fn in_child(measure: impl FnOnce() -> Option<u64>) -> Option<u64> {
    in_child_all(|| measure().map(|n| [n]))
        .map(|[n]| n)
        .filter(|n| *n > 0)
}

/// [`in_child`] for a measurement of `N` numbers.
#[expect(unsafe_code, reason = "fork, and _exit in the child")]
pub(crate) fn in_child_all<const N: usize>(
    measure: impl FnOnce() -> Option<[u64; N]>,
) -> Option<[u64; N]> {
    check_single_threaded().ok()?;
    let (mut ours, mut theirs) = UnixStream::pair().ok()?;
    // SAFETY: the process has one thread (checked above); the child measures, writes
    // its answer and leaves with _exit.
    match unsafe { fork() }.ok()? {
        ForkResult::Child => {
            drop(ours);
            // Nothing written is no answer.
            if let Some(answer) = measure() {
                let bytes: Vec<u8> = answer.iter().flat_map(|n| n.to_ne_bytes()).collect();
                let _ = theirs.write_all(&bytes);
            }
            // SAFETY: leaves at once, running nothing of the parent's.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            drop(theirs);
            let _ = ours.set_read_timeout(Some(CHILD_TIMEOUT));
            let mut answer = [[0u8; 8]; N];
            let read = answer
                .iter_mut()
                .try_for_each(|n| ours.read_exact(n.as_mut_slice()));
            let _ = kill(child, Signal::SIGKILL);
            let _ = waitpid(child, None);
            read.ok().map(|()| answer.map(u64::from_ne_bytes))
        }
    }
}

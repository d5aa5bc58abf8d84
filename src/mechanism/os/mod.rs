//! The reference implementation: the operating system through its C library (nix).

mod byte_stream;
mod shared_lock;
mod shared_page;
mod shared_region;
mod socket;
mod synchronizer;

pub use byte_stream::OsByteStream;
pub use shared_lock::OsSharedLock;
pub use shared_page::{PageMemory, SharedPage};
pub use shared_region::{OsRegion, OsSharedRegion, SysvSegment};
pub use socket::OsSocket;
pub use synchronizer::{OsPosixSemaphore, OsSynchronizer, SysvSemaphoreSet};

use std::os::fd::BorrowedFd;

use nix::fcntl::{fcntl, FcntlArg, OFlag};

use super::Implementation;
use crate::scenario::{AccessMode, Errno, IpcFlag, OpenFlag};

/// Turn `O_NONBLOCK` on or off with `fcntl(F_SETFL)`, keeping the other status flags.
pub(crate) fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> Result<(), Errno> {
    let mut flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    flags.set(OFlag::O_NONBLOCK, on);
    fcntl(fd, FcntlArg::F_SETFL(flags))?;
    Ok(())
}

/// The `open()` flags of the scenario's flags.
fn oflags(flags: &[OpenFlag]) -> OFlag {
    flags.iter().fold(OFlag::empty(), |acc, f| {
        acc | match f {
            OpenFlag::NonBlock => OFlag::O_NONBLOCK,
            OpenFlag::CloExec => OFlag::O_CLOEXEC,
            OpenFlag::Creat => OFlag::O_CREAT,
            OpenFlag::Excl => OFlag::O_EXCL,
        }
    })
}

/// A System V `*get()` call's flags: the scenario's, and mode 0600.
fn ipc_flags(flags: &[IpcFlag]) -> i32 {
    flags.iter().fold(0o600, |bits, flag| {
        bits | match flag {
            IpcFlag::Creat => libc::IPC_CREAT,
            IpcFlag::Excl => libc::IPC_EXCL,
        }
    })
}

/// The CLOCK_REALTIME time `timeout` from now, as the `*_timedwait()` calls take it.
fn realtime_deadline(timeout: std::time::Duration) -> Result<libc::timespec, Errno> {
    let now = nix::time::clock_gettime(nix::time::ClockId::CLOCK_REALTIME)?;
    let deadline = std::time::Duration::from(now) + timeout;
    Ok(libc::timespec {
        tv_sec: deadline.as_secs() as libc::time_t,
        tv_nsec: libc::c_long::from(deadline.subsec_nanos() as i32),
    })
}

/// The `open()` access mode.
fn access_mode(mode: AccessMode) -> OFlag {
    match mode {
        AccessMode::ReadOnly => OFlag::O_RDONLY,
        AccessMode::WriteOnly => OFlag::O_WRONLY,
        AccessMode::ReadWrite => OFlag::O_RDWR,
    }
}

/// The operating system, every family: the default implementation under test.
#[derive(Clone, Copy, Debug, Default)]
pub struct Os;

impl Implementation for Os {
    type Streams = OsByteStream;
    type Regions = OsSharedRegion;
    type Sockets = OsSocket;
    type Synchronizers = OsSynchronizer;

    fn name(&self) -> &str {
        "os"
    }

    fn byte_streams(&self) -> Option<&OsByteStream> {
        Some(&OsByteStream)
    }

    fn shared_regions(&self) -> Option<&OsSharedRegion> {
        Some(&OsSharedRegion)
    }

    fn sockets(&self) -> Option<&OsSocket> {
        Some(&OsSocket)
    }

    fn synchronizers(&self) -> Option<&OsSynchronizer> {
        Some(&OsSynchronizer)
    }
}

//! rustix 1.1 as an implementation under test: pipes, FIFOs, sockets and shared memory
//! through its safe syscall wrappers (on Linux its own raw-syscall backend, not libc).
//!
//! - **pipe**: `pipe::pipe`, and `pipe::pipe_with` (`pipe2`) for `O_NONBLOCK` and
//!   `O_CLOEXEC` at creation.
//! - **fifo**: `fs::mkfifoat(CWD, …)` and `fs::open` with the scenario's `OFlags`.
//! - Both: `io::read`, `io::write`, `io::dup`, and `fs::fcntl_getfl` / `fcntl_setfl` for
//!   `O_NONBLOCK` ([`RustixStreams`]).
//! - **sockets** (`unix-stream`, `unix-dgram`, `unix-seqpacket`, `socketpair`, `tcp`,
//!   `udp`): `net::socket_with`, `socketpair`, `bind`, `getsockname`, `listen`,
//!   `accept` / `accept_with` (`accept4`), `connect`, `send` / `sendto`, `recvmsg`,
//!   `shutdown`, `sendmsg` / `recvmsg` with `SendAncillaryBuffer` /
//!   `RecvAncillaryBuffer` for SCM_RIGHTS, and `net::sockopt` for `SO_RCVBUF`,
//!   `SO_SNDBUF`, `SO_ERROR`, `SO_TYPE` (and `SO_NOSIGPIPE` where the platform has it)
//!   ([`RustixSockets`]).
//! - **posix-shm**, **anon-shared**, **file-mmap**: `shm::open` / `shm::unlink`,
//!   `fs::open`, `fs::ftruncate`, `fs::fstat`, `io::pread` / `pwrite`, and
//!   `mm::mmap` / `mmap_anonymous`, `mprotect`, `munmap`, `msync` ([`RustixRegions`]).
//!
//! Every handle is the `OwnedFd` rustix returns, so every descriptor is visible to the
//! driver.
//!
//! # What it cannot do
//!
//! - **sysv-shm**: rustix has no `shmget`, `shmat`, `shmdt` or `shmctl`; the mechanism
//!   is not provided.
//! - **shm_open** takes `shm::OFlags`, which name only `O_RDONLY`, `O_RDWR`, `O_CREAT`,
//!   `O_EXCL` and `O_TRUNC`: `O_WRONLY` and `O_NONBLOCK` are calls it cannot make
//!   ([`Errno::UNSUPPORTED`]). Its descriptors always have FD_CLOEXEC, as POSIX says.
//! - **Setting** `SO_ERROR` or `SO_TYPE`: `net::sockopt` has getters only
//!   ([`Errno::UNSUPPORTED`]).
//! - Platform gaps that rustix mirrors: on Apple targets there is no `pipe_with`,
//!   `mkfifoat` (so the operating system makes FIFOs: [`Capability::MakeFifo`] is not
//!   declared there), `SOCK_NONBLOCK` / `SOCK_CLOEXEC`, `accept4`, `MSG_NOSIGNAL` or
//!   abstract names; on Linux no `SO_NOSIGPIPE`. The platform profile skips the
//!   scenarios that need them.
//!
//! [`Capability::MakeFifo`]: crate::mechanism::Capability::MakeFifo

mod regions;
mod sockets;
mod streams;

use std::os::fd::BorrowedFd;

use ::rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};

pub use self::regions::{RustixRegion, RustixRegions};
pub use self::sockets::RustixSockets;
pub use self::streams::RustixStreams;
use super::Adapter;
use crate::mechanism::{Implementation, Unimplemented};
use crate::scenario::{AccessMode, Errno, OpenFlag};

/// Its name in reports and on the command line.
const NAME: &str = "rustix";

/// The adapter in the conformance matrix: `--implementation rustix`.
pub const ADAPTER: Adapter = Adapter::of(
    NAME,
    "rustix 1.1: pipe::{pipe, pipe_with}, fs::{mkfifoat, open, fcntl_setfl}, io::{read, write, dup}, \
     net::{socket_with, socketpair, bind, listen, accept_with, connect, send, sendto, recvmsg, \
     sendmsg, shutdown, sockopt}, shm::{open, unlink}, mm::{mmap, mmap_anonymous, mprotect, \
     munmap, msync}",
    &Rustix,
    &[],
);

/// rustix: its pipes and FIFOs, its sockets, and its mappings.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rustix;

impl Implementation for Rustix {
    type Streams = RustixStreams;
    type Regions = RustixRegions;
    type Sockets = RustixSockets;
    type Synchronizers = Unimplemented;

    fn name(&self) -> &str {
        NAME
    }

    fn byte_streams(&self) -> Option<&RustixStreams> {
        Some(&RustixStreams)
    }

    fn shared_regions(&self) -> Option<&RustixRegions> {
        Some(&RustixRegions)
    }

    fn sockets(&self) -> Option<&RustixSockets> {
        Some(&RustixSockets)
    }

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
    }
}

/// rustix's errors carry the errno: every call of the adapter answers with it.
impl From<::rustix::io::Errno> for Errno {
    fn from(e: ::rustix::io::Errno) -> Self {
        Errno(e.raw_os_error())
    }
}

/// Turn `O_NONBLOCK` on or off with `fcntl(F_GETFL)` and `fcntl(F_SETFL)`, keeping the
/// other status flags.
fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> Result<(), Errno> {
    let mut flags = fcntl_getfl(fd)?;
    flags.set(OFlags::NONBLOCK, on);
    Ok(fcntl_setfl(fd, flags)?)
}

/// The `open()` flags: the access mode and the scenario's flags.
fn open_flags(mode: AccessMode, flags: &[OpenFlag]) -> OFlags {
    let access = match mode {
        AccessMode::ReadOnly => OFlags::RDONLY,
        AccessMode::WriteOnly => OFlags::WRONLY,
        AccessMode::ReadWrite => OFlags::RDWR,
    };
    flags.iter().fold(access, |acc, f| {
        acc | match f {
            OpenFlag::NonBlock => OFlags::NONBLOCK,
            OpenFlag::CloExec => OFlags::CLOEXEC,
            OpenFlag::Creat => OFlags::CREATE,
            OpenFlag::Excl => OFlags::EXCL,
        }
    })
}

//! Pipes and FIFOs through `pipe()`/`pipe2()`, `mkfifo()`, `open()`, `read()`, `write()`.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use nix::fcntl::OFlag;
use nix::sys::stat::Mode;

use super::{access_mode, oflags, set_nonblocking};
use crate::mechanism::{ByteStream, Capability, Describe};
use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// The operating system's pipes and FIFOs.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsByteStream;

impl Describe for OsByteStream {
    fn name(&self) -> &str {
        "os"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Pipe, Mechanism::Fifo]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        Capability::ALL
    }
}

impl ByteStream for OsByteStream {
    type End = OwnedFd;

    fn pipe(&self, flags: &[OpenFlag]) -> Result<(OwnedFd, OwnedFd), Errno> {
        if flags.is_empty() {
            return Ok(nix::unistd::pipe()?);
        }
        pipe2(oflags(flags))
    }

    fn mkfifo(&self, path: &Path) -> Result<(), Errno> {
        Ok(nix::unistd::mkfifo(path, Mode::S_IRUSR | Mode::S_IWUSR)?)
    }

    fn open(&self, path: &Path, mode: AccessMode, flags: &[OpenFlag]) -> Result<OwnedFd, Errno> {
        let access = access_mode(mode);
        Ok(nix::fcntl::open(
            path,
            access | oflags(flags),
            Mode::empty(),
        )?)
    }

    fn read(&self, end: &OwnedFd, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(nix::unistd::read(end, buf)?)
    }

    fn write(&self, end: &OwnedFd, buf: &[u8]) -> Result<usize, Errno> {
        Ok(nix::unistd::write(end, buf)?)
    }

    fn set_nonblocking(&self, end: &OwnedFd, on: bool) -> Result<(), Errno> {
        set_nonblocking(end.as_fd(), on)
    }

    fn close(&self, end: OwnedFd) -> Result<(), Errno> {
        Ok(nix::unistd::close(end)?)
    }

    fn dup(&self, end: &OwnedFd) -> Result<OwnedFd, Errno> {
        Ok(nix::unistd::dup(end)?)
    }

    fn fd<'a>(&self, end: &'a OwnedFd) -> Option<BorrowedFd<'a>> {
        Some(end.as_fd())
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn pipe2(flags: OFlag) -> Result<(OwnedFd, OwnedFd), Errno> {
    Ok(nix::unistd::pipe2(flags)?)
}

/// Platforms without `pipe2()` refuse flags here; scenarios that need them are skipped
/// there by the platform profile before they reach this point.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn pipe2(_flags: OFlag) -> Result<(OwnedFd, OwnedFd), Errno> {
    Err(Errno(libc::ENOSYS))
}

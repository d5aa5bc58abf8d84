//! Pipes and FIFOs through rustix: `pipe::pipe`, `pipe::pipe_with` (pipe2),
//! `fs::mkfifoat`, `fs::open`, `io::read`, `io::write`, `io::dup` and
//! `fs::fcntl_getfl` / `fcntl_setfl` for O_NONBLOCK.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;

use ::rustix::fs::{self, Mode};
use ::rustix::{io, pipe};

use super::{open_flags, set_nonblocking, NAME};
use crate::mechanism::{ByteStream, Capability, Describe};
use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// rustix's pipes and FIFOs: an end is the `OwnedFd` rustix hands back.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustixStreams;

/// What rustix offers on every platform: O_NONBLOCK and O_CLOEXEC at `open` (and at
/// `pipe_with`, where there is one), `fcntl_setfl`, `dup`, and waiting FIFO opens.
/// `mkfifoat` is left out of rustix on Apple targets (`src/fs/at.rs`), so there the
/// operating system makes the FIFO.
#[cfg(not(apple))]
const CAPABILITIES: &[Capability] = &[
    Capability::NonBlocking,
    Capability::CloseOnExec,
    Capability::Duplicate,
    Capability::MakeFifo,
    Capability::Descriptor,
    Capability::WaitingOpen,
];

#[cfg(apple)]
const CAPABILITIES: &[Capability] = &[
    Capability::NonBlocking,
    Capability::CloseOnExec,
    Capability::Duplicate,
    Capability::Descriptor,
    Capability::WaitingOpen,
];

impl Describe for RustixStreams {
    fn name(&self) -> &str {
        NAME
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Pipe, Mechanism::Fifo]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        CAPABILITIES
    }
}

impl ByteStream for RustixStreams {
    type End = OwnedFd;

    fn pipe(&self, flags: &[OpenFlag]) -> Result<(OwnedFd, OwnedFd), Errno> {
        if flags.is_empty() {
            return Ok(pipe::pipe()?);
        }
        pipe_with(flags)
    }

    #[cfg(not(apple))]
    fn mkfifo(&self, path: &Path) -> Result<(), Errno> {
        Ok(fs::mkfifoat(fs::CWD, path, Mode::RUSR | Mode::WUSR)?)
    }

    fn open(&self, path: &Path, mode: AccessMode, flags: &[OpenFlag]) -> Result<OwnedFd, Errno> {
        Ok(fs::open(path, open_flags(mode, flags), Mode::empty())?)
    }

    fn read(&self, end: &OwnedFd, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(io::read(end, buf)?)
    }

    fn write(&self, end: &OwnedFd, buf: &[u8]) -> Result<usize, Errno> {
        Ok(io::write(end, buf)?)
    }

    fn set_nonblocking(&self, end: &OwnedFd, on: bool) -> Result<(), Errno> {
        set_nonblocking(end.as_fd(), on)
    }

    fn dup(&self, end: &OwnedFd) -> Result<OwnedFd, Errno> {
        Ok(io::dup(end)?)
    }

    fn fd<'a>(&self, end: &'a OwnedFd) -> Option<BorrowedFd<'a>> {
        Some(end.as_fd())
    }
}

/// `pipe2()` with the scenario's flags.
#[cfg(not(apple))]
fn pipe_with(flags: &[OpenFlag]) -> Result<(OwnedFd, OwnedFd), Errno> {
    let flags = flags.iter().try_fold(pipe::PipeFlags::empty(), |acc, f| {
        Ok(acc
            | match f {
                OpenFlag::NonBlock => pipe::PipeFlags::NONBLOCK,
                OpenFlag::CloExec => pipe::PipeFlags::CLOEXEC,
                OpenFlag::Creat | OpenFlag::Excl => return Err(Errno(libc::EINVAL)),
            })
    })?;
    Ok(pipe::pipe_with(flags)?)
}

/// rustix has no `pipe_with` on Apple targets (`src/pipe.rs`), as macOS has no
/// `pipe2()`; the platform profile skips the scenarios that need it before they get here.
#[cfg(apple)]
fn pipe_with(_flags: &[OpenFlag]) -> Result<(OwnedFd, OwnedFd), Errno> {
    Err(Errno::UNSUPPORTED)
}

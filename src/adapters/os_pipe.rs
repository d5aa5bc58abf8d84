//! `os_pipe` 1.2: anonymous pipes through `os_pipe::pipe()`, `PipeReader` /
//! `PipeWriter` with `std::io::Read` / `Write`, and `try_clone()`.
//!
//! What it cannot do: FIFOs, non-blocking mode, and `pipe2()` flags; those scenarios are
//! skipped. Both ends, and every `try_clone()` of them, have FD_CLOEXEC set: the crate
//! documents its pipes as non-inheritable (`pipe2(O_CLOEXEC)` in `src/unix.rs`), and
//! `try_clone()` is std's `File::try_clone` (`F_DUPFD_CLOEXEC`).

use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use ::os_pipe::{PipeReader, PipeWriter};

use super::Adapter;
use crate::mechanism::{ByteStream, Capability, Describe, Deviation, PipeEnd, Streams};
use crate::scenario::{Errno, Mechanism, OpenFlag};

/// The adapter in the conformance matrix.
pub const ADAPTER: Adapter = Adapter::of(
    "os_pipe",
    "os_pipe 1.2: pipe(), PipeReader, PipeWriter, try_clone",
    &Streams(OsPipe),
    // Both failures are os_pipe's documented design: declared deviations.
    &[],
);

/// The `os_pipe` crate's pipes.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsPipe;

impl Describe for OsPipe {
    fn name(&self) -> &str {
        "os_pipe"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Pipe]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[Capability::Duplicate, Capability::Descriptor]
    }

    fn deviations(&self) -> &[Deviation] {
        &[
            Deviation {
                scenario: "pipe::flags_clear",
                reason: "os_pipe::pipe() documents its pipes as non-inheritable: FD_CLOEXEC is set",
            },
            Deviation {
                scenario: "pipe::dup_clears_cloexec",
                reason: "os_pipe::pipe() documents its pipes as non-inheritable, and its own test \
                         checks that duplicates stay so: try_clone() (F_DUPFD_CLOEXEC) keeps \
                         FD_CLOEXEC where dup() clears it",
            },
        ]
    }
}

// The crate's types have no `read` on a writer and no `write` on a reader: it refuses at
// compile time what POSIX refuses with EBADF, which `PipeEnd` reports.
impl ByteStream for OsPipe {
    type End = PipeEnd<PipeReader, PipeWriter>;

    fn pipe(&self, _flags: &[OpenFlag]) -> Result<(Self::End, Self::End), Errno> {
        let (reader, writer) = ::os_pipe::pipe()?;
        Ok((PipeEnd::Read(reader), PipeEnd::Write(writer)))
    }

    fn read(&self, end: &Self::End, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(end.reader()?.read(buf)?)
    }

    fn write(&self, end: &Self::End, buf: &[u8]) -> Result<usize, Errno> {
        Ok(end.writer()?.write(buf)?)
    }

    fn dup(&self, end: &Self::End) -> Result<Self::End, Errno> {
        Ok(match end {
            PipeEnd::Read(reader) => PipeEnd::Read(reader.try_clone()?),
            PipeEnd::Write(writer) => PipeEnd::Write(writer.try_clone()?),
        })
    }

    fn fd<'a>(&self, end: &'a Self::End) -> Option<BorrowedFd<'a>> {
        Some(end.as_fd())
    }
}

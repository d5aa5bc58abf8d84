//! The byte-stream family: pipes and FIFOs (stream sockets join later).

use std::fmt;
use std::os::fd::BorrowedFd;
use std::path::Path;

use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// A byte-stream implementation under test: something with a read end and a write end,
/// made anonymously (`pipe()`) or by name (`mkfifo()` + `open()`).
///
/// The driver makes the object before it forks, for processes that inherit it, and calls
/// every other method inside the actor processes after the fork. An implementation that
/// cannot work in a forked child must say so through [`ByteStream::mechanisms`].
///
/// # References
/// - POSIX XSH `pipe()`, `mkfifo()`, `open()`, `read()`, `write()`, `close()`, `fcntl()`.
pub trait ByteStream {
    /// One end of the stream, as the implementation represents it.
    type End: fmt::Debug;

    /// A short name for reports (`os`, `os_pipe`, …).
    fn name(&self) -> &str;

    /// The mechanisms this implementation provides; scenarios of others are skipped.
    fn mechanisms(&self) -> &[Mechanism];

    /// Make an anonymous pipe: `(read end, write end)`, with `pipe2()` flags if any.
    fn pipe(&self, flags: &[OpenFlag]) -> Result<(Self::End, Self::End), Errno>;

    /// Make a FIFO at `path` with mode 0600.
    fn mkfifo(&self, path: &Path) -> Result<(), Errno>;

    /// Open the FIFO at `path`.
    fn open(&self, path: &Path, mode: AccessMode, flags: &[OpenFlag]) -> Result<Self::End, Errno>;

    /// One read of at most `buf.len()` bytes.
    fn read(&self, end: &Self::End, buf: &mut [u8]) -> Result<usize, Errno>;

    /// One write of `buf`; returns the bytes moved.
    fn write(&self, end: &Self::End, buf: &[u8]) -> Result<usize, Errno>;

    /// Turn non-blocking mode on or off.
    fn set_nonblocking(&self, end: &Self::End, on: bool) -> Result<(), Errno>;

    /// Close an end.
    fn close(&self, end: Self::End) -> Result<(), Errno>;

    /// A second handle on the same open end (`dup()`): both refer to one open file
    /// description, and the new one does not have FD_CLOEXEC set.
    fn dup(&self, end: &Self::End) -> Result<Self::End, Errno>;

    /// The descriptor behind an end, when there is one. The driver uses it to recognise
    /// the call a blocked actor sleeps in, to find leaked descriptors, and for probes
    /// that ask the kernel about the object itself (`fpathconf`, `FIONREAD`, `poll`).
    ///
    /// An actor starts by closing every descriptor it was not told to keep, so an end
    /// that holds a descriptor must return it here or lose it in the fork.
    fn fd<'a>(&self, end: &'a Self::End) -> Option<BorrowedFd<'a>>;
}

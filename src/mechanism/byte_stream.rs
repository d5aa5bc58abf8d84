//! The byte-stream family: pipes and FIFOs.

use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;

use super::Describe;
use crate::scenario::{AccessMode, Errno, OpenFlag};

/// A byte-stream implementation under test: something with a read end and a write end,
/// made anonymously (`pipe()`) or by name (`mkfifo()` + `open()`).
///
/// The driver makes the object before it forks, for processes that inherit it, and calls
/// every other method inside the actor processes after the fork. An implementation that
/// cannot work in a forked child must say so through [`Describe::mechanisms`].
///
/// Only `read` and `write` must be written, and `name` and `mechanisms` of its
/// [`Describe`]. The others have bodies that fail with [`Errno::UNSUPPORTED`] and are called only
/// when what gates them is declared: `pipe` for [`Mechanism::Pipe`], `open` for
/// [`Mechanism::Fifo`], `mkfifo` for [`Capability::MakeFifo`] (without it the operating
/// system makes the FIFO), `set_nonblocking` for [`Capability::NonBlocking`], `dup` for
/// [`Capability::Duplicate`]. `fd` should return the descriptor whenever there is one
/// (it makes the blocking verdict exact), and must when [`Capability::Descriptor`] is
/// declared.
///
/// # References
/// - POSIX XSH `pipe()`, `mkfifo()`, `open()`, `read()`, `write()`, `close()`, `fcntl()`.
///
/// [`Mechanism::Pipe`]: crate::scenario::Mechanism::Pipe
/// [`Mechanism::Fifo`]: crate::scenario::Mechanism::Fifo
/// [`Capability::MakeFifo`]: super::Capability::MakeFifo
/// [`Capability::NonBlocking`]: super::Capability::NonBlocking
/// [`Capability::Duplicate`]: super::Capability::Duplicate
/// [`Capability::Descriptor`]: super::Capability::Descriptor
pub trait ByteStream: Describe {
    /// One end of the stream, as the implementation represents it.
    type End;

    /// Make an anonymous pipe: `(read end, write end)`, with `pipe2()` flags if any
    /// (only those its capabilities declare).
    fn pipe(&self, _flags: &[OpenFlag]) -> Result<(Self::End, Self::End), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// Make a FIFO at `path` with mode 0600.
    fn mkfifo(&self, _path: &Path) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// Open the FIFO at `path`.
    fn open(
        &self,
        _path: &Path,
        _mode: AccessMode,
        _flags: &[OpenFlag],
    ) -> Result<Self::End, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// One read of at most `buf.len()` bytes.
    fn read(&self, end: &Self::End, buf: &mut [u8]) -> Result<usize, Errno>;

    /// One write of `buf`; returns the bytes moved.
    fn write(&self, end: &Self::End, buf: &[u8]) -> Result<usize, Errno>;

    /// Turn non-blocking mode on or off.
    fn set_nonblocking(&self, _end: &Self::End, _on: bool) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// Close an end.
    fn close(&self, end: Self::End) -> Result<(), Errno> {
        drop(end);
        Ok(())
    }

    /// A second handle on the same open end (`dup()`): both refer to one open file
    /// description, and the new one does not have FD_CLOEXEC set.
    fn dup(&self, _end: &Self::End) -> Result<Self::End, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// The capacity of the pipes this implementation makes, when it is not the
    /// platform's default (an implementation that resizes its pipes, or has its own):
    /// the scenarios' `PIPE_CAPACITY` and the reference model follow it. POSIX sets no
    /// capacity; only the profile's default is a fact of the platform.
    fn pipe_capacity(&self) -> Option<u64> {
        None
    }

    /// The descriptor behind an end, when there is one. The driver uses it to recognise
    /// the call a blocked actor sleeps in, to find leaked descriptors, and for probes
    /// that ask the kernel about the object itself (`fpathconf`, `FIONREAD`, `poll`).
    ///
    /// An actor starts by closing every descriptor it was not told to keep, so an end
    /// that holds a descriptor must return it here or lose it in the fork.
    fn fd<'a>(&self, _end: &'a Self::End) -> Option<BorrowedFd<'a>> {
        None
    }
}

/// One end of a pipe whose crate has a type per end (`PipeReader`, `PipeWriter`): what
/// an adapter's [`ByteStream::End`] can be.
///
/// ```
/// use ipc_conformance::mechanism::PipeEnd;
///
/// let (r, w) = std::io::pipe()?;
/// let read_end: PipeEnd<_, std::io::PipeWriter> = PipeEnd::Read(r);
/// assert!(read_end.reader().is_ok());
/// assert!(read_end.writer().is_err()); // EBADF, as a write on a read end
/// # drop(w);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub enum PipeEnd<R, W> {
    /// The read end.
    Read(R),
    /// The write end.
    Write(W),
}

impl<R, W> PipeEnd<R, W> {
    /// The reader, or EBADF for a write end (what `read()` on it fails with).
    pub fn reader(&self) -> Result<&R, Errno> {
        match self {
            PipeEnd::Read(r) => Ok(r),
            PipeEnd::Write(_) => Err(Errno(libc::EBADF)),
        }
    }

    /// The writer, or EBADF for a read end.
    pub fn writer(&self) -> Result<&W, Errno> {
        match self {
            PipeEnd::Write(w) => Ok(w),
            PipeEnd::Read(_) => Err(Errno(libc::EBADF)),
        }
    }
}

impl<R: AsFd, W: AsFd> AsFd for PipeEnd<R, W> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            PipeEnd::Read(r) => r.as_fd(),
            PipeEnd::Write(w) => w.as_fd(),
        }
    }
}

//! A tiny pipe crate: the kind of crate whose author adds ipc-conformance to its tests.

use std::io::{self, Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

/// The read end.
#[derive(Debug)]
pub struct Reader(io::PipeReader);

/// The write end.
#[derive(Debug)]
pub struct Writer(io::PipeWriter);

/// A new pipe.
pub fn pipe() -> io::Result<(Reader, Writer)> {
    let (r, w) = io::pipe()?;
    Ok((Reader(r), Writer(w)))
}

impl Reader {
    /// One read of at most `buf.len()` bytes.
    pub fn read(&self, buf: &mut [u8]) -> io::Result<usize> {
        (&self.0).read(buf)
    }
}

impl Writer {
    /// One write.
    pub fn write(&self, buf: &[u8]) -> io::Result<usize> {
        (&self.0).write(buf)
    }
}

impl AsFd for Reader {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

impl AsFd for Writer {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.0.as_fd()
    }
}

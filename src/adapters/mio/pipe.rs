//! mio's anonymous pipes: `mio::unix::pipe::new`, whose `Sender` and `Receiver` write and
//! read with `write(2)` / `read(2)` and switch O_NONBLOCK with `set_nonblocking`.

use std::cell::Cell;
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd};

use ::mio::unix::pipe::{self, Receiver, Sender};
use ::mio::Interest;

use super::wait::call;
use crate::mechanism::{ByteStream, Capability, Describe, Deviation, PipeEnd};
use crate::scenario::{Errno, Mechanism, OpenFlag};

/// `mio::unix::pipe`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MioPipe;

/// One end of a mio pipe, and whether the scenario has put it in non-blocking mode (then
/// a call that would block returns EAGAIN instead of waiting on the actor's `Poll`).
#[derive(Debug)]
pub struct MioPipeEnd {
    end: PipeEnd<Receiver, Sender>,
    nonblocking: Cell<bool>,
}

impl MioPipeEnd {
    fn new(end: PipeEnd<Receiver, Sender>, nonblocking: bool) -> MioPipeEnd {
        MioPipeEnd {
            end,
            nonblocking: Cell::new(nonblocking),
        }
    }
}

/// What mio's documentation says of `pipe::new()`, the reason of each deviation it
/// causes.
const NON_BLOCKING_PIPE: &str =
    "mio::unix::pipe::new is documented as \"Create a new non-blocking Unix pipe\": \
     both ends have O_NONBLOCK set";

/// A short count where a blocking `write()` would wait for the rest: mio's own example
/// in the `pipe::new` documentation.
const SHORT_WRITE: &str =
    "O_NONBLOCK ends (\"Create a new non-blocking Unix pipe\"): one write returns the count \
     that fits, as pipe::new's own example says (\"NOTE: we can't use `write_all` with \
     non-blocking I/O\"), where a blocking write() waits to move every byte";

/// O_NONBLOCK is set from the start, so a process's blocking is its own wait on its own
/// `Poll`: another process setting the flag changes nothing it can see.
const OWN_WAIT: &str =
    "O_NONBLOCK ends from the start (\"Create a new non-blocking Unix pipe\"): a mio user \
     blocks by waiting on its own Poll, so O_NONBLOCK set by another process holding the \
     end does not stop this one's wait for room";

impl Describe for MioPipe {
    fn name(&self) -> &str {
        "mio"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Pipe]
    }

    /// `set_nonblocking` on either end; O_CLOEXEC because mio always sets it.
    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[
            Capability::NonBlocking,
            Capability::CloseOnExec,
            Capability::Descriptor,
        ]
    }

    fn deviations(&self) -> &[Deviation] {
        &[
            Deviation {
                scenario: "pipe::flags_clear",
                reason: NON_BLOCKING_PIPE,
            },
            Deviation {
                scenario: "pipe::nonblock_shared_across_fork",
                reason: NON_BLOCKING_PIPE,
            },
            Deviation {
                scenario: "pipe::pipe2_cloexec_only",
                reason: NON_BLOCKING_PIPE,
            },
            Deviation {
                scenario: "pipe::nonblock_write_end_shared_across_fork",
                reason: OWN_WAIT,
            },
            Deviation {
                scenario: "pipe::pipe_fuzz_0000000000000007",
                reason: SHORT_WRITE,
            },
            Deviation {
                scenario: "pipe::write_larger_than_capacity_blocks",
                reason: SHORT_WRITE,
            },
            Deviation {
                scenario: "pipe::blocked_partial_writer_on_last_reader_close",
                reason: SHORT_WRITE,
            },
        ]
    }
}

impl ByteStream for MioPipe {
    type End = MioPipeEnd;

    /// `pipe::new()` is `pipe2(O_CLOEXEC | O_NONBLOCK)` whatever is asked; an end waits
    /// for readiness unless O_NONBLOCK was asked for.
    fn pipe(&self, flags: &[OpenFlag]) -> Result<(MioPipeEnd, MioPipeEnd), Errno> {
        let (sender, receiver) = pipe::new()?;
        let nonblocking = flags.contains(&OpenFlag::NonBlock);
        Ok((
            MioPipeEnd::new(PipeEnd::Read(receiver), nonblocking),
            MioPipeEnd::new(PipeEnd::Write(sender), nonblocking),
        ))
    }

    fn read(&self, end: &MioPipeEnd, buf: &mut [u8]) -> Result<usize, Errno> {
        let mut receiver = end.end.reader()?;
        call(
            end.end.as_fd(),
            Interest::READABLE,
            end.nonblocking.get(),
            || receiver.read(buf),
        )
    }

    fn write(&self, end: &MioPipeEnd, buf: &[u8]) -> Result<usize, Errno> {
        let mut sender = end.end.writer()?;
        call(
            end.end.as_fd(),
            Interest::WRITABLE,
            end.nonblocking.get(),
            || sender.write(buf),
        )
    }

    /// mio's own `set_nonblocking`: O_NONBLOCK on the open file description, which
    /// every process holding the end shares.
    fn set_nonblocking(&self, end: &MioPipeEnd, on: bool) -> Result<(), Errno> {
        match &end.end {
            PipeEnd::Read(receiver) => receiver.set_nonblocking(on)?,
            PipeEnd::Write(sender) => sender.set_nonblocking(on)?,
        }
        end.nonblocking.set(on);
        Ok(())
    }

    fn fd<'a>(&self, end: &'a MioPipeEnd) -> Option<BorrowedFd<'a>> {
        Some(end.end.as_fd())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_of_an_empty_pipe_waits_for_the_write() {
        let (read, write) = MioPipe.pipe(&[]).unwrap();
        let writer = std::thread::spawn(move || MioPipe.write(&write, b"hi"));
        let mut buf = [0u8; 8];
        assert_eq!(MioPipe.read(&read, &mut buf), Ok(2));
        assert_eq!(&buf[..2], b"hi");
        assert_eq!(writer.join().unwrap(), Ok(2));
    }

    #[test]
    fn an_end_in_non_blocking_mode_answers_eagain() {
        let (read, _write) = MioPipe.pipe(&[OpenFlag::NonBlock]).unwrap();
        assert_eq!(MioPipe.read(&read, &mut [0u8; 1]), Err(Errno(libc::EAGAIN)));
    }
}

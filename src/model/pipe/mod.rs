//! The reference model of a pipe, anonymous or named (a FIFO): POSIX semantics under a
//! platform profile, pure and in-process. It holds the bytes in the pipe, the open file
//! descriptions (each with its O_NONBLOCK flag, shared by every copy of it) and which
//! process holds which (inherited copies and duplicates counted), and the calls that are
//! blocked; for each action it answers what the call does and moves to the next state.
//!
//! Where POSIX leaves a choice to the platform, the model takes the profile's: Linux
//! keeps a pipe's bytes in page-sized buffers (`pipe_page`), so room comes back only
//! when a whole buffer has been read, a write first fills the tail of the last buffer if
//! its odd part fits there; an `open` of a FIFO for reading and writing never waits.
//! Where the outcome would depend on how the kernel schedules the processes (two blocked
//! readers and data for one), the model says so and does not guess; so it does where a
//! write of more than PIPE_BUF made in parts, as POSIX allows, would come out otherwise
//! than the kernel makes it whole (a non-blocking one's count, which may be any from 1;
//! a blocked reader's share; the buffers its odd part would share).
//!
//! # References
//! - POSIX XSH `read()`: an empty pipe with a writer blocks the reader, or fails with
//!   EAGAIN when O_NONBLOCK is set; with no writer it returns 0.
//! - POSIX XSH `write()`: with no reader, SIGPIPE, or EPIPE when it is ignored; at most
//!   PIPE_BUF bytes are written at once or not at all; O_NONBLOCK turns waiting for room
//!   into EAGAIN (or a partial write above PIPE_BUF).
//! - POSIX XSH `open()`: a FIFO opened read-only waits for a writer, write-only for a
//!   reader; with O_NONBLOCK the first returns at once, the second fails with ENXIO.
//! - POSIX XSH `fcntl()`: O_NONBLOCK belongs to the open file description.

mod apply;
mod io;
mod meets;
mod state;
#[cfg(test)]
mod tests;

pub use state::PipeModel;

//! mio 1.2 (`adapter-mio`): anonymous pipes through `mio::unix::pipe` (`new`, `Sender`,
//! `Receiver`), and Unix sockets through `mio::net::{UnixListener, UnixStream,
//! UnixDatagram}` (streams, datagrams and their socketpairs).
//!
//! mio makes every descriptor non-blocking and close-on-exec (`pipe2(O_CLOEXEC |
//! O_NONBLOCK)`, `SOCK_NONBLOCK | SOCK_CLOEXEC`, `accept4` with both). A mio user blocks
//! by waiting on a `Poll` and trying again, and so does this adapter: one `Poll` per
//! actor, made on its first wait after the fork, and no timeout (`wait.rs`). A call that
//! would block therefore sleeps in `epoll_wait`, not in the call itself; the blocking
//! oracle reads that from the kernel. The `Poll`'s epoll instance is the one descriptor
//! an actor holds for itself.
//!
//! A pipe end does not wait once the scenario puts it in non-blocking mode (`O_NONBLOCK`
//! at creation, or `Sender::set_nonblocking` / `Receiver::set_nonblocking`, which set
//! the flag on the open file description); clearing the flag makes the descriptor
//! blocking, and a call then waits in the kernel.
//!
//! What it cannot do (`Errno::UNSUPPORTED`, or not declared: skipped):
//! - FIFOs: mio opens and makes none.
//! - `dup` of a pipe end; non-blocking mode of a socket (mio's sockets are always
//!   O_NONBLOCK and have no `set_nonblocking`); send and recv flags; descriptor passing;
//!   socket options other than `SO_ERROR` (`take_error`); `SOCK_SEQPACKET`.
//! - A bare `socket()`: as in std, a stream socket is made by `UnixListener::bind_addr`
//!   (which also listens, with the system's maximum backlog, so `listen()` has nothing
//!   left to do and its backlog is not passed on) or by `UnixStream::connect_addr`, and a
//!   connected stream has no second `connect`.
//! - A datagram `connect` or `send_to` to an abstract name: mio's `UnixDatagram::connect`
//!   and `send_to` take a `Path` only.
//! - `MSG_TRUNC`: `recv_from` does not report it.
//! - A blocking `connect`: `UnixStream::connect_addr` makes one attempt and, when it
//!   fails, drops the socket, so there is nothing to wait on.

mod pipe;
mod socket;
mod wait;

pub use self::pipe::{MioPipe, MioPipeEnd};
pub use self::socket::{MioHandle, MioSocket};
use super::Adapter;
use crate::mechanism::{Implementation, Unimplemented};
use crate::report::KnownFailure;

/// The `mio` adapter for the command line.
pub const ADAPTER: Adapter = Adapter::of(
    "mio",
    "mio 1.2: unix::pipe::new, Sender, Receiver; net::UnixListener, UnixStream, UnixDatagram \
     (a Poll per actor to block on)",
    &Mio,
    &[
        KnownFailure {
            scenario: "pipe::exec_keeps_inherited_write_end",
            explanation: "pipe::new is pipe2(O_CLOEXEC | O_NONBLOCK) (sys/unix/pipe.rs, new_raw); its documentation calls it \"a wrapper around Unix's pipe(2)\" and names only non-blocking: the undocumented FD_CLOEXEC closes the write end at exec",
        },
        KnownFailure {
            scenario: "pipe::pipe2_nonblock_only",
            explanation: "pipe::new is pipe2(O_CLOEXEC | O_NONBLOCK) (sys/unix/pipe.rs, new_raw); its documentation names only non-blocking: FD_CLOEXEC is set, undocumented",
        },
    ],
);

/// mio's pipes and Unix sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mio;

impl Implementation for Mio {
    type Streams = MioPipe;
    type Regions = Unimplemented;
    type Sockets = MioSocket;
    type Synchronizers = Unimplemented;

    fn name(&self) -> &str {
        "mio"
    }

    fn byte_streams(&self) -> Option<&MioPipe> {
        Some(&MioPipe)
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&MioSocket> {
        Some(&MioSocket)
    }

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
    }
}

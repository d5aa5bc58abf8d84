//! tokio 1.54 (`adapter-tokio`): anonymous pipes through `tokio::net::unix::pipe`, and
//! unix stream sockets through `tokio::net::UnixSocket`, `UnixListener` and `UnixStream`.
//!
//! Every call runs on one current-thread runtime per actor, made on the actor's first
//! call, after the fork (a runtime must not cross a fork), and a call is one `block_on`
//! of one future: a `read()` is one `AsyncReadExt::read`, a `write()` or `send()` one
//! `AsyncWriteExt::write`. tokio makes every descriptor non-blocking and close-on-exec;
//! a call that would block sleeps in the runtime's `epoll_wait`, not in the call itself.
//! The runtime holds three descriptors of its own in each actor that has made a call: an
//! epoll instance, tokio's duplicate of it (`mio::Registry::try_clone`) and an eventfd.
//!
//! The pipe is made before the fork, so `pipe()` runs `pipe::pipe()` inside a runtime of
//! its own, detaches both ends from it (`into_nonblocking_fd`, which keeps what tokio set
//! on the descriptors) and drops it before returning: no runtime lives in the driver.
//! Each end is registered again (`from_owned_fd`) with the actor's runtime on its first
//! call there.
//!
//! What it cannot do:
//! - FIFOs: tokio opens them (`pipe::OpenOptions::open_receiver` / `open_sender`, always
//!   with `O_NONBLOCK`) but cannot make one: the operating system makes the FIFO, and
//!   scenarios that call `mkfifo` are skipped.
//! - Non-blocking mode, `dup`, creation flags, socket options, descriptor passing, send
//!   and recv flags, `SHUT_RD`: tokio has none of them (its `try_read`/`try_write` are
//!   separate calls, not a mode of the descriptor).
//! - The direction of a pipe end or of a socket's stage is in its type: a write on a
//!   `pipe::Receiver` fails here with EBADF, as POSIX answers a write on a read end; a
//!   read on a listener as unsupported (no such call: a skip).
//! - `UnixSocket::listen` and `connect` consume the socket: after a failed `connect`
//!   tokio has closed it, and the handle answers EBADF.

use std::cell::{OnceCell, RefCell, RefMut};
use std::ffi::OsString;
use std::future::Future;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use ::tokio::io::{AsyncReadExt, AsyncWriteExt};
use ::tokio::net::unix::pipe;
use ::tokio::net::{UnixListener, UnixSocket, UnixStream};
use ::tokio::runtime::{Builder, Runtime};

use super::Adapter;
use crate::mechanism::{
    ByteStream, Capability, Describe, Deviation, Implementation, Received, Socket, SocketAddress,
    Unimplemented, Unsupported,
};
use crate::report::KnownFailure;
use crate::scenario::{AccessMode, Errno, Mechanism, MsgFlag, OpenFlag, ShutdownHow};
use crate::scenario::{SocketFlag, SocketKind};

/// Why opening a FIFO's read end never waits for a writer.
const RECEIVER_OPENS_NONBLOCKING: &str = "pipe::OpenOptions::open always adds O_NONBLOCK \
    (documented through open_sender's ENXIO and Receiver's reopen loop): opening the read \
    end never waits for a writer";

/// Why one write returns what fits instead of blocking for the rest.
const PARTIAL_WRITES: &str = "the ends are non-blocking and AsyncWriteExt::write documents \
    that a write may not write everything: one call returns what fits";

/// Why a send to a closed peer raises no SIGPIPE.
const NO_SIGPIPE: &str = "the write is std's UnixStream write, which sends with \
    MSG_NOSIGNAL (std's design): EPIPE, and no SIGPIPE";

/// The `tokio` adapter for the command line.
pub const ADAPTER: Adapter = Adapter::of(
    "tokio",
    "tokio 1.54: net::unix::pipe::pipe, net::UnixSocket, UnixListener, UnixStream \
             (a current-thread runtime per actor)",
    &Tokio,
    &[
        KnownFailure {
            scenario: "pipe::read_zero_count_returns_zero",
            explanation: "AsyncReadExt::read waits for the end to be readable before it calls read(), whatever the count: a read of 0 bytes on an empty pipe sleeps in epoll_wait",
        },
        KnownFailure {
            scenario: "unix-stream::connect_backlog_full_blocks_until_accept",
            explanation: "UnixSocket::connect takes only EINPROGRESS as in progress; Linux answers a full backlog with EAGAIN, which comes back as the error",
        },
    ],
);

/// tokio's pipes and unix stream sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tokio;

impl Implementation for Tokio {
    type Streams = TokioPipe;
    type Regions = Unimplemented;
    type Sockets = TokioUnixStream;
    type Synchronizers = Unimplemented;

    fn name(&self) -> &str {
        "tokio"
    }

    fn byte_streams(&self) -> Option<&TokioPipe> {
        Some(&TokioPipe)
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&TokioUnixStream> {
        Some(&TokioUnixStream)
    }

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
    }
}

thread_local! {
    /// The actor's runtime, made on its first call. Never made in the driver.
    static RUNTIME: OnceCell<Runtime> = const { OnceCell::new() };
}

/// A current-thread runtime with the I/O driver only: it starts no thread.
fn new_runtime() -> io::Result<Runtime> {
    Builder::new_current_thread().enable_io().build()
}

/// Run `f` inside the actor's runtime (made now if this is the first call), for the
/// constructors that register a descriptor with it.
fn in_runtime<T>(f: impl FnOnce(&Runtime) -> io::Result<T>) -> Result<T, Errno> {
    RUNTIME.with(|cell| {
        if cell.get().is_none() {
            let _ = cell.set(new_runtime()?);
        }
        let runtime = cell.get().expect("the runtime was just made");
        let _entered = runtime.enter();
        Ok(f(runtime)?)
    })
}

/// One call: `block_on` of one future on the actor's runtime.
fn block_on<T>(future: impl Future<Output = io::Result<T>>) -> Result<T, Errno> {
    in_runtime(|runtime| runtime.block_on(future))
}

/// A handle's stage: the tokio type that owns its descriptor now. A handle moves from one
/// to the next (a detached pipe end to `Receiver`, a `UnixSocket` to `UnixListener`)
/// inside a `RefCell`, and tokio keeps the descriptor's number through each move.
trait Stage {
    /// The descriptor this stage owns, or none once tokio has closed it.
    fn owned_fd(&self) -> Option<BorrowedFd<'_>>;
}

/// The descriptor of the handle whose stage sits in `cell`, lent for as long as the
/// handle is borrowed; none once tokio has closed it.
#[expect(
    unsafe_code,
    reason = "a handle's descriptor outlives any one borrow of its RefCell"
)]
fn lend<S: Stage>(cell: &RefCell<S>) -> Option<BorrowedFd<'_>> {
    let fd = cell.borrow().owned_fd()?.as_raw_fd();
    // SAFETY: `fd` is the descriptor the handle's stage owns, and the result borrows the
    // handle (the cell is its field), so it cannot outlive the handle or its descriptor.
    // The stage changes only inside a call on the handle, and keeps the number open
    // through the change; the one exception is a change that fails (a registration,
    // `listen` or `connect`), after which tokio has dropped what it consumed and the
    // stage is `Closed`: a descriptor lent before that call must not be used after it,
    // and the driver uses each one at once, before its next call on the handle.
    Some(unsafe { BorrowedFd::borrow_raw(fd) })
}

/// tokio's anonymous pipes (`tokio::net::unix::pipe`).
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioPipe;

/// Which end of a pipe a descriptor is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Read,
    Write,
}

/// One end of a pipe.
#[derive(Debug)]
pub struct PipeEnd {
    state: RefCell<PipeState>,
}

#[derive(Debug)]
enum PipeState {
    /// Made before the fork: tokio's descriptor, registered with no runtime yet.
    Detached(Role, OwnedFd),
    Receiver(pipe::Receiver),
    Sender(pipe::Sender),
    /// tokio refused to register it, and closed it.
    Closed,
}

impl PipeEnd {
    fn new(state: PipeState) -> PipeEnd {
        PipeEnd {
            state: RefCell::new(state),
        }
    }

    /// The end as tokio's `Receiver` or `Sender`, registered with this actor's runtime.
    fn registered(&self) -> Result<RefMut<'_, PipeState>, Errno> {
        let mut state = self.state.borrow_mut();
        if let PipeState::Detached(..) = *state {
            let PipeState::Detached(role, fd) = std::mem::replace(&mut *state, PipeState::Closed)
            else {
                unreachable!("matched just above")
            };
            *state = in_runtime(|_| match role {
                Role::Read => pipe::Receiver::from_owned_fd(fd).map(PipeState::Receiver),
                Role::Write => pipe::Sender::from_owned_fd(fd).map(PipeState::Sender),
            })?;
        }
        Ok(state)
    }
}

impl Stage for PipeState {
    fn owned_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            PipeState::Detached(_, fd) => Some(fd.as_fd()),
            PipeState::Receiver(r) => Some(r.as_fd()),
            PipeState::Sender(s) => Some(s.as_fd()),
            PipeState::Closed => None,
        }
    }
}

impl Describe for TokioPipe {
    fn name(&self) -> &str {
        "tokio"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Pipe, Mechanism::Fifo]
    }

    fn deviations(&self) -> &[Deviation] {
        const ENXIO: &str = "pipe::OpenOptions::open_sender documents ENXIO when the FIFO has no \
                             reader, where open() waits for one";
        &[
            Deviation {
                scenario: "fifo::last_writer_close_wakes_every_blocked_reader",
                reason: ENXIO,
            },
            Deviation {
                scenario: "fifo::open_wronly_blocks_until_reader",
                reason: ENXIO,
            },
            Deviation {
                scenario: "fifo::unrelated_processes_exchange_data",
                reason: ENXIO,
            },
            Deviation {
                scenario: "fifo::write_after_reader_closed_sigpipe",
                reason: ENXIO,
            },
            Deviation {
                scenario: "fifo::blocked_read_wakes_eof_on_writer_close",
                reason: RECEIVER_OPENS_NONBLOCKING,
            },
            Deviation {
                scenario: "fifo::open_rdonly_blocks_until_writer",
                reason: RECEIVER_OPENS_NONBLOCKING,
            },
            Deviation {
                scenario: "fifo::related_processes_exchange_data",
                reason: RECEIVER_OPENS_NONBLOCKING,
            },
            Deviation {
                scenario: "fifo::reusable_after_eof",
                reason: RECEIVER_OPENS_NONBLOCKING,
            },
            Deviation {
                scenario: "pipe::pipe_fuzz_0000000000000007",
                reason: PARTIAL_WRITES,
            },
            Deviation {
                scenario: "pipe::blocked_partial_writer_on_last_reader_close",
                reason: PARTIAL_WRITES,
            },
            Deviation {
                scenario: "pipe::write_larger_than_capacity_blocks",
                reason: PARTIAL_WRITES,
            },
            Deviation {
                scenario: "pipe::flags_clear",
                reason: "pipe::pipe() makes non-blocking ends by design (Sender and Receiver document into_blocking_fd / into_nonblocking_fd), close-on-exec as std does: O_NONBLOCK and FD_CLOEXEC are set",
            },
        ]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[Capability::Descriptor]
    }

    fn unsupported(&self) -> &[Unsupported] {
        &[
            Unsupported {
                scenario: "pipe::read_eintr",
                reason: "no wait a signal interrupts: the runtime's I/O driver retries epoll_wait on EINTR (runtime/io/driver.rs); tokio delivers signals through tokio::signal",
            },
        ]
    }
}

impl ByteStream for TokioPipe {
    type End = PipeEnd;

    fn pipe(&self, _flags: &[OpenFlag]) -> Result<(PipeEnd, PipeEnd), Errno> {
        // A runtime for this call alone, dropped (after the guard) before the fork.
        let runtime = new_runtime()?;
        let _entered = runtime.enter();
        let (tx, rx) = pipe::pipe()?;
        let read = PipeState::Detached(Role::Read, rx.into_nonblocking_fd()?);
        let write = PipeState::Detached(Role::Write, tx.into_nonblocking_fd()?);
        Ok((PipeEnd::new(read), PipeEnd::new(write)))
    }

    fn open(&self, path: &Path, mode: AccessMode, _flags: &[OpenFlag]) -> Result<PipeEnd, Errno> {
        if mode == AccessMode::ReadWrite {
            // A tokio FIFO end is a Receiver or a Sender, never both.
            return Err(Errno::UNSUPPORTED);
        }
        let options = pipe::OpenOptions::new();
        let state = in_runtime(|_| match mode {
            AccessMode::ReadOnly => options.open_receiver(path).map(PipeState::Receiver),
            _ => options.open_sender(path).map(PipeState::Sender),
        })?;
        Ok(PipeEnd::new(state))
    }

    fn read(&self, end: &PipeEnd, buf: &mut [u8]) -> Result<usize, Errno> {
        match &mut *end.registered()? {
            PipeState::Receiver(rx) => block_on(rx.read(buf)),
            PipeState::Sender(_) => Err(Errno(libc::EBADF)),
            PipeState::Detached(..) | PipeState::Closed => Err(Errno(libc::EBADF)),
        }
    }

    fn write(&self, end: &PipeEnd, buf: &[u8]) -> Result<usize, Errno> {
        match &mut *end.registered()? {
            PipeState::Sender(tx) => block_on(tx.write(buf)),
            PipeState::Receiver(_) => Err(Errno(libc::EBADF)),
            PipeState::Detached(..) | PipeState::Closed => Err(Errno(libc::EBADF)),
        }
    }

    fn fd<'a>(&self, end: &'a PipeEnd) -> Option<BorrowedFd<'a>> {
        lend(&end.state)
    }
}

/// tokio's unix stream sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioUnixStream;

/// One socket, in the tokio type of its stage.
#[derive(Debug)]
pub struct SocketHandle {
    stage: RefCell<SocketStage>,
}

#[derive(Debug)]
enum SocketStage {
    /// After `socket()`, and `bind()`.
    Socket(UnixSocket),
    Listener(UnixListener),
    Stream(UnixStream),
    /// A `listen` or `connect` failed, and tokio closed the socket it consumed.
    Closed,
}

impl SocketHandle {
    fn new(stage: SocketStage) -> SocketHandle {
        SocketHandle {
            stage: RefCell::new(stage),
        }
    }

    /// Take the `UnixSocket` out for a call that consumes it; `Closed` stays behind
    /// until the call puts its result back.
    fn take_socket(&self) -> Result<(RefMut<'_, SocketStage>, UnixSocket), Errno> {
        let mut stage = self.stage.borrow_mut();
        match std::mem::replace(&mut *stage, SocketStage::Closed) {
            SocketStage::Socket(socket) => Ok((stage, socket)),
            SocketStage::Closed => Err(Errno(libc::EBADF)),
            other => {
                *stage = other;
                Err(Errno::UNSUPPORTED)
            }
        }
    }

    fn stream(&self) -> Result<RefMut<'_, UnixStream>, Errno> {
        RefMut::filter_map(self.stage.borrow_mut(), |stage| match stage {
            SocketStage::Stream(stream) => Some(stream),
            _ => None,
        })
        .map_err(|stage| match *stage {
            SocketStage::Closed => Errno(libc::EBADF),
            _ => Errno::UNSUPPORTED,
        })
    }
}

impl Stage for SocketStage {
    fn owned_fd(&self) -> Option<BorrowedFd<'_>> {
        match self {
            SocketStage::Socket(s) => Some(s.as_fd()),
            SocketStage::Listener(l) => Some(l.as_fd()),
            SocketStage::Stream(s) => Some(s.as_fd()),
            SocketStage::Closed => None,
        }
    }
}

/// The path tokio takes for an address: socket2 reads a leading NUL as a Linux abstract
/// name.
fn unix_path(address: &SocketAddress) -> Result<PathBuf, Errno> {
    match address {
        SocketAddress::Path(path) => Ok(path.clone()),
        SocketAddress::Abstract(name) => {
            let mut bytes = vec![0u8];
            bytes.extend_from_slice(name);
            Ok(PathBuf::from(OsString::from_vec(bytes)))
        }
        SocketAddress::Inet(_) => Err(Errno(libc::EAFNOSUPPORT)),
    }
}

impl Describe for TokioUnixStream {
    fn name(&self) -> &str {
        "tokio"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::UnixStream]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[Capability::Descriptor, Capability::Shutdown]
    }

    fn deviations(&self) -> &[Deviation] {
        &[
            Deviation {
                scenario: "unix-stream::send_after_shutdown_wr_sigpipe",
                reason: NO_SIGPIPE,
            },
            Deviation {
                scenario: "unix-stream::send_to_closed_peer_sigpipe",
                reason: NO_SIGPIPE,
            },
        ]
    }

    fn unsupported(&self) -> &[Unsupported] {
        &[Unsupported {
            scenario: "unix-stream::inherited_listener_survives_child_close",
            reason: "no socket crosses a fork: a tokio listener is registered with the runtime \
                     that made it, which a forked child cannot drive (its accept waits on \
                     readiness that never comes)",
        }]
    }
}

impl Socket for TokioUnixStream {
    type Handle = SocketHandle;

    fn socket(&self, _kind: SocketKind, _flags: &[SocketFlag]) -> Result<SocketHandle, Errno> {
        let socket = UnixSocket::new_stream()?;
        Ok(SocketHandle::new(SocketStage::Socket(socket)))
    }

    fn bind(&self, socket: &SocketHandle, to: &SocketAddress) -> Result<(), Errno> {
        match &*socket.stage.borrow() {
            SocketStage::Socket(s) => Ok(s.bind(unix_path(to)?)?),
            SocketStage::Closed => Err(Errno(libc::EBADF)),
            _ => Err(Errno::UNSUPPORTED),
        }
    }

    fn listen(&self, socket: &SocketHandle, backlog: u32) -> Result<(), Errno> {
        let (mut stage, s) = socket.take_socket()?;
        *stage = SocketStage::Listener(in_runtime(|_| s.listen(backlog))?);
        Ok(())
    }

    fn accept(&self, socket: &SocketHandle, _flags: &[SocketFlag]) -> Result<SocketHandle, Errno> {
        match &*socket.stage.borrow() {
            SocketStage::Listener(listener) => {
                let (stream, _) = block_on(listener.accept())?;
                Ok(SocketHandle::new(SocketStage::Stream(stream)))
            }
            SocketStage::Closed => Err(Errno(libc::EBADF)),
            _ => Err(Errno::UNSUPPORTED),
        }
    }

    fn connect(&self, socket: &SocketHandle, to: &SocketAddress) -> Result<(), Errno> {
        let path = unix_path(to)?;
        let (mut stage, s) = socket.take_socket()?;
        *stage = SocketStage::Stream(block_on(s.connect(path))?);
        Ok(())
    }

    fn send(
        &self,
        socket: &SocketHandle,
        data: &[u8],
        to: Option<&SocketAddress>,
        _flags: &[MsgFlag],
    ) -> Result<usize, Errno> {
        if to.is_some() {
            return Err(Errno::UNSUPPORTED);
        }
        block_on(socket.stream()?.write(data))
    }

    fn recv(
        &self,
        socket: &SocketHandle,
        buf: &mut [u8],
        _flags: &[MsgFlag],
    ) -> Result<Received, Errno> {
        let len = block_on(socket.stream()?.read(buf))?;
        Ok(Received {
            len,
            truncated: false,
            from: None,
        })
    }

    fn shutdown(&self, socket: &SocketHandle, how: ShutdownHow) -> Result<(), Errno> {
        match how {
            ShutdownHow::Write => block_on(socket.stream()?.shutdown()),
            ShutdownHow::Read | ShutdownHow::Both => Err(Errno::UNSUPPORTED),
        }
    }

    fn fd<'a>(&self, socket: &'a SocketHandle) -> Option<BorrowedFd<'a>> {
        lend(&socket.stage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_end_keeps_its_number_when_registered_again() {
        let (read, write) = TokioPipe.pipe(&[]).unwrap();
        let before = TokioPipe.fd(&read).unwrap().as_raw_fd();
        assert_eq!(TokioPipe.write(&write, b"hi").unwrap(), 2);
        let mut buf = [0u8; 8];
        assert_eq!(TokioPipe.read(&read, &mut buf).unwrap(), 2);
        assert_eq!(TokioPipe.fd(&read).unwrap().as_raw_fd(), before);
        assert!(matches!(*read.state.borrow(), PipeState::Receiver(_)));
    }
}

//! `interprocess` 2.4: unnamed pipes, FIFO files and local sockets.
//!
//! - **pipe**: `os::unix::unnamed_pipe::pipe(nonblocking)` (what `unnamed_pipe::pipe()`
//!   calls, with `pipe2(O_NONBLOCK)` on request), `Sender` / `Recver` through
//!   `std::io::Write` / `Read`, and `UnnamedPipeExt::set_nonblocking`. The ends are
//!   inheritable by design (no FD_CLOEXEC), which is what POSIX `pipe()` gives.
//! - **fifo**: `os::unix::fifo_file::create_fifo`. The crate documents that FIFO files
//!   are opened as standard `File`s, so `open` is `std::fs::OpenOptions` (`O_NONBLOCK`
//!   through `custom_flags`); like every `File` they have FD_CLOEXEC set.
//! - **unix-stream**: `local_socket::ListenerOptions` and `ConnectOptions` with
//!   `GenericFilePath` names (paths) and, on Linux, `GenericNamespaced` names (abstract).
//!   The crate makes a socket in one call, so `socket()` and `bind()` only record what
//!   they ask for until `listen()` (`create_sync`) or `connect()` (`connect_sync`).
//!
//! What it cannot do: `dup` of a pipe end, close-on-exec choices, a bound socket that
//! does not listen, a listen backlog (it always passes -1, the system maximum),
//! `MSG_DONTWAIT` and other per-call flags, `shutdown`, socket options, SCM_RIGHTS, and
//! non-blocking mode on a FIFO after `open` (neither the crate nor `File` offer it). A
//! socket has no descriptor before `listen()` or `connect()`.
//!
//! What it does differently: dropping a listener unlinks its socket file (name
//! reclamation, documented and on by default); stream writes go through std's
//! `UnixStream`, which sends with MSG_NOSIGNAL (EPIPE, never SIGPIPE); and std's
//! `File::open` restarts an `open()` interrupted by a signal, so a blocked FIFO open
//! never fails with EINTR.

use std::cell::{OnceCell, RefCell};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use ::interprocess::local_socket::traits::{Listener as _, Stream as _};
use ::interprocess::local_socket::{
    ConnectOptions, GenericFilePath, Listener, ListenerNonblockingMode, ListenerOptions, Name,
    Stream, ToFsName,
};
use ::interprocess::os::unix::fifo_file::create_fifo;
use ::interprocess::os::unix::unnamed_pipe::{self, UnnamedPipeExt};
use ::interprocess::unnamed_pipe::{Recver, Sender};
use ::interprocess::ConnectWaitMode;

use super::Adapter;
use crate::mechanism::{
    ByteStream, Capability, Describe, Deviation, Implementation, Received, Socket, SocketAddress,
    Unimplemented, Unsupported,
};
use crate::scenario::{AccessMode, Errno, Mechanism, MsgFlag, OpenFlag, SocketFlag, SocketKind};

/// Why a listener's queue cannot be filled.
const MAXIMUM_BACKLOG: &str =
    "no backlog of one's choice: c_wrappers::listen passes -1 (the system maximum), so the queue cannot be filled";

/// The adapter in the conformance matrix.
pub const ADAPTER: Adapter = Adapter::of(
    "interprocess",
    "interprocess 2.4: unnamed_pipe, fifo_file::create_fifo, local_socket \
             (ListenerOptions, ConnectOptions)",
    &Interprocess,
    &[],
);

/// The `interprocess` crate: its pipes and FIFOs, and its local sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct Interprocess;

impl Implementation for Interprocess {
    type Streams = Pipes;
    type Regions = Unimplemented;
    type Sockets = LocalSockets;
    type Synchronizers = Unimplemented;

    fn name(&self) -> &str {
        "interprocess"
    }

    fn byte_streams(&self) -> Option<&Pipes> {
        Some(&Pipes)
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&LocalSockets> {
        Some(&LocalSockets)
    }

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
    }
}

/// Unnamed pipes and FIFO files.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pipes;

/// One end of a pipe or FIFO. The crate's pipe ends read and write only through
/// `&mut`, so they sit in a `RefCell`.
#[derive(Debug)]
pub enum End {
    /// The write end of an unnamed pipe.
    Send(RefCell<Sender>),
    /// The read end of an unnamed pipe.
    Recv(RefCell<Recver>),
    /// A FIFO opened as a `File`, in whatever mode `open` asked for.
    Fifo(File),
}

impl Describe for Pipes {
    fn name(&self) -> &str {
        "interprocess"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Pipe, Mechanism::Fifo]
    }

    /// FIFOs are std `File`s, which cannot change O_NONBLOCK after open.
    fn capabilities(&self, mechanism: Mechanism) -> &[Capability] {
        match mechanism {
            Mechanism::Pipe => &[Capability::NonBlocking, Capability::Descriptor],
            _ => &[
                Capability::MakeFifo,
                Capability::Descriptor,
                Capability::WaitingOpen,
            ],
        }
    }
}

// The crate's types have no `read` on a `Sender` and no `write` on a `Recver`: it
// refuses at compile time what POSIX refuses with EBADF, so EBADF is what is reported.
impl ByteStream for Pipes {
    type End = End;

    fn pipe(&self, flags: &[OpenFlag]) -> Result<(End, End), Errno> {
        let (sender, recver) = unnamed_pipe::pipe(flags.contains(&OpenFlag::NonBlock))?;
        Ok((
            End::Recv(RefCell::new(recver)),
            End::Send(RefCell::new(sender)),
        ))
    }

    fn mkfifo(&self, path: &Path) -> Result<(), Errno> {
        Ok(create_fifo(path, 0o600)?)
    }

    fn open(&self, path: &Path, mode: AccessMode, flags: &[OpenFlag]) -> Result<End, Errno> {
        let nonblocking = flags.contains(&OpenFlag::NonBlock);
        let file = OpenOptions::new()
            .read(mode != AccessMode::WriteOnly)
            .write(mode != AccessMode::ReadOnly)
            .custom_flags(if nonblocking { libc::O_NONBLOCK } else { 0 })
            .open(path)?;
        Ok(End::Fifo(file))
    }

    fn read(&self, end: &End, buf: &mut [u8]) -> Result<usize, Errno> {
        match end {
            End::Recv(recver) => Ok(recver.borrow_mut().read(buf)?),
            End::Fifo(file) => Ok((&*file).read(buf)?),
            End::Send(_) => Err(Errno(libc::EBADF)),
        }
    }

    fn write(&self, end: &End, buf: &[u8]) -> Result<usize, Errno> {
        match end {
            End::Send(sender) => Ok(sender.borrow_mut().write(buf)?),
            End::Fifo(file) => Ok((&*file).write(buf)?),
            End::Recv(_) => Err(Errno(libc::EBADF)),
        }
    }

    fn set_nonblocking(&self, end: &End, on: bool) -> Result<(), Errno> {
        match end {
            End::Send(sender) => Ok(sender.borrow().set_nonblocking(on)?),
            End::Recv(recver) => Ok(recver.borrow().set_nonblocking(on)?),
            End::Fifo(_) => Err(Errno::UNSUPPORTED),
        }
    }

    fn fd<'a>(&self, end: &'a End) -> Option<BorrowedFd<'a>> {
        Some(match end {
            End::Send(sender) => held_fd(sender),
            End::Recv(recver) => held_fd(recver),
            End::Fifo(file) => file.as_fd(),
        })
    }
}

/// The descriptor of a pipe end in its `RefCell`, lent for as long as the cell: the
/// cell's guard cannot lend it that long.
#[expect(
    unsafe_code,
    reason = "lending a descriptor held in a RefCell for the cell's lifetime"
)]
fn held_fd<T: AsFd>(cell: &RefCell<T>) -> BorrowedFd<'_> {
    let fd = cell.borrow().as_fd().as_raw_fd();
    // SAFETY: the value in the cell owns `fd` and closes it only when dropped. This
    // module never replaces or takes the value out of an `End`'s cell, so it is dropped
    // with the `End`, which the returned borrow cannot outlive.
    unsafe { BorrowedFd::borrow_raw(fd) }
}

/// Local sockets (Unix stream sockets).
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalSockets;

/// A socket as the `Socket` trait sees it. Before `listen()` or `connect()` there is
/// only what `socket()`, `bind()` and `set_nonblocking` asked for; the socket the crate
/// makes then is set once, so its descriptor can be lent.
#[derive(Debug, Default)]
pub struct LocalSocket {
    asked: RefCell<Asked>,
    made: OnceCell<Made>,
}

/// What was asked of a socket the crate has not made yet.
#[derive(Debug, Default)]
struct Asked {
    nonblocking: bool,
    bound: Option<SocketAddress>,
}

/// A socket the crate made.
#[derive(Debug)]
enum Made {
    Listener(Listener),
    Stream(Stream),
}

impl LocalSocket {
    fn made(made: Made) -> Self {
        let socket = LocalSocket::default();
        socket.made.set(made).expect("a new cell is empty");
        socket
    }

    fn stream(&self) -> Result<&Stream, Errno> {
        match self.made.get() {
            Some(Made::Stream(stream)) => Ok(stream),
            _ => Err(Errno(libc::ENOTCONN)),
        }
    }
}

/// The crate's name for an address: a path, or on Linux an abstract name.
fn name(address: &SocketAddress) -> Result<Name<'_>, Errno> {
    match address {
        SocketAddress::Path(path) => Ok(path.as_path().to_fs_name::<GenericFilePath>()?),
        SocketAddress::Abstract(name) => abstract_name(name),
        SocketAddress::Inet(_) => Err(Errno(libc::EAFNOSUPPORT)),
    }
}

#[cfg(linux_like)]
fn abstract_name(name: &[u8]) -> Result<Name<'_>, Errno> {
    use ::interprocess::local_socket::{GenericNamespaced, ToNsName};
    use std::os::unix::ffi::OsStrExt;
    Ok(std::ffi::OsStr::from_bytes(name).to_ns_name::<GenericNamespaced>()?)
}

/// Elsewhere the crate's namespaced names are paths, and the platform profile skips the
/// scenarios that use abstract names.
#[cfg(not(linux_like))]
fn abstract_name(_name: &[u8]) -> Result<Name<'_>, Errno> {
    Err(Errno(libc::EAFNOSUPPORT))
}

/// Non-blocking `accept()` only, so accepted sockets stay as the kernel makes them
/// (blocking on Linux); `Stream` and `Both` would set O_NONBLOCK on every one.
fn accept_mode(nonblocking: bool) -> ListenerNonblockingMode {
    if nonblocking {
        ListenerNonblockingMode::Accept
    } else {
        ListenerNonblockingMode::Neither
    }
}

impl Describe for LocalSockets {
    fn name(&self) -> &str {
        "interprocess"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::UnixStream]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[Capability::NonBlocking, Capability::Descriptor]
    }

    fn deviations(&self) -> &[Deviation] {
        &[
            Deviation {
                scenario: "unix-stream::connect_closed_listener_econnrefused",
                reason: "name reclamation (documented, on by default): dropping a Listener unlinks its socket file, so connect() finds no file (ENOENT)",
            },
            Deviation {
                scenario: "unix-stream::inherited_listener_survives_child_close",
                reason: "name reclamation (documented, on by default): a forked child's copy of \
                         the parent's Listener reclaims the name too, so its drop unlinks the \
                         socket file the other holder still listens on (connect: ENOENT)",
            },
            Deviation {
                scenario: "unix-stream::send_to_closed_peer_sigpipe",
                reason: "Stream writes through std's UnixStream, which sends with MSG_NOSIGNAL (std's design): EPIPE, and no SIGPIPE",
            },
        ]
    }

    fn unsupported(&self) -> &[Unsupported] {
        &[
            Unsupported {
                scenario: "unix-stream::bind_existing_path_eaddrinuse",
                reason: "no bind() alone: ListenerOptions::create_sync makes, binds and listens in one call, so the second listener's creation fails, not its bind",
            },
            Unsupported {
                scenario: "unix-stream::connect_backlog_full_blocks_until_accept",
                reason: MAXIMUM_BACKLOG,
            },
            Unsupported {
                scenario: "unix-stream::connect_backlog_full_nonblock",
                reason: MAXIMUM_BACKLOG,
            },
            Unsupported {
                scenario: "unix-stream::connect_bound_not_listening_econnrefused",
                reason: "no bound socket that does not listen: ListenerOptions::create_sync binds and listens together",
            },
        ]
    }
}

impl Socket for LocalSockets {
    type Handle = LocalSocket;

    fn socket(&self, _kind: SocketKind, flags: &[SocketFlag]) -> Result<LocalSocket, Errno> {
        let socket = LocalSocket::default();
        socket.asked.borrow_mut().nonblocking = flags.contains(&SocketFlag::NonBlock);
        Ok(socket)
    }

    fn bind(&self, socket: &LocalSocket, to: &SocketAddress) -> Result<(), Errno> {
        let mut asked = socket.asked.borrow_mut();
        if socket.made.get().is_some() || asked.bound.is_some() {
            return Err(Errno(libc::EINVAL));
        }
        asked.bound = Some(to.clone());
        Ok(())
    }

    fn listen(&self, socket: &LocalSocket, _backlog: u32) -> Result<(), Errno> {
        match socket.made.get() {
            Some(Made::Listener(_)) => return Ok(()),
            Some(Made::Stream(_)) => return Err(Errno(libc::EINVAL)),
            None => {}
        }
        let asked = socket.asked.borrow();
        let address = asked.bound.as_ref().ok_or(Errno(libc::EINVAL))?;
        let listener = ListenerOptions::new()
            .name(name(address)?)
            .nonblocking(accept_mode(asked.nonblocking))
            .create_sync()?;
        socket
            .made
            .set(Made::Listener(listener))
            .expect("checked empty above");
        Ok(())
    }

    fn accept(&self, socket: &LocalSocket, flags: &[SocketFlag]) -> Result<LocalSocket, Errno> {
        let Some(Made::Listener(listener)) = socket.made.get() else {
            return Err(Errno(libc::EINVAL));
        };
        let stream = listener.accept()?;
        if flags.contains(&SocketFlag::NonBlock) {
            stream.set_nonblocking(true)?;
        }
        Ok(LocalSocket::made(Made::Stream(stream)))
    }

    fn connect(&self, socket: &LocalSocket, to: &SocketAddress) -> Result<(), Errno> {
        if socket.made.get().is_some() {
            return Err(Errno(libc::EISCONN));
        }
        let asked = socket.asked.borrow();
        if asked.bound.is_some() {
            // The crate has no way to name the client end of a connection.
            return Err(Errno::UNSUPPORTED);
        }
        let wait = if asked.nonblocking {
            ConnectWaitMode::Deferred
        } else {
            ConnectWaitMode::Unbounded
        };
        let stream = ConnectOptions::new()
            .name(name(to)?)
            .nonblocking_stream(asked.nonblocking)
            .wait_mode(wait)
            .connect_sync()?;
        socket
            .made
            .set(Made::Stream(stream))
            .expect("checked empty above");
        Ok(())
    }

    fn send(
        &self,
        socket: &LocalSocket,
        data: &[u8],
        to: Option<&SocketAddress>,
        flags: &[MsgFlag],
    ) -> Result<usize, Errno> {
        if to.is_some() || !flags.is_empty() {
            return Err(Errno::UNSUPPORTED);
        }
        Ok(socket.stream()?.write(data)?)
    }

    fn recv(
        &self,
        socket: &LocalSocket,
        buf: &mut [u8],
        flags: &[MsgFlag],
    ) -> Result<Received, Errno> {
        if !flags.is_empty() {
            return Err(Errno::UNSUPPORTED);
        }
        let len = socket.stream()?.read(buf)?;
        Ok(Received {
            len,
            truncated: false,
            from: None,
        })
    }

    fn set_nonblocking(&self, socket: &LocalSocket, on: bool) -> Result<(), Errno> {
        match socket.made.get() {
            Some(Made::Listener(listener)) => Ok(listener.set_nonblocking(accept_mode(on))?),
            Some(Made::Stream(stream)) => Ok(stream.set_nonblocking(on)?),
            None => {
                socket.asked.borrow_mut().nonblocking = on;
                Ok(())
            }
        }
    }

    fn fd<'a>(&self, socket: &'a LocalSocket) -> Option<BorrowedFd<'a>> {
        Some(match socket.made.get()? {
            Made::Listener(Listener::UdSocket(listener)) => listener.as_fd(),
            Made::Stream(Stream::UdSocket(stream)) => stream.as_fd(),
        })
    }
}

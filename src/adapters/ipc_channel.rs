//! ipc-channel 0.20 (`adapter-ipc-channel`): Servo's typed message channels, adapted as
//! the `socketpair` mechanism. `socketpair()` is `ipc::channel::<Vec<u8>>()`, whose
//! sender is the left end and receiver the right end; `send` is `IpcSender::send` of the
//! bytes, `recv` one `IpcReceiver::recv`, which returns one whole message.
//!
//! On Linux a channel is a `socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC)`
//! (`platform/unix/mod.rs`, `channel`); a message is a length header and the bincode
//! bytes in one `sendmsg` (without MSG_NOSIGNAL), or, above the socket's send buffer, in
//! fragments over a second channel made for that message. Nothing in it starts a thread
//! or keeps state across a fork: the send-buffer size is probed lazily with a channel
//! made and dropped on first use.
//!
//! On macOS a channel is a pair of Mach ports, which a fork does not carry: there the
//! adapter asks for actors started by exec, so its (inherited) socketpair scenarios are
//! skipped with that reason.
//!
//! What it cannot do:
//! - Show its descriptors: no ipc-channel type implements `AsFd` or `AsRawFd`, so `fd()`
//!   is `None`, and the driver's leak check counts the descriptors the kernel shows
//!   against the handles each process holds instead of matching them one by one.
//! - Send on the receiver or receive on the sender: a channel goes one way, so those
//!   calls are unsupported (`Errno::UNSUPPORTED`: the scenario is skipped).
//! - Streams: it keeps message boundaries (SOCK_SEQPACKET), where `socketpair`
//!   scenarios ask for SOCK_STREAM.
//! - Non-blocking mode (`try_recv` is a separate call), shutdown, socket options, send
//!   and recv flags, passing a descriptor that is not one of its own channels. `IpcOneShotServer` names its own socket in a
//!   temporary directory and takes one connection, so it cannot bind the scenario's
//!   addresses of `unix-seqpacket`.

use ipc_channel::ipc::{self, IpcError, IpcReceiver, IpcSender};
use ipc_channel::ErrorKind;

use super::Adapter;
use crate::mechanism::{
    ActorStart, Describe, Received, Socket, SocketAddress, Sockets, Unsupported,
};
use crate::scenario::{Errno, Mechanism, MsgFlag, SocketKind};

/// Why a send to a closed peer raises no SIGPIPE.
const SEQPACKET: &str = "a channel is a SOCK_SEQPACKET pair, not the stream socketpair the scenario makes: Linux answers a send to a closed SEQPACKET peer with EPIPE and no SIGPIPE";

/// The `ipc-channel` adapter for the command line.
pub const ADAPTER: Adapter = Adapter::of(
    "ipc-channel",
    "ipc-channel 0.20: ipc::channel, IpcSender::send, IpcReceiver::recv",
    &Sockets(IpcChannel),
    &[],
);

/// ipc-channel's channels, as socketpairs that go one way.
#[derive(Clone, Copy, Debug, Default)]
pub struct IpcChannel;

/// One end of a channel.
#[derive(Debug)]
pub enum ChannelEnd {
    /// The left end.
    Sender(IpcSender<Vec<u8>>),
    /// The right end.
    Receiver(IpcReceiver<Vec<u8>>),
}

impl Describe for IpcChannel {
    fn name(&self) -> &str {
        "ipc-channel"
    }

    /// Mach ports (macOS) do not survive a fork; Unix sockets (elsewhere) do.
    fn actor_start(&self) -> ActorStart {
        if cfg!(target_os = "macos") {
            ActorStart::Exec
        } else {
            ActorStart::Fork
        }
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::Socketpair]
    }

    fn unsupported(&self) -> &[Unsupported] {
        &[
            Unsupported {
                scenario: "socketpair::socketpair_fuzz_0000000000000003",
                reason: SEQPACKET,
            },
            Unsupported {
                scenario: "socketpair::send_closed_pair_sigpipe",
                reason: SEQPACKET,
            },
        ]
    }
}

impl Socket for IpcChannel {
    type Handle = ChannelEnd;

    fn socketpair(&self, _kind: SocketKind) -> Result<(ChannelEnd, ChannelEnd), Errno> {
        let (sender, receiver) = ipc::channel()?;
        Ok((ChannelEnd::Sender(sender), ChannelEnd::Receiver(receiver)))
    }

    fn send(
        &self,
        socket: &ChannelEnd,
        data: &[u8],
        _to: Option<&SocketAddress>,
        _flags: &[MsgFlag],
    ) -> Result<usize, Errno> {
        let ChannelEnd::Sender(sender) = socket else {
            return Err(Errno::UNSUPPORTED);
        };
        match sender.send(data.to_vec()) {
            Ok(()) => Ok(data.len()),
            Err(e) => Err(bincode_errno(*e)),
        }
    }

    fn recv(
        &self,
        socket: &ChannelEnd,
        buf: &mut [u8],
        _flags: &[MsgFlag],
    ) -> Result<Received, Errno> {
        let ChannelEnd::Receiver(receiver) = socket else {
            return Err(Errno::UNSUPPORTED);
        };
        let message = match receiver.recv() {
            Ok(message) => message,
            // Every sender is gone: the end of the stream.
            Err(IpcError::Disconnected) => Vec::new(),
            Err(IpcError::Io(e)) => return Err(e.into()),
            Err(IpcError::Bincode(e)) => return Err(bincode_errno(*e)),
        };
        let len = message.len().min(buf.len());
        buf[..len].copy_from_slice(&message[..len]);
        Ok(Received {
            len,
            truncated: message.len() > len,
            from: None,
        })
    }
}

/// The errno inside a failed send or a message that did not decode (EIO when none).
fn bincode_errno(e: ErrorKind) -> Errno {
    match e {
        ErrorKind::Io(e) => e.into(),
        _ => Errno(libc::EIO),
    }
}

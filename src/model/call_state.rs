//! What a call meets: the state of the object just before the call, as a reference model
//! keeps it (bytes queued, the other side, O_NONBLOCK, the caller's mapping). The
//! coverage table reads it to say which states of an object the catalogue's calls meet,
//! from the model rather than from a guess at the file. Each model answers for its own
//! state (`meets.rs` beside it); a part a model does not follow is `None`.

use super::ReferenceModel;
use crate::scenario::{Action, Handle, PollEvent, SocketCall};

/// The state of the object one call meets, just before the call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallState {
    /// What waits where the call reads, or in the queue a write or send adds to.
    pub queue: Option<Queue>,
    /// The other side of the call's object.
    pub peer: Option<Peer>,
    /// O_NONBLOCK of the open file description the call uses.
    pub nonblock: Option<bool>,
    /// The caller's mapping of the region.
    pub mapping: Option<MappingState>,
}

/// What waits in a queue: bytes of a pipe or a socket, or connections at a listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queue {
    /// How many bytes (connections, for a listener) wait.
    pub len: u64,
    /// Whether nothing waits (a zero-length datagram is something).
    pub empty: bool,
    /// Whether the queue takes no more; `None` where kernel accounting decides, which
    /// the model does not follow (socket buffers: the models stop well before one fills).
    pub full: Option<bool>,
}

/// The other side of the object a call uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    /// Open: a writer for a read end, a reader for a write end, a connected peer socket.
    Present,
    /// Gone: no process holds the other end any more, or the peer socket closed.
    Gone,
    /// A socket that is neither connected nor listening.
    Unconnected,
    /// A listening socket.
    Listening,
}

/// The caller's mapping of a shared region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MappingState {
    /// PROT_READ | PROT_WRITE.
    ReadWrite,
    /// PROT_READ only.
    ReadOnly,
    /// PROT_WRITE only.
    WriteOnly,
    /// PROT_NONE.
    NoAccess,
    /// No mapping (never mapped, or unmapped).
    Unmapped,
}

impl ReferenceModel {
    /// The state of the object `action` of process `p` meets, before it runs.
    pub fn call_state(&self, p: usize, action: &Action) -> CallState {
        match self {
            Self::Pipe(m) => m.call_state(p, action),
            Self::Pair(m) => m.call_state(p, action),
            Self::Datagram(m) => m.call_state(p, action),
            Self::Region(m) => m.call_state(p),
            Self::Connection(m) => m.call_state(p, action),
        }
    }
}

/// Which way a socket call moves data: the receiving end's queue is the one it meets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Direction {
    /// A receive: the queue of the socket it is called on.
    In,
    /// A send: the queue of the peer it sends to.
    Out,
}

/// The socket `call` is made on, and which way it moves data, if it does.
pub(super) fn socket_call_on(action: &Action) -> Option<(&Handle, Option<Direction>)> {
    let Action::Socket(call) = action else {
        return None;
    };
    let direction = match call {
        SocketCall::Recv { .. } | SocketCall::RecvFd { .. } => Some(Direction::In),
        SocketCall::Send { .. } | SocketCall::SendFd { .. } | SocketCall::SendUntilFull(_) => {
            Some(Direction::Out)
        }
        SocketCall::Poll { event, .. } => Some(match event {
            PollEvent::In => Direction::In,
            PollEvent::Out => Direction::Out,
        }),
        _ => None,
    };
    call.uses().first().map(|on| (*on, direction))
}

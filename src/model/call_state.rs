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
            // The coverage table tells semaphore and lock calls apart by their
            // arguments alone.
            Self::Semaphore(_) | Self::Lock(_) => CallState::default(),
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::platform::PlatformProfile;
    use crate::scenario::parse;

    /// The state the first action of each step meets, `mechanism` and `body` (processes
    /// and steps) making the scenario, replayed on the Linux model.
    fn states(mechanism: &str, body: &str) -> Vec<CallState> {
        let text = format!(
            "format_version = 1\nsummary = \"s\"\nreference = \"POSIX\"\nmechanism = \"{mechanism}\"\n{body}"
        );
        let path = format!("scenarios/{mechanism}/inline.toml");
        let scenario = parse(Path::new(&path), &text).expect("the inline scenario parses");
        let profile = PlatformProfile::LINUX;
        let mut model = ReferenceModel::new(&scenario, &profile).expect("the model covers it");
        let mut seen = Vec::new();
        for step in &scenario.steps {
            let (p, action) = &step.actions[0];
            seen.push(model.call_state(p.0, action));
            for (p, action) in &step.actions {
                model
                    .apply(p.0, action, &profile)
                    .expect("the model answers");
            }
        }
        seen
    }

    fn queue(len: u64, full: Option<bool>) -> Option<Queue> {
        Some(Queue {
            len,
            empty: len == 0,
            full,
        })
    }

    #[test]
    fn a_pipe_goes_from_empty_to_full_and_loses_its_writer() {
        let seen = states(
            "pipe",
            r#"
[processes]
reader = { keeps = ["read"] }
writer = { keeps = ["write"] }
[[step]]
writer = { write = "abc" }
expect = { returns = 3 }
[[step]]
reader = { read = 1 }
expect = { data = "a" }
[[step]]
writer = { set_nonblocking = "write" }
expect = "succeeds"
[[step]]
writer = "fill"
expect = "succeeds"
[[step]]
writer = { close = "write" }
expect = "succeeds"
[[step]]
reader = { read = 1 }
expect = { data = "b" }
"#,
        );
        assert_eq!(seen[0].queue, queue(0, Some(false)));
        assert_eq!(seen[0].peer, Some(Peer::Present));
        assert_eq!(seen[0].nonblock, Some(false));
        assert_eq!(seen[1].queue, queue(3, Some(false)));
        assert_eq!(seen[3].nonblock, Some(true));
        assert_eq!(seen[4].queue.and_then(|q| q.full), Some(true));
        assert_eq!(seen[5].peer, Some(Peer::Gone));
    }

    #[test]
    fn a_socketpair_end_meets_its_peer_then_its_absence() {
        let seen = states(
            "socketpair",
            r#"
[processes]
a = { keeps = ["left"] }
b = { keeps = ["right"] }
[[step]]
a = { send = { on = "left", data = "xy" } }
expect = { returns = 2 }
[[step]]
b = { recv = { on = "right", len = 1 } }
expect = { data = "x" }
[[step]]
a = { close = "left" }
expect = "succeeds"
[[step]]
b = { recv = { on = "right", len = 1 } }
expect = { data = "y" }
"#,
        );
        assert_eq!(seen[0].queue, queue(0, None));
        assert_eq!(seen[1].queue, queue(2, None));
        assert_eq!(seen[1].peer, Some(Peer::Present));
        assert_eq!(seen[3].peer, Some(Peer::Gone));
        assert_eq!(seen[3].queue, queue(1, None));
    }

    #[test]
    fn a_mapping_shows_the_rights_mprotect_left() {
        let seen = states(
            "anon-shared",
            r#"
[processes]
p = {}
[[step]]
p = { store = { at = 0, data = "x" } }
expect = "succeeds"
[[step]]
p = { mprotect = ["PROT_READ"] }
expect = "succeeds"
[[step]]
p = { load = { at = 0, len = 1 } }
expect = { data = "x" }
[[step]]
p = { mprotect = [] }
expect = "succeeds"
[[step]]
p = { load = { at = 0, len = 1 } }
expect = { signal = "SIGSEGV" }
"#,
        );
        let mapping: Vec<_> = seen.iter().map(|s| s.mapping).collect();
        assert_eq!(mapping[0], Some(MappingState::ReadWrite));
        assert_eq!(mapping[2], Some(MappingState::ReadOnly));
        assert_eq!(mapping[4], Some(MappingState::NoAccess));
    }
}

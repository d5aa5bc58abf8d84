//! The state of the socket a call meets ([`CallState`]): whether it is unconnected,
//! listening (with the connections waiting for `accept`) or connected (with the bytes
//! waiting at the end it receives on or sends to, and whether the peer is still open),
//! and its O_NONBLOCK. Socket buffers and listen queues fill by kernel accounting, which
//! the model does not follow, so whether a queue is full is not said.

use super::{ConnectionModel, Role};
use crate::model::call_state::{socket_call_on, CallState, Direction, Peer, Queue};
use crate::scenario::Action;

impl ConnectionModel {
    /// The state `action` of process `p` meets.
    pub(in crate::model) fn call_state(&self, p: usize, action: &Action) -> CallState {
        let Some((on, direction)) = socket_call_on(action) else {
            return CallState::default();
        };
        let Ok(id) = self.sock(p, on) else {
            return CallState::default();
        };
        let sock = &self.socks[&id];
        let queue = |len: usize| Queue {
            len: len as u64,
            empty: len == 0,
            full: None,
        };
        let (peer, waiting) = match &sock.role {
            Role::Fresh => (Some(Peer::Unconnected), None),
            Role::Listening { queue: pending, .. } => {
                (Some(Peer::Listening), Some(queue(pending.len())))
            }
            Role::Connected { conn, side } => {
                let stream = &self.conns[*conn];
                let peer = match stream.is_open(1 - side) {
                    true => Peer::Present,
                    false => Peer::Gone,
                };
                let waiting = direction.map(|d| {
                    queue(match d {
                        Direction::In => stream.queued(*side),
                        Direction::Out => stream.queued(1 - side),
                    })
                });
                (Some(peer), waiting)
            }
            Role::Spent => (None, None),
        };
        CallState {
            queue: waiting,
            peer,
            nonblock: Some(sock.nonblock),
            mapping: None,
        }
    }
}

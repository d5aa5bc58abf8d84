//! The state of the datagram socket a call meets ([`CallState`]): whether it is
//! connected (and whether a Unix peer is still open), the datagrams waiting in it for a
//! receive, and its O_NONBLOCK. How much a socket queues is kernel accounting, which the
//! model does not follow, so whether a queue is full is not said; nor is the queue a
//! send adds to, which depends on the address it names.

use super::DatagramModel;
use crate::model::call_state::{socket_call_on, CallState, Direction, Peer, Queue};
use crate::scenario::Action;

impl DatagramModel {
    /// The state `action` of process `p` meets.
    pub(in crate::model) fn call_state(&self, p: usize, action: &Action) -> CallState {
        let Some((on, direction)) = socket_call_on(action) else {
            return CallState::default();
        };
        let Ok(id) = self.sock(p, on) else {
            return CallState::default();
        };
        let sock = &self.socks[&id];
        let peer = match (&sock.peer, &sock.peer_sock) {
            (None, _) => Peer::Unconnected,
            (Some(_), Some(peer)) if !self.socks[peer].open => Peer::Gone,
            (Some(_), _) => Peer::Present,
        };
        let queue = (direction == Some(Direction::In)).then(|| Queue {
            len: sock.queue.iter().map(|(d, ..)| d.len() as u64).sum(),
            empty: sock.queue.is_empty(),
            full: None,
        });
        CallState {
            queue,
            peer: Some(peer),
            nonblock: Some(sock.nonblock),
            mapping: None,
        }
    }
}

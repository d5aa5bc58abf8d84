//! The state of the socketpair a call meets ([`CallState`]): what waits at the end it
//! receives on or sends to, whether the other end is still open, and O_NONBLOCK of the
//! end's description. Socket buffers fill by kernel accounting, which the model does not
//! follow, so whether a queue is full is not said.

use super::SocketPairModel;
use crate::model::call_state::{socket_call_on, CallState, Direction, Peer, Queue};
use crate::scenario::Action;

impl SocketPairModel {
    /// The state `action` of process `p` meets.
    pub(in crate::model) fn call_state(&self, p: usize, action: &Action) -> CallState {
        let Some((on, direction)) = socket_call_on(action) else {
            return CallState::default();
        };
        let Ok(i) = self.end_of(p, on) else {
            return CallState::default();
        };
        let peer = match self.stream.is_open(1 - i) {
            true => Peer::Present,
            false => Peer::Gone,
        };
        let queue = direction.map(|d| {
            let len = match d {
                Direction::In => self.stream.queued(i),
                Direction::Out => self.stream.queued(1 - i),
            } as u64;
            Queue {
                len,
                empty: len == 0,
                full: None,
            }
        });
        CallState {
            queue,
            peer: Some(peer),
            nonblock: Some(self.nonblock[i]),
            mapping: None,
        }
    }
}

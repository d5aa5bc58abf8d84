//! The state of the pipe a call meets ([`CallState`]): the bytes in the pipe, whether
//! the other side has a process (writers for a call on the read end, readers for one
//! on the write end, and for a FIFO's `open` the side it waits for), and O_NONBLOCK of
//! the description the call uses.

use super::PipeModel;
use crate::model::call_state::{CallState, Peer, Queue};
use crate::scenario::{AccessMode, Action, End};

impl PipeModel {
    /// The state `action` of process `p` meets.
    pub(in crate::model) fn call_state(&self, p: usize, action: &Action) -> CallState {
        let queue = Some(Queue {
            len: self.bytes.len() as u64,
            empty: self.bytes.is_empty(),
            full: Some(!self.bytes.fits(1)),
        });
        let peer_of = |end: End| match end {
            End::Read => self.writers() > 0,
            _ => self.readers() > 0,
        };
        let present = |yes: bool| Some(if yes { Peer::Present } else { Peer::Gone });
        if let Action::Open { mode, .. } = action {
            let peer = match mode {
                AccessMode::ReadOnly => present(peer_of(End::Read)),
                AccessMode::WriteOnly => present(peer_of(End::Write)),
                AccessMode::ReadWrite => None,
            };
            return CallState {
                queue,
                peer,
                ..CallState::default()
            };
        }
        let Some(end) = end_used(action) else {
            return CallState::default();
        };
        CallState {
            queue,
            peer: present(peer_of(end)),
            nonblock: self
                .description(p, end)
                .ok()
                .map(|d| self.descriptions[d].nonblock),
            mapping: None,
        }
    }
}

/// The end whose descriptor `action` uses.
fn end_used(action: &Action) -> Option<End> {
    match action {
        Action::Read(_) | Action::ReadExactly(_) | Action::ReadToEnd | Action::FionRead => {
            Some(End::Read)
        }
        Action::Write(_) | Action::WriteRecords { .. } | Action::Fill => Some(End::Write),
        Action::ReadOn { end, .. }
        | Action::WriteOn { end, .. }
        | Action::Poll { end, .. }
        | Action::SetNonBlocking { end, .. }
        | Action::GetFlag { end, .. }
        | Action::SetPipeSize { end, .. }
        | Action::Pread { end, .. }
        | Action::Pwrite { end, .. }
        | Action::Ftruncate { end, .. } => Some(*end),
        Action::Close(end)
        | Action::Dup(end)
        | Action::SetCloExec(end)
        | Action::PipeBufOf(end)
        | Action::GetPipeSize(end)
        | Action::Lseek(end) => Some(*end),
        _ => None,
    }
}

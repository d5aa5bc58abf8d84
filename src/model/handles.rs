//! The handles processes hold on the sockets of a model reached by address (the
//! connection and datagram models): each the handle a socket was made under, or a copy
//! of it made with `dup`. A socket closes with its last handle.
//!
//! # References
//! - POSIX XSH `dup()`: the new descriptor refers to the same open file description;
//!   XSH `close()`: a socket is released when its last descriptor is closed.

use std::collections::BTreeMap;

use super::calls::SockId;
use super::outcome::Unmodelled;
use crate::scenario::Handle;

/// Every handle a process holds, and the socket (by the handle it was made under) it
/// refers to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct SocketHandles(BTreeMap<SockId, SockId>);

impl SocketHandles {
    /// The socket process `p` holds as `handle`, if it holds one.
    pub(super) fn socket(&self, p: usize, handle: &Handle) -> Option<&SockId> {
        self.0.get(&(p, handle.0.clone()))
    }

    /// Whether the handle `id` is held.
    pub(super) fn holds(&self, id: &SockId) -> bool {
        self.0.contains_key(id)
    }

    /// A socket made under the handle `id`.
    pub(super) fn made(&mut self, id: &SockId) {
        self.0.insert(id.clone(), id.clone());
    }

    /// Process `p` holds `name` as a copy of the socket `of` (`dup`); a name it holds
    /// already is the scenario's error, which validation reports first.
    pub(super) fn dup(&mut self, p: usize, name: &Handle, of: SockId) -> Result<(), Unmodelled> {
        let copy = (p, name.0.clone());
        if self.0.contains_key(&copy) {
            return Err(Unmodelled::Action(format!("a second `{name}`")));
        }
        self.0.insert(copy, of);
        Ok(())
    }

    /// Let go of the handles `released`: the sockets no handle refers to any more, to
    /// close.
    pub(super) fn release(&mut self, released: &[SockId]) -> Vec<SockId> {
        let mut unheld: Vec<SockId> = released.iter().filter_map(|h| self.0.remove(h)).collect();
        unheld.sort();
        unheld.dedup();
        unheld.retain(|s| !self.0.values().any(|t| t == s));
        unheld
    }

    /// Every handle process `p` holds: what it lets go of as it leaves.
    pub(super) fn of_process(&self, p: usize) -> Vec<SockId> {
        self.0
            .keys()
            .filter(|(owner, _)| *owner == p)
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket stays held while any of its handles is, original or copy, and is
    /// reported unheld once, when the last goes.
    #[test]
    fn a_socket_is_unheld_with_its_last_handle() {
        let mut handles = SocketHandles::default();
        let conn: SockId = (0, "conn".to_owned());
        handles.made(&conn);
        handles
            .dup(0, &Handle("copy".to_owned()), conn.clone())
            .expect("a new name");
        assert!(handles
            .dup(0, &Handle("copy".to_owned()), conn.clone())
            .is_err());
        assert_eq!(
            handles.release(std::slice::from_ref(&conn)),
            Vec::<SockId>::new()
        );
        assert_eq!(handles.socket(0, &Handle("copy".to_owned())), Some(&conn));
        assert_eq!(handles.of_process(0), vec![(0, "copy".to_owned())]);
        assert_eq!(handles.release(&handles.of_process(0)), vec![conn]);
        assert!(handles.of_process(0).is_empty());
    }
}

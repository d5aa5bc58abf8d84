//! The `AF_UNIX` names of a scenario, as every Unix socket model sees them: a path's
//! file stays after its socket closes (so it stays taken, and a connection or datagram
//! to it is refused rather than finding nothing), while a Linux abstract name goes with
//! its socket.
//!
//! # References
//! - POSIX XSH `bind()` (EADDRINUSE for an address in use), `connect()` (ECONNREFUSED,
//!   ENOENT for a path that names no file).
//! - Linux `net/unix/af_unix.c` (`unix_bind_bsd`, `unix_bind_abstract`,
//!   `unix_find_other`).

use std::collections::BTreeSet;

use crate::scenario::{Address, Errno};

/// The paths bound once in a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct UnixNames {
    paths: BTreeSet<String>,
}

impl UnixNames {
    /// `bind()` of a socket (`bound` already or not) to `to`, which an open socket holds
    /// or not (`held`): the errno that refuses it, or `None` once the name is taken.
    pub(super) fn bind(&mut self, to: &Address, bound: bool, held: bool) -> Option<Errno> {
        let taken = held || (!to.abstract_name && self.paths.contains(&to.name));
        // Linux makes a path's file before it sees the socket is bound already (and
        // removes it again), but looks at an abstract name only after.
        let refused = match (to.abstract_name, bound, taken) {
            (true, true, _) | (false, true, false) => Some(libc::EINVAL),
            (_, _, true) => Some(libc::EADDRINUSE),
            _ => None,
        };
        if refused.is_none() && !to.abstract_name {
            self.paths.insert(to.name.clone());
        }
        refused.map(Errno)
    }

    /// Why nothing is reached at `address`, which no open socket holds: ENOENT for a
    /// path no file is at, ECONNREFUSED for a path whose socket closed or an abstract
    /// name (Linux).
    pub(super) fn unheld(&self, address: &Address) -> Errno {
        match address.abstract_name || self.paths.contains(&address.name) {
            true => Errno(libc::ECONNREFUSED),
            false => Errno(libc::ENOENT),
        }
    }
}

//! What the parent makes through the implementation before the fork for its children to
//! inherit (a POSIX shared memory object, a listening Unix socket), and how a process
//! lets go of its copy when it is not to hold one: as an exiting process does.

use std::os::fd::RawFd;

use super::fds::{is_event_machinery, open_fds};

/// An object the parent made through the implementation: the implementation's handle,
/// and the descriptors making it opened, which the handle may hide (but an event loop's
/// own: a runtime the implementation keeps for every call is the process's, not the
/// object's).
pub(crate) struct MadeByParent<O> {
    pub(crate) handle: O,
    fds: Vec<RawFd>,
}

impl<O> MadeByParent<O> {
    /// Make it with `make`, noting the descriptors that opens.
    pub(crate) fn make<E>(make: impl FnOnce() -> Result<O, E>) -> Result<Self, E> {
        let before = open_fds();
        let handle = make()?;
        let fds = open_fds()
            .into_iter()
            .filter(|fd| !before.contains(fd) && !is_event_machinery(*fd))
            .collect();
        Ok(MadeByParent { handle, fds })
    }

    /// Let go of it as an exiting process does: its descriptors are closed and no
    /// destructor of the implementation runs (one may do more than an exit, such as
    /// unlink a name). What the parent does once its children are forked, and what an
    /// unrelated child does with the copy the fork gave it.
    pub(crate) fn abandon(self) {
        std::mem::forget(self.handle);
        for fd in self.fds {
            let _ = nix::unistd::close(fd);
        }
    }
}

//! How a mio user blocks: try the call, and while it would block, wait on a `Poll` for
//! the descriptor to be ready and try again. One `Poll` per actor, made on its first
//! wait (after the fork: an epoll instance must not be shared with the driver), with no
//! timeout (the driver's watchdog bounds every wait).

use std::cell::RefCell;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, RawFd};

use ::mio::unix::SourceFd;
use ::mio::{Events, Interest, Poll, Token};

use crate::scenario::Errno;

thread_local! {
    /// The actor's `Poll` and its events, made on its first wait. Never made in the
    /// driver, which only makes the objects.
    static POLL: RefCell<Option<(Poll, Events)>> = const { RefCell::new(None) };
}

/// One call on `fd`: `attempt` until it does not fail with `WouldBlock`, waiting for
/// `ready` between attempts, unless the handle is in non-blocking mode (then the
/// `WouldBlock` is the answer, EAGAIN). A signal that interrupts the wait is the call's
/// EINTR: mio's `Poll::poll` returns it without retrying.
pub(super) fn call<T>(
    fd: BorrowedFd<'_>,
    ready: Interest,
    nonblocking: bool,
    mut attempt: impl FnMut() -> io::Result<T>,
) -> Result<T, Errno> {
    loop {
        match attempt() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && !nonblocking => {
                wait_until(fd.as_raw_fd(), ready)?;
            }
            result => return Ok(result?),
        }
    }
}

/// Wait on the actor's `Poll` until `fd` is ready for `interest` (or another descriptor
/// registered there is: the caller tries again either way). The descriptor is
/// registered, or registered again, for this interest alone each time: mio's epoll is
/// edge-triggered, and a registration checks the readiness there is already, so no
/// edge between the failed attempt and the wait is lost; the other interest would wake
/// the wait at once (a socket that waits to read is writable). It is registered through
/// `SourceFd` because the ends are lent by shared reference and mio's types register
/// through `&mut self`; on Unix a mio type's registration is its descriptor's and
/// nothing more (`IoSource` keeps no state there).
fn wait_until(fd: RawFd, interest: Interest) -> io::Result<()> {
    POLL.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some((Poll::new()?, Events::with_capacity(8)));
        }
        let (poll, events) = slot.as_mut().expect("the poll was just made");
        let token =
            Token(usize::try_from(fd).map_err(|_| io::Error::from_raw_os_error(libc::EBADF))?);
        let mut source = SourceFd(&fd);
        match poll.registry().register(&mut source, token, interest) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                poll.registry().reregister(&mut source, token, interest)?;
            }
            registered => registered?,
        }
        poll.poll(events, None)
    })
}

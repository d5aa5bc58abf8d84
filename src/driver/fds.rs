//! Descriptor bookkeeping in actors: closing what they must not inherit, and listing
//! what they hold at the end (the leak check's fallback where the driver cannot read
//! the kernel's table, `leaks.rs`).

use std::os::fd::RawFd;

/// The descriptors open in this process, from `/dev/fd`; none where it cannot be read.
pub fn open_fds() -> Vec<RawFd> {
    list_fds().unwrap_or_default()
}

/// The descriptors open in this process, from `/dev/fd` (a view of `/proc/self/fd` on
/// Linux; native on macOS), or why it could not be read. The directory's own descriptor
/// is left out.
pub fn list_fds() -> std::io::Result<Vec<RawFd>> {
    let dir = std::fs::read_dir("/dev/fd")?;
    let mut fds: Vec<RawFd> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    // read_dir's own descriptor is listed but closed by now.
    fds.retain(|&fd| nix::fcntl::fcntl(borrow_raw(fd), nix::fcntl::FcntlArg::F_GETFD).is_ok());
    fds.sort_unstable();
    Ok(fds)
}

fn borrow_raw(fd: RawFd) -> std::os::fd::BorrowedFd<'static> {
    #[expect(
        unsafe_code,
        reason = "probing a raw descriptor number that may be closed"
    )]
    // SAFETY: F_GETFD on a closed number fails with EBADF and touches nothing; the
    // borrow does not outlive the fcntl call.
    unsafe {
        std::os::fd::BorrowedFd::borrow_raw(fd)
    }
}

/// What a descriptor refers to, for reports (`pipe:[1234]`, a path).
pub fn describe(fd: RawFd) -> String {
    std::fs::read_link(format!("/dev/fd/{fd}"))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "?".to_owned())
}

/// Whether a descriptor is an event loop's own (epoll, eventfd, timerfd, signalfd), as
/// an async runtime holds for itself: no IPC object, so never counted as a leak.
pub fn is_event_machinery(fd: RawFd) -> bool {
    let target = describe(fd);
    super::fd_table::EVENT_LOOP_LINKS
        .iter()
        .any(|kind| target.ends_with(kind))
}

/// Close every descriptor but `keep`.
pub fn close_all_but(keep: &[RawFd]) {
    if !close_gaps(keep) {
        for fd in open_fds() {
            if !keep.contains(&fd) {
                let _ = nix::unistd::close(fd);
            }
        }
    }
}

/// `close_range()` over the gaps between the kept descriptors: one call per gap instead
/// of a directory listing. False where the call is missing (old kernels), so the caller
/// falls back to the listing.
#[cfg(all(linux_like, target_env = "gnu"))]
#[expect(unsafe_code, reason = "close_range has no safe wrapper")]
fn close_gaps(keep: &[RawFd]) -> bool {
    let mut kept: Vec<u32> = keep
        .iter()
        .filter_map(|&fd| u32::try_from(fd).ok())
        .collect();
    kept.sort_unstable();
    kept.dedup();
    let mut first = 0u32;
    for fd in kept.into_iter().chain([u32::MAX]) {
        if fd > first {
            // SAFETY: closes descriptor numbers only; the child owns no Rust object that
            // refers to a number in these gaps and survives past this point.
            if unsafe { libc::close_range(first, fd - 1, 0) } != 0 {
                return false;
            }
        }
        first = fd.saturating_add(1);
    }
    true
}

#[cfg(not(all(linux_like, target_env = "gnu")))]
fn close_gaps(_keep: &[RawFd]) -> bool {
    false
}

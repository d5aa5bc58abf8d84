//! Descriptor bookkeeping in actors: closing what they must not inherit, and listing
//! what they hold at the end.

use std::os::fd::RawFd;

/// The descriptors open in this process, from `/dev/fd` (a view of `/proc/self/fd` on
/// Linux; native on macOS). The directory's own descriptor is left out.
pub fn open_fds() -> Vec<RawFd> {
    let Ok(dir) = std::fs::read_dir("/dev/fd") else {
        return Vec::new();
    };
    let mut fds: Vec<RawFd> = dir
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    // read_dir's own descriptor is listed but closed by now.
    fds.retain(|&fd| nix::fcntl::fcntl(borrow_raw(fd), nix::fcntl::FcntlArg::F_GETFD).is_ok());
    fds.sort_unstable();
    fds
}

fn borrow_raw(fd: RawFd) -> std::os::fd::BorrowedFd<'static> {
    #[expect(unsafe_code, reason = "probing a raw descriptor number that may be closed")]
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

/// Close every descriptor but `keep`; returns how many were closed.
pub fn close_all_but(keep: &[RawFd]) -> usize {
    let mut closed = 0;
    for fd in open_fds() {
        if !keep.contains(&fd) && nix::unistd::close(fd).is_ok() {
            closed += 1;
        }
    }
    closed
}

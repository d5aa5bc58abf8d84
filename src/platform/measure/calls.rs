//! The calls of the probes (`measure.rs`) that nix has no safe wrapper for, each with
//! the reason it is sound.

use std::os::fd::{AsRawFd, OwnedFd};
use std::ptr::NonNull;

use nix::errno::Errno;
use nix::sys::mman::{mmap_anonymous, munmap, MapFlags, ProtFlags};
use nix::sys::signal::{signal, SigHandler, Signal};
use nix::unistd::{fork, ForkResult, Pid};

/// Fork; the child resets SIGPIPE, SIGSEGV and SIGBUS to their defaults, dumps no
/// core, runs `body` and leaves by `_exit` with its status.
#[expect(unsafe_code, reason = "fork, signal dispositions, rlimit, _exit")]
pub(super) fn fork_child(body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    // SAFETY: the caller checked that this process has one thread, so the child
    // inherits no lock another thread held; it leaves by _exit.
    match unsafe { fork() }? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            for s in [Signal::SIGPIPE, Signal::SIGSEGV, Signal::SIGBUS] {
                // SAFETY: SIG_DFL installs no handler code.
                let _ = unsafe { signal(s, SigHandler::SigDfl) };
            }
            let no_core = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: setrlimit reads one rlimit through the pointer.
            let _ = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
            // A core_pattern that pipes to a helper ignores RLIMIT_CORE; this does not.
            #[cfg(linux_like)]
            let _ = nix::sys::prctl::set_dumpable(false);
            let status = body();
            // SAFETY: _exit takes a plain int and never returns.
            unsafe { libc::_exit(status) }
        }
    }
}

/// `send()` of one byte with `flags`.
#[expect(
    unsafe_code,
    reason = "send with flags nix does not name on every platform"
)]
pub(super) fn send_byte(fd: &OwnedFd, flags: libc::c_int) -> Result<(), Errno> {
    let byte = [0u8];
    // SAFETY: the buffer is one valid byte for the length given.
    let sent = unsafe { libc::send(fd.as_raw_fd(), byte.as_ptr().cast(), 1, flags) };
    if sent < 0 {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

/// `setsockopt(SO_NOSIGPIPE, 1)`.
#[cfg(apple)]
#[expect(unsafe_code, reason = "SO_NOSIGPIPE has no safe wrapper in nix")]
pub(super) fn set_nosigpipe(fd: &OwnedFd) -> Result<(), Errno> {
    let on: libc::c_int = 1;
    // SAFETY: the option value is one int, its size given.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_NOSIGPIPE,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

/// `bind()` to the abstract name `name` (Linux's nix names them).
#[cfg(linux_like)]
pub(super) fn bind_abstract(fd: &OwnedFd, name: &[u8]) -> Result<(), Errno> {
    let addr = nix::sys::socket::UnixAddr::new_abstract(name)?;
    nix::sys::socket::bind(fd.as_raw_fd(), &addr)
}

/// `bind()` to a `sockaddr_un` whose path starts with a NUL byte, as an abstract name
/// is spelled on Linux (nix names none here).
#[cfg(not(linux_like))]
#[expect(unsafe_code, reason = "a raw sockaddr_un")]
pub(super) fn bind_abstract(fd: &OwnedFd, name: &[u8]) -> Result<(), Errno> {
    // SAFETY: sockaddr_un is plain data, valid when zeroed.
    let mut addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    let room = addr.sun_path.len() - 1;
    for (slot, byte) in addr.sun_path[1..]
        .iter_mut()
        .zip(&name[..name.len().min(room)])
    {
        *slot = *byte as libc::c_char;
    }
    let len = std::mem::offset_of!(libc::sockaddr_un, sun_path) + 1 + name.len().min(room);
    #[cfg(apple)]
    {
        addr.sun_len = len as u8;
    }
    addr.sun_family = libc::AF_UNIX as libc::sa_family_t;
    // SAFETY: the address is a valid sockaddr_un of `len` bytes.
    let r = unsafe {
        libc::bind(
            fd.as_raw_fd(),
            (&addr as *const libc::sockaddr_un).cast(),
            len as libc::socklen_t,
        )
    };
    if r < 0 {
        Err(Errno::last())
    } else {
        Ok(())
    }
}

/// One anonymous private page mapped `PROT_READ`, unmapped on drop.
pub(super) struct ReadOnlyPage {
    at: NonNull<libc::c_void>,
    len: usize,
}

impl ReadOnlyPage {
    #[expect(unsafe_code, reason = "mapping memory")]
    pub(super) fn map(len: usize) -> nix::Result<ReadOnlyPage> {
        let size = std::num::NonZeroUsize::new(len).ok_or(Errno::EINVAL)?;
        // SAFETY: a new anonymous mapping aliases nothing of ours.
        let at =
            unsafe { mmap_anonymous(None, size, ProtFlags::PROT_READ, MapFlags::MAP_PRIVATE) }?;
        Ok(ReadOnlyPage { at, len })
    }

    /// Store one byte to the page: the fault kills the caller (a forked child); if
    /// it does not, 0.
    #[expect(unsafe_code, reason = "a store the kernel must refuse")]
    pub(super) fn store(&self) -> i32 {
        // SAFETY: the address is mapped (read-only): the store faults, which is the
        // point, in a child that has nothing else to do.
        unsafe { std::ptr::write_volatile(self.at.as_ptr().cast::<u8>(), 1) };
        0
    }
}

impl Drop for ReadOnlyPage {
    #[expect(unsafe_code, reason = "unmapping memory")]
    fn drop(&mut self) {
        // SAFETY: the mapping is ours, and nothing points into it any more.
        let _ = unsafe { munmap(self.at, self.len) };
    }
}

/// `sem_open(name, O_CREAT | O_EXCL, 0600, 0)`, then `sem_close` and `sem_unlink` of
/// what it made.
#[expect(unsafe_code, reason = "nix has no POSIX semaphores")]
pub(super) fn make_named_semaphore(name: &str) -> Result<(), Errno> {
    let name = std::ffi::CString::new(name).map_err(|_| Errno::EINVAL)?;
    let mode: libc::c_uint = 0o600;
    // SAFETY: `name` is a NUL-terminated string that outlives the calls; the variadic
    // mode and value are passed as the C int types sem_open reads.
    let sem = unsafe {
        libc::sem_open(
            name.as_ptr(),
            libc::O_CREAT | libc::O_EXCL,
            mode,
            0 as libc::c_uint,
        )
    };
    if sem == libc::SEM_FAILED {
        return Err(Errno::last());
    }
    // SAFETY: `sem` is the semaphore sem_open just returned, closed once; the name is
    // the one it was made with.
    unsafe {
        libc::sem_close(sem);
        libc::sem_unlink(name.as_ptr());
    }
    Ok(())
}

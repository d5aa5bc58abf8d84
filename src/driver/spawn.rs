//! Forking actors. The driver forks only while it is the process's only thread
//! (DESIGN rule 7): a child of a multi-threaded parent may inherit a lock another thread
//! held (malloc's, stdout's) and deadlock on its first allocation.

use std::os::fd::{AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

use nix::sys::signal::{sigaction, signal, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::{fork, setpgid, ForkResult, Pid};

use super::error::HarnessError;
use crate::platform::thread_count;
use crate::scenario::{SigPipe, SignalName, Stdin};

extern "C" fn do_nothing(_: libc::c_int) {}

/// Refused unless this process has one thread: the harness could not fork here. (Where
/// the count is not known, the harness keeps to one thread by design.)
pub fn check_single_threaded() -> Result<(), HarnessError> {
    match thread_count() {
        Some(1) | None => Ok(()),
        Some(threads) => Err(HarnessError::Threads { threads }),
    }
}

/// Fork a helper process that runs `body` and `_exit`s with its status, and dies with
/// its parent. Refused unless this process has one thread.
#[expect(unsafe_code, reason = "fork")]
pub fn fork_helper(body: impl FnOnce() -> i32) -> Result<Pid, HarnessError> {
    check_single_threaded()?;
    // SAFETY: this process has one thread (checked above), so the child inherits no
    // lock another thread held.
    match unsafe { fork() }.map_err(HarnessError::Fork)? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            #[cfg(linux_like)]
            let _ = nix::sys::prctl::set_pdeathsig(Signal::SIGKILL);
            exit_now(body())
        }
    }
}

/// What a child sets up before it serves: stdio to /dev/null, its process group, its
/// SIGPIPE disposition, death with the driver, and only the descriptors it may hold.
pub struct ChildSetup<'a> {
    /// The group to join, or `None` to lead a new one.
    pub pgid: Option<Pid>,
    /// The scenario's SIGPIPE disposition for this process.
    pub sigpipe: SigPipe,
    /// Signals to catch with a do-nothing handler, without SA_RESTART.
    pub handles: &'a [SignalName],
    /// Descriptors that survive (control socket, kept ends).
    pub keep: &'a [RawFd],
    /// An open /dev/null for stdio.
    pub devnull: &'a OwnedFd,
    /// Whether standard input stays open on /dev/null or is closed.
    pub stdin: Stdin,
    /// The network namespace of the process's host, to enter before anything else.
    pub netns: Option<BorrowedFd<'a>>,
}

/// Fork; in the child, set up and run `body`, then `_exit` with its status. Returns the
/// child's pid in the parent.
#[expect(unsafe_code, reason = "fork and signal dispositions")]
pub fn spawn(setup: ChildSetup<'_>, body: impl FnOnce() -> i32) -> nix::Result<Pid> {
    // SAFETY: the caller checked that this process has one thread, so the child
    // inherits no lock held by another thread; it leaves with _exit, never unwinding
    // into the parent's stack.
    match unsafe { fork() }? {
        ForkResult::Parent { child } => {
            // Also set in the child: whichever runs first, the group is right before
            // the driver signals it (the usual race-free idiom).
            let _ = setpgid(child, setup.pgid.unwrap_or(child));
            Ok(child)
        }
        ForkResult::Child => {
            let status = match prepare_child(&setup) {
                Ok(()) => {
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)).unwrap_or(101)
                }
                Err(_) => 102,
            };
            exit_now(status)
        }
    }
}

#[expect(unsafe_code, reason = "signal dispositions")]
fn prepare_child(setup: &ChildSetup<'_>) -> nix::Result<()> {
    #[cfg(linux_like)]
    nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
    setpgid(Pid::from_raw(0), setup.pgid.unwrap_or(Pid::from_raw(0)))?;
    if let Some(netns) = setup.netns {
        enter_netns(netns)?;
    }
    set_dispositions(setup.sigpipe, setup.handles)?;
    let stdio = match setup.stdin {
        Stdin::DevNull => vec![0, 1, 2],
        // Not kept, so closed below.
        Stdin::Closed => vec![1, 2],
    };
    for &fd in &stdio {
        // SAFETY: dup2 onto 0..3 replaces stdio; nothing in this process holds those as
        // OwnedFd, and the driver's copies are untouched.
        if unsafe { libc::dup2(setup.devnull.as_raw_fd(), fd) } < 0 {
            return Err(nix::errno::Errno::last());
        }
    }
    let mut keep = stdio;
    keep.extend_from_slice(setup.keep);
    super::fds::close_all_but(&keep);
    Ok(())
}

/// The scenario's signal dispositions for a process: SIGPIPE's, and `signals` caught
/// with a handler that does nothing, without SA_RESTART (a call one of them interrupts
/// returns EINTR instead of restarting). An actor started by exec sets them again: the
/// exec resets handlers, and Rust's runtime ignores SIGPIPE before `main`.
#[expect(unsafe_code, reason = "signal dispositions")]
pub(crate) fn set_dispositions(sigpipe: SigPipe, signals: &[SignalName]) -> nix::Result<()> {
    let handler = match sigpipe {
        SigPipe::Default => SigHandler::SigDfl,
        SigPipe::Ignore => SigHandler::SigIgn,
    };
    // SAFETY: SIG_DFL and SIG_IGN install no handler code.
    unsafe { signal(Signal::SIGPIPE, handler) }?;
    let catch = SigAction::new(
        SigHandler::Handler(do_nothing),
        SaFlags::empty(),
        SigSet::empty(),
    );
    for s in signals {
        // SAFETY: the handler does nothing, so it is async-signal-safe.
        unsafe { sigaction(s.0, &catch) }?;
    }
    Ok(())
}

/// Move this process into a network namespace (its host's).
#[cfg(linux_like)]
fn enter_netns(netns: BorrowedFd<'_>) -> nix::Result<()> {
    nix::sched::setns(netns, nix::sched::CloneFlags::CLONE_NEWNET)
}

/// Platforms without network namespaces skip scenarios across hosts (platform profile).
#[cfg(not(linux_like))]
fn enter_netns(_netns: BorrowedFd<'_>) -> nix::Result<()> {
    Err(nix::errno::Errno::ENOSYS)
}

/// A control socketpair with close-on-exec on both ends: (driver side, actor side).
pub fn control_pair() -> std::io::Result<(UnixStream, UnixStream)> {
    let (a, b) = UnixStream::pair()?;
    for s in [&a, &b] {
        nix::fcntl::fcntl(
            s,
            nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
        )?;
    }
    a.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    Ok((a, b))
}

/// `_exit()`: leave the child at once, running no destructor and no atexit handler, so
/// nothing it inherited from the driver is flushed or closed twice.
#[expect(unsafe_code, reason = "libc::_exit is an FFI call")]
pub fn exit_now(status: i32) -> ! {
    // SAFETY: _exit takes a plain int and never returns.
    unsafe { libc::_exit(status) }
}

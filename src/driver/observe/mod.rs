//! Reading a thread's scheduling state from the kernel: the oracle for "blocks".

#[cfg(linux_like)]
mod linux;
#[cfg(linux_like)]
use linux as platform;

#[cfg(apple)]
mod macos;
#[cfg(apple)]
use macos as platform;

#[cfg(not(any(linux_like, apple)))]
mod platform {
    use super::Sample;
    pub fn sample(_pid: i32) -> Option<Sample> {
        None
    }
    pub fn wait_channel(_pid: i32) -> Option<String> {
        None
    }
    pub fn past_exec(_pid: i32) -> Option<bool> {
        None
    }
}

use super::event_log::CallKind;

/// How strongly a blocking verdict is supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// The thread was asleep inside the expected system call on the expected descriptor
    /// (`/proc/PID/task/TID/stat` and `.../syscall`), on two consecutive looks.
    KernelCall,
    /// The thread was asleep after entering the call, on two consecutive looks, but not
    /// seen in the call itself: the kernel does not say which call (macOS thread info;
    /// Linux without `syscall`), or the thread waits for readiness (epoll, poll: an async
    /// runtime's reactor).
    KernelState,
    /// The call had not returned when a fixed time ran out: the weakest evidence.
    Timeout,
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Evidence::KernelCall => "kernel: asleep in the call",
            Evidence::KernelState => "kernel: asleep, not seen in the call",
            Evidence::Timeout => "timeout only",
        })
    }
}

/// One look at a thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// Sleeping (Linux S or D; macOS TH_STATE_WAITING).
    pub asleep: bool,
    /// The system call it is in and its first argument, when the kernel says.
    pub call: Option<(i64, u64)>,
}

impl Sample {
    /// Whether this look shows the thread asleep in a call of `kind` whose first
    /// argument is `arg` (any, when negative; for [`CallKind::FutexInPage`], any address
    /// in the page that starts at `arg`); `None` when the platform cannot tell which
    /// call, or when the thread waits for readiness (epoll, poll, select: an async
    /// runtime's reactor), which names no one descriptor.
    pub fn asleep_in(&self, kind: CallKind, arg: i64) -> Option<bool> {
        let (nr, arg0) = self.call?;
        if platform_readiness_waits().contains(&nr) {
            return None;
        }
        let call_matches = platform_calls(kind).contains(&nr);
        let arg_matches = match kind {
            _ if arg < 0 => true,
            CallKind::FutexInPage => (arg as u64..arg as u64 + page_size()).contains(&arg0),
            _ => arg0 == arg as u64,
        };
        Some(self.asleep && call_matches && arg_matches)
    }
}

/// The page size, which bounds a [`CallKind::FutexInPage`] match: read once, as the
/// oracle looks many times a step.
fn page_size() -> u64 {
    static PAGE_SIZE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *PAGE_SIZE.get_or_init(|| {
        nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .map_or(4096, |n| n as u64)
    })
}

#[cfg(linux_like)]
fn platform_calls(kind: CallKind) -> &'static [i64] {
    linux::calls(kind)
}

#[cfg(not(linux_like))]
fn platform_calls(_kind: CallKind) -> &'static [i64] {
    &[]
}

#[cfg(linux_like)]
fn platform_readiness_waits() -> &'static [i64] {
    linux::readiness_waits()
}

#[cfg(not(linux_like))]
fn platform_readiness_waits() -> &'static [i64] {
    &[]
}

/// Look at the (only) thread of process `pid`; `None` when the platform gives no view.
pub fn sample(pid: i32) -> Option<Sample> {
    platform::sample(pid)
}

/// Whether process `pid` is past an `execve` that succeeded: it makes a call of the new
/// program's. The kernel releases the close-on-exec descriptors one after another
/// (their last close runs as the call returns), so the driver, which sees the control
/// socket close first, waits for this before it counts the others closed too. `None`
/// where the platform does not say which call a thread is in (macOS).
pub fn past_exec(pid: i32) -> Option<bool> {
    platform::past_exec(pid)
}

/// How many processes the kernel counts as waiting on System V semaphore set `id`: its
/// semncnt and semzcnt, summed over its semaphores (`semctl` GETNCNT and GETZCNT), the
/// second witness of a `semop` that sleeps; `None` when the set cannot be read.
#[expect(unsafe_code, reason = "semctl has no safe wrapper")]
pub fn semaphore_waiters(id: i64) -> Option<u32> {
    let id = i32::try_from(id).ok()?;
    // SAFETY: semid_ds is plain data, valid when zeroed.
    let mut stat: libc::semid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_STAT writes one semid_ds into `stat`, on our stack.
    if unsafe { libc::semctl(id, 0, libc::IPC_STAT, &mut stat as *mut libc::semid_ds) } < 0 {
        return None;
    }
    let mut waiters = 0;
    for num in 0..stat.sem_nsems as i32 {
        for command in [libc::GETNCNT, libc::GETZCNT] {
            // SAFETY: these commands read no argument beyond the semaphore's number.
            let count = unsafe { libc::semctl(id, num, command) };
            waiters += u32::try_from(count).ok()?;
        }
    }
    Some(waiters)
}

/// The kernel function the process sleeps in, for the timeline only: its names change
/// between kernels, so it is never the oracle.
pub fn wait_channel(pid: i32) -> Option<String> {
    platform::wait_channel(pid)
}

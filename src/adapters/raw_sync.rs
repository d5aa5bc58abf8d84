//! raw_sync 0.1 as a process-shared lock, its `Mutex` (`pshared-mutex`), and as an
//! unnamed semaphore, its auto-reset `Event` (`posix-sem` with `[unnamed_semaphore]`).
//!
//! The crate makes a lock in memory the caller gives it: `Mutex::new(mem, data)` is
//! `pthread_mutexattr_setpshared(PTHREAD_PROCESS_SHARED)` and `pthread_mutex_init` at
//! `mem` (aligned to a pointer), and `Mutex::from_existing(mem, data)` reaches the one
//! there, as another process (or this one, at another address) does (raw_sync
//! `src/locks/unix.rs`). The adapter gives it the driver's page: `new` for
//! `lock_init`, `from_existing` for `lock_attach` after a remap.
//!
//! - `lock()` returns a guard that unlocks when dropped; a scenario's lock lives across
//!   steps, so the adapter forgets the guard and unlocks with the crate's `release()`.
//! - The crate has no trylock: `try_lock(Timeout::Val(0))` is `pthread_mutex_timedlock`
//!   with the time already due, whose ETIMEDOUT on a locked mutex is what a trylock
//!   calls EBUSY; the adapter reports it so.
//! - Errors are strings; the adapter reads the errno the crate prints after ` : `.
//!
//! An auto-reset `Event` (`Event::new(mem, true)`: a process-shared pthread mutex, a
//! condition variable and a flag, raw_sync `src/events/unix.rs`) is what its users take
//! for a binary semaphore: `set(Signaled)` raises the flag and wakes one waiter, and a
//! `wait` that finds it raised lowers it and returns. The adapter makes one in the
//! driver's page for `sem_init_shared`, `set(Signaled)` is `sem_post`, `wait(Infinite)`
//! is `sem_wait`, and `wait(Val(0))` is `sem_trywait`: the crate's error says only
//! "Failed waiting for signal", whatever the cause, which with no time to wait is a
//! semaphore's EAGAIN at 0.
//!
//! # Limitations
//!
//! - Only the default mutex type, never robust (`Mutex::new` sets neither): an
//!   error-checking, recursive or robust scenario is a skip.
//! - No condition variable (the `Event` is a latched flag, not a condition variable,
//!   whose signal without a waiter is lost): the condition calls are a skip.
//! - The event counts to 1: a semaphore made at more is a skip, and a second post before
//!   a wait is absorbed. No `sem_getvalue`, no named semaphores.
//! - No `sem_timedwait`: `wait(Val(d))` computes its deadline without carrying the
//!   nanoseconds into the seconds (raw_sync issue #39), so it fails with EINVAL at random;
//!   left out rather than flaky.

use std::time::Duration;

use ::raw_sync::events::{Event, EventImpl, EventInit, EventState};
use ::raw_sync::locks::{LockImpl, LockInit, Mutex};
use ::raw_sync::Timeout;

use super::Adapter;
use crate::mechanism::os::SharedPage;
use crate::mechanism::{
    Capability, Describe, Deviation, Synchronizer, Synchronizers, Unimplemented,
};
use crate::scenario::{Errno, LockWait, Mechanism, MutexKind, MutexSpec, SemWait};

/// The adapter: raw_sync's `Mutex` in the driver's shared page.
pub const ADAPTER: Adapter = Adapter::of(
    "raw_sync",
    "raw_sync 0.1: locks::Mutex::new, from_existing, lock, try_lock, release; \
     events::Event::new (auto-reset), wait, set",
    &Synchronizers(RawSync),
    &[],
);

/// raw_sync's process-shared mutex.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawSync;

/// The crate's lock, as one process reaches it.
pub struct RawSyncMutex(Box<dyn LockImpl>);

/// The crate's auto-reset event, as one process reaches it.
pub struct RawSyncEvent(Box<dyn EventImpl>);

impl Describe for RawSync {
    fn name(&self) -> &str {
        "raw_sync"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::PsharedMutex, Mechanism::PosixSem]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        Capability::ALL
    }

    fn deviations(&self) -> &[Deviation] {
        &[Deviation {
            scenario: "posix-sem::unnamed_wait_eintr_when_signal_caught",
            reason: "Event::wait loops on pthread_cond_wait until the flag is up, and a handled signal only wakes that (at most spuriously): the wait goes on, never EINTR",
        }]
    }
}

/// The errno of one of the crate's errors ("Failed to acquire mutex : 110"), EIO when
/// it names none.
fn errno_of(error: &dyn std::error::Error) -> Errno {
    let text = error.to_string();
    let number = text
        .rsplit(" : ")
        .next()
        .and_then(|n| n.trim().parse().ok());
    Errno(number.unwrap_or(libc::EIO))
}

/// Where the crate's guard points: unused by the scenarios, past the mutex.
fn data(page: &SharedPage) -> *mut u8 {
    page.as_ptr().as_ptr().wrapping_add(page.len() / 2)
}

impl Synchronizer for RawSync {
    type SemaphoreSet = Unimplemented;
    type PosixSemaphore = RawSyncEvent;
    type SharedLock = RawSyncMutex;

    #[expect(unsafe_code, reason = "raw_sync's constructors take raw memory")]
    fn sem_init_shared(&self, page: &SharedPage, value: u32) -> Result<RawSyncEvent, Errno> {
        if value > 1 {
            return Err(Errno::UNSUPPORTED);
        }
        // SAFETY: the page is mapped, writable and zeroed, and nothing else uses it
        // before the fork; the event fits in it (`Event::size_of` is about 100 bytes).
        let (event, _) =
            unsafe { Event::new(page.as_ptr().as_ptr(), true) }.map_err(|e| errno_of(&*e))?;
        if value == 1 {
            event.set(EventState::Signaled).map_err(|e| errno_of(&*e))?;
        }
        Ok(RawSyncEvent(event))
    }

    fn sem_wait(&self, sem: &RawSyncEvent, how: SemWait) -> Result<(), Errno> {
        match how {
            SemWait::Wait => sem.0.wait(Timeout::Infinite).map_err(|e| errno_of(&*e)),
            SemWait::Try => sem
                .0
                .wait(Timeout::Val(Duration::ZERO))
                .map_err(|_| Errno(libc::EAGAIN)),
            SemWait::Timed(_) => Err(Errno::UNSUPPORTED),
        }
    }

    fn sem_post(&self, sem: &RawSyncEvent) -> Result<(), Errno> {
        sem.0.set(EventState::Signaled).map_err(|e| errno_of(&*e))
    }

    #[expect(unsafe_code, reason = "raw_sync's constructors take raw memory")]
    fn lock_init(&self, page: &SharedPage, spec: &MutexSpec) -> Result<RawSyncMutex, Errno> {
        if spec.robust || !matches!(spec.kind, MutexKind::Default | MutexKind::Normal) {
            return Err(Errno::UNSUPPORTED);
        }
        // SAFETY: the page is mapped, writable and zeroed, and nothing else uses it
        // before the fork; the mutex and the data pointer lie inside it.
        let (lock, _) =
            unsafe { Mutex::new(page.as_ptr().as_ptr(), data(page)) }.map_err(|e| errno_of(&*e))?;
        Ok(RawSyncMutex(lock))
    }

    #[expect(unsafe_code, reason = "raw_sync's constructors take raw memory")]
    fn lock_attach(&self, page: &SharedPage) -> Result<RawSyncMutex, Errno> {
        // SAFETY: the page is this process's mapping of the memory `lock_init` made the
        // mutex in, at the same offset.
        let (lock, _) = unsafe { Mutex::from_existing(page.as_ptr().as_ptr(), data(page)) }
            .map_err(|e| errno_of(&*e))?;
        Ok(RawSyncMutex(lock))
    }

    fn mutex_lock(&self, lock: &RawSyncMutex, how: LockWait) -> Result<(), Errno> {
        let guard =
            match how {
                LockWait::Wait => lock.0.lock().map_err(|e| errno_of(&*e))?,
                LockWait::Try => lock.0.try_lock(Timeout::Val(Duration::ZERO)).map_err(|e| {
                    match errno_of(&*e) {
                        Errno(libc::ETIMEDOUT) => Errno(libc::EBUSY),
                        other => other,
                    }
                })?,
            };
        // Held until `mutex_unlock`, a later step's `release`.
        std::mem::forget(guard);
        Ok(())
    }

    fn mutex_unlock(&self, lock: &RawSyncMutex) -> Result<(), Errno> {
        lock.0.release().map_err(|e| errno_of(&*e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errnos_are_read_from_the_crates_messages() {
        let timed_out: Box<dyn std::error::Error> = "Failed to acquire mutex : 110".into();
        assert_eq!(errno_of(&*timed_out), Errno(110));
        let plain: Box<dyn std::error::Error> = "Failed to initialize pthread_mutexattr_t".into();
        assert_eq!(errno_of(&*plain), Errno(libc::EIO));
    }
}

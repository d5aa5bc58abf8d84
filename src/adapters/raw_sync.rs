//! raw_sync 0.1 as a process-shared lock: its `Mutex` (`pshared-mutex`).
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
//! # Limitations
//!
//! - Only the default mutex type, never robust (`Mutex::new` sets neither): an
//!   error-checking, recursive or robust scenario is a skip.
//! - No condition variable: the crate's `Event` is a latched flag (a Windows event:
//!   `set(Signaled)` stays set until a wait takes it, or until `set(Clear)` when
//!   manual-reset), a rule POSIX states for no object the catalogue has, so it is left
//!   out rather than judged by a condition variable's rules; the condition calls are a
//!   skip.

use std::time::Duration;

use ::raw_sync::locks::{LockImpl, LockInit, Mutex};
use ::raw_sync::Timeout;

use super::Adapter;
use crate::mechanism::os::SharedPage;
use crate::mechanism::{Capability, Describe, Synchronizer, Synchronizers, Unimplemented};
use crate::scenario::{Errno, LockWait, Mechanism, MutexKind, MutexSpec};

/// The adapter: raw_sync's `Mutex` in the driver's shared page.
pub const ADAPTER: Adapter = Adapter::of(
    "raw_sync",
    "raw_sync 0.1: locks::Mutex::new, from_existing, lock, try_lock, release",
    &Synchronizers(RawSync),
    &[],
);

/// raw_sync's process-shared mutex.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawSync;

/// The crate's lock, as one process reaches it.
pub struct RawSyncMutex(Box<dyn LockImpl>);

impl Describe for RawSync {
    fn name(&self) -> &str {
        "raw_sync"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::PsharedMutex]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        Capability::ALL
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
    type PosixSemaphore = Unimplemented;
    type SharedLock = RawSyncMutex;

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

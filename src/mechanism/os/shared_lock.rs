//! Process-shared mutexes and condition variables through the C library's pthread
//! calls, in a [`SharedPage`]. Every `unsafe` block of the family's locks is here: the
//! calls are FFI on memory other processes write too.

use std::ptr::NonNull;
use std::time::Duration;

use super::{realtime_deadline, SharedPage};
use crate::scenario::{Errno, LockWait, MutexKind, MutexSpec};

/// The mutex and condition variable [`init`] made at the start of a [`SharedPage`]: the
/// mutex first, the condition variable at [`COND_OFFSET`].
#[derive(Clone, Copy, Debug)]
pub struct OsSharedLock {
    mutex: NonNull<libc::pthread_mutex_t>,
    cond: NonNull<libc::pthread_cond_t>,
}

/// Where the condition variable starts: past the mutex, on a cache line of its own.
const COND_OFFSET: usize = std::mem::size_of::<libc::pthread_mutex_t>().next_multiple_of(64);

/// The bytes the lock needs from its page.
const LOCK_LEN: usize = COND_OFFSET + std::mem::size_of::<libc::pthread_cond_t>();

/// The lock in `page`, as this process has it mapped.
pub(super) fn attach(page: &SharedPage) -> Result<OsSharedLock, Errno> {
    if page.len() < LOCK_LEN {
        return Err(Errno(libc::EINVAL));
    }
    let base = page.as_ptr();
    // SAFETY (of the later uses): both pointers lie in the page, inside its length, at
    // offsets aligned for their types (a page is page-aligned).
    Ok(OsSharedLock {
        mutex: base.cast(),
        cond: NonNull::new(base.as_ptr().wrapping_add(COND_OFFSET))
            .expect("an offset into a mapping is not null")
            .cast(),
    })
}

/// Turn a pthread call's result (0, or an errno) into a `Result`.
fn check(code: libc::c_int) -> Result<(), Errno> {
    match code {
        0 => Ok(()),
        errno => Err(Errno(errno)),
    }
}

/// `pthread_mutex_init` and `pthread_cond_init` in `page`, both PTHREAD_PROCESS_SHARED,
/// the mutex of `spec`'s type and robustness.
#[expect(
    unsafe_code,
    reason = "pthread attributes and initialisation have no safe wrapper"
)]
pub(super) fn init(page: &SharedPage, spec: &MutexSpec) -> Result<OsSharedLock, Errno> {
    let lock = attach(page)?;
    let kind = match spec.kind {
        MutexKind::Default => libc::PTHREAD_MUTEX_DEFAULT,
        MutexKind::Normal => libc::PTHREAD_MUTEX_NORMAL,
        MutexKind::ErrorCheck => libc::PTHREAD_MUTEX_ERRORCHECK,
        MutexKind::Recursive => libc::PTHREAD_MUTEX_RECURSIVE,
    };
    // SAFETY: the attribute objects live on this stack, are initialised before use and
    // destroyed after; `lock`'s pointers are in the page (see `attach`), which no other
    // process uses before the fork that follows.
    unsafe {
        let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        check(libc::pthread_mutexattr_init(attr.as_mut_ptr()))?;
        let made = check(libc::pthread_mutexattr_setpshared(
            attr.as_mut_ptr(),
            libc::PTHREAD_PROCESS_SHARED,
        ))
        .and_then(|()| check(libc::pthread_mutexattr_settype(attr.as_mut_ptr(), kind)))
        .and_then(|()| set_robust(attr.as_mut_ptr(), spec.robust))
        .and_then(|()| check(libc::pthread_mutex_init(lock.mutex.as_ptr(), attr.as_ptr())));
        libc::pthread_mutexattr_destroy(attr.as_mut_ptr());
        made?;
        let mut attr = std::mem::MaybeUninit::<libc::pthread_condattr_t>::uninit();
        check(libc::pthread_condattr_init(attr.as_mut_ptr()))?;
        let made = check(libc::pthread_condattr_setpshared(
            attr.as_mut_ptr(),
            libc::PTHREAD_PROCESS_SHARED,
        ))
        .and_then(|()| check(libc::pthread_cond_init(lock.cond.as_ptr(), attr.as_ptr())));
        libc::pthread_condattr_destroy(attr.as_mut_ptr());
        made?;
    }
    Ok(lock)
}

/// `pthread_mutexattr_setrobust` (Linux).
#[cfg(target_os = "linux")]
#[expect(unsafe_code, reason = "pthread attributes have no safe wrapper")]
fn set_robust(attr: *mut libc::pthread_mutexattr_t, robust: bool) -> Result<(), Errno> {
    let robustness = if robust {
        libc::PTHREAD_MUTEX_ROBUST
    } else {
        libc::PTHREAD_MUTEX_STALLED
    };
    // SAFETY: `attr` is an initialised attribute object of the caller's.
    check(unsafe { libc::pthread_mutexattr_setrobust(attr, robustness) })
}

/// macOS's libpthread has no robust mutexes (no `pthread_mutexattr_setrobust`): a
/// stalled mutex is all there is.
#[cfg(not(target_os = "linux"))]
fn set_robust(_attr: *mut libc::pthread_mutexattr_t, robust: bool) -> Result<(), Errno> {
    if robust {
        return Err(Errno::UNSUPPORTED);
    }
    Ok(())
}

/// `pthread_mutex_lock()` or `pthread_mutex_trylock()`.
#[expect(unsafe_code, reason = "pthread mutexes have no safe wrapper")]
pub(super) fn lock(lock: &OsSharedLock, how: LockWait) -> Result<(), Errno> {
    // SAFETY: the mutex was initialised in memory this process maps (see `attach`).
    check(unsafe {
        match how {
            LockWait::Wait => libc::pthread_mutex_lock(lock.mutex.as_ptr()),
            LockWait::Try => libc::pthread_mutex_trylock(lock.mutex.as_ptr()),
        }
    })
}

/// `pthread_mutex_unlock()`.
#[expect(unsafe_code, reason = "pthread mutexes have no safe wrapper")]
pub(super) fn unlock(lock: &OsSharedLock) -> Result<(), Errno> {
    // SAFETY: as in `lock`.
    check(unsafe { libc::pthread_mutex_unlock(lock.mutex.as_ptr()) })
}

/// `pthread_mutex_consistent()` (Linux).
#[cfg(target_os = "linux")]
#[expect(unsafe_code, reason = "pthread mutexes have no safe wrapper")]
pub(super) fn make_consistent(lock: &OsSharedLock) -> Result<(), Errno> {
    // SAFETY: as in `lock`.
    check(unsafe { libc::pthread_mutex_consistent(lock.mutex.as_ptr()) })
}

/// macOS has no robust mutexes, so nothing to make consistent.
#[cfg(not(target_os = "linux"))]
pub(super) fn make_consistent(_lock: &OsSharedLock) -> Result<(), Errno> {
    Err(Errno::UNSUPPORTED)
}

/// `pthread_cond_wait()`, or `pthread_cond_timedwait()` bounded by `timeout` from now
/// (on the condition variable's default clock, CLOCK_REALTIME).
#[expect(
    unsafe_code,
    reason = "pthread condition variables have no safe wrapper"
)]
pub(super) fn cond_wait(lock: &OsSharedLock, timeout: Option<Duration>) -> Result<(), Errno> {
    let (cond, mutex) = (lock.cond.as_ptr(), lock.mutex.as_ptr());
    // SAFETY: both were initialised in memory this process maps (see `attach`); the
    // deadline is one timespec on this stack that the call only reads.
    check(unsafe {
        match timeout {
            None => libc::pthread_cond_wait(cond, mutex),
            Some(timeout) => {
                libc::pthread_cond_timedwait(cond, mutex, &realtime_deadline(timeout)?)
            }
        }
    })
}

/// `pthread_cond_signal()`, or with `all` `pthread_cond_broadcast()`.
#[expect(
    unsafe_code,
    reason = "pthread condition variables have no safe wrapper"
)]
pub(super) fn cond_wake(lock: &OsSharedLock, all: bool) -> Result<(), Errno> {
    // SAFETY: as in `cond_wait`.
    check(unsafe {
        if all {
            libc::pthread_cond_broadcast(lock.cond.as_ptr())
        } else {
            libc::pthread_cond_signal(lock.cond.as_ptr())
        }
    })
}

//! The semaphores-and-locks family: objects that make processes wait for each other.
//! The System V semaphore set, the POSIX semaphore (named or unnamed) and the
//! process-shared mutex with its condition variable.

use std::time::Duration;

use super::os::SharedPage;
use super::{Describe, IpcKey};
use crate::scenario::{Errno, IpcFlag, LockWait, MutexSpec, OpenFlag, SemCount, SemOp, SemWait};

/// A semaphores-and-locks implementation under test.
///
/// The driver makes the set before it forks, for the processes that inherit it; every
/// other method runs inside the actor processes after the fork. A method an
/// implementation does not provide keeps its default, [`Errno::UNSUPPORTED`]: the
/// scenario that needs it is skipped with that reason.
///
/// # References
/// - POSIX XSH `semget()`, `semop()` (the operations of one call are applied all
///   together or not at all; a process waits while any cannot be applied, unless
///   IPC_NOWAIT), `semctl()` (SETVAL, GETVAL, GETNCNT, GETZCNT, IPC_RMID), and
///   `semtimedop()` where the system has it (Linux; not XNU).
/// - POSIX XSH `sem_open()` (O_CREAT, O_EXCL; processes that open one name share one
///   semaphore), `sem_init()` (pshared non-zero: shared by the processes that can reach
///   its memory), `sem_wait()`, `sem_trywait()` (EAGAIN), `sem_timedwait()` (ETIMEDOUT),
///   `sem_post()`, `sem_getvalue()`, `sem_close()`, `sem_unlink()`.
/// - POSIX XSH `pthread_mutexattr_setpshared()` and `pthread_condattr_setpshared()`
///   (PTHREAD_PROCESS_SHARED: any process that can reach the memory may use the object),
///   `pthread_mutex_lock()` (a locked mutex blocks the caller), `pthread_mutex_trylock()`
///   (EBUSY), `pthread_mutexattr_setrobust()` and `pthread_mutex_consistent()`
///   (EOWNERDEAD, ENOTRECOVERABLE), `pthread_cond_wait()`, `pthread_cond_signal()` and
///   `pthread_cond_broadcast()`.
pub trait Synchronizer: Describe {
    /// A System V semaphore set, as the implementation represents it (copies refer to
    /// the one set).
    type SemaphoreSet: Clone;
    /// A POSIX semaphore a process can use: a named one it has open, or an unnamed one
    /// in memory it shares. Dropping it never closes or destroys the semaphore.
    type PosixSemaphore;
    /// A process-shared mutex and its condition variable, as one process reaches them in
    /// its mapping of a [`SharedPage`]. Dropping it never destroys them.
    type SharedLock;

    /// `semget(key, nsems, flags | 0600)`: the set of `key`, made when `flags` hold
    /// IPC_CREAT and the key has none (always, for [`IpcKey::PRIVATE`]).
    fn semget(
        &self,
        _key: IpcKey,
        _nsems: usize,
        _flags: &[IpcFlag],
    ) -> Result<Self::SemaphoreSet, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `semop()` of `ops`; with `timeout`, `semtimedop()`.
    fn semop(
        &self,
        _set: &Self::SemaphoreSet,
        _ops: &[SemOp],
        _timeout: Option<Duration>,
    ) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `semctl(SETVAL)` of semaphore `num`.
    fn semctl_setval(
        &self,
        _set: &Self::SemaphoreSet,
        _num: u16,
        _value: i32,
    ) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `semctl(GETVAL, GETNCNT or GETZCNT)` of semaphore `num`.
    fn semctl_count(
        &self,
        _set: &Self::SemaphoreSet,
        _num: u16,
        _what: SemCount,
    ) -> Result<i32, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `semctl(IPC_RMID)`: the set goes, and every process waiting on it fails with
    /// EIDRM.
    fn semctl_rmid(&self, _set: &Self::SemaphoreSet) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// The id the kernel knows the set by, `semop()`'s first argument, which the
    /// blocking oracle matches against the call a process sleeps in; `None` when the
    /// implementation does not tell.
    fn semaphore_id(&self, _set: &Self::SemaphoreSet) -> Option<i32> {
        None
    }

    /// `sem_open(name, flags, 0600, value)`: the named semaphore, made at `value` when
    /// `flags` hold O_CREAT and the name has none.
    fn sem_open(
        &self,
        _name: &str,
        _flags: &[OpenFlag],
        _value: u32,
    ) -> Result<Self::PosixSemaphore, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `sem_init(sem, 1, value)` at the start of `page` (zeroed memory the driver maps
    /// MAP_SHARED before the fork): an unnamed semaphore the processes forked afterwards
    /// share.
    fn sem_init_shared(
        &self,
        _page: &SharedPage,
        _value: u32,
    ) -> Result<Self::PosixSemaphore, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `sem_wait()`, `sem_trywait()` or `sem_timedwait()`, as `how` says.
    fn sem_wait(&self, _sem: &Self::PosixSemaphore, _how: SemWait) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `sem_post()`.
    fn sem_post(&self, _sem: &Self::PosixSemaphore) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `sem_getvalue()`.
    fn sem_getvalue(&self, _sem: &Self::PosixSemaphore) -> Result<i32, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `sem_close()`.
    fn sem_close(&self, _sem: Self::PosixSemaphore) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `sem_unlink()`: the name goes; processes that have the semaphore open keep it.
    fn sem_unlink(&self, _name: &str) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// The address a process waiting on `sem` sleeps on (the futex word, on Linux),
    /// which the blocking oracle matches against the call's first argument; `None`
    /// when the implementation does not tell.
    fn sem_address(&self, _sem: &Self::PosixSemaphore) -> Option<u64> {
        None
    }

    /// A mutex of `spec`'s type and robustness and a condition variable, both
    /// PTHREAD_PROCESS_SHARED, made in `page` (zeroed memory the driver maps MAP_SHARED
    /// before the fork, which the processes forked afterwards share).
    fn lock_init(&self, _page: &SharedPage, _spec: &MutexSpec) -> Result<Self::SharedLock, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// The lock [`Synchronizer::lock_init`] made in `page`, reached where this process
    /// maps the page now (after [`SharedPage::remap`], at another address than the
    /// other processes).
    fn lock_attach(&self, _page: &SharedPage) -> Result<Self::SharedLock, Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pthread_mutex_lock()` or `pthread_mutex_trylock()`, as `how` says.
    fn mutex_lock(&self, _lock: &Self::SharedLock, _how: LockWait) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pthread_mutex_unlock()`.
    fn mutex_unlock(&self, _lock: &Self::SharedLock) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pthread_mutex_consistent()` of a robust mutex whose owner died.
    fn mutex_consistent(&self, _lock: &Self::SharedLock) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pthread_cond_wait()` with the mutex, which the caller holds; with `timeout`,
    /// `pthread_cond_timedwait()` bounded by it.
    fn cond_wait(&self, _lock: &Self::SharedLock, _timeout: Option<Duration>) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pthread_cond_signal()`.
    fn cond_signal(&self, _lock: &Self::SharedLock) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }

    /// `pthread_cond_broadcast()`.
    fn cond_broadcast(&self, _lock: &Self::SharedLock) -> Result<(), Errno> {
        Err(Errno::UNSUPPORTED)
    }
}

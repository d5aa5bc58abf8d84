//! The semaphores-and-locks family: objects that make processes wait for each other.
//! Today the System V semaphore set and the POSIX named semaphore.

use std::time::Duration;

use super::{Describe, IpcKey};
use crate::scenario::{Errno, IpcFlag, OpenFlag, SemCount, SemOp, SemWait};

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
pub trait Synchronizer: Describe {
    /// A System V semaphore set, as the implementation represents it (copies refer to
    /// the one set).
    type SemaphoreSet: Clone;
    /// A POSIX semaphore a process can use: a named one it has open, or an unnamed one
    /// in memory it shares. Dropping it lets go of this process's use of it (an unnamed
    /// one's mapping), never of the semaphore itself.
    type PosixSemaphore;

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

    /// `sem_init(sem, 1, value)` in anonymous memory mapped MAP_SHARED: an unnamed
    /// semaphore the processes forked afterwards share.
    fn sem_init_shared(&self, _value: u32) -> Result<Self::PosixSemaphore, Errno> {
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
}

//! The semaphores-and-locks family: objects that make processes wait for each other.
//! Today the System V semaphore set.

use std::time::Duration;

use super::{Describe, IpcKey};
use crate::scenario::{Errno, IpcFlag, SemCount, SemOp};

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
pub trait Synchronizer: Describe {
    /// A System V semaphore set, as the implementation represents it (copies refer to
    /// the one set).
    type SemaphoreSet: Clone;

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
}

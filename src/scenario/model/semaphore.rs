//! Semaphores in a scenario: the System V set the parent makes before the fork, the
//! POSIX named semaphore the processes open by the run's name, and the calls a process
//! makes on them.

use std::time::Duration;

use super::SysvKey;

/// The System V semaphore set a `sysv-sem` scenario's parent makes before the fork
/// (`semget`, then `semctl(SETVAL)` of each), which related processes inherit by id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemaphoreSet {
    /// The initial value of each semaphore, numbered from 0: as many as the set has.
    pub values: Vec<i32>,
    /// The key it is made with.
    pub key: SysvKey,
}

impl Default for SemaphoreSet {
    /// One semaphore, at 0, with no key.
    fn default() -> Self {
        SemaphoreSet {
            values: vec![0],
            key: SysvKey::Private,
        }
    }
}

/// One operation of a `semop()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemOp {
    /// The semaphore's number in the set.
    pub num: u16,
    /// What to add to its value: positive releases, negative takes (waiting until the
    /// value allows it), zero waits until the value is 0.
    pub op: i16,
    /// `IPC_NOWAIT`, `SEM_UNDO`.
    pub flags: Vec<SemFlag>,
}

/// A flag of one semaphore operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemFlag {
    /// `IPC_NOWAIT`: fail with EAGAIN instead of waiting.
    NoWait,
    /// `SEM_UNDO`: the kernel takes the operation back when the process exits.
    Undo,
}

/// A `semop()` or, with a time-out, a `semtimedop()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemCall {
    /// The operations, applied all together or not at all.
    pub ops: Vec<SemOp>,
    /// `semtimedop()`'s bound on the wait (EAGAIN when it passes); `None` for `semop()`.
    pub timeout: Option<Duration>,
}

/// What a `semctl()` reads of one semaphore.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemCount {
    /// `GETVAL`: its value.
    Value,
    /// `GETNCNT`: how many processes wait for its value to grow.
    Waiting,
    /// `GETZCNT`: how many processes wait for its value to be 0.
    WaitingForZero,
}

/// How a `sem_wait` waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemWait {
    /// `sem_wait()`: until the value is above 0.
    Wait,
    /// `sem_trywait()`: not at all (EAGAIN).
    Try,
    /// `sem_timedwait()`: at most this long (ETIMEDOUT).
    Timed(Duration),
}

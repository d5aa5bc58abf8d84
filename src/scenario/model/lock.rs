//! Process-shared locks in a scenario: the mutex and condition variable a
//! `pshared-mutex` scenario's parent makes in shared memory, and the calls a process
//! makes on them.

use std::time::Duration;

/// The memory the parent maps before the fork for a process-shared object (a mutex, an
/// unnamed semaphore), which the processes forked afterwards share.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SharedMemory {
    /// MAP_SHARED | MAP_ANONYMOUS: no descriptor, so no second mapping of it.
    Anonymous,
    /// A POSIX shared memory object (`shm_open`), its name unlinked at once.
    PosixShm,
    /// A regular file in the temporary directory, unlinked at once.
    File,
}

/// An unnamed, process-shared POSIX semaphore a `posix-sem` scenario's parent makes
/// before the fork (`sem_init` with pshared 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnnamedSemaphore {
    /// Its value.
    pub value: u32,
    /// The memory it lives in.
    pub memory: SharedMemory,
}

/// The mutex (and its condition variable) a `pshared-mutex` scenario's parent makes in
/// shared memory before the fork, both PTHREAD_PROCESS_SHARED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MutexSpec {
    /// The mutex's type (`pthread_mutexattr_settype`).
    pub kind: MutexKind,
    /// PTHREAD_MUTEX_ROBUST: the next locker after an owner died gets EOWNERDEAD instead
    /// of waiting for ever (`pthread_mutexattr_setrobust`).
    pub robust: bool,
    /// The memory it lives in.
    pub memory: SharedMemory,
}

impl Default for MutexSpec {
    /// Of the default type, not robust, in a POSIX shared memory object.
    fn default() -> Self {
        MutexSpec {
            kind: MutexKind::Default,
            robust: false,
            memory: SharedMemory::PosixShm,
        }
    }
}

/// A mutex type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MutexKind {
    /// PTHREAD_MUTEX_DEFAULT: what relocking or a stranger's unlock does is undefined,
    /// so no scenario of this type checks either.
    #[default]
    Default,
    /// PTHREAD_MUTEX_NORMAL: relocking by the owner deadlocks.
    Normal,
    /// PTHREAD_MUTEX_ERRORCHECK: relocking fails with EDEADLK, a stranger's unlock with
    /// EPERM.
    ErrorCheck,
    /// PTHREAD_MUTEX_RECURSIVE: the owner may lock again, and unlocks as many times.
    Recursive,
}

/// How a `pthread_mutex_lock` waits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockWait {
    /// `pthread_mutex_lock()`: until the mutex is free.
    Wait,
    /// `pthread_mutex_trylock()`: not at all (EBUSY).
    Try,
}

/// A call on the scenario's process-shared mutex and condition variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockCall {
    /// `pthread_mutex_lock()` or `pthread_mutex_trylock()`.
    Lock(LockWait),
    /// `pthread_mutex_unlock()`.
    Unlock,
    /// `pthread_mutex_consistent()`: a robust mutex whose owner died usable again.
    Consistent,
    /// `pthread_cond_wait()`, or with a bound `pthread_cond_timedwait()` (ETIMEDOUT):
    /// unlock the mutex and wait for a signal, then lock it again; in a loop, as
    /// programs do, until a signal or broadcast made after the wait began (POSIX allows
    /// spurious wakeups).
    CondWait(Option<Duration>),
    /// `pthread_cond_wait()` and, once it returns, `pthread_mutex_unlock()`: the
    /// waiter that leaves the mutex free for the next, so that several woken waiters
    /// all return whatever order they relock in.
    CondWaitThenUnlock,
    /// `pthread_cond_signal()`: wake at least one waiter (the signal counted first in
    /// the predicate the waits check).
    CondSignal,
    /// `pthread_cond_broadcast()`: wake every waiter (counted likewise).
    CondBroadcast,
    /// Map the lock's memory again, at an address of the kernel's choosing, and let go
    /// of the old mapping: the process then uses the mutex at another address than the
    /// processes that did not.
    Remap,
}

impl LockCall {
    /// The name a scenario file gives it.
    pub fn name(self) -> &'static str {
        match self {
            LockCall::Lock(LockWait::Wait) => "mutex_lock",
            LockCall::Lock(LockWait::Try) => "mutex_trylock",
            LockCall::Unlock => "mutex_unlock",
            LockCall::Consistent => "mutex_consistent",
            LockCall::CondWait(None) => "cond_wait",
            LockCall::CondWait(Some(_)) => "cond_timedwait",
            LockCall::CondWaitThenUnlock => "cond_wait_then_unlock",
            LockCall::CondSignal => "cond_signal",
            LockCall::CondBroadcast => "cond_broadcast",
            LockCall::Remap => "remap",
        }
    }
}

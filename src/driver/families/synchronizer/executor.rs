//! A semaphores-and-locks actor: the System V set it knows (by the id the fork gave it,
//! or the one its `semget` returned), the POSIX semaphore it opened by the run's name
//! or inherited unnamed, or the process-shared lock it inherited, and the calls it
//! makes on them.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::InPage;
use crate::driver::event_log::CallKind;
use crate::driver::family::{Announcement, Executor};
use crate::judge::Outcome;
use crate::mechanism::os::SharedPage;
use crate::mechanism::{IpcKey, Synchronizer};
use crate::scenario::*;

/// One actor's view of the scenario's semaphore.
pub(crate) struct SemaphoreExecutor<'a, I: Synchronizer> {
    iut: &'a I,
    /// The set, once the process knows its id.
    set: Option<I::SemaphoreSet>,
    /// The scenario's key, when the set has one.
    key: Option<IpcKey>,
    /// The run's name for a POSIX named semaphore.
    name: Option<String>,
    /// The names of other lengths the scenario opens, each with its length.
    lengthened: Vec<(Size, String)>,
    /// The POSIX semaphore, while the process has it: opened by name, or inherited.
    posix: Option<I::PosixSemaphore>,
    /// The process-shared lock, when the process inherited it.
    lock: Option<I::SharedLock>,
    /// The memory an inherited unnamed semaphore or lock lives in: declared last, so
    /// that it goes after them.
    page: Option<SharedPage>,
}

impl<'a, I: Synchronizer> SemaphoreExecutor<'a, I> {
    /// An actor that holds nothing yet.
    fn holding_nothing(iut: &'a I) -> Self {
        SemaphoreExecutor {
            iut,
            set: None,
            key: None,
            name: None,
            lengthened: Vec::new(),
            posix: None,
            lock: None,
            page: None,
        }
    }

    /// An actor of a System V set: the set when it knows its id, and its key.
    pub(super) fn for_set(iut: &'a I, set: Option<I::SemaphoreSet>, key: Option<IpcKey>) -> Self {
        SemaphoreExecutor {
            set,
            key,
            ..Self::holding_nothing(iut)
        }
    }

    /// An actor of a POSIX named semaphore: its name (and the names of other lengths
    /// the scenario opens), nothing open yet.
    pub(super) fn for_name(iut: &'a I, name: String, lengthened: Vec<(Size, String)>) -> Self {
        SemaphoreExecutor {
            name: Some(name),
            lengthened,
            ..Self::holding_nothing(iut)
        }
    }

    /// An actor of an unnamed semaphore: the one it inherited, if related.
    pub(super) fn for_unnamed(iut: &'a I, sem: Option<InPage<I::PosixSemaphore>>) -> Self {
        let (posix, page) = sem.map(|held| (held.object, held.page)).unzip();
        SemaphoreExecutor {
            posix,
            page,
            ..Self::holding_nothing(iut)
        }
    }

    /// An actor of a process-shared lock: the one it inherited, if related.
    pub(super) fn for_lock(iut: &'a I, lock: Option<InPage<I::SharedLock>>) -> Self {
        let (lock, page) = lock.map(|held| (held.object, held.page)).unzip();
        SemaphoreExecutor {
            lock,
            page,
            ..Self::holding_nothing(iut)
        }
    }

    fn name(&self) -> Result<&str, Outcome> {
        self.name.as_deref().ok_or_else(|| {
            Outcome::Unsupported("the scenario has no POSIX named semaphore".to_owned())
        })
    }

    /// The run's name at the length `len` stands for.
    fn lengthened(&self, len: Size) -> &str {
        let (_, name) = self
            .lengthened
            .iter()
            .find(|(l, _)| *l == len)
            .expect("the family lengthens the name for every sem_open that asks");
        name
    }

    fn posix(&self) -> Result<&I::PosixSemaphore, Outcome> {
        self.posix
            .as_ref()
            .ok_or_else(|| Outcome::Unsupported("the process has no semaphore open".to_owned()))
    }

    /// A call on the process-shared mutex or condition variable.
    fn call_lock(&mut self, call: LockCall) -> Result<(), Outcome> {
        let iut = self.iut;
        let (Some(lock), Some(page)) = (self.lock.as_ref(), self.page.as_mut()) else {
            return Err(Outcome::Unsupported("the process has no lock".to_owned()));
        };
        let signals = page.last_word();
        let done = match call {
            LockCall::Lock(how) => iut.mutex_lock(lock, how),
            LockCall::Unlock => iut.mutex_unlock(lock),
            LockCall::Consistent => iut.mutex_consistent(lock),
            LockCall::CondWait(timeout) => wait_for_signal(iut, lock, signals, timeout),
            LockCall::CondWaitThenUnlock => {
                wait_for_signal(iut, lock, signals, None).and_then(|()| iut.mutex_unlock(lock))
            }
            LockCall::CondSignal => {
                signals.fetch_add(1, Ordering::SeqCst);
                iut.cond_signal(lock)
            }
            LockCall::CondBroadcast => {
                signals.fetch_add(1, Ordering::SeqCst);
                iut.cond_broadcast(lock)
            }
            LockCall::Remap => {
                // The implementation's view of the old mapping goes before the mapping.
                self.lock = None;
                let attached = page.remap().and_then(|()| iut.lock_attach(page));
                attached.map(|lock| self.lock = Some(lock))
            }
        };
        done.map_err(Outcome::Error)
    }

    fn set(&self) -> Result<&I::SemaphoreSet, Outcome> {
        self.set.as_ref().ok_or_else(|| {
            Outcome::Unsupported("the process knows no semaphore set's id".to_owned())
        })
    }

    fn act(&mut self, action: &Action) -> Result<Outcome, Outcome> {
        let err = Outcome::Error;
        Ok(match action {
            Action::Semop(call) => {
                self.iut
                    .semop(self.set()?, &call.ops, call.timeout)
                    .map_err(err)?;
                Outcome::Done
            }
            Action::SetVal { num, value } => {
                self.iut
                    .semctl_setval(self.set()?, *num, *value)
                    .map_err(err)?;
                Outcome::Done
            }
            Action::SemCount { num, what } => {
                let count = self
                    .iut
                    .semctl_count(self.set()?, *num, *what)
                    .map_err(err)?;
                Outcome::Count(count as u64)
            }
            Action::SemctlRmid => {
                self.iut.semctl_rmid(self.set()?).map_err(err)?;
                Outcome::Done
            }
            Action::Semget { nsems, flags } => {
                let key = self.key.ok_or_else(|| {
                    Outcome::Unsupported("the scenario's semaphore set has no key".to_owned())
                })?;
                self.set = Some(
                    self.iut
                        .semget(key, usize::from(*nsems), flags)
                        .map_err(err)?,
                );
                Outcome::Done
            }
            Action::SemOpen {
                flags,
                value,
                name_len,
            } => {
                let name = match name_len {
                    Some(len) => self.lengthened(*len),
                    None => self.name()?,
                };
                let opened = self.iut.sem_open(name, flags, *value).map_err(err)?;
                self.posix = Some(opened);
                Outcome::Done
            }
            Action::SemWait(how) => {
                self.iut.sem_wait(self.posix()?, *how).map_err(err)?;
                Outcome::Done
            }
            Action::SemPost => {
                self.iut.sem_post(self.posix()?).map_err(err)?;
                Outcome::Done
            }
            Action::SemGetValue => {
                let value = self.iut.sem_getvalue(self.posix()?).map_err(err)?;
                Outcome::Count(value as u64)
            }
            Action::SemClose => {
                let sem = self.posix.take().ok_or_else(|| {
                    Outcome::Unsupported("the process has no semaphore open".to_owned())
                })?;
                self.iut.sem_close(sem).map_err(err)?;
                Outcome::Done
            }
            Action::SemUnlink => {
                self.iut.sem_unlink(self.name()?).map_err(err)?;
                Outcome::Done
            }
            Action::Lock(call) => {
                self.call_lock(*call)?;
                Outcome::Done
            }
            _ => unreachable!("validation keeps other actions out of semaphores"),
        })
    }
}

/// A condition wait as programs write it: `cond_wait` until a signal or broadcast made
/// after the wait began has been counted in `signals` (the page's predicate word), so
/// that a spurious wakeup, which POSIX allows, waits again. With `timeout`, the waits
/// together take at most that long (ETIMEDOUT).
fn wait_for_signal<I: Synchronizer>(
    iut: &I,
    lock: &I::SharedLock,
    signals: &AtomicU64,
    timeout: Option<Duration>,
) -> Result<(), Errno> {
    let seen = signals.load(Ordering::SeqCst);
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        iut.cond_wait(lock, left)?;
        if signals.load(Ordering::SeqCst) != seen {
            return Ok(());
        }
    }
}

/// `semop(0: -1, 1: +1 undo)`: each operation by number, its change and its flags.
fn describe_ops(call: &SemCall) -> String {
    let ops: Vec<String> = call
        .ops
        .iter()
        .map(|op| {
            let flags: String = op
                .flags
                .iter()
                .map(|f| match f {
                    SemFlag::NoWait => " nowait",
                    SemFlag::Undo => " undo",
                })
                .collect();
            format!("{}: {:+}{flags}", op.num, op.op)
        })
        .collect();
    ops.join(", ")
}

impl<I: Synchronizer> Executor for SemaphoreExecutor<'_, I> {
    fn announce(&self, action: &Action) -> Announcement {
        match action {
            Action::Semop(call) => Announcement {
                call: CallKind::Semop,
                // The oracle matches the set's id, semop's first argument.
                arg: self
                    .set
                    .as_ref()
                    .and_then(|set| self.iut.semaphore_id(set))
                    .map_or(-1, i64::from),
                text: format!("{}({})", action.name(), describe_ops(call)),
            },
            Action::SemWait(_) => Announcement {
                call: CallKind::Futex,
                // The oracle matches the word the waiter sleeps on, the futex's first
                // argument.
                arg: self
                    .posix
                    .as_ref()
                    .and_then(|sem| self.iut.sem_address(sem))
                    .map_or(-1, |address| address as i64),
                text: action.name().to_owned(),
            },
            Action::Lock(
                LockCall::Lock(_) | LockCall::CondWait(_) | LockCall::CondWaitThenUnlock,
            ) => Announcement {
                call: CallKind::FutexInPage,
                // The oracle matches a futex on any word of the lock's page: the mutex's,
                // or the condition variable's a waiter sleeps on before it relocks.
                arg: self
                    .page
                    .as_ref()
                    .map_or(-1, |page| page.as_ptr().as_ptr() as i64),
                text: action.name().to_owned(),
            },
            Action::SetVal { num, value } => Announcement {
                call: CallKind::Other,
                arg: -1,
                text: format!("setval({num} = {value})"),
            },
            Action::SemCount { num, .. } => Announcement {
                call: CallKind::Other,
                arg: -1,
                text: format!("{}({num})", action.name()),
            },
            _ => Announcement {
                call: CallKind::Other,
                arg: -1,
                text: action.name().to_owned(),
            },
        }
    }

    fn perform(&mut self, action: &Action, _expect: &Expectation) -> Outcome {
        match self.act(action) {
            Ok(o) | Err(o) => o,
        }
    }

    /// A semaphore is no descriptor; the page of an unnamed one or a lock has one
    /// unless it is anonymous memory, which the process holds while it has the page.
    fn held_fds(&self) -> Option<Vec<RawFd>> {
        Some(self.page.iter().filter_map(SharedPage::fd).collect())
    }

    fn handles(&self) -> usize {
        usize::from(self.set.is_some())
            + usize::from(self.posix.is_some())
            + usize::from(self.page.is_some())
    }
}

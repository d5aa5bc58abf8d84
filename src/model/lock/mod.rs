//! The reference model of a process-shared mutex and its condition variable: who owns
//! the mutex (and how many times, recursive), whether a robust one's owner died and
//! whether its state was made consistent again, and per process the call it is blocked
//! in (a lock, a condition wait not yet signalled, or a signalled wait that must relock).
//! Whenever the mutex is free, the blocked lockers and signalled waiters take it in
//! whatever order the system picks: the model tries every order, and says "schedule"
//! when they end differently.
//!
//! The model says "outside" rather than guess where POSIX leaves the outcome open: a
//! relock or a stranger's unlock of a mutex whose type does not define it (NORMAL,
//! DEFAULT), a condition wait by a process that does not own the mutex once, a
//! `mutex_consistent` by a process that does not own the mutex, the lockers still
//! waiting when a mutex becomes unrecoverable, a trylock of an unrecoverable mutex
//! (glibc 2.36 takes it while it reports ENOTRECOVERABLE), the owner's trylock of a
//! robust error-checking mutex (POSIX lists EBUSY; glibc answers EDEADLK, as to a
//! lock), a relock of a recursive mutex not yet made consistent, a remap by the owner of a robust mutex (Linux then misses its death),
//! `cond_timedwait`, and a signal with several waiters (POSIX wakes at least
//! one).
//!
//! # References
//! - POSIX XSH `pthread_mutex_lock()`, `pthread_mutex_trylock()`,
//!   `pthread_mutex_unlock()`: blocking, EBUSY, EDEADLK and EPERM by type, the recursive
//!   count, EOWNERDEAD and ENOTRECOVERABLE of robust mutexes.
//! - POSIX XSH `pthread_mutexattr_setrobust()`, `pthread_mutex_consistent()`.
//! - POSIX XSH `pthread_cond_wait()`, `pthread_cond_signal()`,
//!   `pthread_cond_broadcast()`: the wait releases the mutex and relocks it before it
//!   returns; a broadcast wakes every waiter.

#[cfg(test)]
mod tests;

use super::calls::{callers_in_processes, Caller};
use super::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{Action, Errno, LockCall, LockWait, MutexKind, MutexSpec, Process};

/// A call a process is blocked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockWaiter {
    /// `pthread_mutex_lock`, until the mutex is free.
    Lock,
    /// A condition wait not yet signalled; `then_unlock` for `cond_wait_then_unlock`.
    Cond {
        /// Whether it unlocks as soon as it has relocked.
        then_unlock: bool,
    },
    /// A signalled condition wait, until the mutex is free to relock.
    Relock {
        /// Whether it unlocks as soon as it has relocked.
        then_unlock: bool,
    },
}

/// The state of the mutex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ownership {
    /// Free, the state it protects consistent.
    Free,
    /// Owned by a process (alive or, for a stalled mutex, dead) this many times.
    Owned {
        owner: usize,
        count: u32,
        /// The owner took it with EOWNERDEAD and has not made it consistent.
        inconsistent: bool,
    },
    /// Its robust owner died holding it: the next to take it gets EOWNERDEAD.
    OwnerDied,
    /// Unlocked while inconsistent: every lock fails with ENOTRECOVERABLE.
    NotRecoverable,
}

/// A process-shared mutex and condition variable and the processes that use them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockModel {
    spec: MutexSpec,
    mutex: Ownership,
    processes: Vec<Caller<LockWaiter, ()>>,
}

callers_in_processes!(LockModel, LockWaiter, ());

impl LockModel {
    /// The lock as the driver makes it: free, every process alive and idle.
    pub fn for_processes(processes: &[Process], spec: MutexSpec) -> LockModel {
        LockModel {
            spec,
            mutex: Ownership::Free,
            processes: processes.iter().map(|p| Caller::new(p, ())).collect(),
        }
    }

    /// What `action` of process `p` does; the state moves on.
    pub fn apply(&mut self, p: usize, action: &Action, _profile: &PlatformProfile) -> Answer {
        let outcome = match action {
            Action::Lock(call) => self.call(p, *call)?,
            Action::Exit => {
                self.leave(p);
                ModelOutcome::Done
            }
            Action::Kill(signal) => {
                // A caught signal does not end a mutex or condition wait (the handler
                // runs and the wait goes on), which the model leaves out.
                if self.processes[p].blocked() && self.processes[p].catches(*signal) {
                    return Err(Unmodelled::Action("a caught signal in a wait".to_owned()));
                }
                if self.processes[p].signal(*signal, |_| ModelOutcome::Error(Errno(libc::EINTR))) {
                    self.leave(p);
                }
                ModelOutcome::Done
            }
            Action::Await => self.processes[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake()?;
        Ok(self.processes[p].settle(outcome, action))
    }

    fn call(&mut self, p: usize, call: LockCall) -> Answer {
        Ok(match call {
            LockCall::Lock(how) => self.lock(p, how)?,
            LockCall::Unlock => self.unlock(p)?,
            LockCall::Consistent => match self.mutex {
                Ownership::Owned {
                    owner,
                    count,
                    inconsistent: true,
                } if owner == p => {
                    self.mutex = Ownership::Owned {
                        owner,
                        count,
                        inconsistent: false,
                    };
                    ModelOutcome::Done
                }
                Ownership::Owned { owner, .. } if owner == p => {
                    ModelOutcome::Error(Errno(libc::EINVAL))
                }
                _ => {
                    return Err(Unmodelled::Action(
                        "mutex_consistent by a process that does not own the mutex".to_owned(),
                    ))
                }
            },
            LockCall::CondWait(Some(_)) => {
                return Err(Unmodelled::Action("cond_timedwait's time-out".to_owned()))
            }
            LockCall::CondWait(None) => self.cond_wait(p, false)?,
            LockCall::CondWaitThenUnlock => self.cond_wait(p, true)?,
            LockCall::CondSignal => {
                let waiting: Vec<usize> = self.waiting_on_cond().collect();
                if waiting.len() > 1 {
                    return Err(Unmodelled::Schedule(
                        "a signal wakes at least one of several waiters: which, the system's"
                            .to_owned(),
                    ));
                }
                self.signal_all();
                ModelOutcome::Done
            }
            LockCall::CondBroadcast => {
                self.signal_all();
                ModelOutcome::Done
            }
            LockCall::Remap => match self.mutex {
                // Linux finds a dead owner's robust mutexes by the addresses its
                // threads registered (kernel/futex/core.c, exit_robust_list): one that
                // was mapped elsewhere since is not found.
                Ownership::Owned { owner, .. } if owner == p && self.spec.robust => {
                    return Err(Unmodelled::Action(
                        "a remap by the owner of a robust mutex".to_owned(),
                    ))
                }
                _ => ModelOutcome::Done,
            },
        })
    }

    fn lock(&mut self, p: usize, how: LockWait) -> Answer {
        Ok(match (self.mutex, how) {
            (Ownership::Free, _) => {
                self.take(p, false);
                ModelOutcome::Done
            }
            (Ownership::OwnerDied, _) => {
                self.take(p, true);
                ModelOutcome::Error(Errno(libc::EOWNERDEAD))
            }
            (Ownership::NotRecoverable, LockWait::Wait) => {
                ModelOutcome::Error(Errno(libc::ENOTRECOVERABLE))
            }
            (Ownership::NotRecoverable, LockWait::Try) => {
                return Err(Unmodelled::Action(
                    "a trylock of an unrecoverable mutex".to_owned(),
                ))
            }
            (
                Ownership::Owned {
                    owner,
                    count,
                    inconsistent,
                },
                _,
            ) if owner == p => match (self.spec.kind, how) {
                // glibc fails the unlock that follows (ENOTRECOVERABLE), where POSIX
                // says nothing of a count on an inconsistent mutex.
                (MutexKind::Recursive, _) if inconsistent => {
                    return Err(Unmodelled::Action(
                        "a relock of an inconsistent recursive mutex".to_owned(),
                    ))
                }
                (MutexKind::Recursive, _) => {
                    self.mutex = Ownership::Owned {
                        owner,
                        count: count + 1,
                        inconsistent,
                    };
                    ModelOutcome::Done
                }
                (MutexKind::ErrorCheck, LockWait::Wait) => {
                    ModelOutcome::Error(Errno(libc::EDEADLK))
                }
                (MutexKind::ErrorCheck, LockWait::Try) if !self.spec.robust => {
                    ModelOutcome::Error(Errno(libc::EBUSY))
                }
                _ => {
                    return Err(Unmodelled::Action(
                        "a relock of a mutex whose type leaves it undefined".to_owned(),
                    ))
                }
            },
            (Ownership::Owned { .. }, LockWait::Try) => ModelOutcome::Error(Errno(libc::EBUSY)),
            (Ownership::Owned { .. }, LockWait::Wait) => {
                self.processes[p].pending = Some(LockWaiter::Lock);
                ModelOutcome::Blocks
            }
        })
    }

    /// `p` takes the free mutex, with EOWNERDEAD when `owner_died`.
    fn take(&mut self, p: usize, owner_died: bool) {
        self.mutex = Ownership::Owned {
            owner: p,
            count: 1,
            inconsistent: owner_died,
        };
    }

    /// Whether an unlock by a process that does not own the mutex is defined (EPERM).
    fn stranger_unlock_fails(&self) -> bool {
        self.spec.robust || matches!(self.spec.kind, MutexKind::ErrorCheck | MutexKind::Recursive)
    }

    fn unlock(&mut self, p: usize) -> Answer {
        Ok(match self.mutex {
            Ownership::Owned {
                owner,
                count,
                inconsistent,
            } if owner == p => {
                self.mutex = match (count, inconsistent) {
                    (1, true) => {
                        if self.processes.iter().any(|c| c.blocked()) {
                            return Err(Unmodelled::Action(
                                "lockers waiting as the mutex becomes unrecoverable".to_owned(),
                            ));
                        }
                        Ownership::NotRecoverable
                    }
                    (1, false) => Ownership::Free,
                    (count, inconsistent) => Ownership::Owned {
                        owner,
                        count: count - 1,
                        inconsistent,
                    },
                };
                ModelOutcome::Done
            }
            _ if self.stranger_unlock_fails() => ModelOutcome::Error(Errno(libc::EPERM)),
            _ => {
                return Err(Unmodelled::Action(
                    "an unlock by a process that does not own the mutex".to_owned(),
                ))
            }
        })
    }

    fn cond_wait(&mut self, p: usize, then_unlock: bool) -> Answer {
        match self.mutex {
            Ownership::Owned {
                owner,
                count: 1,
                inconsistent: false,
            } if owner == p => {
                self.mutex = Ownership::Free;
                self.processes[p].pending = Some(LockWaiter::Cond { then_unlock });
                Ok(ModelOutcome::Blocks)
            }
            _ => Err(Unmodelled::Action(
                "a condition wait by a process that does not own the mutex once".to_owned(),
            )),
        }
    }

    /// The processes in a condition wait not yet signalled.
    fn waiting_on_cond(&self) -> impl Iterator<Item = usize> + '_ {
        self.processes
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.pending, Some(LockWaiter::Cond { .. })))
            .map(|(p, _)| p)
    }

    /// Every condition waiter is signalled: each now waits to relock.
    fn signal_all(&mut self) {
        for caller in &mut self.processes {
            if let Some(LockWaiter::Cond { then_unlock }) = caller.pending {
                caller.pending = Some(LockWaiter::Relock { then_unlock });
            }
        }
    }

    /// Process `p` is gone: a call it was blocked in goes with it; a mutex it owns is
    /// marked owner-dead if robust, and stays locked for ever if not.
    fn leave(&mut self, p: usize) {
        let process = &mut self.processes[p];
        process.alive = false;
        process.pending = None;
        if let Ownership::Owned { owner, .. } = self.mutex {
            if owner == p && self.spec.robust {
                self.mutex = Ownership::OwnerDied;
            }
        }
    }

    /// While the mutex is free and someone waits for it, one of them takes it, in every
    /// order the system could pick; every order must end the same.
    fn wake(&mut self) -> Result<(), Unmodelled> {
        let mut ends = Vec::new();
        self.clone().collect_ends(&mut ends)?;
        let mut ends = ends.into_iter();
        let first = ends.next().expect("one order at least");
        if ends.any(|end| end != first) {
            return Err(Unmodelled::Schedule(
                "which waiter takes the mutex first decides what the others see".to_owned(),
            ));
        }
        *self = first;
        Ok(())
    }

    /// Every end the waiters for the mutex can come to from here.
    fn collect_ends(self, ends: &mut Vec<LockModel>) -> Result<(), Unmodelled> {
        let free = matches!(self.mutex, Ownership::Free | Ownership::OwnerDied);
        let takers: Vec<usize> = (0..self.processes.len())
            .filter(|&q| {
                matches!(
                    self.processes[q].pending,
                    Some(LockWaiter::Lock | LockWaiter::Relock { .. })
                )
            })
            .collect();
        if !free || takers.is_empty() {
            if !ends.contains(&self) {
                ends.push(self);
            }
            return Ok(());
        }
        for q in takers {
            let mut next = self.clone();
            next.hand_over(q);
            next.collect_ends(ends)?;
        }
        Ok(())
    }

    /// Waiter `q` takes the free mutex: its call returns (EOWNERDEAD after a robust
    /// owner died), and a `cond_wait_then_unlock` that returns well unlocks at once.
    fn hand_over(&mut self, q: usize) {
        let owner_died = self.mutex == Ownership::OwnerDied;
        let waiter = self.processes[q].pending.take().expect("a waiter");
        self.take(q, owner_died);
        let outcome = if owner_died {
            ModelOutcome::Error(Errno(libc::EOWNERDEAD))
        } else {
            if matches!(waiter, LockWaiter::Relock { then_unlock: true }) {
                self.mutex = Ownership::Free;
            }
            ModelOutcome::Done
        };
        self.processes[q].completed = Some(outcome);
    }
}

//! The reference model of a System V semaphore set: the semaphores' values, whether the
//! set was removed, and per process its SEM_UNDO adjustments (semadj) and the operations
//! it is blocked in. A `semop` applies all its operations or none; one that cannot be
//! applied fails with EAGAIN when that operation has IPC_NOWAIT, and waits otherwise.
//! Whenever the values change, the blocked calls that can now be applied are: the model
//! tries every order the kernel could take them in, and says "schedule" when the orders
//! end differently (two waiters and one unit to share).
//!
//! The model says "outside" rather than guess where POSIX leaves the outcome open: a
//! value pushed past SEMVMX, an undo that would take a value below 0 (Linux caps it at
//! 0, other systems differ), the waiter counts of a call blocked in several operations
//! (Linux counts only the operation that blocks), and `semtimedop`.
//!
//! # References
//! - POSIX XSH `semop()`: atomic application, IPC_NOWAIT (EAGAIN), SEM_UNDO (semadj),
//!   suspension until the operations can be applied, EIDRM when the set is removed,
//!   EFBIG for a semaphore number outside the set.
//! - POSIX XSH `semctl()`: SETVAL (the semaphore's semadj cleared in every process),
//!   GETVAL, GETNCNT, GETZCNT, IPC_RMID; EINVAL for an id that was removed.
//! - POSIX XSH `_exit()`: each semadj is added to its semaphore's value.

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use super::calls::{callers_in_processes, Caller};
use super::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{Action, Errno, Process, SemCall, SemCount, SemFlag, SemaphoreSet};

/// The largest value a semaphore takes (POSIX SEMVMX, Linux's and XNU's alike).
const SEMVMX: i32 = 32767;

/// A System V semaphore set and the processes that use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemaphoreModel {
    values: Vec<i32>,
    removed: bool,
    /// Each process, blocked in a `semop` or not, with its semadj per semaphore.
    processes: Vec<Caller<SemCall, Vec<i32>>>,
}

callers_in_processes!(SemaphoreModel, SemCall, Vec<i32>);

/// What a call's operations come to on some values.
enum Applied {
    /// All applied: the new values.
    Done(Vec<i32>),
    /// Operation `i` cannot be applied yet.
    Waits(usize),
    /// A value would pass SEMVMX.
    OutOfRange,
}

/// Apply `call`'s operations in order to a copy of `values`.
fn apply_ops(values: &[i32], call: &SemCall) -> Applied {
    let mut values = values.to_vec();
    for (i, op) in call.ops.iter().enumerate() {
        let value = &mut values[usize::from(op.num)];
        let next = *value + i32::from(op.op);
        let waits = match op.op {
            0 => *value != 0,
            _ => next < 0,
        };
        if waits {
            return Applied::Waits(i);
        }
        if next > SEMVMX {
            return Applied::OutOfRange;
        }
        *value = next;
    }
    Applied::Done(values)
}

impl SemaphoreModel {
    /// The set as the driver makes it: `set`'s values, every process alive and idle,
    /// no adjustment yet.
    pub fn for_processes(processes: &[Process], set: &SemaphoreSet) -> SemaphoreModel {
        let count = set.values.len();
        SemaphoreModel {
            values: set.values.clone(),
            removed: false,
            processes: processes
                .iter()
                .map(|p| Caller::new(p, vec![0; count]))
                .collect(),
        }
    }

    /// What `action` of process `p` does; the state moves on.
    pub fn apply(&mut self, p: usize, action: &Action, _profile: &PlatformProfile) -> Answer {
        let outcome = match action {
            Action::Semop(call) => self.semop(p, call)?,
            Action::SetVal { num, value } => self.setval(*num, *value),
            Action::SemCount { num, what } => self.count(*num, *what)?,
            Action::SemctlRmid => self.remove(),
            Action::Exit => {
                self.leave(p)?;
                ModelOutcome::Done
            }
            Action::Kill(signal) => {
                if self.processes[p].signal(*signal, |_| ModelOutcome::Error(Errno(libc::EINTR))) {
                    self.leave(p)?;
                }
                ModelOutcome::Done
            }
            Action::Await => self.processes[p].await_result(),
            other => return Err(Unmodelled::Action(format!("`{}`", other.name()))),
        };
        self.wake()?;
        Ok(self.processes[p].settle(outcome, action))
    }

    fn semop(&mut self, p: usize, call: &SemCall) -> Answer {
        if call.timeout.is_some() {
            return Err(Unmodelled::Action("semtimedop's time-out".to_owned()));
        }
        if self.removed {
            return Ok(ModelOutcome::Error(Errno(libc::EINVAL)));
        }
        if let Some(bad) = call
            .ops
            .iter()
            .position(|op| usize::from(op.num) >= self.values.len())
        {
            // XNU reaches the bad one only after the operations before it, which it
            // applies and keeps, or waits on (bsd/kern/sysv_sem.c semop); Linux checks
            // first and applies none.
            if bad > 0 {
                return Err(Unmodelled::Action(
                    "operations before a semaphore number outside the set".to_owned(),
                ));
            }
            return Ok(ModelOutcome::Error(Errno(libc::EFBIG)));
        }
        Ok(match apply_ops(&self.values, call) {
            Applied::Done(values) => {
                self.values = values;
                self.note_undo(p, call);
                ModelOutcome::Done
            }
            Applied::Waits(i) if call.ops[i].flags.contains(&SemFlag::NoWait) => {
                ModelOutcome::Error(Errno(libc::EAGAIN))
            }
            Applied::Waits(_) => {
                self.processes[p].pending = Some(call.clone());
                ModelOutcome::Blocks
            }
            Applied::OutOfRange => {
                return Err(Unmodelled::Action("a value past SEMVMX".to_owned()))
            }
        })
    }

    /// The SEM_UNDO operations of `call`, applied by `p`, are taken back at its end.
    fn note_undo(&mut self, p: usize, call: &SemCall) {
        let adjust = &mut self.processes[p].state;
        for op in call
            .ops
            .iter()
            .filter(|op| op.flags.contains(&SemFlag::Undo))
        {
            adjust[usize::from(op.num)] -= i32::from(op.op);
        }
    }

    fn setval(&mut self, num: u16, value: i32) -> ModelOutcome {
        let num = usize::from(num);
        if self.removed || num >= self.values.len() {
            return ModelOutcome::Error(Errno(libc::EINVAL));
        }
        if !(0..=SEMVMX).contains(&value) {
            return ModelOutcome::Error(Errno(libc::ERANGE));
        }
        self.values[num] = value;
        for process in &mut self.processes {
            process.state[num] = 0;
        }
        ModelOutcome::Done
    }

    fn count(&self, num: u16, what: SemCount) -> Answer {
        let index = usize::from(num);
        if self.removed || index >= self.values.len() {
            return Ok(ModelOutcome::Error(Errno(libc::EINVAL)));
        }
        let blocked = self.processes.iter().filter_map(|p| p.pending.as_ref());
        let waiting_for = |zero: bool| -> Answer {
            let mut count = 0;
            for call in blocked.clone() {
                if call.ops.len() > 1 {
                    return Err(Unmodelled::Action(
                        "the waiter counts of a call blocked in several operations".to_owned(),
                    ));
                }
                let op = &call.ops[0];
                count += u64::from(op.num == num && (op.op == 0) == zero && op.op <= 0);
            }
            Ok(ModelOutcome::Count(count))
        };
        match what {
            SemCount::Value => Ok(ModelOutcome::Count(self.values[index] as u64)),
            SemCount::Waiting => waiting_for(false),
            SemCount::WaitingForZero => waiting_for(true),
        }
    }

    /// IPC_RMID: the set goes, and every blocked call fails with EIDRM.
    fn remove(&mut self) -> ModelOutcome {
        if self.removed {
            return ModelOutcome::Error(Errno(libc::EINVAL));
        }
        self.removed = true;
        for process in &mut self.processes {
            if process.pending.take().is_some() {
                process.completed = Some(ModelOutcome::Error(Errno(libc::EIDRM)));
            }
        }
        ModelOutcome::Done
    }

    /// Process `p` is gone: a call it was blocked in goes with it, and its semadj
    /// values are added to their semaphores.
    fn leave(&mut self, p: usize) -> Result<(), Unmodelled> {
        let process = &mut self.processes[p];
        process.alive = false;
        process.pending = None;
        let adjust = std::mem::replace(&mut process.state, vec![0; self.values.len()]);
        if self.removed {
            return Ok(());
        }
        for (value, adj) in self.values.iter_mut().zip(adjust) {
            let next = *value + adj;
            if !(0..=SEMVMX).contains(&next) {
                return Err(Unmodelled::Action(
                    "an undo that takes a value outside 0 to SEMVMX".to_owned(),
                ));
            }
            *value = next;
        }
        Ok(())
    }

    /// The blocked calls that can now go on, do, in whatever order the kernel retries
    /// them: one whose operations can all be applied is, and one that fails again on
    /// an operation with IPC_NOWAIT ends with EAGAIN. Every order must come to the same
    /// values and the same calls ended the same way.
    fn wake(&mut self) -> Result<(), Unmodelled> {
        if self.removed {
            return Ok(());
        }
        let blocked: Vec<(usize, &SemCall)> = self
            .processes
            .iter()
            .enumerate()
            .filter_map(|(p, c)| c.pending.as_ref().map(|call| (p, call)))
            .collect();
        let mut ends = BTreeSet::new();
        collect_ends(&self.values, &blocked, &mut Vec::new(), &mut ends)?;
        let mut ends = ends.into_iter();
        let (values, ended) = ends.next().expect("one order at least");
        if ends.next().is_some() {
            return Err(Unmodelled::Schedule(
                "which waiter the kernel takes first decides which proceed".to_owned(),
            ));
        }
        self.values = values;
        for (p, applied) in ended {
            let call = self.processes[p].pending.take().expect("a blocked call");
            let outcome = if applied {
                self.note_undo(p, &call);
                ModelOutcome::Done
            } else {
                ModelOutcome::Error(Errno(libc::EAGAIN))
            };
            self.processes[p].completed = Some(outcome);
        }
        Ok(())
    }
}

/// Where retrying the blocked calls ends: the values, and each call that ended with
/// whether it was applied (else it failed with EAGAIN), in order of process.
type End = (Vec<i32>, Vec<(usize, bool)>);

/// Every end the blocked calls can come to from `values`, those in `ended` retried
/// already.
fn collect_ends(
    values: &[i32],
    blocked: &[(usize, &SemCall)],
    ended: &mut Vec<(usize, bool)>,
    ends: &mut BTreeSet<End>,
) -> Result<(), Unmodelled> {
    let mut any = false;
    for &(p, call) in blocked {
        if ended.iter().any(|(q, _)| *q == p) {
            continue;
        }
        let (next, applied) = match apply_ops(values, call) {
            Applied::Done(next) => (next, true),
            Applied::Waits(i) if call.ops[i].flags.contains(&SemFlag::NoWait) => {
                (values.to_vec(), false)
            }
            Applied::Waits(_) => continue,
            Applied::OutOfRange => {
                return Err(Unmodelled::Action("a value past SEMVMX".to_owned()))
            }
        };
        any = true;
        ended.push((p, applied));
        collect_ends(&next, blocked, ended, ends)?;
        ended.pop();
    }
    if !any {
        let mut sorted = ended.clone();
        sorted.sort_unstable();
        ends.insert((values.to_vec(), sorted));
    }
    Ok(())
}

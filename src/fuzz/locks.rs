//! Plans for a process-shared mutex and condition variable: a mutex of the default type
//! (the model drops the relocks and strangers' unlocks it leaves undefined),
//! error-checking or recursive, robust or not where the platform has robust mutexes;
//! 2 to 4 related processes; and moves that lock, try, unlock, make consistent, wait on
//! the condition (unlocking at once after, or not), signal, broadcast, map the memory
//! again elsewhere (unless anonymous), and leave; the memory anonymous, a POSIX shared
//! memory object or a file. Every
//! expectation is the reference model's (src/model/lock/); a move the model cannot
//! answer (two lockers at one unlock: the system's choice) is dropped, and a process
//! still blocked at the end is killed.

use proptest::prelude::*;

use super::plan::{PlanParts, Recorder};
use crate::mechanism::Capability;
use crate::model::{LockModel, ReferenceModel};
use crate::platform::{Feature, PlatformProfile};
use crate::scenario::{
    Action, LockCall, LockWait, Mechanism, MutexKind, MutexSpec, Process, Relation, Scenario,
    SharedMemory,
};

/// One thing a process tries to do with the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockOp {
    /// A call on the mutex or the condition variable.
    Call(LockCall),
    /// `mutex_lock`, then a condition wait (`cond_wait_then_unlock` when `then_unlock`)
    /// if the lock was taken: the way a waiter comes to wait.
    LockThenWait {
        /// Whether the wait unlocks as soon as it has relocked.
        then_unlock: bool,
    },
    /// Leave (holding the mutex, perhaps).
    Exit,
}

/// A generated plan for a process-shared lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockPlan {
    /// The mutex: of the default type, error-checking or recursive; robust or not; in
    /// anonymous memory, a POSIX shared memory object or a file.
    pub spec: MutexSpec,
    /// How many processes (2 to 4), all related.
    pub processes: usize,
    /// The moves `(process, op)`; one by a process the plan does not have is dropped.
    pub moves: Vec<(usize, LockOp)>,
}

impl PlanParts for LockPlan {
    type Op = LockOp;

    fn process_count(&self) -> usize {
        self.processes
    }

    fn move_count(&self) -> usize {
        self.moves.len()
    }

    fn remove_process(&mut self, _i: usize) {
        self.processes -= 1;
    }

    fn moves_mut(&mut self) -> &mut Vec<(usize, LockOp)> {
        &mut self.moves
    }
}

fn op() -> impl Strategy<Value = LockOp> {
    let call = |c: LockCall| Just(LockOp::Call(c));
    // Weighted towards what finds lost wake-ups: lockers that wait, condition waits
    // that unlock at once (so that several woken waiters all return), broadcasts.
    prop_oneof![
        4 => call(LockCall::Lock(LockWait::Wait)),
        1 => call(LockCall::Lock(LockWait::Try)),
        3 => call(LockCall::Unlock),
        1 => call(LockCall::Consistent),
        1 => call(LockCall::CondWait(None)),
        1 => call(LockCall::CondWaitThenUnlock),
        1 => Just(LockOp::LockThenWait { then_unlock: false }),
        6 => Just(LockOp::LockThenWait { then_unlock: true }),
        2 => call(LockCall::CondSignal),
        4 => call(LockCall::CondBroadcast),
        1 => call(LockCall::Remap),
        1 => Just(LockOp::Exit),
    ]
}

/// Plans of 2 to `max_processes` (at most 4) processes and up to `max_moves` moves.
pub fn lock_plans(max_processes: usize, max_moves: usize) -> impl Strategy<Value = LockPlan> {
    let most = max_processes.clamp(2, 4);
    let kind = prop_oneof![
        Just(MutexKind::Default),
        Just(MutexKind::ErrorCheck),
        Just(MutexKind::Recursive),
    ];
    let memory = prop_oneof![
        Just(SharedMemory::Anonymous),
        Just(SharedMemory::PosixShm),
        Just(SharedMemory::File),
    ];
    (
        (kind, prop::bool::weighted(0.5), memory),
        2..=most,
        prop::collection::vec((0..most, op()), 1..=max_moves.max(1)),
    )
        .prop_map(|((kind, robust, memory), processes, moves)| LockPlan {
            spec: MutexSpec {
                kind,
                robust,
                memory,
            },
            processes,
            moves,
        })
}

/// The scenario a plan comes to: the moves the model can answer, each with the model's
/// outcome as its expectation, then a kill of every process still blocked. A robust
/// mutex where the platform has none is an ordinary one, a `mutex_consistent` of an
/// ordinary one is dropped, and so is a `remap` where the platform's condition variable
/// needs one address for its waiters' mutex. A plan whose moves all fell away comes to
/// nothing.
pub fn build_locks(
    plan: &LockPlan,
    mechanism: Mechanism,
    profile: &PlatformProfile,
    capabilities: &[Capability],
    id: &str,
) -> Option<Scenario> {
    let processes: Vec<Process> = (0..plan.processes)
        .map(|i| Process::plain(&format!("p{i}"), Relation::Related))
        .collect();
    let spec = MutexSpec {
        robust: plan.spec.robust && profile.has(Feature::RobustMutex),
        ..plan.spec
    };
    let model = ReferenceModel::Lock(LockModel::for_processes(&processes, spec));
    let mut recorder = Recorder::with_mutex(model, spec, profile, capabilities);
    for &(p, op) in plan.moves.iter().filter(|(p, _)| *p < plan.processes) {
        let calls = match op {
            LockOp::Call(LockCall::Consistent) if !spec.robust => continue,
            LockOp::Call(LockCall::Remap)
                if !profile.has(Feature::CondAnyAddress)
                    || spec.memory == SharedMemory::Anonymous =>
            {
                continue
            }
            LockOp::Call(call) => vec![call],
            LockOp::LockThenWait { then_unlock } => vec![
                LockCall::Lock(LockWait::Wait),
                match then_unlock {
                    true => LockCall::CondWaitThenUnlock,
                    false => LockCall::CondWait(None),
                },
            ],
            LockOp::Exit => {
                recorder.take(p, Action::Exit);
                continue;
            }
        };
        // A wait the lock before it left blocked is dropped: the process is not idle.
        for call in calls {
            recorder.take(p, Action::Lock(call));
        }
    }
    recorder.finish(
        id,
        mechanism,
        "POSIX XSH pthread_mutex_lock(), pthread_mutex_unlock(), pthread_mutex_consistent(), \
         pthread_cond_wait(), pthread_cond_signal(), pthread_cond_broadcast(), _exit(): as the \
         reference model (src/model/lock/) states them",
        &processes,
        1,
    )
}

#[cfg(test)]
mod tests {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    use super::*;
    use crate::scenario::Expectation;

    /// How many of `cases` generated scenarios hold a broadcast whose next two steps
    /// are two waiters it released.
    fn broadcasts_releasing_two(cases: usize) -> usize {
        let mut runner = TestRunner::deterministic();
        let strategy = lock_plans(4, 12);
        let profile = &PlatformProfile::LINUX;
        (0..cases)
            .filter_map(|_| {
                let plan = strategy.new_tree(&mut runner).ok()?.current();
                build_locks(
                    &plan,
                    Mechanism::PsharedMutex,
                    profile,
                    Capability::ALL,
                    "t",
                )
            })
            .filter(|s| {
                s.steps.windows(3).any(|w| {
                    let released = |i: usize| {
                        w[i].actions.first().map(|(_, a)| a) == Some(&Action::Await)
                            && w[i].expect == Expectation::Succeeds
                    };
                    w[0].actions.first().map(|(_, a)| a)
                        == Some(&Action::Lock(LockCall::CondBroadcast))
                        && released(1)
                        && released(2)
                })
            })
            .count()
    }

    /// The generator reaches what finds a broadcast that wakes one waiter: two waiters
    /// a broadcast releases, in a few cases in a hundred.
    #[test]
    fn some_broadcasts_release_two_waiters() {
        let found = broadcasts_releasing_two(1000);
        assert!(found >= 10, "{found} of 1000");
    }
}

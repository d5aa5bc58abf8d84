//! Plans for a System V semaphore set: one or two semaphores starting at 0 to 2, 2 to 4
//! related processes, and moves that take, give and wait for zero (one operation or two
//! at once, with IPC_NOWAIT and SEM_UNDO), set and read values and waiter counts,
//! remove the set, and leave. Every expectation is the reference model's
//! (src/model/semaphore/); a move the model cannot answer (two waiters and one unit to
//! share: the kernel's choice) is dropped, and a process still blocked at the end is
//! killed.

use proptest::prelude::*;

use super::plan::{PlanParts, Recorder};
use crate::mechanism::Capability;
use crate::model::{ReferenceModel, SemaphoreModel};
use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, Mechanism, Process, Relation, Scenario, SemCall, SemCount, SemFlag, SemOp,
    SemaphoreSet, SysvKey,
};

/// One operation of a generated `semop`: the semaphore (0 or 1), what to add (-2 to 2),
/// IPC_NOWAIT, SEM_UNDO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GeneratedOp {
    /// The semaphore (taken modulo the set's size).
    pub num: u16,
    /// What to add.
    pub op: i16,
    /// IPC_NOWAIT.
    pub nowait: bool,
    /// SEM_UNDO.
    pub undo: bool,
}

/// One thing a process tries to do with the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SemaphoreOp {
    /// `semop` of one operation, or two.
    Semop(GeneratedOp, Option<GeneratedOp>),
    /// `semctl(SETVAL)` of a semaphore to 0 to 3.
    SetVal(u16, i32),
    /// `semctl(GETVAL, GETNCNT or GETZCNT)`.
    Count(u16, SemCount),
    /// `semctl(IPC_RMID)`.
    Remove,
    /// Leave.
    Exit,
}

/// A generated plan for a semaphore set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemaphorePlan {
    /// The semaphores' starting values (one or two semaphores).
    pub values: Vec<i32>,
    /// How many processes (2 to 4), all related.
    pub processes: usize,
    /// The moves `(process, op)`; one by a process the plan does not have is dropped.
    pub moves: Vec<(usize, SemaphoreOp)>,
}

impl PlanParts for SemaphorePlan {
    type Op = SemaphoreOp;

    fn process_count(&self) -> usize {
        self.processes
    }

    fn move_count(&self) -> usize {
        self.moves.len()
    }

    fn remove_process(&mut self, _i: usize) {
        self.processes -= 1;
    }

    fn moves_mut(&mut self) -> &mut Vec<(usize, SemaphoreOp)> {
        &mut self.moves
    }
}

fn generated_op() -> impl Strategy<Value = GeneratedOp> {
    (
        0u16..=1,
        -2i16..=2,
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(num, op, nowait, undo)| GeneratedOp {
            num,
            op,
            nowait,
            undo,
        })
}

fn op() -> impl Strategy<Value = SemaphoreOp> {
    let count = prop_oneof![
        Just(SemCount::Value),
        Just(SemCount::Waiting),
        Just(SemCount::WaitingForZero),
    ];
    prop_oneof![
        10 => (generated_op(), prop::option::weighted(0.3, generated_op()))
            .prop_map(|(first, second)| SemaphoreOp::Semop(first, second)),
        1 => (0u16..=1, 0i32..=3).prop_map(|(num, value)| SemaphoreOp::SetVal(num, value)),
        3 => (0u16..=1, count).prop_map(|(num, what)| SemaphoreOp::Count(num, what)),
        1 => Just(SemaphoreOp::Remove),
        1 => Just(SemaphoreOp::Exit),
    ]
}

/// Plans of 2 to `max_processes` (at most 4) processes and up to `max_moves` moves.
pub fn semaphore_plans(
    max_processes: usize,
    max_moves: usize,
) -> impl Strategy<Value = SemaphorePlan> {
    let most = max_processes.clamp(2, 4);
    (
        prop::collection::vec(0i32..=2, 1..=2),
        2..=most,
        prop::collection::vec((0..most, op()), 1..=max_moves.max(1)),
    )
        .prop_map(|(values, processes, moves)| SemaphorePlan {
            values,
            processes,
            moves,
        })
}

/// The scenario a plan comes to: the moves the model can answer, each with the model's
/// outcome as its expectation, then a kill of every process still blocked. A plan whose
/// moves all fell away comes to nothing.
pub fn build_semaphores(
    plan: &SemaphorePlan,
    mechanism: Mechanism,
    profile: &PlatformProfile,
    capabilities: &[Capability],
    id: &str,
) -> Option<Scenario> {
    let processes: Vec<Process> = (0..plan.processes)
        .map(|i| Process::plain(&format!("p{i}"), Relation::Related))
        .collect();
    let set = SemaphoreSet {
        values: plan.values.clone(),
        key: SysvKey::Private,
    };
    let model = ReferenceModel::Semaphore(SemaphoreModel::for_processes(&processes, &set));
    let mut recorder = Recorder::with_semaphores(model, set, profile, capabilities);
    let size = plan.values.len() as u16;
    for &(p, op) in plan.moves.iter().filter(|(p, _)| *p < plan.processes) {
        recorder.take(p, semaphore_action(op, size));
    }
    recorder.finish(
        id,
        mechanism,
        "POSIX XSH semop(), semctl() (SETVAL, GETVAL, GETNCNT, GETZCNT, IPC_RMID), _exit(): \
         as the reference model (src/model/semaphore/) states them",
        &processes,
        1,
    )
}

/// The action a move stands for on a set of `size` semaphores.
fn semaphore_action(op: SemaphoreOp, size: u16) -> Action {
    match op {
        SemaphoreOp::Semop(first, second) => Action::Semop(SemCall {
            ops: std::iter::once(first)
                .chain(second)
                .map(|g| SemOp {
                    num: g.num % size,
                    op: g.op,
                    flags: [(g.nowait, SemFlag::NoWait), (g.undo, SemFlag::Undo)]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, flag)| *flag)
                        .collect(),
                })
                .collect(),
            timeout: None,
        }),
        SemaphoreOp::SetVal(num, value) => Action::SetVal {
            num: num % size,
            value,
        },
        SemaphoreOp::Count(num, what) => Action::SemCount {
            num: num % size,
            what,
        },
        SemaphoreOp::Remove => Action::SemctlRmid,
        SemaphoreOp::Exit => Action::Exit,
    }
}

//! Unit tests of the semaphore model: each case replays calls on a set and checks the
//! outcomes POSIX gives, and that the model says "outside" where the systems may differ.

use nix::sys::signal::Signal;

use super::SemaphoreModel;
use crate::model::calls::Callers;
use crate::model::outcome::{ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, Errno, Process, Relation, SemCall, SemCount, SemFlag, SemOp, SemaphoreSet, SignalName,
    SysvKey,
};

const LINUX: &PlatformProfile = &PlatformProfile::LINUX;

/// A set of `values` shared by `processes` related processes.
fn model(values: &[i32], processes: usize) -> SemaphoreModel {
    let processes: Vec<Process> = (0..processes)
        .map(|i| Process::plain(&format!("p{i}"), Relation::Related))
        .collect();
    let set = SemaphoreSet {
        values: values.to_vec(),
        key: SysvKey::Private,
    };
    SemaphoreModel::for_processes(&processes, &set)
}

/// A `semop` of `(num, op, flags)` operations.
fn semop(ops: &[(u16, i16, &[SemFlag])]) -> Action {
    Action::Semop(SemCall {
        ops: ops
            .iter()
            .map(|(num, op, flags)| SemOp {
                num: *num,
                op: *op,
                flags: flags.to_vec(),
            })
            .collect(),
        timeout: None,
    })
}

fn value(m: &mut SemaphoreModel, num: u16) -> ModelOutcome {
    let get = Action::SemCount {
        num,
        what: SemCount::Value,
    };
    m.apply(0, &get, LINUX).unwrap()
}

const ERR: fn(i32) -> ModelOutcome = |e| ModelOutcome::Error(Errno(e));

#[test]
fn a_take_from_zero_waits_for_a_post_and_then_takes_it() {
    let mut m = model(&[0], 2);
    assert_eq!(
        m.apply(0, &semop(&[(0, -1, &[])]), LINUX),
        Ok(ModelOutcome::Blocks)
    );
    assert_eq!(
        m.apply(1, &semop(&[(0, 1, &[])]), LINUX),
        Ok(ModelOutcome::Done)
    );
    assert!(m.finished(0));
    assert_eq!(m.apply(0, &Action::Await, LINUX), Ok(ModelOutcome::Done));
    assert_eq!(value(&mut m, 0), ModelOutcome::Count(0));
}

#[test]
fn nowait_on_the_operation_that_waits_fails_and_applies_nothing() {
    let mut m = model(&[1, 0], 1);
    let call = semop(&[(0, -1, &[]), (1, -1, &[SemFlag::NoWait])]);
    assert_eq!(m.apply(0, &call, LINUX), Ok(ERR(libc::EAGAIN)));
    assert_eq!(value(&mut m, 0), ModelOutcome::Count(1));
}

#[test]
fn two_waiters_and_one_unit_is_the_schedulers_choice_two_units_release_both() {
    let mut m = model(&[0], 3);
    let take = semop(&[(0, -1, &[])]);
    m.apply(0, &take, LINUX).unwrap();
    m.apply(1, &take, LINUX).unwrap();
    let mut one = m.clone();
    assert!(matches!(
        one.apply(2, &semop(&[(0, 1, &[])]), LINUX),
        Err(Unmodelled::Schedule(_))
    ));
    assert_eq!(
        m.apply(2, &semop(&[(0, 2, &[])]), LINUX),
        Ok(ModelOutcome::Done)
    );
    assert!(m.finished(0) && m.finished(1));
}

#[test]
fn a_take_that_brings_the_value_to_zero_releases_a_wait_for_zero_in_any_order() {
    let mut m = model(&[1], 3);
    assert_eq!(
        m.apply(1, &semop(&[(0, 0, &[])]), LINUX),
        Ok(ModelOutcome::Blocks)
    );
    assert_eq!(
        m.apply(0, &semop(&[(0, -2, &[])]), LINUX),
        Ok(ModelOutcome::Blocks)
    );
    m.apply(2, &semop(&[(0, 1, &[])]), LINUX).unwrap();
    assert!(m.finished(0) && m.finished(1), "2 taken, then 0 seen");
}

#[test]
fn undo_is_taken_back_at_exit_and_by_a_kill() {
    let mut m = model(&[2], 3);
    let take = semop(&[(0, -1, &[SemFlag::Undo])]);
    m.apply(0, &take, LINUX).unwrap();
    m.apply(1, &take, LINUX).unwrap();
    m.apply(0, &Action::Exit, LINUX).unwrap();
    assert_eq!(value(&mut m, 0), ModelOutcome::Count(1));
    m.apply(1, &semop(&[(0, -5, &[])]), LINUX).unwrap();
    let kill = Action::Kill(SignalName(Signal::SIGKILL));
    m.apply(1, &kill, LINUX).unwrap();
    assert_eq!(
        m.apply(1, &Action::Await, LINUX),
        Ok(ModelOutcome::Killed(SignalName(Signal::SIGKILL)))
    );
    assert_eq!(value(&mut m, 2), ERR(libc::EINVAL), "no semaphore 2");
}

#[test]
fn an_undo_below_zero_is_outside_the_model() {
    let mut m = model(&[0], 2);
    m.apply(0, &semop(&[(0, 1, &[SemFlag::Undo])]), LINUX)
        .unwrap();
    m.apply(1, &semop(&[(0, -1, &[])]), LINUX).unwrap();
    assert!(m.apply(0, &Action::Exit, LINUX).is_err());
}

#[test]
fn rmid_fails_every_waiter_with_eidrm_and_later_calls_with_einval() {
    let mut m = model(&[1], 3);
    m.apply(0, &semop(&[(0, -2, &[])]), LINUX).unwrap();
    m.apply(1, &semop(&[(0, 0, &[])]), LINUX).unwrap();
    m.apply(2, &Action::SemctlRmid, LINUX).unwrap();
    assert_eq!(m.apply(0, &Action::Await, LINUX), Ok(ERR(libc::EIDRM)));
    assert_eq!(m.apply(1, &Action::Await, LINUX), Ok(ERR(libc::EIDRM)));
    assert_eq!(
        m.apply(2, &semop(&[(0, 1, &[])]), LINUX),
        Ok(ERR(libc::EINVAL))
    );
}

#[test]
fn setval_clears_every_undo_of_its_semaphore() {
    let mut m = model(&[1], 2);
    m.apply(0, &semop(&[(0, -1, &[SemFlag::Undo])]), LINUX)
        .unwrap();
    let set = Action::SetVal { num: 0, value: 0 };
    m.apply(1, &set, LINUX).unwrap();
    m.apply(0, &Action::Exit, LINUX).unwrap();
    assert_eq!(value(&mut m, 0), ModelOutcome::Count(0));
}

#[test]
fn the_waiter_counts_count_single_operations_by_kind() {
    let mut m = model(&[1], 4);
    m.apply(0, &semop(&[(0, -2, &[])]), LINUX).unwrap();
    m.apply(1, &semop(&[(0, 0, &[])]), LINUX).unwrap();
    let count = |what| Action::SemCount { num: 0, what };
    assert_eq!(
        m.apply(2, &count(SemCount::Waiting), LINUX),
        Ok(ModelOutcome::Count(1))
    );
    assert_eq!(
        m.apply(2, &count(SemCount::WaitingForZero), LINUX),
        Ok(ModelOutcome::Count(1))
    );
    m.apply(3, &semop(&[(0, -1, &[]), (0, -1, &[])]), LINUX)
        .unwrap();
    assert!(m.apply(2, &count(SemCount::Waiting), LINUX).is_err());
}

#[test]
fn a_woken_call_that_fails_again_on_a_nowait_operation_ends_with_eagain() {
    // Found by the fuzzer (seed 4): the retry after the post fails on the second
    // operation, which has IPC_NOWAIT, so the call ends instead of sleeping again.
    let mut m = model(&[0], 2);
    let call = semop(&[(0, -1, &[]), (0, 0, &[SemFlag::NoWait])]);
    assert_eq!(m.apply(1, &call, LINUX), Ok(ModelOutcome::Blocks));
    m.apply(0, &semop(&[(0, 2, &[])]), LINUX).unwrap();
    assert_eq!(m.apply(1, &Action::Await, LINUX), Ok(ERR(libc::EAGAIN)));
    assert_eq!(value(&mut m, 0), ModelOutcome::Count(2), "nothing applied");
}

//! Unit tests of the lock model: each case replays calls on a process-shared mutex and
//! condition variable and checks the outcomes POSIX gives, and that the model says
//! "outside" where POSIX leaves the outcome open.

use super::LockModel;
use crate::model::outcome::{ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{Action, Errno, LockCall, LockWait, MutexKind, MutexSpec, Process, Relation};

const LINUX: &PlatformProfile = &PlatformProfile::LINUX;
const DONE: Result<ModelOutcome, Unmodelled> = Ok(ModelOutcome::Done);
const BLOCKS: Result<ModelOutcome, Unmodelled> = Ok(ModelOutcome::Blocks);

fn err(errno: i32) -> Result<ModelOutcome, Unmodelled> {
    Ok(ModelOutcome::Error(Errno(errno)))
}

/// A mutex of `kind`, robust or not, shared by `processes` related processes.
fn model(kind: MutexKind, robust: bool, processes: usize) -> LockModel {
    let processes: Vec<Process> = (0..processes)
        .map(|i| Process::plain(&format!("p{i}"), Relation::Related))
        .collect();
    let spec = MutexSpec {
        kind,
        robust,
        ..MutexSpec::default()
    };
    LockModel::for_processes(&processes, spec)
}

fn call(m: &mut LockModel, p: usize, call: LockCall) -> Result<ModelOutcome, Unmodelled> {
    m.apply(p, &Action::Lock(call), LINUX)
}

const LOCK: LockCall = LockCall::Lock(LockWait::Wait);
const TRY: LockCall = LockCall::Lock(LockWait::Try);

#[test]
fn a_locker_waits_for_the_owner_and_takes_the_mutex_at_its_unlock() {
    let mut m = model(MutexKind::Normal, false, 2);
    assert_eq!(call(&mut m, 0, LOCK), DONE);
    assert_eq!(call(&mut m, 1, LOCK), BLOCKS);
    assert_eq!(call(&mut m, 0, LockCall::Unlock), DONE);
    assert_eq!(m.apply(1, &Action::Await, LINUX), DONE);
    assert_eq!(call(&mut m, 0, TRY), err(libc::EBUSY));
}

#[test]
fn two_lockers_at_an_unlock_are_the_schedules_choice() {
    let mut m = model(MutexKind::Normal, false, 3);
    call(&mut m, 0, LOCK).unwrap();
    call(&mut m, 1, LOCK).unwrap();
    call(&mut m, 2, LOCK).unwrap();
    assert!(matches!(
        call(&mut m, 0, LockCall::Unlock),
        Err(Unmodelled::Schedule(_))
    ));
}

#[test]
fn error_checking_and_recursive_types_answer_their_owner_and_strangers() {
    let mut m = model(MutexKind::ErrorCheck, false, 2);
    call(&mut m, 0, LOCK).unwrap();
    assert_eq!(call(&mut m, 0, LOCK), err(libc::EDEADLK));
    assert_eq!(call(&mut m, 1, LockCall::Unlock), err(libc::EPERM));
    let mut m = model(MutexKind::Recursive, false, 2);
    call(&mut m, 0, LOCK).unwrap();
    assert_eq!(call(&mut m, 0, TRY), DONE);
    assert_eq!(call(&mut m, 0, LockCall::Unlock), DONE);
    assert_eq!(call(&mut m, 1, TRY), err(libc::EBUSY));
    assert_eq!(call(&mut m, 0, LockCall::Unlock), DONE);
    assert_eq!(call(&mut m, 1, TRY), DONE);
    let mut m = model(MutexKind::Normal, false, 2);
    call(&mut m, 0, LOCK).unwrap();
    assert!(call(&mut m, 0, LOCK).is_err(), "a NORMAL relock is outside");
}

#[test]
fn a_robust_owner_that_dies_hands_the_next_locker_eownerdead() {
    let mut m = model(MutexKind::Normal, true, 3);
    call(&mut m, 0, LOCK).unwrap();
    assert_eq!(call(&mut m, 1, LOCK), BLOCKS);
    assert_eq!(m.apply(0, &Action::Exit, LINUX), DONE);
    assert_eq!(m.apply(1, &Action::Await, LINUX), err(libc::EOWNERDEAD));
    assert_eq!(call(&mut m, 2, TRY), err(libc::EBUSY));
    // Unlocked without being made consistent: unrecoverable for every later lock.
    assert_eq!(call(&mut m, 1, LockCall::Unlock), DONE);
    assert_eq!(call(&mut m, 2, LOCK), err(libc::ENOTRECOVERABLE));
}

#[test]
fn a_consistent_mutex_is_an_ordinary_one_again() {
    let mut m = model(MutexKind::Normal, true, 2);
    call(&mut m, 0, LOCK).unwrap();
    m.apply(0, &Action::Exit, LINUX).unwrap();
    assert_eq!(call(&mut m, 1, LOCK), err(libc::EOWNERDEAD));
    assert_eq!(call(&mut m, 1, LockCall::Consistent), DONE);
    assert_eq!(call(&mut m, 1, LockCall::Unlock), DONE);
    assert_eq!(call(&mut m, 1, LOCK), DONE);
}

#[test]
fn a_stalled_owner_that_dies_keeps_the_mutex_locked() {
    let mut m = model(MutexKind::Normal, false, 2);
    call(&mut m, 0, LOCK).unwrap();
    m.apply(0, &Action::Exit, LINUX).unwrap();
    assert_eq!(call(&mut m, 1, TRY), err(libc::EBUSY));
    assert_eq!(call(&mut m, 1, LOCK), BLOCKS);
}

#[test]
fn a_condition_wait_frees_the_mutex_and_relocks_after_the_signal() {
    let mut m = model(MutexKind::Normal, false, 2);
    call(&mut m, 0, LOCK).unwrap();
    assert_eq!(call(&mut m, 0, LockCall::CondWait(None)), BLOCKS);
    assert_eq!(call(&mut m, 1, LOCK), DONE);
    assert_eq!(call(&mut m, 1, LockCall::CondSignal), DONE);
    // Signalled, it waits for the mutex the signaller holds.
    assert_eq!(m.apply(0, &Action::Await, LINUX), BLOCKS);
    assert_eq!(call(&mut m, 1, LockCall::Unlock), DONE);
    assert_eq!(m.apply(0, &Action::Await, LINUX), DONE);
    assert_eq!(call(&mut m, 1, TRY), err(libc::EBUSY));
}

#[test]
fn a_broadcast_lets_every_waiter_that_unlocks_return() {
    let mut m = model(MutexKind::Normal, false, 3);
    for p in 0..2 {
        call(&mut m, p, LOCK).unwrap();
        assert_eq!(call(&mut m, p, LockCall::CondWaitThenUnlock), BLOCKS);
    }
    assert_eq!(call(&mut m, 2, LockCall::CondBroadcast), DONE);
    assert_eq!(m.apply(0, &Action::Await, LINUX), DONE);
    assert_eq!(m.apply(1, &Action::Await, LINUX), DONE);
    assert_eq!(call(&mut m, 2, TRY), DONE);
}

#[test]
fn a_signal_with_several_waiters_is_the_systems_choice() {
    let mut m = model(MutexKind::Normal, false, 3);
    for p in 0..2 {
        call(&mut m, p, LOCK).unwrap();
        call(&mut m, p, LockCall::CondWaitThenUnlock).unwrap();
    }
    assert!(matches!(
        call(&mut m, 2, LockCall::CondSignal),
        Err(Unmodelled::Schedule(_))
    ));
}

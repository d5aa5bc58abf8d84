//! The checks of System V objects in a scenario: which processes know a keyed object's
//! id, and the values a semaphore set starts with.

use crate::scenario::model::*;

/// The System V key the scenario's object is made with (`IPC_PRIVATE` for mechanisms
/// without one).
pub(super) fn sysv_key(s: &Scenario) -> SysvKey {
    match s.mechanism {
        Mechanism::SysvShm => s.region.key,
        Mechanism::SysvSem => s.semaphores.key,
        _ => SysvKey::Private,
    }
}

/// `shmget` and `semget` need the object's key, and the other calls on a System V
/// object its id, which an unrelated process of a keyed object has once a `*get` may
/// have given it.
pub(super) fn check_sysv_id_known(
    s: &Scenario,
    action: &Action,
    knows: bool,
    name: &ProcessName,
) -> Result<(), String> {
    let (object, get, table) = match s.mechanism {
        Mechanism::SysvSem => ("semaphore set", "semget", "[semaphores]"),
        _ => ("segment", "shmget", "[region]"),
    };
    match action {
        Action::Shmget { .. } | Action::Semget { .. } if sysv_key(s) == SysvKey::Private => Err(format!(
            "`{get}` needs the {object}'s key, and this one is made with IPC_PRIVATE; `key = \"random\"` in `{table}` gives it one"
        )),
        Action::Shmat
        | Action::ShmctlRmid
        | Action::Semop(_)
        | Action::SetVal { .. }
        | Action::SemCount { .. }
        | Action::SemctlRmid
            if !knows =>
        {
            Err(format!(
                "process `{name}` is unrelated, so it knows the {object} by its key alone; a `{get}` first gives it the id"
            ))
        }
        _ => Ok(()),
    }
}

/// What is wrong with the values of a `[semaphores]` table, if anything: a set has
/// one semaphore at least, and few enough for any platform's per-set limit, and each
/// starts between 0 and SEMVMX, the largest value POSIX guarantees (32767).
pub(super) fn semaphore_values_error(set: &SemaphoreSet) -> Option<String> {
    // Far below any platform's per-set limit, SEMMSL (32000 on Linux since 3.19), and
    // more than any rule needs.
    const MOST: usize = 64;
    const SEMVMX: i32 = 32767;
    if set.values.is_empty() || set.values.len() > MOST {
        return Some(format!(
            "`values` gives the set 1 to {MOST} semaphores, not {}",
            set.values.len()
        ));
    }
    set.values
        .iter()
        .find(|v| !(0..=SEMVMX).contains(*v))
        .map(|v| format!("a semaphore starts between 0 and {SEMVMX} (SEMVMX), not {v}"))
}

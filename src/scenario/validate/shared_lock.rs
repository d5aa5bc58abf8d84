//! The checks of a process-shared mutex in a scenario: only the related processes,
//! which inherit the parent's mapping of it, can reach it, only a robust one can be
//! made consistent, and only named memory can be mapped again.

use crate::scenario::model::*;

/// A call on the mutex needs a process that shares its memory (a related one), and
/// `mutex_consistent` a robust mutex.
pub(super) fn check_lock_call(
    s: &Scenario,
    process: &Process,
    action: &Action,
) -> Result<(), String> {
    let Action::Lock(call) = action else {
        return Ok(());
    };
    if process.relation == Relation::Unrelated {
        return Err(format!(
            "process `{}` is unrelated: it inherits no mapping of the mutex, which only the parent's related children share",
            process.name
        ));
    }
    if *call == LockCall::Consistent && !s.mutex.robust {
        return Err("`mutex_consistent` needs a robust mutex: `[mutex] robust = true`".to_owned());
    }
    if *call == LockCall::Remap && s.mutex.memory == SharedMemory::Anonymous {
        return Err("`remap` maps the lock's memory again from its descriptor, and anonymous memory has none: `[mutex] memory = \"posix-shm\"` or `\"file\"`".to_owned());
    }
    Ok(())
}

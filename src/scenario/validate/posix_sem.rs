//! The checks of a POSIX semaphore in a scenario: a process calls on the semaphore it
//! opened (or, unnamed, inherited), and holds one at a time.

use crate::scenario::model::*;

/// `sem_wait`, `sem_post`, `sem_getvalue` and `sem_close` need the semaphore open in the
/// process (`holds`); a second `sem_open` while it is would leave the first unreachable;
/// an `unnamed` semaphore has no name to open, close or unlink.
pub(super) fn check_sem_held(
    action: &Action,
    holds: bool,
    unnamed: bool,
    name: &ProcessName,
) -> Result<(), String> {
    match action {
        Action::SemOpen { .. } | Action::SemClose | Action::SemUnlink if unnamed => Err(format!(
            "`{}` needs a named semaphore, and this scenario's is unnamed (`[unnamed_semaphore]`)",
            action.name()
        )),
        Action::SemWait(_) | Action::SemPost | Action::SemGetValue | Action::SemClose if !holds => {
            Err(format!(
                "process `{name}` holds no semaphore here; a `sem_open` that succeeds opens it"
            ))
        }
        Action::SemOpen { .. } if holds => Err(format!(
            "process `{name}` holds the semaphore already; `sem_close` it first"
        )),
        _ => Ok(()),
    }
}

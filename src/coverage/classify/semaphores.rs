//! The cells a call on a semaphore fills: each operation's sign and flags, how many
//! operations one call applies, and the flags of `semget` and `sem_open`.

use super::flag;
use super::Hit;
use crate::coverage::axes::{ANY, CALLED};
use crate::scenario::{Action, IpcFlag, OpenFlag, SemFlag};

/// The cells `action` fills.
pub(super) fn hits(action: &Action) -> Vec<Hit> {
    match action {
        Action::Semop(call) => {
            let mut hits = vec![(
                "operations",
                if call.ops.len() == 1 {
                    "one"
                } else {
                    "several"
                },
            )];
            for op in &call.ops {
                hits.push((
                    "operation",
                    match op.op {
                        op if op < 0 => "negative",
                        0 => "zero",
                        _ => "positive",
                    },
                ));
                hits.push(flag("IPC_NOWAIT", op.flags.contains(&SemFlag::NoWait)));
                hits.push(flag("SEM_UNDO", op.flags.contains(&SemFlag::Undo)));
            }
            hits
        }
        Action::Semget { flags, .. } => vec![
            flag("IPC_CREAT", flags.contains(&IpcFlag::Creat)),
            flag("IPC_EXCL", flags.contains(&IpcFlag::Excl)),
        ],
        Action::SemOpen { flags, .. } => vec![
            flag("O_CREAT", flags.contains(&OpenFlag::Creat)),
            flag("O_EXCL", flags.contains(&OpenFlag::Excl)),
        ],
        // A call that takes nothing that changes what it does.
        _ => vec![(CALLED, ANY)],
    }
}

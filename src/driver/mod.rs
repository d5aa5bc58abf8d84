//! The driver: runs one scenario as real forked processes against an implementation.
//!
//! Each actor is a forked child with its own control socketpair; every process appends
//! to one shared-memory event log; steps run in lockstep, and "blocks" is read from the
//! kernel's view of the actor's thread. Nothing below here knows about files or reports
//! beyond the verdict it returns.
//!
//! What differs between mechanism families (the object made before the fork, what each
//! actor keeps of it, the actions) is behind the traits in `family.rs`; `families/`
//! holds one implementation of them per family. `ARCHITECTURE.md` walks through the
//! phases (set-up, play, finish), the event log and the blocking oracle.

mod actor;
mod cleanup;
mod clock;
mod control;
mod dispatch;
mod error;
mod event_log;
mod exec_actor;
mod families;
mod family;
mod fd_table;
mod fds;
mod finish;
mod hosts;
mod leaks;
mod made_by_parent;
mod observe;
mod options;
mod play;
mod probe;
mod run;
mod setup;
mod spawn;
mod stage;
mod strays;
mod sweep;
mod sync;
mod sysv_objects;
mod verdict;
mod wait;

/// The cause a [`Failure`] names, and the kind of check behind it.
pub use crate::judge::{Cause, Check};
pub use error::HarnessError;
pub use event_log::EventKind;
pub use exec_actor::{exec_actor_implementation, serve_exec_actor};
pub use leaks::{LeakCheck, LeakEvidence};
pub use observe::Evidence;
pub use options::{BlockingOracle, RunOptions};
pub use run::{run_scenario, skip_reason_for};
pub(crate) use spawn::fork_helper;
pub use verdict::{BlockingVerdict, Failure, ScenarioReport, TimelineEntry, Verdict};

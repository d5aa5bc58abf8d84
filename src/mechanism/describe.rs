//! What an implementation under test says about itself, whatever its family.

use super::{ActorStart, Capability, Deviation, Unsupported};
use crate::scenario::Mechanism;

/// An implementation under test as the driver and the reports know it: its name, the
/// mechanisms it provides, what it can do with each, the scenarios it fails on purpose,
/// and how its actors start.
///
/// Every family's trait ([`ByteStream`](super::ByteStream),
/// [`SharedRegion`](super::SharedRegion), [`Socket`](super::Socket)) extends it, so an
/// adapter writes this description once and its calls in the family's trait. Only
/// `name` and `mechanisms` must be written.
///
/// ```
/// use ipc_conformance::mechanism::{Capability, Describe};
/// use ipc_conformance::scenario::Mechanism;
///
/// struct MyPipe;
///
/// impl Describe for MyPipe {
///     fn name(&self) -> &str {
///         "mypipe"
///     }
///     fn mechanisms(&self) -> &[Mechanism] {
///         &[Mechanism::Pipe]
///     }
///     fn capabilities(&self, _: Mechanism) -> &[Capability] {
///         &[Capability::Descriptor]
///     }
/// }
///
/// assert!(MyPipe.deviations().is_empty());
/// ```
pub trait Describe {
    /// A short name for reports (`os`, `os_pipe`, …).
    fn name(&self) -> &str;

    /// The mechanisms this implementation provides; scenarios of others are skipped.
    fn mechanisms(&self) -> &[Mechanism];

    /// What it can do with `mechanism` beyond the essentials; scenarios that need more
    /// are skipped.
    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[]
    }

    /// Scenarios it fails on purpose, with the reason.
    fn deviations(&self) -> &[Deviation] {
        &[]
    }

    /// Scenarios it cannot express, with what it lacks: skipped before they run.
    fn unsupported(&self) -> &[Unsupported] {
        &[]
    }

    /// How its actors must be started.
    fn actor_start(&self) -> ActorStart {
        ActorStart::Fork
    }
}

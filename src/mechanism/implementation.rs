//! An implementation under test as a whole: which mechanism families it provides.

use std::ptr::NonNull;

use super::{
    ByteStream, Describe, Deviation, Received, SharedRegion, Socket, SocketAddress, Synchronizer,
    Unsupported,
};
use crate::scenario::{Errno, Mechanism, MechanismFamily, MsgFlag};

/// An implementation under test: what it provides of each mechanism family. A family it
/// does not provide is `None`, and that family's scenarios are skipped with the reason.
///
/// One type usually implements one family; wrap it in [`Streams`], [`Regions`],
/// [`Sockets`] or [`Synchronizers`]. The operating system ([`super::os::Os`]) provides
/// them all.
pub trait Implementation {
    /// Its byte streams (pipes, FIFOs), or [`Unimplemented`].
    type Streams: ByteStream;
    /// Its shared regions, or [`Unimplemented`].
    type Regions: SharedRegion;
    /// Its sockets, or [`Unimplemented`].
    type Sockets: Socket;
    /// Its semaphores and locks, or [`Unimplemented`].
    type Synchronizers: Synchronizer;

    /// A short name for reports.
    fn name(&self) -> &str;

    /// Its byte streams, if it has them.
    fn byte_streams(&self) -> Option<&Self::Streams>;

    /// Its shared regions, if it has them.
    fn shared_regions(&self) -> Option<&Self::Regions>;

    /// Its sockets, if it has them.
    fn sockets(&self) -> Option<&Self::Sockets>;

    /// Its semaphores and locks, if it has them.
    fn synchronizers(&self) -> Option<&Self::Synchronizers>;

    /// How its implementation of `family` describes itself, if it has one.
    fn describe(&self, family: MechanismFamily) -> Option<&dyn Describe> {
        match family {
            MechanismFamily::ByteStream => self.byte_streams().map(|x| x as &dyn Describe),
            MechanismFamily::SharedRegion => self.shared_regions().map(|x| x as &dyn Describe),
            MechanismFamily::Socket => self.sockets().map(|x| x as &dyn Describe),
            MechanismFamily::Synchronization => self.synchronizers().map(|x| x as &dyn Describe),
        }
    }

    /// Every deviation its families declare.
    fn deviations(&self) -> Vec<Deviation> {
        MechanismFamily::ALL
            .iter()
            .filter_map(|family| self.describe(*family))
            .flat_map(|x| x.deviations())
            .copied()
            .collect()
    }

    /// Every scenario its families declare they cannot express.
    fn unsupported(&self) -> Vec<Unsupported> {
        MechanismFamily::ALL
            .iter()
            .filter_map(|family| self.describe(*family))
            .flat_map(|x| x.unsupported())
            .copied()
            .collect()
    }
}

/// The declared deviations and unsupported scenarios that name none of the scenario ids
/// `ids` (a misspelt id would otherwise be ignored without a word), as one-line errors.
pub fn unknown_declarations(
    implementation: &str,
    deviations: &[Deviation],
    unsupported: &[Unsupported],
    ids: &[&str],
) -> Vec<String> {
    let declared = deviations
        .iter()
        .map(|d| ("a deviation", d.scenario))
        .chain(unsupported.iter().map(|u| ("as unsupported", u.scenario)));
    declared
        .filter(|(_, scenario)| !ids.contains(scenario))
        .map(|(what, scenario)| {
            format!(
                "implementation `{implementation}` declares {what} `{scenario}`, which is no scenario"
            )
        })
        .collect()
}

/// A byte-stream implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Streams<I>(pub I);

impl<I: ByteStream> Implementation for Streams<I> {
    type Streams = I;
    type Regions = Unimplemented;
    type Sockets = Unimplemented;
    type Synchronizers = Unimplemented;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&I> {
        Some(&self.0)
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&Unimplemented> {
        None
    }

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
    }
}

/// A shared-region implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Regions<I>(pub I);

impl<I: SharedRegion> Implementation for Regions<I> {
    type Streams = Unimplemented;
    type Regions = I;
    type Sockets = Unimplemented;
    type Synchronizers = Unimplemented;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&Unimplemented> {
        None
    }

    fn shared_regions(&self) -> Option<&I> {
        Some(&self.0)
    }

    fn sockets(&self) -> Option<&Unimplemented> {
        None
    }

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
    }
}

/// A socket implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Sockets<I>(pub I);

impl<I: Socket> Implementation for Sockets<I> {
    type Streams = Unimplemented;
    type Regions = Unimplemented;
    type Sockets = I;
    type Synchronizers = Unimplemented;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&Unimplemented> {
        None
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&I> {
        Some(&self.0)
    }

    fn synchronizers(&self) -> Option<&Unimplemented> {
        None
    }
}

/// A semaphores-and-locks implementation and nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Synchronizers<I>(pub I);

impl<I: Synchronizer> Implementation for Synchronizers<I> {
    type Streams = Unimplemented;
    type Regions = Unimplemented;
    type Sockets = Unimplemented;
    type Synchronizers = I;

    fn name(&self) -> &str {
        self.0.name()
    }

    fn byte_streams(&self) -> Option<&Unimplemented> {
        None
    }

    fn shared_regions(&self) -> Option<&Unimplemented> {
        None
    }

    fn sockets(&self) -> Option<&Unimplemented> {
        None
    }

    fn synchronizers(&self) -> Option<&I> {
        Some(&self.0)
    }
}

/// A family an implementation does not provide. It has no values, so none of its
/// methods can ever be called.
#[derive(Clone, Copy, Debug)]
pub enum Unimplemented {}

impl Describe for Unimplemented {
    fn name(&self) -> &str {
        match *self {}
    }
    fn mechanisms(&self) -> &[Mechanism] {
        match *self {}
    }
}

impl ByteStream for Unimplemented {
    type End = Unimplemented;

    fn read(&self, _: &Self, _: &mut [u8]) -> Result<usize, Errno> {
        match *self {}
    }
    fn write(&self, _: &Self, _: &[u8]) -> Result<usize, Errno> {
        match *self {}
    }
}

impl SharedRegion for Unimplemented {
    type Region = Unimplemented;
    type Segment = Unimplemented;
    type Object = Unimplemented;

    fn bytes(&self, _: &Self) -> (NonNull<u8>, usize) {
        match *self {}
    }
}

impl Synchronizer for Unimplemented {
    type SemaphoreSet = Unimplemented;
    type PosixSemaphore = Unimplemented;
    type SharedLock = Unimplemented;
}

impl Socket for Unimplemented {
    type Handle = Unimplemented;

    fn send(
        &self,
        _: &Self,
        _: &[u8],
        _: Option<&SocketAddress>,
        _: &[MsgFlag],
    ) -> Result<usize, Errno> {
        match *self {}
    }
    fn recv(&self, _: &Self, _: &mut [u8], _: &[MsgFlag]) -> Result<Received, Errno> {
        match *self {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_declaration_is_named() {
        let declared = [
            Deviation {
                scenario: "pipe::flags_clear",
                reason: "close-on-exec",
            },
            Deviation {
                scenario: "pipe::flag_clear",
                reason: "typo",
            },
        ];
        let unsupported = [Unsupported {
            scenario: "pipe::no_such",
            reason: "typo",
        }];
        let errors = unknown_declarations("x", &declared, &unsupported, &["pipe::flags_clear"]);
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0].contains("a deviation `pipe::flag_clear`"),
            "{errors:?}"
        );
        assert!(
            errors[1].contains("as unsupported `pipe::no_such`"),
            "{errors:?}"
        );
    }
}

//! The one place the driver turns a mechanism into the family that runs it: the
//! implementation's byte streams, shared regions, sockets or semaphores and locks,
//! wrapped as a [`Family`].
//! Whatever the driver does with a family (run a scenario, say why it would be skipped,
//! serve as an actor started by exec) is a [`FamilyVisitor`] handed to [`with_family`].

use super::error::SkipReason;
use super::families::{ByteStreamFamily, RegionFamily, SocketFamily, SynchronizerFamily};
use super::family::Family;
use crate::mechanism::Implementation;
use crate::platform::PlatformProfile;
use crate::scenario::{Mechanism, MechanismFamily};

/// Something done with whichever family runs a mechanism: generic over the family, as
/// each has its own object and executor types.
pub(crate) trait FamilyVisitor {
    /// What it comes to.
    type Output;

    /// Do it with `family`.
    fn visit<F: Family>(self, family: &F) -> Self::Output;
}

/// Hand `visitor` the family of `mechanism` over `iut`'s implementation of it, sizes
/// from `profile`; `None` when `iut` implements no mechanism of that family.
pub(crate) fn with_family<I: Implementation, V: FamilyVisitor>(
    mechanism: Mechanism,
    iut: &I,
    profile: &'static PlatformProfile,
    visitor: V,
) -> Option<V::Output> {
    match mechanism.family() {
        MechanismFamily::ByteStream => iut
            .byte_streams()
            .map(|x| visitor.visit(&ByteStreamFamily::new(x))),
        MechanismFamily::SharedRegion => iut
            .shared_regions()
            .map(|x| visitor.visit(&RegionFamily::new(x, profile))),
        MechanismFamily::Socket => iut.sockets().map(|x| visitor.visit(&SocketFamily::new(x))),
        MechanismFamily::Synchronization => iut
            .synchronizers()
            .map(|x| visitor.visit(&SynchronizerFamily::new(x, profile))),
    }
}

/// Why a scenario of `mechanism` is skipped when [`with_family`] finds no family.
pub(crate) fn family_missing<I: Implementation>(mechanism: Mechanism, iut: &I) -> SkipReason {
    SkipReason(format!(
        "implementation `{}` provides no {}",
        iut.name(),
        mechanism.family()
    ))
}

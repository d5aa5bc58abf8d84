//! Loads, stores and atomics through a process's mapping: the rights a touch needs, in
//! the order the kernel checks them (SIGSEGV for a right missing on the first touch,
//! SIGBUS on macOS, where XNU raises SIGBUS for every fault but an unmapped address;
//! SIGBUS for a whole page past the object's end), and the bytes the mapping shows or
//! takes. The cases POSIX leaves open are declined here with the reason.

use nix::sys::signal::Signal;

use super::mapping::Rights;
use super::state::RegionModel;
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;

impl RegionModel {
    /// A load, store or atomic of `len` bytes at `at` through process `p`'s mapping,
    /// needing `rights`: `act` gets the bytes there (when read) and gives the bytes to
    /// store (when written) and the outcome. A right missing raises the profile's
    /// protection-fault signal.
    pub(super) fn access(
        &mut self,
        p: usize,
        at: u64,
        len: u64,
        rights: Rights,
        profile: &PlatformProfile,
        act: impl FnOnce(&[u8]) -> (Vec<u8>, ModelOutcome),
    ) -> Answer {
        let page = profile.page_size;
        let denied = profile.protection_fault;
        let mapping = self.mapping_mut(p)?.clone();
        if len == 0 {
            return Ok(act(&[]).1);
        }
        let granted = mapping.rights;
        if rights.read && !granted.read && granted.write {
            return Err(Unmodelled::Action(
                "a load through a mapping that may only be written (PROT_WRITE may imply \
                 PROT_READ)"
                    .to_owned(),
            ));
        }
        // The first touch is the load when there is one (a fetch-and-add loads its word
        // before it adds), so a store right missing shows only after the page is found.
        let first_touch_denied = match rights.read {
            true => !granted.read,
            false => !granted.write,
        };
        if first_touch_denied {
            return Ok(self.killed(p, denied));
        }
        let object = &self.objects[mapping.object];
        let pages = object.pages(page);
        if (at + len - 1) / page >= pages {
            if rights.write && at / page < pages {
                return Err(Unmodelled::Action(
                    "a store that runs from the object into a page past its end (how much of \
                     it lands before SIGBUS depends on the copy)"
                        .to_owned(),
                ));
            }
            return Ok(self.killed(p, Signal::SIGBUS));
        }
        if rights.write && !granted.write {
            return Ok(self.killed(p, denied));
        }
        let current = match rights.read {
            true => mapping.load(object, at, len, page)?,
            false => vec![0; len as usize],
        };
        let (stored, outcome) = act(&current);
        if rights.write {
            let mut mapping = mapping;
            mapping.store(&mut self.objects[mapping.object], at, &stored, page)?;
            self.processes[p].state.mapping = Some(mapping);
        }
        Ok(outcome)
    }
}

/// The 64-bit word in native byte order, as an atomic load reads it.
pub(super) fn word(bytes: &[u8]) -> u64 {
    u64::from_ne_bytes(bytes.try_into().expect("a word is 8 bytes"))
}

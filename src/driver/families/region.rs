//! The shared-region family in the driver: the region is mapped before the fork; each
//! related process keeps its inherited mapping, an unrelated one unmaps it; the driver
//! unmaps its own. Actors load and store through the mapping's address, as a program's
//! own code would, so a store to a read-only page is a real SIGSEGV of the actor.

use std::os::fd::RawFd;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::driver::control::Outcome;
use crate::driver::event_log::CallKind;
use crate::driver::family::{ActorContext, Announcement, Executor, Family};
use crate::driver::payload::payload_bytes;
use crate::mechanism::{Protection, SharedRegion};
use crate::model::PlatformProfile;
use crate::scenario::*;

/// A shared-region implementation under test, as the driver runs it.
pub(crate) struct RegionFamily<'a, I: SharedRegion> {
    iut: &'a I,
}

impl<'a, I: SharedRegion> RegionFamily<'a, I> {
    pub(crate) fn new(iut: &'a I) -> Self {
        RegionFamily { iut }
    }
}

/// What the driver makes before the fork: the mapping, and how to map another like it.
pub(crate) struct RegionObject<R> {
    region: R,
    spec: RegionSpec,
}

impl<'a, I: SharedRegion> Family for RegionFamily<'a, I> {
    type Object = RegionObject<I::Region>;
    type Executor = RegionExecutor<'a, I>;

    fn name(&self) -> &str {
        self.iut.name()
    }

    fn provides(&self, mechanism: Mechanism) -> Result<(), String> {
        if self.iut.mechanisms().contains(&mechanism) {
            return Ok(());
        }
        Err(format!(
            "implementation `{}` does not provide {mechanism}",
            self.iut.name()
        ))
    }

    fn create(&self, scenario: &Scenario, _dir: Option<&Path>) -> Result<Self::Object, String> {
        let spec = scenario.region;
        let region = self
            .iut
            .map_anonymous(spec.len as usize, spec.sharing == Sharing::Shared)
            .map_err(|e| format!("{}: mmap() failed with {e}", self.iut.name()))?;
        Ok(RegionObject { region, spec })
    }

    fn kept_fds(&self, _object: &Self::Object, _process: &Process) -> Vec<RawFd> {
        Vec::new()
    }

    fn adopt(
        &self,
        object: Self::Object,
        process: &Process,
        actor: ActorContext,
    ) -> Self::Executor {
        let region = match process.relation {
            Relation::Related => Some(object.region),
            Relation::Unrelated => {
                let _ = self.iut.unmap(object.region);
                None
            }
        };
        RegionExecutor {
            iut: self.iut,
            profile: actor.profile,
            spec: object.spec,
            region,
        }
    }

    fn release(&self, object: Self::Object) {
        let _ = self.iut.unmap(object.region);
    }
}

/// One actor's mapping, if it has one.
pub(crate) struct RegionExecutor<'a, I: SharedRegion> {
    iut: &'a I,
    profile: &'static PlatformProfile,
    spec: RegionSpec,
    region: Option<I::Region>,
}

impl<I: SharedRegion> RegionExecutor<'_, I> {
    /// The bytes `[at, at + len)` of the mapping, or why not.
    fn span(&self, at: u64, len: usize) -> Result<*mut u8, Outcome> {
        let region = self
            .region
            .as_ref()
            .ok_or_else(|| Outcome::Unsupported("the process has no region mapped".to_owned()))?;
        let (base, size) = self.iut.bytes(region);
        let end = (at as usize).checked_add(len);
        if end.is_none_or(|end| end > size) {
            return Err(Outcome::Error(Errno(libc::EFAULT)));
        }
        // In bounds, checked above: the pointer stays inside the mapping.
        Ok(base.as_ptr().wrapping_add(at as usize))
    }

    /// The aligned word at `at` as an atomic.
    #[expect(unsafe_code, reason = "an atomic view of shared memory")]
    fn word(&self, at: u64) -> Result<&AtomicU64, Outcome> {
        let ptr = self.span(at, 8)?;
        if !(ptr as usize).is_multiple_of(8) {
            return Err(Outcome::Error(Errno(libc::EINVAL)));
        }
        // SAFETY: the 8 bytes are inside a live mapping (checked by `span`) and aligned;
        // other processes touch them only through atomics too, and no Rust reference to
        // them exists elsewhere in this process.
        Ok(unsafe { AtomicU64::from_ptr(ptr.cast()) })
    }

    #[expect(unsafe_code, reason = "loads and stores through the mapping")]
    fn act(&mut self, action: &Action) -> Result<Outcome, Outcome> {
        let err = |e: Errno| Outcome::Error(e);
        Ok(match action {
            Action::Store { at, data } => {
                let bytes = payload_bytes(data, self.profile);
                let dst = self.span(*at, bytes.len())?;
                // SAFETY: `dst` has room for the bytes (checked by `span`) and does not
                // overlap the local buffer. A protected page makes this a SIGSEGV of the
                // actor, which is the observable outcome the scenario asks about.
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
                Outcome::Done
            }
            Action::Load { at, len } => {
                let len = self
                    .profile
                    .resolve(*len)
                    .expect("sizes are resolved before the run") as usize;
                let src = self.span(*at, len)?;
                let mut out = vec![0u8; len];
                // SAFETY: as for Store, the other way round.
                unsafe { std::ptr::copy_nonoverlapping(src, out.as_mut_ptr(), len) };
                Outcome::Bytes(out)
            }
            Action::StoreU64 { at, value } => {
                self.word(*at)?.store(*value, Ordering::SeqCst);
                Outcome::Done
            }
            Action::LoadU64 { at } => Outcome::Count(self.word(*at)?.load(Ordering::SeqCst)),
            Action::FetchAddU64 { at, value, times } => {
                let word = self.word(*at)?;
                let mut seen = word.load(Ordering::SeqCst);
                for _ in 0..*times {
                    seen = word.fetch_add(*value, Ordering::SeqCst);
                }
                Outcome::Count(seen)
            }
            Action::Mprotect(flags) => {
                let region = self.region.as_ref().ok_or_else(|| {
                    Outcome::Unsupported("the process has no region mapped".to_owned())
                })?;
                let protection = Protection {
                    read: flags.contains(&Prot::Read),
                    write: flags.contains(&Prot::Write),
                };
                self.iut.protect(region, protection).map_err(err)?;
                Outcome::Done
            }
            Action::Munmap => {
                if let Some(region) = self.region.take() {
                    self.iut.unmap(region).map_err(err)?;
                }
                Outcome::Done
            }
            Action::Mmap => {
                let shared = self.spec.sharing == Sharing::Shared;
                self.region = Some(
                    self.iut
                        .map_anonymous(self.spec.len as usize, shared)
                        .map_err(err)?,
                );
                Outcome::Done
            }
            _ => unreachable!("validation keeps other actions out of shared regions"),
        })
    }
}

impl<I: SharedRegion> Executor for RegionExecutor<'_, I> {
    fn announce(&self, action: &Action) -> Announcement {
        let text = match action.region_access() {
            Some((at, _)) => format!("{}(at {at})", action.name()),
            None => action.name().to_owned(),
        };
        Announcement {
            call: CallKind::Other,
            fd: -1,
            text,
        }
    }

    fn perform(&mut self, action: &Action) -> Outcome {
        match self.act(action) {
            Ok(o) | Err(o) => o,
        }
    }

    fn held_fds(&self) -> Vec<RawFd> {
        Vec::new()
    }
}

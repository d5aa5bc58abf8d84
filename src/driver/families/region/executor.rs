//! A shared-region actor: its mapping (or attachment) and, for POSIX shared memory, its
//! object descriptor; the loads, stores and atomics it makes through the mapping's
//! address, as a program's own code would, so a store to a read-only page is a real
//! SIGSEGV of the actor.

use std::os::fd::RawFd;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{padded, Named};
use crate::driver::event_log::CallKind;
use crate::driver::family::{exposed_fds, ActorContext, Announcement, Executor};
use crate::judge::payload_bytes;
use crate::judge::Outcome;
use crate::mechanism::{IpcKey, Protection, SharedRegion};
use crate::platform::PlatformProfile;
use crate::scenario::*;

/// One actor's mapping, if it has one.
pub(crate) struct RegionExecutor<'a, I: SharedRegion> {
    iut: &'a I,
    profile: &'static PlatformProfile,
    /// Whether the leak check can know the descriptors it holds.
    exposes_fds: bool,
    spec: RegionSpec,
    segment: Option<I::Segment>,
    /// The name of the object the process opens itself (POSIX shared memory, a file).
    named: Option<Named>,
    /// The open object and the mode it was opened with.
    object: Option<(I::Object, AccessMode)>,
    region: Option<I::Region>,
}

impl<'a, I: SharedRegion> RegionExecutor<'a, I> {
    pub(super) fn new(
        iut: &'a I,
        actor: ActorContext<'_>,
        spec: RegionSpec,
        segment: Option<I::Segment>,
        named: Option<Named>,
        region: Option<I::Region>,
        inherited: Option<I::Object>,
    ) -> Self {
        RegionExecutor {
            iut,
            profile: actor.profile,
            exposes_fds: actor.exposes_fds(),
            spec,
            segment,
            named,
            // The parent's object opens O_RDWR.
            object: inherited.map(|o| (o, AccessMode::ReadWrite)),
            region,
        }
    }

    fn shm_name(&self) -> Result<&str, Outcome> {
        match &self.named {
            Some(Named::Shm(name)) => Ok(name),
            _ => Err(Outcome::Unsupported(
                "the scenario has no POSIX shared memory object".to_owned(),
            )),
        }
    }

    fn file_path(&self) -> Result<&Path, Outcome> {
        match &self.named {
            Some(Named::File(path)) => Ok(path),
            _ => Err(Outcome::Unsupported("the scenario has no file".to_owned())),
        }
    }

    /// Keep a newly opened object, closing the one it replaces.
    fn hold(&mut self, opened: I::Object, mode: AccessMode) {
        if let Some((previous, _)) = self.object.replace((opened, mode)) {
            let _ = self.iut.close(previous);
        }
    }

    fn object(&self) -> Result<&(I::Object, AccessMode), Outcome> {
        self.object.as_ref().ok_or(Outcome::NoSuchEnd(End::Object))
    }

    fn key(&self) -> Result<IpcKey, Outcome> {
        match &self.named {
            Some(Named::Key(key)) => Ok(*key),
            _ => Err(Outcome::Unsupported(
                "the scenario's segment has no key".to_owned(),
            )),
        }
    }

    fn segment(&self) -> Result<&I::Segment, Outcome> {
        self.segment
            .as_ref()
            .ok_or_else(|| Outcome::Unsupported("the scenario has no System V segment".to_owned()))
    }

    fn mapping(&self) -> Result<&I::Region, Outcome> {
        self.region
            .as_ref()
            .ok_or_else(|| Outcome::Unsupported("the process has no region mapped".to_owned()))
    }

    fn size(&self, size: Size) -> usize {
        self.profile
            .resolve(size)
            .expect("sizes are resolved before the run") as usize
    }

    /// The bytes `[at, at + len)` of the mapping, or why not.
    fn span(&self, at: u64, len: usize) -> Result<*mut u8, Outcome> {
        let region = self.mapping()?;
        let (base, size) = self.iut.bytes(region);
        let end = (at as usize).checked_add(len);
        if end.is_none_or(|end| end > size) {
            // Validation refuses literal sizes past the end; a profile constant can still
            // reach past it. No call fails here, so no errno is invented.
            return Err(Outcome::Unsupported(format!(
                "the access at {at} of {len} bytes reaches past the {size}-byte region"
            )));
        }
        // In bounds, checked above: the pointer stays inside the mapping.
        Ok(base.as_ptr().wrapping_add(at as usize))
    }

    /// The aligned word at `at` as an atomic.
    #[expect(unsafe_code, reason = "an atomic view of shared memory")]
    fn word(&self, at: u64) -> Result<&AtomicU64, Outcome> {
        let ptr = self.span(at, 8)?;
        if !(ptr as usize).is_multiple_of(8) {
            return Err(Outcome::Unsupported(format!(
                "offset {at} of the mapping is not 8-byte aligned"
            )));
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
                let dst = self.span(self.size(*at) as u64, bytes.len())?;
                // SAFETY: `dst` has room for the bytes (checked by `span`) and does not
                // overlap the local buffer. A protected page makes this a SIGSEGV of the
                // actor, which is the observable outcome the scenario asks about.
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
                Outcome::Done
            }
            Action::Load { at, len } => {
                let len = self.size(*len);
                let src = self.span(self.size(*at) as u64, len)?;
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
                let region = self.mapping()?;
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
            Action::Mmap if self.named.is_some() => {
                let (object, mode) = self.object()?;
                let shared = self.spec.sharing == Sharing::Shared;
                let writable = *mode == AccessMode::ReadWrite;
                let len = self.size(self.spec.len);
                self.region = Some(self.iut.mmap(object, len, shared, writable).map_err(err)?);
                Outcome::Done
            }
            Action::ShmOpen {
                mode,
                flags,
                name_len,
            } => {
                let name = match name_len {
                    Some(len) => padded(self.shm_name()?, self.size(*len)),
                    None => self.shm_name()?.to_owned(),
                };
                let opened = self.iut.shm_open(&name, *mode, flags).map_err(err)?;
                self.hold(opened, *mode);
                Outcome::Done
            }
            Action::Open { mode, flags } => {
                let opened = self
                    .iut
                    .open_file(self.file_path()?, *mode, flags)
                    .map_err(err)?;
                self.hold(opened, *mode);
                Outcome::Done
            }
            Action::Unlink => {
                nix::unistd::unlink(self.file_path()?).map_err(|e| err(e.into()))?;
                Outcome::Done
            }
            Action::Pread {
                end: End::Object,
                at,
                len,
            } => {
                let len = self.size(*len);
                let mut buf = vec![0u8; len];
                let n = self
                    .iut
                    .pread(&self.object()?.0, self.size(*at) as u64, &mut buf)
                    .map_err(err)?;
                buf.truncate(n);
                Outcome::Bytes(buf)
            }
            Action::Pwrite {
                end: End::Object,
                at,
                data,
            } => {
                let bytes = payload_bytes(data, self.profile);
                Outcome::Count(
                    self.iut
                        .pwrite(&self.object()?.0, self.size(*at) as u64, &bytes)
                        .map_err(err)? as u64,
                )
            }
            Action::Msync => {
                let region = self.mapping()?;
                self.iut.msync(region).map_err(err)?;
                Outcome::Done
            }
            Action::ShmUnlink => {
                self.iut.shm_unlink(self.shm_name()?).map_err(err)?;
                Outcome::Done
            }
            Action::Ftruncate {
                end: End::Object,
                len,
            } => {
                let len = self.size(*len) as u64;
                self.iut.ftruncate(&self.object()?.0, len).map_err(err)?;
                Outcome::Done
            }
            Action::FstatSize(End::Object) => {
                Outcome::Count(self.iut.fstat_size(&self.object()?.0).map_err(err)?)
            }
            Action::Close(End::Object) => {
                let (object, _) = self.object.take().ok_or(Outcome::NoSuchEnd(End::Object))?;
                self.iut.close(object).map_err(err)?;
                Outcome::Done
            }
            Action::Mmap => {
                let shared = self.spec.sharing == Sharing::Shared;
                self.region = Some(
                    self.iut
                        .map_anonymous(self.size(self.spec.len), shared)
                        .map_err(err)?,
                );
                Outcome::Done
            }
            Action::Shmget { size, flags } => {
                let len = self.size(*size);
                self.segment = Some(self.iut.shmget(self.key()?, len, flags).map_err(err)?);
                Outcome::Done
            }
            Action::Shmat => {
                self.region = Some(self.iut.shmat(self.segment()?).map_err(err)?);
                Outcome::Done
            }
            Action::Shmdt => {
                if let Some(region) = self.region.take() {
                    self.iut.shmdt(region).map_err(err)?;
                }
                Outcome::Done
            }
            Action::ShmctlRmid => {
                self.iut.shmctl_rmid(self.segment()?).map_err(err)?;
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
            arg: -1,
            text,
        }
    }

    fn perform(&mut self, action: &Action, _expect: &Expectation) -> Outcome {
        match self.act(action) {
            Ok(o) | Err(o) => o,
        }
    }

    fn held_fds(&self) -> Option<Vec<RawFd>> {
        exposed_fds(
            self.exposes_fds,
            self.object
                .iter()
                .filter_map(|(object, _)| self.iut.object_fd(object)),
        )
    }

    /// A mapping may keep its object's descriptor open after the object's handle is
    /// closed (shared_memory's does), so it counts as a handle too.
    fn handles(&self) -> usize {
        usize::from(self.object.is_some())
            + usize::from(self.region.is_some())
            + usize::from(self.segment.is_some())
    }
}

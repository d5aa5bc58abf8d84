//! How a process comes to a mapping after the fork: `mmap()` of the object it holds
//! open or of new anonymous memory, and `shmat()` of the System V segment, whose id
//! `shmctl(IPC_RMID)` removes while the memory stays for those attached. Where a removed
//! segment's id still finds it is the profile's answer.

use super::mapping::{Mapping, Rights};
use super::object::MemoryObject;
use super::state::{RegionModel, Segment};
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{AccessMode, Errno, Mechanism, Sharing};

impl RegionModel {
    /// `mmap()`: of the object the process holds open (EACCES when open write-only;
    /// writable when open read-write), or of new anonymous memory no other process
    /// shares. Where the profile says so, a POSIX shared memory object maps only
    /// MAP_SHARED and within its size rounded to pages (EINVAL).
    pub(super) fn mmap(&mut self, p: usize, profile: &PlatformProfile) -> Answer {
        if self.processes[p].state.mapping.is_some() {
            return Err(Unmodelled::Action("mmap over a mapping".to_owned()));
        }
        let (sharing, len) = (self.spec.sharing, self.len);
        let (object, rights, may_write) = match self.mechanism.has_object() {
            true => {
                let (object, mode) = self.descriptor(p)?;
                let writable = mode == AccessMode::ReadWrite;
                let within =
                    len <= self.objects[object].pages(profile.page_size) * profile.page_size;
                // XNU's `mmap` hands a shm descriptor to `pshm_mmap` before any check of
                // its access mode, and a write-only one is not refused there.
                if self.mechanism == Mechanism::PosixShm && profile.shm_mmap_within_size && len > 0
                {
                    if sharing == Sharing::Private || !within {
                        return Ok(ModelOutcome::Error(Errno(libc::EINVAL)));
                    }
                    if mode == AccessMode::WriteOnly {
                        return Err(Unmodelled::Action(format!(
                            "a mapping of a write-only POSIX shared memory descriptor on {}",
                            profile.platform
                        )));
                    }
                }
                match mode {
                    AccessMode::WriteOnly => return Ok(ModelOutcome::Error(Errno(libc::EACCES))),
                    _ => (
                        object,
                        Rights {
                            read: true,
                            write: writable,
                        },
                        writable || sharing == Sharing::Private,
                    ),
                }
            }
            false => {
                self.objects.push(MemoryObject::zeroed(len));
                (self.objects.len() - 1, Rights::READ_WRITE, true)
            }
        };
        let mapping = Mapping::new(
            object,
            &mut self.objects[object],
            len,
            sharing,
            rights,
            may_write,
        )?;
        self.processes[p].state.mapping = Some(mapping);
        Ok(ModelOutcome::Done)
    }

    /// How many live processes have the segment attached.
    fn attached(&self, segment: &Segment) -> usize {
        self.processes
            .iter()
            .filter(|q| {
                q.alive
                    && q.state
                        .mapping
                        .as_ref()
                        .is_some_and(|m| m.object == segment.object)
            })
            .count()
    }

    /// Whether the segment's id still finds it: not removed, or (where the profile says
    /// so) removed but still attached somewhere.
    fn segment_found(&self, profile: &PlatformProfile) -> Result<bool, Unmodelled> {
        let segment = self
            .segment
            .as_ref()
            .ok_or_else(|| Unmodelled::Action("a System V call without a segment".to_owned()))?;
        Ok(!segment.removed || (profile.sysv_id_outlives_rmid && self.attached(segment) > 0))
    }

    pub(super) fn shmat(&mut self, p: usize, profile: &PlatformProfile) -> Answer {
        if self.processes[p].state.mapping.is_some() {
            return Err(Unmodelled::Action("shmat over an attachment".to_owned()));
        }
        if !self.segment_found(profile)? {
            return Ok(ModelOutcome::Error(Errno(libc::EINVAL)));
        }
        let object = self.segment.as_ref().map_or(0, |s| s.object);
        let mapping = Mapping::new(
            object,
            &mut self.objects[object],
            self.len,
            Sharing::Shared,
            Rights::READ_WRITE,
            true,
        )?;
        self.processes[p].state.mapping = Some(mapping);
        Ok(ModelOutcome::Done)
    }

    /// `shmctl(IPC_RMID)`: the id goes (the memory stays while attached).
    pub(super) fn shmctl_rmid(&mut self, profile: &PlatformProfile) -> Answer {
        if !self.segment_found(profile)? {
            return Ok(ModelOutcome::Error(Errno(libc::EINVAL)));
        }
        if let Some(segment) = &mut self.segment {
            segment.removed = true;
        }
        Ok(ModelOutcome::Done)
    }
}

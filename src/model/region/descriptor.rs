//! Calls on a process's object descriptor: `open()` and `shm_open()` by name (O_CREAT,
//! O_EXCL, a name padded to a length), and the file I/O the profile says the object
//! allows (`fstat`, `pread`, `pwrite`, `ftruncate`). An object outlives its names, so a
//! descriptor refers to the object, never to the name it came by.

use super::object::MemoryObject;
use super::state::RegionModel;
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag, Size};

/// The longest shm name the driver gives a scenario (`/ipcc.PID.RANDOM`, kept within
/// macOS's 31 characters): a name asked for at this length or shorter may be that very
/// name, so the model does not say what opening it finds.
const OWN_NAME_MAX: u64 = 31;

impl RegionModel {
    /// The descriptor for file I/O (`pread`, `pwrite`, `ftruncate`, `fstat`), where
    /// the profile says what that does.
    pub(super) fn file_io(
        &self,
        p: usize,
        profile: &PlatformProfile,
    ) -> Result<(usize, AccessMode), Unmodelled> {
        let (object, mode) = self.descriptor(p)?;
        if self.mechanism == Mechanism::PosixShm && !profile.shm_is_file {
            return Err(Unmodelled::Action(format!(
                "file I/O on POSIX shared memory on {}",
                profile.platform
            )));
        }
        if self.objects[object].mapped_shared && !profile.unified_page_cache {
            return Err(Unmodelled::Action(format!(
                "file I/O on an object mapped MAP_SHARED, without a unified page cache on {}",
                profile.platform
            )));
        }
        Ok((object, mode))
    }

    /// Which name `shm_open` asks for: the scenario's own, or one padded to a length;
    /// the inner error is the call's (ENAMETOOLONG).
    pub(super) fn name_key(
        &self,
        name_len: Option<Size>,
        profile: &PlatformProfile,
    ) -> Result<Result<Option<u64>, Errno>, Unmodelled> {
        let Some(len) = name_len else {
            return Ok(Ok(None));
        };
        let len = profile.resolve(len).map_err(Unmodelled::Action)?;
        if len > profile.shm_name_max {
            return Ok(Err(Errno(libc::ENAMETOOLONG)));
        }
        if len <= OWN_NAME_MAX {
            return Err(Unmodelled::Action(format!(
                "a shm name of {len} characters, which may be the scenario's own"
            )));
        }
        Ok(Ok(Some(len)))
    }

    /// `open()` or `shm_open()` of name `key`: O_CREAT makes a new, empty object where
    /// there is none, O_EXCL refuses one that exists, and without O_CREAT a missing name
    /// is ENOENT. The descriptor replaces the one the process held.
    pub(super) fn open(
        &mut self,
        p: usize,
        key: Option<u64>,
        mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Answer {
        let creat = flags.contains(&OpenFlag::Creat);
        let excl = flags.contains(&OpenFlag::Excl);
        if flags
            .iter()
            .any(|f| !matches!(f, OpenFlag::Creat | OpenFlag::Excl))
            || (excl && !creat)
        {
            return Err(Unmodelled::Action(
                "open flags other than O_CREAT and O_CREAT|O_EXCL".to_owned(),
            ));
        }
        let named = self.names.iter().find(|(k, _)| *k == key).map(|(_, o)| *o);
        let object = match named {
            Some(_) if excl => return Ok(ModelOutcome::Error(Errno(libc::EEXIST))),
            Some(object) => object,
            None if !creat => return Ok(ModelOutcome::Error(Errno(libc::ENOENT))),
            None => {
                self.objects.push(MemoryObject::zeroed(0));
                self.names.push((key, self.objects.len() - 1));
                self.objects.len() - 1
            }
        };
        self.processes[p].state.object = Some((object, mode));
        Ok(ModelOutcome::Done)
    }

    /// `ftruncate()` of the object descriptor: the object takes the new size.
    pub(super) fn ftruncate(&mut self, p: usize, len: u64, profile: &PlatformProfile) -> Answer {
        let (object, mode) = self.file_io(p, profile)?;
        if mode == AccessMode::ReadOnly {
            return Err(Unmodelled::Action(
                "ftruncate of a descriptor not open for writing (EBADF or EINVAL)".to_owned(),
            ));
        }
        let first_gone = len.div_ceil(profile.page_size);
        if self.processes.iter().any(|q| {
            q.alive
                && q.state
                    .mapping
                    .as_ref()
                    .is_some_and(|m| m.object == object && m.copied_from(first_gone))
        }) {
            return Err(Unmodelled::Action(
                "an ftruncate that cuts off a page a MAP_PRIVATE mapping has its own copy of"
                    .to_owned(),
            ));
        }
        self.objects[object].resize(len);
        Ok(ModelOutcome::Done)
    }
}

//! One action of one process on the region model: the dispatch from the scenario's
//! action to the call that answers it. Loads and stores go through [`super::access`],
//! calls on the object descriptor through [`super::descriptor`], and mapping and
//! attaching through [`super::attach`]; the calls small enough to answer in a line
//! (munmap, unlink, close, pread, pwrite, exit, kill) are answered here.

use super::access::word;
use super::mapping::Rights;
use super::state::RegionModel;
use crate::judge::payload_bytes;
use crate::model::outcome::{Answer, ModelOutcome, Unmodelled};
use crate::platform::PlatformProfile;
use crate::scenario::{AccessMode, Action, End, Errno};

impl RegionModel {
    /// What `action` of process `p` does; the state moves on.
    pub fn apply(&mut self, p: usize, action: &Action, profile: &PlatformProfile) -> Answer {
        let bytes = |size| profile.resolve(size).map_err(Unmodelled::Action);
        match action {
            Action::Store { at, data } => {
                let data = payload_bytes(data, profile);
                self.access(
                    p,
                    bytes(*at)?,
                    data.len() as u64,
                    Rights::WRITE,
                    profile,
                    |_| (data.clone(), ModelOutcome::Done),
                )
            }
            Action::Load { at, len } => {
                let len = bytes(*len)?;
                self.access(p, bytes(*at)?, len, Rights::READ, profile, |bytes| {
                    (bytes.to_vec(), ModelOutcome::Bytes(bytes.to_vec()))
                })
            }
            Action::StoreU64 { at, value } => {
                self.access(p, *at, 8, Rights::WRITE, profile, |_| {
                    (value.to_ne_bytes().to_vec(), ModelOutcome::Done)
                })
            }
            Action::LoadU64 { at } => self.access(p, *at, 8, Rights::READ, profile, |bytes| {
                (bytes.to_vec(), ModelOutcome::Count(word(bytes)))
            }),
            Action::FetchAddU64 { at, value, times } => {
                let rights = match times {
                    0 => Rights::READ,
                    _ => Rights::READ_WRITE,
                };
                self.access(p, *at, 8, rights, profile, |bytes| {
                    let before = word(bytes);
                    let seen = match times {
                        0 => before,
                        n => before.wrapping_add(value.wrapping_mul(u64::from(n - 1))),
                    };
                    let after = before.wrapping_add(value.wrapping_mul(u64::from(*times)));
                    (after.to_ne_bytes().to_vec(), ModelOutcome::Count(seen))
                })
            }
            Action::Mprotect(prots) => {
                let rights = Rights::of(prots);
                let mapping = self.mapping_mut(p)?;
                if rights.write && !mapping.may_write {
                    return Ok(ModelOutcome::Error(Errno(libc::EACCES)));
                }
                mapping.rights = rights;
                Ok(ModelOutcome::Done)
            }
            Action::Msync => self.mapping_mut(p).map(|_| ModelOutcome::Done),
            Action::Munmap | Action::Shmdt => {
                self.mapping_mut(p)?;
                self.processes[p].state.mapping = None;
                Ok(ModelOutcome::Done)
            }
            Action::Mmap => self.mmap(p, profile),
            Action::Shmat => self.shmat(p, profile),
            Action::ShmctlRmid => self.shmctl_rmid(profile),
            Action::ShmOpen {
                mode,
                flags,
                name_len,
            } => {
                if *mode == AccessMode::WriteOnly {
                    return Err(Unmodelled::Action("shm_open with O_WRONLY".to_owned()));
                }
                match self.name_key(*name_len, profile)? {
                    Ok(key) => self.open(p, key, *mode, flags),
                    Err(e) => Ok(ModelOutcome::Error(e)),
                }
            }
            Action::Open { mode, flags } => self.open(p, None, *mode, flags),
            Action::ShmUnlink | Action::Unlink => {
                // The name goes; the object stays for the descriptors and mappings of it.
                match self.names.iter().position(|(key, _)| key.is_none()) {
                    Some(i) => {
                        self.names.remove(i);
                        Ok(ModelOutcome::Done)
                    }
                    None => Ok(ModelOutcome::Error(Errno(libc::ENOENT))),
                }
            }
            Action::Close(End::Object) => {
                self.descriptor(p)?;
                self.processes[p].state.object = None;
                Ok(ModelOutcome::Done)
            }
            Action::FstatSize(End::Object) => {
                let (object, _) = self.file_io(p, profile)?;
                Ok(ModelOutcome::Count(self.objects[object].size()))
            }
            Action::Ftruncate {
                end: End::Object,
                len,
            } => self.ftruncate(p, bytes(*len)?, profile),
            Action::Pread {
                end: End::Object,
                at,
                len,
            } => {
                let (object, mode) = self.file_io(p, profile)?;
                if mode == AccessMode::WriteOnly {
                    return Ok(ModelOutcome::Error(Errno(libc::EBADF)));
                }
                let len = bytes(*len)?;
                Ok(ModelOutcome::Bytes(
                    self.objects[object].pread(bytes(*at)?, len),
                ))
            }
            Action::Pwrite {
                end: End::Object,
                at,
                data,
            } => {
                let (object, mode) = self.file_io(p, profile)?;
                if mode == AccessMode::ReadOnly {
                    return Ok(ModelOutcome::Error(Errno(libc::EBADF)));
                }
                let data = payload_bytes(data, profile);
                self.objects[object].pwrite(bytes(*at)?, &data)?;
                Ok(ModelOutcome::Count(data.len() as u64))
            }
            Action::Exit => {
                self.leave(p);
                Ok(ModelOutcome::Done)
            }
            Action::Kill(signal) => {
                if self.processes[p].signal(*signal, |()| ModelOutcome::Done) {
                    self.leave(p);
                }
                Ok(ModelOutcome::Done)
            }
            other => Err(Unmodelled::Action(format!(
                "`{}` on a region",
                other.name()
            ))),
        }
    }
}

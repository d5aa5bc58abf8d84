//! The reference model of shared regions: anonymous memory mapped before the fork, a
//! System V segment, a POSIX shared memory object and a mapped file. It keeps every
//! memory object's bytes and size, the names that lead to them, the segment's removal,
//! and per process its mapping (MAP_SHARED or a private copy, with its protection) and
//! its object descriptor. Stores through a MAP_SHARED mapping are the object's, so every
//! mapping of it shows them at once; a private mapping keeps its stores to itself.
//!
//! A load from a page with no read right, or a store to one with no write right, kills
//! the process with SIGSEGV; a touch of a whole page past the object's end kills it with
//! SIGBUS, the rights for the first touch being checked first (the kernel looks at the
//! mapping before it looks for the page; a fetch-and-add loads before it stores). The model says "outside" rather than guess where POSIX leaves
//! the outcome open: a load through a write-only mapping, a private page after the
//! object changed, bytes stored past the end in the last page, a store that faults
//! partway, and what the profile does not describe.
//!
//! # References
//! - POSIX XSH `mmap()`, `munmap()`, `mprotect()`, `msync()`, `fork()` (mappings are
//!   inherited), `_exit()` (they go with the process).
//! - POSIX XSH `shm_open()`, `shm_unlink()`, `open()`, `unlink()`, `ftruncate()`,
//!   `fstat()`, `pread()`, `pwrite()`.
//! - POSIX XSH `shmget()`, `shmat()`, `shmdt()`, `shmctl()` (IPC_RMID).

mod mapping;
mod object;

use nix::sys::signal::Signal;

use self::mapping::{Mapping, Rights};
use self::object::MemoryObject;
use super::calls::Caller;
use super::outcome::{ModelOutcome, Unmodelled};
use crate::judge::payload_bytes;
use crate::platform::PlatformProfile;
use crate::scenario::{
    AccessMode, Action, End, Errno, Mechanism, OpenFlag, Process, RegionSpec, Relation, Sharing,
    SignalName, Size,
};

/// The longest shm name the driver gives a scenario (`/ipcc.PID.RANDOM`, kept within
/// macOS's 31 characters): a name asked for at this length or shorter may be that very
/// name, so the model does not say what opening it finds.
const OWN_NAME_MAX: u64 = 31;

/// What the model keeps of a process besides its calls.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Holder {
    mapping: Option<Mapping>,
    /// The object descriptor: which object, opened how.
    object: Option<(usize, AccessMode)>,
}

/// The System V segment: its memory object and whether IPC_RMID removed its id.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    object: usize,
    removed: bool,
}

/// The shared regions of one scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionModel {
    mechanism: Mechanism,
    spec: RegionSpec,
    objects: Vec<MemoryObject>,
    /// The objects the names lead to: the scenario's own name (`None`), or that name
    /// padded to a length (`shm_open` with `name_len`).
    names: Vec<(Option<u64>, usize)>,
    segment: Option<Segment>,
    processes: Vec<Caller<(), Holder>>,
}

impl RegionModel {
    /// The regions as the driver sets them up for `processes`: anonymous memory or a
    /// System V segment mapped before the fork, kept by the related processes; no
    /// object yet for POSIX shared memory and files, which the processes create by name.
    pub fn for_processes(
        mechanism: Mechanism,
        processes: &[Process],
        spec: RegionSpec,
    ) -> Result<RegionModel, Unmodelled> {
        let mut objects = Vec::new();
        let mut inherited = None;
        if mechanism.inherits_region() {
            objects.push(MemoryObject::zeroed(spec.len));
            inherited = Some(Mapping::new(
                0,
                &mut objects[0],
                spec.len,
                spec.sharing,
                Rights::READ_WRITE,
                true,
            )?);
        }
        Ok(RegionModel {
            mechanism,
            spec,
            objects,
            names: Vec::new(),
            segment: (mechanism == Mechanism::SysvShm).then_some(Segment {
                object: 0,
                removed: false,
            }),
            processes: processes
                .iter()
                .map(|p| {
                    let mapping = inherited
                        .clone()
                        .filter(|_| p.relation == Relation::Related);
                    Caller::new(
                        p,
                        Holder {
                            mapping,
                            object: None,
                        },
                    )
                })
                .collect(),
        })
    }

    /// How many processes there are.
    pub fn process_count(&self) -> usize {
        self.processes.len()
    }

    /// Whether process `p` is alive and free to start a call (region calls never wait).
    pub fn idle(&self, p: usize) -> bool {
        self.processes[p].idle()
    }

    /// Whether process `p` holds the object descriptor.
    pub fn holds_object(&self, p: usize) -> bool {
        self.processes[p].alive && self.processes[p].state.object.is_some()
    }

    /// Whether process `p` has a mapping (or an attachment).
    pub fn mapped(&self, p: usize) -> bool {
        self.processes[p].alive && self.processes[p].state.mapping.is_some()
    }

    /// What `action` of process `p` does; the state moves on.
    pub fn apply(
        &mut self,
        p: usize,
        action: &Action,
        profile: &PlatformProfile,
    ) -> Result<ModelOutcome, Unmodelled> {
        let page = profile.page_size;
        match action {
            Action::Store { at, data } => {
                let data = payload_bytes(data, profile);
                self.access(p, *at, data.len() as u64, Rights::WRITE, page, |_| {
                    (data.clone(), ModelOutcome::Done)
                })
            }
            Action::Load { at, len } => {
                let len = profile.resolve(*len).map_err(Unmodelled::Action)?;
                self.access(p, *at, len, Rights::READ, page, |bytes| {
                    (bytes.to_vec(), ModelOutcome::Bytes(bytes.to_vec()))
                })
            }
            Action::StoreU64 { at, value } => self.access(p, *at, 8, Rights::WRITE, page, |_| {
                (value.to_ne_bytes().to_vec(), ModelOutcome::Done)
            }),
            Action::LoadU64 { at } => self.access(p, *at, 8, Rights::READ, page, |bytes| {
                (bytes.to_vec(), ModelOutcome::Count(word(bytes)))
            }),
            Action::FetchAddU64 { at, value, times } => {
                let rights = match times {
                    0 => Rights::READ,
                    _ => Rights::READ_WRITE,
                };
                self.access(p, *at, 8, rights, page, |bytes| {
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
            Action::Mmap => self.mmap(p),
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
            } => self.ftruncate(p, *len, profile),
            Action::Pread {
                end: End::Object,
                at,
                len,
            } => {
                let (object, mode) = self.file_io(p, profile)?;
                if mode == AccessMode::WriteOnly {
                    return Ok(ModelOutcome::Error(Errno(libc::EBADF)));
                }
                let len = profile.resolve(*len).map_err(Unmodelled::Action)?;
                Ok(ModelOutcome::Bytes(self.objects[object].pread(*at, len)))
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
                self.objects[object].pwrite(*at, &data)?;
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

    /// A load, store or atomic of `len` bytes at `at` through process `p`'s mapping,
    /// needing `rights`: `act` gets the bytes there (when read) and gives the bytes to
    /// store (when written) and the outcome.
    fn access(
        &mut self,
        p: usize,
        at: u64,
        len: u64,
        rights: Rights,
        page: u64,
        act: impl FnOnce(&[u8]) -> (Vec<u8>, ModelOutcome),
    ) -> Result<ModelOutcome, Unmodelled> {
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
            return Ok(self.killed(p, Signal::SIGSEGV));
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
            return Ok(self.killed(p, Signal::SIGSEGV));
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

    /// Process `p` dies by `signal`.
    fn killed(&mut self, p: usize, signal: Signal) -> ModelOutcome {
        self.leave(p);
        ModelOutcome::Killed(SignalName(signal))
    }

    /// The process is gone: its mapping and its descriptor with it.
    fn leave(&mut self, p: usize) {
        let process = &mut self.processes[p];
        process.alive = false;
        process.state.mapping = None;
        process.state.object = None;
    }

    fn mapping_mut(&mut self, p: usize) -> Result<&mut Mapping, Unmodelled> {
        self.processes[p].state.mapping.as_mut().ok_or_else(|| {
            Unmodelled::Action("a call on a region the process has not mapped".to_owned())
        })
    }

    fn descriptor(&self, p: usize) -> Result<(usize, AccessMode), Unmodelled> {
        self.processes[p].state.object.ok_or_else(|| {
            Unmodelled::Action(
                "a call on an object descriptor the process does not hold".to_owned(),
            )
        })
    }

    /// The descriptor for file I/O (`pread`, `pwrite`, `ftruncate`, `fstat`), where
    /// the profile says what that does.
    fn file_io(
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
    fn name_key(
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
    fn open(
        &mut self,
        p: usize,
        key: Option<u64>,
        mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Result<ModelOutcome, Unmodelled> {
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

    /// `mmap()`: of the object the process holds open (EACCES when open write-only;
    /// writable when open read-write), or of new anonymous memory no other process
    /// shares.
    fn mmap(&mut self, p: usize) -> Result<ModelOutcome, Unmodelled> {
        if self.processes[p].state.mapping.is_some() {
            return Err(Unmodelled::Action("mmap over a mapping".to_owned()));
        }
        let (sharing, len) = (self.spec.sharing, self.spec.len);
        let (object, rights, may_write) = match self.mechanism.has_object() {
            true => {
                let (object, mode) = self.descriptor(p)?;
                let writable = mode == AccessMode::ReadWrite;
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

    fn shmat(&mut self, p: usize, profile: &PlatformProfile) -> Result<ModelOutcome, Unmodelled> {
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
            self.spec.len,
            Sharing::Shared,
            Rights::READ_WRITE,
            true,
        )?;
        self.processes[p].state.mapping = Some(mapping);
        Ok(ModelOutcome::Done)
    }

    /// `shmctl(IPC_RMID)`: the id goes (the memory stays while attached).
    fn shmctl_rmid(&mut self, profile: &PlatformProfile) -> Result<ModelOutcome, Unmodelled> {
        if !self.segment_found(profile)? {
            return Ok(ModelOutcome::Error(Errno(libc::EINVAL)));
        }
        if let Some(segment) = &mut self.segment {
            segment.removed = true;
        }
        Ok(ModelOutcome::Done)
    }

    /// `ftruncate()` of the object descriptor: the object takes the new size.
    fn ftruncate(
        &mut self,
        p: usize,
        len: u64,
        profile: &PlatformProfile,
    ) -> Result<ModelOutcome, Unmodelled> {
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

/// The 64-bit word in native byte order, as an atomic load reads it.
fn word(bytes: &[u8]) -> u64 {
    u64::from_ne_bytes(bytes.try_into().expect("a word is 8 bytes"))
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;
    use crate::scenario::{Payload, ProcessName, Prot, SigPipe};

    const LINUX: &PlatformProfile = &PlatformProfile::LINUX;

    /// A model of `mechanism` with one process per relation, its region `len` bytes.
    fn model(
        mechanism: Mechanism,
        relations: &[Relation],
        len: u64,
        sharing: Sharing,
    ) -> RegionModel {
        let processes: Vec<Process> = relations
            .iter()
            .enumerate()
            .map(|(i, relation)| Process {
                name: ProcessName(format!("p{i}")),
                relation: *relation,
                keeps: Vec::new(),
                host: None,
                keeps_pair: Vec::new(),
                sigpipe: SigPipe::Default,
                handles: Vec::new(),
            })
            .collect();
        RegionModel::for_processes(mechanism, &processes, RegionSpec { len, sharing })
            .expect("a region the model covers")
    }

    fn apply(
        m: &mut RegionModel,
        p: usize,
        action: Action,
        profile: &PlatformProfile,
    ) -> ModelOutcome {
        m.apply(p, &action, profile).expect("modelled")
    }

    fn store(at: u64, text: &str) -> Action {
        Action::Store {
            at,
            data: Payload::Text(text.to_owned()),
        }
    }

    fn load(at: u64, len: u64) -> Action {
        Action::Load {
            at,
            len: Size::Bytes(len),
        }
    }

    fn bytes(text: &[u8]) -> ModelOutcome {
        ModelOutcome::Bytes(text.to_vec())
    }

    fn killed(signal: Signal) -> ModelOutcome {
        ModelOutcome::Killed(SignalName(signal))
    }

    fn open(flags: &[OpenFlag]) -> Action {
        Action::Open {
            mode: AccessMode::ReadWrite,
            flags: flags.to_vec(),
        }
    }

    fn ftruncate(len: u64) -> Action {
        Action::Ftruncate {
            end: End::Object,
            len,
        }
    }

    #[rstest]
    #[case::shared(Sharing::Shared, b"seen")]
    #[case::private(Sharing::Private, b"\0\0\0\0")]
    fn a_store_reaches_a_sibling_only_through_a_shared_mapping(
        #[case] sharing: Sharing,
        #[case] sibling_sees: &[u8],
    ) {
        let mut m = model(
            Mechanism::AnonShared,
            &[Relation::Related; 2],
            4096,
            sharing,
        );
        assert_eq!(
            apply(&mut m, 0, store(0, "seen"), LINUX),
            ModelOutcome::Done
        );
        assert_eq!(apply(&mut m, 0, load(0, 4), LINUX), bytes(b"seen"));
        assert_eq!(apply(&mut m, 1, load(0, 4), LINUX), bytes(sibling_sees));
    }

    #[test]
    fn an_unrelated_process_maps_memory_of_its_own() {
        let mut m = model(
            Mechanism::AnonShared,
            &[Relation::Related, Relation::Unrelated],
            4096,
            Sharing::Shared,
        );
        assert!(!m.mapped(1));
        apply(&mut m, 0, store(0, "ours"), LINUX);
        assert_eq!(apply(&mut m, 1, Action::Mmap, LINUX), ModelOutcome::Done);
        assert_eq!(apply(&mut m, 1, load(0, 4), LINUX), bytes(&[0; 4]));
    }

    #[rstest]
    #[case::none_then_load(&[], load(0, 1), Ok(killed(Signal::SIGSEGV)))]
    #[case::read_only_then_store(&[Prot::Read], store(0, "x"), Ok(killed(Signal::SIGSEGV)))]
    #[case::read_only_then_load(&[Prot::Read], load(0, 1), Ok(bytes(b"\0")))]
    #[case::write_only_then_store(&[Prot::Write], store(0, "x"), Ok(ModelOutcome::Done))]
    #[case::write_only_then_load(&[Prot::Write], load(0, 1), Err(()))]
    fn protection_decides_what_an_access_does(
        #[case] prots: &[Prot],
        #[case] access: Action,
        #[case] expected: Result<ModelOutcome, ()>,
    ) {
        let mut m = model(
            Mechanism::AnonShared,
            &[Relation::Related],
            4096,
            Sharing::Shared,
        );
        apply(&mut m, 0, Action::Mprotect(prots.to_vec()), LINUX);
        assert_eq!(m.apply(0, &access, LINUX).map_err(|_| ()), expected);
    }

    #[test]
    fn fetch_add_returns_what_the_last_addition_saw() {
        let mut m = model(
            Mechanism::SysvShm,
            &[Relation::Related; 2],
            4096,
            Sharing::Shared,
        );
        let add = Action::FetchAddU64 {
            at: 8,
            value: 3,
            times: 4,
        };
        assert_eq!(apply(&mut m, 0, add, LINUX), ModelOutcome::Count(9));
        assert_eq!(
            apply(&mut m, 1, Action::LoadU64 { at: 8 }, LINUX),
            ModelOutcome::Count(12)
        );
    }

    #[test]
    fn whole_pages_past_the_end_of_a_file_raise_sigbus() {
        let mut m = model(
            Mechanism::FileMmap,
            &[Relation::Unrelated; 2],
            8192,
            Sharing::Shared,
        );
        apply(&mut m, 0, open(&[OpenFlag::Creat, OpenFlag::Excl]), LINUX);
        apply(&mut m, 0, ftruncate(100), LINUX);
        apply(&mut m, 0, Action::Mmap, LINUX);
        assert_eq!(apply(&mut m, 0, load(96, 8), LINUX), bytes(&[0; 8]));
        assert!(m.apply(0, &store(4090, "straddles"), LINUX).is_err());
        apply(&mut m, 1, open(&[]), LINUX);
        apply(&mut m, 1, Action::Mmap, LINUX);
        assert_eq!(
            apply(&mut m, 1, load(4096, 1), LINUX),
            killed(Signal::SIGBUS)
        );
        assert!(!m.mapped(1), "the process died with its mapping");
        apply(&mut m, 0, ftruncate(8192), LINUX);
        assert_eq!(apply(&mut m, 0, load(4096, 1), LINUX), bytes(b"\0"));
    }

    #[rstest]
    #[case::store(store(4096, "x"), killed(Signal::SIGSEGV))]
    #[case::fetch_add_loads_first(Action::FetchAddU64 { at: 4096, value: 1, times: 1 }, killed(Signal::SIGBUS))]
    fn a_read_only_page_past_the_end_faults_on_the_first_touch(
        #[case] access: Action,
        #[case] expected: ModelOutcome,
    ) {
        let mut m = model(
            Mechanism::PosixShm,
            &[Relation::Unrelated],
            8192,
            Sharing::Shared,
        );
        let shm_open = Action::ShmOpen {
            mode: AccessMode::ReadWrite,
            flags: vec![OpenFlag::Creat],
            name_len: None,
        };
        apply(&mut m, 0, shm_open, LINUX);
        apply(&mut m, 0, ftruncate(4096), LINUX);
        apply(&mut m, 0, Action::Mmap, LINUX);
        apply(&mut m, 0, Action::Mprotect(vec![Prot::Read]), LINUX);
        assert_eq!(apply(&mut m, 0, access, LINUX), expected);
    }

    #[test]
    fn names_come_and_go_while_the_memory_stays() {
        let mut m = model(
            Mechanism::PosixShm,
            &[Relation::Unrelated; 2],
            4096,
            Sharing::Shared,
        );
        let shm_open = |flags: &[OpenFlag]| Action::ShmOpen {
            mode: AccessMode::ReadWrite,
            flags: flags.to_vec(),
            name_len: None,
        };
        let enoent = ModelOutcome::Error(Errno(libc::ENOENT));
        assert_eq!(apply(&mut m, 1, shm_open(&[]), LINUX), enoent);
        apply(&mut m, 0, shm_open(&[OpenFlag::Creat]), LINUX);
        assert_eq!(
            apply(
                &mut m,
                1,
                shm_open(&[OpenFlag::Creat, OpenFlag::Excl]),
                LINUX
            ),
            ModelOutcome::Error(Errno(libc::EEXIST))
        );
        apply(&mut m, 0, ftruncate(4096), LINUX);
        apply(&mut m, 0, Action::Mmap, LINUX);
        apply(&mut m, 0, store(0, "kept"), LINUX);
        assert_eq!(
            apply(&mut m, 0, Action::ShmUnlink, LINUX),
            ModelOutcome::Done
        );
        assert_eq!(apply(&mut m, 0, Action::ShmUnlink, LINUX), enoent);
        assert_eq!(apply(&mut m, 0, load(0, 4), LINUX), bytes(b"kept"));
        assert_eq!(apply(&mut m, 1, shm_open(&[]), LINUX), enoent);
    }

    #[rstest]
    #[case::linux(&PlatformProfile::LINUX, ModelOutcome::Done)]
    #[case::macos(&PlatformProfile::MACOS, ModelOutcome::Error(Errno(libc::EINVAL)))]
    fn a_removed_segment_is_found_while_attached_where_the_profile_says(
        #[case] profile: &PlatformProfile,
        #[case] while_attached: ModelOutcome,
    ) {
        let mut m = model(
            Mechanism::SysvShm,
            &[Relation::Related, Relation::Unrelated],
            4096,
            Sharing::Shared,
        );
        assert_eq!(
            apply(&mut m, 0, Action::ShmctlRmid, profile),
            ModelOutcome::Done
        );
        assert_eq!(apply(&mut m, 1, Action::Shmat, profile), while_attached);
        apply(&mut m, 1, Action::Exit, profile);
        apply(&mut m, 0, Action::Shmdt, profile);
        assert_eq!(
            apply(&mut m, 0, Action::Shmat, profile),
            ModelOutcome::Error(Errno(libc::EINVAL)),
            "gone with its last attachment"
        );
    }
}

//! shared_memory 0.12 as a shared-region implementation: POSIX shared memory
//! (`posix-shm`).
//!
//! The crate makes an object in one call: `ShmemConf::new().size(n).os_id(name).create()`
//! is `shm_open(O_CREAT | O_EXCL | O_RDWR, 0600)`, `ftruncate(n)` and a MAP_SHARED,
//! PROT_READ|PROT_WRITE `mmap` of it; `ShmemConf::new().os_id(name).open()` is
//! `shm_open(O_RDWR)`, `fstat` and the same `mmap` of the size found (shared_memory
//! `src/unix.rs`, `create_mapping` and `open_mapping`). The name is passed to
//! `shm_open` as it is, so the driver's `/name` is the crate's `os_id` format (its own
//! ids are `/shmem_…`). Dropping a `Shmem` unmaps and closes it and, when it is the
//! owner, `shm_unlink`s the name (`MapData::drop`).
//!
//! The trait's `shm_open`, `ftruncate`, `mmap` sequence is modelled on that:
//!
//! - `shm_open` asks the crate whether the object exists (`open`). If it does, that is
//!   the object (EEXIST under `O_CREAT | O_EXCL`); if not (ENOENT) and `O_CREAT` is
//!   given, the handle only records the name: the crate cannot make an object of size
//!   zero (`create` fails with `MapSizeZero`), so the object is made by
//! - the first `ftruncate`, which `create`s it with that size. The creator is the owner,
//!   as the crate makes it by default: when its `Shmem` goes (its handle closed and its
//!   mapping unmapped), the crate unlinks the name. A child forked after the creation
//!   owns its copy too (the crate's documented ownership, which says nothing of fork): its
//!   drop unlinks the name the parent and its siblings still use. Declared as a
//!   deviation where a scenario shows it, never worked around.
//! - `shm_unlink`, which `open`s the name, takes ownership (`set_owner(true)`) and drops
//!   that `Shmem`: the crate's own way to `shm_unlink`, leaving other mappings alone.
//! - `mmap` hands out the crate's mapping of the object (kept alive by every handle and
//!   region that refers to it, `Rc`), opening it first if this handle has none yet;
//! - `munmap` drops the region's reference once the handle is closed: the `Shmem`, which
//!   is both, goes then, as a program's drop of it would.
//!
//! # Limitations
//!
//! - An object exists only once it has a size, so between `shm_open(O_CREAT)` and the
//!   first `ftruncate` other processes cannot open it, and `O_CREAT | O_EXCL` cannot fail
//!   with EEXIST against a creator that has not sized its object yet.
//! - Every mapping is MAP_SHARED and PROT_READ|PROT_WRITE of the whole object, through a
//!   descriptor opened O_RDWR: a read-only request (O_RDONLY, no PROT_WRITE) gets that
//!   writable mapping, a MAP_PRIVATE request fails with `Errno::UNSUPPORTED` (the scenario is skipped), and so does a
//!   mapping longer than the object.
//! - No resizing after creation (unsupported: a skip), no `pread`, `pwrite` or `fstat`
//!   (object I/O is not declared), no `msync` or `mprotect` of a mapping, and no
//!   `munmap` while the object's handle is open (the `Shmem` is both: unsupported).
//! - The descriptor a `Shmem` holds is not exposed (no `AsRawFd`), and it stays open as
//!   long as the mapping does, after the handle is closed.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::rc::Rc;

use ::shared_memory::{Shmem, ShmemConf, ShmemError};

use super::Adapter;
use crate::mechanism::{Capability, Describe, Deviation, Regions, SharedRegion, Unsupported};
use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// Why an object cannot be opened by others before it is sized.
const UNSIZED: &str = "no object between shm_open and its sizing: ShmemConf::create needs the size, so the adapter makes the object at the first ftruncate and no other process can open it before";

/// The adapter: shared_memory's `ShmemConf::create` / `open` and `Shmem`.
pub const ADAPTER: Adapter = Adapter::of(
    "shared_memory",
    "shared_memory 0.12: ShmemConf::size, os_id, create, open; \
             Shmem::set_owner, as_ptr, len, drop",
    &Regions(SharedMemory),
    &[],
);

/// shared_memory's POSIX shared memory objects.
#[derive(Clone, Copy, Debug, Default)]
pub struct SharedMemory;

/// A handle on a named object: the name, and the crate's mapping of the object once it
/// exists for this handle (made by the first `ftruncate`, or found by `shm_open`).
pub struct ShmObject {
    name: String,
    shmem: RefCell<Option<Rc<Shmem>>>,
}

/// A mapping: the crate's mapping of the object, of which it uses `len` bytes.
pub struct ShmRegion {
    shmem: Rc<Shmem>,
    len: usize,
}

/// The errno behind a crate error; the crate keeps the raw errno of failed calls.
fn errno(e: ShmemError) -> Errno {
    match e {
        ShmemError::MappingIdExists | ShmemError::LinkExists => Errno(libc::EEXIST),
        ShmemError::MapCreateFailed(n)
        | ShmemError::MapOpenFailed(n)
        | ShmemError::UnknownOsError(n) => Errno(n as i32),
        ShmemError::LinkCreateFailed(e)
        | ShmemError::LinkWriteFailed(e)
        | ShmemError::LinkOpenFailed(e)
        | ShmemError::LinkReadFailed(e) => e.into(),
        ShmemError::LinkDoesNotExist => Errno(libc::ENOENT),
        ShmemError::MapSizeZero | ShmemError::NoLinkOrOsId | ShmemError::FlinkInvalidOsId => {
            Errno(libc::EINVAL)
        }
    }
}

impl Describe for SharedMemory {
    fn name(&self) -> &str {
        "shared_memory"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::PosixShm]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[Capability::Unmap]
    }

    fn deviations(&self) -> &[Deviation] {
        &[Deviation {
            scenario: "posix-shm::inherited_object_survives_child_drop",
            reason: "ownership, documented and on for the creator: a forked child's copy of the \
                     creator's Shmem owns the object too, and its drop unlinks the name the \
                     other processes still use (shm_open then fails with ENOENT)",
        }]
    }

    fn unsupported(&self) -> &[Unsupported] {
        &[
            Unsupported {
                scenario: "posix-shm::create_excl_then_eexist",
                reason: UNSIZED,
            },
            Unsupported {
                scenario: "posix-shm::mmap_unsized_object_einval",
                reason: "no object of size zero: ShmemConf::create of size 0 fails with MapSizeZero",
            },
            Unsupported {
                scenario: "posix-shm::read_only_mapping_rejects_stores",
                reason: "no read-only mapping: open() opens O_RDWR and maps PROT_READ|PROT_WRITE whatever is asked",
            },
            Unsupported {
                scenario: "posix-shm::related_processes_share_by_name",
                reason: UNSIZED,
            },
        ]
    }
}

impl SharedRegion for SharedMemory {
    type Region = ShmRegion;
    type Segment = ();
    type Object = ShmObject;

    fn bytes(&self, region: &ShmRegion) -> (NonNull<u8>, usize) {
        let base = NonNull::new(region.shmem.as_ptr()).expect("a live mapping is not at 0");
        (base, region.len)
    }

    /// The crate opens every object O_RDWR whatever `_mode` asks.
    fn shm_open(
        &self,
        name: &str,
        _mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Result<ShmObject, Errno> {
        let create = flags.contains(&OpenFlag::Creat);
        let exclusive = create && flags.contains(&OpenFlag::Excl);
        let shmem = match ShmemConf::new().os_id(name).open() {
            // Not the owner: dropping it only unmaps and closes.
            Ok(_) if exclusive => return Err(Errno(libc::EEXIST)),
            Ok(shmem) => Some(Rc::new(shmem)),
            Err(ShmemError::MapOpenFailed(n)) if create && n as i32 == libc::ENOENT => None,
            Err(e) => return Err(errno(e)),
        };
        Ok(ShmObject {
            name: name.to_owned(),
            shmem: RefCell::new(shmem),
        })
    }

    fn shm_unlink(&self, name: &str) -> Result<(), Errno> {
        let mut shmem = ShmemConf::new().os_id(name).open().map_err(errno)?;
        shmem.set_owner(true);
        // The owner's drop unmaps this mapping, unlinks the name and closes.
        drop(shmem);
        Ok(())
    }

    fn ftruncate(&self, object: &ShmObject, len: u64) -> Result<(), Errno> {
        let mut slot = object.shmem.borrow_mut();
        if slot.is_some() {
            // The crate sizes an object only when it creates it.
            return Err(Errno::UNSUPPORTED);
        }
        let shmem = ShmemConf::new()
            .size(len as usize)
            .os_id(&object.name)
            .create()
            .map_err(errno)?;
        *slot = Some(Rc::new(shmem));
        Ok(())
    }

    /// Always the crate's MAP_SHARED, PROT_READ|PROT_WRITE mapping of the whole object.
    fn mmap(
        &self,
        object: &ShmObject,
        len: usize,
        shared: bool,
        _writable: bool,
    ) -> Result<ShmRegion, Errno> {
        if !shared {
            return Err(Errno::UNSUPPORTED);
        }
        let mut slot = object.shmem.borrow_mut();
        let shmem = match &*slot {
            Some(shmem) => Rc::clone(shmem),
            // Made by another process since this handle was opened, if at all.
            None => {
                let shmem = Rc::new(ShmemConf::new().os_id(&object.name).open().map_err(errno)?);
                *slot = Some(Rc::clone(&shmem));
                shmem
            }
        };
        if len > shmem.len() {
            return Err(Errno::UNSUPPORTED);
        }
        Ok(ShmRegion { shmem, len })
    }

    /// The crate unmaps with the `Shmem`, which the handle shares: only once the handle
    /// is closed does dropping the mapping unmap it (and, for the owner, unlink the name).
    fn unmap(&self, region: ShmRegion) -> Result<(), Errno> {
        if Rc::strong_count(&region.shmem) > 1 {
            return Err(Errno::UNSUPPORTED);
        }
        drop(region);
        Ok(())
    }
}

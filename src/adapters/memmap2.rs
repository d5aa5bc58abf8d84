//! memmap2 0.9 as a shared-region implementation: file mappings (`file-mmap`).
//!
//! memmap2 only maps. The mapping calls are its own: `MmapOptions::map` (MAP_SHARED,
//! PROT_READ), `map_mut` (MAP_SHARED, PROT_READ|PROT_WRITE), `map_copy` (MAP_PRIVATE,
//! PROT_READ|PROT_WRITE) and `map_copy_read_only` (MAP_PRIVATE, PROT_READ), each with an
//! explicit `len` so a mapping may reach past the end of the file; `MmapMut::flush`
//! (`msync(MS_SYNC)`); `Mmap::make_mut` and `MmapMut::make_read_only` (`mprotect`); drop
//! (`munmap`). The file itself is std's, as a memmap2 user has it: `OpenOptions` (open,
//! mode 0600), `FileExt::read_at` / `write_at` (pread, pwrite), `File::set_len`
//! (ftruncate), `File::metadata` (fstat), drop (close).
//!
//! # Limitations
//!
//! - **anon-shared is not provided.** `MmapOptions::map_anon` maps
//!   `MAP_PRIVATE | MAP_ANON` (memmap2 `src/unix.rs`, `MmapInner::map_anon`) with no
//!   shared choice, so a child never sees its parent's stores. [`Memmap2::map_anonymous`]
//!   makes the private mapping and refuses a shared one with `Errno::UNSUPPORTED` (the scenario is skipped); the mechanism is
//!   not listed, since the driver makes that mapping before the fork and reports a
//!   failure there as a harness error rather than a verdict.
//! - **posix-shm is not provided.** memmap2 maps any `AsRawFd` (`MmapAsRawDesc`), but
//!   `shm_open`, `ftruncate` and `shm_unlink` of the object would all be the operating
//!   system's calls through nix, not memmap2's: that adapter would test nix, and its
//!   mapping is the one `file-mmap` already tests.
//! - **mprotect** knows only `make_read_only` (PROT_READ) and `make_mut`
//!   (PROT_READ|PROT_WRITE); PROT_NONE and PROT_WRITE alone fail with `Errno::UNSUPPORTED` (the scenario is skipped). Both
//!   take the map by value and drop it, unmapping it, when `mprotect` fails (`make_mut`:
//!   `self.inner.make_mut()?`), so after a refused change the region is gone; its address
//!   stays recorded, and an access there faults as it would in the crate's user.
//! - **msync** of a read-only mapping: `Mmap` has no `flush`, so it fails with `Errno::UNSUPPORTED` (the scenario is skipped).
//! - **open**: std always adds O_CLOEXEC and refuses O_CREAT without write access
//!   (EINVAL); O_NONBLOCK is not offered (no non-blocking capability is declared).

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;
use std::ptr::NonNull;

use ::memmap2::{Mmap, MmapMut, MmapOptions};

use super::Adapter;
use crate::mechanism::{Capability, Describe, Protection, Regions, SharedRegion};
use crate::report::KnownFailure;
use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// The adapter: memmap2's file mappings over std's files.
pub const ADAPTER: Adapter = Adapter::of(
    "memmap2",
    "memmap2 0.9: MmapOptions::map, map_mut, map_copy, map_copy_read_only, \
             map_anon, MmapMut::flush, make_read_only, make_mut (files through std::fs)",
    &Regions(Memmap2),
    &[
        KnownFailure {
            scenario: "file-mmap::rdonly_fd_shared_mapping_mprotect_write_eacces",
            explanation: "Mmap::make_mut(self) consumes the map: when mprotect fails (EACCES) the map is dropped and unmapped, so the next load faults (SIGSEGV)",
        },
    ],
);

/// memmap2's mappings.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memmap2;

/// A memmap2 map: read-only or writable, as the crate types them.
enum Map {
    ReadOnly(Mmap),
    Writable(MmapMut),
}

/// One mapping. The map sits in a cell because changing its protection consumes it;
/// `None` once the crate has dropped it on a failed change.
pub struct Mapping {
    map: RefCell<Option<Map>>,
    base: NonNull<u8>,
    len: usize,
}

impl Mapping {
    fn new(map: Map) -> Result<Self, Errno> {
        let (base, len) = match &map {
            Map::ReadOnly(m) => (m.as_ptr().cast_mut(), m.len()),
            Map::Writable(m) => (m.as_ptr().cast_mut(), m.len()),
        };
        let base = NonNull::new(base).ok_or(Errno(libc::EINVAL))?;
        Ok(Mapping {
            map: RefCell::new(Some(map)),
            base,
            len,
        })
    }
}

impl Describe for Memmap2 {
    fn name(&self) -> &str {
        "memmap2"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::FileMmap]
    }

    /// mprotect through `make_read_only` / `make_mut`, munmap by drop, msync through
    /// `flush`; the file's own I/O is std's.
    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[
            Capability::PrivateMapping,
            Capability::Protection,
            Capability::Unmap,
            Capability::Sync,
            Capability::ObjectIo,
        ]
    }
}

impl SharedRegion for Memmap2 {
    type Region = Mapping;
    type Segment = ();
    type Object = File;

    fn map_anonymous(&self, len: usize, shared: bool) -> Result<Mapping, Errno> {
        if shared {
            // map_anon is MAP_PRIVATE only.
            return Err(Errno::UNSUPPORTED);
        }
        Mapping::new(Map::Writable(MmapOptions::new().len(len).map_anon()?))
    }

    fn bytes(&self, region: &Mapping) -> (NonNull<u8>, usize) {
        (region.base, region.len)
    }

    fn protect(&self, region: &Mapping, protection: Protection) -> Result<(), Errno> {
        let mut slot = region.map.borrow_mut();
        // The crate dropped the map on an earlier failed change: nothing is mapped there.
        let map = slot.take().ok_or(Errno(libc::ENOMEM))?;
        let changed = match (protection.read, protection.write, map) {
            (true, true, Map::ReadOnly(m)) => m.make_mut().map(Map::Writable),
            (true, false, Map::Writable(m)) => m.make_read_only().map(Map::ReadOnly),
            (true, _, unchanged) => Ok(unchanged),
            (false, _, unchanged) => {
                *slot = Some(unchanged);
                return Err(Errno::UNSUPPORTED);
            }
        };
        *slot = Some(changed?);
        Ok(())
    }

    fn unmap(&self, region: Mapping) -> Result<(), Errno> {
        drop(region);
        Ok(())
    }

    fn open_file(&self, path: &Path, mode: AccessMode, flags: &[OpenFlag]) -> Result<File, Errno> {
        let mut options = OpenOptions::new();
        options
            .read(mode != AccessMode::WriteOnly)
            .write(mode != AccessMode::ReadOnly)
            .mode(0o600);
        if flags.contains(&OpenFlag::Creat) {
            if flags.contains(&OpenFlag::Excl) {
                options.create_new(true);
            } else {
                options.create(true);
            }
        }
        Ok(options.open(path)?)
    }

    fn pread(&self, file: &File, at: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(file.read_at(buf, at)?)
    }

    fn pwrite(&self, file: &File, at: u64, data: &[u8]) -> Result<usize, Errno> {
        Ok(file.write_at(data, at)?)
    }

    fn msync(&self, region: &Mapping) -> Result<(), Errno> {
        match &*region.map.borrow() {
            Some(Map::Writable(m)) => Ok(m.flush()?),
            Some(Map::ReadOnly(_)) => Err(Errno::UNSUPPORTED),
            None => Err(Errno(libc::ENOMEM)),
        }
    }

    fn ftruncate(&self, file: &File, len: u64) -> Result<(), Errno> {
        Ok(file.set_len(len)?)
    }

    fn fstat_size(&self, file: &File) -> Result<u64, Errno> {
        Ok(file.metadata()?.len())
    }

    #[expect(unsafe_code, reason = "memmap2's file mappings are unsafe to make")]
    fn mmap(
        &self,
        file: &File,
        len: usize,
        shared: bool,
        writable: bool,
    ) -> Result<Mapping, Errno> {
        let mut options = MmapOptions::new();
        options.len(len);
        // SAFETY: memmap2 asks that the file not change under a Rust reference to the
        // map; the driver touches the mapping only through raw pointers (`bytes`), and
        // the changes other processes make are what the scenarios observe.
        let map = unsafe {
            match (shared, writable) {
                (true, true) => Map::Writable(options.map_mut(file)?),
                (true, false) => Map::ReadOnly(options.map(file)?),
                (false, true) => Map::Writable(options.map_copy(file)?),
                (false, false) => Map::ReadOnly(options.map_copy_read_only(file)?),
            }
        };
        Mapping::new(map)
    }

    fn object_fd<'a>(&self, file: &'a File) -> Option<BorrowedFd<'a>> {
        Some(file.as_fd())
    }
}

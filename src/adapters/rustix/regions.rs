//! Shared memory through rustix: `mm::mmap_anonymous` for anonymous mappings,
//! `shm::open` / `shm::unlink` for POSIX shared memory objects, `fs::open` for files,
//! and `mm::mmap`, `mprotect`, `munmap`, `msync`, `fs::ftruncate`, `fs::fstat`,
//! `io::pread` / `pwrite` on them.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::ptr::{self, NonNull};

use ::rustix::fs::{self, Mode};
use ::rustix::mm::{self, MapFlags, MprotectFlags, MsyncFlags, ProtFlags};
use ::rustix::{io, shm};

use super::{open_flags, NAME};
use crate::mechanism::{Capability, Describe, Protection, SharedRegion, Unimplemented};
use crate::scenario::{AccessMode, Errno, Mechanism, OpenFlag};

/// rustix's mappings; an object (shm or file) is the `OwnedFd` rustix hands back.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustixRegions;

/// One mapping made by [`RustixRegions`]: the address `mmap` returned and its length.
#[derive(Debug)]
pub struct RustixRegion {
    base: NonNull<u8>,
    len: usize,
}

/// What every mapping offers: both sharings, `mprotect`, `munmap`, `msync`; and the
/// descriptor of every object (`object_fd`), which the leak check matches exactly.
const MAPPING: &[Capability] = &[
    Capability::Descriptor,
    Capability::PrivateMapping,
    Capability::Protection,
    Capability::Unmap,
    Capability::Sync,
];

/// A shared memory object's: a mapping's, O_CLOEXEC (which `shm::open` always sets, as
/// POSIX has `shm_open` do) and the object's own I/O.
const SHM_OBJECT: &[Capability] = &[
    Capability::CloseOnExec,
    Capability::Descriptor,
    Capability::PrivateMapping,
    Capability::Protection,
    Capability::Unmap,
    Capability::Sync,
    Capability::ObjectIo,
];

/// A file's: an object's, O_NONBLOCK, which `fs::OFlags` has and `shm::OFlags` lacks,
/// and opens that wait as `open()` does (`fs::open` is that call; the capability is asked
/// of any two opens in one step, of files too).
const FILE: &[Capability] = &[
    Capability::NonBlocking,
    Capability::CloseOnExec,
    Capability::Descriptor,
    Capability::PrivateMapping,
    Capability::Protection,
    Capability::Unmap,
    Capability::Sync,
    Capability::ObjectIo,
    Capability::WaitingOpen,
];

impl Describe for RustixRegions {
    fn name(&self) -> &str {
        NAME
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[
            Mechanism::AnonShared,
            Mechanism::PosixShm,
            Mechanism::FileMmap,
        ]
    }

    fn capabilities(&self, mechanism: Mechanism) -> &[Capability] {
        match mechanism {
            Mechanism::PosixShm => SHM_OBJECT,
            Mechanism::FileMmap => FILE,
            _ => MAPPING,
        }
    }
}

fn prot_flags(p: Protection) -> ProtFlags {
    let mut flags = ProtFlags::empty();
    flags.set(ProtFlags::READ, p.read);
    flags.set(ProtFlags::WRITE, p.write);
    flags
}

fn mprotect_flags(p: Protection) -> MprotectFlags {
    let mut flags = MprotectFlags::empty();
    flags.set(MprotectFlags::READ, p.read);
    flags.set(MprotectFlags::WRITE, p.write);
    flags
}

fn map_flags(shared: bool) -> MapFlags {
    if shared {
        MapFlags::SHARED
    } else {
        MapFlags::PRIVATE
    }
}

/// `shm::open`'s flags: only those `shm::OFlags` names. O_CLOEXEC is always set.
fn shm_flags(mode: AccessMode, flags: &[OpenFlag]) -> Result<shm::OFlags, Errno> {
    let access = match mode {
        AccessMode::ReadOnly => shm::OFlags::RDONLY,
        AccessMode::ReadWrite => shm::OFlags::RDWR,
        AccessMode::WriteOnly => return Err(Errno::UNSUPPORTED),
    };
    flags.iter().try_fold(access, |acc, f| {
        Ok(acc
            | match f {
                OpenFlag::Creat => shm::OFlags::CREATE,
                OpenFlag::Excl => shm::OFlags::EXCL,
                OpenFlag::CloExec => shm::OFlags::empty(),
                OpenFlag::NonBlock => return Err(Errno::UNSUPPORTED),
            })
    })
}

impl RustixRegion {
    /// The mapping at `base`, which `mmap` has just returned for `len` bytes.
    fn mapped(base: *mut std::ffi::c_void, len: usize) -> Result<Self, Errno> {
        let base = NonNull::new(base.cast()).ok_or(Errno(libc::EINVAL))?;
        Ok(RustixRegion { base, len })
    }
}

#[expect(unsafe_code, reason = "rustix's mapping calls are unsafe functions")]
impl SharedRegion for RustixRegions {
    type Region = RustixRegion;
    type Segment = Unimplemented;
    type Object = OwnedFd;

    fn map_anonymous(&self, len: usize, shared: bool) -> Result<RustixRegion, Errno> {
        let protection = ProtFlags::READ | ProtFlags::WRITE;
        // SAFETY: a null hint lets the kernel pick the address, so the new mapping
        // aliases no Rust object.
        let base =
            unsafe { mm::mmap_anonymous(ptr::null_mut(), len, protection, map_flags(shared)) }?;
        RustixRegion::mapped(base, len)
    }

    fn bytes(&self, region: &RustixRegion) -> (NonNull<u8>, usize) {
        (region.base, region.len)
    }

    fn protect(&self, region: &RustixRegion, protection: Protection) -> Result<(), Errno> {
        // SAFETY: the range is exactly a mapping this implementation made; changing its
        // protection invalidates no Rust reference (accesses go through raw pointers).
        unsafe {
            mm::mprotect(
                region.base.as_ptr().cast(),
                region.len,
                mprotect_flags(protection),
            )
        }?;
        Ok(())
    }

    fn unmap(&self, region: RustixRegion) -> Result<(), Errno> {
        // SAFETY: base and len are what mmap returned, and the region is consumed, so no
        // access through it follows.
        unsafe { mm::munmap(region.base.as_ptr().cast(), region.len) }?;
        Ok(())
    }

    fn shm_open(&self, name: &str, mode: AccessMode, flags: &[OpenFlag]) -> Result<OwnedFd, Errno> {
        Ok(shm::open(
            name,
            shm_flags(mode, flags)?,
            Mode::RUSR | Mode::WUSR,
        )?)
    }

    fn shm_unlink(&self, name: &str) -> Result<(), Errno> {
        Ok(shm::unlink(name)?)
    }

    fn open_file(
        &self,
        path: &Path,
        mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Result<OwnedFd, Errno> {
        Ok(fs::open(
            path,
            open_flags(mode, flags),
            Mode::RUSR | Mode::WUSR,
        )?)
    }

    fn pread(&self, object: &OwnedFd, at: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(io::pread(object, buf, at)?)
    }

    fn pwrite(&self, object: &OwnedFd, at: u64, data: &[u8]) -> Result<usize, Errno> {
        Ok(io::pwrite(object, data, at)?)
    }

    fn msync(&self, region: &RustixRegion) -> Result<(), Errno> {
        // SAFETY: the range is exactly a live mapping this implementation made.
        unsafe { mm::msync(region.base.as_ptr().cast(), region.len, MsyncFlags::SYNC) }?;
        Ok(())
    }

    fn ftruncate(&self, object: &OwnedFd, len: u64) -> Result<(), Errno> {
        Ok(fs::ftruncate(object, len)?)
    }

    fn fstat_size(&self, object: &OwnedFd) -> Result<u64, Errno> {
        let size = fs::fstat(object)?.st_size;
        u64::try_from(size).map_err(|_| Errno(libc::EOVERFLOW))
    }

    fn mmap(
        &self,
        object: &OwnedFd,
        len: usize,
        shared: bool,
        writable: bool,
    ) -> Result<RustixRegion, Errno> {
        let protection = prot_flags(Protection {
            read: true,
            write: writable,
        });
        // SAFETY: a new mapping of the object at an address the kernel picks aliases no
        // Rust object.
        let base = unsafe {
            mm::mmap(
                ptr::null_mut(),
                len,
                protection,
                map_flags(shared),
                object,
                0,
            )
        }?;
        RustixRegion::mapped(base, len)
    }

    fn object_fd<'a>(&self, object: &'a OwnedFd) -> Option<BorrowedFd<'a>> {
        Some(object.as_fd())
    }
}

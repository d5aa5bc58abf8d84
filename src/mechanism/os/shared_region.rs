//! Anonymous shared memory through `mmap()`, `mprotect()` and `munmap()` (nix), and
//! System V segments through `shmget()`, `shmat()`, `shmdt()` and `shmctl()` (libc: nix
//! has no wrapper for them).
//!
//! memmap2's `MmapMut::map_anon` maps MAP_PRIVATE, which a child does not share with its
//! parent, so the reference maps with nix directly.

use std::num::NonZeroUsize;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::Path;
use std::ptr::NonNull;

use nix::sys::mman::{mmap, mmap_anonymous, mprotect, msync, munmap, MapFlags, MsFlags, ProtFlags};
use nix::sys::stat::Mode;

use super::{access_mode, ipc_flags, oflags};
use crate::mechanism::{Capability, Describe, IpcKey, Protection, SharedRegion};
use crate::scenario::{AccessMode, Errno, IpcFlag, Mechanism, OpenFlag};

/// The operating system's anonymous mappings.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsSharedRegion;

/// One mapping made by [`OsSharedRegion`].
#[derive(Debug)]
pub struct OsRegion {
    base: NonNull<u8>,
    len: usize,
}

fn map_flags(shared: bool) -> MapFlags {
    if shared {
        MapFlags::MAP_SHARED
    } else {
        MapFlags::MAP_PRIVATE
    }
}

fn prot_flags(p: Protection) -> ProtFlags {
    let mut flags = ProtFlags::PROT_NONE;
    flags.set(ProtFlags::PROT_READ, p.read);
    flags.set(ProtFlags::PROT_WRITE, p.write);
    flags
}

impl Describe for OsSharedRegion {
    fn name(&self) -> &str {
        "os"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[
            Mechanism::AnonShared,
            Mechanism::SysvShm,
            Mechanism::PosixShm,
            Mechanism::FileMmap,
        ]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        Capability::ALL
    }
}

#[expect(unsafe_code, reason = "mapping memory")]
impl SharedRegion for OsSharedRegion {
    type Region = OsRegion;
    type Segment = SysvSegment;
    type Object = OwnedFd;

    fn map_anonymous(&self, len: usize, shared: bool) -> Result<OsRegion, Errno> {
        let length = NonZeroUsize::new(len).ok_or(Errno(libc::EINVAL))?;
        let sharing = map_flags(shared);
        let protection = prot_flags(Protection {
            read: true,
            write: true,
        });
        // SAFETY: a fresh anonymous mapping aliases no Rust object.
        let base = unsafe { mmap_anonymous(None, length, protection, sharing) }?;
        Ok(OsRegion {
            base: base.cast(),
            len,
        })
    }

    fn bytes(&self, region: &OsRegion) -> (NonNull<u8>, usize) {
        (region.base, region.len)
    }

    fn protect(&self, region: &OsRegion, protection: Protection) -> Result<(), Errno> {
        // SAFETY: the range is exactly a mapping this implementation made; changing its
        // protection invalidates no Rust reference (accesses go through raw pointers).
        unsafe { mprotect(region.base.cast(), region.len, prot_flags(protection)) }?;
        Ok(())
    }

    fn unmap(&self, region: OsRegion) -> Result<(), Errno> {
        // SAFETY: base and len are what mmap returned, and the region is consumed, so no
        // access through it follows.
        unsafe { munmap(region.base.cast(), region.len) }?;
        Ok(())
    }

    fn shmget(&self, key: IpcKey, len: usize, flags: &[IpcFlag]) -> Result<SysvSegment, Errno> {
        let flags = ipc_flags(flags);
        // SAFETY: shmget takes plain values and touches no memory of ours.
        let id = unsafe { libc::shmget(key.0, len, flags) };
        if id < 0 {
            return Err(last_errno());
        }
        // An existing segment has its own size, which `len` only bounds from below.
        // SAFETY: shmid_ds is plain data, valid when zeroed.
        let mut stat: libc::shmid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_STAT writes one shmid_ds into `stat`, on our stack.
        if unsafe { libc::shmctl(id, libc::IPC_STAT, &mut stat) } < 0 {
            return Err(last_errno());
        }
        Ok(SysvSegment {
            id,
            len: stat.shm_segsz as usize,
        })
    }

    fn shmat(&self, segment: &SysvSegment) -> Result<OsRegion, Errno> {
        // SAFETY: a null address lets the kernel choose where to attach, so the
        // attachment aliases no Rust object.
        let base = unsafe { libc::shmat(segment.id, std::ptr::null(), 0) };
        if base as isize == -1 {
            return Err(last_errno());
        }
        let base = NonNull::new(base.cast()).ok_or(Errno(libc::EINVAL))?;
        Ok(OsRegion {
            base,
            len: segment.len,
        })
    }

    fn shmdt(&self, region: OsRegion) -> Result<(), Errno> {
        // SAFETY: `base` is an address shmat returned, and the region is consumed, so no
        // access through it follows.
        if unsafe { libc::shmdt(region.base.as_ptr().cast()) } < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn shm_open(&self, name: &str, mode: AccessMode, flags: &[OpenFlag]) -> Result<OwnedFd, Errno> {
        let how = access_mode(mode) | oflags(flags);
        Ok(nix::sys::mman::shm_open(
            name,
            how,
            Mode::S_IRUSR | Mode::S_IWUSR,
        )?)
    }

    fn shm_unlink(&self, name: &str) -> Result<(), Errno> {
        Ok(nix::sys::mman::shm_unlink(name)?)
    }

    fn open_file(
        &self,
        path: &Path,
        mode: AccessMode,
        flags: &[OpenFlag],
    ) -> Result<OwnedFd, Errno> {
        let how = access_mode(mode) | oflags(flags);
        Ok(nix::fcntl::open(path, how, Mode::S_IRUSR | Mode::S_IWUSR)?)
    }

    fn pread(&self, object: &OwnedFd, at: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        Ok(nix::sys::uio::pread(object, buf, at as libc::off_t)?)
    }

    fn pwrite(&self, object: &OwnedFd, at: u64, data: &[u8]) -> Result<usize, Errno> {
        Ok(nix::sys::uio::pwrite(object, data, at as libc::off_t)?)
    }

    fn msync(&self, region: &OsRegion) -> Result<(), Errno> {
        // SAFETY: the range is exactly a live mapping this implementation made.
        unsafe { msync(region.base.cast(), region.len, MsFlags::MS_SYNC) }?;
        Ok(())
    }

    fn ftruncate(&self, object: &OwnedFd, len: u64) -> Result<(), Errno> {
        Ok(nix::unistd::ftruncate(object, len as libc::off_t)?)
    }

    fn fstat_size(&self, object: &OwnedFd) -> Result<u64, Errno> {
        Ok(nix::sys::stat::fstat(object)?.st_size as u64)
    }

    fn mmap(
        &self,
        object: &OwnedFd,
        len: usize,
        shared: bool,
        writable: bool,
    ) -> Result<OsRegion, Errno> {
        let length = NonZeroUsize::new(len).ok_or(Errno(libc::EINVAL))?;
        let sharing = map_flags(shared);
        let protection = prot_flags(Protection {
            read: true,
            write: writable,
        });
        // SAFETY: a new mapping of the object at an address the kernel picks aliases no
        // Rust object.
        let base = unsafe { mmap(None, length, protection, sharing, object, 0) }?;
        Ok(OsRegion {
            base: base.cast(),
            len,
        })
    }

    fn close(&self, object: OwnedFd) -> Result<(), Errno> {
        Ok(nix::unistd::close(object)?)
    }

    fn object_fd<'a>(&self, object: &'a OwnedFd) -> Option<BorrowedFd<'a>> {
        Some(object.as_fd())
    }

    fn shmctl_rmid(&self, segment: &SysvSegment) -> Result<(), Errno> {
        // SAFETY: IPC_RMID reads no buffer, so a null one is allowed.
        if unsafe { libc::shmctl(segment.id, libc::IPC_RMID, std::ptr::null_mut()) } < 0 {
            return Err(last_errno());
        }
        Ok(())
    }
}

/// A System V segment made by [`OsSharedRegion`]: its id and size.
#[derive(Clone, Copy, Debug)]
pub struct SysvSegment {
    id: libc::c_int,
    len: usize,
}

fn last_errno() -> Errno {
    Errno(nix::errno::Errno::last_raw())
}

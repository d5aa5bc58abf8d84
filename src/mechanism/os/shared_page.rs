//! A page of memory the processes forked after it is made share, of the kind a scenario
//! asks for: anonymous, a POSIX shared memory object, or a file. The memory of
//! process-shared objects (a mutex, an unnamed semaphore) the driver makes before the
//! fork, and the only `unsafe` of it: mapping and unmapping.

use std::num::NonZeroUsize;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::Path;
use std::ptr::NonNull;
use std::sync::atomic::AtomicU64;

use nix::fcntl::{open, OFlag};
use nix::sys::mman::{mmap, mmap_anonymous, munmap, shm_open, shm_unlink, MapFlags, ProtFlags};
use nix::sys::stat::Mode;

use crate::scenario::Errno;

/// Where a [`SharedPage`]'s memory comes from; the named kinds are unlinked as soon as
/// they are open, so nothing outlives the run, whatever ends it.
#[derive(Clone, Copy, Debug)]
pub enum PageMemory<'a> {
    /// MAP_SHARED | MAP_ANONYMOUS: no descriptor, so no second mapping.
    Anonymous,
    /// A POSIX shared memory object of this (unique, private) name.
    PosixShm(&'a str),
    /// A regular file at this (unique, private) path.
    File(&'a Path),
}

/// A page of memory every process forked after it is made shares, mapped MAP_SHARED.
/// The descriptor of a named kind is kept, so that a process can map the same memory
/// again at another address ([`SharedPage::remap`]).
#[derive(Debug)]
pub struct SharedPage {
    base: NonNull<u8>,
    len: NonZeroUsize,
    memory: Option<OwnedFd>,
}

impl SharedPage {
    /// A new zeroed page of the kind `memory` says.
    pub fn create(memory: PageMemory<'_>) -> Result<SharedPage, Errno> {
        let len = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)?
            .and_then(|n| NonZeroUsize::new(n as usize))
            .ok_or(Errno(libc::EINVAL))?;
        let rw = Mode::S_IRUSR | Mode::S_IWUSR;
        let excl = OFlag::O_RDWR | OFlag::O_CREAT | OFlag::O_EXCL;
        let fd = match memory {
            PageMemory::Anonymous => None,
            PageMemory::PosixShm(name) => {
                let fd = shm_open(name, excl, rw)?;
                shm_unlink(name)?;
                Some(fd)
            }
            PageMemory::File(path) => {
                let fd = open(path, excl | OFlag::O_CLOEXEC, rw)?;
                nix::unistd::unlink(path)?;
                Some(fd)
            }
        };
        if let Some(fd) = &fd {
            nix::unistd::ftruncate(fd, len.get() as libc::off_t)?;
        }
        let base = map(fd.as_ref(), len)?;
        Ok(SharedPage {
            base,
            len,
            memory: fd,
        })
    }

    /// Map the memory again, at an address the kernel picks while the old mapping still
    /// stands (so another one), then unmap the old. Whatever pointed into the old
    /// mapping must be let go of first. Anonymous memory has no descriptor to map again
    /// from: ENODEV.
    pub fn remap(&mut self) -> Result<(), Errno> {
        let memory = self.memory.as_ref().ok_or(Errno(libc::ENODEV))?;
        let base = map(Some(memory), self.len)?;
        let old = std::mem::replace(&mut self.base, base);
        unmap(old, self.len);
        Ok(())
    }

    /// Where this process has the memory mapped.
    pub fn as_ptr(&self) -> NonNull<u8> {
        self.base
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.len.get()
    }

    /// Whether it is empty: never.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The page's last 8 bytes as an atomic word: where the driver's actors count the
    /// signals and broadcasts of a condition variable in the page (its predicate).
    pub fn last_word(&self) -> &AtomicU64 {
        let offset = self.len.get() - std::mem::size_of::<AtomicU64>();
        // SAFETY: a page is page-aligned and at least a page long, so the word is in it
        // and 8-aligned; it stays mapped while `self` lives (a remap needs `&mut self`);
        // every process only uses it atomically.
        #[expect(unsafe_code, reason = "a word of memory other processes share")]
        unsafe {
            &*self.base.as_ptr().add(offset).cast::<AtomicU64>()
        }
    }

    /// The descriptor of named memory, which the process holds while it has the page.
    pub fn fd(&self) -> Option<RawFd> {
        self.memory.as_ref().map(AsRawFd::as_raw_fd)
    }
}

impl Drop for SharedPage {
    fn drop(&mut self) {
        unmap(self.base, self.len);
    }
}

/// A MAP_SHARED, PROT_READ | PROT_WRITE mapping of `memory`, or of anonymous memory.
#[expect(unsafe_code, reason = "mapping shared memory")]
fn map(memory: Option<&OwnedFd>, len: NonZeroUsize) -> Result<NonNull<u8>, Errno> {
    let rw = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    // SAFETY: a fresh mapping at an address of the kernel's choosing overlaps nothing
    // of ours.
    let base = unsafe {
        match memory {
            Some(fd) => mmap(None, len, rw, MapFlags::MAP_SHARED, fd, 0),
            None => mmap_anonymous(None, len, rw, MapFlags::MAP_SHARED),
        }
    }?;
    Ok(base.cast())
}

#[expect(unsafe_code, reason = "unmapping shared memory")]
fn unmap(base: NonNull<u8>, len: NonZeroUsize) {
    // SAFETY: `base` starts a mapping of `len` bytes its page made, which no one uses
    // once the page lets go of it.
    let _ = unsafe { munmap(base.cast(), len.get()) };
}

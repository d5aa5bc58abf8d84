//! memfd 0.6 (`adapter-memfd`, Linux only): anonymous shared memory (`anon-shared`) as a
//! memfd, made by `MemfdOptions::create` with the crate's defaults (close-on-exec, no
//! sealing) and sized with its `File::set_len`, then mapped before the fork, as a memfd
//! user shares memory with the children it forks. The memfd is closed once mapped: the
//! mapping holds the memory, and no actor holds a descriptor.
//!
//! `memfd_create(2)` is Linux's (the crate compiles to nothing elsewhere), so the module
//! and the dependency exist only on Linux.
//!
//! The crate makes the memory and nothing else: `mmap`, `mprotect`, `msync` and `munmap`
//! of it are the reference implementation's ([`OsSharedRegion`], through nix), so a
//! failure here is the memfd's and not a mapping crate's (memmap2 has no PROT_NONE).
//!
//! What it cannot do:
//! - **file-mmap and posix-shm are not provided.** A memfd has no name in any
//!   directory: every file-mmap scenario opens its file by path, in related and
//!   unrelated processes alike, and every posix-shm scenario by `shm_open` name. A
//!   memfd is reached only through a descriptor (inherited, passed, or the kernel's
//!   `/proc/PID/fd` link, which is no call of the crate), so claiming those mechanisms
//!   would skip every scenario at its first `open`.
//! - **Seals** (`allow_sealing`, `add_seals`): no scenario of the catalogue seals an
//!   object; the crate's default, which forbids sealing, is what runs.

use std::os::fd::OwnedFd;
use std::ptr::NonNull;

use ::memfd::MemfdOptions;

use super::Adapter;
use crate::mechanism::os::{OsRegion, OsSharedRegion};
use crate::mechanism::{Capability, Describe, Protection, Regions, SharedRegion};
use crate::scenario::{Errno, Mechanism};

/// The `memfd` adapter for the command line.
pub const ADAPTER: Adapter = Adapter::of(
    "memfd",
    "memfd 0.6: MemfdOptions::create, Memfd::as_file (set_len), into_file; \
     mapped by the reference mmap (nix)",
    &Regions(Memfd),
    &[],
);

/// Memfds as anonymous shared memory.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memfd;

/// The errno behind a memfd error: each variant carries the `io::Error` of its call.
fn errno(error: ::memfd::Error) -> Errno {
    match error {
        ::memfd::Error::Create(e) | ::memfd::Error::AddSeals(e) | ::memfd::Error::GetSeals(e) => {
            e.into()
        }
    }
}

impl Describe for Memfd {
    fn name(&self) -> &str {
        "memfd"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::AnonShared]
    }

    /// A private mapping is MAP_PRIVATE of the memfd; the rest are the mapping's calls.
    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        &[
            Capability::PrivateMapping,
            Capability::Protection,
            Capability::Unmap,
            Capability::Sync,
        ]
    }
}

impl SharedRegion for Memfd {
    type Region = OsRegion;
    type Segment = ();
    type Object = ();

    /// A memfd `len` bytes long, mapped whole, read and write.
    fn map_anonymous(&self, len: usize, shared: bool) -> Result<OsRegion, Errno> {
        let memfd = MemfdOptions::new()
            .create("ipc-conformance")
            .map_err(errno)?;
        memfd.as_file().set_len(len as u64)?;
        let fd = OwnedFd::from(memfd.into_file());
        OsSharedRegion.mmap(&fd, len, shared, true)
    }

    fn bytes(&self, region: &OsRegion) -> (NonNull<u8>, usize) {
        OsSharedRegion.bytes(region)
    }

    fn protect(&self, region: &OsRegion, protection: Protection) -> Result<(), Errno> {
        OsSharedRegion.protect(region, protection)
    }

    fn unmap(&self, region: OsRegion) -> Result<(), Errno> {
        OsSharedRegion.unmap(region)
    }

    fn msync(&self, region: &OsRegion) -> Result<(), Errno> {
        OsSharedRegion.msync(region)
    }
}

//! memfd 0.6 (`adapter-memfd`, Linux only): anonymous shared memory (`anon-shared`) as a
//! memfd, made by `MemfdOptions::create` and sized with its `File::set_len`, mapped with
//! memmap2 (`MmapOptions::map_mut`: MAP_SHARED, or `map_copy`: MAP_PRIVATE) before the
//! fork, as a memfd user shares memory with the children it forks. The memfd itself is
//! closed once mapped: the mapping holds the memory, and no actor holds a descriptor.
//!
//! `memfd_create(2)` is Linux's (and the crate compiles to nothing elsewhere), so the
//! module and the dependency exist only on Linux.
//!
//! The mapping is memmap2's, and so are `mprotect`, `msync` and `munmap`: this adapter
//! hands them to [`Memmap2`], and has its limits (PROT_NONE and write-only protections
//! are calls memmap2 has no way to make: skipped).
//!
//! What it cannot do:
//! - **file-mmap and posix-shm are not provided.** A memfd has no name in any
//!   directory: every file-mmap scenario opens its file by path, in related and
//!   unrelated processes alike, and every posix-shm scenario by `shm_open` name. A
//!   memfd is reached only through a descriptor (inherited, passed, or the kernel's
//!   `/proc/PID/fd` link, which is no call of the crate), so claiming those mechanisms
//!   would skip every scenario at its first `open`.
//! - **Seals** (`allow_sealing`, `add_seals`): no scenario of the catalogue seals an
//!   object; the crate's default, which forbids sealing, is what is tested.

use std::ptr::NonNull;

use ::memfd::MemfdOptions;
use ::memmap2::MmapOptions;

use super::memmap2::{Mapping, Memmap2};
use super::Adapter;
use crate::mechanism::{Capability, Describe, Protection, Regions, SharedRegion};
use crate::scenario::{Errno, Mechanism};

/// The `memfd` adapter for the command line.
pub const ADAPTER: Adapter = Adapter::of(
    "memfd",
    "memfd 0.6: MemfdOptions::create, Memfd::as_file (set_len); mapped with memmap2 0.9 \
     MmapOptions::map_mut / map_copy",
    &Regions(Memfd),
    &[],
);

/// Memfds mapped with memmap2.
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

    /// A private mapping is `map_copy` of the memfd; the rest is memmap2's.
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
    type Region = Mapping;
    type Segment = ();
    type Object = ();

    /// A memfd with the crate's default options (close-on-exec, no sealing), `len`
    /// bytes long, mapped whole.
    #[expect(unsafe_code, reason = "memmap2's file mappings are unsafe to make")]
    fn map_anonymous(&self, len: usize, shared: bool) -> Result<Mapping, Errno> {
        let memfd = MemfdOptions::new()
            .create("ipc-conformance")
            .map_err(errno)?;
        let file = memfd.as_file();
        file.set_len(len as u64)?;
        let mut options = MmapOptions::new();
        options.len(len);
        // SAFETY: memmap2 asks that the file not change under a Rust reference to the
        // map; the memfd has no name, no other process can reach it but through this
        // mapping, and the driver touches the mapping only through raw pointers
        // (`bytes`).
        let map = unsafe {
            if shared {
                options.map_mut(file)?
            } else {
                options.map_copy(file)?
            }
        };
        Mapping::writable(map)
    }

    fn bytes(&self, region: &Mapping) -> (NonNull<u8>, usize) {
        Memmap2.bytes(region)
    }

    fn protect(&self, region: &Mapping, protection: Protection) -> Result<(), Errno> {
        Memmap2.protect(region, protection)
    }

    fn unmap(&self, region: Mapping) -> Result<(), Errno> {
        Memmap2.unmap(region)
    }

    fn msync(&self, region: &Mapping) -> Result<(), Errno> {
        Memmap2.msync(region)
    }
}

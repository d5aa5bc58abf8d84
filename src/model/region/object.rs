//! One memory object of the region model: anonymous memory, a System V segment, a POSIX
//! shared memory object or a regular file. It keeps its bytes (exactly its size of
//! them) and answers what a MAP_SHARED mapping of it shows: the bytes, zeros in the last
//! page past the end, and SIGBUS for whole pages past the end.
//!
//! # References
//! - POSIX XSH `mmap()`: the part of the last page past the end of the object is
//!   zero-filled and changes to it are never written to the object; references to
//!   whole pages past the end deliver SIGBUS.
//! - POSIX XSH `ftruncate()`: a shorter object loses the bytes past its new end, and a
//!   longer one reads as zeros in the part added.

use crate::model::outcome::Unmodelled;

/// A memory object's bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct MemoryObject {
    /// The bytes, as many as the object's size.
    bytes: Vec<u8>,
    /// The span `[from, to)` that stores through MAP_SHARED mappings reached in the last
    /// page past the end. They are never part of the object, but whether mappings show
    /// them until the size next changes is left open, so loads of them are outside.
    tail: Option<(u64, u64)>,
    /// Some process mapped it MAP_SHARED, so its stores may not yet be what file I/O
    /// sees on a platform whose file I/O and mappings do not share pages.
    pub(super) mapped_shared: bool,
}

impl MemoryObject {
    /// An object of `len` zeros (anonymous memory, a System V segment).
    pub(super) fn zeroed(len: u64) -> MemoryObject {
        MemoryObject {
            bytes: vec![0; len as usize],
            tail: None,
            mapped_shared: false,
        }
    }

    /// Its size in bytes.
    pub(super) fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// How many pages hold its bytes: a mapping may touch those, not the pages after.
    pub(super) fn pages(&self, page: u64) -> u64 {
        self.size().div_ceil(page)
    }

    /// What a mapping shows at `[at, at + len)`: the bytes, zeros past the end (the
    /// caller has checked that no whole page past the end is touched).
    pub(super) fn view(&self, at: u64, len: u64) -> Result<Vec<u8>, Unmodelled> {
        if let Some((from, to)) = self.tail {
            if at < to && from < at + len {
                return Err(Unmodelled::Action(
                    "a load of bytes stored past the end of the object, in its last page"
                        .to_owned(),
                ));
            }
        }
        Ok((at..at + len)
            .map(|i| self.bytes.get(i as usize).copied().unwrap_or(0))
            .collect())
    }

    /// A store through a MAP_SHARED mapping: into the object up to its end, into the
    /// last page's tail past it.
    pub(super) fn store(&mut self, at: u64, data: &[u8]) {
        let size = self.size();
        for (i, byte) in (at..).zip(data) {
            match self.bytes.get_mut(i as usize) {
                Some(b) => *b = *byte,
                None => {
                    let (from, to) = self.tail.get_or_insert((i, i + 1));
                    *from = (*from).min(i);
                    *to = (*to).max(i + 1);
                }
            }
        }
        debug_assert_eq!(self.size(), size);
    }

    /// `ftruncate()`: the size becomes `len`; what was stored past the old end, in its
    /// last page, is gone (Linux zeroes that tail when the size changes, and POSIX wants
    /// the part a growth adds to read as zeros).
    pub(super) fn resize(&mut self, len: u64) {
        self.bytes.resize(len as usize, 0);
        self.tail = None;
    }

    /// `pread()` of at most `len` bytes at `at`: none at or past the end.
    pub(super) fn pread(&self, at: u64, len: u64) -> Vec<u8> {
        let size = self.size();
        let (from, to) = (at.min(size), at.saturating_add(len).min(size));
        self.bytes[from as usize..to as usize].to_vec()
    }

    /// `pwrite()` of `data` at `at`, the object growing to hold it (zeros in any gap).
    pub(super) fn pwrite(&mut self, at: u64, data: &[u8]) -> Result<(), Unmodelled> {
        let end = at + data.len() as u64;
        if end > self.size() && self.tail.is_some() {
            return Err(Unmodelled::Action(
                "a pwrite that grows an object over bytes stored past its end".to_owned(),
            ));
        }
        if end > self.size() {
            self.bytes.resize(end as usize, 0);
        }
        self.bytes[at as usize..end as usize].copy_from_slice(data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_end_reads_zero_and_a_resize_clears_stores_there() {
        let mut object = MemoryObject::zeroed(0);
        object.pwrite(0, b"abc").unwrap();
        assert_eq!(object.pages(4096), 1);
        assert_eq!(object.view(1, 4).unwrap(), b"bc\0\0");
        object.store(2, b"XY");
        assert_eq!(object.size(), 3);
        assert_eq!(object.pread(0, 10), b"abX");
        assert!(object.view(3, 1).is_err(), "the tail store is outside");
        assert!(object.pwrite(10, b"z").is_err());
        object.resize(8);
        assert_eq!(object.view(0, 8).unwrap(), b"abX\0\0\0\0\0");
    }
}

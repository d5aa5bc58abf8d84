//! One process's mapping of a memory object in the region model: MAP_SHARED (loads and
//! stores go to the object) or MAP_PRIVATE (a copy-on-write view: a page shows the
//! object until the process first stores to it, and its own copy from then on), with
//! its protection.
//!
//! POSIX leaves open whether a private mapping shows changes made to the object after
//! the mapping was made, in pages the process has not stored to (Linux shows them until
//! the page is copied). So the mapping remembers what the object held when it was
//! mapped, and a load or first store whose answer would depend on that is outside the
//! model.
//!
//! # References
//! - POSIX XSH `mmap()` (MAP_SHARED, MAP_PRIVATE), `mprotect()`.

use std::collections::BTreeSet;

use super::object::MemoryObject;
use crate::model::outcome::Unmodelled;
use crate::scenario::{Prot, Sharing};

/// The access rights of a mapping, as `mmap()` and `mprotect()` set them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Rights {
    pub(super) read: bool,
    pub(super) write: bool,
}

impl Rights {
    /// What a load needs.
    pub(super) const READ: Rights = Rights {
        read: true,
        write: false,
    };

    /// What a store needs.
    pub(super) const WRITE: Rights = Rights {
        read: false,
        write: true,
    };

    /// PROT_READ | PROT_WRITE, what an atomic read-modify-write needs.
    pub(super) const READ_WRITE: Rights = Rights {
        read: true,
        write: true,
    };

    /// The rights an `mprotect()` asks for.
    pub(super) fn of(prots: &[Prot]) -> Rights {
        Rights {
            read: prots.contains(&Prot::Read),
            write: prots.contains(&Prot::Write),
        }
    }
}

/// A mapping of one object, `len` bytes from its start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Mapping {
    /// The object, by its place in the model's list.
    pub(super) object: usize,
    pub(super) rights: Rights,
    /// Whether `mprotect()` may add PROT_WRITE: not for a MAP_SHARED mapping of a
    /// descriptor open read-only.
    pub(super) may_write: bool,
    /// A MAP_PRIVATE mapping's own bytes; `None` for MAP_SHARED.
    private: Option<PrivateCopy>,
}

/// A MAP_PRIVATE mapping's bytes: the pages it stored to are its own; the others are
/// what the object held when it was mapped (which it should still show).
#[derive(Clone, Debug, PartialEq, Eq)]
struct PrivateCopy {
    bytes: Vec<u8>,
    copied: BTreeSet<u64>,
}

impl Mapping {
    /// A mapping of `object` (at `index` in the model), `len` bytes, with `sharing`.
    pub(super) fn new(
        index: usize,
        object: &mut MemoryObject,
        len: u64,
        sharing: Sharing,
        rights: Rights,
        may_write: bool,
    ) -> Result<Mapping, Unmodelled> {
        let private = match sharing {
            Sharing::Shared => {
                object.mapped_shared = true;
                None
            }
            Sharing::Private => Some(PrivateCopy {
                bytes: object.view(0, len)?,
                copied: BTreeSet::new(),
            }),
        };
        Ok(Mapping {
            object: index,
            rights,
            may_write,
            private,
        })
    }

    /// Whether it is MAP_PRIVATE with a page of its own at or past page `first`.
    pub(super) fn copied_from(&self, first: u64) -> bool {
        self.private
            .as_ref()
            .is_some_and(|p| p.copied.range(first..).next().is_some())
    }

    /// What a load of `[at, at + len)` reads (the pages are inside the object).
    pub(super) fn load(
        &self,
        object: &MemoryObject,
        at: u64,
        len: u64,
        page: u64,
    ) -> Result<Vec<u8>, Unmodelled> {
        let Some(private) = &self.private else {
            return object.view(at, len);
        };
        let mut out = Vec::with_capacity(len as usize);
        for (from, to) in page_spans(at, len, page) {
            let own = &private.bytes[from as usize..to as usize];
            if !private.copied.contains(&(from / page)) && object.view(from, to - from)? != own {
                return Err(later_change());
            }
            out.extend_from_slice(own);
        }
        Ok(out)
    }

    /// A store of `data` at `at` (the pages are inside the object).
    pub(super) fn store(
        &mut self,
        object: &mut MemoryObject,
        at: u64,
        data: &[u8],
        page: u64,
    ) -> Result<(), Unmodelled> {
        let Some(private) = &mut self.private else {
            object.store(at, data);
            return Ok(());
        };
        let len = private.bytes.len() as u64;
        for (from, _) in page_spans(at, data.len() as u64, page) {
            let index = from / page;
            if private.copied.insert(index) {
                // The first store copies the page as the object holds it now.
                let (start, end) = (index * page, ((index + 1) * page).min(len));
                if object.view(start, end - start)? != private.bytes[start as usize..end as usize] {
                    return Err(later_change());
                }
            }
        }
        private.bytes[at as usize..at as usize + data.len()].copy_from_slice(data);
        Ok(())
    }
}

fn later_change() -> Unmodelled {
    Unmodelled::Action(
        "a MAP_PRIVATE page the process has not stored to, after the object changed (POSIX \
         leaves open whether the mapping shows the change)"
            .to_owned(),
    )
}

/// `[at, at + len)` cut at page boundaries.
fn page_spans(at: u64, len: u64, page: u64) -> impl Iterator<Item = (u64, u64)> {
    let end = at + len;
    std::iter::successors(Some(at).filter(|_| len > 0), move |&from| {
        let next = (from / page + 1) * page;
        (next < end).then_some(next)
    })
    .map(move |from| (from, ((from / page + 1) * page).min(end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cut_at_pages() {
        let spans: Vec<_> = page_spans(4090, 20, 4096).collect();
        assert_eq!(spans, [(4090, 4096), (4096, 4110)]);
        assert_eq!(page_spans(0, 0, 4096).count(), 0);
    }

    #[test]
    fn a_private_page_shows_the_object_until_it_changes() {
        let mut object = MemoryObject::zeroed(8192);
        let mut mapping = Mapping::new(
            0,
            &mut object,
            8192,
            Sharing::Private,
            Rights::READ_WRITE,
            true,
        )
        .unwrap();
        mapping.store(&mut object, 0, b"mine", 4096).unwrap();
        assert_eq!(object.view(0, 4).unwrap(), [0; 4]);
        object.store(4096, b"theirs");
        assert_eq!(mapping.load(&object, 0, 4, 4096).unwrap(), b"mine");
        assert!(mapping.load(&object, 4096, 6, 4096).is_err());
        assert!(mapping.store(&mut object, 5000, b"x", 4096).is_err());
    }
}

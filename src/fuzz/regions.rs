//! Plans for shared regions (anonymous shared memory, System V and POSIX shared memory,
//! mapped files): 2 to 6 processes, related or not, and moves that map and unmap, load
//! and store at offsets clustered around page boundaries and the region's end, use
//! 64-bit atomics, change the protection, and open, size, read, write and remove the
//! named object. As for pipes, every expectation is the reference model's
//! (src/model/region/), and a move the state does not allow is dropped.

use proptest::prelude::*;

use super::plan::{PlanParts, Recorder};
use crate::mechanism::Capability;
use crate::model::{ReferenceModel, RegionModel};
use crate::platform::PlatformProfile;
use crate::scenario::{
    AccessMode, Action, End, MadeBy, Mechanism, OpenFlag, Payload, Process, Prot, RegionSpec,
    Relation, Scenario, Sharing, Size, SysvKey,
};

/// Where in the region an access starts: near its start, near the end of its first
/// page, or near its end; the offset is then moved to keep the access inside the
/// region (and, for a 64-bit word, aligned down to 8 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Spot {
    /// This many bytes from the start.
    Start(u8),
    /// The end of the first page plus this.
    PageEnd(i8),
    /// This many bytes before the region's end.
    End(u8),
}

/// A length an object is sized to: empty, a few bytes, about a page, two pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    /// Zero bytes.
    Zero,
    /// This many bytes.
    Bytes(u8),
    /// A page plus this (-1, 0, +1).
    Page(i8),
    /// Two pages.
    TwoPages,
}

/// One thing a process tries to do with the region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionOp {
    /// Store this many bytes (1 to 12).
    Store(Spot, u8),
    /// Load this many bytes (1 to 16).
    Load(Spot, u8),
    /// Store a 64-bit word.
    StoreWord(Spot, u8),
    /// Load a 64-bit word.
    LoadWord(Spot),
    /// Fetch-and-add on a 64-bit word: the addend, how many times.
    FetchAdd(Spot, u8, u8),
    /// Change the mapping's protection: PROT_READ, PROT_WRITE.
    Protect(bool, bool),
    /// Map the region (`mmap`, or `shmat` of a System V segment).
    Map,
    /// Unmap it (`munmap`, `shmdt`).
    Unmap,
    /// Open the named object read-write (or read-only), with O_CREAT, and O_EXCL.
    Open(bool, bool, bool),
    /// Close the object descriptor.
    Close,
    /// `ftruncate` the object.
    Resize(Length),
    /// `fstat` the object's size.
    Size,
    /// `pread` this many bytes (1 to 16) of the object.
    Pread(Spot, u8),
    /// `pwrite` this many bytes (1 to 12) to the object.
    Pwrite(Spot, u8),
    /// `msync` the mapping (files).
    Sync,
    /// Remove the name (`shm_unlink`, `unlink`) or the segment's id (`IPC_RMID`).
    Remove,
    /// Leave.
    Exit,
}

/// A generated plan for one shared-region mechanism.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionPlan {
    /// How many pages the region spans (1 or 2).
    pub pages: u64,
    /// MAP_PRIVATE rather than MAP_SHARED (not for System V, whose attachments are
    /// always shared).
    pub private: bool,
    /// The processes: whether each is related (inherits a region mapped before the fork).
    pub related: Vec<bool>,
    /// The moves `(process, op)`; one by a process the plan does not have is dropped.
    pub moves: Vec<(usize, RegionOp)>,
}

impl PlanParts for RegionPlan {
    type Op = RegionOp;

    fn process_count(&self) -> usize {
        self.related.len()
    }

    fn move_count(&self) -> usize {
        self.moves.len()
    }

    fn remove_process(&mut self, i: usize) {
        self.related.remove(i);
    }

    fn moves_mut(&mut self) -> &mut Vec<(usize, RegionOp)> {
        &mut self.moves
    }
}

fn spot() -> impl Strategy<Value = Spot> {
    prop_oneof![
        (0u8..=24).prop_map(Spot::Start),
        (-12i8..=12).prop_map(Spot::PageEnd),
        (0u8..=24).prop_map(Spot::End),
    ]
}

fn length() -> impl Strategy<Value = Length> {
    prop_oneof![
        1 => Just(Length::Zero),
        2 => (1u8..=200).prop_map(Length::Bytes),
        3 => (-1i8..=1).prop_map(Length::Page),
        2 => Just(Length::TwoPages),
    ]
}

fn op() -> impl Strategy<Value = RegionOp> {
    prop_oneof![
        6 => (spot(), 1u8..=12).prop_map(|(s, n)| RegionOp::Store(s, n)),
        6 => (spot(), 1u8..=16).prop_map(|(s, n)| RegionOp::Load(s, n)),
        1 => (spot(), any::<u8>()).prop_map(|(s, v)| RegionOp::StoreWord(s, v)),
        1 => spot().prop_map(RegionOp::LoadWord),
        1 => (spot(), 1u8..=9, 1u8..=3).prop_map(|(s, v, n)| RegionOp::FetchAdd(s, v, n)),
        2 => (any::<bool>(), any::<bool>()).prop_map(|(r, w)| RegionOp::Protect(r, w)),
        4 => Just(RegionOp::Map),
        1 => Just(RegionOp::Unmap),
        4 => (prop::bool::weighted(0.8), prop::bool::weighted(0.8), any::<bool>())
            .prop_map(|(rw, creat, excl)| RegionOp::Open(rw, creat, excl)),
        1 => Just(RegionOp::Close),
        3 => length().prop_map(RegionOp::Resize),
        1 => Just(RegionOp::Size),
        1 => (spot(), 1u8..=16).prop_map(|(s, n)| RegionOp::Pread(s, n)),
        1 => (spot(), 1u8..=12).prop_map(|(s, n)| RegionOp::Pwrite(s, n)),
        1 => Just(RegionOp::Sync),
        1 => Just(RegionOp::Remove),
        1 => Just(RegionOp::Exit),
    ]
}

/// Plans of 2 to `max_processes` (at most 6) processes and up to `max_moves` moves.
pub fn region_plans(max_processes: usize, max_moves: usize) -> impl Strategy<Value = RegionPlan> {
    let most = max_processes.clamp(2, 6);
    (
        1u64..=2,
        prop::bool::weighted(0.2),
        prop::collection::vec(prop::bool::weighted(0.7), 2..=most),
        prop::collection::vec((0..most, op()), 1..=max_moves.max(1)),
    )
        .prop_map(|(pages, private, related, moves)| RegionPlan {
            pages,
            private,
            related,
            moves,
        })
}

/// The scenario a plan comes to on `mechanism`: the moves the state and the
/// implementation's `capabilities` allow, each with the model's outcome as its
/// expectation. A plan whose moves all fell away comes to nothing.
pub fn build_regions(
    plan: &RegionPlan,
    mechanism: Mechanism,
    profile: &PlatformProfile,
    capabilities: &[Capability],
    id: &str,
) -> Option<Scenario> {
    let private = plan.private
        && mechanism != Mechanism::SysvShm
        && capabilities.contains(&Capability::PrivateMapping);
    // Offsets are generated in bytes on the fuzzing profile, so the region is too.
    let region = plan.pages * profile.page_size;
    let spec = RegionSpec {
        len: Size::Bytes(region),
        made_by: MadeBy::Processes,
        key: SysvKey::Private,
        sharing: if private {
            Sharing::Private
        } else {
            Sharing::Shared
        },
    };
    let processes: Vec<Process> = plan
        .related
        .iter()
        .enumerate()
        .map(|(i, related)| {
            let relation = if *related {
                Relation::Related
            } else {
                Relation::Unrelated
            };
            Process::plain(&format!("p{i}"), relation)
        })
        .collect();
    let model = ReferenceModel::for_regions(mechanism, &processes, spec, profile).ok()?;
    let mut recorder = Recorder::with_model(model, spec, profile, capabilities);
    for (n, &(p, op)) in plan.moves.iter().enumerate() {
        if p >= processes.len() {
            continue;
        }
        let ReferenceModel::Region(model) = recorder.model() else {
            return None;
        };
        let action = region_action(model, mechanism, region, p, op, n, profile)
            .or_else(|| step_towards(model, mechanism, p, op));
        if let Some(action) = action {
            recorder.take(p, action);
        }
    }
    recorder.finish(
        id,
        mechanism,
        "POSIX XSH mmap(), munmap(), mprotect(), shm_open(), shm_unlink(), open(), \
         ftruncate(), shmat(), shmdt(), shmctl(): as the reference model \
         (src/model/region/) states them",
        &processes,
        1,
    )
}

/// For a move the process is not ready for, the call that gets it there, so that
/// moves are seldom wasted: an open (read-write, created if missing) for one that needs
/// the object descriptor, a map for one that needs a mapping.
fn step_towards(
    model: &RegionModel,
    mechanism: Mechanism,
    p: usize,
    op: RegionOp,
) -> Option<Action> {
    let needs_mapping = matches!(
        op,
        RegionOp::Store(..)
            | RegionOp::Load(..)
            | RegionOp::StoreWord(..)
            | RegionOp::LoadWord(_)
            | RegionOp::FetchAdd(..)
            | RegionOp::Protect(..)
            | RegionOp::Sync
    );
    let needs_object = matches!(
        op,
        RegionOp::Map
            | RegionOp::Resize(_)
            | RegionOp::Size
            | RegionOp::Pread(..)
            | RegionOp::Pwrite(..)
    );
    let named = mechanism.has_object();
    if named && !model.holds_object(p) && (needs_mapping || needs_object) {
        let (mode, flags) = (AccessMode::ReadWrite, vec![OpenFlag::Creat]);
        return Some(match mechanism {
            Mechanism::PosixShm => Action::ShmOpen {
                mode,
                flags,
                name_len: None,
            },
            _ => Action::Open { mode, flags },
        });
    }
    match (needs_mapping && !model.mapped(p), mechanism) {
        (false, _) => None,
        (true, Mechanism::SysvShm) => Some(Action::Shmat),
        (true, _) => Some(Action::Mmap),
    }
}

/// The offset an access of `len` bytes at `spot` starts at in a region of `region` bytes.
fn offset(spot: Spot, len: u64, region: u64, page: u64) -> u64 {
    let wanted = match spot {
        Spot::Start(d) => u64::from(d),
        Spot::PageEnd(d) => page.saturating_add_signed(i64::from(d)),
        Spot::End(d) => region.saturating_sub(u64::from(d)),
    };
    wanted.min(region - len)
}

/// The bytes a move stores: a letter of its own, so that every store tells apart.
fn letters(n: usize, len: u8) -> Payload {
    let letter = (b'a' + (n % 26) as u8) as char;
    Payload::Text(letter.to_string().repeat(usize::from(len)))
}

/// The action a move stands for in this state, if the process has what it needs.
fn region_action(
    model: &RegionModel,
    mechanism: Mechanism,
    region: u64,
    p: usize,
    op: RegionOp,
    n: usize,
    profile: &PlatformProfile,
) -> Option<Action> {
    let page = profile.page_size;
    let mapped = model.mapped(p);
    let holds = model.holds_object(p);
    let named = mechanism.has_object();
    let at = |spot, len| offset(spot, len, region, page);
    let word = |spot| at(spot, 8) / 8 * 8;
    let length = |l: Length| match l {
        Length::Zero => 0,
        Length::Bytes(n) => u64::from(n),
        Length::Page(d) => page.saturating_add_signed(i64::from(d)),
        Length::TwoPages => 2 * page,
    };
    Some(match op {
        RegionOp::Store(s, len) if mapped => Action::Store {
            at: Size::Bytes(at(s, u64::from(len))),
            data: letters(n, len),
        },
        RegionOp::Load(s, len) if mapped => Action::Load {
            at: Size::Bytes(at(s, u64::from(len))),
            len: Size::Bytes(u64::from(len)),
        },
        RegionOp::StoreWord(s, value) if mapped => Action::StoreU64 {
            at: word(s),
            value: u64::from(value),
        },
        RegionOp::LoadWord(s) if mapped => Action::LoadU64 { at: word(s) },
        RegionOp::FetchAdd(s, value, times) if mapped => Action::FetchAddU64 {
            at: word(s),
            value: u64::from(value),
            times: u32::from(times),
        },
        RegionOp::Protect(read, write) if mapped => Action::Mprotect(
            [(read, Prot::Read), (write, Prot::Write)]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, prot)| *prot)
                .collect(),
        ),
        RegionOp::Map if mapped || (named && !holds) => return None,
        RegionOp::Map if mechanism == Mechanism::SysvShm => Action::Shmat,
        RegionOp::Map => Action::Mmap,
        RegionOp::Unmap if mapped && mechanism == Mechanism::SysvShm => Action::Shmdt,
        RegionOp::Unmap if mapped => Action::Munmap,
        RegionOp::Open(rw, creat, excl) if named => {
            let mode = if rw {
                AccessMode::ReadWrite
            } else {
                AccessMode::ReadOnly
            };
            let flags = [(creat, OpenFlag::Creat), (creat && excl, OpenFlag::Excl)]
                .iter()
                .filter(|(on, _)| *on)
                .map(|(_, flag)| *flag)
                .collect();
            match mechanism {
                Mechanism::PosixShm => Action::ShmOpen {
                    mode,
                    flags,
                    name_len: None,
                },
                _ => Action::Open { mode, flags },
            }
        }
        RegionOp::Close if holds => Action::Close(End::Object),
        RegionOp::Resize(l) if holds => Action::Ftruncate {
            end: End::Object,
            len: Size::Bytes(length(l)),
        },
        RegionOp::Size if holds => Action::FstatSize(End::Object),
        RegionOp::Pread(s, len) if holds => Action::Pread {
            end: End::Object,
            at: Size::Bytes(at(s, u64::from(len))),
            len: Size::Bytes(u64::from(len)),
        },
        RegionOp::Pwrite(s, len) if holds => Action::Pwrite {
            end: End::Object,
            at: Size::Bytes(at(s, u64::from(len))),
            data: letters(n, len),
        },
        RegionOp::Sync if mapped && mechanism == Mechanism::FileMmap => Action::Msync,
        RegionOp::Remove => match mechanism {
            Mechanism::PosixShm => Action::ShmUnlink,
            Mechanism::FileMmap => Action::Unlink,
            Mechanism::SysvShm => Action::ShmctlRmid,
            _ => return None,
        },
        RegionOp::Exit => Action::Exit,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_stay_inside_the_region() {
        assert_eq!(offset(Spot::End(0), 4, 8192, 4096), 8188);
        assert_eq!(offset(Spot::PageEnd(-2), 4, 8192, 4096), 4094);
        assert_eq!(offset(Spot::PageEnd(10), 16, 4096, 4096), 4080);
        assert_eq!(offset(Spot::Start(3), 1, 4096, 4096), 3);
    }
}

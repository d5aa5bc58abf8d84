//! The cells a call on a shared region fills: offsets, lengths and extents against the
//! page, rights, sharing, the flags of `shm_open`, `open` and `shmget`, the size `shmget`
//! asks for against the segment's, and the caller's mapping.

use super::{access_mode, bytes, flag, Hit, PROFILE};
use crate::coverage::axes::{ANY, CALLED};
use crate::model::{CallState, MappingState};
use crate::platform::Size;
use crate::scenario::{AccessMode, Action, IpcFlag, OpenFlag, Prot, Scenario, Sharing};

/// The cells `action` fills, meeting `state`, in `scenario`.
pub(super) fn hits(scenario: &Scenario, action: &Action, state: Option<&CallState>) -> Vec<Hit> {
    let page = PROFILE.page_size;
    let mapping = state.and_then(|s| s.mapping).and_then(|m| {
        Some((
            "the mapping",
            match m {
                MappingState::ReadWrite => "read-write",
                MappingState::ReadOnly => "read-only",
                MappingState::NoAccess => "PROT_NONE",
                MappingState::Unmapped => "unmapped",
                MappingState::WriteOnly => return None,
            },
        ))
    });
    let sharing = Some((
        "sharing",
        match scenario.region.sharing {
            Sharing::Shared => "MAP_SHARED",
            Sharing::Private => "MAP_PRIVATE",
        },
    ));
    let access = |at: Size, len: Size| -> Vec<Option<Hit>> {
        let (Some(at), Some(len)) = (bytes(at), bytes(len)) else {
            return Vec::new();
        };
        vec![
            Some((
                "offset",
                match at {
                    0 => "0",
                    at if at % 8 == 0 => "non-zero, word-aligned",
                    _ => "unaligned",
                },
            )),
            Some((
                "length",
                match len {
                    0..=8 => "1 to 8",
                    len if len < page => "9 to PAGE_SIZE-1",
                    _ => "PAGE_SIZE or more",
                },
            )),
            Some((
                "extent",
                if len > 0 && at / page != (at + len - 1) / page {
                    "across a page boundary"
                } else {
                    "within one page"
                },
            )),
            mapping,
            sharing,
        ]
    };
    let word = |at: u64| Some(("offset", if at == 0 { "0" } else { "non-zero" }));
    let hits: Vec<Option<Hit>> = match action {
        Action::Store { at, data } => access(*at, data.len()),
        Action::Load { at, len } => access(*at, *len),
        Action::StoreU64 { at, .. } | Action::LoadU64 { at } => vec![word(*at), mapping],
        Action::FetchAddU64 { at, times, .. } => vec![
            word(*at),
            Some((
                "times",
                if *times == 1 {
                    "once"
                } else {
                    "more than once"
                },
            )),
            mapping,
        ],
        Action::Mprotect(prots) => vec![
            Some((
                "rights",
                match (prots.contains(&Prot::Read), prots.contains(&Prot::Write)) {
                    (false, false) => "PROT_NONE",
                    (true, false) => "PROT_READ",
                    (false, true) => "PROT_WRITE",
                    (true, true) => "PROT_READ|PROT_WRITE",
                },
            )),
            sharing,
        ],
        Action::Munmap => vec![mapping.map(|(axis, m)| {
            (
                axis,
                if m == "unmapped" {
                    "unmapped"
                } else {
                    "mapped"
                },
            )
        })],
        Action::Mmap => vec![
            sharing,
            mapping.map(|(_, m)| {
                (
                    "the caller",
                    if m == "unmapped" {
                        "unmapped"
                    } else {
                        "mapped"
                    },
                )
            }),
        ],
        Action::Msync => vec![sharing],
        Action::ShmOpen {
            mode,
            flags,
            name_len,
        } => vec![
            Some((
                "mode",
                if *mode == AccessMode::ReadOnly {
                    "O_RDONLY"
                } else {
                    "O_RDWR"
                },
            )),
            Some(flag("O_CREAT", flags.contains(&OpenFlag::Creat))),
            Some(flag("O_EXCL", flags.contains(&OpenFlag::Excl))),
            Some((
                "name",
                if name_len.is_some() {
                    "of a given length"
                } else {
                    "the scenario's"
                },
            )),
        ],
        Action::Open { mode, flags } => vec![
            Some(("mode", access_mode(*mode))),
            Some(flag("O_CREAT", flags.contains(&OpenFlag::Creat))),
            Some(flag("O_EXCL", flags.contains(&OpenFlag::Excl))),
        ],
        Action::Shmget { size, flags } => vec![
            bytes(*size)
                .zip(bytes(scenario.region.len))
                .map(|(n, len)| {
                    (
                        "size",
                        match n {
                            0 => "0",
                            n if n <= len => "at most the segment's",
                            _ => "more than the segment's",
                        },
                    )
                }),
            Some(flag("IPC_CREAT", flags.contains(&IpcFlag::Creat))),
            Some(flag("IPC_EXCL", flags.contains(&IpcFlag::Excl))),
        ],
        Action::Ftruncate { len, .. } => vec![bytes(*len).map(|n| {
            (
                "length",
                match n {
                    0 => "0",
                    n if n % page == 0 => "a page multiple",
                    _ => "not a page multiple",
                },
            )
        })],
        Action::Pread { at, .. } | Action::Pwrite { at, .. } => {
            vec![bytes(*at).map(|at| ("offset", if at == 0 { "0" } else { "non-zero" }))]
        }
        // A call that takes nothing that changes what it does.
        _ => vec![Some((CALLED, ANY))],
    };
    hits.into_iter().flatten().collect()
}

//! Whether an action can apply: to the scenario's mechanism and its family, and (a
//! memory access) to the region the process has mapped.

use crate::platform::PlatformProfile;
use crate::scenario::model::*;

/// A memory access needs the region mapped, within its bounds, and an atomic one
/// aligned to 8 bytes.
pub(super) fn check_region_access(
    s: &Scenario,
    action: &Action,
    mapped: bool,
    holds_object: bool,
    name: &ProcessName,
) -> Result<(), String> {
    match action {
        Action::Mmap if s.mechanism.has_object() && !holds_object => {
            return Err(format!(
                "process `{name}` holds no object descriptor to map; `shm_open` or `open` opens one"
            ))
        }
        Action::Mmap | Action::Shmat if mapped => {
            return Err(format!("process `{name}` has the region mapped already; `munmap` or `shmdt` it first"))
        }
        Action::Mmap
        | Action::Shmget { .. }
        | Action::Shmat
        | Action::ShmctlRmid
        | Action::ShmOpen { .. }
        | Action::ShmUnlink
        | Action::Close(_)
        | Action::Ftruncate { .. }
        | Action::FstatSize(_)
        | Action::Pread { .. }
        | Action::Pwrite { .. } => return Ok(()),
        a if a.family() == Some(MechanismFamily::SharedRegion) && !mapped => {
            return Err(format!(
                "process `{name}` has no region mapped here (an unrelated process inherits none, and `munmap` removes it); `mmap` maps a new one"
            ))
        }
        _ => {}
    }
    let Some((at, len)) = action.region_access() else {
        return Ok(());
    };
    if matches!(
        action,
        Action::StoreU64 { .. } | Action::LoadU64 { .. } | Action::FetchAddU64 { .. }
    ) && matches!(at, Size::Bytes(n) if n % 8 != 0)
    {
        return Err(format!(
            "`{}` at {at} is not 8-byte aligned; expected an offset that is a multiple of 8",
            action.name()
        ));
    }
    // Sizes that name a profile constant are checked on each profile the suite
    // describes; the driver still checks every access against the mapping it made.
    for profile in [&PlatformProfile::LINUX, &PlatformProfile::MACOS] {
        let region = s.region.len;
        let (Ok(at_n), Ok(len_n), Ok(region_n)) = (
            profile.resolve(at),
            profile.resolve(len),
            profile.resolve(region),
        ) else {
            continue;
        };
        if at_n.checked_add(len_n).is_none_or(|end| end > region_n) {
            let literal = [at, len, region]
                .iter()
                .all(|n| matches!(n, Size::Bytes(_)));
            return Err(match literal {
                true => format!(
                    "`{}` of {len} bytes at {at} runs past the end of the {region}-byte region",
                    action.name()
                ),
                false => format!(
                    "`{}` of {len} bytes at {at} runs past the end of the region of {region} bytes on {} ({len_n} bytes at {at_n}, a {region_n}-byte region)",
                    action.name(),
                    profile.platform
                ),
            });
        }
    }
    Ok(())
}

pub(super) fn check_action_fits_mechanism(
    mechanism: Mechanism,
    action: &Action,
) -> Result<(), String> {
    use Mechanism::*;
    let only: &[Mechanism] = match action {
        Action::Mmap | Action::Munmap => &[AnonShared, PosixShm, FileMmap],
        Action::Msync => &[FileMmap],
        Action::Shmget { .. } | Action::Shmat | Action::Shmdt | Action::ShmctlRmid => &[SysvShm],
        Action::SemOpen { .. }
        | Action::SemWait(_)
        | Action::SemPost
        | Action::SemGetValue
        | Action::SemClose
        | Action::SemUnlink => &[PosixSem],
        Action::Lock(_) => &[PsharedMutex],
        Action::ShmOpen { .. } | Action::ShmUnlink => &[PosixShm],
        Action::Mkfifo => &[Fifo],
        Action::Open { .. } | Action::Unlink => &[Fifo, FileMmap],
        _ if action.needs_end() == Some(End::Object) => &[PosixShm, FileMmap],
        _ => &[],
    };
    if !only.is_empty() && !only.contains(&mechanism) {
        let names: Vec<&str> = only.iter().map(|m| m.name()).collect();
        let what = match action.needs_end() {
            Some(End::Object) => format!("`{}` on the object descriptor", action.name()),
            _ => format!("`{}`", action.name()),
        };
        return Err(format!(
            "{what} belongs to {}; this scenario's mechanism is {mechanism}",
            names.join(" and ")
        ));
    }
    if let Some(family) = action.family() {
        if family != mechanism.family() {
            return Err(format!(
                "`{}` applies to {family}; this scenario's mechanism {mechanism} is one of the {}",
                action.name(),
                mechanism.family()
            ));
        }
    }
    Ok(())
}

/// The size an action names, if it names one (which may be a profile constant).
pub(super) fn action_size(a: &Action) -> Option<Size> {
    match a {
        Action::Read(n)
        | Action::ReadExactly(n)
        | Action::ReadOn { len: n, .. }
        | Action::Pread { len: n, .. }
        | Action::Load { len: n, .. }
        | Action::WriteRecords { len: n, .. }
        | Action::SetPipeSize { size: n, .. }
        | Action::ShmOpen {
            name_len: Some(n), ..
        }
        | Action::SemOpen {
            name_len: Some(n), ..
        }
        | Action::Socket(SocketCall::Recv { len: n, .. }) => Some(*n),
        Action::Socket(SocketCall::Send { data, .. }) => Some(data.len()),
        Action::Write(data)
        | Action::WriteOn { data, .. }
        | Action::Pwrite { data, .. }
        | Action::Store { data, .. } => Some(data.len()),
        _ => None,
    }
}

/// The offset or length that is no buffer's size an action names, if it names one: where
/// it reads, writes or stores, and the length `ftruncate` sets.
pub(super) fn action_offset(a: &Action) -> Option<Size> {
    match a {
        Action::Pread { at, .. }
        | Action::Pwrite { at, .. }
        | Action::Store { at, .. }
        | Action::Load { at, .. }
        | Action::Ftruncate { len: at, .. } => Some(*at),
        _ => None,
    }
}

/// The bytes an action names stay within what a scenario may name (a buffer that large
/// is made in an actor): its size, or `count` records of `len` bytes each, on the
/// platform where a profile constant is largest.
pub(super) fn check_amounts(action: &Action) -> Result<(), String> {
    // XNU's SEMOPM (bsd/sys/sem_internal.h) allows 5 operations per call, Linux's 500:
    // more would be a rule of one platform's limit, not of semop.
    const SEMOPM: usize = 5;
    if let Action::Semop(call) = action {
        if !(1..=SEMOPM).contains(&call.ops.len()) {
            return Err(format!(
                "`{}` takes 1 to {SEMOPM} operations (SEMOPM on macOS), not {}",
                action.name(),
                call.ops.len()
            ));
        }
    }
    let bytes = match action {
        Action::WriteRecords { len, count } => largest(*len).saturating_mul(u64::from(*count)),
        other => action_size(other).map_or(0, largest),
    };
    match bytes <= Size::MAX_BYTES {
        true => Ok(()),
        false => Err(format!("`{}`: {}", action.name(), Size::too_large(bytes))),
    }
}

/// The bytes `size` stands for on the platform where it is largest.
pub(super) fn largest(size: Size) -> u64 {
    [PlatformProfile::LINUX, PlatformProfile::MACOS]
        .iter()
        .filter_map(|p| p.resolve(size).ok())
        .max()
        .unwrap_or(0)
}

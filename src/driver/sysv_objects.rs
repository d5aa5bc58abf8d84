//! The System V objects a run makes (shared memory segments, semaphore sets), which
//! outlive every process: a marker in the temporary directory notes each before it is
//! made, so that a later run's sweep removes what a killed run left; keys picked at
//! random; and their removal after the run.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::cleanup::{random_suffix, PREFIX};
use super::error::{HarnessError, SetupError};
use super::family::failed_before_fork;
use crate::mechanism::os::{OsSynchronizer, SysvSemaphoreSet};
use crate::mechanism::{IpcKey, Synchronizer};
use crate::scenario::Errno;

/// The end of a marker's name: `PREFIX PID.sysv` in the temporary directory records that
/// run PID makes System V objects, for the sweep to remove them should the run die.
const SYSV_MARK: &str = "sysv";

/// What a marker notes besides the segments its process made, one per line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SysvNote {
    /// Segments may be made with this key: by the driver, or by an actor (`shmget` with
    /// IPC_CREAT), whose pid the segment's creator pid would not find.
    ShmKey(i32),
    /// Semaphore sets may be made with this key.
    SemKey(i32),
    /// The driver made this semaphore set: a set records no creator pid to find it by.
    SemId(i32),
}

impl SysvNote {
    fn line(self) -> String {
        match self {
            SysvNote::ShmKey(key) => format!("shm-key {key}"),
            SysvNote::SemKey(key) => format!("sem-key {key}"),
            SysvNote::SemId(id) => format!("sem-id {id}"),
        }
    }

    fn parse(line: &str) -> Option<SysvNote> {
        let (what, number) = line.split_once(' ')?;
        let number = number.parse().ok()?;
        match what {
            "shm-key" => Some(SysvNote::ShmKey(number)),
            "sem-key" => Some(SysvNote::SemKey(number)),
            "sem-id" => Some(SysvNote::SemId(number)),
            _ => None,
        }
    }

    /// Remove what it notes, if it is still there.
    pub(crate) fn remove(self) {
        match self {
            SysvNote::ShmKey(key) => remove_segments_of_key(key),
            SysvNote::SemKey(key) => remove_semaphores_of_key(key),
            SysvNote::SemId(id) => {
                remove_semaphore_set(id);
            }
        }
    }
}

/// Mark this process as one that makes System V objects, before it makes one: a
/// segment made with IPC_PRIVATE has no name to find it by, so a run killed before its
/// `IPC_RMID` (even before it could note the new segment's id) would leave it for ever.
/// The driver makes segments itself, before the fork, so they carry its pid as their
/// creator's, and the sweep removes those of a marked process that is gone (Linux: the
/// segments are listed in /proc/sysvipc/shm); everything else is noted with
/// [`note`]. Returns the marker, to remove once the objects are; `None` when this
/// process is marked already.
pub(crate) fn mark_sysv_maker() -> Option<PathBuf> {
    let marker = sysv_marker();
    std::fs::File::create_new(&marker).ok().map(|_| marker)
}

/// This process's System V marker.
fn sysv_marker() -> PathBuf {
    std::env::temp_dir().join(format!("{PREFIX}{}.{SYSV_MARK}", std::process::id()))
}

/// Note `what` in this process's marker (made already, with [`mark_sysv_maker`]), before
/// the object is made. Works on macOS too, where no table of objects can be read.
pub(crate) fn note(what: SysvNote) {
    let marker = std::fs::OpenOptions::new().append(true).open(sysv_marker());
    if let Ok(mut marker) = marker {
        let _ = writeln!(marker, "{}", what.line());
    }
}

/// A new object made by `make` with a key no object of its kind has: a random key,
/// made with IPC_CREAT | IPC_EXCL, another on EEXIST. Each key is noted (`noted`) before
/// it is tried and pushed on `tried`, so that neither a killed run nor a finished one
/// leaves an object behind.
pub(crate) fn with_random_key<T>(
    implementation: &str,
    call: &'static str,
    noted: fn(i32) -> SysvNote,
    tried: &mut Vec<IpcKey>,
    mut make: impl FnMut(IpcKey) -> Result<T, Errno>,
) -> Result<(IpcKey, T), SetupError> {
    const TRIES: usize = 8;
    let mut last = Errno(libc::EEXIST);
    for _ in 0..TRIES {
        let key = IpcKey(random_suffix().map_err(HarnessError::Random)? as i32);
        if key == IpcKey::PRIVATE {
            continue;
        }
        note(noted(key.0));
        tried.push(key);
        match make(key) {
            Ok(made) => return Ok((key, made)),
            Err(e) if e == Errno(libc::EEXIST) => last = e,
            Err(e) => return Err(failed_before_fork(implementation, call, e)),
        }
    }
    Err(failed_before_fork(implementation, call, last))
}

/// Remove what the marker at `path` of `pid`, a run that is gone, records, when the
/// stale entry (`PREFIX PID.what`) is such a marker.
pub(super) fn sweep_marker(pid: i32, what: &str, path: &Path) {
    if what != SYSV_MARK {
        return;
    }
    remove_segments_made_by(pid);
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(SysvNote::parse)
        .for_each(SysvNote::remove);
}

/// The System V segments of the system: (shmid, creator's pid).
fn segments() -> Vec<(i32, i32)> {
    let Ok(table) = std::fs::read_to_string("/proc/sysvipc/shm") else {
        return Vec::new();
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some((fields.get(1)?.parse().ok()?, fields.get(4)?.parse().ok()?))
        })
        .collect()
}

/// Remove every System V segment process `pid` made.
fn remove_segments_made_by(pid: i32) {
    for (id, _) in segments().into_iter().filter(|&(_, cpid)| cpid == pid) {
        remove_segment_if_made_by(id, |creator| creator == pid);
    }
}

/// Remove segment `id` if `made_by` its creator's pid (the id may have been given to
/// another since); `false` when it was not removed.
#[expect(unsafe_code, reason = "shmctl has no safe wrapper")]
fn remove_segment_if_made_by(id: i32, made_by: impl Fn(i32) -> bool) -> bool {
    // SAFETY: shmid_ds is plain data, valid when zeroed.
    let mut stat: libc::shmid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_STAT writes one shmid_ds into `stat`, on our stack.
    if unsafe { libc::shmctl(id, libc::IPC_STAT, &mut stat) } != 0 || !made_by(stat.shm_cpid) {
        return false;
    }
    // SAFETY: IPC_RMID reads no buffer, so a null one is allowed.
    unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) == 0 }
}

/// Remove the segments that have `key`, made by this process or by one that is gone
/// (a removed segment frees its key, so several may have had it in turn; one whose
/// creator lives is not ours to remove).
#[expect(unsafe_code, reason = "shmget has no safe wrapper")]
pub(crate) fn remove_segments_of_key(key: i32) {
    const MOST: usize = 16;
    let ours = |creator: i32| {
        let creator = Pid::from_raw(creator);
        // EPERM says the process lives too, under another user.
        creator == Pid::this() || kill(creator, None) == Err(nix::errno::Errno::ESRCH)
    };
    for _ in 0..MOST {
        // SAFETY: shmget takes plain values; without IPC_CREAT it only looks the key up.
        let id = unsafe { libc::shmget(key, 0, 0) };
        if id < 0 || !remove_segment_if_made_by(id, ours) {
            return;
        }
    }
}

/// Remove the semaphore sets that have `key` (a set records no creator pid; the key is
/// one of ours, picked at random, so whatever set has it is ours), through the OS
/// reference: never the implementation under test.
pub(crate) fn remove_semaphores_of_key(key: i32) {
    const MOST: usize = 16;
    for _ in 0..MOST {
        // Without IPC_CREAT, semget only looks the key up.
        let Ok(set) = OsSynchronizer.semget(IpcKey(key), 0, &[]) else {
            return;
        };
        if !remove_semaphore_set(set.id) {
            return;
        }
    }
}

/// Remove semaphore set `id`; `false` when there was none to remove.
pub(crate) fn remove_semaphore_set(id: i32) -> bool {
    OsSynchronizer.semctl_rmid(&SysvSemaphoreSet { id }).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::cleanup::sweep_stale;

    #[test]
    fn notes_read_back_as_written() {
        for note in [
            SysvNote::ShmKey(-5),
            SysvNote::SemKey(7),
            SysvNote::SemId(32768),
        ] {
            assert_eq!(SysvNote::parse(&note.line()), Some(note));
        }
        assert_eq!(SysvNote::parse("12345"), None);
    }

    #[test]
    #[expect(unsafe_code, reason = "fork, shmget and semget have no safe wrapper")]
    fn a_dead_runs_notes_take_what_its_actors_made() {
        let tmp = std::env::temp_dir().join(format!("sweep-key-test.{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let key = (random_suffix().unwrap() as i32) | 1;
        let marker = tmp.join(format!("{PREFIX}{}.{SYSV_MARK}", 0x7fff_fff0));
        let notes = [SysvNote::ShmKey(key), SysvNote::SemKey(key)];
        let text: String = notes.iter().map(|n| n.line() + "\n").collect();
        std::fs::write(&marker, text).unwrap();
        // An actor of the dead run made a segment and a set with the key, and is gone.
        // SAFETY: the child makes two system calls and leaves without unwinding.
        match unsafe { libc::fork() } {
            0 => unsafe {
                let flags = libc::IPC_CREAT | libc::IPC_EXCL | 0o600;
                let segment = libc::shmget(key, 4096, flags);
                let set = libc::semget(key, 1, flags);
                libc::_exit(i32::from(segment < 0 || set < 0));
            },
            child => {
                let status = nix::sys::wait::waitpid(Pid::from_raw(child), None).unwrap();
                assert_eq!(
                    status,
                    nix::sys::wait::WaitStatus::Exited(Pid::from_raw(child), 0)
                );
            }
        }
        // SAFETY: lookups of a key, with no memory of ours.
        assert!(unsafe { libc::shmget(key, 0, 0) } >= 0);
        assert!(unsafe { libc::semget(key, 0, 0) } >= 0);
        sweep_stale(&tmp, PREFIX, sweep_marker);
        assert!(!marker.exists());
        // SAFETY: as above.
        assert!(unsafe { libc::shmget(key, 0, 0) } < 0);
        assert!(unsafe { libc::semget(key, 0, 0) } < 0);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}

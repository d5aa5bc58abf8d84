//! Nothing is left behind: a private 0700 directory per scenario with an unpredictable
//! name, removed on every path out (Drop), and the sweep of names left by runs that were
//! killed (`sweep.rs` runs it, with the families' and the hosts' own sweeps).

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

pub(super) const PREFIX: &str = "ipc-conformance.";

/// A directory only this run can enter; FIFOs live in it.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
}

impl PrivateDir {
    /// Make one under the system's temporary directory.
    pub fn create() -> std::io::Result<Self> {
        // Short, so that a socket path in it fits sun_path (104 bytes on macOS, whose
        // temporary directory alone takes about 50).
        let path = std::env::temp_dir().join(format!(
            "{PREFIX}{}.{:08x}",
            std::process::id(),
            random_suffix()? as u32
        ));
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(PrivateDir { path })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// An unpredictable number for names of ours.
pub fn random_suffix() -> std::io::Result<u64> {
    let mut random = [0u8; 8];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut random)?;
    Ok(u64::from_le_bytes(random))
}

/// The end of a marker's name: `PREFIX PID.sysv` in the temporary directory records that
/// run PID makes System V segments, for the sweep to remove them should the run die.
const SYSV_MARK: &str = "sysv";

/// Mark this process as one that makes System V segments, before it makes one: a
/// segment made with IPC_PRIVATE has no name to find it by, so a run killed before its
/// `IPC_RMID` (even before it could note the new segment's id) would leave it for ever.
/// The driver makes segments itself, before the fork, so they carry its pid as their
/// creator's, and the sweep removes those of a marked process that is gone. Returns the
/// marker, to remove once the segments are; `None` when this process is marked already.
/// Linux only (the segments are listed in /proc/sysvipc/shm).
pub fn mark_sysv_maker() -> Option<PathBuf> {
    let marker = sysv_marker();
    std::fs::File::create_new(&marker).ok().map(|_| marker)
}

/// This process's System V marker.
fn sysv_marker() -> PathBuf {
    std::env::temp_dir().join(format!("{PREFIX}{}.{SYSV_MARK}", std::process::id()))
}

/// Note in this process's marker (made already, with [`mark_sysv_maker`]) that segments
/// may be made with `key`, before any is: an actor may make one too (`shmget` with
/// IPC_CREAT), so the creator's pid alone would not find it. Works on macOS too, where
/// no table of segments can be read: a key finds its segment with `shmget`.
pub fn note_sysv_key(key: i32) {
    let marker = std::fs::OpenOptions::new().append(true).open(sysv_marker());
    if let Ok(mut marker) = marker {
        let _ = writeln!(marker, "{key}");
    }
}

/// Remove the segments that have `key`, made by this process or by one that is gone
/// (a removed segment frees its key, so several may have had it in turn; one whose
/// creator lives is not ours to remove).
#[expect(unsafe_code, reason = "shmget and shmctl have no safe wrapper")]
pub fn remove_sysv_key(key: i32) {
    const MOST: usize = 16;
    for _ in 0..MOST {
        // SAFETY: shmget takes plain values; without IPC_CREAT it only looks the key up.
        let id = unsafe { libc::shmget(key, 0, 0) };
        // SAFETY: shmid_ds is plain data, valid when zeroed.
        let mut stat: libc::shmid_ds = unsafe { std::mem::zeroed() };
        // SAFETY: IPC_STAT writes one shmid_ds into `stat`, on our stack.
        if id < 0 || unsafe { libc::shmctl(id, libc::IPC_STAT, &mut stat) } != 0 {
            return;
        }
        let creator = Pid::from_raw(stat.shm_cpid);
        // EPERM says the process lives too, under another user.
        let alive = kill(creator, None) != Err(nix::errno::Errno::ESRCH);
        if creator != Pid::this() && alive {
            return;
        }
        // SAFETY: IPC_RMID reads no buffer, so a null one is allowed.
        if unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) } != 0 {
            return;
        }
    }
}

/// The keys a System V marker notes.
fn noted_keys(marker: &Path) -> Vec<i32> {
    let text = std::fs::read_to_string(marker).unwrap_or_default();
    text.lines().filter_map(|l| l.parse().ok()).collect()
}

/// The System V segments of the system: (shmid, creator's pid).
fn sysv_segments() -> Vec<(i32, i32)> {
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
fn remove_sysv_segments_of(pid: i32) {
    for (id, _) in sysv_segments().into_iter().filter(|&(_, cpid)| cpid == pid) {
        remove_sysv_segment(id, pid);
    }
}

/// Remove segment `id` if `pid` made it (the id may have been given to another since).
#[expect(unsafe_code, reason = "shmctl has no safe wrapper")]
fn remove_sysv_segment(id: i32, pid: i32) {
    // SAFETY: shmid_ds is plain data, valid when zeroed.
    let mut stat: libc::shmid_ds = unsafe { std::mem::zeroed() };
    // SAFETY: IPC_STAT writes one shmid_ds into `stat`, on our stack.
    if unsafe { libc::shmctl(id, libc::IPC_STAT, &mut stat) } != 0 || stat.shm_cpid != pid {
        return;
    }
    // SAFETY: IPC_RMID reads no buffer, so a null one is allowed.
    unsafe { libc::shmctl(id, libc::IPC_RMID, std::ptr::null_mut()) };
}

/// Remove the entries `PREFIX PID.…` of `dir` whose creating process is gone (a run
/// killed by SIGKILL); a marker of a System V maker takes the segments it made with it.
pub fn sweep_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let Some((pid, what)) = rest.split_once('.') else {
            continue;
        };
        let Ok(pid) = pid.parse::<i32>() else {
            continue;
        };
        let alive = kill(Pid::from_raw(pid), None).is_ok();
        if !alive {
            if what == SYSV_MARK {
                remove_sysv_segments_of(pid);
                noted_keys(&entry.path())
                    .into_iter()
                    .for_each(remove_sysv_key);
            }
            let path = entry.path();
            let _ = if path.is_dir() {
                std::fs::remove_dir_all(path)
            } else {
                std::fs::remove_file(path)
            };
        }
    }
}

/// Kill every process in the group; a group already empty is fine.
pub fn kill_group(pgid: Pid) {
    let _ = kill(Pid::from_raw(-pgid.as_raw()), Signal::SIGKILL);
}

/// Whether any process is left in the group.
pub fn group_alive(pgid: Pid) -> bool {
    kill(Pid::from_raw(-pgid.as_raw()), None).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_private_and_goes_away() {
        let dir = PrivateDir::create().unwrap();
        let path = dir.path().to_path_buf();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o700
        );
        std::fs::write(path.join("x"), b"").unwrap();
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn stale_directories_of_dead_runs_are_swept() {
        let tmp = std::env::temp_dir().join(format!("sweep-test.{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        // pid 0x7ffffff0 is above pid_max on every system we run on: never alive.
        let stale = tmp.join(format!("{PREFIX}{}.1", 0x7fff_fff0));
        let live = tmp.join(format!("{PREFIX}{}.2", std::process::id()));
        std::fs::create_dir_all(&stale).unwrap();
        std::fs::create_dir_all(&live).unwrap();
        sweep_stale(&tmp, PREFIX);
        assert!(!stale.exists());
        assert!(live.exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    #[expect(unsafe_code, reason = "fork, shmget and shmctl have no safe wrapper")]
    fn a_dead_runs_noted_key_takes_the_segment_an_actor_made_with_it() {
        let tmp = std::env::temp_dir().join(format!("sweep-key-test.{}", std::process::id()));
        std::fs::create_dir_all(&tmp).unwrap();
        let key = (random_suffix().unwrap() as i32) | 1;
        let marker = tmp.join(format!("{PREFIX}{}.{SYSV_MARK}", 0x7fff_fff0));
        std::fs::write(&marker, format!("{key}\n")).unwrap();
        // An actor of the dead run made the segment with the key, and is gone too.
        // SAFETY: the child makes two system calls and leaves without unwinding.
        match unsafe { libc::fork() } {
            0 => unsafe {
                let made = libc::shmget(key, 4096, libc::IPC_CREAT | libc::IPC_EXCL | 0o600);
                libc::_exit(i32::from(made < 0));
            },
            child => {
                let status = nix::sys::wait::waitpid(Pid::from_raw(child), None).unwrap();
                assert_eq!(
                    status,
                    nix::sys::wait::WaitStatus::Exited(Pid::from_raw(child), 0)
                );
            }
        }
        // SAFETY: a lookup of a key, with no memory of ours.
        assert!(unsafe { libc::shmget(key, 0, 0) } >= 0);
        sweep_stale(&tmp, PREFIX);
        assert!(!marker.exists());
        // SAFETY: as above.
        assert!(unsafe { libc::shmget(key, 0, 0) } < 0);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}

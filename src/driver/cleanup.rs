//! Nothing is left behind: a private 0700 directory per scenario with an unpredictable
//! name, removed on every path out (Drop), and the sweep of names left by runs that were
//! killed (`sweep.rs` runs it, with the families' and the hosts' own sweeps).

use std::io::Read;
use std::path::{Path, PathBuf};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

pub(super) const PREFIX: &str = "ipc-conformance.";

/// A directory only this run can enter; FIFOs live in it.
#[derive(Debug)]
pub struct PrivateDir {
    path: PathBuf,
}

/// A new name of this run's in the system's temporary directory,
/// `ipc-conformance.PID.RANDOM`, which the sweep after a killed run finds by its pid.
/// Short, so that a socket path in a directory of that name fits sun_path (104 bytes on
/// macOS, whose temporary directory alone takes about 50).
pub fn private_temp_path() -> std::io::Result<PathBuf> {
    Ok(std::env::temp_dir().join(format!(
        "{PREFIX}{}.{:08x}",
        std::process::id(),
        random_suffix()? as u32
    )))
}

impl PrivateDir {
    /// Make one under the system's temporary directory.
    pub fn create() -> std::io::Result<Self> {
        let path = private_temp_path()?;
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

/// Remove the entries `PREFIX PID.…` of `dir` whose creating process is gone (a run
/// killed by SIGKILL), each after `first(pid, what, path)` (what a marker records goes
/// with it).
pub fn sweep_stale(dir: &Path, prefix: &str, first: impl Fn(i32, &str, &Path)) {
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
            let path = entry.path();
            first(pid, what, &path);
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
        sweep_stale(&tmp, PREFIX, |_, _, _| {});
        assert!(!stale.exists());
        assert!(live.exists());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}

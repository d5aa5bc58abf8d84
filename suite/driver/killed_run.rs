//! A run killed with SIGKILL mid-way leaves nothing the next run does not sweep: runs of
//! the command line are stopped while a scenario's objects are live (a FIFO, a Unix
//! socket path, a POSIX shared memory object, a System V segment, a System V semaphore
//! set, a POSIX named semaphore, network namespaces),
//! killed, and a second run must remove everything they left.

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::Failed;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::check;

/// What a killed run of one kind leaves, found by its pid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Fifo,
    UnixSocket,
    PosixShm,
    SysvSegment,
    SemaphoreSet,
    PosixSemaphore,
    Namespace,
}

impl Kind {
    /// The catalogue directory whose scenarios make such objects.
    fn scenarios(self) -> &'static str {
        match self {
            Kind::Fifo => "fifo",
            Kind::UnixSocket => "unix-stream",
            Kind::PosixShm => "posix-shm",
            Kind::SysvSegment => "sysv-shm",
            Kind::SemaphoreSet => "sysv-sem",
            Kind::PosixSemaphore => "posix-sem",
            Kind::Namespace => "tcp",
        }
    }

    /// What the run of pid `pid` has of this kind now.
    fn left_by(self, pid: u32) -> Vec<String> {
        match self {
            Kind::Fifo => private_entries(pid, |t| t.is_fifo()),
            Kind::UnixSocket => private_entries(pid, |t| t.is_socket()),
            Kind::PosixShm => entries("/dev/shm", &format!("ipcc.{pid}.")),
            Kind::SysvSegment => sysv_segments_of(pid),
            Kind::SemaphoreSet => semaphore_sets_of(pid),
            Kind::PosixSemaphore => entries("/dev/shm", &format!("sem.ipcc.{pid}.")),
            Kind::Namespace => entries("/run/netns", &format!("ipcc-{pid}-")),
        }
    }
}

/// Names in `dir` starting with `prefix`.
fn entries(dir: &str, prefix: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect()
}

/// Everything of pid's in the temporary directory (private directories, markers).
fn temp_entries(pid: u32) -> Vec<String> {
    entries(
        &std::env::temp_dir().to_string_lossy(),
        &format!("ipc-conformance.{pid}."),
    )
}

/// Entries of the given type in pid's private directories.
fn private_entries(pid: u32, wanted: impl Fn(std::fs::FileType) -> bool) -> Vec<String> {
    temp_entries(pid)
        .into_iter()
        .map(|d| std::env::temp_dir().join(d))
        .filter(|d| d.is_dir())
        .flat_map(|d| std::fs::read_dir(d).into_iter().flatten().flatten())
        .filter(|e| e.file_type().is_ok_and(&wanted))
        .map(|e| e.path().display().to_string())
        .collect()
}

/// System V segments whose creator is pid, as `shmid N`.
fn sysv_segments_of(pid: u32) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/sysvipc/shm").unwrap_or_default();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.get(4)? == &pid.to_string()).then(|| format!("shmid {}", fields[1]))
        })
        .collect()
}

/// The System V semaphore sets the run of pid made, as `semid N`: a set records no
/// creator pid, so they are found by the ids and keys its marker notes.
fn semaphore_sets_of(pid: u32) -> Vec<String> {
    let marker = std::env::temp_dir().join(format!("ipc-conformance.{pid}.sysv"));
    let notes = std::fs::read_to_string(marker).unwrap_or_default();
    let table = std::fs::read_to_string("/proc/sysvipc/sem").unwrap_or_default();
    let noted = |key: &str, id: &str| {
        notes
            .lines()
            .any(|n| n == format!("sem-id {id}") || (key != "0" && n == format!("sem-key {key}")))
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (key, id) = (*fields.first()?, *fields.get(1)?);
            noted(key, id).then(|| format!("semid {id}"))
        })
        .collect()
}

/// Which of `held` (`semid N`) are still in the system's table.
fn semaphore_sets_still_there(held: &[String]) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/sysvipc/sem").unwrap_or_default();
    held.iter()
        .filter(|h| {
            table.lines().skip(1).any(|line| {
                line.split_whitespace()
                    .nth(1)
                    .map(|id| format!("semid {id}"))
                    == Some(h.to_string())
            })
        })
        .cloned()
        .collect()
}

fn cli() -> &'static str {
    env!("CARGO_BIN_EXE_ipc-conformance")
}

fn catalogue(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(dir)
}

/// A run of the command line over a kind's scenarios, many times over.
fn start_run(kind: Kind) -> std::io::Result<Child> {
    let root = catalogue(kind.scenarios());
    Command::new(cli())
        .arg("run")
        .args(std::iter::repeat_n(&root, 50))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// Start runs of `kind` and kill one with SIGKILL while it holds an object of that
/// kind (stopped with SIGSTOP to look, let go with SIGCONT when it holds none); its pid
/// and what it left.
fn kill_mid_way(kind: Kind) -> Result<(u32, Vec<String>), Failed> {
    let until = Instant::now() + Duration::from_secs(20);
    while Instant::now() < until {
        let mut run = start_run(kind)?;
        let pid = Pid::from_raw(run.id() as i32);
        loop {
            if run.try_wait()?.is_some() {
                break;
            }
            kill(pid, Signal::SIGSTOP)?;
            // Stopped: nothing changes while we look.
            let held = kind.left_by(run.id());
            if !held.is_empty() {
                kill(pid, Signal::SIGKILL)?;
                run.wait()?;
                return Ok((run.id(), held));
            }
            kill(pid, Signal::SIGCONT)?;
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    Err(format!("no run of {kind:?} was seen holding an object within 20 s").into())
}

/// The killed runs' actors die with them (parent-death signal); this process, a child
/// subreaper once it has run a scenario, may inherit them: reap them.
fn reap_orphans() {
    let until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < until {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(1)),
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

pub fn killed_run_leaves_nothing_a_second_run_cannot_sweep() -> Result<(), Failed> {
    if !cfg!(target_os = "linux") {
        // The objects are looked for in /proc, /dev/shm and /run/netns.
        return Ok(());
    }
    let mut kinds = vec![
        Kind::Fifo,
        Kind::UnixSocket,
        Kind::PosixShm,
        Kind::SysvSegment,
        Kind::SemaphoreSet,
        Kind::PosixSemaphore,
    ];
    let root = nix::unistd::geteuid().is_root();
    let ip = Command::new("ip").arg("-V").output().is_ok();
    if root && ip {
        kinds.push(Kind::Namespace);
    }
    let mut killed = Vec::new();
    for kind in kinds {
        let (pid, held) = kill_mid_way(kind)?;
        killed.push((kind, pid, held));
    }
    reap_orphans();
    // Each run after a killed one sweeps at its start (the later kinds' runs already
    // swept what the earlier ones left); one more, for the last.
    let status = Command::new(cli())
        .arg("run")
        .arg(catalogue("pipe"))
        .stdout(Stdio::null())
        .status()?;
    check(status.success(), || format!("the second run: {status}"))?;
    for (kind, pid, held) in &killed {
        // The marker that finds a run's sets goes with the sweep: look for the sets seen.
        let left = match kind {
            Kind::SemaphoreSet => semaphore_sets_still_there(held),
            _ => kind.left_by(*pid),
        };
        check(left.is_empty(), || {
            format!(
                "the run {pid} was killed holding {held:?}; after a second run, {left:?} is left"
            )
        })?;
        let temp = temp_entries(*pid);
        check(temp.is_empty(), || {
            format!("after the second run, the killed run {pid} left {temp:?}")
        })?;
    }
    Ok(())
}

//! Processes an implementation forked that outlive the actors. Those that stay in the
//! scenario's process group die with it (`kill_group`); one that left the group
//! (`setsid()`, `setpgid()`) would not. On Linux the driver is a child subreaper
//! (`PR_SET_CHILD_SUBREAPER`): when an actor dies, the processes it forked become the
//! driver's children instead of init's, so the driver finds every one of them, kills it
//! and reaps it, wherever its group. The driver forks nothing but actors and waits for
//! every command it runs, so a child of its own that was not there before the run and is
//! no actor can only be such a process.
//!
//! Elsewhere (macOS has no subreaper) only the process group is swept.

use nix::unistd::Pid;

/// Become a child subreaper, once per process (before the first actor is forked).
#[cfg(linux_like)]
pub(crate) fn adopt_orphans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = nix::sys::prctl::set_child_subreaper(true);
    });
}

/// No subreaper here: see the module's docs.
#[cfg(not(linux_like))]
pub(crate) fn adopt_orphans() {}

/// This process's children, from `/proc/self/task/*/children`.
#[cfg(linux_like)]
pub(crate) fn children() -> Vec<Pid> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .map(Pid::from_raw)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Without /proc, no child is found beyond the actors.
#[cfg(not(linux_like))]
pub(crate) fn children() -> Vec<Pid> {
    Vec::new()
}

/// What [`kill_strays`] found.
#[derive(Debug, Default)]
pub(crate) struct Strays {
    /// Processes killed and reaped.
    pub(crate) killed: usize,
    /// Of those, how many had left the scenario's process group.
    pub(crate) left_group: usize,
}

/// Kill and reap every child of ours that is neither in `before` (there before the run)
/// nor an actor: processes the actors forked, handed to the driver as their parents
/// died. Killing one hands its own children over in turn, so this goes on until none is
/// left (at most a bounded number of rounds).
pub(crate) fn kill_strays(before: &[Pid], actors: &[Pid], pgid: Pid) -> Strays {
    let mut found = Strays::default();
    for _ in 0..64 {
        let strays: Vec<Pid> = children()
            .into_iter()
            .filter(|pid| !before.contains(pid) && !actors.contains(pid))
            .collect();
        if strays.is_empty() {
            break;
        }
        for pid in strays {
            if nix::unistd::getpgid(Some(pid)).is_ok_and(|g| g != pgid) {
                found.left_group += 1;
            }
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
            let _ = nix::sys::wait::waitpid(pid, None);
            found.killed += 1;
        }
    }
    found
}

//! The sweep, once per process, of what runs that were killed left behind: private
//! directories in the temporary directory, System V objects their markers there record,
//! POSIX shared memory objects and named semaphores where the system shows them as
//! files (Linux, in /dev/shm), and network namespaces of hosts. Each kind
//! of name is owned by its own module; this one only gathers them, so that none of them
//! needs another.

use std::path::Path;
use std::sync::Once;

use super::cleanup::{sweep_stale, PREFIX};
use super::families::SHM_PREFIX;
use super::hosts;
use super::sysv_objects::sweep_marker;

/// Sweep stale names of ours, the first time a run starts in this process.
pub(super) fn sweep_stale_once() {
    static SWEEP: Once = Once::new();
    SWEEP.call_once(|| {
        sweep_stale(&std::env::temp_dir(), PREFIX, sweep_marker);
        sweep_stale(Path::new("/dev/shm"), SHM_PREFIX, |_, _, _| {});
        // glibc keeps a named semaphore `/NAME` as /dev/shm/sem.NAME.
        sweep_stale(
            Path::new("/dev/shm"),
            &format!("sem.{SHM_PREFIX}"),
            |_, _, _| {},
        );
        if hosts::unavailable().is_none() {
            hosts::sweep_stale();
        }
    });
}

//! System V semaphore sets through `semget()`, `semop()`, `semtimedop()` and `semctl()`
//! (libc: nix has no wrapper for them).

use std::time::Duration;

use crate::mechanism::{Capability, Describe, IpcKey, Synchronizer};
use crate::scenario::{Errno, IpcFlag, Mechanism, SemCount, SemFlag, SemOp};

/// The operating system's semaphores and locks.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsSynchronizer;

impl Describe for OsSynchronizer {
    fn name(&self) -> &str {
        "os"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[Mechanism::SysvSem]
    }

    fn capabilities(&self, _mechanism: Mechanism) -> &[Capability] {
        Capability::ALL
    }
}

/// A System V semaphore set made by [`OsSynchronizer`]: its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SysvSemaphoreSet {
    /// The id `semget()` returned.
    pub id: i32,
}

#[expect(unsafe_code, reason = "System V semaphores have no safe wrapper")]
impl Synchronizer for OsSynchronizer {
    type SemaphoreSet = SysvSemaphoreSet;

    fn semget(
        &self,
        key: IpcKey,
        nsems: usize,
        flags: &[IpcFlag],
    ) -> Result<SysvSemaphoreSet, Errno> {
        let nsems = i32::try_from(nsems).map_err(|_| Errno(libc::EINVAL))?;
        let flags = flags.iter().fold(0o600, |bits, flag| {
            bits | match flag {
                IpcFlag::Creat => libc::IPC_CREAT,
                IpcFlag::Excl => libc::IPC_EXCL,
            }
        });
        // SAFETY: semget takes plain values and touches no memory of ours.
        let id = unsafe { libc::semget(key.0, nsems, flags) };
        if id < 0 {
            return Err(last_errno());
        }
        Ok(SysvSemaphoreSet { id })
    }

    fn semop(
        &self,
        set: &SysvSemaphoreSet,
        ops: &[SemOp],
        timeout: Option<Duration>,
    ) -> Result<(), Errno> {
        let mut buffer: Vec<libc::sembuf> = ops.iter().map(sembuf).collect();
        let done = match timeout {
            // SAFETY: `buffer` holds `buffer.len()` sembufs, which semop only reads.
            None => unsafe { libc::semop(set.id, buffer.as_mut_ptr(), buffer.len()) },
            Some(timeout) => timed(set.id, &mut buffer, timeout)?,
        };
        if done < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn semctl_setval(&self, set: &SysvSemaphoreSet, num: u16, value: i32) -> Result<(), Errno> {
        // SAFETY: SETVAL takes the value as an int in place of the union semun (the
        // variadic argument is passed in the same register or slot on both systems).
        if unsafe { libc::semctl(set.id, i32::from(num), libc::SETVAL, value) } < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn semctl_count(&self, set: &SysvSemaphoreSet, num: u16, what: SemCount) -> Result<i32, Errno> {
        let command = match what {
            SemCount::Value => libc::GETVAL,
            SemCount::Waiting => libc::GETNCNT,
            SemCount::WaitingForZero => libc::GETZCNT,
        };
        // SAFETY: these commands read no argument beyond the semaphore's number.
        let count = unsafe { libc::semctl(set.id, i32::from(num), command) };
        if count < 0 {
            return Err(last_errno());
        }
        Ok(count)
    }

    fn semctl_rmid(&self, set: &SysvSemaphoreSet) -> Result<(), Errno> {
        // SAFETY: IPC_RMID reads no argument.
        if unsafe { libc::semctl(set.id, 0, libc::IPC_RMID) } < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn semaphore_id(&self, set: &SysvSemaphoreSet) -> Option<i32> {
        Some(set.id)
    }
}

/// One operation as the kernel takes it.
fn sembuf(op: &SemOp) -> libc::sembuf {
    let flags = op.flags.iter().fold(0, |bits, flag| {
        bits | match flag {
            SemFlag::NoWait => libc::IPC_NOWAIT,
            SemFlag::Undo => libc::SEM_UNDO,
        }
    });
    libc::sembuf {
        sem_num: op.num,
        sem_op: op.op,
        sem_flg: flags as libc::c_short,
    }
}

/// `semtimedop()` (Linux): the wait bounded by `timeout`, EAGAIN once it passes.
#[cfg(linux_like)]
#[expect(unsafe_code, reason = "semtimedop has no safe wrapper")]
fn timed(id: i32, buffer: &mut [libc::sembuf], timeout: Duration) -> Result<i32, Errno> {
    let timeout = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: libc::c_long::from(timeout.subsec_nanos() as i32),
    };
    // SAFETY: `buffer` holds `buffer.len()` sembufs and `timeout` one timespec, both
    // read only (glibc has no wrapper, so the system call itself).
    let done = unsafe {
        libc::syscall(
            libc::SYS_semtimedop,
            id,
            buffer.as_mut_ptr(),
            buffer.len(),
            &timeout as *const libc::timespec,
        )
    };
    Ok(done as i32)
}

/// XNU has no `semtimedop()` (bsd/kern/sysv_sem.c defines semop alone).
#[cfg(not(linux_like))]
fn timed(_id: i32, _buffer: &mut [libc::sembuf], _timeout: Duration) -> Result<i32, Errno> {
    Err(Errno::UNSUPPORTED)
}

fn last_errno() -> Errno {
    Errno(nix::errno::Errno::last_raw())
}

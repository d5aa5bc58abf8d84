//! System V semaphore sets through `semget()`, `semop()`, `semtimedop()` and `semctl()`,
//! and POSIX named semaphores through `sem_open()` and the calls on a `sem_t` (libc:
//! nix has no wrapper for either).

use std::ffi::CString;
use std::ptr::NonNull;
use std::time::Duration;

use super::ipc_flags;
use super::shared_lock::{self, OsSharedLock};
use super::SharedPage;
use crate::mechanism::{Capability, Describe, IpcKey, Synchronizer};
use crate::scenario::{
    Errno, IpcFlag, LockWait, Mechanism, MutexSpec, OpenFlag, SemCount, SemFlag, SemOp, SemWait,
};

/// The operating system's semaphores and locks.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsSynchronizer;

impl Describe for OsSynchronizer {
    fn name(&self) -> &str {
        "os"
    }

    fn mechanisms(&self) -> &[Mechanism] {
        &[
            Mechanism::SysvSem,
            Mechanism::PosixSem,
            Mechanism::PsharedMutex,
        ]
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

/// A POSIX semaphore a process can use: what `sem_open()` returned (mapped until
/// `sem_close()` or the process's end), or an unnamed one `sem_init()` made at the start
/// of a [`SharedPage`] the driver keeps mapped.
#[derive(Debug)]
pub struct OsPosixSemaphore {
    sem: NonNull<libc::sem_t>,
}

#[expect(
    unsafe_code,
    reason = "System V and POSIX semaphores have no safe wrapper"
)]
impl Synchronizer for OsSynchronizer {
    type SemaphoreSet = SysvSemaphoreSet;
    type PosixSemaphore = OsPosixSemaphore;
    type SharedLock = OsSharedLock;

    fn semget(
        &self,
        key: IpcKey,
        nsems: usize,
        flags: &[IpcFlag],
    ) -> Result<SysvSemaphoreSet, Errno> {
        let nsems = i32::try_from(nsems).map_err(|_| Errno(libc::EINVAL))?;
        let flags = ipc_flags(flags);
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

    fn sem_open(
        &self,
        name: &str,
        flags: &[OpenFlag],
        value: u32,
    ) -> Result<OsPosixSemaphore, Errno> {
        let name = CString::new(name).map_err(|_| Errno(libc::EINVAL))?;
        let oflag = flags.iter().fold(0, |bits, flag| {
            bits | match flag {
                OpenFlag::Creat => libc::O_CREAT,
                OpenFlag::Excl => libc::O_EXCL,
                OpenFlag::NonBlock | OpenFlag::CloExec => 0,
            }
        });
        // SAFETY: `name` is a NUL-terminated string that outlives the call; the mode and
        // the value are passed as the variadic ints sem_open reads with O_CREAT.
        let sem = unsafe {
            libc::sem_open(
                name.as_ptr(),
                oflag,
                0o600 as libc::c_uint,
                value as libc::c_uint,
            )
        };
        if sem == libc::SEM_FAILED {
            return Err(last_errno());
        }
        let sem = NonNull::new(sem).ok_or(Errno(libc::EINVAL))?;
        Ok(OsPosixSemaphore { sem })
    }

    fn sem_init_shared(&self, page: &SharedPage, value: u32) -> Result<OsPosixSemaphore, Errno> {
        if page.len() < std::mem::size_of::<libc::sem_t>() {
            return Err(Errno(libc::EINVAL));
        }
        let sem = OsPosixSemaphore {
            sem: page.as_ptr().cast(),
        };
        init_shared(sem.sem.as_ptr(), value)?;
        Ok(sem)
    }

    fn sem_wait(&self, sem: &OsPosixSemaphore, how: SemWait) -> Result<(), Errno> {
        let sem = sem.sem.as_ptr();
        // SAFETY: `sem` is what sem_open returned, open until sem_close consumes it.
        let done = match how {
            SemWait::Wait => unsafe { libc::sem_wait(sem) },
            SemWait::Try => unsafe { libc::sem_trywait(sem) },
            SemWait::Timed(timeout) => timed_wait(sem, timeout)?,
        };
        if done < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn sem_post(&self, sem: &OsPosixSemaphore) -> Result<(), Errno> {
        // SAFETY: `sem` is what sem_open returned, open until sem_close consumes it.
        if unsafe { libc::sem_post(sem.sem.as_ptr()) } < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn sem_getvalue(&self, sem: &OsPosixSemaphore) -> Result<i32, Errno> {
        get_value(sem.sem.as_ptr())
    }

    fn sem_close(&self, sem: OsPosixSemaphore) -> Result<(), Errno> {
        // SAFETY: `sem` is open and consumed here, so it is not used again.
        if unsafe { libc::sem_close(sem.sem.as_ptr()) } < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    fn sem_unlink(&self, name: &str) -> Result<(), Errno> {
        let name = CString::new(name).map_err(|_| Errno(libc::EINVAL))?;
        // SAFETY: `name` is a NUL-terminated string that outlives the call.
        if unsafe { libc::sem_unlink(name.as_ptr()) } < 0 {
            return Err(last_errno());
        }
        Ok(())
    }

    /// glibc's `sem_t` begins with the word its waiters sleep on (nptl's `struct
    /// new_sem`, the value in the low half of `data` on a little-endian machine).
    fn sem_address(&self, sem: &OsPosixSemaphore) -> Option<u64> {
        Some(sem.sem.as_ptr() as u64)
    }

    fn lock_init(&self, page: &SharedPage, spec: &MutexSpec) -> Result<OsSharedLock, Errno> {
        shared_lock::init(page, spec)
    }

    fn lock_attach(&self, page: &SharedPage) -> Result<OsSharedLock, Errno> {
        shared_lock::attach(page)
    }

    fn mutex_lock(&self, lock: &OsSharedLock, how: LockWait) -> Result<(), Errno> {
        shared_lock::lock(lock, how)
    }

    fn mutex_unlock(&self, lock: &OsSharedLock) -> Result<(), Errno> {
        shared_lock::unlock(lock)
    }

    fn mutex_consistent(&self, lock: &OsSharedLock) -> Result<(), Errno> {
        shared_lock::make_consistent(lock)
    }

    fn cond_wait(&self, lock: &OsSharedLock, timeout: Option<Duration>) -> Result<(), Errno> {
        shared_lock::cond_wait(lock, timeout)
    }

    fn cond_signal(&self, lock: &OsSharedLock) -> Result<(), Errno> {
        shared_lock::cond_wake(lock, false)
    }

    fn cond_broadcast(&self, lock: &OsSharedLock) -> Result<(), Errno> {
        shared_lock::cond_wake(lock, true)
    }
}

/// `sem_timedwait()` (Linux): the wait bounded by `timeout` from now, ETIMEDOUT once it
/// passes.
#[cfg(linux_like)]
#[expect(unsafe_code, reason = "sem_timedwait has no safe wrapper")]
fn timed_wait(sem: *mut libc::sem_t, timeout: Duration) -> Result<i32, Errno> {
    let deadline = super::realtime_deadline(timeout)?;
    // SAFETY: `sem` is open (the caller's), and `deadline` one timespec it only reads.
    Ok(unsafe { libc::sem_timedwait(sem, &deadline) })
}

/// `sem_init(sem, 1, value)` (Linux).
#[cfg(linux_like)]
#[expect(unsafe_code, reason = "sem_init has no safe wrapper")]
fn init_shared(sem: *mut libc::sem_t, value: u32) -> Result<(), Errno> {
    // SAFETY: `sem` starts a fresh MAP_SHARED page with room for a sem_t.
    if unsafe { libc::sem_init(sem, 1, value as libc::c_uint) } < 0 {
        return Err(last_errno());
    }
    Ok(())
}

/// macOS has no unnamed semaphores: sem_init is enosys (bsd/kern/syscalls.master).
#[cfg(not(linux_like))]
fn init_shared(_sem: *mut libc::sem_t, _value: u32) -> Result<(), Errno> {
    Err(Errno::UNSUPPORTED)
}

/// `sem_getvalue()` (Linux).
#[cfg(linux_like)]
#[expect(unsafe_code, reason = "sem_getvalue has no safe wrapper")]
fn get_value(sem: *mut libc::sem_t) -> Result<i32, Errno> {
    let mut value = 0;
    // SAFETY: `sem` is open (the caller's); `value` is one int on our stack.
    if unsafe { libc::sem_getvalue(sem, &mut value) } < 0 {
        return Err(last_errno());
    }
    Ok(value)
}

/// macOS reads no named semaphore's value (bsd/kern/syscalls.master has no
/// sem_getvalue), and Rust's libc crate declares none there.
#[cfg(not(linux_like))]
fn get_value(_sem: *mut libc::sem_t) -> Result<i32, Errno> {
    Err(Errno::UNSUPPORTED)
}

/// macOS has no `sem_timedwait()` (bsd/kern/syscalls.master has no such call).
#[cfg(not(linux_like))]
fn timed_wait(_sem: *mut libc::sem_t, _timeout: Duration) -> Result<i32, Errno> {
    Err(Errno::UNSUPPORTED)
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

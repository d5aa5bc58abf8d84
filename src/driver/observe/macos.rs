//! macOS: `proc_pidinfo(PROC_PIDLISTTHREADS)` for the thread, then
//! `proc_pidinfo(PROC_PIDTHREADINFO)` for its run state. The kernel does not say which
//! call a thread sleeps in, so evidence from here is state only.
//!
//! Written against XNU's `sys/proc_info.h`; it compiles here but can only run on a Mac.

use super::Sample;

/// `PROC_PIDLISTTHREADS` from `sys/proc_info.h` (the libc crate does not export it).
const PROC_PIDLISTTHREADS: libc::c_int = 6;

#[expect(
    unsafe_code,
    reason = "proc_pidinfo is the only interface to thread run state"
)]
pub fn sample(pid: i32) -> Option<Sample> {
    let mut thread: u64 = 0;
    // SAFETY: the buffer is one u64 and its size is passed; the call writes at most that.
    let n = unsafe {
        libc::proc_pidinfo(
            pid,
            PROC_PIDLISTTHREADS,
            0,
            (&mut thread as *mut u64).cast(),
            8,
        )
    };
    if n < 8 {
        return None;
    }
    // SAFETY: proc_threadinfo is plain data; all-zero is a valid value.
    let mut info: libc::proc_threadinfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::proc_threadinfo>() as libc::c_int;
    // SAFETY: the buffer is a proc_threadinfo and its exact size is passed.
    let n = unsafe {
        libc::proc_pidinfo(
            pid,
            libc::PROC_PIDTHREADINFO,
            thread,
            (&mut info as *mut libc::proc_threadinfo).cast(),
            size,
        )
    };
    if n != size {
        return None;
    }
    Some(Sample {
        asleep: info.pth_run_state == libc::TH_STATE_WAITING,
        call: None,
    })
}

pub fn wait_channel(_pid: i32) -> Option<String> {
    None
}

/// macOS's thread info does not say which call a thread is in.
pub fn past_exec(_pid: i32) -> Option<bool> {
    None
}

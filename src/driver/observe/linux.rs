//! Linux: `/proc/PID/task/TID/{stat,syscall,wchan}`. An actor is single-threaded, so
//! its only thread id is its pid.

use std::fs;

use super::Sample;
use crate::driver::event_log::CallKind;

/// The syscall numbers each call family may sleep in.
pub fn calls(kind: CallKind) -> &'static [i64] {
    match kind {
        CallKind::Read => &[
            libc::SYS_read,
            libc::SYS_readv,
            libc::SYS_recvfrom,
            libc::SYS_recvmsg,
            libc::SYS_pread64,
        ],
        CallKind::Write => &[
            libc::SYS_write,
            libc::SYS_writev,
            libc::SYS_sendto,
            libc::SYS_sendmsg,
            libc::SYS_pwrite64,
        ],
        #[cfg(target_arch = "x86_64")]
        CallKind::Open => &[libc::SYS_openat, libc::SYS_open],
        #[cfg(not(target_arch = "x86_64"))]
        CallKind::Open => &[libc::SYS_openat],
        CallKind::Accept => &[libc::SYS_accept, libc::SYS_accept4],
        CallKind::Connect => &[libc::SYS_connect],
        // glibc's semop() is semtimedop() with no time-out on some architectures.
        CallKind::Semop => &[libc::SYS_semop, libc::SYS_semtimedop],
        CallKind::Futex | CallKind::FutexInPage => &[libc::SYS_futex],
        CallKind::Other => &[],
    }
}

/// The calls that wait for readiness on many descriptors at once (an async runtime's
/// reactor): the descriptor they name is the poller's, not the object's.
pub fn readiness_waits() -> &'static [i64] {
    &[
        libc::SYS_epoll_pwait,
        libc::SYS_ppoll,
        libc::SYS_pselect6,
        #[cfg(target_arch = "x86_64")]
        libc::SYS_epoll_wait,
        #[cfg(target_arch = "x86_64")]
        libc::SYS_poll,
        #[cfg(target_arch = "x86_64")]
        libc::SYS_select,
    ]
}

pub fn sample(pid: i32) -> Option<Sample> {
    sample_task(pid, pid)
}

/// `Some(true)` once the process makes a call other than `execve`, `Some(false)` while
/// it runs or is still in `execve`, `None` when `/proc` does not say.
pub fn past_exec(pid: i32) -> Option<bool> {
    let text = fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    let nr: Option<i64> = text.split_whitespace().next()?.parse().ok();
    Some(nr.is_some_and(|nr| nr >= 0 && nr != libc::SYS_execve))
}

fn sample_task(pid: i32, tid: i32) -> Option<Sample> {
    let stat = fs::read(format!("/proc/{pid}/task/{tid}/stat")).ok()?;
    // The state follows the last ')' (the command name may itself hold parentheses).
    let close = stat.iter().rposition(|&b| b == b')')?;
    let state = *stat.get(close + 2)?;
    let asleep = matches!(state, b'S' | b'D');
    let call = fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall"))
        .ok()
        .and_then(|text| parse_syscall(&text));
    Some(Sample { asleep, call })
}

/// `/proc/.../syscall` reads `NR ARG0 … SP PC` while the thread is in a call, `-1 SP PC`
/// when it is blocked outside one, and `running` while it runs.
fn parse_syscall(text: &str) -> Option<(i64, u64)> {
    let mut fields = text.split_whitespace();
    let nr: i64 = fields.next()?.parse().ok()?;
    let arg0 = u64::from_str_radix(fields.next()?.trim_start_matches("0x"), 16).ok()?;
    (nr >= 0).then_some((nr, arg0))
}

pub fn wait_channel(pid: i32) -> Option<String> {
    let w = fs::read_to_string(format!("/proc/{pid}/task/{pid}/wchan")).ok()?;
    let w = w.trim();
    (!w.is_empty() && w != "0").then(|| w.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syscall_lines_parse() {
        assert_eq!(
            parse_syscall("0 0x5 0x7ff 0x5 0x0 0x0 0x0 0x7ffd 0x7f\n"),
            Some((0, 5))
        );
        assert_eq!(parse_syscall("-1 0x7ffd 0x7f"), None);
        assert_eq!(parse_syscall("running"), None);
    }

    #[test]
    fn a_running_thread_is_not_asleep() {
        // The test runs on a thread of its own, not the process's main thread.
        let pid = std::process::id() as i32;
        let tid = nix::unistd::gettid().as_raw();
        let s = sample_task(pid, tid).expect("this machine has /proc");
        // This very thread is running while it reads its own stat.
        assert!(!s.asleep);
    }
}

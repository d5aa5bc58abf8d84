//! What the running system says about the numbers and features a [`PlatformProfile`]
//! assumes, measured on it (DESIGN rule 6: measure, don't assume). Each measurement names
//! its source; one that cannot be made here (a call the system refuses, a probe that must
//! fork in a process with threads) is [`Measured::Unknown`] with the reason, never an error.
//! `check.rs` compares them with a profile.
//!
//! Probes that must see a process die (a protection fault, SIGPIPE) fork a child, and only
//! while this process has one thread (DESIGN rule 7): the command line's main thread, or
//! the harness's fork server.
//!
//! [`PlatformProfile`]: super::PlatformProfile

use std::fmt;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use nix::sys::signal::Signal;
use nix::sys::socket::{socket, socketpair, AddressFamily, SockFlag, SockType};
use nix::sys::wait::WaitStatus;

/// A measurement, or why it could not be made here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Measured<T> {
    /// What the system answered.
    Known(T),
    /// It could not be measured here, and why.
    Unknown(String),
}

impl<T> From<Result<T, String>> for Measured<T> {
    fn from(result: Result<T, String>) -> Self {
        match result {
            Ok(value) => Measured::Known(value),
            Err(reason) => Measured::Unknown(reason),
        }
    }
}

/// How much a new pipe holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeCapacity {
    /// A fixed capacity, in bytes.
    Fixed(u64),
    /// The buffer grows as writes ask for room (XNU, `sys_pipe.c`: `pipe_write` calls
    /// `choose_pipespace` and `expand_pipespace`): the buffer size `fstat` reported for
    /// the new pipe and for the full one, and the bytes it took before EAGAIN.
    Grows {
        /// `st_blksize` of the new pipe.
        new: u64,
        /// `st_blksize` once full.
        full: u64,
        /// Bytes written before EAGAIN.
        filled: u64,
    },
}

impl fmt::Display for PipeCapacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipeCapacity::Fixed(n) => write!(f, "{n} bytes, fixed"),
            PipeCapacity::Grows { new, full, filled } => write!(
                f,
                "grows (buffer {new} → {full} bytes, took {filled} before EAGAIN)"
            ),
        }
    }
}

/// A socket's buffer sizes as `getsockopt()` reads them back (Linux reports twice what
/// was set, and counts its own bookkeeping against them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SocketBuffers {
    /// `SO_SNDBUF`.
    pub send: u64,
    /// `SO_RCVBUF`.
    pub receive: u64,
}

impl fmt::Display for SocketBuffers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SO_SNDBUF {}, SO_RCVBUF {}", self.send, self.receive)
    }
}

/// Everything measured, one field per assumption of the profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measurements {
    /// `PIPE_BUF` of a new pipe.
    pub pipe_buf: Measured<u64>,
    /// The page size.
    pub page_size: Measured<u64>,
    /// A new pipe's capacity, and whether it grows.
    pub pipe_capacity: Measured<PipeCapacity>,
    /// A Unix stream socket pair's default buffers.
    pub stream_buffers: Measured<SocketBuffers>,
    /// A Unix datagram socket pair's default buffers.
    pub datagram_buffers: Measured<SocketBuffers>,
    /// How many connections a Unix stream listener with a backlog of
    /// [`Measurements::BACKLOG`] queues before it refuses more.
    pub listen_queue: Measured<u32>,
    /// `SOCK_SEQPACKET` in the `AF_UNIX` domain.
    pub seqpacket: Measured<bool>,
    /// `send()` with `MSG_NOSIGNAL` fails with EPIPE and raises no SIGPIPE.
    pub msg_nosignal: Measured<bool>,
    /// `SO_NOSIGPIPE` is accepted and keeps SIGPIPE away.
    pub so_nosigpipe: Measured<bool>,
    /// Abstract `AF_UNIX` names (a leading NUL byte) can be bound.
    pub abstract_sockets: Measured<bool>,
    /// The longest name `shm_open` accepts, the leading `/` counted.
    pub shm_name_max: Measured<u64>,
    /// The longest name `sem_open` accepts, the leading `/` counted.
    pub sem_name_max: Measured<u64>,
    /// The signal a store to a read-only mapping raises.
    pub protection_fault: Measured<Signal>,
}

impl Measurements {
    /// The backlog the listener of [`Measurements::listen_queue`] is given.
    pub const BACKLOG: u32 = 2;

    /// Measure everything on the running system. The probes that fork are `Unknown` when
    /// this process has more than one thread.
    pub fn take() -> Measurements {
        Measurements {
            pipe_buf: pipe_buf().into(),
            page_size: page_size().into(),
            pipe_capacity: pipe_capacity().into(),
            stream_buffers: socket_buffers(SockType::Stream).into(),
            datagram_buffers: socket_buffers(SockType::Datagram).into(),
            listen_queue: listen_queue(Self::BACKLOG).into(),
            seqpacket: seqpacket().into(),
            msg_nosignal: msg_nosignal().into(),
            so_nosigpipe: so_nosigpipe().into(),
            abstract_sockets: abstract_sockets().into(),
            shm_name_max: shm_name_max().into(),
            sem_name_max: sem_name_max().into(),
            protection_fault: protection_fault().into(),
        }
    }
}

fn failed(call: &str) -> impl Fn(Errno) -> String + '_ {
    move |e| format!("{call} failed: {}", e.desc())
}

fn pipe() -> Result<(OwnedFd, OwnedFd), String> {
    nix::unistd::pipe().map_err(failed("pipe()"))
}

fn set_nonblock(fd: &OwnedFd) -> Result<(), String> {
    fcntl(fd, FcntlArg::F_SETFL(OFlag::O_NONBLOCK))
        .map(drop)
        .map_err(failed("fcntl(F_SETFL, O_NONBLOCK)"))
}

/// Source: `fpathconf(fd, _PC_PIPE_BUF)` on the read end of a new pipe (POSIX
/// fpathconf(): the C library's answer for that pipe).
fn pipe_buf() -> Result<u64, String> {
    let (read, _write) = pipe()?;
    match nix::unistd::fpathconf(&read, nix::unistd::PathconfVar::PIPE_BUF) {
        Ok(Some(n)) => Ok(n as u64),
        Ok(None) => Err("fpathconf(_PC_PIPE_BUF) says there is no limit".to_owned()),
        Err(e) => Err(failed("fpathconf(_PC_PIPE_BUF)")(e)),
    }
}

/// Source: `sysconf(_SC_PAGESIZE)` (POSIX sysconf()).
fn page_size() -> Result<u64, String> {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE) {
        Ok(Some(n)) => Ok(n as u64),
        Ok(None) => Err("sysconf(_SC_PAGESIZE) has no answer".to_owned()),
        Err(e) => Err(failed("sysconf(_SC_PAGESIZE)")(e)),
    }
}

/// Source: a new pipe with O_NONBLOCK on its write end, filled by writes of 1 MiB and
/// then of one byte until EAGAIN (POSIX write(): a full pipe with O_NONBLOCK fails with
/// EAGAIN); growth from `fstat`'s `st_blksize` of the read end before and after, which
/// XNU sets to the buffer's size (`sys_pipe.c`, `pipe_stat`) and Linux to the page size
/// whatever the capacity.
fn pipe_capacity() -> Result<PipeCapacity, String> {
    let (read, write) = pipe()?;
    set_nonblock(&write)?;
    let blksize = |fd: &OwnedFd| {
        nix::sys::stat::fstat(fd)
            .map(|st| st.st_blksize as u64)
            .map_err(failed("fstat()"))
    };
    let new = blksize(&read)?;
    let chunk = vec![0u8; 1 << 20];
    let mut filled = 0u64;
    for size in [chunk.len(), 1] {
        loop {
            match nix::unistd::write(&write, &chunk[..size]) {
                Ok(n) => filled += n as u64,
                Err(Errno::EAGAIN) => break,
                Err(e) => return Err(failed("write() on a pipe")(e)),
            }
            if filled > 64 << 20 {
                return Err("a pipe took 64 MiB without EAGAIN".to_owned());
            }
        }
    }
    let full = blksize(&read)?;
    Ok(if full > new {
        PipeCapacity::Grows { new, full, filled }
    } else {
        PipeCapacity::Fixed(filled)
    })
}

/// Source: `getsockopt(SO_SNDBUF)` and `getsockopt(SO_RCVBUF)` on one end of a new
/// `socketpair(AF_UNIX, kind)`.
fn socket_buffers(kind: SockType) -> Result<SocketBuffers, String> {
    use nix::sys::socket::{getsockopt, sockopt};
    let (one, _other) = socketpair(AddressFamily::Unix, kind, None, SockFlag::empty())
        .map_err(failed("socketpair(AF_UNIX)"))?;
    Ok(SocketBuffers {
        send: getsockopt(&one, sockopt::SndBuf).map_err(failed("getsockopt(SO_SNDBUF)"))? as u64,
        receive: getsockopt(&one, sockopt::RcvBuf).map_err(failed("getsockopt(SO_RCVBUF)"))? as u64,
    })
}

/// A private 0700 directory in the temporary directory, named as the driver's are
/// (`ipc-conformance.PID.…`) so that a run killed mid-probe has it swept; removed on drop.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn new() -> Result<PrivateDir, String> {
        use std::os::unix::fs::DirBuilderExt;
        let path = std::env::temp_dir().join(format!(
            "ipc-conformance.{}.probe{}",
            std::process::id(),
            unique()
        ));
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&path)
            .map_err(|e| format!("cannot make {}: {e}", path.display()))?;
        Ok(PrivateDir(path))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A number no other probe of this process uses.
fn unique() -> u32 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Source: a Unix stream listener given `listen(fd, backlog)` that never accepts, and
/// non-blocking `connect()`s to it, counted until one fails with EAGAIN (Linux,
/// `unix_stream_connect`) or ECONNREFUSED (XNU, `unp_connect` when `sonewconn` finds the
/// queue full).
fn listen_queue(backlog: u32) -> Result<u32, String> {
    use nix::sys::socket::{bind, connect, listen, Backlog, UnixAddr};
    let dir = PrivateDir::new()?;
    let addr = UnixAddr::new(&dir.0.join("listener")).map_err(failed("a socket address"))?;
    let listener = socket(
        AddressFamily::Unix,
        SockType::Stream,
        SockFlag::empty(),
        None,
    )
    .map_err(failed("socket(AF_UNIX, SOCK_STREAM)"))?;
    bind(listener.as_raw_fd(), &addr).map_err(failed("bind()"))?;
    let backlog_arg = Backlog::new(backlog as i32).map_err(failed("a backlog"))?;
    listen(&listener, backlog_arg).map_err(failed("listen()"))?;
    let mut queued = Vec::new();
    while queued.len() < backlog as usize + 64 {
        let client = socket(
            AddressFamily::Unix,
            SockType::Stream,
            SockFlag::empty(),
            None,
        )
        .map_err(failed("socket(AF_UNIX, SOCK_STREAM)"))?;
        set_nonblock(&client)?;
        match connect(client.as_raw_fd(), &addr) {
            Ok(()) => queued.push(client),
            Err(Errno::EAGAIN | Errno::ECONNREFUSED) => return Ok(queued.len() as u32),
            Err(e) => return Err(failed("connect()")(e)),
        }
    }
    Err(format!(
        "{} connections queued on a backlog of {backlog} and none refused",
        queued.len()
    ))
}

/// Whether an error of `socket()`/`socketpair()` means "this kind does not exist here".
fn no_such_kind(e: Errno) -> bool {
    matches!(
        e,
        Errno::EPROTONOSUPPORT
            | Errno::EPROTOTYPE
            | Errno::ESOCKTNOSUPPORT
            | Errno::EOPNOTSUPP
            | Errno::EAFNOSUPPORT
    )
}

/// Source: `socketpair(AF_UNIX, SOCK_SEQPACKET)`: made, or refused as a kind this domain
/// lacks (EPROTONOSUPPORT, EPROTOTYPE, …; XNU's `localsw` has no seqpacket entry).
fn seqpacket() -> Result<bool, String> {
    match socketpair(
        AddressFamily::Unix,
        SockType::SeqPacket,
        None,
        SockFlag::empty(),
    ) {
        Ok(_) => Ok(true),
        Err(e) if no_such_kind(e) => Ok(false),
        Err(e) => Err(failed("socketpair(AF_UNIX, SOCK_SEQPACKET)")(e)),
    }
}

/// Source: a child with SIGPIPE at its default sends one byte with `MSG_NOSIGNAL` on a
/// Unix stream socket whose peer is closed: present if it returns EPIPE and lives (POSIX
/// send(): MSG_NOSIGNAL), absent if refused (EINVAL, EOPNOTSUPP) or killed by SIGPIPE.
fn msg_nosignal() -> Result<bool, String> {
    let status = in_child(|| {
        let Ok(ours) = pair_without_peer() else {
            return 3;
        };
        match calls::send_byte(&ours, libc::MSG_NOSIGNAL) {
            Err(Errno::EPIPE) => 0,
            Err(Errno::EINVAL | Errno::EOPNOTSUPP) => 2,
            _ => 3,
        }
    })?;
    nosigpipe_verdict(status, "send(MSG_NOSIGNAL)")
}

/// A Unix stream socket pair whose other end is already closed.
fn pair_without_peer() -> nix::Result<OwnedFd> {
    let (ours, theirs) = socketpair(
        AddressFamily::Unix,
        SockType::Stream,
        None,
        SockFlag::empty(),
    )?;
    drop(theirs);
    Ok(ours)
}

/// What a child of [`msg_nosignal`] or [`so_nosigpipe`] came to: 0 EPIPE and alive, 2
/// refused, killed by SIGPIPE: the flag or option does nothing.
fn nosigpipe_verdict(status: WaitStatus, what: &str) -> Result<bool, String> {
    match status {
        WaitStatus::Exited(_, 0) => Ok(true),
        WaitStatus::Exited(_, 2) | WaitStatus::Signaled(_, Signal::SIGPIPE, _) => Ok(false),
        other => Err(format!("{what} on a closed socket came to {other:?}")),
    }
}

/// Source: where `SO_NOSIGPIPE` is defined (XNU `bsd/sys/socket.h`), a child with
/// SIGPIPE at its default sets it on a Unix stream socket whose peer is closed and writes
/// one byte: present if EPIPE and alive, absent if the option is refused (ENOPROTOOPT,
/// EINVAL) or SIGPIPE kills it. Linux's C library defines no `SO_NOSIGPIPE`
/// (asm-generic/socket.h has no such option), so there it is absent by definition.
fn so_nosigpipe() -> Result<bool, String> {
    #[cfg(apple)]
    {
        let status = in_child(|| {
            let Ok(ours) = pair_without_peer() else {
                return 3;
            };
            match calls::set_nosigpipe(&ours) {
                Err(Errno::ENOPROTOOPT | Errno::EINVAL) => return 2,
                Err(_) => return 3,
                Ok(()) => {}
            }
            match calls::send_byte(&ours, 0) {
                Err(Errno::EPIPE) => 0,
                _ => 3,
            }
        })?;
        nosigpipe_verdict(status, "write() with SO_NOSIGPIPE")
    }
    #[cfg(not(apple))]
    {
        Ok(false)
    }
}

/// Source: `bind()` of a Unix datagram socket to an abstract name (a leading NUL byte;
/// Linux `unix_bind` → `unix_bind_abstract`); where names are paths (XNU `unp_bind`
/// looks up the empty path), the bind fails (ENOENT, EINVAL) and there are none.
fn abstract_sockets() -> Result<bool, String> {
    let sock = socket(
        AddressFamily::Unix,
        SockType::Datagram,
        SockFlag::empty(),
        None,
    )
    .map_err(failed("socket(AF_UNIX, SOCK_DGRAM)"))?;
    let name = format!("ipc-conformance.{}.probe{}", std::process::id(), unique());
    match calls::bind_abstract(&sock, name.as_bytes()) {
        Ok(()) => Ok(true),
        Err(Errno::ENOENT | Errno::EINVAL) => Ok(false),
        Err(e) => Err(failed("bind() to an abstract name")(e)),
    }
}

/// Source: `shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600)` of names of growing length
/// (each unlinked at once): the longest that is accepted (POSIX shm_open(); glibc
/// `__shm_get_name`: NAME_MAX after the `/`, ENAMETOOLONG just past it and EINVAL once
/// the name overflows its buffer; XNU `posix_shm.c`, PSHMNAMLEN).
fn shm_name_max() -> Result<u64, String> {
    use nix::sys::mman::{shm_open, shm_unlink};
    use nix::sys::stat::Mode;
    longest_name("shm_open()", |name| {
        let flags = OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_RDWR;
        shm_open(name, flags, Mode::S_IRUSR | Mode::S_IWUSR)?;
        let _ = shm_unlink(name);
        Ok(())
    })
}

/// Source: `sem_open(name, O_CREAT | O_EXCL, 0600, 0)` of names of growing length
/// (each closed and unlinked at once): the longest that is accepted (POSIX sem_open(); glibc `sem.` before the name in /dev/shm, so NAME_MAX
/// less 4 after the `/`; XNU `posix_sem.c`, PSEMNAMLEN with the NUL counted).
fn sem_name_max() -> Result<u64, String> {
    longest_name("sem_open()", calls::make_named_semaphore)
}

/// The longest name `make` (which makes an object of that name and removes it) accepts,
/// by bisection between our prefix's length and 4096. A refusal of a name that differs
/// from an accepted one only in length, with ENAMETOOLONG or EINVAL, is taken as "too
/// long".
fn longest_name(call: &str, make: impl Fn(&str) -> Result<(), Errno>) -> Result<u64, String> {
    // Named as the driver's are (`/ipcc.PID.…`), so a killed run's are swept.
    let prefix = format!("/ipcc.{}.p{}", std::process::id(), unique());
    let accepted = |len: usize| -> Result<bool, String> {
        let mut name = prefix.clone();
        name.extend(std::iter::repeat_n('x', len.saturating_sub(prefix.len())));
        match make(&name) {
            Ok(()) => Ok(true),
            Err(Errno::ENAMETOOLONG | Errno::EINVAL) if len > prefix.len() => Ok(false),
            Err(e) => Err(failed(call)(e)),
        }
    };
    let (mut good, mut bad) = (prefix.len(), 4096);
    if !accepted(good)? {
        return Err(format!("{call} refuses even {good}-byte names"));
    }
    if accepted(bad)? {
        return Err(format!("{call} takes names of {bad} bytes: no limit found"));
    }
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if accepted(mid)? {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Ok(good as u64)
}

/// Source: a child stores one byte to an anonymous `PROT_READ` mapping with SIGSEGV and
/// SIGBUS at their defaults, and `waitpid` reports the signal that killed it (Linux:
/// SIGSEGV, `do_user_addr_fault` → `bad_area_access_error`; XNU: SIGBUS,
/// `ux_exception.c` maps KERN_PROTECTION_FAILURE to it).
fn protection_fault() -> Result<Signal, String> {
    let page = page_size()? as usize;
    let mapping = calls::ReadOnlyPage::map(page).map_err(failed("mmap(PROT_READ)"))?;
    match in_child(|| mapping.store())? {
        WaitStatus::Signaled(_, signal, _) => Ok(signal),
        other => Err(format!("a store to a read-only mapping came to {other:?}")),
    }
}

/// Run `body` in a child and wait for it, if this process has one thread (DESIGN rule
/// 7); else why not.
fn in_child(body: impl FnOnce() -> i32) -> Result<WaitStatus, String> {
    match thread_count() {
        Some(1) | None => {}
        Some(n) => {
            return Err(format!(
                "this process has {n} threads, and a probe that forks runs only in a \
                 process with one (`ipc-conformance platform`, the harness's fork server)"
            ))
        }
    }
    let child = calls::fork_child(body).map_err(failed("fork()"))?;
    nix::sys::wait::waitpid(child, None).map_err(failed("waitpid()"))
}

/// How many threads this process has, where the system tells (Linux, the `Threads:`
/// line of /proc/self/status); `None` elsewhere.
pub fn thread_count() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:")?.trim().parse().ok())
}

mod calls;

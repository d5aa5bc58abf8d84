//! The grid: per group of mechanisms, every call the scenario format supports, each
//! argument, flag or state of the object that changes what the call does, and the
//! classes of value each takes. A class is a cell the catalogue should fill, or one that
//! is not applicable (with why), or one whose state the models cannot tell (with why):
//! those two are shown, not counted as gaps.

use super::Group;

/// One class of value of an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Class {
    /// A cell the catalogue should fill.
    Counted(&'static str),
    /// A value that means nothing for this call here, and why.
    NotApplicable(&'static str, &'static str),
    /// A state the reference models do not follow, so no scenario can be shown to meet
    /// it, and why.
    Undecidable(&'static str, &'static str),
}

impl Class {
    /// How the table names it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Class::Counted(n) | Class::NotApplicable(n, _) | Class::Undecidable(n, _) => n,
        }
    }
}

/// One argument, flag or state of one call, and its classes of value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Axis {
    /// The call, as a scenario file spells it.
    pub(super) call: &'static str,
    /// The argument, flag or state.
    pub(super) name: &'static str,
    /// Its classes of value.
    pub(super) classes: Vec<Class>,
}

/// The axis of a call that takes nothing that changes what it does.
pub(super) const CALLED: &str = "the call";
/// Its one class.
pub(super) const ANY: &str = "made";

/// Flag axes: set and clear.
pub(super) const SET: &str = "set";
pub(super) const CLEAR: &str = "clear";

const UNTIL_FULL: &str =
    "`send_until_full` measures the room of a connection; a socket with no peer to take \
     bytes fails its first send as `send` does";

const QUEUE_FULL_UNKNOWN: &str =
    "socket buffers fill by the kernel's accounting, which the models stop short of \
     (at most 16 KiB or 16 sends wait in a model's queue)";

const UNMAPPED: &str =
    "the format rejects a call on the region by a process with none mapped, before anything runs";

fn axis(call: &'static str, name: &'static str, classes: &[Class]) -> Axis {
    Axis {
        call,
        name,
        classes: classes.to_vec(),
    }
}

fn counted(names: &[&'static str]) -> Vec<Class> {
    names.iter().map(|n| Class::Counted(n)).collect()
}

fn flag(call: &'static str, name: &'static str) -> Axis {
    axis(call, name, &counted(&[SET, CLEAR]))
}

fn called(call: &'static str) -> Axis {
    axis(call, CALLED, &counted(&[ANY]))
}

/// Every axis of `group`, in the order the table shows them.
pub(super) fn axes(group: Group) -> Vec<Axis> {
    match group {
        Group::PipesAndFifos => pipe_axes(),
        Group::ConnectionSockets => socket_axes(group),
        Group::DatagramSockets => socket_axes(group),
        Group::SharedMemory => region_axes(),
        Group::Semaphores => semaphore_axes(),
    }
}

fn semaphore_axes() -> Vec<Axis> {
    vec![
        axis("semop", "operations", &counted(&["one", "several"])),
        axis(
            "semop",
            "operation",
            &counted(&["negative", "zero", "positive"]),
        ),
        flag("semop", "IPC_NOWAIT"),
        flag("semop", "SEM_UNDO"),
        axis("semtimedop", "operations", &counted(&["one", "several"])),
        axis(
            "semtimedop",
            "operation",
            &counted(&["negative", "zero", "positive"]),
        ),
        flag("semtimedop", "IPC_NOWAIT"),
        flag("semtimedop", "SEM_UNDO"),
        flag("semget", "IPC_CREAT"),
        flag("semget", "IPC_EXCL"),
        called("setval"),
        called("getval"),
        called("getncnt"),
        called("getzcnt"),
        called("semctl_rmid"),
        flag("sem_open", "O_CREAT"),
        flag("sem_open", "O_EXCL"),
        called("sem_wait"),
        called("sem_trywait"),
        called("sem_timedwait"),
        called("sem_post"),
        called("sem_getvalue"),
        called("sem_close"),
        called("sem_unlink"),
        called("mutex_lock"),
        called("mutex_trylock"),
        called("mutex_unlock"),
        called("mutex_consistent"),
        called("cond_wait"),
        called("cond_wait_then_unlock"),
        called("cond_timedwait"),
        called("cond_signal"),
        called("cond_broadcast"),
        called("remap"),
        called("exec"),
        called("exit"),
        called("kill"),
    ]
}

fn pipe_axes() -> Vec<Axis> {
    let pipe_state = counted(&["empty", "partly full", "full"]);
    let writer = counted(&["a writer open", "no writer"]);
    let reader = counted(&["a reader open", "no reader"]);
    let read_count = counted(&["0", "1 to PIPE_BUF-1", "PIPE_BUF", "over PIPE_BUF"]);
    let vs_queued = counted(&["fewer than queued", "as many as queued", "more than queued"]);
    let write_len = counted(&[
        "0",
        "1 to PIPE_BUF-1",
        "PIPE_BUF",
        "PIPE_BUF+1 to capacity-1",
        "the capacity",
        "over the capacity",
    ]);
    let ends = counted(&["read end", "write end"]);
    vec![
        flag("pipe (set-up)", "O_NONBLOCK"),
        flag("pipe (set-up)", "O_CLOEXEC"),
        axis("read", "count", &read_count),
        axis("read", "count against the bytes queued", &vs_queued),
        axis("read", "pipe", &pipe_state),
        axis("read", "writers", &writer),
        flag("read", "O_NONBLOCK"),
        axis("read_exactly", "count", &read_count),
        axis("read_exactly", "pipe", &pipe_state),
        axis("read_exactly", "writers", &writer),
        axis("read_to_end", "pipe", &pipe_state),
        axis("read_to_end", "writers", &writer),
        axis("write", "length", &write_len),
        axis("write", "pipe", &pipe_state),
        axis("write", "readers", &reader),
        flag("write", "O_NONBLOCK"),
        axis(
            "write_records",
            "record length",
            &counted(&["1 to PIPE_BUF-1", "PIPE_BUF", "over PIPE_BUF"]),
        ),
        axis("fill", "pipe", &pipe_state),
        axis("close", "end", &ends),
        axis("close", "pipe", &pipe_state),
        axis("set_nonblocking", "end", &ends),
        axis("clear_nonblocking", "end", &ends),
        axis("get_flag", "flag", &counted(&["O_NONBLOCK", "FD_CLOEXEC"])),
        axis("fpathconf_pipe_buf", "end", &ends),
        axis("fionread", "pipe", &pipe_state),
        called("get_pipe_size"),
        axis(
            "set_pipe_size",
            "size",
            &counted(&["below the capacity", "the capacity", "above the capacity"]),
        ),
        axis("set_pipe_size", "pipe", &pipe_state),
        axis("lseek", "end", &ends),
        axis("pread", "end", &ends),
        axis("pwrite", "end", &ends),
        axis(
            "read_on",
            "end",
            &[
                Class::NotApplicable(
                    "read end",
                    "`read_on` is there to read the write end; on the read end it is `read`",
                ),
                Class::Counted("write end"),
            ],
        ),
        axis(
            "write_on",
            "end",
            &[
                Class::Counted("read end"),
                Class::NotApplicable(
                    "write end",
                    "`write_on` is there to write the read end; on the write end it is `write`",
                ),
            ],
        ),
        axis("poll", "event", &counted(&["POLLIN", "POLLOUT"])),
        axis("poll", "pipe", &pipe_state),
        axis("poll", "the other end", &counted(&["open", "gone"])),
        called("mkfifo"),
        axis(
            "open",
            "mode",
            &counted(&["O_RDONLY", "O_WRONLY", "O_RDWR"]),
        ),
        flag("open", "O_NONBLOCK"),
        flag("open", "O_CLOEXEC"),
        axis(
            "open",
            "the other side",
            &[Class::Counted("present"), Class::Counted("absent")],
        ),
        called("unlink"),
        called("ftruncate"),
        called("dup"),
        called("set_cloexec"),
        called("exec"),
        called("exit"),
        called("kill"),
    ]
}

fn socket_axes(group: Group) -> Vec<Axis> {
    let datagrams = group == Group::DatagramSockets;
    let queue = [
        Class::Counted("empty"),
        Class::Counted("partly full"),
        Class::Undecidable("full", QUEUE_FULL_UNKNOWN),
    ];
    let link = counted(&["connected", "peer closed", "unconnected"]);
    let no_connections = "datagram sockets take no connections";
    // SO_NOSIGPIPE spares a sender SIGPIPE, which only a connection raises.
    let options = |names: &[&'static str]| {
        let mut classes = counted(names);
        classes.insert(
            2,
            match datagrams {
                true => Class::NotApplicable("SO_NOSIGPIPE", "a datagram send raises no SIGPIPE"),
                false => Class::Counted("SO_NOSIGPIPE"),
            },
        );
        classes
    };
    let mut all = vec![
        flag("socket", "SOCK_NONBLOCK"),
        flag("socket", "SOCK_CLOEXEC"),
        axis(
            "bind",
            "address",
            &counted(&["a path or port", "an abstract name"]),
        ),
    ];
    if datagrams {
        all.extend([
            axis(
                "listen",
                CALLED,
                &[Class::NotApplicable(ANY, no_connections)],
            ),
            axis(
                "accept",
                CALLED,
                &[Class::NotApplicable(ANY, no_connections)],
            ),
        ]);
    } else {
        all.extend([
            axis("listen", "backlog", &counted(&["0", "1", "more than 1"])),
            flag("accept", "SOCK_NONBLOCK"),
            flag("accept", "SOCK_CLOEXEC"),
            flag("accept", "O_NONBLOCK"),
            axis("accept", "connections waiting", &counted(&["none", "some"])),
        ]);
    }
    all.extend([
        axis(
            "connect",
            "the socket",
            &counted(&["unconnected", "connected"]),
        ),
        flag("connect", "O_NONBLOCK"),
        axis(
            "send",
            "length",
            &counted(&["0", "1 to PAGE_SIZE-1", "PAGE_SIZE or more"]),
        ),
        flag("send", "MSG_DONTWAIT"),
    ]);
    if datagrams {
        all.extend([
            axis(
                "send",
                "MSG_NOSIGNAL",
                &[
                    Class::NotApplicable(SET, "a datagram send raises no SIGPIPE"),
                    Class::NotApplicable(CLEAR, "a datagram send raises no SIGPIPE"),
                ],
            ),
            axis(
                "send",
                "destination",
                &counted(&["an address (sendto)", "the connected peer"]),
            ),
        ]);
    } else {
        all.push(flag("send", "MSG_NOSIGNAL"));
    }
    all.extend([
        axis(
            "send",
            "the receiver's queue",
            &if datagrams {
                vec![Class::Undecidable(
                    "any",
                    "which queue a datagram joins depends on the address it names",
                )]
            } else {
                queue.to_vec()
            },
        ),
        axis("send", "the socket", &link),
        flag("send", "O_NONBLOCK"),
        axis(
            "recv",
            "count",
            &counted(&["0", "fewer than queued", "at least as many as queued"]),
        ),
        flag("recv", "MSG_PEEK"),
        flag("recv", "MSG_DONTWAIT"),
    ]);
    if datagrams {
        all.push(axis(
            "recv",
            "MSG_WAITALL",
            &[
                Class::NotApplicable(
                    SET,
                    "a datagram receive takes one datagram, never waits for more",
                ),
                Class::NotApplicable(
                    CLEAR,
                    "a datagram receive takes one datagram, never waits for more",
                ),
            ],
        ));
    } else {
        all.push(flag("recv", "MSG_WAITALL"));
    }
    all.extend([
        flag("recv", "MSG_TRUNC in msg_flags"),
        axis("recv", "the queue", &queue),
        axis("recv", "the socket", &link),
        flag("recv", "O_NONBLOCK"),
    ]);
    if datagrams {
        all.push(axis(
            "shutdown",
            CALLED,
            &[Class::NotApplicable(ANY, no_connections)],
        ));
    } else {
        all.push(axis(
            "shutdown",
            "how",
            &counted(&["SHUT_RD", "SHUT_WR", "SHUT_RDWR"]),
        ));
    }
    all.extend([
        axis(
            "send_fd",
            "descriptor passed",
            &counted(&["a socket", "a pipe end"]),
        ),
        called("recv_fd"),
        called("dup"),
        called("pipe"),
        axis(
            "setsockopt",
            "option",
            &options(&["SO_RCVBUF", "SO_SNDBUF"]),
        ),
        axis(
            "getsockopt",
            "option",
            &options(&["SO_RCVBUF", "SO_SNDBUF", "SO_ERROR", "SO_TYPE"]),
        ),
        called("set_nonblocking"),
        called("clear_nonblocking"),
        axis("get_flag", "flag", &counted(&["O_NONBLOCK", "FD_CLOEXEC"])),
        axis("poll", "event", &counted(&["POLLIN", "POLLOUT"])),
        axis("poll", "the queue", &queue),
        axis(
            "send_until_full",
            "the socket",
            &[
                Class::Counted("connected"),
                Class::NotApplicable("peer closed", UNTIL_FULL),
                Class::NotApplicable("unconnected", UNTIL_FULL),
            ],
        ),
        axis(
            "close",
            "the socket",
            &counted(&["connected", "peer closed", "unconnected", "listening"]),
        ),
        called("exit"),
        called("kill"),
    ]);
    if datagrams {
        // A listener is a connection socket's state.
        if let Some(close) = all.iter_mut().find(|a| a.call == "close") {
            close.classes = counted(&["connected", "peer closed", "unconnected"]);
        }
    }
    all
}

fn region_axes() -> Vec<Axis> {
    let offset = counted(&["0", "non-zero, word-aligned", "unaligned"]);
    let length = counted(&["1 to 8", "9 to PAGE_SIZE-1", "PAGE_SIZE or more"]);
    let extent = counted(&["within one page", "across a page boundary"]);
    let mapping = [
        Class::Counted("read-write"),
        Class::Counted("read-only"),
        Class::Counted("PROT_NONE"),
        Class::NotApplicable("unmapped", UNMAPPED),
    ];
    let sharing = counted(&["MAP_SHARED", "MAP_PRIVATE"]);
    let word_offset = counted(&["0", "non-zero"]);
    vec![
        axis("store", "offset", &offset),
        axis("store", "length", &length),
        axis("store", "extent", &extent),
        axis("store", "the mapping", &mapping),
        axis("store", "sharing", &sharing),
        axis("load", "offset", &offset),
        axis("load", "length", &length),
        axis("load", "extent", &extent),
        axis("load", "the mapping", &mapping),
        axis("load", "sharing", &sharing),
        axis("store_u64", "offset", &word_offset),
        axis("store_u64", "the mapping", &mapping),
        axis("load_u64", "offset", &word_offset),
        axis("load_u64", "the mapping", &mapping),
        axis("fetch_add_u64", "offset", &word_offset),
        axis(
            "fetch_add_u64",
            "times",
            &counted(&["once", "more than once"]),
        ),
        axis("fetch_add_u64", "the mapping", &mapping),
        axis(
            "mprotect",
            "rights",
            &counted(&[
                "PROT_NONE",
                "PROT_READ",
                "PROT_WRITE",
                "PROT_READ|PROT_WRITE",
            ]),
        ),
        axis("mprotect", "sharing", &sharing),
        axis(
            "munmap",
            "the mapping",
            &[
                Class::Counted("mapped"),
                Class::NotApplicable("unmapped", UNMAPPED),
            ],
        ),
        axis("mmap", "sharing", &sharing),
        axis(
            "mmap",
            "the caller",
            &[
                Class::Counted("unmapped"),
                Class::NotApplicable(
                    "mapped",
                    "the format maps one region per process: `munmap` it first",
                ),
            ],
        ),
        axis("msync", "sharing", &sharing),
        axis("shm_open", "mode", &counted(&["O_RDONLY", "O_RDWR"])),
        flag("shm_open", "O_CREAT"),
        flag("shm_open", "O_EXCL"),
        axis(
            "shm_open",
            "name",
            &counted(&["the scenario's", "of a given length"]),
        ),
        axis(
            "open",
            "mode",
            &counted(&["O_RDONLY", "O_WRONLY", "O_RDWR"]),
        ),
        flag("open", "O_CREAT"),
        flag("open", "O_EXCL"),
        axis(
            "ftruncate",
            "length",
            &counted(&["0", "not a page multiple", "a page multiple"]),
        ),
        axis("pread", "offset", &word_offset),
        axis("pwrite", "offset", &word_offset),
        called("fstat_size"),
        called("shm_unlink"),
        called("unlink"),
        axis(
            "shmget",
            "size",
            &counted(&["0", "at most the segment's", "more than the segment's"]),
        ),
        flag("shmget", "IPC_CREAT"),
        flag("shmget", "IPC_EXCL"),
        called("shmat"),
        called("shmdt"),
        called("shmctl_rmid"),
        called("close"),
        called("dup"),
        called("exec"),
        called("exit"),
        called("kill"),
    ]
}

//! Which cells of the grid ([`super::axes`]) one call of a catalogue scenario fills:
//! its arguments and flags as the file gives them, and the state of the object it meets
//! as the reference model gives it ([`CallState`]), never a guess from the file. Sizes
//! are read by the Linux profile, whose numbers the models follow.

use super::axes::{ANY, CALLED, CLEAR, SET};
use super::Group;
use crate::model::{CallState, MappingState, Peer, Queue};
use crate::platform::{PlatformProfile, Size, SizeSymbol};
use crate::scenario::{
    AccessMode, Action, End, Expectation, FdFlag, Handle, MsgFlag, OpenFlag, PollEvent, Prot,
    Scenario, Sharing, ShutdownHow, SockOpt, SocketCall, SocketFlag,
};

/// One filled cell: the axis and its class (the call is the action's name).
pub(super) type Hit = (&'static str, &'static str);

/// The profile sizes are read by.
const PROFILE: PlatformProfile = PlatformProfile::LINUX;

fn bytes(size: Size) -> Option<u64> {
    PROFILE.resolve(size).ok()
}

fn flag(name: &'static str, on: bool) -> Hit {
    (name, if on { SET } else { CLEAR })
}

/// The cells the pipe a `pipe` scenario makes before the fork fills.
pub(super) fn setup_hits(scenario: &Scenario) -> Vec<Hit> {
    let has = |f| scenario.create_flags.contains(&f);
    vec![
        flag("O_NONBLOCK", has(OpenFlag::NonBlock)),
        flag("O_CLOEXEC", has(OpenFlag::CloExec)),
    ]
}

/// The cells `action` fills, meeting `state` (`None`: the model cannot say), in
/// `scenario`, its step expecting `expect`.
pub(super) fn hits(
    scenario: &Scenario,
    action: &Action,
    state: Option<&CallState>,
    expect: &Expectation,
) -> Vec<Hit> {
    match action {
        Action::Socket(call) => socket_hits(scenario, call, state, expect),
        _ if Group::of(scenario.mechanism) == Group::SharedMemory => {
            region_hits(scenario, action, state)
        }
        _ => pipe_hits(action, state),
    }
}

/// Empty, partly full or full; a queue whose fullness the model does not say is partly
/// full when not empty (the classes of a full one are not derivable).
fn queue_class(queue: &Queue) -> &'static str {
    match (queue.empty, queue.full) {
        (true, _) => "empty",
        (false, Some(true)) => "full",
        (false, _) => "partly full",
    }
}

fn end_name(end: End) -> &'static str {
    match end {
        End::Read => "read end",
        _ => "write end",
    }
}

fn pipe_hits(action: &Action, state: Option<&CallState>) -> Vec<Hit> {
    let queue = state.and_then(|s| s.queue);
    let pipe = queue.as_ref().map(|q| ("pipe", queue_class(q)));
    let peer = |axis: &'static str, present: &'static str, gone: &'static str| {
        state.and_then(|s| s.peer).map(|p| {
            (
                axis,
                match p {
                    Peer::Present => present,
                    _ => gone,
                },
            )
        })
    };
    let writers = peer("writers", "a writer open", "no writer");
    let readers = peer("readers", "a reader open", "no reader");
    let nonblock = state
        .and_then(|s| s.nonblock)
        .map(|on| flag("O_NONBLOCK", on));
    let count = |n: Size| {
        bytes(n).map(|n| {
            (
                "count",
                match n {
                    0 => "0",
                    n if n < PROFILE.pipe_buf => "1 to PIPE_BUF-1",
                    n if n == PROFILE.pipe_buf => "PIPE_BUF",
                    _ => "over PIPE_BUF",
                },
            )
        })
    };
    let hits: Vec<Option<Hit>> = match action {
        Action::Read(n) => {
            let vs = queue.filter(|q| !q.empty).zip(bytes(*n)).map(|(q, n)| {
                (
                    "count against the bytes queued",
                    match n.cmp(&q.len) {
                        std::cmp::Ordering::Less => "fewer than queued",
                        std::cmp::Ordering::Equal => "as many as queued",
                        std::cmp::Ordering::Greater => "more than queued",
                    },
                )
            });
            vec![count(*n), vs, pipe, writers, nonblock]
        }
        Action::ReadExactly(n) => vec![count(*n), pipe, writers],
        Action::ReadToEnd => vec![pipe, writers],
        Action::Write(data) => vec![write_length(data.len()), pipe, readers, nonblock],
        Action::WriteRecords { len, .. } => vec![bytes(*len).map(|n| {
            (
                "record length",
                match n {
                    n if n < PROFILE.pipe_buf => "1 to PIPE_BUF-1",
                    n if n == PROFILE.pipe_buf => "PIPE_BUF",
                    _ => "over PIPE_BUF",
                },
            )
        })],
        Action::Fill | Action::FionRead => vec![pipe],
        Action::Close(end) => vec![Some(("end", end_name(*end))), pipe],
        Action::SetNonBlocking { end, .. }
        | Action::PipeBufOf(end)
        | Action::Lseek(end)
        | Action::Pread { end, .. }
        | Action::Pwrite { end, .. }
        | Action::ReadOn { end, .. }
        | Action::WriteOn { end, .. } => vec![Some(("end", end_name(*end)))],
        Action::GetFlag { flag, .. } => vec![Some(("flag", fd_flag(*flag)))],
        Action::SetPipeSize { size, .. } => vec![
            bytes(*size).map(|n| {
                let capacity = PROFILE.pipe_capacity.unwrap_or(u64::MAX);
                (
                    "size",
                    match n.cmp(&capacity) {
                        std::cmp::Ordering::Less => "below the capacity",
                        std::cmp::Ordering::Equal => "the capacity",
                        std::cmp::Ordering::Greater => "above the capacity",
                    },
                )
            }),
            pipe,
        ],
        Action::Poll { event, .. } => vec![
            Some(("event", poll_event(*event))),
            pipe,
            peer("the other end", "open", "gone"),
        ],
        Action::Open { mode, flags } => vec![
            Some((
                "mode",
                match mode {
                    AccessMode::ReadOnly => "O_RDONLY",
                    AccessMode::WriteOnly => "O_WRONLY",
                    AccessMode::ReadWrite => "O_RDWR",
                },
            )),
            Some(flag("O_NONBLOCK", flags.contains(&OpenFlag::NonBlock))),
            Some(flag("O_CLOEXEC", flags.contains(&OpenFlag::CloExec))),
            peer("the other side", "present", "absent"),
        ],
        // A call that takes nothing that changes what it does.
        _ => vec![Some((CALLED, ANY))],
    };
    hits.into_iter().flatten().collect()
}

fn write_length(len: Size) -> Option<Hit> {
    if let Size::Symbol {
        times: 1,
        symbol: SizeSymbol::PipeCapacity,
        offset,
    } = len
    {
        // The capacity is the object's, measured at set-up: only its name says which.
        return Some((
            "length",
            match offset {
                0 => "the capacity",
                o if o > 0 => "over the capacity",
                _ => "PIPE_BUF+1 to capacity-1",
            },
        ));
    }
    let capacity = PROFILE.pipe_capacity.unwrap_or(u64::MAX);
    bytes(len).map(|n| {
        (
            "length",
            match n {
                0 => "0",
                n if n < PROFILE.pipe_buf => "1 to PIPE_BUF-1",
                n if n == PROFILE.pipe_buf => "PIPE_BUF",
                n if n < capacity => "PIPE_BUF+1 to capacity-1",
                n if n == capacity => "the capacity",
                _ => "over the capacity",
            },
        )
    })
}

fn fd_flag(flag: FdFlag) -> &'static str {
    match flag {
        FdFlag::NonBlock => "O_NONBLOCK",
        FdFlag::CloExec => "FD_CLOEXEC",
    }
}

fn poll_event(event: PollEvent) -> &'static str {
    match event {
        PollEvent::In => "POLLIN",
        PollEvent::Out => "POLLOUT",
    }
}

fn link(peer: Peer) -> Option<&'static str> {
    match peer {
        Peer::Present => Some("connected"),
        Peer::Gone => Some("peer closed"),
        Peer::Unconnected => Some("unconnected"),
        Peer::Listening => None,
    }
}

fn socket_hits(
    scenario: &Scenario,
    call: &SocketCall,
    state: Option<&CallState>,
    expect: &Expectation,
) -> Vec<Hit> {
    let datagrams = Group::of(scenario.mechanism) == Group::DatagramSockets;
    let queue = state.and_then(|s| s.queue).as_ref().map(queue_class);
    let peer = state.and_then(|s| s.peer);
    let the_socket = peer.and_then(link).map(|c| ("the socket", c));
    let nonblock = state
        .and_then(|s| s.nonblock)
        .map(|on| flag("O_NONBLOCK", on));
    let msg =
        |flags: &[MsgFlag], f: MsgFlag, name: &'static str| Some(flag(name, flags.contains(&f)));
    let sock_flags = |flags: &[SocketFlag]| {
        [
            Some(flag("SOCK_NONBLOCK", flags.contains(&SocketFlag::NonBlock))),
            Some(flag("SOCK_CLOEXEC", flags.contains(&SocketFlag::CloExec))),
        ]
    };
    let hits: Vec<Option<Hit>> = match call {
        SocketCall::Socket { flags, .. } => sock_flags(flags).to_vec(),
        SocketCall::Bind { to, .. } => vec![Some((
            "address",
            if to.abstract_name {
                "an abstract name"
            } else {
                "a path or port"
            },
        ))],
        SocketCall::Listen { backlog, .. } => vec![Some((
            "backlog",
            match backlog {
                0 => "0",
                1 => "1",
                _ => "more than 1",
            },
        ))],
        SocketCall::Accept { flags, .. } => {
            let mut v = sock_flags(flags).to_vec();
            v.push(nonblock);
            v.push(
                state
                    .and_then(|s| s.queue)
                    .map(|q| ("connections waiting", if q.empty { "none" } else { "some" })),
            );
            v
        }
        SocketCall::Connect { .. } => vec![
            peer.map(|p| {
                (
                    "the socket",
                    match p {
                        Peer::Unconnected => "unconnected",
                        _ => "connected",
                    },
                )
            }),
            nonblock,
        ],
        SocketCall::Send {
            data, to, flags, ..
        } => vec![
            bytes(data.len()).map(|n| {
                (
                    "length",
                    match n {
                        0 => "0",
                        n if n < PROFILE.page_size => "1 to PAGE_SIZE-1",
                        _ => "PAGE_SIZE or more",
                    },
                )
            }),
            msg(flags, MsgFlag::DontWait, "MSG_DONTWAIT"),
            msg(flags, MsgFlag::NoSignal, "MSG_NOSIGNAL").filter(|_| !datagrams),
            datagrams.then_some((
                "destination",
                if to.is_some() {
                    "an address (sendto)"
                } else {
                    "the connected peer"
                },
            )),
            queue.map(|c| ("the receiver's queue", c)),
            the_socket,
            nonblock,
        ],
        SocketCall::Recv { len, flags, .. } => {
            let count = bytes(*len).map(|n| {
                let waiting = state.and_then(|s| s.queue).filter(|q| !q.empty);
                (
                    "count",
                    match (n, waiting) {
                        (0, _) => "0",
                        (n, Some(q)) if n < q.len => "fewer than queued",
                        _ => "at least as many as queued",
                    },
                )
            });
            vec![
                count,
                msg(flags, MsgFlag::Peek, "MSG_PEEK"),
                msg(flags, MsgFlag::DontWait, "MSG_DONTWAIT"),
                msg(flags, MsgFlag::WaitAll, "MSG_WAITALL").filter(|_| !datagrams),
                truncation(expect).map(|cut| flag("MSG_TRUNC in msg_flags", cut)),
                queue.map(|c| ("the queue", c)),
                the_socket,
                nonblock,
            ]
        }
        SocketCall::Shutdown { how, .. } => vec![Some((
            "how",
            match how {
                ShutdownHow::Read => "SHUT_RD",
                ShutdownHow::Write => "SHUT_WR",
                ShutdownHow::Both => "SHUT_RDWR",
            },
        ))],
        SocketCall::SendFd { fd, .. } => vec![Some((
            "descriptor passed",
            if makes_pipe_end(scenario, fd) {
                "a pipe end"
            } else {
                "a socket"
            },
        ))],
        SocketCall::SetOption { option, .. } | SocketCall::GetOption { option, .. } => {
            vec![Some(("option", sock_opt(*option)))]
        }
        SocketCall::GetFlag { flag, .. } => vec![Some(("flag", fd_flag(*flag)))],
        SocketCall::Poll { event, .. } => {
            vec![
                Some(("event", poll_event(*event))),
                queue.map(|c| ("the queue", c)),
            ]
        }
        SocketCall::SendUntilFull(_) => vec![the_socket],
        SocketCall::Close(_) => vec![peer.map(|p| ("the socket", link(p).unwrap_or("listening")))],
        // A call that takes nothing that changes what it does.
        _ => vec![Some((CALLED, ANY))],
    };
    hits.into_iter().flatten().collect()
}

/// Whether `handle` is an end of a pipe the scenario makes with the `pipe` socket call.
fn makes_pipe_end(scenario: &Scenario, handle: &Handle) -> bool {
    scenario
        .steps
        .iter()
        .flat_map(|step| &step.actions)
        .any(|(_, action)| {
            matches!(action, Action::Socket(SocketCall::Pipe { read, write })
                if read == handle || write == handle)
        })
}

/// Whether the step expects the datagram or record cut short (MSG_TRUNC), where it says.
fn truncation(expect: &Expectation) -> Option<bool> {
    match expect {
        Expectation::Message(check) => check.truncated,
        Expectation::Platform(p) => p.for_platform(PROFILE.platform).and_then(truncation),
        _ => None,
    }
}

fn sock_opt(option: SockOpt) -> &'static str {
    match option {
        SockOpt::RcvBuf => "SO_RCVBUF",
        SockOpt::SndBuf => "SO_SNDBUF",
        SockOpt::NoSigPipe => "SO_NOSIGPIPE",
        SockOpt::Error => "SO_ERROR",
        SockOpt::Type => "SO_TYPE",
    }
}

fn region_hits(scenario: &Scenario, action: &Action, state: Option<&CallState>) -> Vec<Hit> {
    let page = PROFILE.page_size;
    let mapping = state.and_then(|s| s.mapping).and_then(|m| {
        Some((
            "the mapping",
            match m {
                MappingState::ReadWrite => "read-write",
                MappingState::ReadOnly => "read-only",
                MappingState::NoAccess => "PROT_NONE",
                MappingState::Unmapped => "unmapped",
                MappingState::WriteOnly => return None,
            },
        ))
    });
    let sharing = Some((
        "sharing",
        match scenario.region.sharing {
            Sharing::Shared => "MAP_SHARED",
            Sharing::Private => "MAP_PRIVATE",
        },
    ));
    let access = |at: Size, len: Size| -> Vec<Option<Hit>> {
        let (Some(at), Some(len)) = (bytes(at), bytes(len)) else {
            return Vec::new();
        };
        vec![
            Some((
                "offset",
                match at {
                    0 => "0",
                    at if at % 8 == 0 => "non-zero, word-aligned",
                    _ => "unaligned",
                },
            )),
            Some((
                "length",
                match len {
                    0..=8 => "1 to 8",
                    len if len < page => "9 to PAGE_SIZE-1",
                    _ => "PAGE_SIZE or more",
                },
            )),
            Some((
                "extent",
                if len > 0 && at / page != (at + len - 1) / page {
                    "across a page boundary"
                } else {
                    "within one page"
                },
            )),
            mapping,
            sharing,
        ]
    };
    let word = |at: u64| Some(("offset", if at == 0 { "0" } else { "non-zero" }));
    let hits: Vec<Option<Hit>> = match action {
        Action::Store { at, data } => access(*at, data.len()),
        Action::Load { at, len } => access(*at, *len),
        Action::StoreU64 { at, .. } | Action::LoadU64 { at } => vec![word(*at), mapping],
        Action::FetchAddU64 { at, times, .. } => vec![
            word(*at),
            Some((
                "times",
                if *times == 1 {
                    "once"
                } else {
                    "more than once"
                },
            )),
            mapping,
        ],
        Action::Mprotect(prots) => vec![
            Some((
                "rights",
                match (prots.contains(&Prot::Read), prots.contains(&Prot::Write)) {
                    (false, false) => "PROT_NONE",
                    (true, false) => "PROT_READ",
                    (false, true) => "PROT_WRITE",
                    (true, true) => "PROT_READ|PROT_WRITE",
                },
            )),
            sharing,
        ],
        Action::Munmap => vec![mapping.map(|(axis, m)| {
            (
                axis,
                if m == "unmapped" {
                    "unmapped"
                } else {
                    "mapped"
                },
            )
        })],
        Action::Mmap => vec![
            sharing,
            mapping.map(|(_, m)| {
                (
                    "the caller",
                    if m == "unmapped" {
                        "unmapped"
                    } else {
                        "mapped"
                    },
                )
            }),
        ],
        Action::Msync => vec![sharing],
        Action::ShmOpen {
            mode,
            flags,
            name_len,
        } => vec![
            Some((
                "mode",
                if *mode == AccessMode::ReadOnly {
                    "O_RDONLY"
                } else {
                    "O_RDWR"
                },
            )),
            Some(flag("O_CREAT", flags.contains(&OpenFlag::Creat))),
            Some(flag("O_EXCL", flags.contains(&OpenFlag::Excl))),
            Some((
                "name",
                if name_len.is_some() {
                    "of a given length"
                } else {
                    "the scenario's"
                },
            )),
        ],
        Action::Open { mode, flags } => vec![
            Some((
                "mode",
                match mode {
                    AccessMode::ReadOnly => "O_RDONLY",
                    AccessMode::WriteOnly => "O_WRONLY",
                    AccessMode::ReadWrite => "O_RDWR",
                },
            )),
            Some(flag("O_CREAT", flags.contains(&OpenFlag::Creat))),
            Some(flag("O_EXCL", flags.contains(&OpenFlag::Excl))),
        ],
        Action::Ftruncate { len, .. } => vec![bytes(*len).map(|n| {
            (
                "length",
                match n {
                    0 => "0",
                    n if n % page == 0 => "a page multiple",
                    _ => "not a page multiple",
                },
            )
        })],
        Action::Pread { at, .. } | Action::Pwrite { at, .. } => {
            vec![bytes(*at).map(|at| ("offset", if at == 0 { "0" } else { "non-zero" }))]
        }
        // A call that takes nothing that changes what it does.
        _ => vec![Some((CALLED, ANY))],
    };
    hits.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use rstest::rstest;

    use super::*;

    #[rstest]
    #[case::zero(Size::Bytes(0), "0")]
    #[case::small(Size::Bytes(100), "1 to PIPE_BUF-1")]
    #[case::pipe_buf(Size::of(SizeSymbol::PipeBuf), "PIPE_BUF")]
    #[case::pipe_buf_plus_one(Size::plus(SizeSymbol::PipeBuf, 1), "PIPE_BUF+1 to capacity-1")]
    #[case::capacity(Size::of(SizeSymbol::PipeCapacity), "the capacity")]
    #[case::capacity_less_one(Size::plus(SizeSymbol::PipeCapacity, -1), "PIPE_BUF+1 to capacity-1")]
    #[case::over_capacity(Size::plus(SizeSymbol::PipeCapacity, 1), "over the capacity")]
    #[case::linux_capacity_as_a_number(Size::Bytes(65536), "the capacity")]
    fn write_lengths_fall_in_their_class(#[case] len: Size, #[case] class: &str) {
        assert_eq!(write_length(len), Some(("length", class)));
    }

    #[rstest]
    #[case::empty(0, Some(false), "empty")]
    #[case::partly(3, Some(false), "partly full")]
    #[case::full(65536, Some(true), "full")]
    #[case::fullness_unknown(3, None, "partly full")]
    fn queues_fall_in_their_class(
        #[case] len: u64,
        #[case] full: Option<bool>,
        #[case] class: &str,
    ) {
        let queue = Queue {
            len,
            empty: len == 0,
            full,
        };
        assert_eq!(queue_class(&queue), class);
    }
}

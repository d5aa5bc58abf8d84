//! Unit tests of the datagram model: each case replays calls under a platform's profile
//! and checks the outcome of the last, Linux's and macOS's side by side (the catalogue
//! and the fuzzer check Linux's against the kernel; macOS's are read from XNU, named
//! beside [`PlatformProfile::MACOS`]'s datagram rules).

use rstest::rstest;

use super::*;
use crate::model::calls::SocketCalls;
use crate::scenario::{
    Action, MsgFlag, Payload, PollEvent, ProcessName, Relation, SigPipe, Size, SocketCall,
};

const LINUX: &PlatformProfile = &PlatformProfile::LINUX;
const MACOS: &PlatformProfile = &PlatformProfile::MACOS;

/// Three processes, each with its socket `s`.
fn model(domain: SocketDomain, profile: &PlatformProfile) -> DatagramModel {
    let process = |i: usize| Process {
        name: ProcessName(format!("p{i}")),
        relation: Relation::Unrelated,
        keeps: Vec::new(),
        host: None,
        keeps_pair: Vec::new(),
        sigpipe: SigPipe::Default,
        handles: Vec::new(),
        stdin: crate::scenario::Stdin::DevNull,
    };
    let processes: Vec<Process> = (0..3).map(process).collect();
    let mut m = DatagramModel::for_processes(&processes, domain, profile);
    for p in 0..3 {
        let socket = SocketCall::Socket {
            name: s(),
            flags: Vec::new(),
        };
        assert_eq!(
            m.apply(p, &Action::Socket(socket), profile),
            Ok(ModelOutcome::Done)
        );
    }
    m
}

fn s() -> Handle {
    Handle("s".to_owned())
}

fn at(name: &str) -> Address {
    Address {
        name: name.trim_start_matches('@').to_owned(),
        abstract_name: name.starts_with('@'),
    }
}

fn bind(to: &str) -> SocketCall {
    SocketCall::Bind {
        on: s(),
        to: at(to),
    }
}

fn connect(to: &str) -> SocketCall {
    SocketCall::Connect {
        on: s(),
        to: at(to),
    }
}

fn send(text: &str) -> SocketCall {
    SocketCall::Send {
        on: s(),
        data: Payload::Text(text.to_owned()),
        to: None,
        flags: Vec::new(),
    }
}

fn send_to(to: &str, text: &str) -> SocketCall {
    SocketCall::Send {
        on: s(),
        data: Payload::Text(text.to_owned()),
        to: Some(at(to)),
        flags: Vec::new(),
    }
}

fn recv(len: u64, flags: &[MsgFlag]) -> SocketCall {
    SocketCall::Recv {
        on: s(),
        len: Size::Bytes(len),
        flags: flags.to_vec(),
    }
}

fn poll_in() -> SocketCall {
    SocketCall::Poll {
        on: s(),
        event: PollEvent::In,
    }
}

fn close() -> SocketCall {
    SocketCall::Close(s())
}

fn error(errno: i32) -> Answer {
    Ok(ModelOutcome::Error(Errno(errno)))
}

fn count(n: u64) -> Answer {
    Ok(ModelOutcome::Count(n))
}

fn message(text: &str, from: &str) -> Answer {
    Ok(ModelOutcome::Message {
        data: text.as_bytes().to_vec(),
        truncated: false,
        from: Some(from.to_owned()),
    })
}

fn outside() -> Answer {
    Err(Unmodelled::Action(String::new()))
}

/// Replays `calls` `(process, call)` on three processes whose sockets `s` are made, with
/// process 0 bound to `a` and process 1 to `b`; every call but the last must be modelled.
/// Returns the last call's answer (an [`Unmodelled`] with its reason cleared, so a case
/// says only that it is outside).
fn last(domain: SocketDomain, profile: &PlatformProfile, calls: &[(usize, SocketCall)]) -> Answer {
    let mut m = model(domain, profile);
    let (p, call) = calls.last().expect("a call to check");
    let setup = [(0, bind("a")), (1, bind("b"))];
    for (q, c) in setup.iter().chain(&calls[..calls.len() - 1]) {
        if let Err(e) = m.apply(*q, &Action::Socket(c.clone()), profile) {
            panic!("{c:?} of p{q} is modelled on {}: {e:?}", profile.platform);
        }
    }
    match m.apply(*p, &Action::Socket(call.clone()), profile) {
        Err(Unmodelled::Action(_)) => outside(),
        Err(Unmodelled::Schedule(_)) => Err(Unmodelled::Schedule(String::new())),
        answer => answer,
    }
}

/// Linux's `unix_may_send` refuses a stranger to a connected socket; XNU's `uipc_send`
/// and `unp_connect` do not look.
#[rstest]
#[case::linux(LINUX, error(libc::EPERM), error(libc::EPERM))]
#[case::macos(MACOS, count(1), Ok(ModelOutcome::Done))]
fn unix_connected_socket_and_strangers(
    #[case] profile: &PlatformProfile,
    #[case] stranger_sends: Answer,
    #[case] stranger_connects: Answer,
) {
    let unix = SocketDomain::Unix;
    let calls = [(0, connect("b")), (2, send_to("a", "x"))];
    assert_eq!(last(unix, profile, &calls), stranger_sends);
    let calls = [(0, connect("b")), (2, connect("a"))];
    assert_eq!(last(unix, profile, &calls), stranger_connects);
}

/// The peer closes: Linux's sender finds out at its next send (ECONNREFUSED, then
/// ENOTCONN); XNU's `unp_detach` resets it at once (ECONNRESET pending, then
/// EDESTADDRREQ from `sosendcheck`).
#[rstest]
#[case::linux(LINUX, error(libc::ECONNREFUSED), error(libc::ENOTCONN))]
#[case::macos(MACOS, error(libc::ECONNRESET), error(libc::EDESTADDRREQ))]
fn unix_peer_closes(
    #[case] profile: &PlatformProfile,
    #[case] first: Answer,
    #[case] then: Answer,
) {
    let unix = SocketDomain::Unix;
    let calls = [(1, connect("a")), (0, close()), (1, send("x"))];
    assert_eq!(last(unix, profile, &calls), first);
    let calls = [
        (1, connect("a")),
        (0, close()),
        (1, send("x")),
        (1, send("y")),
    ];
    assert_eq!(last(unix, profile, &calls), then);
}

/// After the peer closed, a receive on macOS takes what is queued first, then the
/// ECONNRESET (`soreceive`), which also makes the socket readable (`filt_soread_common`);
/// Linux has no error pending there.
#[rstest]
#[case::linux(LINUX, message("x", "a"), error(libc::EAGAIN), count(0))]
#[case::macos(MACOS, message("x", "a"), error(libc::ECONNRESET), count(1))]
fn unix_receive_after_peer_closed(
    #[case] profile: &PlatformProfile,
    #[case] first: Answer,
    #[case] then: Answer,
    #[case] readable: Answer,
) {
    let unix = SocketDomain::Unix;
    let mut calls = vec![(1, connect("a")), (0, send_to("b", "x")), (0, close())];
    calls.push((1, poll_in()));
    assert_eq!(last(unix, profile, &calls), count(1));
    calls.pop();
    calls.push((1, recv(8, &[MsgFlag::DontWait])));
    assert_eq!(last(unix, profile, &calls), first);
    calls.push((1, poll_in()));
    assert_eq!(last(unix, profile, &calls), readable);
    calls.pop();
    calls.push((1, recv(8, &[MsgFlag::DontWait])));
    assert_eq!(last(unix, profile, &calls), then);
}

/// MSG_PEEK takes a pending error on Linux (`sock_error`), leaves it on macOS.
#[rstest]
#[case::macos(MACOS, error(libc::ECONNRESET))]
fn peek_leaves_the_error_on_macos(#[case] profile: &PlatformProfile, #[case] again: Answer) {
    let unix = SocketDomain::Unix;
    let peek = recv(8, &[MsgFlag::DontWait, MsgFlag::Peek]);
    let calls = [
        (1, connect("a")),
        (0, close()),
        (1, peek.clone()),
        (1, peek),
    ];
    assert_eq!(last(unix, profile, &calls), again);
}

/// `sendto` with an address on a connected socket: Linux sends there; XNU's `uipc_send`
/// and `udp_output` refuse with EISCONN.
#[rstest]
#[case::unix_linux(SocketDomain::Unix, LINUX, count(1))]
#[case::unix_macos(SocketDomain::Unix, MACOS, error(libc::EISCONN))]
#[case::udp_linux(SocketDomain::Inet, LINUX, count(1))]
#[case::udp_macos(SocketDomain::Inet, MACOS, error(libc::EISCONN))]
fn sendto_on_connected_socket(
    #[case] domain: SocketDomain,
    #[case] profile: &PlatformProfile,
    #[case] expected: Answer,
) {
    let calls = [(1, connect("a")), (1, send_to("a", "x"))];
    assert_eq!(last(domain, profile, &calls), expected);
}

/// `send` without an address or peer: Linux's Unix sockets say ENOTCONN, XNU's
/// `sosendcheck` EDESTADDRREQ; UDP says EDESTADDRREQ on both.
#[rstest]
#[case::unix_linux(SocketDomain::Unix, LINUX, error(libc::ENOTCONN))]
#[case::unix_macos(SocketDomain::Unix, MACOS, error(libc::EDESTADDRREQ))]
#[case::udp_linux(SocketDomain::Inet, LINUX, error(libc::EDESTADDRREQ))]
#[case::udp_macos(SocketDomain::Inet, MACOS, error(libc::EDESTADDRREQ))]
fn send_without_destination(
    #[case] domain: SocketDomain,
    #[case] profile: &PlatformProfile,
    #[case] expected: Answer,
) {
    assert_eq!(last(domain, profile, &[(2, send("x"))]), expected);
}

/// A sender that binds after it sent: Linux names it as it is at the receive, XNU as it
/// was at the send (`uipc_send` queues `sun_noname`).
#[rstest]
#[case::linux(LINUX, message("x", "c"))]
#[case::macos(MACOS, message("x", ""))]
fn sender_named_when(#[case] profile: &PlatformProfile, #[case] expected: Answer) {
    let calls = [(2, send_to("a", "x")), (2, bind("c")), (0, recv(8, &[]))];
    assert_eq!(last(SocketDomain::Unix, profile, &calls), expected);
}

/// A `connect` that fails on a connected socket: Linux keeps the old peer; XNU's
/// `soconnectlock` disconnected it first.
#[rstest]
#[case::linux(LINUX, count(1))]
#[case::macos(MACOS, error(libc::EDESTADDRREQ))]
fn failed_connect_keeps_or_drops_the_peer(
    #[case] profile: &PlatformProfile,
    #[case] expected: Answer,
) {
    let calls = [(1, connect("a")), (1, connect("nowhere")), (1, send("x"))];
    assert_eq!(last(SocketDomain::Unix, profile, &calls), expected);
}

/// Leaving a peer with datagrams queued: Linux's `unix_dgram_disconnected` drops them
/// and resets a former peer connected back, waking its blocked receive with ECONNRESET;
/// XNU's `unp_disconnect` keeps them and tells nobody.
#[rstest]
#[case::linux(
    LINUX,
    error(libc::EAGAIN),
    Ok(ModelOutcome::Error(Errno(libc::ECONNRESET)))
)]
#[case::macos(MACOS, message("x", "a"), Ok(ModelOutcome::Blocks))]
fn unix_leaving_a_peer(
    #[case] profile: &PlatformProfile,
    #[case] queue_after: Answer,
    #[case] former_peer: Answer,
) {
    let unix = SocketDomain::Unix;
    let setup = [
        (2, bind("c")),
        (1, connect("a")),
        (0, connect("b")),
        (0, send("x")),
    ];
    let mut calls = setup.to_vec();
    calls.extend([(1, connect("c")), (1, recv(8, &[MsgFlag::DontWait]))]);
    assert_eq!(last(unix, profile, &calls), queue_after);
    let mut m = model(unix, profile);
    for (p, call) in [(0, bind("a")), (1, bind("b"))].iter().chain(&setup) {
        assert!(m.apply(*p, &Action::Socket(call.clone()), profile).is_ok());
    }
    let blocked = m.apply(0, &Action::Socket(recv(8, &[])), profile);
    assert_eq!(blocked, Ok(ModelOutcome::Blocks));
    assert!(m.apply(1, &Action::Socket(connect("c")), profile).is_ok());
    assert_eq!(m.apply(0, &Action::Await, profile), former_peer);
}

/// A receive into 0 bytes on an empty queue waits on Linux; XNU's `soreceive` returns at
/// once with nothing, which the model leaves to the kernel.
#[rstest]
#[case::linux(LINUX, Ok(ModelOutcome::Blocks))]
#[case::macos(MACOS, outside())]
fn empty_receive_of_nothing(#[case] profile: &PlatformProfile, #[case] expected: Answer) {
    assert_eq!(
        last(SocketDomain::Unix, profile, &[(0, recv(0, &[]))]),
        expected
    );
}

/// What the model leaves to the kernel on macOS only: abstract names, a Unix queue past
/// what XNU is known to hold, and when a UDP port-unreachable lands.
#[rstest]
#[case::abstract_linux(SocketDomain::Unix, LINUX, vec![(2, bind("@z"))], Ok(ModelOutcome::Done))]
#[case::abstract_macos(SocketDomain::Unix, MACOS, vec![(2, bind("@z"))], outside())]
#[case::room_linux(SocketDomain::Unix, LINUX, vec![(2, send_to("a", &"x".repeat(1900)))], count(1900))]
#[case::room_macos(SocketDomain::Unix, MACOS, vec![(2, send_to("a", &"x".repeat(1900)))], outside())]
#[case::udp_unreachable_linux(
    SocketDomain::Inet, LINUX, vec![(2, bind("c")), (2, close()), (1, connect("c")), (1, send("x"))], count(1)
)]
#[case::udp_unreachable_macos(
    SocketDomain::Inet,
    MACOS,
    vec![(2, bind("c")), (2, close()), (1, connect("c")), (1, send("x"))],
    Err(Unmodelled::Schedule(String::new()))
)]
fn outside_on_macos(
    #[case] domain: SocketDomain,
    #[case] profile: &PlatformProfile,
    #[case] calls: Vec<(usize, SocketCall)>,
    #[case] expected: Answer,
) {
    assert_eq!(last(domain, profile, &calls), expected);
}

/// What a UDP call that does not wait finds: the datagram sent the step before, where
/// loopback delivers within the send (Linux); on XNU it may still be with lo0's input
/// thread, which the model leaves to the kernel. A receive that may wait is modelled on
/// both.
#[rstest]
#[case::dontwait_linux(LINUX, recv(8, &[MsgFlag::DontWait]), message("x", "b"))]
#[case::dontwait_macos(MACOS, recv(8, &[MsgFlag::DontWait]), Err(Unmodelled::Schedule(String::new())))]
#[case::poll_linux(LINUX, poll_in(), count(1))]
#[case::poll_macos(MACOS, poll_in(), Err(Unmodelled::Schedule(String::new())))]
#[case::waiting_macos(MACOS, recv(8, &[]), message("x", "b"))]
fn udp_arrival(
    #[case] profile: &PlatformProfile,
    #[case] call: SocketCall,
    #[case] expected: Answer,
) {
    let calls = [(1, send_to("a", "x")), (0, call)];
    assert_eq!(last(SocketDomain::Inet, profile, &calls), expected);
}

//! Why a check failed, as the one rule the implementation broke: failures of many
//! scenarios that share a cause are one finding, not many.
//!
//! A cause names the kind of check and the rule in words a crate author can act on ("a
//! `read` returned fewer bytes than were queued"), without the scenario's particulars
//! (counts, payloads, step numbers), so that the same deviation met by forty scenarios
//! reads as one line.

use std::fmt;

use super::outcome::{Observed, Outcome};
use super::payload::payload_bytes;
use crate::platform::PlatformProfile;
use crate::scenario::{Action, Errno, Expectation, FdFlag, MessageCheck, SocketCall};

/// Which check of a run found a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    /// A call's result against the scenario's expectation.
    Result,
    /// A call the scenario says blocks, judged from the kernel.
    Blocking,
    /// A call that should have returned, seen asleep by the kernel.
    Return,
    /// A blocked call that should stay blocked until a later step released it.
    Release,
    /// A call that never returned within the step's bound.
    Watchdog,
    /// A process a step needs was gone.
    Process,
    /// Something left behind after the last step.
    LeftBehind,
    /// A deviation the implementation declares did not happen.
    Declaration,
    /// The object could not be made before the fork.
    Setup,
}

impl Check {
    /// Its name in the machine-readable records.
    pub fn name(self) -> &'static str {
        match self {
            Check::Result => "result",
            Check::Blocking => "blocking",
            Check::Return => "return",
            Check::Release => "release",
            Check::Watchdog => "watchdog",
            Check::Process => "process",
            Check::LeftBehind => "left_behind",
            Check::Declaration => "declaration",
            Check::Setup => "setup",
        }
    }
}

/// The rule a failed check found broken: what groups failures into root causes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cause {
    /// The check that failed.
    pub check: Check,
    /// The rule broken, in words, without the scenario's particulars.
    pub rule: String,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rule)
    }
}

/// The system call an action makes, as a crate author knows it: the loops of reads and
/// writes are `read` and `write`.
fn call_name(action: &Action) -> &'static str {
    match action {
        Action::ReadExactly(_) | Action::ReadToEnd | Action::ReadOn { .. } => "read",
        Action::WriteRecords { .. } | Action::WriteOn { .. } | Action::Fill => "write",
        Action::GetFlag { .. }
        | Action::SetNonBlocking { .. }
        | Action::SetCloExec(_)
        | Action::Socket(SocketCall::GetFlag { .. } | SocketCall::SetNonBlocking { .. }) => "fcntl",
        other => other.name(),
    }
}

/// The call with its article, as a rule names it: "a `read`", "an `open`".
fn a_call(action: &Action) -> String {
    let name = call_name(action);
    let article = match name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        true => "an",
        false => "a",
    };
    format!("{article} `{name}`")
}

/// Whether the action reads bytes, so that fewer of them is a short read.
fn reads(action: &Action) -> bool {
    matches!(
        action,
        Action::Read(_)
            | Action::ReadExactly(_)
            | Action::ReadToEnd
            | Action::ReadOn { .. }
            | Action::Pread { .. }
            | Action::Socket(SocketCall::Recv { .. })
    )
}

impl Cause {
    fn new(check: Check, rule: String) -> Cause {
        Cause { check, rule }
    }

    /// A call whose result did not meet `expect`.
    pub fn of_result(
        action: &Action,
        expect: &Expectation,
        observed: &Observed,
        profile: &PlatformProfile,
    ) -> Cause {
        let rule = match on_platform(expect, profile) {
            Some(e) => result_rule(action, e, observed, profile),
            None => format!("the scenario states nothing for {}", profile.platform),
        };
        Cause::new(Check::Result, rule)
    }

    /// A call the scenario says blocks that returned with `observed` instead.
    pub fn did_not_block(action: &Action, observed: &Observed) -> Cause {
        let c = a_call(action);
        let rule = match observed {
            Observed::Outcome(Outcome::Error(Errno(libc::EAGAIN))) => {
                format!("{c} that should block failed with EAGAIN at once, as on an O_NONBLOCK end")
            }
            _ => format!("{c} that should block returned at once"),
        };
        Cause::new(Check::Blocking, rule)
    }

    /// A call that should have returned with `expect`, asleep in the kernel.
    pub fn blocked(action: &Action, expect: &Expectation, profile: &PlatformProfile) -> Cause {
        let c = a_call(action);
        let rule = match (action, on_platform(expect, profile)) {
            (_, Some(Expectation::Error(Errno(libc::EINTR)))) => {
                format!("a caught signal did not interrupt {c} blocked in the call (EINTR)")
            }
            (Action::ReadToEnd, _) | (_, Some(Expectation::Eof)) => no_end_of_file(&c),
            _ => format!("{c} that should return at once blocked"),
        };
        Cause::new(Check::Return, rule)
    }

    /// A blocked call that returned before the step that releases it.
    pub fn released_early(action: &Action) -> Cause {
        let rule = format!(
            "a blocked `{}` returned before anything released it",
            call_name(action)
        );
        Cause::new(Check::Release, rule)
    }

    /// A call that never returned within the step's bound.
    pub fn never_returned(action: &Action) -> Cause {
        let rule = format!("{} never returned", a_call(action));
        Cause::new(Check::Watchdog, rule)
    }

    /// A process a step needs was gone.
    pub fn gone() -> Cause {
        let rule = "a process died before a step that needed it".to_owned();
        Cause::new(Check::Process, rule)
    }

    /// Descriptors or processes left after the last step.
    pub fn left_behind() -> Cause {
        let rule = "descriptors or processes were left behind after the last step".to_owned();
        Cause::new(Check::LeftBehind, rule)
    }

    /// A declared deviation that did not happen.
    pub fn undeclared() -> Cause {
        let rule = "a deviation the implementation declares did not happen".to_owned();
        Cause::new(Check::Declaration, rule)
    }

    /// The object could not be made before the fork.
    pub fn not_made() -> Cause {
        let rule = "the object under test could not be made".to_owned();
        Cause::new(Check::Setup, rule)
    }
}

/// What `expect` says on the profile's platform, if it says anything there.
fn on_platform<'e>(expect: &'e Expectation, profile: &PlatformProfile) -> Option<&'e Expectation> {
    match expect {
        Expectation::Platform(p) => on_platform(p.for_platform(profile.platform)?, profile),
        other => Some(other),
    }
}

/// The rule a result broke, for an expectation that holds on this platform.
fn result_rule(
    action: &Action,
    expect: &Expectation,
    observed: &Observed,
    profile: &PlatformProfile,
) -> String {
    let c = a_call(action);
    let outcome = match observed {
        Observed::Outcome(o) => o,
        Observed::Killed(s) => return format!("{c} killed the process with {s}"),
        Observed::Exited(_) => return format!("the process exited during {c}"),
    };
    match (expect, outcome) {
        (Expectation::Signal(s), Outcome::Error(e)) => {
            format!("{c} failed with {e} where it should raise {s}")
        }
        (Expectation::Signal(s), _) => format!("{c} did not raise {s}"),
        (Expectation::Error(want), Outcome::Error(got)) => {
            format!("{c} failed with {got} where it should fail with {want}")
        }
        (Expectation::Error(want), _) => format!("{c} did not fail with {want}"),
        (Expectation::AnyOf(_), _) => format!("{c} returned none of the results allowed"),
        (Expectation::Eof, Outcome::Error(Errno(libc::EAGAIN))) => no_end_of_file(&c),
        (_, Outcome::Error(e)) => format!("{c} failed with {e} where it should succeed"),
        (_, Outcome::NoSuchEnd(_) | Outcome::NoSuchHandle(_)) => {
            format!("{c} found nothing to act on: an earlier call made nothing")
        }
        (Expectation::Eof, Outcome::Bytes(_) | Outcome::Message { .. }) => {
            format!("{c} returned bytes where end of file was due")
        }
        (Expectation::Records(r), _) if r.atomic => {
            "records of at most PIPE_BUF bytes came back broken or out of order".to_owned()
        }
        (Expectation::Records(_), _) => "records written came back incomplete".to_owned(),
        (
            Expectation::Message(m),
            Outcome::Message {
                data, truncated, ..
            },
        ) if expected_bytes(expect, profile).is_none_or(|want| want == *data) => {
            message_rule(&c, m, *truncated)
        }
        _ => match (
            reads(action),
            received(outcome),
            expected_count(expect, profile),
        ) {
            (true, Some([]), Some(n)) if n > 0 => {
                format!("{c} returned end of file while bytes were queued")
            }
            (true, Some(got), Some(n)) if got.len() < n && starts(expect, got, profile) => {
                format!("{c} returned fewer bytes than were queued")
            }
            (true, Some(_), _) if expected_bytes(expect, profile).is_some() => {
                format!("{c} returned other bytes than were written")
            }
            _ => other_result_rule(action, expect, outcome),
        },
    }
}

/// A read that waited (or would have waited, EAGAIN) where the other side was gone: the
/// symptom of a reader that counts as a writer too, whichever way the scenario meets it.
fn no_end_of_file(c: &str) -> String {
    format!("{c} did not return end of file, as if a writer were still open")
}

/// The bytes a call received, if it received any.
fn received(outcome: &Outcome) -> Option<&[u8]> {
    match outcome {
        Outcome::Bytes(b) | Outcome::Message { data: b, .. } => Some(b),
        _ => None,
    }
}

/// The bytes `expect` names, if any.
fn expected_bytes(expect: &Expectation, profile: &PlatformProfile) -> Option<Vec<u8>> {
    match expect {
        Expectation::Data(p) | Expectation::Message(MessageCheck { data: Some(p), .. }) => {
            Some(payload_bytes(p, profile))
        }
        _ => None,
    }
}

/// How many bytes `expect` says arrive: the bytes it names, or the count it gives.
fn expected_count(expect: &Expectation, profile: &PlatformProfile) -> Option<usize> {
    match expect {
        Expectation::Returns(n) => profile.resolve(*n).ok().map(|n| n as usize),
        _ => expected_bytes(expect, profile).map(|b| b.len()),
    }
}

/// Whether `got` is the start of what `expect` names (true when it names only a count).
fn starts(expect: &Expectation, got: &[u8], profile: &PlatformProfile) -> bool {
    expected_bytes(expect, profile).is_none_or(|want| want.starts_with(got))
}

/// A message whose bytes were right but whose truncation flag or sender was not.
fn message_rule(c: &str, m: &MessageCheck, truncated: bool) -> String {
    match m.truncated {
        Some(true) if !truncated => {
            format!("{c} that cut a datagram short did not report MSG_TRUNC")
        }
        Some(false) if truncated => format!("{c} reported MSG_TRUNC for a whole datagram"),
        _ => format!("{c} named another sender"),
    }
}

/// A count, flag or plain success that differs from the one due.
fn other_result_rule(action: &Action, expect: &Expectation, outcome: &Outcome) -> String {
    match (action, outcome) {
        (
            Action::GetFlag { flag, .. } | Action::Socket(SocketCall::GetFlag { flag, .. }),
            Outcome::Count(n),
        ) => flag_rule(*flag, *n != 0),
        _ => match expect {
            Expectation::Succeeds => format!("{} did not succeed", a_call(action)),
            _ => format!(
                "{} returned another result than the rule gives",
                a_call(action)
            ),
        },
    }
}

/// A flag read back set where it should be clear, or clear where it should be set.
fn flag_rule(flag: FdFlag, set: bool) -> String {
    let flag = match flag {
        FdFlag::NonBlock => "O_NONBLOCK",
        FdFlag::CloExec => "FD_CLOEXEC",
    };
    match set {
        true => format!("{flag} was set where it should be clear"),
        false => format!("{flag} was clear where it should be set"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{AccessMode, End, Payload, SignalName, Size};
    use nix::sys::signal::Signal;
    use rstest::rstest;

    fn text(t: &str) -> Expectation {
        Expectation::Data(Payload::Text(t.to_owned()))
    }

    fn bytes(b: &[u8]) -> Observed {
        Observed::Outcome(Outcome::Bytes(b.to_vec()))
    }

    fn error(e: i32) -> Observed {
        Observed::Outcome(Outcome::Error(Errno(e)))
    }

    fn rule(action: Action, expect: Expectation, observed: Observed) -> String {
        Cause::of_result(&action, &expect, &observed, &PlatformProfile::LINUX).rule
    }

    #[rstest]
    #[case::one_byte_of_many(
        Action::Read(Size::Bytes(100)),
        text("same fifo"),
        bytes(b"s"),
        "a `read` returned fewer bytes than were queued"
    )]
    #[case::one_byte_of_a_count(
        Action::ReadOn { end: End::Read, len: Size::Bytes(100) },
        Expectation::Returns(Size::Bytes(100)),
        bytes(b"U"),
        "a `read` returned fewer bytes than were queued"
    )]
    #[case::other_bytes(
        Action::ReadExactly(Size::Bytes(3)),
        text("abd"),
        bytes(b"abc"),
        "a `read` returned other bytes than were written"
    )]
    #[case::end_of_file_too_soon(
        Action::Read(Size::Bytes(5)),
        text("hello"),
        bytes(b""),
        "a `read` returned end of file while bytes were queued"
    )]
    #[case::epipe_without_sigpipe(
        Action::Write(Payload::Text("x".to_owned())),
        Expectation::Signal(SignalName(Signal::SIGPIPE)),
        error(libc::EPIPE),
        "a `write` failed with EPIPE where it should raise SIGPIPE"
    )]
    #[case::cloexec_kept(
        Action::GetFlag { end: End::Write, flag: FdFlag::CloExec },
        Expectation::Returns(Size::Bytes(0)),
        Observed::Outcome(Outcome::Count(1)),
        "FD_CLOEXEC was set where it should be clear"
    )]
    #[case::missing_error(
        Action::Open { mode: AccessMode::ReadOnly, flags: vec![] },
        Expectation::Error(Errno(libc::ENXIO)),
        Observed::Outcome(Outcome::Done),
        "an `open` did not fail with ENXIO"
    )]
    fn a_failed_result_names_the_rule_without_particulars(
        #[case] action: Action,
        #[case] expect: Expectation,
        #[case] observed: Observed,
        #[case] want: &str,
    ) {
        assert_eq!(rule(action, expect, observed), want);
    }

    #[test]
    fn a_call_that_should_block_and_failed_with_eagain_names_o_nonblock() {
        let read = Action::Read(Size::Bytes(1));
        assert_eq!(
            Cause::did_not_block(&read, &error(libc::EAGAIN)).rule,
            "a `read` that should block failed with EAGAIN at once, as on an O_NONBLOCK end"
        );
        assert_eq!(
            Cause::did_not_block(&read, &bytes(b"x")).rule,
            "a `read` that should block returned at once"
        );
    }

    #[test]
    fn a_read_blocked_where_end_of_file_was_due_says_so() {
        let eof = Cause::blocked(
            &Action::Read(Size::Bytes(16)),
            &Expectation::Eof,
            &PlatformProfile::LINUX,
        );
        let to_end = Cause::blocked(&Action::ReadToEnd, &text("bye"), &PlatformProfile::LINUX);
        assert_eq!(eof, to_end);
        assert_eq!(
            eof.rule,
            "a `read` did not return end of file, as if a writer were still open"
        );
    }

    #[test]
    fn a_blocked_call_that_a_signal_should_interrupt_names_eintr() {
        let read = Action::Read(Size::Bytes(1));
        let eintr = Expectation::Error(Errno(libc::EINTR));
        assert_eq!(
            Cause::blocked(&read, &eintr, &PlatformProfile::LINUX).rule,
            "a caught signal did not interrupt a `read` blocked in the call (EINTR)"
        );
    }
}

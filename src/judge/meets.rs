//! Whether an observed outcome meets an expectation.

use super::describe::sender_name;
use super::outcome::{Observed, Outcome};
use super::payload::{check_records, payload_bytes};
use crate::platform::PlatformProfile;
use crate::scenario::{
    Action, Expectation, Mechanism, MessageCheck, MsgFlag, Payload, SocketCall, SocketStyle,
};

/// The payload `expect` says a call returns, when it names one.
fn expected_payload<'e>(expect: &'e Expectation, profile: &PlatformProfile) -> Option<&'e Payload> {
    match expect {
        Expectation::Data(p) | Expectation::Message(MessageCheck { data: Some(p), .. }) => Some(p),
        Expectation::Platform(p) => expected_payload(p.for_platform(profile.platform)?, profile),
        _ => None,
    }
}

/// How many bytes `expect` says a call returns, when it names them (without making
/// them: every socket call of an actor asks).
pub fn expected_len(expect: &Expectation, profile: &PlatformProfile) -> Option<usize> {
    let len = expected_payload(expect, profile)?.len();
    profile.resolve(len).ok().map(|n| n as usize)
}

/// The least count `expect` says a call returns, when it gives only a floor.
pub fn expected_floor(expect: &Expectation, profile: &PlatformProfile) -> Option<usize> {
    match expect {
        Expectation::ReturnsAtLeast(n) => profile.resolve(*n).ok().map(|n| n as usize),
        Expectation::Platform(p) => expected_floor(p.for_platform(profile.platform)?, profile),
        _ => None,
    }
}

/// Whether `observed` is a peek on a stream socket that saw a non-empty part of the
/// bytes `expect` names, from their start: a stream promises no count for one receive,
/// and a peek takes nothing, so a shorter one is a legal choice, not a failure.
pub fn short_stream_peek(
    action: &Action,
    mechanism: Mechanism,
    expect: &Expectation,
    observed: &Observed,
    profile: &PlatformProfile,
) -> bool {
    let peek = matches!(action, Action::Socket(SocketCall::Recv { flags, .. }) if flags.contains(&MsgFlag::Peek));
    let stream = mechanism
        .socket_kind()
        .is_some_and(|k| k.style == SocketStyle::Stream);
    let (Observed::Outcome(Outcome::Message { data, .. }), Some(want)) = (
        observed,
        expected_payload(expect, profile).map(|p| payload_bytes(p, profile)),
    ) else {
        return false;
    };
    peek && stream && !data.is_empty() && data.len() < want.len() && want.starts_with(data)
}

/// Check `observed` against `expect`; `Err` says why not, on one line.
pub fn meets(
    expect: &Expectation,
    observed: &Observed,
    profile: &PlatformProfile,
) -> Result<(), String> {
    let size = |s| {
        profile
            .resolve(s)
            .expect("sizes are resolved before the run")
    };
    let ok = |cond: bool| if cond { Ok(()) } else { Err(String::new()) };
    let outcome = match observed {
        Observed::Outcome(o) => Some(o),
        _ => None,
    };
    let bytes = match outcome {
        Some(Outcome::Bytes(b) | Outcome::Message { data: b, .. }) => Some(b.as_slice()),
        _ => None,
    };
    let count = match outcome {
        Some(Outcome::Count(n)) => Some(*n),
        _ => bytes.map(|b| b.len() as u64),
    };
    match expect {
        Expectation::Blocks => {
            Err("blocking is judged by the driver, not from an outcome".to_owned())
        }
        Expectation::Succeeds => ok(matches!(
            outcome,
            Some(
                Outcome::Bytes(_)
                    | Outcome::Count(_)
                    | Outcome::Done
                    | Outcome::Message { .. }
                    | Outcome::Bound(_)
            )
        )),
        Expectation::Returns(n) => ok(count == Some(size(*n))),
        Expectation::ReturnsBetween(lo, hi) => {
            ok(count.is_some_and(|c| (size(*lo)..=size(*hi)).contains(&c)))
        }
        Expectation::ReturnsAtLeast(n) => ok(count.is_some_and(|c| c >= size(*n))),
        Expectation::Data(p) => ok(bytes == Some(payload_bytes(p, profile).as_slice())),
        Expectation::Eof => ok(bytes.is_some_and(<[u8]>::is_empty)),
        Expectation::Error(e) => ok(outcome == Some(&Outcome::Error(*e))),
        Expectation::Signal(s) => ok(observed == &Observed::Killed(*s)),
        Expectation::Records(r) => match bytes {
            Some(data) => check_records(
                data,
                size(r.len) as usize,
                r.writers,
                r.count,
                r.atomic,
                profile.pipe_buf,
            ),
            None => Err(String::new()),
        },
        Expectation::Message(m) => match outcome {
            Some(Outcome::Message {
                data,
                truncated,
                from,
            }) => meets_message(m, data, *truncated, from, profile),
            _ => Err(String::new()),
        },
        Expectation::AnyOf(options) => {
            ok(options.iter().any(|e| meets(e, observed, profile).is_ok()))
        }
        Expectation::Platform(p) => match p.for_platform(profile.platform) {
            Some(e) => meets(e, observed, profile),
            None => Err(format!(
                "the scenario has no expectation for {}",
                profile.platform
            )),
        },
    }
}

/// Each part of a message check that is stated must hold.
fn meets_message(
    m: &MessageCheck,
    data: &[u8],
    truncated: bool,
    from: &str,
    profile: &PlatformProfile,
) -> Result<(), String> {
    if m.data
        .as_ref()
        .is_some_and(|p| payload_bytes(p, profile) != data)
    {
        return Err("other bytes".to_owned());
    }
    if m.truncated.is_some_and(|t| t != truncated) {
        return Err(if truncated {
            "MSG_TRUNC was set".to_owned()
        } else {
            "MSG_TRUNC was not set".to_owned()
        });
    }
    if m.from.as_ref().is_some_and(|a| sender_name(a) != from) {
        return Err("from another sender".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Errno, SignalName, Size, SizeSymbol};
    use rstest::rstest;

    fn count(n: u64) -> Observed {
        Observed::Outcome(Outcome::Count(n))
    }

    #[rstest]
    #[case(Expectation::Returns(Size::Bytes(5)), count(5), true)]
    #[case(Expectation::Returns(Size::of(SizeSymbol::PipeBuf)), count(4096), true)]
    #[case(Expectation::Returns(Size::Bytes(5)), count(4), false)]
    #[case(Expectation::Eof, Observed::Outcome(Outcome::Bytes(vec![])), true)]
    #[case(Expectation::Eof, Observed::Outcome(Outcome::Bytes(vec![1])), false)]
    #[case(
        Expectation::Error(Errno(libc::EAGAIN)),
        Observed::Outcome(Outcome::Error(Errno(libc::EAGAIN))),
        true
    )]
    #[case(Expectation::Error(Errno(libc::EAGAIN)), count(0), false)]
    #[case(
        Expectation::AnyOf(vec![Expectation::Error(Errno(libc::EAGAIN)), Expectation::ReturnsBetween(Size::Bytes(1), Size::Bytes(10))]),
        count(3),
        true
    )]
    #[case(
        Expectation::Succeeds,
        Observed::Killed(SignalName(nix::sys::signal::Signal::SIGPIPE)),
        false
    )]
    #[case(
        Expectation::Signal(SignalName(nix::sys::signal::Signal::SIGPIPE)),
        Observed::Killed(SignalName(nix::sys::signal::Signal::SIGPIPE)),
        true
    )]
    fn outcomes_meet_expectations(#[case] e: Expectation, #[case] o: Observed, #[case] pass: bool) {
        assert_eq!(meets(&e, &o, &PlatformProfile::LINUX).is_ok(), pass);
    }
}

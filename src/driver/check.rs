//! Whether an observed outcome meets an expectation, and how both read in a report.

use super::control::Outcome;
use super::payload::{check_records, payload_bytes};
use crate::model::PlatformProfile;
use crate::scenario::{
    Action, Address, Expectation, Mechanism, MessageCheck, MsgFlag, Payload, SignalName,
    SocketCall, SocketStyle,
};

/// What the driver saw an action do, all kinds together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Observed {
    /// The actor answered.
    Outcome(Outcome),
    /// The actor's process was killed by a signal during the call.
    Killed(SignalName),
    /// The actor's process exited during the call.
    Exited(i32),
}

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
pub(crate) fn expected_len(expect: &Expectation, profile: &PlatformProfile) -> Option<usize> {
    let len = expected_payload(expect, profile)?.len();
    profile.resolve(len).ok().map(|n| n as usize)
}

/// The least count `expect` says a call returns, when it gives only a floor.
pub(crate) fn expected_floor(expect: &Expectation, profile: &PlatformProfile) -> Option<usize> {
    match expect {
        Expectation::ReturnsAtLeast(n) => profile.resolve(*n).ok().map(|n| n as usize),
        Expectation::Platform(p) => expected_floor(p.for_platform(profile.platform)?, profile),
        _ => None,
    }
}

/// Whether `observed` is a peek on a stream socket that saw a non-empty part of the
/// bytes `expect` names, from their start: a stream promises no count for one receive,
/// and a peek takes nothing, so a shorter one is a legal choice, not a failure.
pub(crate) fn short_stream_peek(
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

/// An expectation in words.
pub fn describe_expectation(expect: &Expectation, profile: &PlatformProfile) -> String {
    let size = |s| match profile.resolve(s) {
        Ok(n) if s != crate::scenario::Size::Bytes(n) => format!("{s} ({n})"),
        _ => s.to_string(),
    };
    match expect {
        Expectation::Blocks => "blocks in the call".to_owned(),
        Expectation::Succeeds => "succeeds".to_owned(),
        Expectation::Returns(n) => format!("returns {}", size(*n)),
        Expectation::ReturnsBetween(a, b) => {
            format!("returns between {} and {}", size(*a), size(*b))
        }
        Expectation::ReturnsAtLeast(n) => format!("returns at least {}", size(*n)),
        Expectation::Data(p) => format!("reads {}", show_payload(p, profile)),
        Expectation::Eof => "end of file (read returns 0)".to_owned(),
        Expectation::Error(e) => format!("fails with {e}"),
        Expectation::Signal(s) => format!("is killed by {s}"),
        Expectation::Records(r) => format!(
            "{} writers x {} records of {} bytes, {}",
            r.writers,
            r.count,
            size(r.len),
            if r.atomic {
                "each unbroken and in order"
            } else {
                "none lost"
            }
        ),
        Expectation::Message(m) => describe_message(m, profile),
        Expectation::AnyOf(v) => format!(
            "any of: {}",
            v.iter()
                .map(|e| describe_expectation(e, profile))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Expectation::Platform(p) => p.for_platform(profile.platform).map_or_else(
            || format!("nothing stated for {}", profile.platform),
            |e| {
                format!(
                    "on {}: {}",
                    profile.platform,
                    describe_expectation(e, profile)
                )
            },
        ),
    }
}

/// An observation in words.
pub fn describe_observed(observed: &Observed) -> String {
    match observed {
        Observed::Outcome(Outcome::Bytes(b)) if b.is_empty() => {
            "end of file (read returned 0)".to_owned()
        }
        Observed::Outcome(Outcome::Bytes(b)) => {
            format!("read {} bytes: {}", b.len(), show_bytes(b))
        }
        Observed::Outcome(Outcome::Count(n)) => format!("returned {n}"),
        Observed::Outcome(Outcome::Done) => "succeeded".to_owned(),
        Observed::Outcome(Outcome::Error(e)) => format!("failed with {e}"),
        Observed::Outcome(Outcome::Unsupported(why)) => format!("could not run: {why}"),
        Observed::Outcome(Outcome::NoSuchEnd(end)) => {
            format!("made no call: the process holds no {end}")
        }
        Observed::Outcome(Outcome::NoSuchHandle(handle)) => {
            format!("made no call: the process holds no handle `{handle}`")
        }
        Observed::Outcome(Outcome::Message {
            data,
            truncated,
            from,
        }) => {
            let mut text = format!("received {} bytes: {}", data.len(), show_bytes(data));
            if *truncated {
                text.push_str(", MSG_TRUNC");
            }
            text.push_str(&sender_words(from));
            text
        }
        Observed::Outcome(Outcome::Bound(address)) => format!("bound to {address}"),
        Observed::Killed(s) => format!("was killed by {s}"),
        Observed::Exited(code) => format!("exited with status {code} during the call"),
    }
}

fn describe_message(m: &MessageCheck, profile: &PlatformProfile) -> String {
    let mut parts = vec![match &m.data {
        Some(p) => format!("receives {}", show_payload(p, profile)),
        None => "receives a message".to_owned(),
    }];
    match m.truncated {
        Some(true) => parts.push("with MSG_TRUNC".to_owned()),
        Some(false) => parts.push("without MSG_TRUNC".to_owned()),
        None => {}
    }
    if let Some(from) = &m.from {
        parts.push(
            sender_words(&sender_name(from))
                .trim_start_matches(", ")
                .to_owned(),
        );
    }
    parts.join(", ")
}

/// How an actor reports a sender: the address as the scenario writes it, or empty.
fn sender_name(a: &Option<Address>) -> String {
    a.as_ref().map(Address::to_string).unwrap_or_default()
}

fn sender_words(from: &str) -> String {
    if from.is_empty() {
        ", from an unnamed socket".to_owned()
    } else {
        format!(", from `{from}`")
    }
}

fn show_payload(p: &Payload, profile: &PlatformProfile) -> String {
    match p {
        Payload::Pattern { pattern, len } => format!(
            "{} bytes of pattern {pattern:?}",
            profile.resolve(*len).unwrap_or(0)
        ),
        _ => show_bytes(&payload_bytes(p, profile)),
    }
}

fn show_bytes(b: &[u8]) -> String {
    const SHOWN: usize = 32;
    let head = &b[..b.len().min(SHOWN)];
    let text = if head.iter().all(|c| c.is_ascii_graphic() || *c == b' ') {
        format!("{:?}", String::from_utf8_lossy(head))
    } else {
        head.iter().map(|c| format!("{c:02x}")).collect::<String>()
    };
    if b.len() > SHOWN {
        format!("{text}… ({} bytes)", b.len())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Errno, Size, SizeSymbol};
    use rstest::rstest;

    fn count(n: u64) -> Observed {
        Observed::Outcome(Outcome::Count(n))
    }

    #[rstest]
    #[case(Expectation::Returns(Size::Bytes(5)), count(5), true)]
    #[case(
        Expectation::Returns(Size::Symbol(SizeSymbol::PipeBuf, 0)),
        count(4096),
        true
    )]
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

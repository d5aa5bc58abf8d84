//! Expectations and observations in words, as reports and failures show them.

use super::outcome::{Observed, Outcome};
use super::payload::payload_bytes;
use crate::platform::PlatformProfile;
use crate::scenario::{Address, Expectation, MessageCheck, Payload};

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
pub(super) fn sender_name(a: &Option<Address>) -> String {
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

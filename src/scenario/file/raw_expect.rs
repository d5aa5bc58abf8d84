//! The raw serde shapes of an expectation, and their lowering to the model.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::tagged::tagged_enum;
use crate::scenario::errno::{Errno, SignalName};
use crate::scenario::model::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecordCheck {
    len: Size,
    writers: u32,
    count: u32,
    atomic: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlatform {
    linux: Option<Box<RawExpect>>,
    macos: Option<Box<RawExpect>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMessage {
    #[serde(default)]
    data: Option<Payload>,
    #[serde(default)]
    truncated: Option<bool>,
    /// An address name, or `""` for an unnamed sender.
    #[serde(default)]
    from: Option<Sender>,
}

/// The sender a message names: an address, or `""` for an unnamed socket.
pub(super) struct Sender(Option<Address>);

impl<'de> Deserialize<'de> for Sender {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(Sender(None));
        }
        Address::deserialize(de::value::StrDeserializer::<D::Error>::new(&text))
            .map(|a| Sender(Some(a)))
    }
}

/// The two inclusive bounds of `returns_between`.
pub(super) struct Bounds(Size, Size);

impl<'de> Deserialize<'de> for Bounds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct BoundsVisitor;
        impl<'de> Visitor<'de> for BoundsVisitor {
            type Value = Bounds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("two sizes, [LOW, HIGH]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bounds, A::Error> {
                let low = seq.next_element()?;
                let high = seq.next_element()?;
                let more = seq.next_element::<de::IgnoredAny>()?.is_some();
                match (low, high) {
                    (Some(low), Some(high)) if !more => Ok(Bounds(low, high)),
                    (low, high) => {
                        let n = usize::from(low.is_some()) + usize::from(high.is_some());
                        let found = if more {
                            "more than 2".to_owned()
                        } else {
                            n.to_string()
                        };
                        Err(de::Error::custom(format!(
                            "expected two sizes, [LOW, HIGH], found {found}"
                        )))
                    }
                }
            }
        }
        d.deserialize_seq(BoundsVisitor)
    }
}

tagged_enum! {
    pub(super) enum RawExpect {
        what: "expectation",
        expecting: "an expectation: a name such as \"succeeds\", or a table such as { returns = 5 }",
        one_only: "a step has one expectation; for a choice of outcomes write { any_of = [...] }",
        Blocks = "blocks",
        Succeeds = "succeeds",
        Returns(Size) = "returns",
        ReturnsBetween(Bounds) = "returns_between",
        ReturnsAtLeast(Size) = "returns_at_least",
        Data(Payload) = "data",
        Eof = "eof",
        Error(Errno) = "error",
        Signal(SignalName) = "signal",
        Records(RawRecordCheck) = "records",
        Message(RawMessage) = "message",
        AnyOf(Vec<RawExpect>) = "any_of",
        Platform(RawPlatform) = "platform",
    }
}

impl RawExpect {
    pub(super) fn lower(self) -> Expectation {
        match self {
            RawExpect::Blocks => Expectation::Blocks,
            RawExpect::Succeeds => Expectation::Succeeds,
            RawExpect::Eof => Expectation::Eof,
            RawExpect::Returns(n) => Expectation::Returns(n),
            RawExpect::ReturnsBetween(Bounds(lo, hi)) => Expectation::ReturnsBetween(lo, hi),
            RawExpect::ReturnsAtLeast(n) => Expectation::ReturnsAtLeast(n),
            RawExpect::Data(p) => Expectation::Data(p),
            RawExpect::Error(e) => Expectation::Error(e),
            RawExpect::Signal(s) => Expectation::Signal(s),
            RawExpect::Records(r) => Expectation::Records(RecordCheck {
                len: r.len,
                writers: r.writers,
                count: r.count,
                atomic: r.atomic,
            }),
            RawExpect::Message(m) => Expectation::Message(MessageCheck {
                data: m.data,
                truncated: m.truncated,
                from: m.from.map(|Sender(a)| a),
            }),
            RawExpect::AnyOf(v) => {
                Expectation::AnyOf(v.into_iter().map(RawExpect::lower).collect())
            }
            RawExpect::Platform(p) => Expectation::Platform(PlatformExpectation {
                linux: p.linux.map(|e| Box::new(e.lower())),
                macos: p.macos.map(|e| Box::new(e.lower())),
            }),
        }
    }
}

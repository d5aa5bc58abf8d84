//! The raw serde shapes of a scenario file, keeping every span that validation and its
//! messages point at.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::raw_action::RawAction;
use super::raw_expect::RawExpect;
use super::values::Target;
use crate::scenario::errno::SignalName;
use crate::scenario::model::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScenario {
    pub(super) format_version: Spanned<u32>,
    pub(super) summary: String,
    pub(super) reference: String,
    #[serde(default)]
    pub(super) macos_source: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) behaviours: Vec<Spanned<String>>,
    pub(super) mechanism: Spanned<Mechanism>,
    #[serde(default)]
    pub(super) requires: Vec<Feature>,
    #[serde(default)]
    pub(super) create: Option<RawCreate>,
    #[serde(default)]
    pub(super) region: Option<Spanned<RawRegion>>,
    #[serde(default)]
    pub(super) listener: Option<Spanned<RawListener>>,
    #[serde(default)]
    pub(super) semaphores: Option<Spanned<RawSemaphores>>,
    #[serde(default)]
    pub(super) unnamed_semaphore: Option<Spanned<RawUnnamedSemaphore>>,
    #[serde(default)]
    pub(super) mutex: Option<Spanned<RawMutex>>,
    #[serde(default)]
    pub(super) step_timeout_ms: Option<u64>,
    pub(super) processes: Spanned<OrderedMap<Spanned<RawProcess>>>,
    #[serde(default)]
    pub(super) step: Steps,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCreate {
    pub(super) flags: Spanned<Vec<OpenFlag>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegion {
    #[serde(default)]
    pub(super) size: Option<Size>,
    #[serde(default)]
    pub(super) map: Option<Sharing>,
    #[serde(default)]
    pub(super) made_by: Option<MadeBy>,
    #[serde(default)]
    pub(super) key: Option<SysvKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawListener {
    #[serde(rename = "as")]
    handle: Handle,
    at: Address,
    backlog: u32,
}

impl RawListener {
    pub(super) fn lower(self) -> ParentListener {
        ParentListener {
            handle: self.handle,
            at: self.at,
            backlog: self.backlog,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSemaphores {
    pub(super) values: Spanned<Vec<i32>>,
    #[serde(default)]
    key: SysvKey,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUnnamedSemaphore {
    value: u32,
    #[serde(default)]
    memory: Option<SharedMemory>,
}

impl RawUnnamedSemaphore {
    pub(super) fn lower(self) -> UnnamedSemaphore {
        UnnamedSemaphore {
            value: self.value,
            memory: self.memory.unwrap_or(SharedMemory::Anonymous),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMutex {
    #[serde(default, rename = "type")]
    kind: MutexKind,
    #[serde(default)]
    robust: bool,
    #[serde(default)]
    memory: Option<SharedMemory>,
}

impl RawMutex {
    pub(super) fn lower(self) -> MutexSpec {
        MutexSpec {
            kind: self.kind,
            robust: self.robust,
            memory: self.memory.unwrap_or(MutexSpec::default().memory),
        }
    }
}

impl RawSemaphores {
    pub(super) fn lower(self) -> SemaphoreSet {
        SemaphoreSet {
            values: self.values.into_inner(),
            key: self.key,
        }
    }
}

impl RawRegion {
    pub(super) fn lower(self) -> RegionSpec {
        let default = RegionSpec::default();
        RegionSpec {
            len: self.size.unwrap_or(default.len),
            sharing: self.map.unwrap_or(default.sharing),
            made_by: self.made_by.unwrap_or(default.made_by),
            key: self.key.unwrap_or(default.key),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProcess {
    #[serde(default)]
    pub(super) relation: Relation,
    #[serde(default)]
    pub(super) keeps: Option<Spanned<Vec<Target>>>,
    #[serde(default)]
    pub(super) sigpipe: SigPipe,
    #[serde(default)]
    pub(super) handles: Vec<SignalName>,
    #[serde(default)]
    pub(super) stdin: Stdin,
    #[serde(default)]
    pub(super) host: Option<Spanned<Handle>>,
}

/// A table whose key order matters (processes are listed in the order written).
///
/// The toml crate keeps the written order only with its `preserve_order` feature; without
/// it every table arrives sorted by key, and so do the processes.
pub(super) struct OrderedMap<V>(pub(super) Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value()?));
                }
                Ok(OrderedMap(entries))
            }
        }
        d.deserialize_map(V2(std::marker::PhantomData))
    }
}

/// The steps: an array of `[[step]]` tables.
#[derive(Default)]
pub(super) struct Steps(pub(super) Vec<Spanned<RawStep>>);

impl<'de> Deserialize<'de> for Steps {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StepsVisitor;
        impl<'de> Visitor<'de> for StepsVisitor {
            type Value = Steps;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of tables, each step headed `[[step]]`")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Steps, A::Error> {
                let mut steps = Vec::new();
                while let Some(step) = seq.next_element()? {
                    steps.push(step);
                }
                Ok(Steps(steps))
            }
        }
        d.deserialize_seq(StepsVisitor)
    }
}

/// A step: `expect`, `expect_for`, `note`, and every other key a process name with its
/// action.
pub(super) struct RawStep {
    pub(super) actions: Vec<(Spanned<String>, Spanned<RawAction>)>,
    pub(super) expect: Option<Spanned<RawExpect>>,
    /// Per process, what its action must do instead of `expect`.
    pub(super) expect_for: Option<Spanned<OrderedMap<Spanned<RawExpect>>>>,
    pub(super) note: Option<String>,
    /// How many of the awaited calls return (`released = 1`).
    pub(super) released: Option<Spanned<u32>>,
}

impl<'de> Deserialize<'de> for RawStep {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct StepVisitor;
        impl<'de> Visitor<'de> for StepVisitor {
            type Value = RawStep;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a step: process = action, and expect")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawStep, A::Error> {
                let mut step = RawStep {
                    actions: Vec::new(),
                    expect: None,
                    expect_for: None,
                    note: None,
                    released: None,
                };
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    match key.get_ref().as_str() {
                        "expect" => step.expect = Some(map.next_value()?),
                        "expect_for" => step.expect_for = Some(map.next_value()?),
                        "note" => step.note = Some(map.next_value()?),
                        "released" => step.released = Some(map.next_value()?),
                        _ => step.actions.push((key, map.next_value()?)),
                    }
                }
                if step.actions.is_empty() {
                    return Err(de::Error::custom(
                        "a step needs at least one `process = action`; this one has none",
                    ));
                }
                Ok(step)
            }
        }
        d.deserialize_map(StepVisitor)
    }
}

//! Externally tagged enums: the `tagged_enum!` macro and the seeds it reads keys with.

use serde::de::{self, DeserializeSeed, Deserializer};
use serde::Deserialize;

use crate::scenario::suggest::did_you_mean;

/// An externally tagged enum of the format: a bare name for a variant that takes no value
/// (`"completes"`), a table of one key for a variant that does (`{ read = 5 }`).
///
/// Written out rather than derived so that each mistake (an unknown name, a name without
/// its value, a value for a name that takes none, two names in one table) has its own
/// message at the key or value that is wrong.
///
/// Every path in the expansion is absolute, so the macro works wherever it is invoked.
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident {
            what: $what:literal,
            expecting: $expecting:literal,
            one_only: $one_only:literal,
            $($var:ident $(($vty:ty))? = $name:literal,)*
        }
    ) => {
        $(#[$meta])*
        $vis enum $ty {
            $($var $(($vty))?,)*
        }

        impl $ty {
            /// Every name, and whether it takes a value.
            const VARIANTS: &'static [(&'static str, bool)] =
                &[$(($name, $crate::scenario::file::tagged::tagged_enum!(@has_value $($vty)?)),)*];
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use $crate::scenario::file::tagged::{unknown_tag, ExtraKeySeed, TagSeed};
                struct TagVisitor;
                impl<'de> ::serde::de::Visitor<'de> for TagVisitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        match v {
                            $($name => $crate::scenario::file::tagged::tagged_enum!(@bare E, $ty, $var, $what, $name $(, $vty)?),)*
                            _ => Err(E::custom(unknown_tag($what, v, $ty::VARIANTS))),
                        }
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        let seed = TagSeed { what: $what, variants: $ty::VARIANTS };
                        let Some(name) = map.next_key_seed(seed)? else {
                            return Err(::serde::de::Error::custom(concat!("empty table, expected ", $expecting)));
                        };
                        let value = match name {
                            $($name => $crate::scenario::file::tagged::tagged_enum!(@value map, $ty, $var, $what, $name $(, $vty)?),)*
                            _ => return Err(::serde::de::Error::custom(unknown_tag($what, name, $ty::VARIANTS))),
                        };
                        map.next_key_seed(ExtraKeySeed { what: $what, first: name, one_only: $one_only })?;
                        Ok(value)
                    }
                }
                d.deserialize_any(TagVisitor)
            }
        }
    };
    (@has_value) => { false };
    (@has_value $vty:ty) => { true };
    (@bare $e:ident, $ty:ident, $var:ident, $what:literal, $name:literal) => { Ok($ty::$var) };
    (@bare $e:ident, $ty:ident, $var:ident, $what:literal, $name:literal, $vty:ty) => {
        Err($e::custom(concat!($what, " `", $name, "` needs a value: write { ", $name, " = ... }")))
    };
    // TagSeed refuses, in a table, a name that takes no value.
    (@value $map:ident, $ty:ident, $var:ident, $what:literal, $name:literal) => {
        return Err(::serde::de::Error::custom(concat!($what, " `", $name, "` takes no value")))
    };
    (@value $map:ident, $ty:ident, $var:ident, $what:literal, $name:literal, $vty:ty) => {
        $ty::$var($map.next_value::<$vty>()?)
    };
}
pub(super) use tagged_enum;

pub(super) fn unknown_tag(what: &str, name: &str, variants: &[(&str, bool)]) -> String {
    let names = variants.iter().map(|&(n, _)| n);
    format!(
        "unknown {what} `{name}`{}, expected one of {}",
        did_you_mean(name, names.clone()),
        backquoted(names)
    )
}

/// The name an [`unknown_tag`] message of `what` is about, read back from the message.
pub(super) fn unknown_name<'m>(what: &str, message: &'m str) -> Option<&'m str> {
    let rest = message.strip_prefix("unknown ")?.strip_prefix(what)?;
    rest.strip_prefix(" `")?.split('`').next()
}

/// `a`, `b`, `c`: names as the format spells them, for a list in a message.
pub(super) fn backquoted<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The key of a tagged table: a known name that takes a value.
pub(super) struct TagSeed {
    pub(super) what: &'static str,
    pub(super) variants: &'static [(&'static str, bool)],
}

impl<'de> DeserializeSeed<'de> for TagSeed {
    type Value = &'static str;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<&'static str, D::Error> {
        let key = String::deserialize(d)?;
        match self.variants.iter().find(|(n, _)| *n == key) {
            Some(&(name, true)) => Ok(name),
            Some(&(name, false)) => Err(de::Error::custom(format!(
                "{} `{name}` takes no value: write it as the string \"{name}\", not as a table",
                self.what
            ))),
            None => Err(de::Error::custom(unknown_tag(
                self.what,
                &key,
                self.variants,
            ))),
        }
    }
}

/// A second key in a tagged table, which is always an error.
pub(super) struct ExtraKeySeed {
    pub(super) what: &'static str,
    pub(super) first: &'static str,
    pub(super) one_only: &'static str,
}

impl<'de> DeserializeSeed<'de> for ExtraKeySeed {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let key = String::deserialize(d)?;
        Err(de::Error::custom(format!(
            "two {}s in one table, `{}` and `{key}`: {}",
            self.what, self.first, self.one_only
        )))
    }
}

//! Error messages in the terms of the format: naming what is wrong where it stands, and
//! rewording what the toml crate and serde say.

use std::ops::Range;

use serde::de;
use serde::Deserialize;
use toml::Spanned;

use super::raw::OrderedMap;
use super::raw_action::RawAction;
use super::tagged::{backquoted, unknown_name};
use crate::scenario::error::Located;
use crate::scenario::model::Mechanism;
use crate::scenario::suggest::did_you_mean;

/// A step key that names no process.
pub(super) fn unknown_process<'a>(
    key: &Spanned<String>,
    processes: impl Iterator<Item = &'a str>,
) -> Located {
    let names: Vec<String> = processes.map(|p| format!("`{p}`")).collect();
    Located::new(
        key.span(),
        format!(
            "unknown process `{}`; the keys of a step are `expect`, `note` and the processes it runs: {}",
            key.get_ref(),
            names.join(", ")
        ),
    )
}

/// When the full parse fails at `error_at`, a step key before it that names no process
/// explains the failure better than what its value was taken for: `expct = "blocks"` is a
/// misspelt `expect`, not an unknown action. Reads only the keys of `[processes]` and of
/// the steps, and gives up on anything else.
pub(super) fn unknown_step_key(text: &str, error_at: usize) -> Option<Located> {
    #[derive(Deserialize)]
    struct Skeleton {
        processes: OrderedMap<de::IgnoredAny>,
        #[serde(default)]
        step: Vec<OrderedMap<de::IgnoredAny>>,
    }
    let skeleton: Skeleton = toml::from_str(text).ok()?;
    let names: Vec<&str> = skeleton
        .processes
        .0
        .iter()
        .map(|(n, _)| n.get_ref().as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    skeleton
        .step
        .iter()
        .flat_map(|step| &step.0)
        .map(|(key, _)| key)
        .filter(|key| key.span().start <= error_at)
        .find(|key| {
            let key = key.get_ref().as_str();
            !["expect", "expect_for", "note"].contains(&key) && !names.contains(&key)
        })
        .map(|key| unknown_process(key, names.iter().copied()))
}

/// An unknown action, told with the actions of the scenario's mechanism rather than every
/// mechanism's, and the nearest of them. `None` when `message` is about something else,
/// or the file names no mechanism to go by.
pub(super) fn unknown_action(text: &str, message: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Skeleton {
        mechanism: Mechanism,
    }
    let name = unknown_name("action", message)?;
    let mechanism = toml::from_str::<Skeleton>(text).ok()?.mechanism;
    let names = RawAction::names_for(mechanism);
    Some(format!(
        "unknown action `{name}`{}; the actions of a {mechanism} scenario are {}",
        did_you_mean(name, names.clone()),
        backquoted(names)
    ))
}

/// Rewords the toml crate's and serde's messages in the terms of the format: tables and
/// keys rather than maps and fields, and what a number must be rather than its Rust type.
pub(super) fn polish(text: &str, span: Option<Range<usize>>, message: &str) -> String {
    if message == "duplicate key" {
        if let Some(span) = span {
            return duplicate_key(text, span);
        }
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        // The toml crate gives an error of the document itself an empty span at its start;
        // every table within has a span of some length.
        let top_level = span.as_ref().is_none_or(|s| s.is_empty() && s.start == 0);
        return if top_level {
            format!("missing key {rest} at the top level of the file")
        } else {
            format!("missing key {rest} in this table")
        };
    }
    // serde names the raw struct a table lowers from, which means nothing to a reader.
    if let Some(at) = message.find("expected struct Raw") {
        return format!(
            "{}expected a table of this action's keys, such as {{ on = \"conn\", len = 16 }} (docs/scenario-format.md lists them)",
            &message[..at].replace("invalid type: map", "invalid type: table")
        );
    }
    message
        .replace("unknown field ", "unknown key ")
        .replace("expected u64", "expected a non-negative integer")
        .replace("expected u32", "expected a non-negative integer below 2^32")
        .replace("expected a sequence", "expected an array")
        .replace("invalid type: map", "invalid type: table")
        .replace("wanted string or table", "expected a name in quotes")
}

/// Names the key that TOML found twice, and says what that means where it stands.
fn duplicate_key(text: &str, span: Range<usize>) -> String {
    let key = text
        .get(span.clone())
        .unwrap_or_default()
        .trim()
        .trim_matches('"');
    let before = text.get(..span.start).unwrap_or_default();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let starts_line = before[line_start..].trim().is_empty();
    // The table the key is in: the last `[header]` above its line.
    let header = before[..line_start].lines().rev().map(str::trim).find(|l| {
        l.starts_with("[[")
            || l.strip_prefix('[')
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_alphabetic()))
    });
    let line = &text[line_start..];
    let line = line[..line.find('\n').unwrap_or(line.len())].trim();
    if !starts_line && line.starts_with('[') {
        return if key == "step" {
            "`step` is defined twice; head every step `[[step]]` (an array of tables), never `[step]`".to_owned()
        } else {
            format!("table `{line}` is defined twice; a table may appear only once")
        };
    }
    match header {
        Some(h)
            if starts_line
                && h.starts_with("[[step]]")
                && !["expect", "expect_for", "note"].contains(&key) =>
        {
            format!("process `{key}` acts twice in this step; a process does at most one action per step")
        }
        Some(h) if starts_line && h.starts_with("[processes]") => {
            format!("process `{key}` is defined twice; each process needs a name of its own")
        }
        _ => format!("duplicate key `{key}`; a key may appear only once in a table"),
    }
}

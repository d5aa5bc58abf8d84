//! Whether a step's expectation can describe the result of each of its actions.

use super::actions::largest;
use crate::scenario::model::*;

/// Whether `expect` can describe the result of `action`; `awaited` when the step's
/// action is `completes` and `action` the call it awaits.
pub(super) fn check_expectation_fits(
    expect: &Expectation,
    action: &Action,
    awaited: bool,
) -> Result<(), String> {
    let kind = action.result_kind();
    let name = action.name();
    let bad = |what: &str, why: String| Err(format!("`{what}` cannot apply to {why}"));
    match expect {
        Expectation::Blocks if awaited => bad(
            "blocks",
            format!("`completes`: it awaits the `{name}` that already blocked; expected the outcome of that call"),
        ),
        Expectation::Blocks if matches!(action, Action::Kill(_)) => bad(
            "blocks",
            "`kill`, which the driver does at once; expected \"succeeds\"".to_owned(),
        ),
        Expectation::Blocks if action.family() == Some(MechanismFamily::SharedRegion) => bad(
            "blocks",
            format!("`{name}`: memory accesses and mappings do not block; expected \"succeeds\" or an outcome"),
        ),
        Expectation::Blocks if matches!(action, Action::Exit | Action::Exec) => {
            bad("blocks", format!("`{name}`, which never blocks; expected \"succeeds\""))
        }
        Expectation::Eof | Expectation::Data(_) if kind != ResultKind::Bytes => bad(
            if matches!(expect, Expectation::Eof) {
                "eof"
            } else {
                "data"
            },
            format!("`{name}`, which reads no bytes; expected {}", fitting(kind)),
        ),
        Expectation::Returns(_) | Expectation::ReturnsBetween(..) | Expectation::ReturnsAtLeast(_)
            if kind == ResultKind::Unit =>
        {
            let what = match expect {
                Expectation::Returns(_) => "returns",
                Expectation::ReturnsBetween(..) => "returns_between",
                _ => "returns_at_least",
            };
            bad(what, format!("`{name}`, which returns no count; expected {}", fitting(kind)))
        }
        Expectation::Message(_) if !matches!(action, Action::Socket(SocketCall::Recv { .. })) => {
            bad("message", format!("`{name}`; it checks what a `recv` received"))
        }
        // The driver makes the bytes to compare with.
        Expectation::Data(Payload::Pattern { len, .. })
            if largest(*len) > Size::MAX_BYTES =>
        {
            Err(format!("`data`: {}", Size::too_large(largest(*len))))
        }
        Expectation::Records(_) if !matches!(action, Action::ReadToEnd) => bad(
            "records",
            format!("`{name}`; it checks what \"read_to_end\" read"),
        ),
        Expectation::AnyOf(_) | Expectation::Platform(_) if nested_blocks(expect) =>
        {
            Err("`blocks` cannot be one outcome among others: whether a call blocks is checked on its own, so write expect = \"blocks\" alone (a platform that differs needs a scenario of its own)".to_owned())
        }
        Expectation::AnyOf(options) => {
            if options.is_empty() {
                return Err(
                    "`any_of` needs at least one outcome, expected a list such as { any_of = [\"eof\", { error = \"EAGAIN\" }] }"
                        .to_owned(),
                );
            }
            options
                .iter()
                .try_for_each(|e| check_expectation_fits(e, action, awaited))
        }
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .try_for_each(|e| check_expectation_fits(e, action, awaited)),
        _ => Ok(()),
    }
}

/// Whether `blocks` stands directly inside an `any_of` or `platform`.
fn nested_blocks(expect: &Expectation) -> bool {
    match expect {
        Expectation::AnyOf(options) => options.contains(&Expectation::Blocks),
        Expectation::Platform(p) => [&p.linux, &p.macos]
            .into_iter()
            .flatten()
            .any(|e| **e == Expectation::Blocks),
        _ => false,
    }
}

/// The expectations that fit an action's kind of result, for error messages.
fn fitting(kind: ResultKind) -> &'static str {
    match kind {
        ResultKind::Count => "\"succeeds\", { returns = N }, { returns_between = [A, B] }, { error = ... } or { signal = ... }",
        ResultKind::Unit => "\"succeeds\", { error = ... } or { signal = ... }",
        ResultKind::Bytes | ResultKind::Awaited => "an outcome of a read",
    }
}

//! Scenarios checked against the reference model: every expectation a hand-written
//! scenario states must be what the model says the call does, so the catalogue and the
//! model keep each other honest. A disagreement names the step and gives both views.

use super::outcome::{ModelOutcome, Unmodelled};
use super::ReferenceModel;
use crate::judge::{describe_expectation, meets, Observed, Outcome};
use crate::platform::PlatformProfile;
use crate::scenario::{Expectation, Scenario};

/// What checking one scenario against the model found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrossCheck {
    /// Every expectation is what the model says.
    Agrees,
    /// The model does not cover the scenario: why.
    Outside(String),
    /// The steps where the scenario and the model differ, each with both views.
    Disagrees(Vec<String>),
}

/// Check `scenario` against the model of its mechanism under `profile`.
pub fn cross_check(scenario: &Scenario, profile: &PlatformProfile) -> CrossCheck {
    let mut model = match ReferenceModel::new(scenario, profile) {
        Ok(m) => m,
        Err(e) => return CrossCheck::Outside(describe(&e)),
    };
    let mut disagreements = Vec::new();
    for (si, step) in scenario.steps.iter().enumerate() {
        if step.released.is_some() {
            return CrossCheck::Outside(format!(
                "step {}: the system picks which blocked calls `released` lets return",
                si + 1
            ));
        }
        // The actions of one step run at once: the kernel picks their order. Every
        // order must come to the same state, or the model does not say which.
        let mut after: Option<ReferenceModel> = None;
        for order in orders(step.actions.len()) {
            let mut run = model.clone();
            for &i in &order {
                let (p, action) = &step.actions[i];
                let predicted = match run.apply(p.0, action, profile) {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        return CrossCheck::Outside(format!("step {}: {}", si + 1, describe(&e)))
                    }
                };
                let expect = step.expectation_of(*p);
                if let Err(why) = agrees(expect, &predicted, profile) {
                    disagreements.push(format!(
                        "step {}, process {}: the scenario expects {}; the model says {}{why}",
                        si + 1,
                        scenario.process(*p).name,
                        describe_expectation(expect, profile),
                        show(&predicted),
                    ));
                }
            }
            match &after {
                Some(state) if *state != run => {
                    return CrossCheck::Outside(format!(
                        "step {}: its actions end in different states depending on their order",
                        si + 1
                    ))
                }
                Some(_) => {}
                None => after = Some(run),
            }
        }
        if let Some(state) = after {
            model = state;
        }
        if !disagreements.is_empty() {
            break;
        }
    }
    if disagreements.is_empty() {
        CrossCheck::Agrees
    } else {
        CrossCheck::Disagrees(disagreements)
    }
}

/// Whether the expectation accepts what the model predicts.
fn agrees(
    expect: &Expectation,
    predicted: &ModelOutcome,
    profile: &PlatformProfile,
) -> Result<(), String> {
    let observed = match predicted {
        ModelOutcome::Blocks => {
            return if expect == &Expectation::Blocks {
                Ok(())
            } else {
                Err(String::new())
            };
        }
        ModelOutcome::Bytes(b) => Observed::Outcome(Outcome::Bytes(b.clone())),
        ModelOutcome::Count(n) => Observed::Outcome(Outcome::Count(*n)),
        // A range agrees when the expectation takes both its ends (the catalogue's
        // count expectations are ranges).
        ModelOutcome::CountBetween(lo, hi) => {
            let count = |n| Observed::Outcome(Outcome::Count(n));
            meets(expect, &count(*lo), profile).map_err(|why| format!(" ({why})"))?;
            count(*hi)
        }
        ModelOutcome::Done => Observed::Outcome(Outcome::Done),
        ModelOutcome::Error(e) => Observed::Outcome(Outcome::Error(*e)),
        ModelOutcome::Killed(s) => Observed::Killed(*s),
        ModelOutcome::Message {
            data,
            truncated,
            from,
        } => Observed::Outcome(Outcome::Message {
            data: data.clone(),
            truncated: *truncated,
            // A port the kernel picked matches no name a scenario can give.
            from: from
                .clone()
                .unwrap_or_else(|| "a port the kernel picked".to_owned()),
        }),
    };
    if expect == &Expectation::Blocks {
        return Err(String::new());
    }
    meets(expect, &observed, profile).map_err(|why| {
        if why.is_empty() {
            why
        } else {
            format!(" ({why})")
        }
    })
}

/// Every order of `n` actions (at most 4! = 24 for the catalogue's widest step).
fn orders(n: usize) -> Vec<Vec<usize>> {
    if n <= 1 {
        return vec![(0..n).collect()];
    }
    let mut all = Vec::new();
    for first in 0..n {
        for rest in orders(n - 1) {
            let mut order = vec![first];
            order.extend(rest.into_iter().map(|i| if i >= first { i + 1 } else { i }));
            all.push(order);
        }
    }
    all
}

fn show(predicted: &ModelOutcome) -> String {
    match predicted {
        ModelOutcome::Blocks => "it blocks".to_owned(),
        ModelOutcome::Bytes(b) if b.is_empty() => "end of file".to_owned(),
        ModelOutcome::Bytes(b) => format!("{} bytes", b.len()),
        ModelOutcome::Count(n) => format!("it returns {n}"),
        ModelOutcome::CountBetween(lo, hi) => format!("it returns {lo} to {hi}"),
        ModelOutcome::Done => "it succeeds".to_owned(),
        ModelOutcome::Error(e) => format!("it fails with {e}"),
        ModelOutcome::Killed(s) => format!("the process is killed by {s}"),
        ModelOutcome::Message {
            data, truncated, ..
        } => format!(
            "a datagram of {} bytes{}",
            data.len(),
            if *truncated { ", cut short" } else { "" }
        ),
    }
}

fn describe(e: &Unmodelled) -> String {
    match e {
        Unmodelled::Action(what) => format!("the model does not cover {what}"),
        Unmodelled::Schedule(what) => format!("the outcome depends on scheduling: {what}"),
    }
}

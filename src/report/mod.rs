//! Verdicts and how they are shown: a one-line result, and for a failure the step, what
//! was expected, what was observed, and the timeline.

mod conformance;
mod matrix;
mod picture;
mod timeline;
mod verdict;

pub use conformance::{render_conformance, CrateRun, KnownFailure};
pub use matrix::{matrix, render_matrix, MatrixRow};
pub use picture::{render_html, render_sequence, Colour};
pub use timeline::render_timeline;
pub use verdict::{BlockingVerdict, Failure, ScenarioReport, TimelineEntry, Verdict};

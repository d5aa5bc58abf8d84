//! Verdicts and how they are shown: a one-line result, and for a failure the step, what
//! was expected, what was observed, and the timeline.

mod causes;
mod conformance;
mod explain;
mod json;
mod junit;
mod markup;
mod matrix;
mod picture;
mod record;
mod timeline;

pub use causes::{group_causes, render_causes, CauseGroup};
pub use conformance::{render_conformance, CrateRun, KnownFailure};
pub use explain::{render_explanation, render_explanation_for};
pub use json::{parse_json_line, render_json_line};
pub use junit::render_junit;
pub use matrix::{matrix, render_matrix, MatrixRow};
pub use picture::{html_page, render_html, render_html_section, render_sequence, Colour};
pub use record::{
    BlockingRecord, EventRecord, FailureRecord, LeakCheckRecord, ScenarioRecord, SCHEMA_VERSION,
};
pub use timeline::render_timeline;

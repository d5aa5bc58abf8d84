//! `run --format json`: one JSON object per scenario, one per line (JSON Lines).

use super::record::ScenarioRecord;

/// The record as one line of JSON, without the newline.
pub fn render_json_line(record: &ScenarioRecord) -> String {
    serde_json::to_string(record).expect("a record is always representable as JSON")
}

/// A record back from its line, as `run --jobs` reads its workers' output.
pub fn parse_json_line(line: &str) -> Result<ScenarioRecord, serde_json::Error> {
    serde_json::from_str(line)
}

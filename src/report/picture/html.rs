//! placeholder
/// x
pub fn render_html(_r: &[crate::report::ScenarioReport]) -> String {
    String::new()
}

//! Timelines as pictures: a sequence diagram with a lane per process, in the terminal
//! ([`render_sequence`]) and as a self-contained HTML page of inline SVG
//! ([`render_html`]).

mod diagram;
mod html;
mod text;

pub use html::{html_page, render_html, render_html_section};
pub use text::{render_sequence, Colour};

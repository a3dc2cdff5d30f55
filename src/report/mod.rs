//! Everything holdup prints: one module per output, each writing to any `io::Write` so tests
//! can read plain text. Colour is decided once at the edge (see `cli.rs`) and handed down as a
//! [`style::Style`].
//!
//! The analysis is first turned into one [`model::Report`] per dump; the analysis renderers
//! (text, JSON, DOT) read that report only.

pub mod analysis_json;
pub mod analysis_text;
pub mod check;
pub mod collapsed;
pub mod diff;
pub mod dot;
pub mod esc;
pub mod evidence;
pub mod gotext;
pub mod groups;
pub mod html;
pub mod markdown;
pub mod model;
pub mod model_json;
pub mod npd;
pub mod style;
pub mod summary;
pub mod svg;
pub mod words;

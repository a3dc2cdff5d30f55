//! Everything holdup prints: one module per output, each writing to any `io::Write` so tests
//! can read plain text. Colour is decided once at the edge (see `cli.rs`).

pub mod analysis_json;
pub mod analysis_text;
pub mod check;
pub mod diff;
pub mod dot;
pub mod evidence;
pub mod gotext;
pub mod groups;
pub mod model_json;
pub mod npd;
pub mod summary;

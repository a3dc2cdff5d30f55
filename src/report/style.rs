//! How text output looks: colour on or off, decided once at the edge (`--color`, `NO_COLOR`,
//! `TERM=dumb`, whether stdout is a terminal) and handed to every renderer, which then never
//! asks the environment again.

/// A way of painting a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    /// Bold.
    Bold,
    /// Dimmed (library frames, ids, hints).
    Dim,
    /// Bold red (deadlocks, blockers).
    Alarm,
    /// Bold yellow (locks without a holder).
    Caution,
    /// Yellow (notes).
    Note,
    /// Bold green (nothing found).
    Fine,
    /// Red (a panic's message).
    Red,
}

impl Paint {
    /// The SGR parameters, as the `colored` crate writes them (the other outputs use it).
    fn sgr(self) -> &'static str {
        match self {
            Paint::Bold => "1",
            Paint::Dim => "2",
            Paint::Alarm => "1;31",
            Paint::Caution => "1;33",
            Paint::Note => "33",
            Paint::Fine => "1;32",
            Paint::Red => "31",
        }
    }
}

/// The style of one output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Whether to write ANSI colours.
    pub color: bool,
}

impl Style {
    /// No colour: files, pipes, tests.
    pub const PLAIN: Style = Style { color: false };

    /// `text` painted.
    pub fn paint(self, text: &str, p: Paint) -> String {
        self.paint_padded(text, 0, p)
    }

    /// `text` left-aligned in `width` columns, painted (the padding inside the colour, as
    /// `colored` does, so that columns line up the same with and without it).
    pub fn paint_padded(self, text: &str, width: usize, p: Paint) -> String {
        if self.color { format!("\x1b[{}m{text:<width$}\x1b[0m", p.sgr()) } else { format!("{text:<width$}") }
    }
}

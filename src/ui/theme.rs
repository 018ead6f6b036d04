//! Colours and symbols in one place. Meaning never rests on colour alone: states are also words.

use ratatui::style::{Color, Modifier, Style};

pub fn border() -> Style {
    Style::new().fg(Color::Cyan)
}

pub fn title() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn header_key() -> Style {
    Style::new().fg(Color::Yellow)
}

pub fn column_header() -> Style {
    Style::new().fg(Color::White).add_modifier(Modifier::BOLD)
}

pub fn selected() -> Style {
    Style::new().fg(Color::Black).bg(Color::Cyan)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn error() -> Style {
    Style::new().fg(Color::Red)
}

pub fn ok() -> Style {
    Style::new().fg(Color::Green)
}

pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}

pub fn key_hint() -> Style {
    Style::new().fg(Color::Magenta)
}

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn spinner(i: usize) -> &'static str {
    SPINNER[i % SPINNER.len()]
}

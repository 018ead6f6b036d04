//! Taking the terminal over and giving it back.
//!
//! The console runs in raw mode on the alternate screen with bracketed paste on, so a paste
//! arrives as one `Event::Paste` and never as keystrokes (a pasted `w` then `y` would otherwise
//! open and confirm a review). [`restore`] undoes all of it and is called on every way out: a
//! normal quit, an error, a panic on the UI thread, and SIGTERM, SIGHUP and SIGQUIT.

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// Raw mode, the alternate screen and bracketed paste; on failure the terminal is restored.
pub fn enter() -> std::io::Result<ratatui::DefaultTerminal> {
    let entered = (|| {
        enable_raw_mode()?;
        crossterm::execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste
        )?;
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
    })();
    if entered.is_err() {
        restore();
    }
    entered
}

/// Bracketed paste off, the main screen back, the cursor shown, raw mode off. Best effort and
/// each step on its own: after SIGHUP the terminal may already be gone, and one failed write
/// must not keep the others from being tried.
pub fn restore() {
    let mut out = std::io::stdout();
    let _ = crossterm::execute!(out, DisableBracketedPaste);
    let _ = crossterm::execute!(out, LeaveAlternateScreen);
    let _ = crossterm::execute!(out, Show);
    let _ = disable_raw_mode();
}

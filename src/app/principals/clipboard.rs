//! Putting a new secret on the terminal's clipboard: the OSC 52 encoder and the one-shot
//! hand-over to the run loop.

use crate::app::App;
use crate::config::Secret;

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (works over SSH). It holds
/// the secret (base64 is no protection), so it is wiped when dropped like the secret itself.
pub fn osc52(text: &str) -> zeroize::Zeroizing<String> {
    use base64::Engine;
    let encoded = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(text));
    zeroize::Zeroizing::new(format!("\x1b]52;c;{}\x07", *encoded))
}

impl App {
    /// A secret to put on the clipboard, taken once by the run loop (OSC 52).
    pub fn take_clipboard(&mut self) -> Option<Secret> {
        self.clipboard.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_encodes_base64() {
        assert_eq!(*osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}

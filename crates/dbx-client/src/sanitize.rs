//! Text that came from a server (error messages, names, domains) made safe to print or draw.
//!
//! A terminal acts on what it is sent: `ESC ] 2 ; … BEL` retitles the window, CSI sequences
//! move the cursor or repaint lines, OSC 52 writes the clipboard, and the bidi overrides make a
//! line read differently from what it holds. None of that may come from a server, so every
//! server-provided string goes through [`terminal_text`] before it reaches the screen.

use std::borrow::Cow;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
/// C1 String Terminator, the 8-bit form of `ESC \`.
const ST: char = '\u{9c}';

/// `text` with every escape sequence (CSI, OSC, DCS, SOS, PM, APC and the short `ESC x`
/// forms, in their 7-bit and 8-bit C1 spellings) removed whole, other C0 and C1 controls and DEL
/// removed, the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) removed,
/// and line breaks and tabs turned into spaces: the result is one line. Everything else,
/// including any non-Latin script, is kept as it is; clean text is returned borrowed.
pub fn terminal_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_care) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            ESC => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                // nF: intermediates, then one final byte (e.g. `ESC ( B`).
                Some('\u{20}'..='\u{2f}') => {
                    while chars
                        .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                        .is_some()
                    {}
                    chars.next();
                }
                // Fp, Fe, Fs: the two-character forms (`ESC 7`, `ESC M`, `ESC c`); or ESC alone.
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if needs_care(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_care(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// After `ESC [`: parameter and intermediate bytes, then the final byte. A control character
/// inside aborts the sequence (as terminals do); it is then handled on its own.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        if c.is_control() {
            return;
        }
        chars.next();
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
    }
}

/// After `ESC ]` (and the other string introducers): everything up to BEL, `ESC \` or ST. An
/// unterminated string runs to the end of the text, which is then dropped with it.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | ST => return,
            ESC => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::terminal_text;

    #[test]
    fn escape_sequences_and_controls_are_removed_whole() {
        let cases = [
            ("a\x1b]2;pwned\x07b", "ab"),
            ("a\x1b]52;c;ZXZpbA==\x1b\\b", "ab"),
            ("a\x1b[31;1mred\x1b[0m", "ared"),
            ("a\x1b[2J\x1b[Hb", "ab"),
            ("a\u{9b}31mb", "ab"),
            ("a\u{9d}0;title\u{9c}b", "ab"),
            ("a\x1bPq#0;2;0;0;0\x1b\\b", "ab"),
            ("a\x1b(Bb\x1b7c", "abc"),
            ("a\u{85}b\u{80}c\x7f", "abc"),
            ("a\x00b\x08c", "abc"),
            ("line1\nline2\r\n\tx", "line1 line2   x"),
            ("gnp.exe\u{202e}fdp.evil", "gnp.exefdp.evil"),
            ("\u{2066}x\u{2069}\u{202a}y\u{202c}", "xy"),
            ("unterminated \x1b]2;title", "unterminated "),
            ("trailing esc\x1b", "trailing esc"),
        ];
        for (raw, want) in cases {
            assert_eq!(terminal_text(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn plain_text_of_any_script_is_kept_borrowed() {
        for s in [
            "münchen.example.de",
            "東京-analytics",
            "Ελληνικά ✓ 🚀",
            "שלום عربي",
            "",
        ] {
            assert!(
                matches!(terminal_text(s), std::borrow::Cow::Borrowed(b) if b == s),
                "{s}"
            );
        }
    }
}

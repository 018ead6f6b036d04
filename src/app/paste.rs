//! Pasted text. With bracketed paste on, a paste arrives as one `Event::Paste` and is only ever
//! text: it goes whole into the focused input, never through the key map, so a pasted line
//! break submits nothing and a pasted `w` or `y` reviews or applies nothing.
//!
//! A paste of several lines into an input that adds DNS names to a policy list is offered as a
//! list to confirm ([`PasteOffer`]); what is confirmed becomes pending edits, written only after
//! the usual review.

use super::App;
use super::dialog::{Input as InputDialog, InputFor};
use super::editor::PolicyInput;
use super::modal::Modal;
use super::state::Mode;
use crate::api::network_policies::change::EditOp;
use crate::api::network_policies::validate::check_new_dns_destination;
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::HashSet;
use tui_input::Input;

/// The most characters a one-line input holds. A DNS name is at most 253; this leaves room for
/// anything legitimate and keeps a runaway paste (a log, a file) out.
pub const MAX_INPUT_CHARS: usize = 4096;

/// A network policy holds at most 2000 destinations in total, so a longer list cannot be meant.
pub const MAX_PASTED_NAMES: usize = 2000;

/// A multi-line paste into a DNS list input, waiting for `y`.
#[derive(Clone, Debug)]
pub struct PasteOffer {
    /// The input the paste went to; `esc` goes back to it as it was.
    pub purpose: PolicyInput,
    pub input: Input,
    /// The normalised names to add, in paste order.
    pub names: Vec<String>,
    /// Lines that cannot be added, with why, shown so that nothing is dropped unseen.
    pub rejected: Vec<(String, String)>,
    pub scroll: u16,
}

impl PasteOffer {
    fn op(&self, name: String) -> EditOp {
        match self.purpose {
            PolicyInput::AddBlocked => EditOp::AddBlockedDns { name },
            _ => EditOp::AddDns { name },
        }
    }

    /// "Add 2 names: a, b?" with the list that fits, for the dialog's first line.
    pub fn question(&self) -> String {
        let verb = match self.purpose {
            PolicyInput::AddBlocked => "Block",
            _ => "Allow",
        };
        match self.names.len() {
            0 => "Nothing to add: no line is a new, valid name.".into(),
            1 => format!("{verb} 1 name: {}?", self.names[0]),
            n => format!("{verb} {n} names: {}?", self.names.join(", ")),
        }
    }
}

/// The paste as one line: a trailing line break dropped (copying a line usually takes it
/// along), escape sequences and other control characters removed, inner line breaks and tabs
/// turned into spaces.
fn one_line(text: &str) -> String {
    crate::sanitize::terminal_text(text.trim_end_matches(['\r', '\n'])).into_owned()
}

/// The non-empty lines of a paste (terminals send `\r` for a line break, editors `\n`).
fn lines(text: &str) -> Vec<&str> {
    text.split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

/// `text` inserted at the cursor in one step (inserting char by char re-walks the value for
/// each one), or why not.
fn insert(input: &mut Input, text: &str) -> Result<(), String> {
    let value = input.value();
    let total = value.chars().count() + text.chars().count();
    if total > MAX_INPUT_CHARS {
        return Err(format!(
            "paste ignored: {} characters, and an input holds at most {MAX_INPUT_CHARS}",
            text.chars().count()
        ));
    }
    let at = value
        .char_indices()
        .nth(input.cursor())
        .map_or(value.len(), |(i, _)| i);
    let cursor = input.cursor() + text.chars().count();
    let mut new = String::with_capacity(value.len() + text.len());
    new.push_str(&value[..at]);
    new.push_str(text);
    new.push_str(&value[at..]);
    *input = Input::new(new).with_cursor(cursor);
    Ok(())
}

impl App {
    /// A paste: into the focused input, as text; with nothing focused, nowhere.
    pub(super) fn on_paste(&mut self, text: String) {
        self.dirty = true;
        self.state.flash = None;
        let Some(modal) = self.state.modal.take() else {
            let result = match &mut self.state.mode {
                Mode::Command(input) | Mode::Filter(input) => insert(input, &one_line(&text)),
                Mode::Normal | Mode::Help => {
                    Err("paste ignored: no text input has the focus".to_owned())
                }
            };
            match result {
                Ok(()) => self.after_input_change(),
                Err(e) => self.state.flash = Some(e),
            }
            return;
        };
        let modal = match modal {
            Modal::Input(mut d) => match &d.purpose {
                InputFor::Policy(purpose @ (PolicyInput::AddDns | PolicyInput::AddBlocked))
                    if lines(&text).len() > 1 =>
                {
                    match self.offer(purpose.clone(), d.input.clone(), &text) {
                        Ok(offer) => Modal::PasteOffer(Box::new(offer)),
                        Err(e) => {
                            self.state.flash = Some(e);
                            Modal::Input(d)
                        }
                    }
                }
                _ => {
                    match insert(&mut d.input, &one_line(&text)) {
                        Ok(()) => self.recheck(&mut d),
                        Err(e) => self.state.flash = Some(e),
                    }
                    Modal::Input(d)
                }
            },
            Modal::TypeToConfirm(mut d) => {
                if let Err(e) = insert(&mut d.input, &one_line(&text)) {
                    self.state.flash = Some(e);
                }
                Modal::TypeToConfirm(d)
            }
            Modal::SignIn(mut d) => {
                if !App::sign_in_paste(&mut d, &text) {
                    self.state.flash = Some("paste ignored: no text input has the focus".into());
                }
                Modal::SignIn(d)
            }
            other => {
                self.state.flash = Some("paste ignored: no text input has the focus".into());
                other
            }
        };
        self.state.modal = Some(modal);
    }

    /// Each pasted line checked as if typed and entered: new names are offered, the rest listed
    /// with the reason.
    fn offer(&self, purpose: PolicyInput, input: Input, text: &str) -> Result<PasteOffer, String> {
        let lines = lines(text);
        if lines.len() > MAX_PASTED_NAMES {
            return Err(format!(
                "paste ignored: {} lines, and a policy holds at most {MAX_PASTED_NAMES} destinations",
                lines.len()
            ));
        }
        let draft = self.state.detail_draft();
        let existing = match (&purpose, &draft) {
            (PolicyInput::AddBlocked, Some(p)) => p.blocked_destinations(),
            (_, Some(p)) => p.internet_destinations(),
            (_, None) => &[],
        };
        // Compared normalised, once each: checking every line against the whole list would be
        // quadratic in a long paste.
        let mut seen: HashSet<String> = existing
            .iter()
            .map(|d| {
                check_new_dns_destination(&d.destination, &[])
                    .unwrap_or_else(|_| d.destination.trim().to_ascii_lowercase())
            })
            .collect();
        let mut names = Vec::new();
        let mut rejected = Vec::new();
        for line in lines {
            let shown = one_line(line);
            match check_new_dns_destination(line, &[]) {
                Ok(name) if seen.insert(name.clone()) => names.push(name),
                Ok(name) => rejected.push((shown, format!("{name} is already in the list"))),
                Err(e) => rejected.push((shown, e.to_string())),
            }
        }
        Ok(PasteOffer {
            purpose,
            input,
            names,
            rejected,
            scroll: 0,
        })
    }

    /// Keys while a paste offer is open: `y` adds the names as pending edits, `esc`/`n` goes
    /// back to the input as it was before the paste.
    pub(super) fn paste_offer_key(&mut self, offer: PasteOffer, key: KeyEvent) -> Option<Modal> {
        match key.code {
            KeyCode::Char('y') if !offer.names.is_empty() => {
                let count = offer.names.len();
                let skipped = offer.rejected.len();
                for name in offer.names.clone() {
                    self.push_op(offer.op(name));
                }
                let review = self
                    .state
                    .keymap
                    .label(super::keymap::Action::Review)
                    .unwrap_or_else(|| ":review".into());
                let mut flash =
                    format!("pending: {count} name(s) added ({review} to review and apply)");
                if skipped > 0 {
                    flash.push_str(&format!("; {skipped} line(s) not added (listed before)"));
                }
                self.state.flash = Some(flash);
                None
            }
            KeyCode::Char('n') | KeyCode::Esc => Some(Modal::Input(InputDialog {
                purpose: InputFor::Policy(offer.purpose),
                input: offer.input,
                error: None,
            })),
            code => Some(Modal::PasteOffer(Box::new(PasteOffer {
                scroll: super::modal::scrolled(code, offer.scroll),
                ..offer
            }))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_puts_the_text_at_the_cursor_in_one_step() {
        let mut input = Input::new("ab".into()).with_cursor(1);
        insert(&mut input, "xü").unwrap();
        assert_eq!((input.value(), input.cursor()), ("axüb", 3));
        let big = "x".repeat(MAX_INPUT_CHARS);
        assert!(
            insert(&mut input, &big)
                .unwrap_err()
                .contains("at most 4096")
        );
        assert_eq!(input.value(), "axüb", "a refused paste changes nothing");
    }

    #[test]
    fn a_paste_becomes_one_clean_line() {
        assert_eq!(one_line("a.example.com\r\n"), "a.example.com");
        assert_eq!(one_line("a\tb\nc\x1b[31md"), "a b cd");
        assert_eq!(lines("a\r\n\r\nb\n  c  \n"), vec!["a", "b", "c"]);
    }
}

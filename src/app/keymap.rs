//! The key registry: every named action, its default keys and its description. Help, footer
//! hints and the rebinding file all come from here, so they can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Something a key can do in a list or detail view.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Command,
    Filter,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Refresh,
    AddDns,
    AddStorage,
    AddBlocked,
    RemoveEntry,
    ToggleRestriction,
    ToggleEnforcement,
    CycleDryRunProducts,
    Review,
    Export,
    Create,
    Clone,
    Delete,
    Bind,
    Undo,
    TogglePause,
    SwitchTab,
    SortNext,
    SortReverse,
    ToggleActive,
    Rename,
    NewSecret,
    RotateSecret,
    AddToGroup,
    Rollout,
    ToggleRow,
    ReadEgressThrough,
    SignIn,
}

/// Registry entry: the name used in the keys file, default keys, what help says.
pub struct ActionInfo {
    pub action: Action,
    pub name: &'static str,
    pub defaults: &'static [&'static str],
    pub description: &'static str,
}

#[rustfmt::skip]
pub const ACTIONS: &[ActionInfo] = &[
    ActionInfo { action: Action::Command, name: "command", defaults: &[":"], description: "command line (:ws :np :sp :egress :ctx :q)" },
    ActionInfo { action: Action::Filter, name: "filter", defaults: &["/"], description: "filter the list (! inverts)" },
    ActionInfo { action: Action::Help, name: "help", defaults: &["?"], description: "show or hide this help" },
    ActionInfo { action: Action::Up, name: "up", defaults: &["up", "k"], description: "move up" },
    ActionInfo { action: Action::Down, name: "down", defaults: &["down", "j"], description: "move down" },
    ActionInfo { action: Action::PageUp, name: "page_up", defaults: &["pageup", "ctrl-b"], description: "page up" },
    ActionInfo { action: Action::PageDown, name: "page_down", defaults: &["pagedown", "ctrl-f"], description: "page down" },
    ActionInfo { action: Action::Top, name: "top", defaults: &["home", "g"], description: "first row" },
    ActionInfo { action: Action::Bottom, name: "bottom", defaults: &["end", "G"], description: "last row" },
    ActionInfo { action: Action::Open, name: "open", defaults: &["enter"], description: "open the row; in a policy, edit the entry" },
    ActionInfo { action: Action::Back, name: "back", defaults: &["esc"], description: "back, or clear the filter" },
    ActionInfo { action: Action::Refresh, name: "refresh", defaults: &["r"], description: "reload this view" },
    ActionInfo { action: Action::Quit, name: "quit", defaults: &["q"], description: "quit (ctrl-c always quits)" },
    ActionInfo { action: Action::AddDns, name: "add_dns", defaults: &["a"], description: "allow a DNS name (egress log: the blocked one)" },
    ActionInfo { action: Action::AddStorage, name: "add_storage", defaults: &["s"], description: "allow a storage destination" },
    ActionInfo { action: Action::AddBlocked, name: "add_blocked", defaults: &["x"], description: "block a DNS name" },
    ActionInfo { action: Action::RemoveEntry, name: "remove_entry", defaults: &["d"], description: "remove the selected entry/workspace/group/secret" },
    ActionInfo { action: Action::ToggleRestriction, name: "toggle_restriction", defaults: &["m"], description: "full access <-> restricted access" },
    ActionInfo { action: Action::ToggleEnforcement, name: "toggle_enforcement", defaults: &["f"], description: "enforced <-> dry run" },
    ActionInfo { action: Action::CycleDryRunProducts, name: "dry_run_products", defaults: &["P"], description: "cycle the dry-run product filter" },
    ActionInfo { action: Action::Review, name: "review", defaults: &["w"], description: "review the pending change (diff), y applies" },
    ActionInfo { action: Action::Export, name: "export", defaults: &["e"], description: "export a policy as Terraform or JSON" },
    ActionInfo { action: Action::Create, name: "create", defaults: &["c"], description: "create a policy or a service principal" },
    ActionInfo { action: Action::Clone, name: "clone", defaults: &["C"], description: "clone a policy under a new id" },
    ActionInfo { action: Action::Delete, name: "delete", defaults: &["ctrl-d"], description: "delete a policy or principal (type its name)" },
    ActionInfo { action: Action::Bind, name: "bind", defaults: &["b"], description: "bind a workspace to a policy / a principal to one" },
    ActionInfo { action: Action::Undo, name: "undo", defaults: &["u"], description: "in :history, prepare the reverse change" },
    ActionInfo { action: Action::TogglePause, name: "pause", defaults: &["p"], description: "egress log: pause or resume the live tail" },
    ActionInfo { action: Action::SwitchTab, name: "switch_tab", defaults: &["tab"], description: "egress log: events <-> by destination" },
    ActionInfo { action: Action::SortNext, name: "sort_next", defaults: &["o"], description: "sort by the next column" },
    ActionInfo { action: Action::SortReverse, name: "sort_reverse", defaults: &["O"], description: "flip the sort order" },
    ActionInfo { action: Action::ToggleActive, name: "toggle_active", defaults: &["t"], description: "activate / deactivate a service principal" },
    ActionInfo { action: Action::Rename, name: "rename", defaults: &["E"], description: "rename a service principal" },
    ActionInfo { action: Action::NewSecret, name: "new_secret", defaults: &["n"], description: "create an OAuth secret (shown once)" },
    ActionInfo { action: Action::RotateSecret, name: "rotate_secret", defaults: &["R"], description: "rotate a secret: new one shown once, old deleted" },
    ActionInfo { action: Action::ReadEgressThrough, name: "read_egress_through", defaults: &["L"], description: "egress log: read it through this workspace (:ws)" },
    ActionInfo { action: Action::AddToGroup, name: "add_to_group", defaults: &["+"], description: "add a service principal to a group" },
    ActionInfo { action: Action::Rollout, name: "rollout", defaults: &["F"], description: "rollout: what enforcing this dry-run policy blocks (:rollout)" },
    ActionInfo { action: Action::ToggleRow, name: "toggle_row", defaults: &["space"], description: "rollout: choose the row to allow" },
    ActionInfo { action: Action::SignIn, name: "sign_in", defaults: &["S"], description: "sign in again when your login has expired" },
];

#[allow(
    clippy::expect_used,
    reason = "every action is in ACTIONS; a unit test walks them all"
)]
pub fn info(action: Action) -> &'static ActionInfo {
    ACTIONS
        .iter()
        .find(|a| a.action == action)
        .expect("every action is registered")
}

/// A key with modifiers, as written in the keys file (`ctrl-f`, `G`, `enter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// `KeyCode` subset that orders and hashes, for map keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

impl Key {
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            _ => return None,
        };
        Some(Key {
            code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
            alt: ev.modifiers.contains(KeyModifiers::ALT),
        })
    }

    /// Parse `ctrl-f`, `alt-x`, `G`, `enter`, `f5`, `?`.
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s.trim();
        loop {
            let lower = rest.to_ascii_lowercase();
            if lower.starts_with("ctrl-") && rest.len() > 5 {
                ctrl = true;
                rest = &rest[5..];
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                alt = true;
                rest = &rest[4..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" => KeyCodeOrd::Tab,
                "backtab" => KeyCodeOrd::BackTab,
                "backspace" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                "pageup" | "pgup" => KeyCodeOrd::PageUp,
                "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
                "space" => KeyCodeOrd::Char(' '),
                f if f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                    KeyCodeOrd::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("unknown key {s:?}")),
            },
        };
        Ok(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            other => f.write_str(&format!("{other:?}").to_ascii_lowercase()),
        }
    }
}

/// The live bindings: defaults with the user's overrides applied.
#[derive(Clone, Debug)]
pub struct Keymap {
    by_key: BTreeMap<Key, Action>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl Default for Keymap {
    #[allow(
        clippy::expect_used,
        reason = "the built-in defaults are constants, parsed by every test run"
    )]
    fn default() -> Self {
        Self::with_overrides(&BTreeMap::new()).expect("the default keys parse")
    }
}

impl Keymap {
    /// Apply overrides by action name; an empty list unbinds the action. A key bound to a
    /// new action is taken away from its default one, so there is never a silent conflict.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Self, String> {
        for name in overrides.keys() {
            if !ACTIONS.iter().any(|a| a.name == name) {
                let known: Vec<_> = ACTIONS.iter().map(|a| a.name).collect();
                return Err(format!(
                    "unknown action {name:?}; known actions: {}",
                    known.join(", ")
                ));
            }
        }
        let mut by_action: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        let mut overridden_keys = Vec::new();
        for a in ACTIONS {
            let keys: Vec<Key> = match overrides.get(a.name) {
                Some(list) => {
                    let keys = list
                        .iter()
                        .map(|k| Key::parse(k))
                        .collect::<Result<Vec<_>, _>>()?;
                    overridden_keys.extend(keys.iter().copied());
                    keys
                }
                None => a
                    .defaults
                    .iter()
                    .map(|k| Key::parse(k))
                    .collect::<Result<Vec<_>, _>>()?,
            };
            by_action.insert(a.action, keys);
        }
        for a in ACTIONS {
            if !overrides.contains_key(a.name)
                && let Some(keys) = by_action.get_mut(&a.action)
            {
                keys.retain(|k| !overridden_keys.contains(k));
            }
        }
        let mut by_key = BTreeMap::new();
        for (action, keys) in &by_action {
            for k in keys {
                if let Some(other) = by_key.insert(*k, *action)
                    && other != *action
                {
                    return Err(format!(
                        "key {k} is bound to both {} and {}",
                        info(other).name,
                        info(*action).name
                    ));
                }
            }
        }
        Ok(Self { by_key, by_action })
    }

    pub fn action_for(&self, ev: &KeyEvent) -> Option<Action> {
        let key = Key::from_event(ev)?;
        self.by_key.get(&key).copied().or_else(|| {
            // Terminals report shifted letters with SHIFT; the table stores the letter itself.
            if let KeyCodeOrd::Char(c) = key.code {
                self.by_key
                    .get(&Key {
                        code: KeyCodeOrd::Char(c),
                        ..key
                    })
                    .copied()
            } else {
                None
            }
        })
    }

    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map_or(&[], Vec::as_slice)
    }

    /// `"j/down"`-style label for hints, or `None` when the action is unbound.
    pub fn label(&self, action: Action) -> Option<String> {
        let keys = self.keys(action);
        (!keys.is_empty()).then(|| {
            keys.iter()
                .map(Key::to_string)
                .collect::<Vec<_>>()
                .join("/")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn defaults_resolve() {
        let k = Keymap::default();
        assert_eq!(
            k.action_for(&ev(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Action::Down)
        );
        assert_eq!(
            k.action_for(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Action::Bottom)
        );
        assert_eq!(
            k.action_for(&ev(KeyCode::Char('f'), KeyModifiers::CONTROL)),
            Some(Action::PageDown)
        );
        assert_eq!(
            k.action_for(&ev(KeyCode::Char('z'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn overrides_rebind_unbind_and_steal() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec![]);
        o.insert(
            "refresh".to_string(),
            vec!["f5".to_string(), "k".to_string()],
        );
        let k = Keymap::with_overrides(&o).unwrap();
        assert_eq!(
            k.action_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            k.action_for(&ev(KeyCode::F(5), KeyModifiers::NONE)),
            Some(Action::Refresh)
        );
        assert_eq!(
            k.action_for(&ev(KeyCode::Char('k'), KeyModifiers::NONE)),
            Some(Action::Refresh)
        );
        assert_eq!(k.label(Action::Up).unwrap(), "up");
        assert_eq!(k.label(Action::Quit), None);
    }

    #[test]
    fn bad_overrides_are_explained() {
        for (action, key, says) in [
            ("explode", "x", "unknown action"),
            ("quit", "hyper-z", "unknown key"),
        ] {
            let o = BTreeMap::from([(action.to_string(), vec![key.to_string()])]);
            let error = Keymap::with_overrides(&o).unwrap_err();
            assert!(error.contains(says), "{action} = {key}: {error}");
        }
    }
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn every_action_is_registered_once() {
        let all = [
            Action::Quit,
            Action::Command,
            Action::Filter,
            Action::Help,
            Action::Up,
            Action::Down,
            Action::PageUp,
            Action::PageDown,
            Action::Top,
            Action::Bottom,
            Action::Open,
            Action::Back,
            Action::Refresh,
            Action::AddDns,
            Action::AddStorage,
            Action::AddBlocked,
            Action::RemoveEntry,
            Action::ToggleRestriction,
            Action::ToggleEnforcement,
            Action::CycleDryRunProducts,
            Action::Review,
            Action::Export,
            Action::Create,
            Action::Clone,
            Action::Delete,
            Action::Bind,
            Action::Undo,
            Action::TogglePause,
            Action::SwitchTab,
            Action::SortNext,
            Action::SortReverse,
            Action::ToggleActive,
            Action::Rename,
            Action::NewSecret,
            Action::RotateSecret,
            Action::AddToGroup,
            Action::ReadEgressThrough,
            Action::Rollout,
            Action::ToggleRow,
            Action::SignIn,
        ];
        for a in all {
            assert_eq!(ACTIONS.iter().filter(|i| i.action == a).count(), 1, "{a:?}");
            assert!(
                Keymap::default().label(a).is_some(),
                "{a:?} has no default key"
            );
        }
        assert_eq!(ACTIONS.len(), all.len());
    }
}

//! Yes/no questions before something that cannot be taken back: leaving with unapplied edits,
//! switching profile, dropping pending edits (for an undo, or on leaving a review), binding a
//! workspace, overwriting a file, a service principal's writes. Only `y` goes ahead; `n`, Esc
//! and every other key keep things as they are.

use super::App;
use super::dialog::{Answer, Question, answer};
use super::modal::Modal;
use super::pending::{EditsFrom, WaitingEdits};
use super::state::{PolicyDetail, State, View};
use crate::actor::{PrincipalWrite, Request, Slot};
use crate::api::network_policies::change::EditOp;
use crate::api::{PolicyId, WorkspaceId};
use crossterm::event::KeyEvent;
use std::path::PathBuf;

/// What `y` does.
#[derive(Clone, Debug, PartialEq)]
pub enum Confirm {
    /// Quit although edits are pending.
    Quit,
    /// Switch to another profile, dropping the pending edits (they belong to this account).
    SwitchProfile {
        name: String,
        /// Asked from the contexts list, which closes once the switch is made.
        from_contexts: bool,
    },
    /// Drop the pending edits of a policy and review the undo of a journal entry instead.
    UndoOverPending { policy: PolicyId, ops: Vec<EditOp> },
    /// Replace an existing file with an export.
    Overwrite { path: PathBuf, text: String },
    /// Drop the pending change of a policy (esc in its review).
    Discard { policy: PolicyId },
    /// Bind a workspace to a policy, if it is still bound to `expected`.
    Bind {
        workspace: WorkspaceId,
        policy: PolicyId,
        expected: PolicyId,
    },
    /// A write to a service principal; `lines` say what breaks.
    Principal {
        write: PrincipalWrite,
        title: String,
        lines: Vec<String>,
    },
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A question whose answer is y or n.
fn yes_no(title: &str, lines: Vec<String>) -> Question {
    Question {
        title: title.into(),
        lines,
        keys: " y yes · n no (default)",
        width: 96,
    }
}

impl Confirm {
    /// The question, for the dialog.
    pub fn question(&self, state: &State) -> Question {
        let policies = state.pending.len();
        let unapplied = format!(
            "{} unapplied changes",
            if policies == 1 {
                "1 policy has".to_owned()
            } else {
                format!("{policies} policies have")
            }
        );
        let edits_of = |policy| state.pending.get(policy).map_or(0, |p| p.ops.len());
        match self {
            Confirm::Quit => yes_no("Quit?", vec![format!("{unapplied}: quit anyway? y/n")]),
            Confirm::SwitchProfile { name, .. } => yes_no(
                "Switch profile?",
                vec![
                    format!("{unapplied}: switch to {name} and discard them? y/n"),
                    "(they were made against this profile's account)".into(),
                ],
            ),
            Confirm::UndoOverPending { policy, .. } => {
                let n = edits_of(policy);
                yes_no(
                    "Undo?",
                    vec![format!(
                        "{policy} has {} not applied yet: discard {} and review the undo? y/n",
                        plural(n, "edit", "edits"),
                        if n == 1 { "it" } else { "them" }
                    )],
                )
            }
            Confirm::Overwrite { path, .. } => yes_no(
                "Overwrite?",
                vec![format!("{} exists: overwrite it? y/n", path.display())],
            ),
            Confirm::Discard { policy } => Question {
                title: "Discard?".into(),
                lines: vec![format!(
                    "Discard {} pending change(s) to {policy}?",
                    edits_of(policy)
                )],
                keys: " y discard · n keep them (default)",
                width: 70,
            },
            Confirm::Bind {
                workspace,
                policy,
                expected,
            } => {
                let name = state.workspace_index.get(workspace).map_or_else(
                    || workspace.to_string(),
                    |&i| state.workspaces[i].workspace_name.clone(),
                );
                Question {
                    title: "Bind".into(),
                    lines: vec![
                        format!("Bind workspace {name} ({workspace}) to {policy}?"),
                        format!(
                            "It is bound to {expected} now; its serverless egress follows {policy} from then on."
                        ),
                    ],
                    keys: " y bind · n cancel (default)",
                    width: u16::MAX,
                }
            }
            Confirm::Principal { title, lines, .. } => Question {
                title: title.clone(),
                lines: lines.iter().cloned().chain([String::new()]).collect(),
                keys: " y go ahead · n cancel (default)",
                width: u16::MAX,
            },
        }
    }
}

impl App {
    /// `q` or `:q`: quit, after asking when edits would be lost. ctrl-c never asks.
    pub(super) fn request_quit(&mut self) {
        if self.state.pending.is_empty() {
            self.should_quit = true;
        } else {
            self.state.modal = Some(Modal::Confirm(Confirm::Quit));
        }
    }

    /// `:ctx NAME` or Enter in the contexts list: switch, after asking when pending edits would
    /// be dropped. Reconnecting the current profile keeps them.
    pub(super) fn switch_profile(&mut self, name: String, from_contexts: bool) {
        if !self.state.profiles.iter().any(|p| p.name == name) {
            // Says there is no such profile; nothing is dropped.
            self.connect(&name);
            return;
        }
        let current = self.state.current_profile().map(|p| p.name.clone());
        if self.state.pending.is_empty() || current.as_deref() == Some(name.as_str()) {
            self.confirmed(Confirm::SwitchProfile {
                name,
                from_contexts,
            });
        } else {
            self.state.modal = Some(Modal::Confirm(Confirm::SwitchProfile {
                name,
                from_contexts,
            }));
        }
    }

    /// Load `policy` and review `ops` against the server's version of it.
    pub(super) fn review_undo(&mut self, policy: PolicyId, ops: Vec<EditOp>) {
        self.state.waiting_edits = Some(WaitingEdits {
            policy: policy.clone(),
            ops,
            from: EditsFrom::Undo,
        });
        self.state.detail = PolicyDetail {
            id: Some(policy),
            ..Default::default()
        };
        self.show(View::PolicyDetail);
    }

    /// A key while a question is open.
    pub(super) fn confirm_key(&mut self, c: Confirm, key: KeyEvent) -> Option<Modal> {
        match answer(&key) {
            Answer::Yes => {
                // What `y` starts may open a dialog of its own; the caller keeps it.
                self.confirmed(c);
                None
            }
            Answer::No => {
                if let Confirm::Overwrite { path, .. } = &c {
                    self.state.flash = Some(format!("kept {}; nothing written", path.display()));
                }
                None
            }
            Answer::Undecided => Some(Modal::Confirm(c)),
        }
    }

    fn confirmed(&mut self, c: Confirm) {
        match c {
            Confirm::Quit => self.should_quit = true,
            Confirm::SwitchProfile {
                name,
                from_contexts,
            } => {
                let current = self.state.current_profile().map(|p| p.name.clone());
                if current.as_deref() != Some(name.as_str()) {
                    self.state.pending.clear();
                    self.state.waiting_edits = None;
                }
                self.connect(&name);
                if from_contexts {
                    let back = self.state.back_stack.pop().unwrap_or(View::Workspaces);
                    self.state.view = back;
                    self.state.rebuild_current();
                }
            }
            Confirm::UndoOverPending { policy, ops } => {
                self.state.pending.remove(&policy);
                self.review_undo(policy, ops);
            }
            Confirm::Overwrite { path, text } => self.overwrite_export(&path, &text),
            Confirm::Discard { policy } => {
                self.state.pending.remove(&policy);
                self.state.flash = Some(format!("discarded the pending change of {policy}"));
            }
            Confirm::Bind {
                workspace,
                policy,
                expected,
            } => {
                self.request(
                    Slot::Write,
                    Request::Workspaces(crate::actor::WorkspacesRequest::Bind {
                        workspace,
                        policy,
                        expected,
                    }),
                );
            }
            Confirm::Principal { write, .. } => self.send_write(write),
        }
    }
}

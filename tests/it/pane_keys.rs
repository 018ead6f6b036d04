//! Every key does what the screen says: each view's declared key table drives the footer and
//! help, `/` in a policy finds an entry (it never lets typed text run as keys), `o`/`O` sort the
//! workspaces and policies, `Enter` in `:history` shows the change, and a key with no meaning in
//! the view says where it has one.

use super::ui_snapshots::{code, connected_app, draw, key, serve, type_str};
use crossterm::event::KeyCode;
use dbx_tui::app::App;
use dbx_tui::app::state::{Load, Mode, View};
use dbx_tui::journal::JournalEntry;

fn command(app: &mut App, line: &str) {
    app.handle_key(key(':'));
    type_str(app, line);
    app.handle_key(code(KeyCode::Enter));
    serve(app);
}

fn open_corp_egress() -> App {
    let mut app = connected_app();
    command(&mut app, "np");
    app.handle_key(key('j'));
    app.handle_key(code(KeyCode::Enter));
    serve(&mut app);
    assert_eq!(app.state.view, View::PolicyDetail);
    app
}

fn footer(screen: &str) -> &str {
    screen.lines().last().unwrap_or_default()
}

fn status(screen: &str) -> &str {
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len() - 2]
}

#[test]
fn slash_in_a_policy_finds_an_entry_and_typed_text_never_runs_as_keys() {
    let mut app = open_corp_egress();
    // A pending edit: the old code let `/q` reach `q`.
    app.handle_key(key('f'));
    assert_eq!(app.state.pending.len(), 1);
    let screen = draw(&app);
    assert!(footer(&screen).contains("</> find"), "{screen}");
    app.handle_key(key('/'));
    assert!(
        matches!(app.state.mode, Mode::Filter(_)),
        "/ opens the find prompt"
    );
    type_str(&mut app, "qpypi");
    assert!(!app.should_quit);
    assert!(app.state.modal.is_none(), "typed text opened a dialog");
    assert_eq!(app.state.pending.len(), 1, "typed text edited the policy");
    // `qpypi` matches nothing; the prompt says so and the cursor stays.
    assert!(draw(&app).contains("no entry matches qpypi"));
    for _ in 0..5 {
        app.handle_key(code(KeyCode::Backspace));
    }
    type_str(&mut app, "pypi");
    app.handle_key(code(KeyCode::Enter));
    assert!(matches!(app.state.mode, Mode::Normal));
    let screen = draw(&app);
    let selected = screen.lines().find(|l| l.contains("▶")).unwrap_or_default();
    assert!(selected.contains("pypi.org"), "{screen}");
}

#[test]
fn a_key_with_no_meaning_here_says_where_it_has_one() {
    let mut app = connected_app();
    app.handle_key(key('c'));
    let screen = draw(&app);
    assert!(
        status(&screen).contains("c does nothing here; in :np: create a policy"),
        "{screen}"
    );
    assert!(app.state.modal.is_none());
    app.handle_key(key('z'));
    assert!(
        status(&draw(&app)).contains("z does nothing here; ? lists this view's keys"),
        "{}",
        draw(&app)
    );
    // In the policy detail, `p` (the egress log's pause) is not the product filter.
    let mut app = open_corp_egress();
    app.handle_key(key('p'));
    assert!(app.state.pending.is_empty());
    assert!(
        status(&draw(&app)).contains("p does nothing here; in :egress: pause or resume"),
        "{}",
        draw(&app)
    );
}

#[test]
fn footer_and_help_list_what_the_view_handles() {
    let mut app = connected_app();
    app.state.size = (150, 30);
    let screen = draw(&app);
    let f = footer(&screen);
    for hint in ["<o> sort", "<b> bind", "<enter> open", "<r> refresh"] {
        assert!(f.contains(hint), "workspaces footer lacks {hint}: {f}");
    }
    app.handle_key(key('?'));
    let screen = draw(&app);
    assert!(screen.contains("In this view (Workspaces)"), "{screen}");
    assert!(screen.contains("bind the workspace to another policy"));
    assert!(
        !screen.contains("pause or resume"),
        "help lists keys of other views"
    );
}

fn column_of(screen: &str, names: &[&str]) -> Vec<usize> {
    let mut at: Vec<(usize, usize)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (screen.find(n).unwrap_or(usize::MAX), i))
        .collect();
    at.sort_unstable();
    at.into_iter().map(|(_, i)| i).collect()
}

#[test]
fn o_sorts_the_workspaces_and_the_policies() {
    let mut app = connected_app();
    let names = ["prod-analytics", "dev-ml", "finance-etl", "sandbox"];
    assert_eq!(column_of(&draw(&app), &names), [0, 1, 2, 3]);
    // Select finance-etl; sorting keeps it selected.
    app.handle_key(key('j'));
    app.handle_key(key('j'));
    app.handle_key(key('o')); // ID
    app.handle_key(key('o')); // NAME
    let screen = draw(&app);
    assert!(screen.contains("NAME ▲"), "{screen}");
    assert_eq!(column_of(&screen, &names), [1, 2, 0, 3]);
    assert_eq!(
        app.state
            .workspaces_list
            .selected_index()
            .map(|i| app.state.workspaces[i].workspace_name.clone())
            .as_deref(),
        Some("finance-etl")
    );
    app.handle_key(key('O'));
    let screen = draw(&app);
    assert!(screen.contains("NAME ▼"), "{screen}");
    assert_eq!(column_of(&screen, &names), [3, 0, 2, 1]);

    command(&mut app, "np");
    let ids = ["default-policy", "corp-egress", "ml-serving-lockdown"];
    app.handle_key(key('o'));
    let screen = draw(&app);
    assert!(screen.contains("ID ▲"), "{screen}");
    assert_eq!(column_of(&screen, &ids), [1, 0, 2]);
    insta::assert_snapshot!(screen);
}

fn entry(
    action: &str,
    object: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> JournalEntry {
    JournalEntry {
        time: "2027-01-15T08:00:00Z".into(),
        profile: "prod-account".into(),
        principal: "terraform-ci".into(),
        action: action.into(),
        policy_id: object.into(),
        workspace_id: None,
        before: Some(before),
        after: Some(after),
    }
}

#[test]
fn history_names_objects_by_kind_and_enter_shows_the_change() {
    let mut app = connected_app();
    let corp = serde_json::json!({
        "network_policy_id": "corp-egress",
        "egress": {"network_access": {"restriction_mode": "RESTRICTED_ACCESS",
            "allowed_internet_destinations": [{"destination": "pypi.org", "internet_destination_type": "DNS_NAME"}]}}
    });
    let mut corp_after = corp.clone();
    corp_after["egress"]["network_access"]["allowed_internet_destinations"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"destination": "api.openai.com", "internet_destination_type": "DNS_NAME"}));
    let sp_before = serde_json::json!({"id": "6889354443587991", "displayName": "etl-runner",
        "applicationId": "0b7f5e5c-0000-4000-8000-000000000001", "active": true});
    let mut sp_after = sp_before.clone();
    sp_after["active"] = serde_json::json!(false);
    app.state.history.journal = vec![
        entry("update_policy", "corp-egress", corp, corp_after),
        entry(
            "deactivate_service_principal",
            "6889354443587991",
            sp_before,
            sp_after,
        ),
    ];
    app.state.history.load = Load::Loaded;
    command(&mut app, "history");
    let screen = draw(&app);
    assert!(screen.contains("KIND"), "{screen}");
    assert!(
        screen.contains("principal") && screen.contains("etl-runner"),
        "{screen}"
    );
    assert!(
        !screen.contains("6889354443587991"),
        "an SP by number: {screen}"
    );
    // Newest first: the principal; move to the policy change and open it.
    app.handle_key(key('j'));
    app.handle_key(code(KeyCode::Enter));
    let screen = draw(&app);
    assert!(
        screen.contains("+ ") && screen.contains("api.openai.com"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    app.handle_key(code(KeyCode::Esc));
    assert!(app.state.modal.is_none());
}

#[test]
fn a_principal_status_line_names_it_not_its_number() {
    use dbx_tui::actor::{ActorEvent, Command, Payload, PrincipalsPayload};
    let mut app = connected_app();
    let sp: dbx_tui::api::scim::ServicePrincipal = serde_json::from_value(serde_json::json!({
        "id": "6889354443587991", "displayName": "etl-runner",
        "applicationId": "0b7f5e5c-0000-4000-8000-000000000001", "active": true
    }))
    .unwrap();
    app.state.view = View::Principals;
    app.state.principals.upsert(vec![sp.clone()]);
    app.state.principals.rebuild();
    app.take_commands();
    app.handle_key(key('t'));
    app.handle_key(key('y'));
    let id = app
        .take_commands()
        .into_iter()
        .find_map(|c| match c {
            Command::Send { id, .. } => Some(id),
            _ => None,
        })
        .expect("the deactivation was sent");
    let mut after = sp;
    after.active = Some(false);
    app.handle_actor_event(ActorEvent::Response {
        id,
        payload: Payload::Principals(PrincipalsPayload::Written {
            id: "6889354443587991".into(),
            message: "deactivated 6889354443587991; read back and verified".into(),
            sp: Some(after),
            deleted: false,
        }),
    });
    let screen = draw(&app);
    assert!(
        status(&screen).contains("deactivated etl-runner; read back and verified"),
        "{screen}"
    );
}
